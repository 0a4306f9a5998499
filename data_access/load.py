"""Writing to the database: the demo build, the import of an extract, the cells.

This is the only module that writes. Both roads check every row against the data
contract, write in one transaction, rebuild the pre-aggregated cells from the rows just
written, and record a new data version, so a running app (whose caches are keyed by
data version) moves to the new data on its next request, with no restart.

Readers never notice a write: on PostgreSQL they read the previous version (MVCC) until
the transaction commits; on SQLite the database is in WAL mode, the writer's transaction
(DDL included: pysqlite's implicit commits are switched off) stays in the write-ahead log
until it commits, and a writer killed halfway leaves only uncommitted frames that readers
ignore. One writer at a time: a second `demo` or `import` is refused at once ("another
import is running"), by a lock file beside the SQLite database or a PostgreSQL advisory
lock, both released by the operating system or the server when the writer dies.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import functools
import hashlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Engine,
    Integer,
    bindparam,
    case,
    cast,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

from data_access import audit_arrays, contract, outcomes, schema, taxonomy
from data_access.audits import WINDOWS
from data_access.demo import DemoGenerator, DemoSpec
from data_access.disclosure import EZS_HIGH, EZS_LOW
from data_access.extract import ExtractError, Loaded, validate_extract, write_manifest
from data_access.keys import contacts_id, load_secret, record_key
from data_access.query import NoData, Unavailable, readonly_engine

Progress = Callable[[str, int, int | None], None]
INSERT_CHUNK = 5_000
# An extract with more than this share fewer rows in a table than the version loaded is
# refused without --accept-shrink: extracts are full snapshots of a growing history, and
# a file cut short (by a full disk, a failed copy) is the usual reason for fewer rows.
SHRINK_LIMIT = 0.10
SHRINK_MIN_ROWS = 10
# How long a writer waits for SQLite's own locks (switching to WAL, a checkpoint) before
# it gives up; readers never hold them for long.
SQLITE_BUSY_MS = 10_000
# Postgres advisory lock of the writer, per schema: (namespace, hashtext(schema)).
PG_LOCK_NAMESPACE = 0x494C4D  # "ILM"


class WriterBusy(RuntimeError):
    """Another demo build or import is writing to the same database."""


class DemoRefused(RuntimeError):
    """The demo would replace an imported extract, and --force was not given."""


def writable_engine(url: str) -> Engine:
    """An engine for one writer: on SQLite, WAL mode and transactions that hold DDL too."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, poolclass=NullPool)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        # pysqlite commits before DDL on its own; take transactions over (BEGIN below) so a
        # demo's DROP and CREATE stay inside the transaction like every INSERT.
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        mode = dbapi_connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise WriterBusy(
                f"could not switch {parsed.database} to WAL mode (it stayed {mode!r}); "
                "is it on a network file system? Readers would be locked out during a write"
            )
        dbapi_connection.execute("PRAGMA cache_size = -131072")
        # After a checkpoint, keep no more than 64 MB of write-ahead log on disk.
        dbapi_connection.execute("PRAGMA journal_size_limit = 67108864")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _after_commit(engine: Engine) -> None:
    """Fold the write-ahead log into the database file once readers let it (SQLite)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        # Readers still on the previous version keep their pages; TRUNCATE waits for them
        # up to the busy timeout, then the next write's checkpoint finishes the job.
        raw.execute("PRAGMA busy_timeout = 2000")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


@contextmanager
def writer_lock(url: str) -> Iterator[None]:
    """Hold the database's single-writer lock, or raise WriterBusy at once."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        with _file_lock(Path(parsed.database)):
            yield
    elif backend == "postgresql":
        with _advisory_lock(url):
            yield
    else:
        yield


@contextmanager
def _writing(url: str) -> Iterator[Engine]:
    """The single-writer lock held, and an engine that writes, closed when done."""
    with writer_lock(url):
        engine = writable_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def _file_lock(database: Path) -> Iterator[None]:
    database.parent.mkdir(parents=True, exist_ok=True)
    path = database.with_name(database.name + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            # flock is released by the kernel when the holder exits, killed or not: a
            # lock file left behind never blocks the next writer.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise WriterBusy(
                f"another import is running on {database} ({holder}); "
                "nothing was changed: try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"pid {os.getpid()}, started {started}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(url: str) -> Iterator[None]:
    engine = create_engine(url, poolclass=NullPool)
    key = f"({PG_LOCK_NAMESPACE}, hashtext(current_schema()))"
    try:
        with engine.connect() as conn:
            # A session lock on its own connection, outside the import's transaction; the
            # server drops it when the connection goes, so a killed import leaves none.
            got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock{key}").scalar_one()
            conn.commit()
            if not got:
                holder = conn.exec_driver_sql(
                    "SELECT a.pid, a.backend_start FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted "
                    f"AND l.classid = {PG_LOCK_NAMESPACE} "
                    "AND l.objid = (hashtext(current_schema())::bigint & 4294967295)::oid "
                    "LIMIT 1"
                ).first()
                conn.rollback()
                who = (
                    f"server process {holder[0]}, connected {holder[1]:%Y-%m-%d %H:%M} UTC"
                    if holder
                    else "another session"
                )
                raise WriterBusy(
                    f"another import is running on this database ({who}); "
                    "nothing was changed: try again when it has finished"
                )
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock{key}")
                conn.commit()
    finally:
        engine.dispose()


def _quiet(stage: str, done: int, total: int | None) -> None:
    return None


def _chunks(rows: Iterable, size: int = INSERT_CHUNK) -> Iterable[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _latest_version(conn: Connection) -> dict | None:
    if not conn.dialect.has_table(conn, "data_versions"):
        return None
    row = (
        conn.execute(select(schema.data_versions).order_by(schema.data_versions.c.version.desc()))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def _schema_is_current(conn: Connection, with_indexes: bool = True) -> bool:
    """Whether every table, column and index this dashboard writes exists (columns with
    their types): a database that lacks an index answers the same, only slower, and is
    rebuilt by the next load. `with_indexes=False` asks about tables and columns alone
    (an update adds the indexes missing, `_ensure_indexes`)."""
    inspector = inspect(conn)
    present = set(inspector.get_table_names())
    if not set(schema.metadata.tables) <= present:
        return False
    dialect = conn.dialect
    for name, table in schema.metadata.tables.items():
        indexes = {i["name"] for i in inspector.get_indexes(name)}
        if with_indexes and any(index.name not in indexes for index in table.indexes):
            return False
        found = {c["name"]: c["type"] for c in inspector.get_columns(name)}
        for column in table.columns:
            if column.name not in found:
                return False
            if str(found[column.name].compile(dialect)) != str(column.type.compile(dialect)):
                return False
    return True


def _prepare_schema(conn: Connection) -> None:
    """Make every table current, inside the writer's transaction, keeping the history.

    A current schema is kept (rows are deleted, not tables dropped: on PostgreSQL a DROP
    would lock readers out until the commit). An older one is dropped and created anew;
    its data version history is carried over so version numbers keep rising.
    """
    if _schema_is_current(conn):
        _ensure_indexes(conn)
        return
    history: list[dict] = []
    if conn.dialect.has_table(conn, "data_versions"):
        history = [dict(r) for r in conn.execute(select(schema.data_versions)).mappings()]
    schema.metadata.drop_all(conn)
    schema.metadata.create_all(conn)
    if history:
        conn.execute(insert(schema.data_versions), history)


def _clear(conn: Connection) -> None:
    derived = [*schema.cube_tables.values(), schema.case_themes, *AUDIT_TABLES]
    for table in [*derived, *reversed(schema.EXTRACT_TABLES.values())]:
        conn.execute(delete(table))


def _table_rows(conn: Connection) -> dict[str, int]:
    """Rows of each extract table as loaded now (0 for a table that is not there)."""
    present = set(inspect(conn).get_table_names())
    return {
        name: conn.execute(select(func.count()).select_from(table)).scalar_one()
        if name in present
        else 0
        for name, table in schema.EXTRACT_TABLES.items()
    }


def shrinkage(before: dict[str, int], after: dict[str, int], version: int) -> list[str]:
    """A problem per table with more than SHRINK_LIMIT fewer rows than the version loaded."""
    problems = []
    for name, old in before.items():
        new = after.get(name, 0)
        if old - new >= SHRINK_MIN_ROWS and new < old * (1 - SHRINK_LIMIT):
            share = round(100 * (old - new) / old)
            problems.append(
                f"{contract.TABLES[name].filename}: {new:,} rows, {share}% fewer than the "
                f"{old:,} of data version {version} (more than {SHRINK_LIMIT:.0%} fewer "
                "looks like a file cut short); if the drop is expected, import again with "
                "--accept-shrink"
            )
    return problems


def build_cubes(conn: Connection, progress: Progress = _quiet) -> None:
    """Refill every cube table: the roots from the case rows, the rest rolled up."""
    build_case_themes(conn)
    build_audit_reports(conn)
    _fill_cubes(conn, None, progress)
    # Planner statistics for the tables requests read. Without them SQLite takes a
    # cube's (item, period) index even for a question with no period, which walks nearly
    # every row in index order: four to eight times slower than a scan at a million cases.
    for table in [*schema.cube_tables.values(), schema.audit_arrays]:
        conn.execute(text(f"ANALYZE {conn.dialect.identifier_preparer.quote(table.name)}"))


@dataclass(frozen=True, eq=False)  # hashed by identity, for the cache below
class Touched:
    """The cases an update adds or changes, each as (row, issue categories) before (absent
    for a new case) and after, and so the months whose cube cells it changes."""

    before: dict[str, tuple[dict, frozenset[str]]]
    after: dict[str, tuple[dict, frozenset[str]]]

    def months(self, spec: schema.CubeSpec) -> list[str]:
        """The months of the monthly rows the cube's cells are summed from."""
        months = self._months(spec.month_column, _case_reads(spec), spec.with_issue)
        if spec.grain == "month":
            return sorted(months)
        # A year's cell sums its twelve months: every month of a touched year is read.
        years = sorted({m[:4] for m in months})
        return [f"{y}-{m:02d}" for y in years for m in range(1, 13)]

    @functools.cache  # noqa: B019  (one update's object, a few dozen distinct questions)
    def _months(self, month: str, reads: frozenset[str], with_issue: bool) -> frozenset[str]:
        return frozenset(row[month] for row in self.changed(reads, with_issue)) - {None}

    def changed(self, reads: frozenset[str], with_issue: bool) -> list[dict]:
        """The rows before and after of the cases whose `reads` (or issues) changed: a
        case whose status changed moves between the cells of a cube by status, and stays
        in its cell of a cube without it."""
        rows = []
        for case_id, (row, issues) in self.after.items():
            old = self.before.get(case_id)
            if old is not None:
                same = all(old[0][c] == row[c] for c in reads)
                if same and (not with_issue or old[1] == issues):
                    continue
                rows.append(old[0])
            rows.append(row)
        return rows


def _case_reads(spec: schema.CubeSpec) -> frozenset[str]:
    """The case columns a cube's cells depend on."""
    columns = {spec.month_column, spec.value_column, "record_key"}
    if spec.source == "remediated":
        columns.add("status")
    for dim in spec.dims:
        if dim == "ttr":
            columns |= {"month_received", "month_resolved"}
        elif dim == "tier":
            columns.add("worksite_id")  # an update cannot change a worksite's tier
        else:
            columns.add(dim)
    return frozenset(columns)


def _fill_cubes(conn: Connection, touched: Touched | None, progress: Progress) -> None:
    """Fill every cube in build order: all its cells, or only those of touched months.

    Each touched cell is computed by the same query as in a full build, restricted to its
    months, so it holds the same sums as a full build of the same rows would.
    """
    order = schema.build_order()
    for done, spec in enumerate(order):
        progress("cells", done, len(order))
        months = None
        if touched is not None:
            months = touched.months(spec)
            if not months:
                continue  # nothing of its source changed
            if spec.grain == "all":
                # Its cells sum every year: they are summed again from the yearly twin,
                # a small fraction of the monthly rows.
                months = None
        query = _roll_up(spec, months) if spec.parent is not None else _root(spec, months)
        _fill(conn, spec, query, months)
    progress("cells", len(order), len(order))


def _root(spec: schema.CubeSpec, months: list[str] | None):
    """A root cube's cells from the case rows (of `months` only, when given)."""
    c = schema.cases.c
    group = [c[spec.month_column].label("month"), *(_case_column(d) for d in spec.dims)]
    source = schema.cases
    if spec.needs_worksite:
        # Recruitment-stage cases have no worksite: their tier is empty.
        w = schema.worksites.c
        source = source.outerjoin(schema.worksites, w.worksite_id == c.worksite_id)
    if spec.with_issue and spec.item == "theme":
        source = source.join(schema.case_themes, schema.case_themes.c.case_id == c.case_id)
        group.append(schema.case_themes.c.theme)
    elif spec.with_issue:
        source = source.join(schema.case_issues, schema.case_issues.c.case_id == c.case_id)
        group.append(schema.case_issues.c.issue)
    query = select(
        *group,
        func.count().label("n_cases"),
        func.sum(c.record_key).label("key_sum"),
        func.sum(c[spec.value_column]).label("workers"),
        func.max(c[spec.value_column]).label("max_workers"),
        func.sum(perturbed_workers(c[spec.value_column], c.record_key)).label("pworkers"),
    ).select_from(source)
    if spec.source == "remediated":
        query = query.where(c.status == "remediated")
    if months is not None:
        query = query.where(c[spec.month_column].in_(months))
    return query.group_by(*group)


def _roll_up(spec: schema.CubeSpec, months: list[str] | None = None):
    """The cube's cells summed from its parent's (every measure is additive or a max)."""
    parent_spec = schema.CUBES[spec.parent]
    parent = schema.cube_tables[spec.parent].c
    group = [
        func.substr(parent.month, 1, 4).label("year")
        if col == "year" and "year" not in parent
        else parent[col]
        for col in spec.columns
    ]
    query = select(
        *group,
        func.sum(parent.n_cases),
        func.sum(parent.key_sum),
        func.sum(parent.workers),
        func.max(parent.max_workers),
        func.sum(parent.pworkers),
    ).group_by(*group)
    if months is not None:
        query = query.where(parent[parent_spec.time_column].in_(months))
        if parent_spec.with_issue:
            # Every item named too, so the parent's (item, month) index finds the months'
            # rows on either backend instead of a scan of the whole parent.
            items = taxonomy.THEMES if parent_spec.item == "theme" else taxonomy.ISSUES
            query = query.where(parent[parent_spec.item].in_(sorted(items)))
    # A cube with no column but its sums (all cases, all years) has one row, and none
    # when there are no cases: an aggregate over nothing would be a row of NULLs.
    return query if group else query.having(func.count() > 0)


def perturbed_workers(workers, record_key):
    """disclosure.perturbed_workers in SQL: the case's workers times its own factor."""
    low = round(EZS_LOW * 1000)
    span = round((EZS_HIGH - EZS_LOW) * 1000)
    size = low + (record_key // 2) % (span + 1)
    sign = case((record_key % 2 == 0, 1), else_=-1)
    return (workers * (1000 + sign * size) + 500) // 1000


def build_case_themes(conn: Connection, case_ids: list[str] | None = None) -> None:
    """One row per case and theme of its issue categories (distinct, never summed): for
    every case, or for `case_ids` (whose rows must have been deleted)."""
    ci = schema.case_issues.c
    themes = {code: issue.theme for code, issue in taxonomy.ISSUES.items()}
    theme = case(themes, value=ci.issue).label("theme")
    rows = select(ci.case_id, theme).distinct()
    if case_ids is None:
        conn.execute(delete(schema.case_themes))
        conn.execute(insert(schema.case_themes).from_select(["case_id", "theme"], rows))
        return
    for chunk in _chunks(case_ids):
        conn.execute(
            insert(schema.case_themes).from_select(
                ["case_id", "theme"], rows.where(ci.case_id.in_(chunk))
            )
        )


AUDIT_TABLES = (
    schema.audit_reports,
    schema.audit_case_reports,
    schema.audit_arrays,
)


def _month_index(month):
    """contract.month_index in SQL, for any backend: months are YYYY-MM strings."""
    year = cast(func.substr(month, 1, 4), Integer)
    return year * 12 + cast(func.substr(month, 6, 2), Integer)


def build_audit_reports(
    conn: Connection, audits: Iterable[str] | None = None, years: Iterable[str] = ()
) -> None:
    """Refill the derived tables of Audits vs worker voice (see schema.audit_reports):
    the (audit, reported category) pairs of every window, then their slices per period
    and case filter (data_access.audit_arrays), which requests read.

    With `audits` (an update), only the pairs of those audits are computed again, and the
    slices of `years`, the years of those audits' months.
    """
    if audits is None:
        for table in AUDIT_TABLES:
            conn.execute(delete(table))
        _audit_pairs(conn, None)
        audit_arrays.build(conn)
        return
    audits = sorted(audits)
    if not audits:
        return
    for chunk in _chunks(audits):
        for table in (schema.audit_reports, schema.audit_case_reports):
            conn.execute(delete(table).where(table.c.audit_id.in_(chunk)))
        _audit_pairs(conn, chunk)
    audit_arrays.build(conn, years)


def _audit_pairs(conn: Connection, audits: list[str] | None) -> None:
    a, w, c = schema.audits.c, schema.worksites.c, schema.cases.c
    ci, af = schema.case_issues.c, schema.audit_findings.c
    source = (
        schema.audits.join(schema.worksites, w.worksite_id == a.worksite_id)
        .join(schema.cases, c.worksite_id == a.worksite_id)
        .join(schema.case_issues, ci.case_id == c.case_id)
        .outerjoin(schema.audit_findings, (af.audit_id == a.audit_id) & (af.issue == ci.issue))
    )
    distance = func.abs(_month_index(c.month_received) - _month_index(a.month))
    fine = schema.audit_case_reports
    for window in WINDOWS:
        columns = {
            "window_months": literal_column(str(int(window)), Integer),
            "worksite_id": a.worksite_id,
            "issue": ci.issue,
            "audit_id": a.audit_id,
            "month": a.month,
            "country": w.country,
            "industry": w.industry,
            "found": case((af.audit_id.is_(None), 0), else_=1),
            "worksite_key": w.record_key,
            **{d: c[d] for d in schema.AUDIT_CASE_DIMS},
        }
        rows = select(*columns.values()).select_from(source).where(distance <= window)
        if audits is not None:
            rows = rows.where(a.audit_id.in_(audits))
        conn.execute(insert(fine).from_select(list(columns), rows.distinct()))
    coarse = schema.audit_reports
    names = [col.name for col in coarse.columns]
    pairs = select(*(fine.c[n] for n in names)).distinct()
    if audits is not None:
        pairs = pairs.where(fine.c.audit_id.in_(audits))
    conn.execute(insert(coarse).from_select(names, pairs))


def _case_column(name: str):
    """A cube dimension as an expression on the case rows (most are plain columns)."""
    if name == "ttr":
        return outcomes.months_to_remediation(schema.cases.c).label("ttr")
    if name == "tier":
        return schema.worksites.c.tier
    return schema.cases.c[name]


def _fill(conn: Connection, spec: schema.CubeSpec, query, months: list[str] | None) -> None:
    """Replace the cube's cells: all of them, or those of `months` (their years, for a
    yearly cube)."""
    cube = schema.cube_tables[spec.name]
    if months is None:
        conn.execute(delete(cube))
    elif spec.grain == "year":
        conn.execute(delete(cube).where(cube.c.year.in_(sorted({m[:4] for m in months}))))
    else:
        conn.execute(delete(cube).where(cube.c.month.in_(months)))
    # Rows written in the order of the cube's index (item, then period), then of its
    # other columns: a request reads a few items over a range of periods through that
    # index, and finds each item's rows side by side on a few pages instead of one row
    # in every few dozen, on pages all over the table (SQLite stores rows in the order
    # they were inserted). The sums are the same whatever the order.
    names = [col.name for col in cube.columns]
    primary = schema.primary_index(spec)
    keys = [col.name for index in cube.indexes if index.name == primary for col in index.columns]
    order = [*keys, *(n for n in spec.columns if n not in keys)]
    selected = dict(zip(names, query.selected_columns))
    query = query.order_by(*(selected[n] for n in order))
    conn.execute(insert(cube).from_select(names, query))


def _record_version(conn: Connection, as_of: str, source: str, checksum: str) -> int:
    latest = _latest_version(conn)
    version = (latest["version"] if latest else 0) + 1
    n_cases = conn.execute(select(func.count()).select_from(schema.cases)).scalar_one()
    n_contacts = conn.execute(
        select(func.coalesce(func.sum(schema.contacts.c.count), 0))
    ).scalar_one()
    conn.execute(
        insert(schema.data_versions).values(
            version=version,
            as_of=as_of,
            loaded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            source=source,
            checksum=checksum,
            cases=n_cases,
            contacts=int(n_contacts),
        )
    )
    return version


# -- the demo ---------------------------------------------------------------------
def build_demo(
    url: str,
    spec: DemoSpec | None = None,
    progress: Progress = _quiet,
    secret: bytes | None = None,
    force: bool = False,
) -> int:
    """Replace the database's extract with a generated one; returns the new version.

    Refuses (DemoRefused) when the database holds an imported extract, unless `force`.
    """
    spec = spec or DemoSpec()
    gen = DemoGenerator(spec)
    secret = secret if secret is not None else load_secret()
    with _writing(url) as engine:
        with engine.begin() as conn:
            latest = _latest_version(conn)
            if latest and latest["source"].startswith("import") and not force:
                raise DemoRefused(
                    f"the database holds an imported extract (data version "
                    f"{latest['version']}, as of {latest['as_of']}, {latest['source']}); "
                    "the demo would replace it. Use another --database-url, or pass "
                    "--force to replace it anyway"
                )
            _prepare_schema(conn)
            _clear(conn)
            version = _write_demo(conn, gen, secret, progress)
        _after_commit(engine)
    return version


def _write_demo(conn: Connection, gen: DemoGenerator, secret: bytes, progress: Progress) -> int:
    spec, as_of = gen.spec, gen.spec.as_of
    worksites = {w["worksite_id"]: w for w in gen.worksites}
    site_rows = [
        w | {"record_key": record_key(secret, "worksite", w["worksite_id"])} for w in gen.worksites
    ]
    _insert_checked(conn, contract.WORKSITES, site_rows, as_of)
    contacts = (
        row | {"record_key": record_key(secret, "contacts", contacts_id(row))}
        for row in gen.contacts()
    )
    _insert_checked(conn, contract.CONTACTS, contacts, as_of)
    done = 0
    for batch in gen.case_batches(progress):
        issues = []
        for row in batch:
            errors = contract.check_row(contract.CASES, row, as_of)
            errors += contract.check_case_against_worksite(row, worksites.get(row["worksite_id"]))
            if errors:
                raise AssertionError(f"demo case {row['case_id']} breaks the contract: {errors}")
            issues.extend({"case_id": row["case_id"], "issue": i} for i in row.pop("issues"))
            row["record_key"] = record_key(secret, "case", row["case_id"])
        conn.execute(insert(schema.cases), batch)
        _insert_checked(conn, contract.CASE_ISSUES, issues, as_of)
        done += len(batch)
        progress("cases", done, spec.cases)
    audits, findings = gen.audits()
    _insert_checked(conn, contract.AUDITS, audits, as_of)
    _insert_checked(conn, contract.AUDIT_FINDINGS, findings, as_of)
    progress("cells", 0, None)
    build_cubes(conn, progress)
    checksum = hashlib.sha256(repr(spec).encode()).hexdigest()
    return _record_version(conn, as_of, f"demo cases={spec.cases} seed={spec.seed}", checksum)


def _insert_checked(conn, table_spec, rows, as_of, table=None) -> None:
    table = table if table is not None else schema.EXTRACT_TABLES[table_spec.name]
    for chunk in _chunks(rows):
        for row in chunk:
            errors = contract.check_row(table_spec, row, as_of)
            if errors:
                raise AssertionError(f"demo {table_spec.name} row breaks the contract: {errors}")
        conn.execute(insert(table), chunk)


# -- import -----------------------------------------------------------------------
def import_extract(
    url: str,
    directory: str | Path,
    as_of: str | None = None,
    progress: Progress = _quiet,
    secret: bytes | None = None,
    accept_shrink: bool = False,
    today: dt.date | None = None,
) -> tuple[int, bool]:
    """Load an extract all-or-nothing. Returns (data version, whether anything changed).

    Raises ExtractError (nothing written) for a broken extract or an unexplained drop in
    rows, WriterBusy when another writer holds the database.
    """
    directory = Path(directory)
    secret = secret if secret is not None else load_secret()
    with _writing(url) as engine:
        progress("checking", 0, None)
        extract = validate_extract(directory, as_of, today)
        with engine.begin() as conn:
            version, changed = _write_extract(
                conn, extract, directory, secret, accept_shrink, progress
            )
        if changed:
            _after_commit(engine)
    return version, changed


def _write_extract(conn, extract, directory, secret, accept_shrink, progress) -> tuple[int, bool]:
    """The import's transaction: (version, False) when the extract is already loaded."""
    latest = _latest_version(conn)
    current = _schema_is_current(conn)
    if current and latest and latest["checksum"] == extract.checksum:
        return latest["version"], False
    tables = extract.tables
    source = f"import {directory.name}"
    if latest:
        shrunk = shrinkage(
            _table_rows(conn), {n: len(rows) for n, rows in tables.items()}, latest["version"]
        )
        if shrunk and not accept_shrink:
            raise ExtractError(shrunk, len(shrunk))
        if shrunk:
            source += " (fewer rows accepted)"
    _prepare_schema(conn)
    _clear(conn)
    _with_keys(tables, secret)
    for name, table in schema.EXTRACT_TABLES.items():
        done = 0
        for chunk in _chunks(tables[name]):
            conn.execute(insert(table), chunk)
            done += len(chunk)
            progress(name, done, len(tables[name]))
    progress("cells", 0, None)
    build_cubes(conn, progress)
    return _record_version(conn, extract.as_of, source, extract.checksum), True


# -- update: new and changed rows only ----------------------------------------------------
def update_extract(
    url: str,
    directory: str | Path,
    as_of: str | None = None,
    progress: Progress = _quiet,
    secret: bytes | None = None,
    today: dt.date | None = None,
) -> tuple[int, bool]:
    """Load an update (new and changed rows) all-or-nothing, on top of the version loaded.

    A row replaces the loaded row with its key, or is added; a case comes with all its
    issue categories and an audit with all its findings, which replace those loaded. The
    work is in proportion to the update: only the cube cells of the months its cases were
    and are in, and the audit pairs of their worksites, are computed again, by the same
    queries as a full build, so the result is the one a full import of the combined rows
    gives. Raises ExtractError (nothing written) for a broken update or a database with
    no data loaded, WriterBusy when another writer holds the database.
    """
    directory = Path(directory)
    secret = secret if secret is not None else load_secret()
    with _writing(url) as engine:
        with engine.connect() as conn:
            loaded = _loaded(conn)
            conn.rollback()
        progress("checking", 0, None)
        extract = validate_extract(directory, as_of, today, loaded=loaded)
        with engine.begin() as conn:
            version, changed = _write_update(conn, extract, directory, secret, progress)
        if changed:
            _after_commit(engine)
    return version, changed


def _loaded(conn: Connection) -> Loaded:
    latest = _latest_version(conn) if _schema_is_current(conn, with_indexes=False) else None
    if latest is None:
        raise ExtractError(
            [
                "--update: the database holds no data of this dashboard's schema to update; "
                "import a full extract first"
            ],
            1,
        )
    w = schema.worksites.c
    rows = conn.execute(select(w.worksite_id, w.country, w.industry, w.tier)).mappings()
    return Loaded(latest["as_of"], {r["worksite_id"]: dict(r) for r in rows})


def _write_update(conn, extract, directory, secret, progress) -> tuple[int, bool]:
    """The update's transaction: (version, False) when it is the version loaded."""
    latest = _latest_version(conn)
    if latest["checksum"] == extract.checksum:
        return latest["version"], False
    _ensure_indexes(conn)
    tables = extract.tables
    c, a = schema.cases.c, schema.audits.c
    _with_keys(tables, secret)
    after = {row["case_id"]: (row, set()) for row in tables["cases"]}
    for row in tables["case_issues"]:
        after[row["case_id"]][1].add(row["issue"])
    after = {k: (row, frozenset(issues)) for k, (row, issues) in after.items()}
    case_ids = list(after)
    before: dict[str, tuple[dict, frozenset[str]]] = {}
    for chunk in _chunks(case_ids):
        old = conn.execute(select(schema.cases).where(c.case_id.in_(chunk))).mappings()
        before |= {row["case_id"]: (dict(row), set()) for row in old}
        ci = schema.case_issues.c
        for case_id, issue in conn.execute(
            select(ci.case_id, ci.issue).where(ci.case_id.in_(chunk))
        ):
            before[case_id][1].add(issue)
        for table in (schema.case_themes, schema.case_issues, schema.cases):
            conn.execute(delete(table).where(table.c.case_id.in_(chunk)))
    before = {k: (row, frozenset(issues)) for k, (row, issues) in before.items()}
    touched = Touched(before, after)
    audit_ids = {row["audit_id"] for row in tables["audits"]}
    years = {row["month"][:4] for row in tables["audits"]}
    for chunk in _chunks(sorted(audit_ids)):
        old = conn.execute(select(a.month).where(a.audit_id.in_(chunk))).scalars()
        years.update(month[:4] for month in old)
        for table in (schema.audit_findings, schema.audits):
            conn.execute(delete(table).where(table.c.audit_id.in_(chunk)))
    contacts = schema.contacts
    if tables["contacts"]:
        key = [contacts.c[k] == bindparam(f"old_{k}") for k in contract.CONTACTS.unique]
        conn.execute(
            delete(contacts).where(*key),
            [{f"old_{k}": row[k] for k in contract.CONTACTS.unique} for row in tables["contacts"]],
        )
    w = schema.worksites.c
    known = set()
    for chunk in _chunks([row["worksite_id"] for row in tables["worksites"]]):
        known.update(conn.execute(select(w.worksite_id).where(w.worksite_id.in_(chunk))).scalars())
    # A worksite listed again is the one loaded (validate_extract made sure): kept as is.
    tables = tables | {
        "worksites": [r for r in tables["worksites"] if r["worksite_id"] not in known]
    }
    for name, table in schema.EXTRACT_TABLES.items():
        done = 0
        for chunk in _chunks(tables[name]):
            conn.execute(insert(table), chunk)
            done += len(chunk)
            progress(name, done, len(tables[name]))
    build_case_themes(conn, case_ids)
    progress("audit pairs", 0, None)
    nearby, nearby_years = _audits_near(conn, touched.changed(_AUDIT_READS, True))
    build_audit_reports(conn, audit_ids | nearby, years | nearby_years)
    _fill_cubes(conn, touched, progress)
    # No ANALYZE (build_cubes): it reads every cube, and a month more of rows leaves the
    # planner's statistics of a database with years of them as they were.
    source = f"import {directory.name} (update)"
    return _record_version(conn, extract.as_of, source, extract.checksum), True


# An audit's pairs read its worksite's cases' month received, worksite, issues and the
# dimensions a selection narrows by: a status change leaves them as they were.
_AUDIT_READS = frozenset({"month_received", "worksite_id", *schema.AUDIT_CASE_DIMS})


def _audits_near(conn: Connection, cases: list[dict]) -> tuple[set[str], set[str]]:
    """(ids, years) of the audits whose pairs these case rows (before or after) are in:
    at their worksite, within the widest window of their month received."""
    widest = max(WINDOWS)
    months: dict[str, set[int]] = defaultdict(set)
    for row in cases:
        if row["worksite_id"]:
            months[row["worksite_id"]].add(contract.month_index(row["month_received"]))
    a = schema.audits.c
    ids, years = set(), set()
    for chunk in _chunks(sorted(months)):
        audits = select(a.audit_id, a.worksite_id, a.month).where(a.worksite_id.in_(chunk))
        for audit_id, worksite_id, month in conn.execute(audits):
            at = contract.month_index(month)
            if any(abs(at - m) <= widest for m in months[worksite_id]):
                ids.add(audit_id)
                years.add(month[:4])
    return ids, years


def _ensure_indexes(conn: Connection) -> None:
    """Every index this dashboard writes, on a database built before some existed: the
    case indexes an update reads by, the cubes' narrowing indexes readers use. An update
    adds them in its own transaction rather than refusing, or rebuilding the whole."""
    for table in schema.metadata.tables.values():
        for index in table.indexes:
            index.create(conn, checkfirst=True)


def _with_keys(tables: dict[str, list[dict]], secret: bytes) -> None:
    # Keys come from the natural ids and the deployment's secret: the same extract gets
    # the same keys, hence the same published numbers, on any database (keys.py).
    for row in tables["worksites"]:
        row["record_key"] = record_key(secret, "worksite", row["worksite_id"])
    for row in tables["cases"]:
        row["record_key"] = record_key(secret, "case", row["case_id"])
    for row in tables["contacts"]:
        row["record_key"] = record_key(secret, "contacts", contacts_id(row))


def export_extract(url: str, directory: str | Path) -> None:
    """Write the database's extract as contract CSV files and their manifest.

    Record keys stay behind. The manifest is written last, so a directory with a manifest
    holds six complete files (an export stopped halfway has none).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.csv").unlink(missing_ok=True)
    engine = readonly_engine(url)
    try:
        with engine.connect() as conn:
            for name, spec in contract.TABLES.items():
                table = schema.EXTRACT_TABLES[name]
                columns = [table.c[c] for c in spec.column_names]
                order = [table.c[c] for c in spec.unique]
                path = directory / spec.filename
                with path.open("w", newline="", encoding="utf-8") as handle:
                    writer = csv.writer(handle)
                    writer.writerow(spec.column_names)
                    for row in conn.execute(select(*columns).order_by(*order)):
                        writer.writerow(["" if v is None else v for v in row])
    finally:
        engine.dispose()
    write_manifest(directory)


@dataclass(frozen=True)
class DatabaseInfo:
    url: str  # without its password
    versions: list[dict]  # oldest first
    counts: dict[str, int]


def database_info(url: str) -> DatabaseInfo:
    """What `python -m dashboard info` prints, read through a read-only engine."""
    engine = readonly_engine(url)
    with engine.connect() as conn:
        dv = schema.data_versions
        versions = [dict(v) for v in conn.execute(select(dv).order_by(dv.c.version)).mappings()]
        counts = table_counts(conn)
    return DatabaseInfo(engine.url.render_as_string(hide_password=True), versions, counts)


def has_data_version(url: str) -> bool:
    """Whether the database holds at least one data version (read-only)."""
    try:
        engine = readonly_engine(url)
    except (NoData, Unavailable):
        return False
    try:
        with engine.connect() as conn:
            return _latest_version(conn) is not None
    finally:
        engine.dispose()


def table_counts(conn: Connection) -> dict[str, int]:
    counts = defaultdict(int)
    for name, table in {**schema.EXTRACT_TABLES, **schema.cube_tables}.items():
        counts[name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
    return dict(counts)
