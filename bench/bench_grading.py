"""Grading benchmark: warm offline grade + feedback turn latency, as a ratio to retrieval alone.

Each answer is new to the grader (its sentences are embedded on the spot); key point vectors
are cached after a question's first answer, as in a running tutor.

    python bench/bench_grading.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from tutor.corpus.chunking import chunk_notes
from tutor.corpus.notes import load_notes
from tutor.grading.feedback import pick_follow_up, render_feedback
from tutor.grading.service import GradingService
from tutor.retrieval import open_retriever, open_store
from tutor.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=1,
                        help="passes over the set; after the first, answer embeddings come from cache")
    args = parser.parse_args()
    rows = [json.loads(line) for line in (ROOT / "eval" / "grading.jsonl").open(encoding="utf-8")]
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home))
        open_store(settings).sync(chunk_notes(load_notes(settings.corpus_dir)))
        retriever = open_retriever(settings)
        service = GradingService(settings, retriever)
        t0 = time.perf_counter()
        service.grade(rows[0]["question_id"], rows[0]["answer"])  # builds IDF, loads bank
        warmup = time.perf_counter() - t0
        for r in rows[:20]:
            service.grade(r["question_id"], r["answer"])
        retrieval, turn, free = [], [], []
        for _ in range(args.repeat):
            for r in rows:
                s = time.perf_counter()
                retriever.retrieve(r["question"], k=5)
                retrieval.append((time.perf_counter() - s) * 1000)
                s = time.perf_counter()
                q = service.find_question(r["question_id"])
                result = service.grade(q, r["answer"])
                render_feedback(result, q, pick_follow_up(q, result))
                turn.append((time.perf_counter() - s) * 1000)
            for r in rows[:40]:  # a question typed freely: retrieval builds its key points
                s = time.perf_counter()
                service.grade(r["question"] + " 간단히", r["answer"])
                free.append((time.perf_counter() - s) * 1000)
        base = statistics.median(retrieval)
        print(f"first grade (IDF + bank + model warm-up): {warmup * 1000:.0f} ms")
        for name, v in (("retrieval alone", retrieval), ("bank question: grade + feedback", turn),
                        ("free question: retrieve + grade", free)):
            v = sorted(v)
            p50, p95 = statistics.median(v), v[int(0.95 * (len(v) - 1))]
            print(f"  {name:34s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({p50 / base:4.1f}x retrieval p50)")
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
