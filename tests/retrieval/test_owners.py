"""A user's own notes are retrieved for that user only; the shipped notes for everyone."""

from tutor.corpus.chunking import chunk_notes
from tutor.corpus.notes import Note, load_notes
from tutor.retrieval.hybrid import HybridRetriever
from tutor.retrieval.store import NoteStore
from tutor.settings import get_settings

OWN = Note("snn.md", "스파이킹 신경망", "사용자 노트",
           "스파이킹 신경망 SNN은 뉴런이 스파이크 신호로 정보를 전달한다. 뉴로모픽 칩에서 저전력 추론에 쓰인다.",
           owner="민지")


def test_own_notes_are_found_only_by_their_owner(hash_embeddings):
    settings = get_settings()
    store = NoteStore(settings, hash_embeddings)
    shipped = chunk_notes(load_notes(settings.corpus_dir))
    store.sync(shipped)
    retriever = HybridRetriever(store, settings)
    query = "스파이킹 신경망 SNN 스파이크 신호"
    assert all(h.chunk.owner == "" for h in retriever.retrieve(query, k=10, user="민지").hits)

    report = store.sync(shipped + chunk_notes([OWN]))  # incremental: only the new note is embedded
    assert (report.added, report.removed) == (1, 0)
    retriever.reload()
    mine = retriever.retrieve(query, k=3, user="민지")
    assert mine.hits[0].chunk.source == "snn.md" and mine.hits[0].chunk.owner == "민지"
    for mode in ("dense", "bm25", "hybrid"):
        for user in (None, "지훈"):
            hits = retriever.retrieve(query, k=10, mode=mode, user=user).hits
            assert all(h.chunk.source != "snn.md" for h in hits), (mode, user)
