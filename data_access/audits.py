"""Audits vs worker voice: what social audits found, against what workers reported.

For each audit, the issue categories workers reported at the audited worksite within
`window` months before or after the audit month are compared with the categories the
audit found. The detection rate is |found ∩ reported| / |reported|, pooled over the
(audit, reported category) pairs of a group (docs/methodology.md, "Audits vs worker
voice").

Worksites are the contributors here, as cases are for case counts, and every published
number follows the release's rules with worksites in place of cases:

- a group of fewer than K audited worksites publishes nothing (no rate of a handful of
  workplaces); a count of found pairs below K, 0 included, is withheld, and the rate is
  then only said to be below K / reported;
- a group whose pairs differ from those of a group it nests in (the selection with one
  filter dropped, the next wider window, all years for one year; the whole selection
  for a row of a breakdown) at fewer than K worksites is withheld: no subtraction of
  two published groups isolates a few worksites, or tells that there are none;
- counts carry the noise of data_access.disclosure, keyed on the group's definition and
  its worksites' record keys;
- worksites per detection-rate bin use fixed bins (never merged to suit the data), each
  a protected count of worksites.

A worksite's record key (worksites.record_key) is derived from its id with the
deployment's secret (data_access.keys): secret like every record key, and stable across
data versions.

Requests read tables derived at load time (data_access.load.build_audit_reports): the
(audit, reported category) pairs of every audit and window, with the case dimensions that
can narrow the reports. No per-worksite or per-audit row ever leaves this module.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

from sqlalchemy import func, select

from data_access import schema
from data_access.disclosure import NEAR, SUPPRESSED, Published, share
from data_access.filters import Filters, InvalidParameter
from data_access.query import DataAccess

# Months before and after the audit. One window only: two windows nest, and the pairs
# the wider one adds at a few worksites would be a subtraction away.
WINDOWS = (12,)
DEFAULT_WINDOW = 12
# Detection-rate bins across worksites: the first holds exactly 0 (found none of the
# reported categories); the others are (low, high].
BIN_EDGES = (0.0, 0.1, 0.25, 0.5, 1.0)
# Filters that narrow the reports by a case attribute (the audit tables carry them).
CASE_FILTERS = ("nationality", "channel", "origin", "destination", "stage")


class SiteIssue(NamedTuple):
    """One audited worksite's pairs of one reported category in a selection: exact."""

    worksite_id: str
    country: str
    industry: str
    key: int  # the worksite's record key
    issue: str
    reported: int  # (audit, category) pairs compared
    found: int  # of those, pairs the audit also found


@dataclass(frozen=True)
class Rate:
    """A protected detection rate: its parts are published, the rate is their share.

    When the found pairs are withheld for being fewer than K, `below` is the upper
    bound a reader may be told: the rate is under K / reported.
    """

    reported: Published  # (audit, worker-reported category) pairs compared
    found: Published  # of those, categories the audit also found
    worksites: Published  # audited worksites that contribute
    below: float | None = None

    @property
    def rate(self) -> float | None:
        return share(self.found, self.reported)


WITHHELD = Rate(SUPPRESSED, SUPPRESSED, SUPPRESSED)
NEAR_RATE = Rate(NEAR, NEAR, NEAR)


@dataclass(frozen=True)
class Bin:
    """Worksites whose detection rate lies in (low, high] (exactly 0 for the first)."""

    low: float
    high: float
    worksites: Published

    @property
    def is_zero(self) -> bool:
        return self.high == 0.0


@dataclass(frozen=True)
class AuditGap:
    window: int
    overall: Rate
    by_issue: tuple[tuple[str, Rate], ...]
    by_industry: tuple[tuple[str, Rate], ...]
    by_country: tuple[tuple[str, Rate], ...]
    bins: tuple[Bin, ...]
    found_none: Published  # audited worksites where the audits found none of the reports
    version: int


def check_window(window: int | str) -> int:
    """The window in months, checked against the allowed list before any query."""
    try:
        months = int(window)
    except (TypeError, ValueError):
        months = None
    if months not in WINDOWS:
        raise InvalidParameter("window", window, ", ".join(str(w) for w in WINDOWS))
    return months


class _Group:
    """Exact sums of a group of (worksite, category) rows, and who contributes."""

    def __init__(self, rows: Iterable[SiteIssue] = ()) -> None:
        self.reported: dict[str, int] = defaultdict(int)  # per worksite
        self.found: dict[str, int] = defaultdict(int)
        self.keys: dict[str, int] = {}
        for row in rows:
            self.add(row)

    def add(self, row: SiteIssue) -> None:
        self.reported[row.worksite_id] += row.reported
        self.found[row.worksite_id] += row.found
        self.keys[row.worksite_id] = row.key

    def sites(self) -> int:
        return len(self.reported)

    def more_than(self, inner: _Group) -> int:
        """Worksites with pairs here that `inner` (a group nested in this one) lacks."""
        return sum(1 for w, n in self.reported.items() if n > inner.reported.get(w, 0))


class AuditGaps:
    """Protected audit-gap aggregates from one DataAccess (its engine, rules and cache)."""

    def __init__(self, data: DataAccess) -> None:
        self.data = data

    def gap(self, filters: Filters | None = None, window: int | str = DEFAULT_WINDOW) -> AuditGap:
        filters = filters or Filters()
        months = check_window(window)
        if filters.period is not None and filters.period not in self.data.periods():
            raise InvalidParameter("period", filters.period, ", ".join(self.data.periods()))
        info = self.data.version()
        text = repr((info.version, info.checksum, filters.key(), months, self.data.params))
        key = "ilm:audit:" + hashlib.sha1(text.encode()).hexdigest()
        cache = self.data.cache
        if cache is not None:
            hit = cache.get(key)
            if hit is not None:
                return hit
        result = self._protect(filters, months, info.version)
        if cache is not None:
            cache.set(key, result, timeout=self.data.cache_timeout)
        return result

    def overall_each(
        self, period: Filters, segments: Iterable[tuple[str, str]], window: int = DEFAULT_WINDOW
    ) -> dict[tuple[str, str], Rate]:
        """`gap(period + country + industry).overall` for many (country, industry)
        segments, from two reads of the pairs however many segments there are."""
        months = check_window(window)
        wanted = list(dict.fromkeys(segments))
        info = self.data.version()
        text = repr((info.version, info.checksum, period.key(), months, wanted, self.data.params))
        key = "ilm:audit-each:" + hashlib.sha1(text.encode()).hexdigest()
        cache = self.data.cache
        if cache is not None:
            hit = cache.get(key)
            if hit is not None:
                return hit
        rows = self.rows(Filters(period=period.period), months)
        all_years = self.rows(Filters(), months) if period.period else None
        out = {}
        for country, industry in wanted:
            filters = Filters(period=period.period, country=country, industry=industry)
            prefix = f"audit|w={months}|{sorted(filters.active().items())}"
            group = _Group(r for r in rows if r.country == country and r.industry == industry)
            wider = [
                [r for r in rows if r.industry == industry],
                [r for r in rows if r.country == country],
            ]
            if all_years is not None:
                wider.append(
                    [r for r in all_years if r.country == country and r.industry == industry]
                )
            near = any(self.data.protector.near(_Group(w).more_than(group)) for w in wider)
            out[(country, industry)] = self._rate(prefix, group, near)
        if cache is not None:
            cache.set(key, out, timeout=self.data.cache_timeout)
        return out

    # -- exact rows ----------------------------------------------------------------
    def rows(self, filters: Filters, window: int) -> list[SiteIssue]:
        """The selection's pairs per worksite and reported category (exact; internal)."""
        narrowing = {
            name: getattr(filters, name)
            for name in CASE_FILTERS
            if getattr(filters, name) is not None
        }
        table = schema.audit_case_reports if narrowing else schema.audit_reports
        if not narrowing and filters.period is None:
            return self._site_rows(filters, window)
        t = table.c
        pairs = select(
            t.worksite_id, t.country, t.industry, t.worksite_key, t.issue, t.audit_id, t.found
        ).where(*_worksite_conditions(t, filters, window))
        if filters.period is not None:
            pairs = pairs.where(
                t.month >= f"{filters.period}-01", t.month <= f"{filters.period}-12"
            )
        for name, value in narrowing.items():
            pairs = pairs.where(t[name] == value)
        p = (pairs.distinct() if narrowing else pairs).subquery("pairs").c
        query = select(
            p.worksite_id,
            func.max(p.country),
            func.max(p.industry),
            func.max(p.worksite_key),
            p.issue,
            func.count(),
            func.sum(p.found),
        ).group_by(p.worksite_id, p.issue)
        with self.data.engine.connect() as conn:
            return [_site_issue(row) for row in conn.execute(query).all()]

    def _site_rows(self, filters: Filters, window: int) -> list[SiteIssue]:
        t = schema.audit_site_issues.c
        query = select(
            t.worksite_id, t.country, t.industry, t.worksite_key, t.issue, t.reported, t.found
        ).where(*_worksite_conditions(t, filters, window))
        with self.data.engine.connect() as conn:
            return [_site_issue(row) for row in conn.execute(query).all()]

    # -- protection ----------------------------------------------------------------
    def _protect(self, filters: Filters, window: int, version: int) -> AuditGap:
        rows = self.rows(filters, window)
        # The selections this one nests in, one condition relaxed each.
        wider = [self.rows(f, w) for f, w in _relaxed(filters, window)]
        prefix = f"audit|w={window}|{sorted(filters.active().items())}"
        overall = _Group(rows)
        overall_near = any(
            self.data.protector.near(_Group(other).more_than(overall)) for other in wider
        )
        overall_rate = self._rate(prefix, overall, overall_near)

        def breakdown(attr: str) -> tuple[tuple[str, Rate], ...]:
            # One pass over each row set splits it by the attribute's value, so the cost
            # does not grow with the number of values.
            groups = _split(rows, attr)
            around = [_split(other, attr) for other in wider]
            out = []
            for value in sorted(groups):
                group = groups[value]
                near = any(
                    self.data.protector.near(split.get(value, _Group()).more_than(group))
                    for split in around
                )
                # Within the selection, a row nests in the selection's whole: the rest of
                # its worksites' pairs must come from at least K worksites too.
                near = near or self.data.protector.near(overall.more_than(group))
                out.append((value, self._rate(f"{prefix}|{attr}={value}", group, near)))
            return tuple(out)

        per_site = {}
        for w in overall.reported:
            per_site[w] = overall.found[w] / overall.reported[w]
        bins = []
        for index in range(len(BIN_EDGES)):
            members = [w for w, r in per_site.items() if bin_of(r) == index]
            count = self._count(
                f"{prefix}|bin={index}", len(members), sum(overall.keys[w] for w in members)
            )
            if not count.suppressed and self.data.protector.near(overall.sites() - len(members)):
                count = NEAR
            low = BIN_EDGES[index - 1] if index else 0.0
            bins.append(Bin(low, BIN_EDGES[index], count))
        return AuditGap(
            window,
            overall_rate,
            breakdown("issue"),
            breakdown("industry"),
            breakdown("country"),
            tuple(bins),
            bins[0].worksites,
            version,
        )

    def _count(self, definition: str, n: int, key_sum: int, contributors: int | None = None):
        return self.data.protector.count(definition, n, key_sum, contributors)

    def _rate(self, definition: str, group: _Group, near: bool) -> Rate:
        """The protected rate of a group; `near`: it is within K worksites of a group it
        nests in. Too few worksites is said first, so that an empty group and a group of
        a few read the same whatever lies around them."""
        sites = group.sites()
        site_keys = sum(group.keys.values())
        n_sites = self._count(definition + "|sites", sites, site_keys)
        if n_sites.suppressed:
            # Fewer than K worksites: a rate would describe a handful of workplaces.
            return WITHHELD
        if near:
            return NEAR_RATE
        reported = sum(group.reported.values())
        found = sum(group.found.values())
        found_sites = sum(1 for n in group.found.values() if n)
        published_reported = self._count(
            definition + "|reported",
            reported,
            sum(group.keys[w] * n for w, n in group.reported.items()),
            sites,
        )
        published_found = self._count(
            definition + "|found",
            found,
            sum(group.keys[w] * n for w, n in group.found.items()),
            found_sites,
        )
        below = None
        if published_found.suppressed and not published_reported.suppressed:
            below = min(1.0, self.data.params.k / published_reported.value)
        return Rate(published_reported, published_found, n_sites, below)


def _split(rows: Iterable[SiteIssue], attr: str) -> dict[str, _Group]:
    """The rows' groups by the value of one attribute (issue, industry or country)."""
    groups: dict[str, _Group] = defaultdict(_Group)
    for row in rows:
        groups[getattr(row, attr)].add(row)
    return groups


def _site_issue(row) -> SiteIssue:
    wid, country, industry, key, issue, reported, found = row
    return SiteIssue(wid, country, industry, int(key), issue, int(reported), int(found or 0))


def _relaxed(filters: Filters, window: int) -> list[tuple[Filters, int]]:
    """The selections one condition wider: each filter dropped, all years for one year,
    the next wider window, if any (a pair reported within 6 months is within 12)."""
    out = []
    for name in filters.active():
        if name == "origin":
            # A corridor's reports are at worksites in its destination: dropping its
            # origin leaves the worksite country.
            corridorless = filters.without("origin", "destination")
            out.append((corridorless, window))
            out.append((replace(corridorless, country=filters.destination), window))
        elif name != "destination":
            out.append((filters.without(name), window))
    wider = [w for w in WINDOWS if w > window]
    if wider:
        out.append((filters, wider[0]))
    return out


def _worksite_conditions(t, filters: Filters, window: int) -> list:
    """The window, and the filters every derived audit table carries: the worksite's
    country and industry, and the reported category."""
    where = [t.window_months == window]
    if filters.country:
        where.append(t.country == filters.country)
    if filters.industry:
        where.append(t.industry == filters.industry)
    if filters.issue is not None:
        where.append(t.issue == filters.issue)
    return where


def bin_of(rate: float) -> int:
    """The index of the detection-rate bin a worksite's rate falls in."""
    if rate == 0:
        return 0
    for i in range(1, len(BIN_EDGES)):
        if rate <= BIN_EDGES[i]:
            return i
    return len(BIN_EDGES) - 1
