"""`tutor grade`, `tutor practice`, `tutor questions` and `tutor eval grading` as a user runs them."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tutor(*args, home, stdin=None, **env):
    return subprocess.run(
        [sys.executable, "-m", "tutor.cli", *args], input=stdin, capture_output=True, text=True,
        env={**os.environ, "TUTOR_HOME": str(home), "COLUMNS": "200", **env}, timeout=300,
    )


def test_grade_json_is_a_grade_result_with_feedback_parts(indexed_home):
    proc = tutor("grade", "--id", "drop-01", "-a", "과적합을 막으려고 학습 중에 뉴런을 랜덤하게 끄고, 추론 때는 끄지 않아요.",
                 "--json", home=indexed_home)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert 0 <= data["score"] <= 5 and data["grader"] == "offline"
    assert data["covered"] and data["model_answer"] and data["follow_up"]
    assert all(e["quote"] and e["source"] for e in data["evidence"])


def test_grade_prints_korean_feedback(indexed_home):
    proc = tutor("grade", "-q", "1x1 convolution은 언제 사용되며, 어떤 의미와 효과가 있나요?",
                 "-a", "채널 수를 줄여서 파라미터를 줄이는 데 써요", home=indexed_home)
    assert proc.returncode == 0, proc.stderr
    for part in ("점수", "빠진 점", "모범 답안", "꼬리 질문"):
        assert part in proc.stdout


def test_grade_bad_inputs_fail_cleanly(indexed_home):
    unknown = tutor("grade", "--id", "no-such-id", "-a", "답", home=indexed_home)
    assert unknown.returncode == 2 and "질문 은행에 없는 질문 id" in unknown.stderr
    empty = tutor("grade", "--id", "bn-01", "-a", "", "--json", home=indexed_home)
    assert empty.returncode == 0 and json.loads(empty.stdout)["score"] == 0
    no_llm = tutor("grade", "--id", "bn-01", "-a", "분포를 맞춰요 정규화로 학습 안정", "--grader", "llm", home=indexed_home)
    assert no_llm.returncode == 2 and "TUTOR_LLM" in no_llm.stderr
    for proc in (unknown, no_llm):
        assert "Traceback" not in proc.stderr


def test_practice_runs_an_interview_from_stdin(indexed_home):
    script = "/힌트\n/질문 ROC 커브가 뭐예요?\n과적합을 막으려고 학습 중에 뉴런을 랜덤하게 꺼요\n\n/건너뛰기\n/종료\n"
    proc = tutor("practice", "--topic", "드롭아웃", "-n", "2", home=indexed_home, stdin=script)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "힌트 1/3" in out and "점수" in out and "꼬리 질문" in out and "모범 답안" in out
    assert "답변이 비어 있습니다" in out and "면접을 마칩니다" in out and "면접 요약" in out
    assert "노트에서 찾은 내용입니다" in out and "ROC" in out  # /질문 answers from the notes


def test_practice_unknown_topic(indexed_home):
    proc = tutor("practice", "--topic", "양자역학", home=indexed_home, stdin="")
    assert proc.returncode == 2 and "알 수 없는 주제" in proc.stderr


def test_questions_lists_the_bank(indexed_home):
    proc = tutor("questions", "--topic", "배치 정규화", home=indexed_home)
    assert proc.returncode == 0 and "bn-01" in proc.stdout


def test_eval_grading_json_report_and_baselines(indexed_home, tmp_path):
    proc = tutor("eval", "grading", "--dataset", str(ROOT / "eval" / "grading.jsonl"), "--split", "test",
                 "--json", "--report", str(tmp_path / "rep"), home=indexed_home)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"qwk", "spearman", "mae", "n"} <= data.keys()
    assert set(data["baselines"]) == {"answer length", "answer↔passage cosine"}
    assert data["qwk"] > max(b["qwk"] for b in data["baselines"].values())
    for name in ("report.md", "report.html", "confusion.png", "predictions.jsonl"):
        assert (tmp_path / "rep" / name).stat().st_size > 0


def test_practice_is_recorded_and_history_exports_it(indexed_home, tmp_path):
    import shutil

    home = tmp_path / "home"
    shutil.copytree(indexed_home, home)
    proc = tutor("practice", "--topic", "배치 정규화", "-n", "1", "--depth", "0", home=home,
                 stdin="각 층의 출력을 평균 0 분산 1로 정규화해서 학습을 안정시켜요\n")
    assert proc.returncode == 0, proc.stderr
    hist = tutor("history", home=home)
    assert hist.returncode == 0 and "배치 정규화" in hist.stdout and "약한 주제" in hist.stdout
    import re

    session = re.search(r"^\s+([0-9a-f]{8})\s+\d{4}-", hist.stdout, re.M).group(1)
    md = tutor("history", "--export", session, home=home)
    assert md.returncode == 0 and "## 1. 질문 · 배치 정규화" in md.stdout
    js = tutor("history", "--export", session, "--format", "json", home=home)
    assert json.loads(js.stdout)["turns"][0]["topic"] == "배치 정규화"
    bad = tutor("history", "--export", "zzzz", home=home)
    assert bad.returncode == 2 and "세션" in bad.stderr
