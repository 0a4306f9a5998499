"""Fault suite: the database or the cache goes away, at boot or while serving, and comes
back. During: 503s with a message (pages: a "temporarily unavailable, retrying" page),
`/healthz` alive. After: full answers again, without a restart.

Every wait is for a condition, with a generous bound: the machine running CI is busy.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, make_url, text

from dashboard.factory import create_app
from data_access.filters import Filters
from layouts import ids
from tests.conftest import WAIT, free_port

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parent.parent
BOOT_WAIT = 300  # seconds for `serve` to answer at all on a busy machine
STATE_WAIT = 120  # seconds for an outage or a recovery to show
API = "/api/v1/aggregates?measure=cases&by=country"
CSV = "/download/overview/overview-cases.csv"
EMBED = "/embed/overview/overview-cases"
UNAVAILABLE = "temporarily unavailable"
# The Overview's headline numbers, as the page asks for them.
KPI_CALLBACK = {
    "output": f"{ids.KPI}.children",
    "outputs": {"id": ids.KPI, "property": "children"},
    "inputs": [{"id": ids.FILTERS, "property": "data", "value": {}}],
    "changedPropIds": [],
}


@pytest.fixture
def sqlite_copy(imported_url, tmp_path) -> Path:
    path = tmp_path / "ilm.sqlite3"
    shutil.copy(imported_url.removeprefix("sqlite:///"), path)
    return path


def _wait(condition, limit: float = STATE_WAIT, what: str = "the condition"):
    deadline = time.monotonic() + limit
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not hold within {limit} s")
        time.sleep(0.5)  # polling a server's state, not the UI


def _closed_port() -> int:
    return free_port()  # nothing listens there once the probe socket is closed


def _assert_unavailable(client, hidden: tuple[str, ...] = ()) -> None:
    """Every surface says the data cannot be read now, and how to proceed, and none
    names what is `hidden` (the database's name, host or file)."""
    for path in ("/healthz", "/readyz", "/_dash-layout", API, CSV, EMBED, "/api/v1/meta"):
        body = client.get(path).get_data(as_text=True)
        assert not [h for h in hidden if h in body], path
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["status"] == "unavailable"
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert UNAVAILABLE in layout and ids.RETRY in layout, "the page says so and retries"
    api = client.get(API)
    assert api.status_code == 503 and api.is_json
    assert api.get_json()["error"].startswith("database unavailable")
    chart = client.post("/_dash-update-component", json=KPI_CALLBACK)
    assert chart.status_code == 503 and chart.headers["Retry-After"]
    for path in (CSV, EMBED):
        answer = client.get(path)
        assert answer.status_code == 503, path
        assert UNAVAILABLE in answer.get_data(as_text=True) and answer.headers["Retry-After"]


def _assert_serving(client) -> None:
    assert client.get("/readyz").status_code == 200
    assert client.post("/_dash-update-component", json=KPI_CALLBACK).status_code == 200
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert UNAVAILABLE not in layout and "filters-store" in layout
    for path in (API, CSV, EMBED):
        answer = client.get(path)
        answer.close()  # every answer is read and closed, as a reader's download is
        assert answer.status_code == 200, path


# -- the database, in process ----------------------------------------------------------
def test_fa001_sqlite_missing_at_boot_answers_503_then_recovers(sqlite_copy, tmp_path):
    away = tmp_path / "away.sqlite3"
    sqlite_copy.rename(away)
    app = create_app({"DATABASE_URL": f"sqlite:///{sqlite_copy}", "DATA_VERSION_TTL": 0})
    client = app.server.test_client()
    _assert_unavailable(client)
    away.rename(sqlite_copy)
    _assert_serving(client)


def test_fa002_postgresql_refusing_connections_mid_serving_then_back(pg_small_url, pg_run):
    app = create_app({"DATABASE_URL": pg_small_url, "DATA_VERSION_TTL": 0})
    client = app.server.test_client()
    _assert_serving(client)
    with _refusing(pg_run):
        _assert_unavailable(client, hidden=(make_url(pg_small_url).database, "5432"))
    _wait(lambda: client.get("/readyz").status_code == 200, what="recovery")
    _assert_serving(client)
    app.server.extensions["ilm_data"].close()


def test_fa003_postgresql_down_at_boot_answers_503(pg_small_url):
    closed = make_url(pg_small_url).set(port=_closed_port())
    app = create_app({"DATABASE_URL": closed.render_as_string(hide_password=False)})
    _assert_unavailable(app.server.test_client())


def test_fa004_no_database_detail_reaches_a_reader(sqlite_copy, tmp_path):
    sqlite_copy.rename(tmp_path / "away.sqlite3")
    client = create_app({"DATABASE_URL": f"sqlite:///{sqlite_copy}"}).server.test_client()
    _assert_unavailable(client, hidden=(str(tmp_path), "sqlite3"))


def test_fa006_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    sqlite_copy, tmp_path, caplog
):
    away = tmp_path / "away.sqlite3"
    sqlite_copy.rename(away)
    app = create_app({"DATABASE_URL": f"sqlite:///{sqlite_copy}", "DATA_VERSION_TTL": 0})
    client = app.server.test_client()
    with caplog.at_level(logging.WARNING, logger="dashboard.factory"):
        for path in (API, "/healthz", API, "/_dash-layout", EMBED):
            client.get(path)
        away.rename(sqlite_copy)
        assert client.get(API).status_code == 200
        client.get(API)
    messages = [r.getMessage() for r in caplog.records]
    assert sum(m.startswith("database unavailable") for m in messages) == 1
    assert sum(m.startswith("database available again") for m in messages) == 1
    assert str(tmp_path) in messages[0], "the operator's log says which database"


def test_fa005_a_demo_found_after_an_unchecked_start_is_refused(small_url):
    # `serve` without --allow-demo that could not read the database at its start.
    client = create_app({"DATABASE_URL": small_url, "REFUSE_DEMO": True}).server.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "--allow-demo" in ready.get_json()["detail"]
    assert client.get(API).status_code == 503
    assert ids.FILTERS not in client.get("/_dash-layout").get_data(as_text=True)


class _refusing:
    """The run's PostgreSQL database refuses every connection while inside."""

    def __init__(self, pg_run) -> None:
        self.name = make_url(pg_run.url).database
        self.admin = create_engine(
            make_url(pg_run.admin_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )

    def _run(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def __enter__(self):
        self._run(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self._run(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            f"where datname = '{self.name}' and pid <> pg_backend_pid()"
        )
        return self

    def end(self) -> None:
        if self.admin is not None:
            self._run(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')
            self.admin.dispose()
            self.admin = None

    def __exit__(self, *exc) -> None:
        self.end()


# -- the cache -------------------------------------------------------------------------
class _Proxy:
    """A TCP forwarder to Redis that a test can cut and restore on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._conns.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


def test_fa010_redis_down_at_boot_answers_without_the_cache(imported_url, caplog):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    app = create_app({"DATABASE_URL": imported_url, "CACHE_REDIS_URL": url})
    client = app.server.test_client()
    with caplog.at_level(logging.WARNING, logger="data_access.cache"):
        _assert_serving(client)
        _assert_serving(client)
    told = [r for r in caplog.records if "cache unavailable" in r.getMessage()]
    assert len(told) == 1, "an outage is logged once, not per request"


def test_fa011_redis_lost_mid_serving_then_back(imported_url, redis_url, caplog):
    parsed = urlsplit(redis_url)
    proxy = _Proxy((parsed.hostname or "127.0.0.1", parsed.port or 6379))
    proxy.start()
    url = f"redis://127.0.0.1:{proxy.port}{parsed.path}"
    app = create_app({"DATABASE_URL": imported_url, "CACHE_REDIS_URL": url})
    client = app.server.test_client()
    data = app.server.extensions["ilm_data"]
    try:
        _assert_serving(client)
        assert data.cache.available
        proxy.stop()
        with caplog.at_level(logging.WARNING, logger="data_access.cache"):
            _assert_serving(client)
            assert data.aggregate("cases", ("issue",), Filters(country="MY")).rows
            assert not data.cache.available
            proxy.start()
            data.cache._next_try = 0  # no need to wait out the back-off in a test
            _wait(lambda: client.get(API).status_code == 200 and data.cache.available)
        messages = [r.getMessage() for r in caplog.records]
        assert sum("cache unavailable" in m for m in messages) == 1
        assert sum("cache available again" in m for m in messages) == 1
    finally:
        proxy.stop()


def test_fa012_a_silent_redis_costs_seconds_not_a_hung_request(imported_url):
    # Accepts connections (the kernel does) and never answers: a host dropping packets.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        app = create_app({"DATABASE_URL": imported_url, "CACHE_REDIS_URL": url})
        client = app.server.test_client()
        answers: list[int] = []
        worker = threading.Thread(
            target=lambda: answers.extend(client.get(API).status_code for _ in range(3)),
            daemon=True,
        )
        started = time.monotonic()
        worker.start()
        worker.join(timeout=STATE_WAIT)
        took = time.monotonic() - started
    assert answers == [200, 200, 200], f"no answer in {took:.0f} s"
    assert took < 30


# -- the production server -------------------------------------------------------------
class _Serve:
    """`python -m dashboard serve --workers 2` on a free port, stopped at exit."""

    def __init__(self, database_url: str, *extra: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # A file, not a pipe: a pipe nobody reads while serving could fill and block it.
        self.log = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dashboard",
                "serve",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--database-url",
                database_url,
                *extra,
            ],
            cwd=ROOT,
            env={**os.environ, "PUBLIC_URL": self.base},
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=60) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def alive(self) -> bool:
        assert self.process.poll() is None, self.stderr()
        try:
            return self.get("/healthz")[0] == 200
        except OSError:
            return False

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read()[-3000:]

    def __enter__(self):
        _wait(self.alive, BOOT_WAIT, "serve answering /healthz")
        return self

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if exc[0] is not None:
            print(self.stderr())  # pytest shows it beside the failure
        self.log.close()


def _all(server: _Serve, status: int, times: int = 6) -> bool:
    """Several answers in a row (both workers, most likely) have this status.

    A connection error counts as "not yet", so a wait retries it; a server that keeps
    failing connections still fails the wait. (One reset was seen once, in 20 runs, while
    the database was being cut off: the log is printed on failure to tell why.)
    """
    try:
        return all(server.get("/readyz")[0] == status for _ in range(times))
    except ConnectionError:
        return False


def test_fa020_serve_starts_with_its_database_missing_and_recovers(sqlite_copy, tmp_path):
    away = tmp_path / "away.sqlite3"
    sqlite_copy.rename(away)
    with _Serve(f"sqlite:///{sqlite_copy}") as server:
        status, body = server.get(API)
        assert status == 503 and "database unavailable" in body
        status, body = server.get(EMBED)
        assert status == 503 and UNAVAILABLE in body
        away.rename(sqlite_copy)
        _wait(lambda: _all(server, 200), what="recovery after the file came back")
        assert server.get(API)[0] == 200 and server.get(CSV)[0] == 200


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_fa021_a_worker_restart_during_an_outage_keeps_serving(pg_small_url, pg_run, how):
    with _Serve(pg_small_url, "--allow-demo") as server:
        _wait(lambda: _all(server, 200), what="serving before the outage")
        with _refusing(pg_run):
            _wait(lambda: _all(server, 503), what="503s during the outage")
            victim = server.workers()[0]
            os.kill(victim, how)
            _wait(
                lambda: victim not in server.workers() and len(server.workers()) == 2,
                what="a replacement worker",
            )
            assert server.process.poll() is None, server.stderr()
            assert _all(server, 503)
            status, body = server.get(API)
            assert status == 503 and "database unavailable" in body
        _wait(lambda: _all(server, 200), what="recovery after the outage")
        assert server.get(API)[0] == 200


# -- slow clients ----------------------------------------------------------------------
def _trickle(port: int, stop: threading.Event) -> None:
    """A client that sends its request headers a few bytes at a time, never finishing."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        n = 0
        while not stop.wait(0.5):
            n += 1
            try:
                sock.sendall(f"X-Slow-{n}: a\r\n".encode())
            except OSError:
                return  # the server closed it: that is allowed too


def _seconds_for(url: str, limit: float = 15.0) -> float:
    """How long a request took to answer 200 (`limit` when it did not in time)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=limit) as answer:
            if answer.status != 200:
                return limit
    except OSError:
        return limit
    return time.monotonic() - started


def test_fa030_three_trickling_clients_do_not_freeze_health_checks(imported_url):
    with _Serve(imported_url) as server:
        stop = threading.Event()
        clients = [
            threading.Thread(target=_trickle, args=(server.port, stop), daemon=True)
            for _ in range(3)
        ]
        for client in clients:
            client.start()
        try:
            time.sleep(2)  # the three hold their connections open before the checks
            slowest = max(_seconds_for(server.base + "/healthz") for _ in range(10))
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=15)
        # Sync workers (`--threads 1`) answered only when a worker was killed (60 s).
        assert slowest < 10, f"/healthz took {slowest:.1f} s beside three slow clients"


# -- in a browser ----------------------------------------------------------------------
@pytest.mark.browser
def test_fa040_a_page_opened_during_an_outage_comes_back_by_itself(dash_duo, sqlite_copy, tmp_path):
    away = tmp_path / "away.sqlite3"
    sqlite_copy.rename(away)
    app = create_app({"DATABASE_URL": f"sqlite:///{sqlite_copy}", "DATA_VERSION_TTL": 0})
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_contains_text("#react-entry-point", UNAVAILABLE, timeout=WAIT)
    away.rename(sqlite_copy)
    # No click, no reload by the test: the page reloads itself (every 15 s).
    dash_duo.wait_for_contains_text(f"#{ids.KPI}", "Workers remediated", timeout=WAIT)


def test_fa022_serve_starts_while_postgresql_refuses_and_recovers(pg_small_url, pg_run):
    with _refusing(pg_run) as outage, _Serve(pg_small_url, "--allow-demo") as server:
        _wait(lambda: _all(server, 503), what="503s while the database refuses")
        status, body = server.get(API)
        assert status == 503 and "database unavailable" in body
        outage.end()
        _wait(lambda: _all(server, 200), what="recovery once the database accepts")


def test_fa023_a_demo_behind_an_outage_at_start_is_still_refused(pg_small_url, pg_run):
    # Without --allow-demo, serve could not check the data at its start.
    with _refusing(pg_run) as outage, _Serve(pg_small_url) as server:
        _wait(lambda: _all(server, 503), what="503s while the database refuses")
        outage.end()
        _wait(lambda: "no data" in server.get("/readyz")[1], what="the demo refused")
        assert _all(server, 503)
        status, body = server.get(API)
        assert status == 503 and "--allow-demo" in body
