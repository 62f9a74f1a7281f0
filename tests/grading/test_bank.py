"""The question bank is data the grader trusts: validate its shape, every quote and every
authored concept, claim and follow-up (the same audit as `tutor questions --check`)."""

from pathlib import Path

import pytest
import yaml

from tutor.errors import CorpusError
from tutor.grading.audit import audit_bank
from tutor.grading.bank import load_bank
from tutor.grading.concepts import best_window, windows
from tutor.grading.text import sentences_of

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "corpus" / "bank"


@pytest.fixture(scope="module")
def bank():
    return load_bank(BANK)


def test_bank_covers_every_note_with_the_documented_schema(bank):
    assert len(bank.questions) >= 150
    assert len(bank.topics) >= 15
    sources = {k.source for q in bank.questions for k in q.key_points}
    assert sources == {p.name for p in (ROOT / "corpus" / "notes").glob("*.md")}
    for q in bank.questions:
        assert 2 <= len(q.key_points) <= 6
        assert all(k.concepts for k in q.key_points), q.id


def test_the_bank_passes_its_audit(bank):
    """Quotes verbatim; concepts stated by each point and by the model answer; no claim fires on
    either and each fires on its own words; a follow-up per key point that does not state it."""
    assert audit_bank(bank, ROOT / "corpus") == []


def test_no_follow_up_states_its_key_point(bank):
    for q in bank.questions:
        points = {k.id: k for k in q.key_points}
        assert {f.key_point for f in q.follow_ups} == set(points), q.id
        for f in q.follow_ups:
            share, _ = best_window(points[f.key_point].concepts, windows(sentences_of(f.question)))
            assert share < 1, (f.key_point, f.question)


def test_a_broken_bank_is_a_clear_error(tmp_path):
    data = yaml.safe_load(next(BANK.glob("*.yaml")).read_text(encoding="utf-8"))
    data[0]["follow_ups"][0]["key_point"] = "nope"
    bad = tmp_path / "q.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CorpusError, match="질문 은행"):
        load_bank(bad)
    with pytest.raises(CorpusError, match="찾을 수 없습니다"):
        load_bank(tmp_path / "missing.yaml")
    data[0]["follow_ups"][0]["key_point"] = data[0]["key_points"][0]["id"]
    data[0]["key_points"][0]["concepts"] = [["(unclosed"]]
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CorpusError, match="bad pattern"):
        load_bank(bad)
