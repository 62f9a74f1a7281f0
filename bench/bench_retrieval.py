"""Retrieval benchmark: cold index build, warm query latency (hybrid vs BM25-only vs dense), RSS.

Hybrid = one e5 query embedding + in-memory scoring of chunks, sentences and bank wordings + two
BM25 indexes (tutor.retrieval.hybrid).

Timings are printed, never asserted, and latencies also as ratios to BM25-only measured in
the same run, so numbers from different machines can be compared.

    python bench/bench_retrieval.py [--queries eval/retrieval.jsonl] [--repeat 3]
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
from tutor.retrieval import open_retriever, open_store
from tutor.retrieval.lexical import _analysed
from tutor.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    # ru_maxrss is KiB on Linux: the peak resident set of this process so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=Path, default=ROOT / "eval" / "retrieval.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    queries = [json.loads(line)["query"] for line in args.queries.open(encoding="utf-8")]

    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home))
        t0 = time.perf_counter()
        chunks = chunk_notes(load_notes(settings.corpus_dir))
        t_chunk = time.perf_counter() - t0
        store = open_store(settings)
        t1 = time.perf_counter()
        report = store.sync(chunks)
        t_index = time.perf_counter() - t1
        t2 = time.perf_counter()
        retriever = open_retriever(settings)
        t_open = time.perf_counter() - t2

        for q in queries[:10]:  # warm-up: model pages, HNSW, caches
            retriever.retrieve(q)
        latency: dict[str, list[float]] = {"bm25": [], "dense": [], "hybrid": []}
        for _ in range(args.repeat):
            for mode in latency:
                for q in queries:
                    _analysed.cache_clear()  # every query new to Kiwi, as a new question is
                    s = time.perf_counter()
                    retriever.retrieve(q, k=5, mode=mode)  # type: ignore[arg-type]
                    latency[mode].append((time.perf_counter() - s) * 1000)

        print(f"chunks: {len(chunks)} from {len(load_notes(settings.corpus_dir))} notes · "
              f"embeddings {settings.embeddings} · BM25 tokenizer {settings.bm25_tokenizer}")
        print(f"chunking:           {t_chunk * 1000:8.1f} ms")
        print(f"cold index build:   {t_index:8.2f} s   ({len(chunks)} chunks + {report.units} sentence/bank units; "
              f"shipped vectors from corpus/vectors/, the rest embedded)")
        print(f"open retriever:     {t_open * 1000:8.1f} ms  (load chunks, units and vectors + build both BM25s)")
        base = statistics.median(latency["bm25"])
        print(f"warm query latency over {len(queries)} queries x {args.repeat}:")
        for mode, values in latency.items():
            p50, p95 = statistics.median(values), percentile(values, 95)
            print(f"  {mode:7s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  ({p50 / base:5.1f}x BM25-only p50)")
        print(f"peak RSS:           {rss_mb():8.0f} MB")


if __name__ == "__main__":
    main()
