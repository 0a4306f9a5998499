"""Readers never notice a write: during an import or a demo build, after a killed one,
and while another writer holds the database. On SQLite and PostgreSQL.

Writers run as a user runs them (`python -m dashboard ...` in a subprocess); readers are
the app itself (Flask test client: /healthz and the public API), polling in a thread.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dashboard.factory import create_app
from data_access.demo import DemoSpec
from data_access.load import build_demo, export_extract, import_extract
from tests.conftest import TEST_AS_OF, TEST_SECRET

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "ilm_readers"
NO_LIMIT = "100000 per minute"


@pytest.fixture(scope="module")
def extracts(tmp_path_factory) -> tuple[Path, Path]:
    """Two different valid extracts (4,000 cases each): version 1 and version 2.

    The second has fewer audits than the first: loading it needs --accept-shrink.
    """
    root = tmp_path_factory.mktemp("readers")
    out = []
    for seed in (21, 22):
        url = f"sqlite:///{root}/source-{seed}.sqlite3"
        build_demo(url, DemoSpec(cases=4_000, seed=seed, last_month=TEST_AS_OF), secret=TEST_SECRET)
        export_extract(url, root / f"extract-{seed}")
        out.append(root / f"extract-{seed}")
    return out[0], out[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """An empty database on each backend (a schema of its own on PostgreSQL)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/readers.sqlite3"
        return
    pg_url = request.getfixturevalue("pg_small_url")
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    yield f"{pg_url}?options=-csearch_path%3D{SCHEMA}"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    engine.dispose()


@pytest.fixture
def loaded_url(empty_url, extracts) -> str:
    """A database holding the first extract as version 1."""
    assert import_extract(empty_url, extracts[0], secret=TEST_SECRET) == (1, True)
    return empty_url


@dataclass
class Readers:
    """Polls the app in a thread, noting every answer with its time."""

    url: str
    answers: list[tuple[float, int, int | None, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        config = {"DATABASE_URL": self.url, "DATA_VERSION_TTL": 0, "API_RATE_LIMIT": NO_LIMIT}
        self.client = create_app(config).server.test_client()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            for path in ("/healthz", "/api/v1/aggregates?measure=cases&by=country"):
                response = self.client.get(path)
                version = None
                if path == "/healthz" and response.status_code == 200:
                    version = response.get_json()["data_version"]
                self.answers.append((time.monotonic(), response.status_code, version, path))

    def __enter__(self) -> Readers:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=30)

    def errors(self) -> list[tuple]:
        return [a for a in self.answers if a[1] != 200]

    def versions(self, start: float = 0, end: float = float("inf")) -> list[int]:
        return [a[2] for a in self.answers if a[2] is not None and start <= a[0] <= end]


@dataclass
class Writer:
    """A `python -m dashboard` command in a subprocess, with the time of each stage."""

    args: tuple[str, ...]
    stages: dict[str, float] = field(default_factory=dict)
    err: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dashboard", *self.args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.err.append(line)
            stage = line.split(":", 1)[0]
            self.stages.setdefault(stage, time.monotonic())

    def wait_for(self, stage: str, timeout: float = 120) -> float:
        deadline = time.monotonic() + timeout
        while stage not in self.stages:
            if self.process.poll() is not None and not self.thread.is_alive():
                pytest.fail(f"the writer ended before {stage!r}: {''.join(self.err)}")
            if time.monotonic() > deadline:
                pytest.fail(f"the writer did not reach {stage!r} in {timeout} s")
            time.sleep(0.01)  # polling a pipe reader, not waiting on a UI
        return self.stages[stage]

    def finish(self, timeout: float = 300) -> int:
        status = self.process.wait(timeout=timeout)
        self.thread.join(timeout=10)
        return status

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.finish()


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ir001_readers_see_no_error_during_an_import(loaded_url, extracts):
    with Readers(loaded_url) as readers:
        time.sleep(0.5)
        writer = Writer(
            ("import", str(extracts[1]), "--database-url", loaded_url, "--accept-shrink")
        )
        writing = writer.wait_for("worksites")
        status = writer.finish()
        done = time.monotonic()
        time.sleep(0.5)
    assert status == 0, "".join(writer.err)
    assert readers.errors() == []
    during = readers.versions(writing, done)
    assert len(during) >= 5, "the readers must overlap the import's transaction"
    assert set(during) <= {1, 2}
    seen = readers.versions()
    assert seen == sorted(seen) and seen[0] == 1 and seen[-1] == 2


def test_ir002_a_killed_import_leaves_the_previous_version_readable(loaded_url, extracts):
    writer = Writer(("import", str(extracts[1]), "--database-url", loaded_url, "--accept-shrink"))
    writer.wait_for("cells")  # every row written, the transaction still open
    writer.kill()
    with Readers(loaded_url) as readers:
        time.sleep(1)
    assert readers.errors() == [] and set(readers.versions()) == {1}
    info = run("info", "--database-url", loaded_url)
    assert info.returncode == 0 and "data version: 1" in info.stdout, info.stderr
    # The killed writer's lock went with it: the next import runs.
    again = run("import", str(extracts[1]), "--database-url", loaded_url, "--accept-shrink")
    assert again.returncode == 0 and "as data version 2" in again.stdout, again.stderr


def test_ir003_readers_see_no_error_during_a_demo_build(empty_url):
    build_demo(empty_url, DemoSpec(cases=1_000, seed=3, last_month=TEST_AS_OF), secret=TEST_SECRET)
    args = ("demo", "--cases", "4000", "--seed", "4", "--as-of", TEST_AS_OF)
    with Readers(empty_url) as readers:
        time.sleep(0.5)
        writer = Writer((*args, "--database-url", empty_url))
        writing = writer.wait_for("cases")
        status = writer.finish()
        done = time.monotonic()
        time.sleep(0.5)
    assert status == 0, "".join(writer.err)
    assert readers.errors() == []
    assert len(readers.versions(writing, done)) >= 5
    seen = readers.versions()
    assert seen == sorted(seen) and seen[0] == 1 and seen[-1] == 2


def test_ir004_a_killed_demo_leaves_the_previous_data_and_history(empty_url):
    build_demo(empty_url, DemoSpec(cases=1_000, seed=3, last_month=TEST_AS_OF), secret=TEST_SECRET)
    args = ("demo", "--cases", "4000", "--seed", "4", "--as-of", TEST_AS_OF)
    writer = Writer((*args, "--database-url", empty_url))
    writer.wait_for("cells")
    writer.kill()
    with Readers(empty_url) as readers:
        time.sleep(1)
    assert readers.errors() == [] and set(readers.versions()) == {1}
    info = run("info", "--database-url", empty_url)
    counts = dict(line.split() for line in info.stdout.splitlines() if line.startswith("  "))
    assert counts["cases"] == "1,000", info.stdout


def test_ir005_demo_refuses_to_replace_an_imported_extract_without_force(loaded_url):
    args = ("demo", "--cases", "1000", "--as-of", TEST_AS_OF, "--database-url", loaded_url)
    refused = run(*args)
    assert refused.returncode == 1
    assert "holds an imported extract (data version 1" in refused.stderr
    assert "Nothing in the database was changed." in refused.stderr
    assert "data version: 1 (import" in run("info", "--database-url", loaded_url).stdout
    forced = run(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "data version: 2 (demo" in run("info", "--database-url", loaded_url).stdout


HOLD = """
import sys, time
from data_access.load import writer_lock
with writer_lock(sys.argv[1]):
    print("holding", flush=True)
    time.sleep(600)
"""


def test_ir006_one_writer_at_a_time_and_a_dead_writer_holds_nothing(loaded_url, extracts):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, loaded_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        busy = run("import", str(extracts[1]), "--database-url", loaded_url, "--accept-shrink")
        assert busy.returncode == 75
        assert "another import is running" in busy.stderr
        demo = run("demo", "--cases", "1000", "--database-url", loaded_url, "--force")
        assert demo.returncode == 75 and "another import is running" in demo.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    after = run("import", str(extracts[1]), "--database-url", loaded_url, "--accept-shrink")
    assert after.returncode == 0, after.stderr
