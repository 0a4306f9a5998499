"""Audits vs worker voice, pre-aggregated at load time as arrays (internal; exact).

A request of the audits view compares a selection's (worksite, reported category) pairs
with those of the selections it nests in, worksite by worksite (data_access.audits). Read
as rows, those pairs cost most of a second at a million cases. Here every selection of
the case dimensions a reader can combine (none, nationality, channel, corridor, or two of
them; the stage needs none), for every window and period (all years, or one), is summed
at load time into one *slice*: per worksite and category, the pairs compared and the
pairs found, as arrays stored in `audit_arrays`. A request decodes the slices it needs and
does the rest with numpy.

Slices index worksites by their number in the `@sites` row, so a slice and that row must
come from the same build: every row carries the build's token, and a reader that finds two
tokens (an import landed between two reads) reads both again.

Nothing here is published: the slices are exact sums, read only by data_access.audits,
which applies the release's rules before anything leaves.
"""

from __future__ import annotations

import io
import itertools
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection

from data_access import schema

# The case dimensions a slice may narrow by, alone or two together (a selection combines
# at most two fine filters, data_access.filters); a corridor is origin and destination.
# The stage needs no slice: only employment-stage cases have a worksite (the data
# contract), so it keeps every pair or none.
CASE_DIMS = ("nationality", "channel", "corridor")
SLICE_DIMS = (*CASE_DIMS, *("+".join(pair) for pair in itertools.combinations(CASE_DIMS, 2)))
ALL_YEARS = ""  # the period of a slice over every year loaded
_SITES = "@sites"  # the row holding the worksites' attributes and the code lists
_IDS = "@ids"  # the row holding the worksites' ids, for selections read as pairs


class Mixed(RuntimeError):
    """A slice and the worksites' row come from two builds (an import landed between)."""


@dataclass(frozen=True)
class Sites:
    """The audited worksites, numbered once per data version."""

    build: str  # the token of the build that numbered them
    ids: tuple[str, ...] | None  # loaded only when rows are written out (tests)
    country: np.ndarray  # per worksite: an index into `countries`
    industry: np.ndarray  # per worksite: an index into `industries`
    keys: np.ndarray  # per worksite: its record key (int64)
    countries: tuple[str, ...]
    industries: tuple[str, ...]
    issues: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class Pairs:
    """A selection's pairs per worksite and reported category, as parallel arrays."""

    build: str  # the token of the build it comes from ("" for no pairs)
    site: np.ndarray  # int64 index into Sites
    issue: np.ndarray  # int64 index into Sites.issues
    reported: np.ndarray  # int64: (audit, category) pairs compared
    found: np.ndarray  # int64: of those, pairs the audit also found

    def where(self, mask: np.ndarray) -> Pairs:
        return Pairs(
            self.build, self.site[mask], self.issue[mask], self.reported[mask], self.found[mask]
        )

    def check(self, sites: Sites) -> Pairs:
        """These pairs, if they index `sites`; else Mixed."""
        if self.build and self.build != sites.build:
            raise Mixed("audit slices of two builds")
        return self

    def __len__(self) -> int:
        return len(self.site)


EMPTY = Pairs("", *(np.zeros(0, dtype=np.int64) for _ in range(4)))


def _pack(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _unpack(data: bytes) -> dict[str, np.ndarray]:
    # Plain arrays only: nothing stored here is ever unpickled.
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def read_sites(conn: Connection, with_ids: bool = False) -> Sites:
    t = schema.audit_arrays.c
    wanted = [_SITES, _IDS] if with_ids else [_SITES]
    rows = dict(
        conn.execute(select(t.dim, t.data).where(t.dim.in_(wanted), t.window_months == 0)).all()
    )
    if _SITES not in rows:
        return Sites("", (), *(np.zeros(0, dtype=np.int64) for _ in range(3)), (), (), ())
    a = _unpack(rows[_SITES])
    ids = tuple(str(i) for i in _unpack(rows[_IDS])["ids"]) if with_ids else None
    return Sites(
        str(a["build"][0]),
        ids,
        a["country"].astype(np.int64),
        a["industry"].astype(np.int64),
        a["keys"].astype(np.int64),
        tuple(str(v) for v in a["countries"]),
        tuple(str(v) for v in a["industries"]),
        tuple(str(v) for v in a["issues"]),
    )


def read_slice(conn: Connection, window: int, period: str, dim: str, value: str) -> Pairs:
    """The slice's pairs (EMPTY when no report falls in it)."""
    t = schema.audit_arrays.c
    data = conn.execute(
        select(t.data).where(
            t.window_months == window, t.period == period, t.dim == dim, t.value == value
        )
    ).scalar()
    if data is None:
        return EMPTY
    a = _unpack(data)
    columns = (a[n].astype(np.int64) for n in ("site", "issue", "reported", "found"))
    return Pairs(str(a["build"][0]), *columns)


# -- load time -------------------------------------------------------------------------


def build(conn: Connection, years: Iterable[str] | None = None) -> None:
    """Refill `audit_arrays` from `audit_reports` and `audit_case_reports`.

    With `years` (an update changed only pairs of audits in those years), only those
    years' slices and the all-years slices are summed again, keeping the build token,
    when the audited worksites, their attributes and the code lists are as they were:
    the numbering the slices index by then holds for the slices kept. Otherwise every
    slice is summed again under a new token.
    """
    sites = _site_list(conn)
    if years is not None:
        old = read_sites(conn, with_ids=True)
        if old.build and _refresh(conn, old, sites, sorted(set(years))):
            return
    conn.execute(delete(schema.audit_arrays))
    build = np.array([secrets.token_hex(8)], dtype=str)
    _write_sites(conn, sites, build)
    _rows, ids, _countries, _industries, issues = sites
    number = {wid: i for i, wid in enumerate(ids)}
    issue_number = {code: i for i, code in enumerate(issues)}
    for dim in ("", *SLICE_DIMS):
        slices = _sums(conn, dim, number, issue_number)
        _insert(conn, dim, slices, build)


def _write_sites(conn: Connection, sites: tuple, build: np.ndarray) -> None:
    site_rows, ids, countries, industries, issues = sites
    conn.execute(
        insert(schema.audit_arrays),
        [
            {
                "window_months": 0,
                "period": ALL_YEARS,
                "dim": _SITES,
                "value": "",
                "data": _pack(
                    country=np.array([countries.index(row[1]) for row in site_rows], np.int16),
                    industry=np.array([industries.index(row[2]) for row in site_rows], np.int16),
                    keys=np.array([int(row[3]) for row in site_rows], np.int64),
                    countries=np.array(countries, dtype=str),
                    industries=np.array(industries, dtype=str),
                    issues=np.array(issues, dtype=str),
                    build=build,
                ),
            },
            {
                "window_months": 0,
                "period": ALL_YEARS,
                "dim": _IDS,
                "value": "",
                "data": _pack(ids=np.array(ids, dtype=str), build=build),
            },
        ],
    )


def _insert(conn: Connection, dim: str, slices: dict, build: np.ndarray) -> None:
    if not slices:
        return
    conn.execute(
        insert(schema.audit_arrays),
        [
            {
                "window_months": window,
                "period": period,
                "dim": dim,
                "value": value,
                "data": _pack(**arrays, build=build),
            }
            for (window, period, value), arrays in slices.items()
        ],
    )


def _site_list(conn: Connection) -> tuple:
    """(rows, ids, countries, industries, issues) of the audited worksites, numbered."""
    r = schema.audit_reports.c
    site_rows = conn.execute(
        select(r.worksite_id, func.max(r.country), func.max(r.industry), func.max(r.worksite_key))
        .group_by(r.worksite_id)
        .order_by(r.worksite_id)
    ).all()
    ids = [row[0] for row in site_rows]
    countries = sorted({row[1] for row in site_rows})
    industries = sorted({row[2] for row in site_rows})
    issues = sorted(conn.execute(select(r.issue).distinct()).scalars().all())
    return site_rows, ids, countries, industries, issues


def _refresh(conn: Connection, old: Sites, sites: tuple, years: list[str]) -> bool:
    """Sum the slices of `years` again, and the all-years slices from every year's; the
    other years' slices are kept, renumbered when worksites or categories were added or
    dropped (numbers follow sorted ids and codes, so a kept slice stays in order).
    False, with nothing written, when a kept slice names a worksite no longer audited."""
    t = schema.audit_arrays.c
    _rows, ids, _countries, _industries, issues = sites
    number = {wid: i for i, wid in enumerate(ids)}
    issue_number = {code: i for i, code in enumerate(issues)}
    site_map = np.array([number.get(wid, -1) for wid in old.ids], dtype=np.int64)
    issue_map = np.array([issue_number.get(code, -1) for code in old.issues], dtype=np.int64)
    renumbered = (old.ids, old.issues) != (tuple(ids), tuple(issues))
    kept_periods = [*years, ALL_YEARS]
    result: dict[str, dict] = {}
    for dim in ("", *SLICE_DIMS):
        fresh = {
            key: arrays
            for key, arrays in _sums(conn, dim, number, issue_number, years).items()
            if key[1] != ALL_YEARS
        }
        by_year = dict(fresh)
        kept = conn.execute(
            select(t.window_months, t.period, t.value, t.data).where(
                t.dim == dim, t.period.not_in(kept_periods)
            )
        )
        for window, period, value, data in kept:
            arrays = _unpack(data)
            arrays.pop("build")
            site = site_map[arrays["site"].astype(np.int64)]
            issue = issue_map[arrays["issue"].astype(np.int64)]
            if (site < 0).any() or (issue < 0).any():
                return False
            arrays = _typed(site, issue, arrays["reported"], arrays["found"])
            by_year[(window, period, value)] = arrays
            if renumbered:
                fresh[(window, period, value)] = arrays
        parts: dict[tuple, list[dict]] = defaultdict(list)
        for (window, _period, value), arrays in by_year.items():
            parts[(window, ALL_YEARS, value)].append(arrays)
        for key, pieces in parts.items():
            columns = (
                np.concatenate([p[n].astype(np.int64) for p in pieces])
                for n in ("site", "issue", "reported", "found")
            )
            fresh[key] = _typed(*_combine(*columns, len(issue_number)))
        result[dim] = fresh
    # A new token when the numbers changed: a reader holding the previous worksite row
    # must not read a renumbered slice with it.
    build = np.array([secrets.token_hex(8) if renumbered else old.build], dtype=str)
    if renumbered:
        conn.execute(delete(schema.audit_arrays))
    else:
        conn.execute(delete(schema.audit_arrays).where(t.period.in_(kept_periods)))
        conn.execute(delete(schema.audit_arrays).where(t.dim.in_([_SITES, _IDS])))
    _write_sites(conn, sites, build)
    for dim, fresh in result.items():
        _insert(conn, dim, fresh, build)
    return True


def _typed(site, issue, reported, found) -> dict[str, np.ndarray]:
    return {
        "site": site.astype(np.int32),
        "issue": issue.astype(np.int16),
        "reported": reported.astype(np.int32),
        "found": found.astype(np.int32),
    }


def _sums(
    conn: Connection, dim: str, number: dict, issue_number: dict, years: list[str] | None = None
) -> dict:
    """Per (window, period, value): the pairs per worksite and category, each year and
    all years together (a pair belongs to the year of its audit's month); with `years`,
    the pairs of those years only."""
    parts = dim.split("+") if dim else []
    source = (schema.audit_case_reports if parts else schema.audit_reports).c
    values = []
    for part in parts:
        values += [source.origin, source.destination] if part == "corridor" else [source[part]]
    year = func.substr(source.month, 1, 4).label("year")
    distinct = select(
        source.window_months,
        year,
        *values,
        source.worksite_id,
        source.issue,
        source.audit_id,
        source.found,
    ).distinct()
    if years is not None:
        distinct = distinct.where(func.substr(source.month, 1, 4).in_(years))
    distinct = distinct.subquery("pairs")
    p = distinct.c
    value_columns = [p[v.name] for v in values]
    keys = [p.window_months, p.year, *value_columns, p.worksite_id, p.issue]
    rows = conn.execute(
        select(*keys, func.count(), func.sum(p.found)).group_by(*keys).order_by(*keys)
    ).all()
    grouped: dict[tuple, list] = defaultdict(list)
    for row in rows:
        window, year_value = row[0], row[1]
        value = slice_value(parts, row[2 : 2 + len(values)])
        if value is None:
            continue
        wid, issue, reported, found = row[-4:]
        item = (number[wid], issue_number[issue], int(reported), int(found or 0))
        grouped[(int(window), str(year_value), value)].append(item)
        grouped[(int(window), ALL_YEARS, value)].append(item)
    out = {}
    for key, items in grouped.items():
        site, issue, reported, found = (np.array(col, dtype=np.int64) for col in zip(*items))
        if key[1] == ALL_YEARS:
            site, issue, reported, found = _combine(site, issue, reported, found, len(issue_number))
        out[key] = _typed(site, issue, reported, found)
    return out


def slice_value(parts: list[str], columns) -> str | None:
    """The value naming a slice: its dimensions' values joined by "|" (None: a corridor
    from a country to itself, which no reader can choose)."""
    out, columns = [], list(columns)
    for part in parts:
        if part == "corridor":
            origin, destination = columns.pop(0), columns.pop(0)
            if origin == destination:
                return None
            out.append(f"{origin}-{destination}")
        else:
            out.append(columns.pop(0))
    return "|".join(out)


def _combine(site, issue, reported, found, n_issues: int):
    """Sum rows of the same worksite and category (the years of one slice)."""
    code = site * max(n_issues, 1) + issue
    unique, inverse = np.unique(code, return_inverse=True)
    rep = np.bincount(inverse, weights=reported).astype(np.int64)
    fnd = np.bincount(inverse, weights=found).astype(np.int64)
    return unique // max(n_issues, 1), unique % max(n_issues, 1), rep, fnd
