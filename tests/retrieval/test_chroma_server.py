"""TUTOR_CHROMA_URL against a real `chroma run` server started here on 127.0.0.1."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tutor.corpus.chunking import chunk_notes
from tutor.corpus.notes import load_notes
from tutor.errors import StoreError, StoreMismatchError
from tutor.retrieval.hybrid import HybridRetriever
from tutor.retrieval.store import NoteStore
from tutor.settings import Settings

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("chroma server exited at start")
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start in 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_index_and_search_through_a_chroma_server(chroma_url, tmp_path, hash_embeddings):
    settings = Settings(home=tmp_path / "home", chroma_url=chroma_url, collection="server_test")
    chunks = chunk_notes(load_notes(settings.corpus_dir))
    store = NoteStore(settings, hash_embeddings)
    report = store.sync(chunks, rebuild=True)
    assert report.added == len(chunks)
    assert not (tmp_path / "home" / "chroma").exists()  # nothing written locally
    again = NoteStore(settings, hash_embeddings).sync(chunks)
    assert again.added == 0
    result = HybridRetriever(NoteStore(settings, hash_embeddings), settings).retrieve("드롭아웃 비율", k=3)
    assert any("드롭아웃" in h.chunk.text for h in result.hits)


def test_server_collection_built_with_another_model_is_refused(chroma_url, tmp_path, hash_embeddings, make_hash_embeddings):
    settings = Settings(home=tmp_path / "home", chroma_url=chroma_url, collection="server_mismatch")
    chunks = chunk_notes(load_notes(settings.corpus_dir))[:5]
    NoteStore(settings, hash_embeddings).sync(chunks, rebuild=True)
    with pytest.raises(StoreMismatchError):
        NoteStore(settings, make_hash_embeddings(model_id="test:other")).chunks()


def test_unreachable_server_is_a_clear_error(tmp_path, hash_embeddings):
    settings = Settings(home=tmp_path / "home", chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match="Chroma 서버에 연결할 수 없습니다"):
        NoteStore(settings, hash_embeddings)
