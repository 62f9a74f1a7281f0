import json
from pathlib import Path

import pytest

from tutor.errors import InvalidInputError
from tutor.evaluation.retrieval import RetrievalCase, collapse, evaluate_retrieval

ROOT = Path(__file__).resolve().parents[2]


def test_a_korean_question_finds_the_note_that_answers_it(retriever):
    result = retriever.retrieve("배치 정규화는 왜 하는 거예요?", k=3)
    assert result.covered
    assert any("Internal Covariate Shift" in h.chunk.text for h in result.hits)
    top = result.hits[0]
    assert top.chunk.source.endswith(".md") and top.chunk.heading
    assert top.dense is not None and top.bm25 is not None


def test_mixed_english_terms_and_glossary_find_korean_passages(retriever):
    result = retriever.retrieve("inference 때도 dropout 켜요?", k=5)
    assert any("예측을 할 때는 드롭아웃을 적용하지 않습니다" in h.chunk.text for h in result.hits)


def test_off_topic_questions_are_flagged_as_not_covered(retriever):
    for query in ("김치찌개 맛있게 끓이는 법", "오늘 서울 날씨 어때요", "축구 오프사이드 규칙"):
        assert not retriever.retrieve(query).covered, query


def test_k_is_respected_and_scores_are_ordered(retriever):
    hits = retriever.retrieve("활성화 함수 종류", k=7).hits
    assert len(hits) == 7
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.chunk.id for h in hits}) == 7


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_every_mode_answers(retriever, mode):
    result = retriever.retrieve("오토인코더 구조", k=3, mode=mode)
    assert result.mode == mode and len(result.hits) == 3


@pytest.mark.parametrize(
    "bad, message",
    [
        ("", "비어 있습니다"),
        ("   \n\t ", "비어 있습니다"),
        ("\x00\x01\x02", "비어 있습니다"),
        ("가" * 100_000, "너무 깁니다"),
        ("🤔🤔🤔 !!!", "읽을 수 있는 글자가 없습니다"),
    ],
)
def test_unusable_queries_get_a_korean_message(retriever, bad, message):
    with pytest.raises(InvalidInputError, match=message):
        retriever.retrieve(bad)


def test_control_characters_inside_a_query_are_ignored(retriever):
    clean = retriever.retrieve("배치 정규화", k=3)
    dirty = retriever.retrieve("배치\x00 정규화\u200b\x1b", k=3)
    assert [h.chunk.id for h in clean.hits] == [h.chunk.id for h in dirty.hits]


def test_hybrid_beats_both_single_retrievers_on_the_dev_split(retriever):
    """A quality floor on the split used for choices; the figures are printed by `tutor eval`."""
    rows = [json.loads(line) for line in (ROOT / "eval" / "retrieval.jsonl").open(encoding="utf-8")]
    cases = [RetrievalCase(**r) for r in rows if r["split"] == "dev"]
    scores = {m: evaluate_retrieval(retriever, cases, mode=m) for m in ("dense", "bm25", "hybrid")}
    assert scores["hybrid"].mrr > max(scores["dense"].mrr, scores["bm25"].mrr)
    assert scores["hybrid"].recall(5) >= 0.9


def test_questions_the_notes_answer_in_other_words_are_covered(retriever):
    """The questions the earlier retriever refused, though the notes have a section on each."""
    for query, wanted in (("ROC 커브란?", "ROC"), ("Stride는 뭔가요?", "Stride"),
                          ("Validation set은 왜 필요해요?", "Validation")):
        result = retriever.retrieve(query, k=3)
        assert result.covered, query
        assert wanted in result.hits[0].chunk.text, query


def test_neighbouring_topics_the_notes_lack_are_refused(retriever):
    for query in ("LoRA?", "나이브 베이즈는 왜 naive라고 불러요?", "word2vec CBOW랑 skip-gram 차이"):
        result = retriever.retrieve(query)
        assert not result.covered, (query, result.relevance)
        assert set(result.signals) >= {"top_dense", "top_bank", "unseen_terms"}


def test_hybrid_is_at_least_each_single_retriever_on_the_hard_set(retriever):
    rows = [json.loads(line) for line in (ROOT / "eval" / "retrieval-hard.jsonl").open(encoding="utf-8")]
    cases = [RetrievalCase(**r) for r in rows if r["split"] == "dev"]
    scores = {mode: evaluate_retrieval(retriever, cases, mode=mode).mrr for mode in ("dense", "bm25", "hybrid")}
    assert scores["hybrid"] >= max(scores["dense"], scores["bm25"]) + 0.1, scores


def test_answer_sentences_are_verbatim_related_and_deduplicated(retriever):
    result = retriever.retrieve("드롭아웃 비율은 보통 얼마로 해요?", k=5)
    picked = retriever.sentences(result.query, result.hits, limit=4)
    assert picked and len(picked) <= 4
    assert any("50%" in s.text for s in picked)
    for s in picked:
        assert s.text in s.chunk.text and len(s.text) >= 20
    assert len({collapse(s.text) for s in picked}) == len(picked)
    assert retriever.unseen_terms("드롭아웃과 DropConnect 차이") == ["dropconnect"]
