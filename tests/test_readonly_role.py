"""docs/sql/readonly_role.sql makes a PostgreSQL role that can read and do nothing else.

The script is run as the administrative role against the small demo in this run's own
database (whose owner, the run's role, is the loading role), making a read-only role named
after the run, so parallel runs never share it. The tests connect as that role and try to
read, write and create. The role is dropped again at the end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from psycopg import errors as pg_errors
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from dashboard.factory import create_app
from data_access import schema
from tests.conftest import RUN_ID, require

SQL = Path(__file__).resolve().parent.parent / "docs" / "sql" / "readonly_role.sql"
ROLE = f"{RUN_ID}_ro"
PASSWORD = "not-a-real-password"
SCRATCH = "ro_test_scratch"


def _drop_role(admin_url: URL) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.execute(text("select 1 from pg_roles where rolname = :r"), {"r": ROLE}).first():
            # DROP OWNED BY also revokes its privileges and default privileges here.
            conn.execute(text(f'DROP OWNED BY "{ROLE}"'))
            conn.execute(text(f'DROP ROLE "{ROLE}"'))
        conn.execute(text(f"DROP TABLE IF EXISTS {SCRATCH}"))
    engine.dispose()


def _run_with_psql(admin_url: URL, variables: dict[str, str]) -> None:
    command = ["psql", "--no-psqlrc", "--single-transaction", "-v", "ON_ERROR_STOP=1"]
    command += ["-h", admin_url.host or "127.0.0.1", "-p", str(admin_url.port or 5432)]
    command += ["-U", admin_url.username or "postgres", "-d", admin_url.database or "postgres"]
    for name, value in variables.items():
        command += ["-v", f"{name}={value}"]
    env = dict(os.environ)
    if admin_url.password:
        env["PGPASSWORD"] = admin_url.password
    done = subprocess.run([*command, "-f", str(SQL)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr


def statements(variables: dict[str, str]) -> list[str]:
    """The script's SQL statements with the psql variables filled in as psql would."""

    def substitute(match: re.Match) -> str:
        quote, value = match.group(1), variables[match.group(2)]
        return quote + value.replace(quote, quote * 2) + quote

    variables = {"dashboard_role": "ilm_dashboard", **variables}  # psql's default too
    lines = [
        line
        for line in SQL.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith(("--", "\\"))
    ]
    script = re.sub(r":(['\"])(\w+)\1", substitute, "\n".join(lines))
    return [" ".join(s.split()) for s in script.split(";") if s.strip()]


def _run_statements(conn, variables: dict[str, str]) -> None:
    dbname = conn.execute(text("select current_database()")).scalar_one()
    for statement in statements({"DBNAME": dbname, **variables}):
        conn.exec_driver_sql(statement)


def _run_with_sqlalchemy(admin_url: URL, variables: dict[str, str]) -> None:
    """No psql here: run the statements in one transaction through SQLAlchemy."""
    engine = create_engine(admin_url)
    with engine.begin() as conn:
        _run_statements(conn, variables)
    engine.dispose()


def _variables(pg_small_url: str) -> dict[str, str]:
    loader = make_url(pg_small_url).username
    return {"dashboard_password": PASSWORD, "loader_role": loader, "dashboard_role": ROLE}


@pytest.fixture(scope="module")
def role_url(pg_run, pg_small_url):
    """Run the script; yield the URL to connect as the read-only role; drop it after."""
    admin_url = make_url(pg_run.admin_url)
    _drop_role(admin_url)
    variables = _variables(pg_small_url)
    if shutil.which("psql"):
        _run_with_psql(admin_url, variables)
    else:
        _run_with_sqlalchemy(admin_url, variables)
    url = admin_url.set(username=ROLE, password=PASSWORD)
    try:
        yield url
    finally:
        _drop_role(admin_url)


@pytest.fixture
def role_engine(role_url):
    engine = create_engine(role_url)
    yield engine
    engine.dispose()


# The tables the dashboard never reads: the case-level rows and the raw extract tables
# behind the released cells and the audit comparison's pairs.
CASE_LEVEL = ("cases", "case_issues", "case_themes", "worksites", "audits", "audit_findings")
RELEASED = sorted(set(schema.metadata.tables) - set(CASE_LEVEL))


def _refused(conn, statement: str) -> BaseException:
    with pytest.raises(DBAPIError) as info:
        conn.execute(text(statement))
    return info.value.orig


def test_ro001_role_reads_the_released_cells_as_they_are(role_engine, pg_small_url):
    cube = next(iter(schema.cube_tables))
    with role_engine.connect() as conn:
        seen = conn.execute(text(f"select sum(n_cases) from {cube}")).scalar_one()
    admin = create_engine(pg_small_url)
    with admin.connect() as conn:
        total = conn.execute(text(f"select sum(n_cases) from {cube}")).scalar_one()
    admin.dispose()
    assert seen == total > 0


@pytest.mark.parametrize("table", RELEASED)
def test_ro002_role_can_read_every_released_table(role_engine, table):
    with role_engine.connect() as conn:
        conn.execute(text(f"select * from {table} limit 1")).all()


@pytest.mark.parametrize("table", CASE_LEVEL)
def test_ro010_role_cannot_read_case_level_rows_or_their_record_keys(role_engine, table):
    with role_engine.connect() as conn:
        error = _refused(conn, f"select * from {table} limit 1")
    assert isinstance(error, pg_errors.InsufficientPrivilege)


def test_ro011_the_app_answers_every_surface_as_the_role(role_url):
    url = role_url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    client = create_app({"DATABASE_URL": url}).server.test_client()
    for path in (
        "/readyz",
        "/",
        "/api/v1/aggregates?measure=cases&by=issue",
        "/download/audits/audits-by-issue.csv",
        "/download/remediation/remediation-rate.csv",
        "/embed/recruitment/recruitment-map",
    ):
        response = client.get(path)
        body = response.get_data()  # read whole: a streamed download ends in its context
        assert response.status_code == 200, (path, body[:300])


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("create temporary table ro_test_temp (x int)", id="temp-table"),
        pytest.param("select lo_create(0)", id="lo_create"),
        pytest.param("select lo_creat(-1)", id="lo_creat"),
        pytest.param("select lo_from_bytea(0, 'x')", id="lo_from_bytea"),
        pytest.param(f"create table {SCRATCH} (x int)", id="create-table"),
        pytest.param("insert into data_versions select * from data_versions limit 1", id="insert"),
    ],
)
def test_ro012_a_session_that_turns_read_only_off_still_can_do_nothing(role_engine, statement):
    with role_engine.connect() as conn:
        # Any session may do this (and may ALTER ROLE itself to make it its default):
        # the privileges must refuse what read-write mode would allow.
        conn.execute(text("SET default_transaction_read_only = off"))
        conn.commit()
        assert conn.execute(text("show transaction_read_only")).scalar_one() == "off"
        error = _refused(conn, statement)
    assert isinstance(error, pg_errors.InsufficientPrivilege), error


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(
            "insert into cases (case_id, month_received, channel, language, stage, "
            "nationality, sex, origin, destination, workers_affected, status, "
            "workers_remediated, validated, record_key) values ('X1', '2024-01', 'line', "
            "'my', 'recruitment', 'MM', 'male', 'MM', 'TH', 1, 'open', 0, 'unknown', 0)",
            id="insert",
        ),
        pytest.param("update cases set record_key = 0", id="update"),
        pytest.param("delete from cases", id="delete"),
        pytest.param("truncate cases", id="truncate"),
        pytest.param("delete from data_versions", id="delete-data_versions"),
    ],
)
def test_ro003_role_cannot_write(role_engine, statement):
    with role_engine.connect() as conn:
        # Leave the read-only default aside: the privileges alone must refuse the write.
        conn.execute(text("SET TRANSACTION READ WRITE"))
        with pytest.raises(DBAPIError) as info:
            conn.execute(text(statement))
    assert isinstance(info.value.orig, pg_errors.InsufficientPrivilege)
    assert "permission denied" in str(info.value.orig)


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(f"create table {SCRATCH} (x int)", id="create-table"),
        pytest.param(f"create view {SCRATCH} as select 1 as x", id="create-view"),
        pytest.param("create schema ro_test_schema", id="create-schema"),
    ],
)
def test_ro004_role_cannot_create(role_engine, statement):
    with role_engine.connect() as conn:
        conn.execute(text("SET TRANSACTION READ WRITE"))
        with pytest.raises(DBAPIError) as info:
            conn.execute(text(statement))
    assert isinstance(info.value.orig, pg_errors.InsufficientPrivilege)
    assert "permission denied" in str(info.value.orig)


def test_ro005_sessions_are_read_only_by_default(role_engine):
    with role_engine.connect() as conn, pytest.raises(DBAPIError) as info:
        conn.execute(text("delete from data_versions"))
    assert isinstance(info.value.orig, pg_errors.ReadOnlySqlTransaction)


def test_ro006_tables_the_loader_creates_later_stay_closed(role_engine, pg_small_url):
    # An upgrade that rebuilds the schema must not open new tables to the role by
    # default: the grants are run again (grants_only=1) for what the dashboard reads.
    admin = create_engine(pg_small_url)
    with admin.begin() as conn:
        conn.execute(text(f"create table {SCRATCH} (x int)"))
    try:
        with role_engine.connect() as conn:
            error = _refused(conn, f"select x from {SCRATCH}")
        assert isinstance(error, pg_errors.InsufficientPrivilege)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"drop table {SCRATCH}"))
        admin.dispose()


def test_ro007_role_holds_select_and_nothing_else(role_engine):
    with role_engine.connect() as conn:
        granted = set(
            conn.execute(
                text(
                    "select distinct privilege_type from information_schema.table_privileges "
                    "where grantee = :role"
                ),
                {"role": ROLE},
            ).scalars()
        )
        role = conn.execute(
            text(
                "select rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, "
                "rolbypassrls from pg_roles where rolname = :role"
            ),
            {"role": ROLE},
        ).one()
        may_create = conn.execute(
            text(
                "select has_schema_privilege(:role, 'public', 'CREATE'), "
                "has_database_privilege(:role, current_database(), 'CREATE')"
            ),
            {"role": ROLE},
        ).one()
    assert granted == {"SELECT"}
    assert tuple(role) == (True, False, False, False, False, False)
    assert tuple(may_create) == (False, False)


def test_ro008_statements_fill_in_the_psql_variables():
    sql = statements({"DBNAME": "ilm", "dashboard_password": "it's", "loader_role": "ld"})
    assert "CREATE ROLE \"ilm_dashboard\" LOGIN PASSWORD 'it''s' NOSUPERUSER" in sql[0]
    assert 'GRANT CONNECT ON DATABASE "ilm" TO "ilm_dashboard"' in sql
    assert not [s for s in sql if re.search(r":['\"]?\w", s)]


def test_ro009_script_works_without_psql_too(role_url, pg_run, pg_small_url):
    """The SQLAlchemy road, in a transaction that is rolled back (the role stays as is)."""
    admin = create_engine(pg_run.admin_url)
    with admin.connect() as conn, conn.begin() as transaction:
        conn.execute(text(f'DROP OWNED BY "{ROLE}"'))
        conn.execute(text(f'DROP ROLE "{ROLE}"'))
        _run_statements(conn, _variables(pg_small_url))
        may = conn.execute(
            text(
                "select has_table_privilege(:role, 'data_versions', 'SELECT'), "
                "has_table_privilege(:role, 'cases', 'SELECT'), "
                "has_table_privilege(:role, 'data_versions', 'INSERT'), "
                "has_schema_privilege(:role, 'public', 'CREATE'), "
                "has_database_privilege(:role, current_database(), 'TEMPORARY')"
            ),
            {"role": ROLE},
        ).one()
        transaction.rollback()
    admin.dispose()
    assert tuple(may) == (True, False, False, False, False)


def test_ro013_grants_only_opens_a_rebuilt_released_table_and_no_case_table(
    role_engine, pg_run, pg_small_url
):
    require(shutil.which("psql") is not None, "psql runs the script's grants_only road")
    admin = create_engine(pg_small_url)
    with admin.begin() as conn:
        conn.execute(text(f"create table {SCRATCH} (x int)"))
        # An upgrade drops and recreates the tables: a recreated one has no grants.
        conn.execute(text("alter table cases rename to cases_before"))
        conn.execute(text("create table cases as select * from cases_before"))
    try:
        _run_with_psql(make_url(pg_run.admin_url), {**_variables(pg_small_url), "grants_only": "1"})
        with role_engine.connect() as conn:
            conn.execute(text(f"select x from {SCRATCH}")).all()
            error = _refused(conn, "select * from cases limit 1")
        assert isinstance(error, pg_errors.InsufficientPrivilege)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"drop table {SCRATCH}"))
            conn.execute(text("drop table cases"))
            conn.execute(text("alter table cases_before rename to cases"))
        admin.dispose()
