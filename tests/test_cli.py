"""The `tutor` command as a user runs it: a real process, offline, never a traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def tutor(*args, home, **env):
    return subprocess.run(
        [sys.executable, "-m", "tutor.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "TUTOR_HOME": str(home), "COLUMNS": "200", **env},
        timeout=300,
    )


def assert_clean_failure(proc, phrase):
    assert proc.returncode != 0
    assert phrase in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_search_json_returns_cited_chunks(indexed_home):
    proc = tutor("search", "드롭아웃은 왜 쓰나요", "-k", "3", "--json", home=indexed_home)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["covered"] is True and len(data["hits"]) == 3
    hit = data["hits"][0]
    assert {"id", "source", "heading", "text", "score", "start", "end"} <= hit.keys()
    note = (ROOT / "corpus" / "notes" / hit["source"]).read_text(encoding="utf-8")
    assert note[hit["start"] : hit["end"]] == hit["text"]


def test_search_human_output_names_file_and_heading(indexed_home):
    proc = tutor("search", "1x1 conv 효과", "-k", "1", home=indexed_home)
    assert proc.returncode == 0, proc.stderr
    assert "dl-interview-qa-posts.md" in proc.stdout


def test_eval_retrieval_json_has_the_agreed_keys(indexed_home):
    proc = tutor("eval", "retrieval", "--dataset", str(ROOT / "eval" / "retrieval.jsonl"), "--json", home=indexed_home)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"recall@1", "recall@3", "recall@5", "mrr", "n"} <= data.keys()
    assert set(data["by_mode"]) == {"dense", "bm25", "hybrid"}
    assert data["n"] >= 60


def test_eval_prints_side_by_side_table_and_misses(indexed_home):
    proc = tutor("eval", "retrieval", "--dataset", str(ROOT / "eval" / "retrieval.jsonl"), "-k", "1", home=indexed_home)
    assert proc.returncode == 0, proc.stderr
    for name in ("dense", "bm25", "hybrid", "Recall@5", "MRR", "못 찾은 질문"):
        assert name in proc.stdout


@pytest.mark.parametrize("query, phrase", [("", "비어 있습니다"), ("  ", "비어 있습니다"), ("a" * 100_000, "너무 깁니다")])
def test_bad_queries_fail_cleanly(indexed_home, query, phrase):
    assert_clean_failure(tutor("search", query, home=indexed_home), phrase)


def test_search_before_indexing_says_to_index(tmp_path):
    assert_clean_failure(tutor("search", "배치 정규화", home=tmp_path / "empty"), "tutor index")


def test_missing_corpus_folder(tmp_path):
    proc = tutor("index", home=tmp_path / "h", TUTOR_CORPUS_DIR=str(tmp_path / "nowhere"))
    assert_clean_failure(proc, "노트 폴더를 찾을 수 없습니다")


def test_bad_dataset_line_is_named(indexed_home, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "배치 정규화", "relevant": ["평균"]}\n{"query": 3}\n', encoding="utf-8")
    proc = tutor("eval", "retrieval", "--dataset", str(bad), home=indexed_home)
    assert_clean_failure(proc, "2번째 줄")
    assert_clean_failure(tutor("eval", "retrieval", "--dataset", str(tmp_path / "none.jsonl"), home=indexed_home), "찾을 수 없습니다")


def test_index_is_idempotent_and_rebuild_recovers_a_corrupted_store(tmp_path, monkeypatch):
    # A tiny corpus keeps this fast: the real model still embeds it.
    corpus = tmp_path / "corpus"
    (corpus / "notes").mkdir(parents=True)
    (corpus / "notes" / "bn.md").write_text(
        "배치 정규화는 각 층의 입력 분포를 평균 0, 분산 1로 맞춘다.\n드롭아웃은 학습 때만 뉴런을 끈다.", encoding="utf-8"
    )
    env = {"TUTOR_CORPUS_DIR": str(corpus)}
    home = tmp_path / "home"
    first = tutor("index", home=home, **env)
    assert first.returncode == 0, first.stderr
    assert "추가 1" in first.stdout
    again = tutor("index", home=home, **env)
    assert again.returncode == 0 and "이미 최신" in again.stdout
    (home / "chroma" / "chroma.sqlite3").write_bytes(b"not a database" * 100)
    assert_clean_failure(tutor("search", "배치 정규화", home=home, **env), "--rebuild")
    rebuilt = tutor("index", "--rebuild", home=home, **env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert tutor("search", "배치 정규화", "--json", home=home, **env).returncode == 0


def test_mismatched_embedding_setting_is_reported(indexed_home, tmp_path):
    proc = tutor("search", "배치 정규화", home=indexed_home, TUTOR_EMBEDDINGS="st:/nonexistent/model")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "sentence-transformers" in proc.stderr
