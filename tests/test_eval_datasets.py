"""The evaluation files are instruments: check they measure what they claim."""

import json
import re
from collections import Counter
from pathlib import Path

from tutor.corpus.chunking import chunk_notes
from tutor.corpus.notes import load_notes

ROOT = Path(__file__).resolve().parents[1]


def collapse(text):
    return re.sub(r"\s+", " ", text).strip()


def rows(name):
    return [json.loads(line) for line in (ROOT / "eval" / name).open(encoding="utf-8") if line.strip()]


def test_retrieval_set_size_and_mix():
    data = rows("retrieval.jsonl")
    kinds = Counter(r["kind"] for r in data)
    assert len(data) >= 60
    assert kinds["hard"] >= 15
    assert kinds["two-files"] >= 5
    assert len({r["query"] for r in data}) == len(data)
    assert {r["split"] for r in data} == {"dev", "test"}


def test_every_relevant_string_is_in_the_corpus_within_one_chunk():
    notes = load_notes(ROOT / "corpus")
    chunks = [collapse(c.text) for c in chunk_notes(notes)]
    partial = [r for r in rows("uncovered.jsonl") if r["kind"] == "partial"]
    for r in rows("retrieval.jsonl") + rows("retrieval-hard.jsonl") + partial:
        assert r["relevant"], r["query"]
        for rel in r["relevant"]:
            assert any(collapse(rel) in c for c in chunks), (r["query"], rel)


def test_the_hard_retrieval_set_is_hard_and_split():
    data = rows("retrieval-hard.jsonl")
    assert len(data) >= 90 and sum(r["hard"] for r in data) >= 50
    assert len({r["query"] for r in data}) == len(data) and {r["split"] for r in data} == {"dev", "test"}
    assert not ({r["query"] for r in data} & {r["query"] for r in rows("retrieval.jsonl")})


def test_the_uncovered_set_is_large_and_split():
    data = rows("uncovered.jsonl")
    kinds = Counter(r["kind"] for r in data)
    assert kinds["uncovered"] >= 40 and kinds["partial"] >= 10
    assert {r["split"] for r in data} == {"dev", "test"}
    assert len({r["query"] for r in data}) == len(data)


def test_two_file_queries_really_point_at_two_files():
    notes = load_notes(ROOT / "corpus")
    for r in rows("retrieval.jsonl"):
        if r["kind"] != "two-files":
            continue
        sources = {n.source for n in notes for rel in r["relevant"] if collapse(rel) in collapse(n.text)}
        assert len(sources) >= 2, r["query"]


def test_grading_set_is_large_balanced_and_split_by_question():
    import yaml

    data = rows("grading.jsonl")
    bank = {q["id"]: q for f in sorted((ROOT / "corpus" / "bank").glob("*.yaml"))
            for q in yaml.safe_load(f.read_text(encoding="utf-8"))}
    assert len(data) >= 240
    assert len({r["question_id"] for r in data}) >= 60
    scores = Counter(r["score"] for r in data)
    assert set(scores) == set(range(6)) and min(scores.values()) >= 35  # spread evenly over 0–5
    for r in data:
        assert r["question_id"] in bank and r["question"] == bank[r["question_id"]]["question"]
        assert r["answer"].strip()
    cases = Counter(r["case"] for r in data)
    for hard in ("paraphrase", "fluent_wrong", "idk", "injection", "english", "offtopic", "swapped"):
        assert cases[hard] >= 3, hard
    train = {r["question_id"] for r in data if r["split"] == "train"}
    test = {r["question_id"] for r in data if r["split"] == "test"}
    assert train and test and not train & test


def test_grading_rows_are_what_the_builder_writes(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "grading.jsonl"
    subprocess.run([sys.executable, "build_grading.py", str(out)], cwd=ROOT / "eval" / "src", check=True, capture_output=True)
    assert out.read_text(encoding="utf-8") == (ROOT / "eval" / "grading.jsonl").read_text(encoding="utf-8")
