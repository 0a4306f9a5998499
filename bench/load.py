"""The load test: `python -m dashboard serve` with the Redis cache under simulated
readers, and each worker's memory.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import threading
import time

import requests

from bench.common import ROOT, SELECTIONS, UPDATE, free_port, p50, percentile
from bench.payloads import Target, payload
from data_access import taxonomy
from data_access.filters import Filters

# -- the production server: first load, load and memory -----------------------------------


class Production:
    """`python -m dashboard serve --workers N` on loopback, with the Redis cache."""

    def __init__(
        self, url: str, redis_url: str | None, workers: int = 2, env: dict | None = None
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": url, **(env or {})}
        env.pop("CACHE_REDIS_URL", None)
        if redis_url:
            import redis

            redis.Redis.from_url(redis_url).flushdb()  # only the harness's own db
            env["CACHE_REDIS_URL"] = redis_url
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(
            # The benchmark's databases are demos: serve them on purpose.
            [sys.executable, "-m", "dashboard", "serve", "--allow-demo", "--workers", str(workers)]
            + ["--bind", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def __enter__(self):
        # Generous: on a busy machine the workers' first answer (which opens the database
        # and checks its tables) can take many seconds. Wait for the answer, not a guess.
        limit = 300
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                tail = self.log.read()[-2000:]
                self.log.close()
                raise RuntimeError(f"serve exited with {self.process.returncode}:\n{tail}")
            try:
                remaining = max(deadline - time.monotonic(), 1.0)
                # /healthz answers as soon as a worker runs; /readyz once it can read data.
                answer = requests.get(self.base + "/readyz", timeout=(5, remaining))
                if answer.status_code == 200:
                    return self
            except requests.RequestException:  # not listening yet, or no answer in time
                pass
            time.sleep(0.2)
        raise RuntimeError(f"serve was not ready (/readyz) within {limit} s")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def workers_memory(self) -> list[dict]:
        import psutil

        out = []
        for child in psutil.Process(self.process.pid).children():
            info = child.memory_full_info()
            out.append({"pid": child.pid, "rss": info.rss, "uss": info.uss})
        return out


def _load_pool(seed: int = 7, size: int = 60) -> list[dict]:
    """The fixed selections plus seeded random combinations, so some requests miss the cache."""
    rng = random.Random(seed)
    pool = list(SELECTIONS.values())
    countries = sorted(taxonomy.COUNTRIES)
    corridors = [("NP", "KW"), ("MM", "TH"), ("KH", "TH"), ("BD", "MY"), ("IN", "SA"), ("ID", "MY")]
    while len(pool) < size:
        s: dict = {}
        if rng.random() < 0.5:
            s["period"] = str(rng.randint(2019, 2026))
        choice = rng.random()
        if choice < 0.35:
            s["country"] = rng.choice(countries)
        elif choice < 0.6:
            s["origin"], s["destination"] = rng.choice(corridors)
        if rng.random() < 0.3:
            s["issue"] = rng.choice(sorted(taxonomy.ISSUES))
        if rng.random() < 0.2:
            s["channel"] = rng.choice(sorted(taxonomy.CHANNELS))
        try:
            Filters(**s)
        except ValueError:
            continue
        pool.append(s)
    return pool


def load_test(
    base: str,
    targets: list[Target],
    users: int = 50,
    seconds: float = 30.0,
    think: tuple[float, float] = (0.5, 1.5),
    until: threading.Event | None = None,
) -> dict:
    """Section 5: `users` simulated readers, each loading the page then changing filters.

    A bounded thread client (no extra dependency): each user opens the page (the HTML,
    layout and dependencies), then repeatedly picks a selection and sends every filter
    callback, waiting a think time between filter changes. Runs for `seconds`, or until
    `until` is set.
    """
    pool = _load_pool()
    latencies: list[float] = []
    callback_latencies: list[float] = []
    errors: dict[str, int] = {}
    changes = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def running() -> bool:
        return time.monotonic() < stop and not (until is not None and until.is_set())

    def record(kind: str, started: float, ok: bool, detail: str = "") -> None:
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            if kind == "callback":
                callback_latencies.append(elapsed)
            if not ok:
                errors[detail] = errors.get(detail, 0) + 1

    def user(number: int) -> None:
        rng = random.Random(number)
        session = requests.Session()
        for path in ("/", "/_dash-layout", "/_dash-dependencies"):
            if not running():
                return
            started = time.perf_counter()
            try:
                ok = session.get(base + path, timeout=30).status_code == 200
                record("page", started, ok, f"GET {path} status")
            except requests.RequestException as exc:
                record("page", started, False, type(exc).__name__)
        while running():
            selection = rng.choice(pool)
            for target in targets:
                started = time.perf_counter()
                try:
                    response = session.post(
                        base + UPDATE, json=payload(target, selection), timeout=30
                    )
                    record(
                        "callback",
                        started,
                        response.status_code == 200,
                        f"POST {target.name} {response.status_code}",
                    )
                except requests.RequestException as exc:
                    record("callback", started, False, type(exc).__name__)
            with lock:
                changes[0] += 1
            time.sleep(rng.uniform(*think))

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {
        "users": users,
        "seconds": elapsed,
        "think": think,
        "requests": len(latencies),
        "throughput": len(latencies) / elapsed,
        "filter_changes": changes[0],
        "p50": p50(latencies),
        "p95": percentile(latencies, 0.95),
        "callback_p95": percentile(callback_latencies, 0.95),
        "max": max(latencies) if latencies else float("nan"),
        "errors": sum(errors.values()),
        "error_kinds": errors,
    }
