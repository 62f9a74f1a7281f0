"""`tutor add`, `tutor notes` and `tutor serve`'s refusals, as a user runs them."""

import shutil

import pytest
from test_cli import assert_clean_failure, tutor

pytestmark = pytest.mark.slow

NOTE = ("# 스파이킹 신경망\n\n스파이킹 신경망(SNN)은 뉴런이 연속값 대신 스파이크 신호로 정보를 전달하는 신경망이다.\n"
        "뉴로모픽 칩에서 에너지 효율이 높아 저전력 추론에 쓰인다.\n")


def test_add_search_list_and_remove_own_notes(indexed_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(indexed_home, home)
    note = tmp_path / "snn.md"
    note.write_text(NOTE, encoding="utf-8")
    added = tutor("add", str(note), home=home)
    assert added.returncode == 0, added.stderr
    assert "노트를 추가했습니다: snn.md" in added.stdout and "새로 임베딩 1개" in added.stdout
    found = tutor("search", "스파이킹 신경망은 무엇으로 정보를 전달하나요?", "-k", "1", home=home)
    assert "snn.md" in found.stdout and "스파이크 신호로 정보를 전달" in found.stdout
    other = tutor("search", "스파이킹 신경망은 무엇으로 정보를 전달하나요?", home=home, TUTOR_USER="someone")
    assert "snn.md" not in other.stdout
    again = tutor("add", str(note), home=home)  # the same file again: nothing to embed
    assert "새로 임베딩 0개" in again.stdout
    assert "snn.md" in tutor("notes", home=home).stdout
    removed = tutor("notes", "--remove", "snn.md", home=home)
    assert removed.returncode == 0 and "지웠습니다" in removed.stdout
    assert "snn.md" not in tutor("search", "스파이킹 신경망", home=home).stdout
    assert "아직 추가한 노트가 없습니다" in tutor("notes", home=home).stdout


def test_bad_notes_fail_cleanly(tmp_path):
    home = tmp_path / "home"
    image = tmp_path / "scan.png"
    image.write_bytes(b"\x89PNG\r\n" + bytes(100))
    assert_clean_failure(tutor("add", str(image), home=home), ".md 또는 .txt")
    assert_clean_failure(tutor("add", str(tmp_path / "nope.md"), home=home), "찾을 수 없습니다")
    assert_clean_failure(tutor("notes", "--remove", "nope.md", home=home), "내 노트가 없습니다")


def test_serve_refuses_an_open_host_without_login(tmp_path):
    proc = tutor("serve", "--host", "0.0.0.0", home=tmp_path / "home")
    assert_clean_failure(proc, "로그인이 필요합니다")
    assert proc.returncode == 2
    assert_clean_failure(tutor("serve", home=tmp_path / "home", TUTOR_AUTH="alice"), "user:pass")
