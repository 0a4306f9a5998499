"""A traffic spike: an article embeds one chart and links its CSV, and readers arrive at once.

`--readers` (500) virtual readers arrive evenly over `--seconds` (60); each opens the embed
page, the plotly.js it loads and the chart's CSV, as a browser without a cache does, through
the production server (`python -m dashboard serve --workers N` with the Redis cache).
Each reader comes from an address of its own (`X-Forwarded-For` behind one trusted proxy,
`TRUSTED_PROXIES=1`), as readers behind a CDN or proxy are told apart; the rate limits
stay on. Then the same readers come back with the validators they were given
(`If-None-Match`), as a shared cache or a browser revalidates.

    python bench/spike.py [--database-url URL] [--readers 500] [--seconds 60]

Prints errors and latency percentiles per resource; never asserts (figures move with the
machine's load, which it prints).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.common import percentile  # noqa: E402
from bench.load import Production  # noqa: E402

EMBED = "/embed/supply-chains/supply-issues?country=TH"
CSV = "/download/supply-chains/supply-issues.csv?country=TH"
SCRIPT = "/embed/plotly.min.js"


def _reader(
    base: str, number: int, send: dict, seen: dict, results: list, lock: threading.Lock
) -> None:
    address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
    session = requests.Session()
    for name, path in (("embed", EMBED), ("plotly.js", SCRIPT), ("csv", CSV)):
        headers = {"X-Forwarded-For": address, "Accept-Encoding": "gzip"}
        if send.get(path):
            headers["If-None-Match"] = send[path]
        start = time.perf_counter()
        try:
            response = session.get(base + path, headers=headers, timeout=60)
            status, size = response.status_code, len(response.content)
            tag = response.headers.get("ETag")
        except requests.RequestException as exc:
            status, size, tag = type(exc).__name__, 0, None
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            results.append((name, status, elapsed, size))
            if tag:
                seen[path] = tag


def wave(base: str, readers: int, seconds: float, send: dict, seen: dict) -> list:
    results: list = []
    lock = threading.Lock()
    gap = seconds / readers
    with ThreadPoolExecutor(max_workers=64) as pool:
        begin = time.monotonic()
        for number in range(readers):
            delay = begin + number * gap - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(_reader, base, number, send, seen, results, lock)
    return results


def summary(title: str, results: list) -> None:
    print(f"\n{title}")
    print("| resource | requests | errors | statuses | p50 ms | p95 ms | max ms | bytes |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for name in ("embed", "plotly.js", "csv", "all"):
        rows = [r for r in results if name in ("all", r[0])]
        times = [r[2] for r in rows]
        errors = [r for r in rows if not (isinstance(r[1], int) and r[1] in (200, 304))]
        statuses = sorted({str(r[1]) for r in rows})
        size = max((r[3] for r in rows), default=0)
        print(
            f"| {name} | {len(rows)} | {len(errors)} | {', '.join(statuses)} "
            f"| {percentile(times, 0.5):.0f} | {percentile(times, 0.95):.0f} | {max(times):.0f} "
            f"| {size:,} |"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", f"sqlite:///{ROOT}/instance/ilm.sqlite3"),
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--readers", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    env = {"TRUSTED_PROXIES": "1"}
    with Production(args.database_url, args.redis_url, args.workers, env=env) as server:
        print(
            f"{args.readers} readers over {args.seconds:g} s, {args.workers} workers, "
            f"load average before: {os.getloadavg()[0]:.1f}"
        )
        tags: dict = {}
        first = wave(server.base, args.readers, args.seconds, {}, tags)
        summary("First visits (no cache)", first)
        again = wave(server.base, args.readers, args.seconds, dict(tags), {})
        summary("Revalidations (If-None-Match, as a shared cache or browser does)", again)
        print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
