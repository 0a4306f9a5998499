"""Section 1c: callbacks answered by a fresh process from a cold database.

Section 1's "cold" empties the app's cache, but the database's pages stay in the
operating system's page cache and in the process's connections, warmed by the requests
before. Here each selection is measured by a new Python process (the app built from
nothing, as a worker that has just started), and before every callback its database's
pages are dropped from the OS page cache (`posix_fadvise(DONTNEED)`, which any user may
do to a file it can open: no root, no `drop_caches`), its connections closed (SQLite
keeps a page cache per connection) and the tables the process keeps per data version
forgotten. Every read then comes from the disk.

On PostgreSQL the relation files are dropped the same way when the harness can read
them (same machine, same user or root), but the server's shared buffers stay warm: only
a server restart would empty them, which the harness does not do to a shared server.

    python -m bench.coldstart URL LABEL    # one process's run, JSON on stdout
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bench.common import ROOT, SELECTIONS, UPDATE
from bench.naive import bench_app
from bench.payloads import callback_targets, payload
from bench.timing import ThreadedServer, clear_cache


def _drop(path: Path) -> int:
    """Drop one file's pages from the OS page cache; bytes it holds, 0 if it cannot."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return 0
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def database_files(url: str) -> list[Path]:
    """The files that hold the database's pages (SQLite: the file, its WAL; PostgreSQL:
    every relation's segments, when this process can see the server's data directory)."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return [p for p in (path, Path(f"{path}-wal")) if p.exists()]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            base = Path(conn.execute(text("SHOW data_directory")).scalar())
            relations = conn.execute(
                text(
                    "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'i', 'm', 't') AND n.nspname <> 'pg_catalog'"
                )
            ).scalars()
            files = []
            for relative in relations:
                if relative:
                    first = base / relative
                    files += [first, *first.parent.glob(first.name + ".*")]
            return [f for f in files if f.exists()]
    except Exception:  # noqa: BLE001 - no access to the data directory: nothing to drop
        return []
    finally:
        engine.dispose()


def drop_database_pages(files: list[Path]) -> int:
    return sum(_drop(f) for f in files)


def _one_process(url: str, label: str) -> dict:
    """A new process's run of one selection: every callback, each from a cold database."""
    started = time.perf_counter()
    app = bench_app(url)
    built = time.perf_counter() - started
    data = app.server.extensions["ilm_data"]
    files = database_files(url)
    times: dict[str, float] = {}
    dropped = 0
    with ThreadedServer(app) as server:
        session = requests.Session()
        for target in callback_targets(app):
            body = payload(target, SELECTIONS[label])
            clear_cache(app)
            data._forget_kept()  # the tables a process derives once per data version
            data.close()  # SQLite's page cache lives in each connection
            dropped = drop_database_pages(files)
            t0 = time.perf_counter()
            response = session.post(server.url + UPDATE, json=body, timeout=300)
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status_code == 200:
                times[f"{target.view}|{target.name}"] = elapsed
    return {"built_s": built, "dropped_bytes": dropped, "files": len(files), "times": times}


@dataclass
class ColdDatabase:
    """Per callback ("view|name"), ms of each fresh process's answer; the processes' build times."""

    times: dict[str, list[float]] = field(default_factory=dict)
    built_s: list[float] = field(default_factory=list)
    dropped_bytes: int = 0
    files: int = 0
    failures: list[str] = field(default_factory=list)


def measure_cold_database(url: str, runs: int, log=sys.stderr) -> ColdDatabase:
    """`runs` fresh processes per selection, one after another."""
    out = ColdDatabase()
    for _ in range(runs):
        for label in SELECTIONS:
            print(f"  cold database: a fresh process for {label}", file=log)
            done = subprocess.run(
                [sys.executable, "-m", "bench.coldstart", url, label],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=1800,
            )
            if done.returncode != 0:
                out.failures.append(f"{label}: {done.stderr.strip().splitlines()[-1:]}")
                continue
            answer = json.loads(done.stdout.strip().splitlines()[-1])
            out.built_s.append(answer["built_s"])
            out.dropped_bytes = max(out.dropped_bytes, answer["dropped_bytes"])
            out.files = max(out.files, answer["files"])
            for key, ms in answer["times"].items():
                out.times.setdefault(key, []).append(ms)
    return out


if __name__ == "__main__":
    print(json.dumps(_one_process(sys.argv[1], sys.argv[2])))
