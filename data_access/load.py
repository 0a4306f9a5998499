"""Writing to the database: the demo build, the import of an extract, the cells.

This is the only module that writes. Both roads check every row against the data
contract, write in one transaction, rebuild the pre-aggregated cells from the rows just
written, and record a new data version, so a running app (whose caches are keyed by
data version) moves to the new data on its next request, with no restart.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Engine,
    Integer,
    case,
    cast,
    create_engine,
    delete,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.engine import Connection

from data_access import contract, outcomes, schema, taxonomy
from data_access.audits import WINDOWS
from data_access.demo import DemoGenerator, DemoSpec
from data_access.disclosure import EZS_HIGH, EZS_LOW
from data_access.query import readonly_engine

Progress = Callable[[str, int, int | None], None]
MAX_ERRORS = 50
INSERT_CHUNK = 5_000


class ExtractError(Exception):
    """An extract broke the contract; `errors` lists where and how (capped)."""

    def __init__(self, errors: list[str], total: int) -> None:
        self.errors = errors
        self.total = total
        more = f"\n... and {total - len(errors)} more" if total > len(errors) else ""
        super().__init__(
            f"the extract was not imported ({total} problem{'s' * (total != 1)}):\n"
            + "\n".join(errors)
            + more
        )


def writable_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url)


def _quiet(stage: str, done: int, total: int | None) -> None:
    return None


def _chunks(rows: Iterable[dict], size: int = INSERT_CHUNK) -> Iterable[list[dict]]:
    chunk: list[dict] = []
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


def _clear(conn: Connection) -> None:
    derived = [*schema.cube_tables.values(), schema.case_themes, *AUDIT_TABLES]
    for table in [*derived, *reversed(schema.EXTRACT_TABLES.values())]:
        conn.execute(delete(table))


def build_cubes(conn: Connection, progress: Progress = _quiet) -> None:
    """Refill every cube table: the roots from the case rows, the rest rolled up."""
    c = schema.cases.c
    build_case_themes(conn)
    build_audit_reports(conn)
    order = schema.build_order()
    for done, spec in enumerate(order):
        progress("cells", done, len(order))
        if spec.parent is not None:
            _fill(conn, spec.name, _roll_up(spec))
            continue
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
        _fill(conn, spec.name, query.group_by(*group))
    progress("cells", len(order), len(order))


def _roll_up(spec: schema.CubeSpec):
    """The cube's cells summed from its parent's (every measure is additive or a max)."""
    parent = schema.cube_tables[spec.parent].c
    group = [
        func.substr(parent.month, 1, 4).label("year")
        if col == "year" and "year" not in parent
        else parent[col]
        for col in spec.columns
    ]
    return select(
        *group,
        func.sum(parent.n_cases),
        func.sum(parent.key_sum),
        func.sum(parent.workers),
        func.max(parent.max_workers),
        func.sum(parent.pworkers),
    ).group_by(*group)


def perturbed_workers(workers, record_key):
    """disclosure.perturbed_workers in SQL: the case's workers times its own factor."""
    low = round(EZS_LOW * 1000)
    span = round((EZS_HIGH - EZS_LOW) * 1000)
    size = low + (record_key // 2) % (span + 1)
    sign = case((record_key % 2 == 0, 1), else_=-1)
    return (workers * (1000 + sign * size) + 500) // 1000


def build_case_themes(conn: Connection) -> None:
    """One row per case and theme of its issue categories (distinct, never summed)."""
    ci = schema.case_issues.c
    themes = {code: issue.theme for code, issue in taxonomy.ISSUES.items()}
    theme = case(themes, value=ci.issue).label("theme")
    conn.execute(delete(schema.case_themes))
    conn.execute(
        insert(schema.case_themes).from_select(
            ["case_id", "theme"], select(ci.case_id, theme).distinct()
        )
    )


AUDIT_TABLES = (schema.audit_reports, schema.audit_case_reports, schema.audit_site_issues)


def _month_index(month):
    """contract.month_index in SQL, for any backend: months are YYYY-MM strings."""
    year = cast(func.substr(month, 1, 4), Integer)
    return year * 12 + cast(func.substr(month, 6, 2), Integer)


def build_audit_reports(conn: Connection) -> None:
    """Refill the derived tables of Audits vs worker voice (see schema.audit_reports).

    The same comparison as data_access.audits.AuditGaps.comparisons, once per window and
    for every selection at once, so a request reads a few thousand rows, not every report.
    """
    a, w, c = schema.audits.c, schema.worksites.c, schema.cases.c
    ci, af = schema.case_issues.c, schema.audit_findings.c
    for table in AUDIT_TABLES:
        conn.execute(delete(table))
    # A worksite's record key is the key of its case with the smallest id.
    first_case = schema.cases.alias("first_case")
    first = (
        select(c.worksite_id, func.min(c.case_id).label("case_id"))
        .where(c.worksite_id.is_not(None))
        .group_by(c.worksite_id)
        .subquery("first")
    )
    site_keys = (
        select(first.c.worksite_id, first_case.c.record_key)
        .join(first_case, first_case.c.case_id == first.c.case_id)
        .subquery("site_keys")
    )
    source = (
        schema.audits.join(schema.worksites, w.worksite_id == a.worksite_id)
        .join(site_keys, site_keys.c.worksite_id == a.worksite_id)
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
            "worksite_key": site_keys.c.record_key,
            **{d: c[d] for d in schema.AUDIT_CASE_DIMS},
        }
        rows = select(*columns.values()).select_from(source).where(distance <= window)
        conn.execute(insert(fine).from_select(list(columns), rows.distinct()))
    coarse = schema.audit_reports
    names = [col.name for col in coarse.columns]
    conn.execute(insert(coarse).from_select(names, select(*(fine.c[n] for n in names)).distinct()))
    build_audit_site_issues(conn)


def build_audit_site_issues(conn: Connection) -> None:
    """Refill `audit_site_issues` from `audit_reports` (see schema.audit_site_issues)."""
    conn.execute(delete(schema.audit_site_issues))
    r = schema.audit_reports.c
    keys = (r.window_months, r.worksite_id, r.issue)
    per_site = select(
        *keys,
        func.max(r.country),
        func.max(r.industry),
        func.max(r.worksite_key),
        func.count(),
        func.sum(r.found),
    ).group_by(*keys)
    sites = schema.audit_site_issues
    conn.execute(insert(sites).from_select([col.name for col in sites.columns], per_site))


def _case_column(name: str):
    """A cube dimension as an expression on the case rows (most are plain columns)."""
    if name == "ttr":
        return outcomes.months_to_remediation(schema.cases.c).label("ttr")
    if name == "tier":
        return schema.worksites.c.tier
    return schema.cases.c[name]


def _fill(conn: Connection, name: str, query) -> None:
    cube = schema.cube_tables[name]
    conn.execute(delete(cube))
    conn.execute(insert(cube).from_select([col.name for col in cube.columns], query))


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
def build_demo(url: str, spec: DemoSpec | None = None, progress: Progress = _quiet) -> int:
    """Replace the database's extract with a generated one; returns the new version."""
    spec = spec or DemoSpec()
    gen = DemoGenerator(spec)
    engine = writable_engine(url)
    as_of = spec.as_of
    with engine.begin() as conn:
        previous = _latest_version(conn)
        schema.metadata.drop_all(conn)
        schema.metadata.create_all(conn)
        if previous:
            # Keep version numbers rising so caches keyed by version never serve old data.
            conn.execute(insert(schema.data_versions).values(**previous))
        worksites = {w["worksite_id"]: w for w in gen.worksites}
        _insert_checked(conn, contract.WORKSITES, gen.worksites, as_of)
        audits, findings = gen.audits()
        _insert_checked(conn, contract.AUDITS, audits, as_of)
        _insert_checked(conn, contract.AUDIT_FINDINGS, findings, as_of)
        _insert_checked(conn, contract.CONTACTS, gen.contacts(), as_of, schema.contacts)
        done = 0
        for batch in gen.case_batches(progress):
            issues = []
            for row in batch:
                errors = contract.check_row(contract.CASES, row, as_of)
                errors += contract.check_case_against_worksite(
                    row, worksites.get(row["worksite_id"])
                )
                if errors:
                    raise AssertionError(
                        f"demo case {row['case_id']} breaks the contract: {errors}"
                    )
                issues.extend({"case_id": row["case_id"], "issue": i} for i in row.pop("issues"))
            conn.execute(insert(schema.cases), batch)
            _insert_checked(conn, contract.CASE_ISSUES, issues, as_of)
            done += len(batch)
            progress("cases", done, spec.cases)
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
class _Errors:
    def __init__(self) -> None:
        self.shown: list[str] = []
        self.total = 0

    def add(self, where: str, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.shown) < MAX_ERRORS:
            col = f", column {column}" if column else ""
            self.shown.append(f"{where}{col}: {message}")


def _read_table(directory: Path, spec: contract.Table, errors: _Errors) -> list[tuple[int, dict]]:
    path = directory / spec.filename
    if not path.exists():
        errors.add(spec.filename, None, "file is missing")
        return []
    rows: list[tuple[int, dict]] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [c for c in spec.column_names if c not in header]
            unknown = [c for c in header if c not in spec.column_names]
            if missing:
                errors.add(f"{spec.filename}:1", None, f"missing columns: {', '.join(missing)}")
            if unknown:
                errors.add(
                    f"{spec.filename}:1",
                    None,
                    f"columns not in the contract: {', '.join(unknown)}",
                )
            if missing or unknown:
                return []
            columns = spec.columns
            for row in reader:
                line = reader.line_num
                if None in row:
                    errors.add(f"{spec.filename}:{line}", None, "more fields than columns")
                    continue
                typed, ok = {}, True
                for column in columns:
                    value, problem = contract.parse_value(column, row[column.name] or "")
                    if problem:
                        errors.add(f"{spec.filename}:{line}", column.name, problem)
                        ok = False
                    typed[column.name] = value
                if ok:
                    rows.append((line, typed))
    except UnicodeDecodeError:
        # The decoder's own offset is within its read buffer, not the file: find the
        # first bad byte again in the whole file to name its line and byte offset.
        raw = path.read_bytes()
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            errors.add(
                f"{spec.filename}:{line}",
                None,
                f"is not UTF-8 text ({exc.reason} at byte {exc.start})",
            )
    return rows


def validate_extract(directory: Path, as_of: str | None = None) -> tuple[dict, str]:
    """Read and check every file; returns (rows by table, as-of) or raises ExtractError."""
    errors = _Errors()
    tables = {name: _read_table(directory, spec, errors) for name, spec in contract.TABLES.items()}
    if as_of is None:
        # Only well-formed months may set the as-of; a malformed one is reported below.
        months = [r.get("month_received") for _, r in tables["cases"]]
        months += [r.get("month") for _, r in tables["contacts"]]
        months = [m for m in months if isinstance(m, str) and contract.MONTH_RE.match(m)]
        as_of = max(months, default=None)
    elif not contract.MONTH_RE.match(as_of):
        errors.add("--as-of", None, f"must be a month as YYYY-MM, got {as_of!r}")
        as_of = None
    for name, rows in tables.items():
        spec = contract.TABLES[name]
        seen: dict[tuple, int] = {}
        for line, row in rows:
            where = f"{spec.filename}:{line}"
            for column, message in contract.check_row(spec, row, as_of):
                errors.add(where, column, message)
            key = tuple(row[k] for k in spec.unique)
            if key in seen:
                errors.add(where, ",".join(spec.unique), f"duplicates line {seen[key]}")
            else:
                seen[key] = line
    worksites = {r["worksite_id"]: r for _, r in tables["worksites"]}
    audits = {r["audit_id"] for _, r in tables["audits"]}
    case_ids = {r["case_id"] for _, r in tables["cases"]}
    for line, row in tables["audits"]:
        if row["worksite_id"] not in worksites:
            errors.add(f"audits.csv:{line}", "worksite_id", "is not in worksites")
    for line, row in tables["audit_findings"]:
        if row["audit_id"] not in audits:
            errors.add(f"audit_findings.csv:{line}", "audit_id", "is not in audits")
    with_issue = set()
    for line, row in tables["case_issues"]:
        if row["case_id"] not in case_ids:
            errors.add(f"case_issues.csv:{line}", "case_id", "is not in cases")
        with_issue.add(row["case_id"])
    for line, row in tables["cases"]:
        for column, message in contract.check_case_against_worksite(
            row, worksites.get(row["worksite_id"])
        ):
            errors.add(f"cases.csv:{line}", column, message)
        if row["case_id"] not in with_issue:
            errors.add(f"cases.csv:{line}", "case_id", "has no row in case_issues")
    if errors.total:
        raise ExtractError(errors.shown, errors.total)
    return {name: [r for _, r in rows] for name, rows in tables.items()}, as_of


def _checksum(directory: Path) -> str:
    digest = hashlib.sha256()
    for spec in contract.TABLES.values():
        digest.update(spec.filename.encode())
        digest.update((directory / spec.filename).read_bytes())
    return digest.hexdigest()


def import_extract(
    url: str, directory: str | Path, as_of: str | None = None, progress: Progress = _quiet
) -> tuple[int, bool]:
    """Load an extract all-or-nothing. Returns (data version, whether anything changed)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ExtractError([f"{directory}: is not a directory"], 1)
    progress("checking", 0, None)
    tables, as_of = validate_extract(directory, as_of)
    checksum = hashlib.sha256(f"{_checksum(directory)}|{as_of}".encode()).hexdigest()
    engine = writable_engine(url)
    with engine.begin() as conn:
        schema.metadata.create_all(conn)
        latest = _latest_version(conn)
        if latest and latest["checksum"] == checksum:
            return latest["version"], False
        # Record keys stay with their case (and contacts cell) across versions, so
        # comparing two versions shows no new noise for rows that did not change.
        old_case_keys = dict(
            conn.execute(select(schema.cases.c.case_id, schema.cases.c.record_key)).all()
        )
        ct = schema.contacts.c
        old_contact_keys = {
            tuple(r[:4]): r[4]
            for r in conn.execute(
                select(ct.month, ct.channel, ct.language, ct.nationality, ct.record_key)
            ).tuples()
        }
        _clear(conn)
        for row in tables["cases"]:
            row["record_key"] = old_case_keys.get(row["case_id"], secrets.randbelow(256))
        for row in tables["contacts"]:
            natural = (row["month"], row["channel"], row["language"], row["nationality"])
            row["record_key"] = old_contact_keys.get(natural, secrets.randbelow(256))
        for name, table in schema.EXTRACT_TABLES.items():
            done = 0
            for chunk in _chunks(tables[name]):
                conn.execute(insert(table), chunk)
                done += len(chunk)
                progress(name, done, len(tables[name]))
        progress("cells", 0, None)
        build_cubes(conn, progress)
        version = _record_version(conn, as_of, f"import {directory.name}", checksum)
    return version, True


def export_extract(url: str, directory: str | Path) -> None:
    """Write the database's extract as contract CSV files (record keys stay behind)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    with engine.connect() as conn:
        for name, spec in contract.TABLES.items():
            table = schema.EXTRACT_TABLES[name]
            columns = [table.c[c] for c in spec.column_names]
            order = [table.c[c] for c in spec.unique]
            with (directory / spec.filename).open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(spec.column_names)
                for row in conn.execute(select(*columns).order_by(*order)):
                    writer.writerow(["" if v is None else v for v in row])


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


def table_counts(conn: Connection) -> dict[str, int]:
    counts = defaultdict(int)
    for name, table in {**schema.EXTRACT_TABLES, **schema.cube_tables}.items():
        counts[name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
    return dict(counts)
