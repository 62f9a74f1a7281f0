import pytest

from tutor.corpus.chunking import chunk_notes
from tutor.corpus.notes import load_notes
from tutor.errors import StoreError, StoreMismatchError
from tutor.retrieval.hybrid import HybridRetriever
from tutor.retrieval.store import NoteStore
from tutor.settings import get_settings


@pytest.fixture
def chunks():
    return chunk_notes(load_notes(get_settings().corpus_dir))


def test_reindexing_is_idempotent(chunks, hash_embeddings):
    settings = get_settings()
    first = NoteStore(settings, hash_embeddings).sync(chunks)
    assert first.added == len(chunks)
    again = NoteStore(settings, hash_embeddings).sync(chunks)  # a new process, same folder
    assert (again.added, again.removed, again.chunks) == (0, 0, len(chunks))


def test_removed_notes_leave_the_index(chunks, hash_embeddings):
    store = NoteStore(get_settings(), hash_embeddings)
    store.sync(chunks)
    kept = [c for c in chunks if c.source != "dnn-critical-issues.md"]
    report = store.sync(kept)
    assert report.removed == len(chunks) - len(kept)
    assert {c.source for c in store.chunks()} == {c.source for c in kept}


def test_round_trip_keeps_text_and_metadata(chunks, hash_embeddings):
    store = NoteStore(get_settings(), hash_embeddings)
    store.sync(chunks)
    assert sorted(store.chunks(), key=lambda c: c.id) == sorted(chunks, key=lambda c: c.id)


def test_a_store_built_with_another_model_is_refused_not_mixed(chunks, hash_embeddings, make_hash_embeddings):
    settings = get_settings()
    NoteStore(settings, hash_embeddings).sync(chunks)
    other = NoteStore(settings, make_hash_embeddings(model_id="test:other"))
    with pytest.raises(StoreMismatchError, match="--rebuild"):
        other.chunks()
    with pytest.raises(StoreMismatchError):
        other.sync(chunks)
    report = other.sync(chunks, rebuild=True)
    assert report.added == len(chunks) and report.model == "test:other"
    assert len(other.chunks()) == len(chunks)


def test_missing_index_says_how_to_build_it(hash_embeddings):
    with pytest.raises(StoreError, match="tutor index"):
        HybridRetriever(NoteStore(get_settings(), hash_embeddings), get_settings())


def test_corrupted_store_is_reported_and_a_fresh_store_recovers(chunks, hash_embeddings):
    settings = get_settings()
    NoteStore(settings, hash_embeddings).sync(chunks)
    (settings.store_dir / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="rebuild"):
        NoteStore(settings, hash_embeddings).chunks()
    store = NoteStore(settings, hash_embeddings, fresh=True)
    assert store.sync(chunks, rebuild=True).added == len(chunks)
    assert len(store.chunks()) == len(chunks)
