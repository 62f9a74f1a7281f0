"""Browser tutor timings on this machine: server start, first feedback, memory after 100 turns.

    python bench/bench_serve.py [--turns 100] [--users 10]

Starts `tutor serve` over a throw-away copy of TUTOR_HOME (the index must exist: `tutor index`),
drives it with gradio_client and prints the figures, with ratios against a baseline measured in
the same run (the `tutor --help` process start, and one bare HTTP GET of the page)."""

from __future__ import annotations

import argparse
import concurrent.futures
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "ui"))

from conftest import start_server
from gradio_client import Client

from tutor.settings import get_settings

ANSWERS = [
    "잘 모르겠지만 학습이 잘 되게 하는 기법 같습니다.",
    "과적합을 막기 위해 학습 중에 뉴런 일부를 무작위로 끄고, 추론 때는 모두 사용합니다.",
    "각 층의 입력을 배치 단위로 평균 0, 분산 1로 정규화해서 학습을 안정시키고 빠르게 합니다.",
    "역전파 때 미분값이 계속 곱해져서 앞쪽 층의 기울기가 0에 가까워지는 문제입니다.",
]


def send(client: Client, saved: dict, text: str) -> float:
    t0 = time.perf_counter()
    client.predict(saved, text, "answer", api_name="/send")
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--users", type=int, default=10)
    args = parser.parse_args()
    source = get_settings().home
    if not (source / "chroma").exists():
        sys.exit(f"no index under {source}: run `tutor index` first")
    home = Path(tempfile.mkdtemp()) / "home"
    shutil.copytree(source, home, ignore=shutil.ignore_patterns("history.sqlite3*", "user_notes"))

    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tutor.cli", "--help"], capture_output=True, check=True)
    cli_start = time.perf_counter() - t0

    server = start_server(home)
    try:
        t0 = time.perf_counter()
        urllib.request.urlopen(server.url).read()
        page_get = time.perf_counter() - t0
        print(f"server ready (process start → ready line): {server.ready_seconds:.1f} s "
              f"({server.ready_seconds / cli_start:.1f}× a bare `tutor --help` start of {cli_start:.2f} s)")
        print(f"page GET: {page_get * 1000:.0f} ms")

        client = Client(server.url, verbose=False)
        saved = client.predict({}, api_name="/load")[1]
        first = [send(client, saved, ANSWERS[0])]  # right after start, while the bank warms up
        time.sleep(25)  # let the background warm-up finish
        warm = [send(client, saved, ANSWERS[i % len(ANSWERS)]) for i in range(10)]
        print(f"first feedback right after start: {first[0] * 1000:.0f} ms; warm p50 "
              f"{statistics.median(warm) * 1000:.0f} ms, max {max(warm) * 1000:.0f} ms "
              f"({statistics.median(warm) / page_get:.1f}× a page GET)")

        rss0 = server.rss_mb()
        # every answer different, as from real candidates (nothing is served from the caches)
        latencies = [send(client, saved, f"{ANSWERS[i % len(ANSWERS)]} 연습 {i}회차에 이렇게 정리했습니다.")
                     for i in range(args.turns)]
        print(f"{args.turns} graded turns: p50 {statistics.median(latencies) * 1000:.0f} ms, "
              f"p95 {sorted(latencies)[int(0.95 * len(latencies))] * 1000:.0f} ms; "
              f"RSS {rss0:.0f} MB → {server.rss_mb():.0f} MB")

        def user(n: int) -> list[float]:
            c = Client(server.url, verbose=False)
            s = c.predict({}, api_name="/load")[1]
            return [send(c, s, ANSWERS[(n + t) % len(ANSWERS)]) for t in range(5)]

        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.users) as pool:
            all_lat = [x for lat in pool.map(user, range(args.users)) for x in lat]
        wall = time.perf_counter() - t0
        print(f"{args.users} concurrent users × 5 turns: {wall:.1f} s wall, p50 "
              f"{statistics.median(all_lat) * 1000:.0f} ms, max {max(all_lat) * 1000:.0f} ms; RSS {server.rss_mb():.0f} MB")
    finally:
        server.stop()
        shutil.rmtree(home.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
