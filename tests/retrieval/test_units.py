"""Sentence and bank units, the shipped vectors and the calibrated 'not in my notes' decision."""

import numpy as np
import pytest

from tutor.corpus.chunking import chunk_notes
from tutor.corpus.notes import load_notes
from tutor.grading.bank import cached_bank
from tutor.retrieval.coverage import FEATURES, coverage_model
from tutor.retrieval.units import bank_units, collapse, sentence_units, sentences, units_for
from tutor.settings import Settings


@pytest.fixture(scope="module")
def shipped():
    settings = Settings()
    return settings, chunk_notes(load_notes(settings.corpus_dir))


def test_sentences_are_verbatim_pieces_of_their_chunk(shipped):
    _, chunks = shipped
    units = sentence_units(chunks)
    by_id = {c.id: c for c in chunks}
    assert len(units) > len(chunks) * 3
    for u in units:
        assert u.kind == "sentence" and len(u.chunks) == 1 and u.text in by_id[u.chunks[0]].text
    assert sentences("첫 문장입니다. 둘째 문장이다.\n- 셋째 줄") == ["첫 문장입니다.", "둘째 문장이다.", "- 셋째 줄"]


def test_every_bank_wording_points_at_the_chunks_holding_its_quotes(shipped):
    settings, chunks = shipped
    bank = cached_bank(settings.bank_dir)
    by_id = {c.id: c for c in chunks}
    units = bank_units(bank, chunks)
    wordings = {u.text for u in units}
    assert sum(1 + len(q.aliases) for q in bank.questions) * 0.95 <= len(units)
    quotes = found = 0
    for q in bank.questions:
        assert q.question in wordings
        unit = next(u for u in units if u.text == q.question)
        held = " ".join(collapse(by_id[c].text) for c in unit.chunks)
        quotes += len(q.key_points)
        found += sum(collapse(p.quote) in held for p in q.key_points)
    assert found >= 0.9 * quotes  # the rest are quotes that run across two chunks


def test_user_notes_get_sentences_but_no_bank_pointers(shipped):
    settings, chunks = shipped
    from dataclasses import replace

    mine = [replace(chunks[0], id="mine-1", owner="민지")]
    units = units_for(mine, settings)
    assert units and all(u.kind == "sentence" and u.owner == "민지" for u in units)


def test_the_shipped_vectors_are_the_models_and_cover_the_corpus(shipped):
    """Fails when the notes or the bank changed without `python -m tutor.retrieval.vectors`."""
    from tutor.retrieval.embeddings import E5Embeddings
    from tutor.retrieval.vectors import ShippedVectors, _key, shipped_path, shipped_texts, stored_keys

    settings, chunks = shipped
    live = E5Embeddings()
    shipped_vectors = ShippedVectors(live, shipped_path(settings.corpus_dir, live.model_id))
    texts = shipped_texts(settings)
    stored = stored_keys(shipped_vectors)
    for side, items in texts.items():
        known = sum(key in stored for key in (_key(side, t) for t in items))
        assert known >= 0.99 * len(items), "run: python -m tutor.retrieval.vectors"
    sample = [chunks[3].indexed_text]
    a = np.asarray(shipped_vectors.embed_documents(sample))[0]
    b = np.asarray(live.embed_documents(sample))[0]
    assert float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) > 0.995
    q = ["이 문장은 노트에 없는 새 질문입니다"]  # not shipped: the model embeds it
    assert np.allclose(shipped_vectors.embed_queries(q), np.asarray(live.embed_queries(q)), atol=1e-5)


def test_the_shipped_coverage_model_reads_every_feature():
    model = coverage_model()
    assert model.features == FEATURES and 0 < model.threshold < 1
    assert model.info["test_false_abstain"] <= 0.05  # figures measured when it was fitted


def test_fitting_the_coverage_decision_keeps_false_refusals_rare():
    from tutor.evaluation.retrieval import MAX_FALSE_ABSTAIN, fit_coverage

    rng = np.random.default_rng(0)

    def rows(n, shift):
        return [dict(zip(FEATURES, rng.normal(shift, 1.0, len(FEATURES)))) for _ in range(n)]

    yes, no = rows(200, 1.0), rows(200, -1.0)
    model = fit_coverage(yes, no)
    refused = np.mean([not model.covers(model.probability(f)) for f in rows(500, 1.0)])
    abstained = np.mean([not model.covers(model.probability(f)) for f in rows(500, -1.0)])
    assert refused <= MAX_FALSE_ABSTAIN * 2.5 and abstained > 0.5
    assert model.info["cv_false_abstain"] <= MAX_FALSE_ABSTAIN + 0.01


def test_follow_ups_point_at_the_chunk_of_their_key_point(shipped):
    from tutor.retrieval.units import follow_up_units

    settings, chunks = shipped
    bank = cached_bank(settings.bank_dir)
    by_id = {c.id: c for c in chunks}
    units = follow_up_units(bank, chunks)
    assert len(units) >= 0.9 * sum(len(q.follow_ups) for q in bank.questions)
    quotes_of: dict[str, list[str]] = {}  # one follow-up wording may serve two questions
    for q in bank.questions:
        for f in q.follow_ups:
            quotes_of.setdefault(f.question, []).extend(collapse(p.quote) for p in q.key_points if p.id == f.key_point)
    for u in units:
        assert u.kind == "follow_up"
        assert all(any(quote in collapse(by_id[c].text) for quote in quotes_of[u.text]) for c in u.chunks)
