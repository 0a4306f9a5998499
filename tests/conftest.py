"""Shared fixtures: demo databases on SQLite and PostgreSQL, Redis, and the browser.

PostgreSQL, Redis and Chromium are optional on a laptop: tests that need them skip
with the reason. In CI (CI=true) they are required, and a missing one fails the test.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest
from sqlalchemy import create_engine, text

from data_access.demo import DemoSpec
from data_access.load import build_demo

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# A fixed record-key secret: every test database (and every command a test runs in a
# subprocess, which inherits the variable) gets the same keys, and no test writes a
# secret file into the instance folder.
TEST_SECRET = b"ilm-dashboard-test-record-key-secret"
os.environ["RECORD_KEY_SECRET"] = TEST_SECRET.hex()
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROME = os.environ.setdefault("DASH_TEST_CHROMEPATH", "/usr/bin/chromium")
# A fixed as-of keeps every test database identical, whatever today's date.
TEST_AS_OF = "2026-06"
SMALL = DemoSpec(cases=4_000, seed=7, last_month=TEST_AS_OF)
DEFAULT = DemoSpec(last_month=TEST_AS_OF)


def require(available: bool, reason: str) -> None:
    """Skip on a laptop without the service; fail in CI, where it must be there."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def pytest_setup_options():
    """Chromium flags for dash_duo: this machine has no network beyond the registries."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    options.binary_location = CHROME
    return options


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory) -> str:
    """The default demo (default size and seed) on SQLite, built once per session."""
    path = tmp_path_factory.mktemp("demo") / "ilm.sqlite3"
    url = f"sqlite:///{path}"
    build_demo(url, DEFAULT)
    return url


@pytest.fixture(scope="session")
def small_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("small") / "ilm.sqlite3"
    url = f"sqlite:///{path}"
    build_demo(url, SMALL)
    return url


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_small_url() -> str:
    """The small demo built into PostgreSQL (the `test` database)."""
    require(_pg_available(), f"PostgreSQL is not reachable at {PG_URL}")
    build_demo(PG_URL, SMALL)
    return PG_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request) -> str:
    """The small demo on each supported backend."""
    name = "small_url" if request.param == "sqlite" else "pg_small_url"
    return request.getfixturevalue(name)


@pytest.fixture(scope="session")
def redis_url() -> str:
    require(_port_open("127.0.0.1", 6379), "Redis is not reachable at 127.0.0.1:6379")
    return REDIS_URL


@pytest.fixture(scope="session")
def browser_ready() -> None:
    have = os.path.exists(CHROME) and shutil.which("chromedriver") is not None
    require(have, f"Chromium ({CHROME}) and chromedriver are needed for browser tests")


def pytest_sessionfinish(session, exitstatus):
    """In CI nothing may be skipped: a skipped service or browser test is a failure."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if IN_CI and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; all must run in CI.", red=True)
        session.exitstatus = 1


def free_port() -> int:
    """A free local port, so parallel test runs never fight over 8050."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def start(dash_duo, browser_ready):
    """Start an app under dash_duo on a free port; returns dash_duo."""

    def _start(app):
        dash_duo.start_server(app, port=free_port())
        return dash_duo

    return _start
