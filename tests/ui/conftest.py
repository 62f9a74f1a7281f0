"""A real `tutor serve` process on a free 127.0.0.1 port, over a copy of the test index."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

READY = "준비되었습니다"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    home: Path
    proc: subprocess.Popen
    ready_seconds: float
    output: list[str] = field(default_factory=list)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_server(home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Server:
    """Start `tutor serve` and wait for its ready line (or fail with what it printed)."""
    port = free_port()
    full_env = {**os.environ, "TUTOR_HOME": str(home), **(env or {})}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor.cli", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=full_env,
    )
    output: list[str] = []
    ready = threading.Event()

    def drain() -> None:
        for line in proc.stdout:
            output.append(line)
            if READY in line:
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    while not ready.wait(0.2):
        if proc.poll() is not None or time.perf_counter() - started > timeout:
            proc.kill()
            raise AssertionError("tutor serve did not start:\n" + "".join(output))
    return Server(f"http://127.0.0.1:{port}/", home, proc, time.perf_counter() - started, output)


def copy_home(indexed_home: Path, dest: Path) -> Path:
    shutil.copytree(indexed_home, dest)
    return dest


@pytest.fixture(scope="session")
def server(indexed_home, tmp_path_factory):
    """One server for the API and browser tests (each test uses its own browser identity)."""
    srv = start_server(copy_home(indexed_home, tmp_path_factory.mktemp("served") / "home"))
    yield srv
    srv.stop()
