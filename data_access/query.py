"""The protected query layer: the only road by which numbers leave the database.

`DataAccess.aggregate(measure, by, filters)` answers every question the views,
downloads, embeds and the API ask. It checks the measure, breakdown and filters against
the release's allow-lists (data_access.filters) before building a query, lists every
row of the breakdown's code lists (a cell with no records looks like a cell with a few:
both are withheld), reads exact sums of each cell and of the cells it nests in
(data_access.cells), and hands them to the disclosure rules (data_access.disclosure)
before anything is returned. Raw counts never leave this module.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, func, inspect, select
from sqlalchemy.engine import make_url

from data_access import cells as cl
from data_access import contract, schema, taxonomy
from data_access.disclosure import (
    NEAR,
    SUPPRESSED,
    DisclosureParams,
    Protector,
    Published,
    share,
)
from data_access.filters import (
    CODED_FILTERS,
    RULE_PERIOD,
    RULE_SPARSITY,
    Filters,
    InvalidParameter,
)
from data_access.outcomes import TTR_BUCKETS


class NoData(RuntimeError):
    """The database holds no loaded data version."""


class Unavailable(RuntimeError):
    """The database cannot be reached now (down, refusing connections, its file gone).

    Its message is what the public may read ("database unavailable"); `detail` (a path,
    a host) is for the operator's log only.
    """

    def __init__(self, detail: str = "") -> None:
        super().__init__("database unavailable")
        self.detail = detail


def outage_detail(exc: BaseException) -> str:
    """What an outage was, for the operator's log: its detail, or its message's first line."""
    return getattr(exc, "detail", "") or next(iter(str(exc).splitlines()), "")


# What a request meets while the database is down: every surface answers these with a
# 503 and a retry, never a 500. OperationalError and InterfaceError are how SQLAlchemy
# reports a refused or dropped connection; TimeoutError a pool that found none in time.
OUTAGES: tuple[type[BaseException], ...] = (
    Unavailable,
    exc.OperationalError,
    exc.InterfaceError,
    exc.TimeoutError,
)
# Seconds to wait for a PostgreSQL connection before calling the database unavailable:
# a host that drops packets would otherwise hold a worker until gunicorn kills it.
CONNECT_TIMEOUT = 5


@dataclass(frozen=True)
class Measure:
    name: str
    family: str  # cells.RECEIVED, cells.RESOLVED or cells.CONTACTS
    kind: str  # "count" or "sum"
    # Conditions every record of the measure meets (outcome measures).
    attrs: tuple[tuple[str, str], ...] = ()

    @property
    def source(self) -> str:
        """The cube family: "received", "remediated" or "contacts"."""
        return {cl.RECEIVED: "received", cl.RESOLVED: "remediated"}.get(self.family, "contacts")


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure("contacts", cl.CONTACTS, "count"),
        Measure("cases", cl.RECEIVED, "count"),
        Measure("workers_affected", cl.RECEIVED, "sum"),
        Measure("cases_remediated", cl.RESOLVED, "count"),
        Measure("workers_remediated", cl.RESOLVED, "sum"),
        Measure("remediations_validated", cl.RESOLVED, "count", (("validated", "yes"),)),
        # The remediation funnel: cases received in the period, by how far they got.
        Measure("cases_raised", cl.RECEIVED, "count", (("status", cl.RAISED),)),
        Measure("cases_received_remediated", cl.RECEIVED, "count", (("status", "remediated"),)),
        Measure(
            "cases_received_validated",
            cl.RECEIVED,
            "count",
            (("status", "remediated"), ("validated", "yes")),
        ),
    )
}

TIME_DIMS = ("month", "quarter", "year")
# Breakdown name -> the cell attribute it sets (time and corridor are handled apart).
CASE_DIMS = {
    "country": "destination",
    "origin": "origin",
    "destination": "destination",
    "nationality": "nationality",
    "industry": "industry",
    "channel": "channel",
    "stage": "stage",
    "tier": "tier",
    "issue": "issue",
    "theme": "theme",
    "status": "status",
    "validated": "validated",
    "route": "route",
    "ttr": "ttr",
}
CONTACT_DIMS = {"nationality": "nationality", "channel": "channel", "language": "language"}
# Filter field -> the cell attribute it sets.
CASE_FILTERS = {
    "country": "destination",
    "nationality": "nationality",
    "industry": "industry",
    "origin": "origin",
    "destination": "destination",
    "issue": "issue",
    "channel": "channel",
    "stage": "stage",
}
CONTACT_FILTERS = {"nationality": "nationality", "channel": "channel"}
# Exact sums of cells kept in a process between requests, at most (about 100 bytes each).
_MEMORY_CELLS = 200_000
# Derived tables kept in a process (`DataAccess._kept`), at most: an audit slice is
# tens of kilobytes to a few megabytes at a million cases.
_DERIVED_ENTRIES = 64
# Rule 3 follows a chain of nested cells at most this many steps before withholding.
_MAX_CHAIN = 4
MAX_BREAKDOWN = 2  # a bounded query space is a defence against averaging attacks
# Breakdowns whose rows a caller may restrict to listed codes (`within`): the kept rows
# are exactly cells of the full breakdown.
WITHIN_DIMS = ("country", "nationality", "industry", "issue", "channel", "stage")
# Filters `each` may answer many values of at once (a case has one value of each).
EACH_DIMS = ("country", "nationality", "industry", "channel", "stage", "origin", "destination")

# Code list of each breakdown, code -> name (time and corridors have patterns instead):
# the rows a breakdown lists, and the codebook of the data package.
BREAKDOWN_CODES: dict[str, dict[str, str]] = {
    "country": taxonomy.COUNTRIES,
    "origin": taxonomy.COUNTRIES,
    "destination": taxonomy.COUNTRIES,
    "nationality": taxonomy.NATIONALITIES,
    "industry": taxonomy.INDUSTRIES,
    "channel": taxonomy.CHANNELS,
    "stage": taxonomy.STAGES,
    "issue": taxonomy.issue_names(),
    "theme": taxonomy.THEMES,
    "status": taxonomy.STATUSES,
    "validated": taxonomy.VALIDATED,
    "route": taxonomy.ROUTES,
    "tier": taxonomy.TIERS,
    "language": taxonomy.LANGUAGES,
    "ttr": {b: b for b in TTR_BUCKETS},
}


def breakdowns(measure: str) -> list[str]:
    """The breakdowns a measure accepts: the one allow-list for pages, downloads and API."""
    m = MEASURES[measure]
    if m.family == cl.CONTACTS:
        return [*TIME_DIMS, *CONTACT_DIMS]
    dims = [*TIME_DIMS, *(d for d in CASE_DIMS if d != "tier"), "corridor"]
    if m.family == cl.RESOLVED:
        dims.remove("status")
    elif not m.attrs:
        # The tier cubes hold cases received without outcome columns (see schema).
        dims.append("tier")
    return dims


@dataclass(frozen=True)
class VersionInfo:
    version: int
    as_of: str
    loaded_at: str
    source: str
    checksum: str = ""

    @property
    def synthetic(self) -> bool:
        """Generated demonstration data, not an extract of the network's records.

        data_access.load records a demo build's source as "demo cases=N seed=S" and an
        import's as "import <extract>"; every surface labels a synthetic version as such.
        """
        return self.source.split(" ", 1)[0] == "demo"


@dataclass(frozen=True)
class Result:
    """A protected table: `by` names the key columns, each row is (keys, Published).

    Every row of the breakdown's code lists is there, published or withheld, unless the
    table is `refused` (the rule that refused it: rows are then empty).
    """

    measure: str
    by: tuple[str, ...]
    rows: tuple[tuple[tuple, Published], ...]
    ignored_filters: tuple[str, ...]
    version: int
    refused: str | None = None

    def as_dict(self) -> dict[tuple, Published]:
        return dict(self.rows)

    @property
    def single(self) -> Published:
        """The one cell of a query without breakdown."""
        return self.rows[0][1] if self.rows else SUPPRESSED


@dataclass(frozen=True)
class _Table:
    """One question, planned: its output cells (None: no record can meet them)."""

    measure: Measure
    by: tuple[str, ...]
    filters: Filters
    kept: tuple
    ignored: tuple[str, ...]
    cells: tuple[tuple[tuple, cl.Cell | None], ...]


def readonly_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite opened mode=ro, PostgreSQL read-only sessions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not path.exists():
            raise Unavailable(f"no database at {path}; build one with `python -m dashboard demo`")
        return create_engine(
            f"sqlite+pysqlite:///file:{path.resolve()}?mode=ro&uri=true",
            connect_args={"check_same_thread": False},
        )
    if parsed.get_backend_name() != "postgresql":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(
        url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT}
    )

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_connection.commit()

    return engine


class DataAccess:
    """Protected, cached answers from one database."""

    def __init__(
        self,
        database_url: str,
        params: DisclosureParams | None = None,
        cache: Any = None,
        version_ttl: float = 2.0,
        cache_timeout: int = 3600,
        refuse_synthetic: bool = False,
    ) -> None:
        self.database_url = database_url
        # Set by `serve` without --allow-demo when the database could not be checked at
        # start: a demo found later is then refused here, on every surface.
        self.refuse_synthetic = refuse_synthetic
        self.protector = Protector(params)
        self.cache = cache
        self.cache_timeout = cache_timeout
        self.version_ttl = version_ttl
        self._engine: Engine | None = None
        self._pid = 0
        self._version: tuple[float, VersionInfo] | None = None
        self._checked: tuple[int, str] | None = None  # the version whose tables were checked
        self._frame: tuple[tuple[int, str], dict] | None = None  # coverage and corridors
        self._memory: dict = {}  # exact sums of cells, this data version only (`_exact`)
        self._memory_stamp: tuple | None = None
        self._derived: dict = {}  # tables derived at load time, this data version (`_kept`)
        self._derived_stamp: tuple | None = None
        self._lock = threading.Lock()

    @property
    def params(self) -> DisclosureParams:
        return self.protector.params

    @property
    def _db(self) -> Engine:
        # Private: the only road out for numbers is the protected questions below; an
        # engine in a caller's hands would be a road around them.
        # A pool inherited across fork shares sockets with the parent: start afresh.
        if self._engine is None or self._pid != os.getpid():
            with self._lock:
                if self._engine is not None and self._pid != os.getpid():
                    self._engine.dispose(close=False)
                    self._engine = None
                if self._engine is None:
                    self._engine = readonly_engine(self.database_url)
                    self._pid = os.getpid()
        return self._engine

    def close(self) -> None:
        """Close the connections this object opened, if any (before a fork, say)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    # -- data version -------------------------------------------------------------
    def version(self) -> VersionInfo:
        """The newest data version, re-read at most every `version_ttl` seconds."""
        now = time.monotonic()
        if self._version and now - self._version[0] < self.version_ttl:
            return self._refused(self._version[1])
        dv = schema.data_versions
        with self._db.connect() as conn:
            if not conn.dialect.has_table(conn, "data_versions"):
                raise NoData("the database has no data version; run `python -m dashboard demo`")
            row = conn.execute(
                select(dv.c.version, dv.c.as_of, dv.c.loaded_at, dv.c.source, dv.c.checksum)
                .order_by(dv.c.version.desc())
                .limit(1)
            ).first()
            if row is None:
                raise NoData("the database has no data version; run `python -m dashboard demo`")
            info = VersionInfo(*row)
            if self._checked != (info.version, info.checksum):
                self._check_tables(conn)
                self._checked = (info.version, info.checksum)
        self._version = (now, info)
        return self._refused(info)

    def _refused(self, info: VersionInfo) -> VersionInfo:
        if self.refuse_synthetic and info.synthetic:
            raise NoData(
                "the database holds demonstration data, which `python -m dashboard serve` "
                "publishes only with --allow-demo; import an extract"
            )
        return info

    @staticmethod
    def _check_tables(conn) -> None:
        """Refuse a database built by an older dashboard, with the way out, not a 500."""
        inspector = inspect(conn)
        present = set(inspector.get_table_names())
        missing = sorted(set(schema.metadata.tables) - present)
        cube = next(iter(schema.cube_tables))
        if not missing and "pworkers" not in {c["name"] for c in inspector.get_columns(cube)}:
            missing = [f"{cube}.pworkers"]
        if missing:
            raise NoData(
                f"the database lacks {len(missing)} table(s) this dashboard needs "
                f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}): it was "
                "built by an older version; rebuild it with `python -m dashboard demo` or "
                "import the extract again with `python -m dashboard import`"
            )

    def versions(self) -> tuple[VersionInfo, ...]:
        """Every loaded data version, newest first: the history readers can cite."""
        dv = schema.data_versions
        with self._db.connect() as conn:
            if not conn.dialect.has_table(conn, "data_versions"):
                return ()
            rows = conn.execute(
                select(
                    dv.c.version, dv.c.as_of, dv.c.loaded_at, dv.c.source, dv.c.checksum
                ).order_by(dv.c.version.desc())
            ).all()
        return tuple(VersionInfo(*row) for row in rows)

    # -- the release's frame: months covered, corridors listed -----------------------
    def frame(self) -> dict:
        """What the release lists for this data version: the months it covers (from the
        first month of channel contacts to the as-of month) and the corridors of its
        corridor list (every origin-destination pair with at least K cases in all)."""
        info = self.version()
        stamp = (info.version, info.checksum)
        frame = self._frame
        if frame is not None and frame[0] == stamp:
            return frame[1]
        with self._db.connect() as conn:
            first = conn.execute(select(func.min(schema.contacts.c.month))).scalar()
        first = min(first or info.as_of, info.as_of)
        months = [
            contract.month_from_index(i)
            for i in range(contract.month_index(first), contract.month_index(info.as_of) + 1)
        ]
        pairs = [
            cl.make(cl.RECEIVED, None, {"origin": o, "destination": d})
            for o in taxonomy.COUNTRIES
            for d in taxonomy.COUNTRIES
            if o != d
        ]
        sums = cl.Resolver(self._db).sums(pairs)
        listed = [c for c in pairs if sums[c].n >= self.params.k]
        corridors = tuple(sorted(f"{c.get('origin')}-{c.get('destination')}" for c in listed))
        value = {
            "months": tuple(months),
            "years": tuple(sorted({m[:4] for m in months})),
            "corridors": corridors,
        }
        self._frame = (stamp, value)
        return value

    def periods(self) -> tuple[str, ...]:
        """The calendar years a reader may choose as the period."""
        return self.frame()["years"]

    def corridors(self) -> tuple[str, ...]:
        """The corridor list: the rows of every corridor breakdown, and its menu."""
        return self.frame()["corridors"]

    # -- the one road out ---------------------------------------------------------
    def aggregate(
        self,
        measure: str,
        by: tuple[str, ...] = (),
        filters: Filters | None = None,
        *,
        within: dict[str, Iterable[str]] | None = None,
    ) -> Result:
        """Protected values of `measure` broken down by up to two dimensions.

        `within` keeps only the rows whose breakdown value is listed, for example
        `{"issue": top_five}`: the same cells as the whole breakdown's, fewer of them.
        """
        return self.aggregates(measure, (by,), filters, within=within)[0]

    def aggregates(
        self,
        measure: str,
        bys: Iterable[tuple[str, ...]],
        filters: Filters | None = None,
        *,
        within: dict[str, Iterable[str]] | None = None,
    ) -> list[Result]:
        """`aggregate` for several breakdowns of one measure, answered together."""
        filters = filters or Filters()
        bys = [tuple(by) for by in bys]
        m = _checked(measure, bys)
        kept = _within(m, bys, within)
        return self._answer([(m, by, filters, kept) for by in bys])

    def measures(
        self, names: Iterable[str], by: tuple[str, ...] = (), filters: Filters | None = None
    ) -> list[Result]:
        """`aggregate` of several measures over one breakdown, answered together."""
        filters = filters or Filters()
        by = tuple(by)
        return self._answer([(_checked(name, [by]), by, filters, ()) for name in names])

    def each(
        self,
        measure: str,
        by: tuple[str, ...],
        filters: Filters,
        over: tuple[str, ...],
        keys: Iterable[tuple[str, ...]],
    ) -> dict[tuple[str, ...], Result]:
        """`aggregate(measure, by, filters narrowed to key)` for every key, answered together.

        `over` names case filters the selection leaves open (("country", "industry"), or
        ("origin", "destination") for corridors) and each key gives their values. Every
        result is the one `aggregate` gives for the narrowed selection.
        """
        return self.each_many([(measure, by, filters, over, keys)])[0]

    def each_many(
        self, questions: Iterable[tuple[str, tuple, Filters, tuple, Iterable[tuple]]]
    ) -> list[dict[tuple[str, ...], Result]]:
        """`each(*question)` for several questions, answered together.

        Each answer is the one `each` gives alone; asked together, their cells and the
        cells they nest in are read in one pass (a view that asks a dozen questions of
        every row of a footprint pays for its shapes of cells once, not once a question).
        """
        wanted: list[dict[tuple, Filters]] = []
        requests = []
        for measure, by, filters, over, keys in questions:
            by, over = tuple(by), tuple(over)
            m = _checked(measure, [by])
            if m.family == cl.CONTACTS or not over or set(over) & set(by):
                raise InvalidParameter("over", ",".join(over), "case filters outside the breakdown")
            for name in over:
                if name not in EACH_DIMS or getattr(filters, name) is not None:
                    raise InvalidParameter("over", name, "a case filter the selection leaves open")
            narrowed = {
                tuple(key): replace(filters, **dict(zip(over, key)))  # validates every value
                for key in dict.fromkeys(tuple(k) for k in keys)
            }
            wanted.append(narrowed)
            requests.extend((m, by, f, ()) for f in narrowed.values())
        answers = iter(self._answer(requests))
        return [{key: next(answers) for key in narrowed} for narrowed in wanted]

    def total(self, measure: str, filters: Filters | None = None) -> Published:
        return self.aggregate(measure, (), filters).single

    def validated_share(self, filters: Filters | None = None) -> float | None:
        """Share of remediated cases whose workers confirmed the remediation."""
        validated, remediated = self.measures(
            ("remediations_validated", "cases_remediated"), (), filters
        )
        return share(validated.single, remediated.single)

    def memo(self, parts: tuple, compute):
        """`compute()` cached under `parts` plus the data version and disclosure rules.

        For answers built only from this object's protected numbers (a chart's figure and
        table): a new data version or rule set can never be served an old answer.
        """
        if self.cache is None:
            return compute()
        info = self.version()
        text = repr((info.version, info.checksum, self.params, parts))
        key = "ilm:memo:" + hashlib.sha1(text.encode()).hexdigest()
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        value = compute()
        self.cache.set(key, value, timeout=self.cache_timeout)
        return value

    def _cached(self, keys: list[str]) -> list:
        """Cached results for `keys` (None where missing), in one round trip to the cache."""
        if self.cache is None or not keys:
            return [None] * len(keys)
        return list(self.cache.get_many(*keys))

    def _store(self, results: dict[str, Result]) -> None:
        if self.cache is not None and results:
            self.cache.set_many(results, timeout=self.cache_timeout)

    def _cache_key(self, info: VersionInfo, m: Measure, by: tuple, filters: Filters, kept) -> str:
        # The checksum tells apart two databases that share a cache and a version number.
        text = repr((info.version, info.checksum, m.name, by, filters.key(), kept, self.params))
        return "ilm:agg:" + hashlib.sha1(text.encode()).hexdigest()

    # -- internals: plan, resolve, protect ------------------------------------------
    def _answer(self, requests: list[tuple[Measure, tuple, Filters, tuple]]) -> list[Result]:
        """Protected answers to several questions, their exact sums read in few batches."""
        info = self.version()
        keys = [self._cache_key(info, *request) for request in requests]
        results = self._cached(keys)
        missing = [i for i, hit in enumerate(results) if hit is None]
        if not missing:
            return results
        frame = self.frame()
        for _m, _by, filters, _kept in requests:
            if filters.period is not None and filters.period not in frame["years"]:
                raise InvalidParameter(
                    "period", filters.period, "all, " + ", ".join(frame["years"]), RULE_PERIOD
                )
        tables = {i: self._plan(*requests[i], frame) for i in missing}
        # The totals the sparsity rule weighs each breakdown against.
        margins = {i: self._margin_plans(tables[i], frame) for i in missing}
        every = [*tables.values(), *(t for plans in margins.values() for t in plans)]
        cells = {cell for table in every for _key, cell in table.cells if cell is not None}
        sums: dict[cl.Cell, cl.Sums] = {}
        try:
            self._exact(sums, cells | {p for cell in cells for p in cl.parents(cell)})
        except schema.NoCube:
            # Breakdowns each allowed alone, but not published together (tier by status).
            asked = sorted({",".join(by) for _m, by, _f, _k in requests if by})
            raise InvalidParameter(
                "by", "; ".join(asked), "breakdowns the release publishes together"
            ) from None
        reps = self._settle(cells, sums)
        for i in missing:
            table = tables[i]
            result = self._protect(table, sums, reps, info.version)
            if table.by:
                expected = [
                    p
                    for plan in margins[i]
                    for _key, p in self._protect(plan, sums, reps, info.version).rows
                ]
                result = self._sparse(result, expected)
            results[i] = result
        self._store({keys[i]: results[i] for i in missing})
        return results

    def _exact(self, sums: dict, cells: set) -> None:
        """Add to `sums` the exact sums of the cells it lacks (the only database read).

        Exact sums stay in this process's memory (never in the shared cache) for the
        current data version: the charts of one view ask for many of the same cells.
        """
        info = self.version()
        stamp = (info.version, info.checksum)
        with self._lock:
            if self._memory_stamp != stamp:
                self._memory.clear()
                self._memory_stamp = stamp
            for cell in cells:
                if cell not in sums:
                    hit = self._memory.get(cell)
                    if hit is not None:
                        sums[cell] = hit
        todo = [cell for cell in cells if cell not in sums]
        if not todo:
            return
        found = cl.Resolver(self._db).sums(todo)
        sums.update(found)
        with self._lock:
            if self._memory_stamp != stamp:
                return  # read across a version change: not kept for the new one
            if len(self._memory) + len(found) > _MEMORY_CELLS:
                self._memory.clear()
            self._memory.update(found)

    def forget(self) -> None:
        """Drop the exact sums this process keeps (the benchmark's cold start)."""
        with self._lock:
            self._memory.clear()
            self._derived.clear()

    def _kept(self, parts: tuple, compute):
        """`compute()` kept in this process for the current data version (never in the
        shared cache): exact tables derived at load time that several requests read, such
        as the audit slices (data_access.audit_arrays). Internal to data_access."""
        info = self.version()
        stamp = (info.version, info.checksum)
        with self._lock:
            if self._derived_stamp != stamp:
                self._derived.clear()
                self._derived_stamp = stamp
            if parts in self._derived:
                return self._derived[parts]
        value = compute()
        with self._lock:
            # A new version may have replaced the tables meanwhile: keep only what was
            # read for the version still current.
            if self._derived_stamp == stamp:
                if len(self._derived) >= _DERIVED_ENTRIES:
                    self._derived.clear()
                self._derived[parts] = value
        return value

    def _forget_kept(self) -> None:
        """Drop the derived tables this process keeps (they were read across an import)."""
        with self._lock:
            self._derived.clear()

    def _settle(self, cells: set, sums: dict) -> dict:
        """Rule 3: for each cell within K records of a cell it nests in, the larger cell
        whose count it shows (None: it is withheld).

        The chain follows the first such parent, in the canonical order of
        `cells.parents`, until it reaches a cell within K of none; it may add up to K-1
        records in all, else the cell is withheld.
        """
        k = self.params.k
        reps: dict[cl.Cell, cl.Cell | None] = {}
        heads = {}
        for cell in cells:
            s = sums[cell]
            if self.protector.too_few(s.n, s.contributors):
                continue
            heads[cell] = cell
        for _round in range(_MAX_CHAIN):
            following = {}
            needed = set()
            for cell, head in heads.items():
                near = [
                    p for p in cl.parents(head) if self.protector.near(sums[p].n - sums[head].n)
                ]
                if not near:
                    if head != cell:
                        reps[cell] = head
                    continue
                larger = near[0]
                if sums[larger].n - sums[cell].n >= k:
                    reps[cell] = None
                    continue
                following[cell] = larger
                needed.update(p for p in cl.parents(larger) if p not in sums)
            self._exact(sums, needed)
            heads = following
            if not heads:
                break
        for cell in heads:
            reps[cell] = None
        return reps

    def _plan(self, m: Measure, by: tuple, filters: Filters, kept: tuple, frame: dict) -> _Table:
        """The cells of a question, one per row of its breakdown's code lists."""
        applicable = CONTACT_FILTERS if m.family == cl.CONTACTS else CASE_FILTERS
        # An issue condition and an issue (or theme) breakdown cannot share a cell: the
        # cubes hold one item per row. The breakdown wins and the filter is reported.
        item_by = {"issue", "theme"} & set(by)
        ignored = tuple(
            name
            for name in filters.active()
            if name != "period" and (name not in applicable or (name == "issue" and item_by))
        )
        base: dict[str, str] = {}
        for name, attr in applicable.items():
            value = getattr(filters, name)
            if value is not None and name not in ignored:
                base[attr] = value
        for attr, value in m.attrs:
            base = _merge(base, attr, value)
        kept_values = dict(kept)
        axes = []
        for name in by:
            values = _values(name, filters, frame)
            if name in kept_values:
                values = [v for v in values if v in kept_values[name]]
            axes.append(values)
        label_only = "theme" in by and "issue" in by  # each issue row names its theme
        cells = []
        for key in itertools.product(*axes):
            values = dict(zip(by, key))
            if label_only and values["theme"] != taxonomy.theme_of(values["issue"]):
                continue  # each issue row names its own theme only
            attrs: dict[str, str] | None = dict(base)
            time = ("year", filters.period) if filters.period else None
            for name, value in zip(by, key):
                if attrs is None:
                    break
                if name in TIME_DIMS:
                    time = (name, value)
                elif name == "corridor":
                    origin, destination = value.split("-")
                    attrs = _merge(attrs, "origin", origin)
                    attrs = attrs and _merge(attrs, "destination", destination)
                elif name == "theme" and label_only:
                    continue
                else:
                    dims = CONTACT_DIMS if m.family == cl.CONTACTS else CASE_DIMS
                    attrs = _merge(attrs, dims[name], value)
            cell = None if attrs is None else cl.make(m.family, time, attrs)
            cells.append((tuple(key), cell))
        return _Table(m, by, filters, kept, ignored, tuple(cells))

    def _margin_plans(self, table: _Table, frame: dict) -> list[_Table]:
        """What a breakdown's published cells are weighed against: the selection's total,
        or, for rows kept to some codes, the total of each kept code."""
        if not table.by:
            return []
        filters = table.filters.without(*(n for n in table.ignored if n != "period"))
        if table.kept:
            name, codes = table.kept[0]
            return [self._plan(table.measure, (name,), filters, ((name, codes),), frame)]
        return [self._plan(table.measure, (), filters, (), frame)]

    def _protect(self, table: _Table, sums: dict, reps: dict, version: int) -> Result:
        m = table.measure
        rows = []
        for key, cell in table.cells:
            rows.append((key, self._cell(m, cell, sums, reps)))
        return Result(m.name, table.by, tuple(rows), table.ignored, version)

    def _cell(self, m: Measure, cell: cl.Cell | None, sums: dict, reps: dict) -> Published:
        if cell is None:
            return SUPPRESSED
        s = sums[cell]
        if cell in reps:
            larger = reps[cell]
            if larger is None:
                return NEAR
            return self.protector.borrowed(self._own(m, larger, sums[larger]))
        return self._own(m, cell, s)

    def _own(self, m: Measure, cell: cl.Cell, s: cl.Sums) -> Published:
        """A cell's value by rules 1, 2, 4 and 5 (rule 3 is `_settle`'s)."""
        if m.kind == "count":
            return self.protector.count(cell.definition, s.n, s.key_sum, s.contributors)
        return self.protector.total(cell.definition, s.n, s.key_sum, s.perturbed, s.contributors)

    def _sparse(self, result: Result, expected: list[Published]) -> Result:
        """The sparsity rule, on published values only: refuse a breakdown whose
        published cells hold less than the set share of the published total."""
        whole = sum(p.value for p in expected if not p.suppressed)
        shown = sum(p.value for _k, p in result.rows if not p.suppressed)
        if whole and shown >= self.params.sparsity * whole:
            return result
        return replace(result, rows=(), refused=RULE_SPARSITY)


def _merge(attrs: dict[str, str], attr: str, value: str) -> dict[str, str] | None:
    """`attrs` with one more condition, or None when no record can meet both."""
    old = attrs.get(attr)
    if old is None or old == value:
        return {**attrs, attr: value}
    if attr == "status" and cl.RAISED in (old, value):
        specific = value if old == cl.RAISED else old
        if specific in cl.RAISED_STATUSES:
            return {**attrs, attr: specific}
    return None


def _values(name: str, filters: Filters, frame: dict) -> list[str]:
    """Every row of a breakdown: its code list, the months of the period, the corridors."""
    if name in TIME_DIMS:
        months = [m for m in frame["months"] if not filters.period or m[:4] == filters.period]
        if name == "month":
            return months
        if name == "quarter":
            return list(dict.fromkeys(cl.quarter_of(m) for m in months))
        return list(dict.fromkeys(m[:4] for m in months))
    if name == "corridor":
        return list(frame["corridors"])
    return list(BREAKDOWN_CODES[name])


def _checked(measure: str, bys: list[tuple[str, ...]]) -> Measure:
    """The measure, once it and every breakdown are on the allow-lists (before any query)."""
    m = MEASURES.get(measure)
    if m is None:
        raise InvalidParameter("measure", measure, ", ".join(MEASURES))
    allowed_by = breakdowns(measure)
    for by in bys:
        if len(by) > MAX_BREAKDOWN or len(set(by)) != len(by):
            raise InvalidParameter("by", ",".join(by), f"at most {MAX_BREAKDOWN} distinct names")
        for name in by:
            if name not in allowed_by:
                raise InvalidParameter("by", name, ", ".join(allowed_by))
        if len([name for name in by if name in TIME_DIMS]) > 1:
            raise InvalidParameter("by", ",".join(by), "one of month, quarter and year")
    return m


def _within(m: Measure, bys: list[tuple[str, ...]], within: dict | None) -> tuple:
    """`within` checked against the allow-lists: ((name, sorted codes), ...)."""
    if not within:
        return ()
    names = WITHIN_DIMS if m.family != cl.CONTACTS else tuple(CONTACT_FILTERS)
    kept = []
    for name, values in sorted(within.items()):
        if name not in names or any(name not in by for by in bys):
            raise InvalidParameter("within", name, "a coded name of every breakdown asked")
        codes = tuple(sorted(set(values)))
        allowed = taxonomy.CODE_LISTS[CODED_FILTERS[name]]
        if not codes or any(code not in allowed for code in codes):
            raise InvalidParameter(name, ",".join(map(str, codes)), ", ".join(sorted(allowed)))
        kept.append((name, codes))
    return tuple(kept)
