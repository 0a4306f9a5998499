"""The protected query layer: the only road by which numbers leave the database.

`DataAccess.aggregate(measure, by, filters)` answers every question the views (and,
later, downloads and the API) ask. It checks the measure, breakdown and filters against
allow-lists before building a query, sums exact cell aggregates from the cube tables
with bound parameters, and hands each final cell to the disclosure rules
(data_access.disclosure) before anything is returned. Raw counts never leave this module.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from data_access import schema, taxonomy
from data_access.disclosure import DisclosureParams, Protector, Published, share
from data_access.filters import CODED_FILTERS, Filters, InvalidParameter
from data_access.outcomes import RAISED_STATUSES


class NoData(RuntimeError):
    """The database holds no loaded data version."""


@dataclass(frozen=True)
class Measure:
    name: str
    source: str  # "received", "remediated" or "contacts"
    kind: str  # "count" or "sum"
    only_validated: bool = False
    # Cube column -> the values kept (outcome measures, data_access.outcomes).
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure("contacts", "contacts", "count"),
        Measure("cases", "received", "count"),
        Measure("workers_affected", "received", "sum"),
        Measure("cases_remediated", "remediated", "count"),
        Measure("workers_remediated", "remediated", "sum"),
        Measure("remediations_validated", "remediated", "count", only_validated=True),
        # The remediation funnel: cases received in the period, by how far they got.
        Measure("cases_raised", "received", "count", where=(("status", RAISED_STATUSES),)),
        Measure(
            "cases_received_remediated",
            "received",
            "count",
            where=(("status", ("remediated",)),),
        ),
        Measure(
            "cases_received_validated",
            "received",
            "count",
            where=(("status", ("remediated",)), ("validated", ("yes",))),
        ),
    )
}

# Breakdown name -> cube column. Derived breakdowns are folded from months or pairs.
CASE_DIMS = {
    "month": "month",
    "country": "destination",
    "origin": "origin",
    "destination": "destination",
    "nationality": "nationality",
    "industry": "industry",
    "channel": "channel",
    "stage": "stage",
    "issue": "issue",
    # Outcome dimensions (data_access.outcomes): `theme` counts a case once per theme.
    "status": "status",
    "validated": "validated",
    "route": "route",
    "ttr": "ttr",
    "theme": "theme",
}
# Breakdowns only the cubes of cases received carry (data_access.schema): the worksite's
# supply-chain tier.
RECEIVED_DIMS = {"tier": "tier"}
CONTACT_DIMS = {
    "month": "month",
    "nationality": "nationality",
    "channel": "channel",
    "language": "language",
}
DERIVED = {"quarter": ("month",), "year": ("month",), "corridor": ("origin", "destination")}
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
MAX_BREAKDOWN = 2  # a bounded query space is a defence against averaging attacks
# Breakdowns whose rows a caller may restrict to listed codes (`within`): plain coded
# columns, so the kept rows are exactly cells of the full breakdown.
WITHIN_DIMS = ("country", "nationality", "industry", "issue", "channel", "stage")
# Filters `each` may answer many values of at once: one value per case, so a case's cell
# for one value is the cell a single question with that filter reads. Not the issue: theme
# cells have no issue column, and a case can report several.
EACH_DIMS = ("country", "nationality", "industry", "channel", "stage", "origin", "destination")


def breakdowns(measure: str) -> list[str]:
    """The breakdowns a measure accepts: the one allow-list for pages, downloads and API."""
    m = MEASURES[measure]
    if m.source == "contacts":
        return [*CONTACT_DIMS, "quarter", "year"]
    # The tier cubes hold cases received without outcome columns (see schema).
    extra = list(RECEIVED_DIMS) if m.source == "received" and not m.where else []
    return [*CASE_DIMS, *DERIVED, *extra]


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
    """A protected table: `by` names the key columns, each row is (keys, Published)."""

    measure: str
    by: tuple[str, ...]
    rows: tuple[tuple[tuple, Published], ...]
    ignored_filters: tuple[str, ...]
    version: int

    def as_dict(self) -> dict[tuple, Published]:
        return dict(self.rows)

    @property
    def single(self) -> Published:
        """The one cell of a query without breakdown."""
        return self.rows[0][1] if self.rows else Published(0)


def readonly_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite opened mode=ro, PostgreSQL read-only sessions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not path.exists():
            raise NoData(f"no database at {path}; build one with `python -m dashboard demo`")
        return create_engine(
            f"sqlite+pysqlite:///file:{path.resolve()}?mode=ro&uri=true",
            connect_args={"check_same_thread": False},
        )
    engine = create_engine(url, pool_pre_ping=True)
    if parsed.get_backend_name() == "postgresql":

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
    ) -> None:
        self.database_url = database_url
        self.protector = Protector(params)
        self.cache = cache
        self.cache_timeout = cache_timeout
        self.version_ttl = version_ttl
        self._engine: Engine | None = None
        self._pid = 0
        self._version: tuple[float, VersionInfo] | None = None
        self._checked: tuple[int, str] | None = None  # the version whose tables were checked
        self._lock = threading.Lock()

    @property
    def params(self) -> DisclosureParams:
        return self.protector.params

    @property
    def engine(self) -> Engine:
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

    # -- data version -------------------------------------------------------------
    def version(self) -> VersionInfo:
        """The newest data version, re-read at most every `version_ttl` seconds."""
        now = time.monotonic()
        if self._version and now - self._version[0] < self.version_ttl:
            return self._version[1]
        dv = schema.data_versions
        with self.engine.connect() as conn:
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
        return info

    @staticmethod
    def _check_tables(conn) -> None:
        """Refuse a database built by an older dashboard, with the way out, not a 500."""
        present = set(inspect(conn).get_table_names())
        missing = sorted(set(schema.metadata.tables) - present)
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
        with self.engine.connect() as conn:
            if not conn.dialect.has_table(conn, "data_versions"):
                return ()
            rows = conn.execute(
                select(
                    dv.c.version, dv.c.as_of, dv.c.loaded_at, dv.c.source, dv.c.checksum
                ).order_by(dv.c.version.desc())
            ).all()
        return tuple(VersionInfo(*row) for row in rows)

    # -- the one road out ---------------------------------------------------------
    def aggregate(
        self,
        measure: str,
        by: tuple[str, ...] = (),
        filters: Filters | None = None,
        *,
        within: dict[str, Iterable[str]] | None = None,
    ):
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
        """`aggregate` for several breakdowns of one measure, in one query where it can.

        Each result is the one `aggregate` gives (same cells, same cache entry); only the
        exact sums are shared: breakdowns that fold from the same fine cells read them
        once.
        """
        filters = filters or Filters()
        bys = [tuple(by) for by in bys]
        m = _checked(measure, bys)
        kept = _within(m, bys, within)
        info = self.version()
        keys = [self._cache_key(info, measure, by, filters, kept) for by in bys]
        results = self._cached(keys)
        missing = [i for i, hit in enumerate(results) if hit is None]
        computed = self._compute(m, [bys[i] for i in missing], filters, info.version, kept)
        for i, result in zip(missing, computed):
            results[i] = result
        self._store({keys[i]: results[i] for i in missing})
        return results

    def measures(
        self, names: Iterable[str], by: tuple[str, ...] = (), filters: Filters | None = None
    ) -> list[Result]:
        """`aggregate` of several measures over one breakdown, in as few queries as it can.

        Measures that count the same rows (`cases` and `workers_affected`, say) differ only
        in which of a cell's exact sums they publish: they share one query. Each result is
        the one `aggregate` gives (same cells, same cache entry).
        """
        names = list(names)
        if len(names) < 2:
            return [self.aggregate(name, by, filters) for name in names]
        filters = filters or Filters()
        by = tuple(by)
        for name in names:
            _checked(name, [by])
        info = self.version()
        keys = [self._cache_key(info, name, by, filters) for name in names]
        results = self._cached(keys)
        missing = [i for i, hit in enumerate(results) if hit is None]
        groups: dict[tuple, list[int]] = defaultdict(list)
        for i in missing:
            m = MEASURES[names[i]]
            groups[(m.source, m.where, m.only_validated)].append(i)
        for members in groups.values():
            first = MEASURES[names[members[0]]]
            dims = _base_dims(first, by, filters)
            cells = self._exact_cells(first, dims, filters)
            for i in members:
                m = MEASURES[names[i]]
                results[i] = self._protect(m, by, dims, cells, filters, info.version)
        self._store({keys[i]: results[i] for i in missing})
        return results

    def each(
        self,
        measure: str,
        by: tuple[str, ...],
        filters: Filters,
        over: tuple[str, ...],
        keys: Iterable[tuple[str, ...]],
    ) -> dict[tuple[str, ...], Result]:
        """`aggregate(measure, by, filters narrowed to key)` for every key, in one query.

        `over` names case filters the selection leaves open (("country", "industry"), or
        ("origin", "destination") for corridors) and each key gives their values. Every
        result is the one `aggregate` gives for the narrowed selection: the same exact
        cells (the same records, so the same cell keys), the same protection, the same
        cache entry. Nothing is published that those single questions would not publish.
        """
        by, over = tuple(by), tuple(over)
        m = _checked(measure, [by])
        if m.source == "contacts" or not over or set(over) & set(by):
            raise InvalidParameter("over", ",".join(over), "case filters outside the breakdown")
        for name in over:
            if name not in EACH_DIMS or getattr(filters, name) is not None:
                raise InvalidParameter("over", name, "a case filter the selection leaves open")
        wanted = {
            tuple(key): replace(filters, **dict(zip(over, key)))  # validates every value
            for key in dict.fromkeys(tuple(k) for k in keys)
        }
        if not wanted:
            return {}
        info = self.version()
        cache_keys = {key: self._cache_key(info, measure, by, f) for key, f in wanted.items()}
        hits = self._cached(list(cache_keys.values()))
        out = {key: hit for key, hit in zip(cache_keys, hits) if hit is not None}
        missing = [key for key in wanted if key not in out]
        if not missing:
            return out
        dims = _base_dims(m, by, filters)
        # The open filters become columns of the one query, kept to the values asked for.
        columns = tuple(d for d in over if d not in dims)
        kept = tuple(
            (name, tuple(sorted({key[over.index(name)] for key in missing}))) for name in over
        )
        cells = self._exact_cells(m, dims + columns, filters, kept)
        split: dict[tuple, dict] = defaultdict(dict)
        n = len(dims)
        for cell_key, sums in cells.items():
            values = dict(zip(dims + columns, cell_key))
            split[tuple(values[name] for name in over)][cell_key[:n]] = sums
        for key in missing:
            out[key] = self._protect(m, by, dims, split.get(key, {}), wanted[key], info.version)
        self._store({cache_keys[key]: out[key] for key in missing})
        return {key: out[key] for key in wanted}

    def total(self, measure: str, filters: Filters | None = None) -> Published:
        return self.aggregate(measure, (), filters).single

    def validated_share(self, filters: Filters | None = None) -> float | None:
        """Share of remediated cases whose workers confirmed the remediation."""
        return share(
            self.total("remediations_validated", filters),
            self.total("cases_remediated", filters),
        )

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

    def _cache_key(
        self, info: VersionInfo, measure: str, by: tuple, filters: Filters, kept: tuple = ()
    ) -> str:
        # The checksum tells apart two databases that share a cache and a version number.
        text = repr((info.version, info.checksum, measure, by, filters.key(), self.params))
        if kept:
            text += repr(kept)
        return "ilm:agg:" + hashlib.sha1(text.encode()).hexdigest()

    # -- internals: exact sums, then protection -----------------------------------
    def _compute(
        self,
        m: Measure,
        bys: list[tuple[str, ...]],
        filters: Filters,
        version: int,
        kept: tuple = (),
    ) -> list[Result]:
        plans = [_base_dims(m, by, filters) for by in bys]
        union = tuple(dict.fromkeys(d for dims in plans for d in dims))
        # A case has one value of every dimension but its issues and themes: cells can be
        # summed over any dimension except those, so breakdowns share a query only when
        # they all keep the same issue or theme column.
        shared = len(bys) > 1 and all(_items(dims) == _items(union) for dims in plans)
        cells = None
        if shared:
            try:
                cells = self._exact_cells(m, union, filters, kept)
            except InvalidParameter:
                shared = False  # no cube holds them all: one query each
        out = []
        for by, dims in zip(bys, plans):
            if shared:
                out.append(self._protect(m, by, union, cells, filters, version))
            else:
                exact = self._exact_cells(m, dims, filters, kept)
                out.append(self._protect(m, by, dims, exact, filters, version))
        return out

    def _protect(
        self,
        m: Measure,
        by: tuple[str, ...],
        base_dims: tuple[str, ...],
        cells: dict,
        filters: Filters,
        version: int,
    ) -> Result:
        """Fold exact cells (keyed by `base_dims`) into the `by` breakdown, then protect."""
        applicable = CONTACT_FILTERS if m.source == "contacts" else CASE_FILTERS
        ignored = tuple(
            name
            for name in filters.active()
            if (name not in applicable and name not in ("start", "end"))
            # Theme cells hold no issue column: an issue filter cannot narrow them.
            or (name == "issue" and "theme" in by and "issue" not in by)
        )
        folded: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for keys, (n, key_sum, workers, largest) in cells.items():
            values = dict(zip(base_dims, keys))
            out = tuple(_derive(name, values) for name in by)
            acc = folded[out]
            acc[0] += n
            acc[1] += key_sum
            acc[2] += workers
            acc[3] = max(acc[3], largest)
        if not by and not folded:
            folded[()] = [0, 0, 0, 0]
        rows = []
        for keys in sorted(folded, key=lambda k: tuple("" if v is None else str(v) for v in k)):
            n, key_sum, workers, largest = folded[keys]
            if m.source == "contacts":
                published = self.protector.count(workers, key_sum)
            elif m.kind == "count":
                published = self.protector.count(n, key_sum)
            else:
                published = self.protector.total(workers, n, key_sum, largest)
            rows.append((keys, published))
        return Result(m.name, by, tuple(rows), ignored, version)

    def _exact_cells(
        self, m: Measure, dims: tuple[str, ...], filters: Filters, kept: tuple = ()
    ) -> dict:
        if m.source == "contacts":
            table = schema.contacts
            cols = {d: table.c[CONTACT_DIMS[d]] for d in dims}
            n_col = func.count()
            sums = (func.sum(table.c.record_key), func.sum(table.c["count"]), func.max(0))
            filter_map = CONTACT_FILTERS
            dim_columns = CONTACT_DIMS
        else:
            if "theme" in dims:
                # Theme cells hold no issue column: the issue filter cannot narrow them.
                filters = filters.without("issue")
            item = "theme" if "theme" in dims else "issue"
            with_issue = "issue" in dims or filters.issue is not None or item == "theme"
            case_dims = {**CASE_DIMS, **RECEIVED_DIMS}
            needed = {case_dims.get(d, d) for d in dims}
            needed |= {CASE_FILTERS[f] for f in CASE_FILTERS if getattr(filters, f) is not None}
            if m.only_validated:
                needed.add("validated")
            needed |= {column for column, _values in m.where}
            if "month" in dims or not _whole_years(filters):
                needed.add("month")
            elif filters.start or filters.end:
                needed.add("year")
            try:
                spec = schema.covering_cube(m.source, with_issue, needed, item)
            except ValueError:
                raise InvalidParameter(
                    "by",
                    ",".join(dims),
                    "a combination of breakdowns and filters that is published",
                ) from None
            table = schema.cube_tables[spec.name]
            cols = {d: _cube_column(table, spec, case_dims.get(d, d)) for d in dims}
            n_col = func.sum(table.c.n_cases)
            sums = (
                func.sum(table.c.key_sum),
                func.sum(table.c.workers),
                func.max(table.c.max_workers),
            )
            filter_map = CASE_FILTERS
            dim_columns = case_dims
        sqlite = self.engine.dialect.name == "sqlite"
        if sqlite and m.source != "contacts":
            # To skip sorting the groups, SQLite walks a cube's (issue, month) index and
            # reads the whole table in that order, several times slower than a scan and
            # a sort of the rows kept: group by expressions no index provides.
            cols = {d: _unindexed(col) for d, col in cols.items()}
        query = select(*cols.values(), n_col, *sums)
        time = table.c.year if "year" in table.c else table.c.month
        if filters.start:
            start = filters.start[:4] if time.name == "year" else filters.start
            query = query.where(time >= start)
        if filters.end:
            end = filters.end[:4] if time.name == "year" else filters.end
            query = query.where(time <= end)
        for name, column in filter_map.items():
            value = getattr(filters, name)
            if value is not None:
                query = query.where(table.c[column] == value)
        for name, values in kept:
            column = table.c[dim_columns[name]]
            if sqlite and m.source != "contacts" and not (filters.start or filters.end):
                # The listed codes are the common ones (a top five): reaching them through
                # the (issue, month) index visits most rows one by one, slower than a scan,
                # unless a period narrows the months too.
                column = _unindexed(column)
            query = query.where(column.in_(values))
        if m.only_validated:
            query = query.where(table.c.validated == "yes")
        for column, values in m.where:
            query = query.where(table.c[column].in_(values))
        if cols:
            query = query.group_by(*cols.values())
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        out = {}
        k = len(dims)
        for row in rows:
            if row[k] is None or row[k] == 0:
                continue
            out[tuple(row[:k])] = (int(row[k]), int(row[k + 1]), int(row[k + 2]), int(row[k + 3]))
        return out


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
    return m


def _within(m: Measure, bys: list[tuple[str, ...]], within: dict | None) -> tuple:
    """`within` checked against the allow-lists: ((name, sorted codes), ...)."""
    if not within:
        return ()
    names = WITHIN_DIMS if m.source != "contacts" else tuple(CONTACT_FILTERS)
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


def _whole_years(filters: Filters) -> bool:
    """Whether the period (if any) starts in a January and ends in a December."""
    return (filters.start is None or filters.start.endswith("-01")) and (
        filters.end is None or filters.end.endswith("-12")
    )


def _base_dims(m: Measure, by: tuple[str, ...], filters: Filters) -> tuple[str, ...]:
    """The cube columns a breakdown is folded from (derived ones from their parts)."""
    # Years read off a yearly cube when nothing needs months (contacts have no cubes).
    yearly = m.source != "contacts" and _whole_years(filters) and not {"month", "quarter"} & set(by)
    base_dims: list[str] = []
    for name in by:
        parts = DERIVED.get(name, (name,))
        if name == "year" and yearly:
            parts = ("year",)
        if name == "theme" and "issue" in by:
            # An issue belongs to one theme: read the theme off the issue cells.
            parts = ("issue",)
        for part in parts:
            if part not in base_dims:
                base_dims.append(part)
    return tuple(base_dims)


def _items(dims: tuple[str, ...]) -> frozenset[str]:
    return frozenset(dims) & {"issue", "theme"}


def _cube_column(table, spec: schema.CubeSpec, column: str):
    if column == "year" and spec.grain == "month":
        return func.substr(table.c.month, 1, 4)
    return table.c[column]


def _unindexed(column):
    """The column behind SQLite's unary +: the same value, never read from an index."""
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def _derive(name: str, values: dict) -> Any:
    if name == "year" and "year" in values:
        return values["year"]
    if name == "quarter":
        month = values["month"]
        return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
    if name == "year":
        return values["month"][:4]
    if name == "corridor":
        return f"{values['origin']}-{values['destination']}"
    if name == "theme" and "theme" not in values:
        return taxonomy.theme_of(values["issue"])
    return values[name]
