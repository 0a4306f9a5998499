"""Shared fixtures: demo databases on SQLite and PostgreSQL, Redis, and the browser.

PostgreSQL, Redis and Chromium are optional on a laptop: tests that need them skip
with the reason. In CI (CI=true) they are required, and a missing one fails the test.

PostgreSQL: TEST_DATABASE_URL names a server and a role there that may create databases
and roles (default: postgres on 127.0.0.1:5432). Each run creates a database and a login
role of its own, both named `RUN_ID` (ilm_test_<pid>_<random>), works only in them, and
drops them at the end, so two runs on one server never meet.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import tempfile
from dataclasses import dataclass

import pytest
from dash.testing.composite import DashComposite
from sqlalchemy import create_engine, make_url, text

from data_access.demo import DemoSpec
from data_access.load import build_demo, export_extract, import_extract
from layouts import ids

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# The name of this run's PostgreSQL database and role; roles a test makes start with it.
RUN_ID = f"ilm_test_{os.getpid()}_{secrets.token_hex(3)}"
# A fixed record-key secret: every test database (and every command a test runs in a
# subprocess, which inherits the variable) gets the same keys, and no test writes a
# secret file into the instance folder.
TEST_SECRET = b"ilm-dashboard-test-record-key-secret"
os.environ["RECORD_KEY_SECRET"] = TEST_SECRET.hex()
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROME = os.environ.setdefault("DASH_TEST_CHROMEPATH", "/usr/bin/chromium")
# Apps the tests build ask far faster than a reader: rate limits out of their way, except
# where a test sets its own to see them act (tests/test_limits.py).
for _limit in ("API_RATE_LIMIT", "DOWNLOAD_RATE_LIMIT", "CALLBACK_RATE_LIMIT"):
    os.environ.setdefault(_limit, "100000 per minute")
# Release notes and data packages the test apps keep (dashboard.releases, .package) go to
# a folder of this run, never to the checkout's instance/ folder.
os.environ.setdefault("RELEASES_DIR", tempfile.mkdtemp(prefix="ilm-test-releases-"))
# How long a browser test waits for a condition (a text, an element, a URL). Generous, so
# a busy machine is slow but never wrong; a passing condition ends the wait at once.
WAIT = float(os.environ.get("TEST_BROWSER_WAIT", "120"))
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


@pytest.fixture(scope="session")
def imported_url(tmp_path_factory, small_url) -> str:
    """The small demo's rows loaded the way a real extract is: `import`, not `demo`.

    Its data version is an import, so nothing may label it synthetic: the rows stand in
    for an extract of the network's records.
    """
    extract = tmp_path_factory.mktemp("extract")
    export_extract(small_url, extract)
    url = f"sqlite:///{tmp_path_factory.mktemp('imported') / 'ilm.sqlite3'}"
    import_extract(url, extract)
    return url


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@dataclass(frozen=True)
class PgRun:
    """This run's own PostgreSQL database, as its owner and as the administrative role."""

    url: str  # as the run's role, which owns the database (the loading role of the tests)
    admin_url: str  # as TEST_DATABASE_URL's role, which may create roles


def _drop_run(admin_engine) -> None:
    with admin_engine.connect() as conn:
        conn.execute(
            text(
                "select pg_terminate_backend(pid) from pg_stat_activity "
                "where datname = :name and pid <> pg_backend_pid()"
            ),
            {"name": RUN_ID},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{RUN_ID}"'))
        roles = conn.execute(
            text("select rolname from pg_roles where left(rolname, length(:p)) = :p"),
            {"p": RUN_ID},
        ).scalars()
        for role in list(roles):
            conn.execute(text(f'DROP ROLE "{role}"'))


@pytest.fixture(scope="session")
def pg_run():
    """Create this run's database and role; drop both (and roles tests made) at the end."""
    require(_pg_available(), f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    admin = make_url(PG_ADMIN_URL)
    password = secrets.token_hex(16)
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"CREATE ROLE \"{RUN_ID}\" LOGIN PASSWORD '{password}'"))
            conn.execute(text(f'CREATE DATABASE "{RUN_ID}" OWNER "{RUN_ID}"'))
    except Exception as exc:
        _drop_run(engine)
        engine.dispose()
        require(False, f"{PG_ADMIN_URL} may not create a database and a role: {exc}")
    own = admin.set(username=RUN_ID, password=password, database=RUN_ID)
    try:
        yield PgRun(
            url=own.render_as_string(hide_password=False),
            admin_url=admin.set(database=RUN_ID).render_as_string(hide_password=False),
        )
    finally:
        _drop_run(engine)
        engine.dispose()


@pytest.fixture(scope="session")
def pg_small_url(pg_run) -> str:
    """The small demo built into this run's own PostgreSQL database."""
    build_demo(pg_run.url, SMALL)
    return pg_run.url


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


class PatientDashComposite(DashComposite):
    """dash_duo with this suite's generous limits: starting the app's server, loading a
    page, every wait_for_* without a timeout of its own, and asynchronous scripts."""

    def start_server(self, app, navigate=True, **kwargs):
        kwargs.setdefault("start_timeout", WAIT)
        super().start_server(app, navigate=navigate, **kwargs)

    def wait_for_page(self, url=None, timeout=WAIT):
        return super().wait_for_page(url, timeout)

    def open_table(self, chart: str) -> str:
        """Open a chart's "View as table" as a reader does (the browser builds a table only
        while it is open) and return the selector of its container."""
        summary = self.wait_for_element(f"#{ids.table_toggle(chart)}", timeout=WAIT)
        # A script's click: the page stays where it is, so later clicks find their targets.
        self.driver.execute_script("arguments[0].click();", summary)
        return f"#{ids.table(chart)}"


@pytest.fixture
def dash_duo(request, browser_ready, dash_thread_server, tmpdir):
    """dash[testing]'s dash_duo, as its plugin builds it, with the limits above; it skips
    (fails in CI) without Chromium and chromedriver, like every browser test."""
    with PatientDashComposite(
        server=dash_thread_server,
        browser=request.config.getoption("webdriver"),
        remote=request.config.getoption("remote"),
        remote_url=request.config.getoption("remote_url"),
        headless=request.config.getoption("headless"),
        options=request.config.hook.pytest_setup_options(),
        download_path=tmpdir.mkdir("download").strpath,
        percy_assets_root=request.config.getoption("percy_assets"),
        percy_finalize=request.config.getoption("nopercyfinalize"),
        pause=request.config.getoption("pause"),
        wait_timeout=WAIT,
    ) as composite:
        composite.driver.set_script_timeout(WAIT)
        yield composite


@pytest.fixture
def start(dash_duo, browser_ready):
    """Start an app under dash_duo on a free port; returns dash_duo."""

    def _start(app):
        dash_duo.start_server(app, port=free_port())
        return dash_duo

    return _start
