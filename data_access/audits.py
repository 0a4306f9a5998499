"""Audits vs worker voice: what social audits found, against what workers reported.

For each audit, the issue categories workers reported at the audited worksite within
`window` months before or after the audit month are compared with the categories the
audit found. The detection rate is |found ∩ reported| / |reported|, pooled over the
(audit, reported category) pairs of a group (docs/methodology.md, "Audits vs worker
voice").

Worksites are the contributors here, as cases are for case counts: every published
count goes through the same Protector (minimum count K, minimum contributing worksites
C, cell-key perturbation). A worksite's record key (worksites.record_key) is derived from
its id with the deployment's secret (data_access.keys): secret like every record key, and
stable across data versions. No per-worksite or per-audit row ever leaves this module.

Requests read tables derived at load time (data_access.load.build_audit_reports): the
(audit, reported category) pairs of every audit and window, with the case dimensions that
can narrow the reports, and each worksite's record key. `comparisons` computes the same
pairs from the raw rows; it is the exact reference the tests hold the tables to.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import case, func, select

from data_access import contract, schema
from data_access.disclosure import SUPPRESSED, Published, share
from data_access.filters import Filters, InvalidParameter
from data_access.query import DataAccess

WINDOWS = (6, 12, 24)  # months before and after the audit; a short list resists differencing
DEFAULT_WINDOW = 12
# Detection-rate bins across worksites: the first holds exactly 0 (found none of the
# reported categories); the others are (low, high]. Thin bins are merged (see `_merge`).
BIN_EDGES = (0.0, 0.1, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class Comparison:
    """One audit against worker reports around it: exact, never published as such."""

    audit_id: str
    worksite_id: str
    country: str
    industry: str
    month: str
    reported: frozenset[str]
    found: frozenset[str]  # every category the audit found (compared with `reported`)

    @property
    def hits(self) -> frozenset[str]:
        return self.reported & self.found


class Site(NamedTuple):
    """One audited worksite's (audit, reported category) pairs of a selection, exact."""

    worksite_id: str
    country: str
    industry: str
    key: int  # the worksite's record key
    reported: int  # pairs compared
    found: int  # of those, categories the audit also found


class Pool(NamedTuple):
    """Exact totals of a group of worksites' pairs, with the sums the Protector needs."""

    reported: int
    reported_keys: int  # sum over worksites of key x reported
    sites: int
    site_keys: int
    found: int
    found_keys: int  # sum over worksites of key x found
    found_sites: int  # worksites with at least one found pair


def pool(sites: Iterable[Site]) -> Pool:
    reported = reported_keys = n_sites = site_keys = found = found_keys = found_sites = 0
    for site in sites:
        reported += site.reported
        reported_keys += site.key * site.reported
        n_sites += 1
        site_keys += site.key
        found += site.found
        found_keys += site.key * site.found
        found_sites += site.found > 0
    return Pool(reported, reported_keys, n_sites, site_keys, found, found_keys, found_sites)


@dataclass(frozen=True)
class Rate:
    """A protected detection rate: its parts are published, the rate is their share."""

    reported: Published  # (audit, worker-reported category) pairs compared
    found: Published  # of those, categories the audit also found
    worksites: Published  # audited worksites that contribute

    @property
    def rate(self) -> float | None:
        return share(self.found, self.reported)


@dataclass(frozen=True)
class Bin:
    """Worksites whose detection rate lies in [low, high] (low excluded unless 0)."""

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


class AuditGaps:
    """Protected audit-gap aggregates from one DataAccess (its engine, rules and cache)."""

    def __init__(self, data: DataAccess) -> None:
        self.data = data

    def gap(self, filters: Filters | None = None, window: int | str = DEFAULT_WINDOW) -> AuditGap:
        filters = filters or Filters()
        months = check_window(window)
        info = self.data.version()
        text = repr((info.version, info.checksum, filters.key(), months, self.data.params))
        key = "ilm:audit:" + hashlib.sha1(text.encode()).hexdigest()
        cache = self.data.cache
        if cache is not None:
            hit = cache.get(key)
            if hit is not None:
                return hit
        sites, issues = self.pooled(filters, months)
        result = self._protect(sites, issues, months, info.version)
        if cache is not None:
            cache.set(key, result, timeout=self.data.cache_timeout)
        return result

    # -- exact totals -----------------------------------------------------------------
    def pooled(self, filters: Filters, window: int) -> tuple[list[Site], dict[str, Pool]]:
        """The selection's pairs by worksite, and pooled by reported category."""
        window = check_window(window)
        narrowing = {
            name: getattr(filters, name)
            for name in schema.AUDIT_CASE_DIMS
            if getattr(filters, name) is not None
        }
        if narrowing or filters.start or filters.end:
            by_site, by_issue = _pair_queries(filters, window, narrowing)
        else:
            by_site, by_issue = _site_queries(filters, window)
        with self.data.engine.connect() as conn:
            sites = [
                Site(wid, country, industry, int(key), int(reported), int(found))
                # .all() fetches in one call: row-by-row iteration costs more than the scan.
                for wid, country, industry, key, reported, found in conn.execute(by_site).all()
            ]
            issues = {
                issue: Pool(*(int(v) for v in sums))
                for issue, *sums in conn.execute(by_issue).all()
            }
        return sites, issues

    # -- the exact reference ---------------------------------------------------------
    def comparisons(self, filters: Filters, window: int) -> list[Comparison]:
        """Every audit with worker reports in its window, from the raw rows (for tests)."""
        window = check_window(window)
        a, w, c = schema.audits.c, schema.worksites.c, schema.cases.c
        ci, af = schema.case_issues.c, schema.audit_findings.c
        audit_query = select(a.audit_id, a.worksite_id, a.month, w.country, w.industry).join(
            schema.worksites, w.worksite_id == a.worksite_id
        )
        if filters.start:
            audit_query = audit_query.where(a.month >= filters.start)
        if filters.end:
            audit_query = audit_query.where(a.month <= filters.end)
        if filters.country:
            audit_query = audit_query.where(w.country == filters.country)
        if filters.industry:
            audit_query = audit_query.where(w.industry == filters.industry)
        audited = audit_query.subquery()
        report_query = (
            select(c.worksite_id, c.month_received, ci.issue)
            .join(schema.case_issues, ci.case_id == c.case_id)
            .where(c.worksite_id.in_(select(audited.c.worksite_id)))
        )
        for name in ("nationality", "channel", "origin", "destination", "stage"):
            value = getattr(filters, name)
            if value is not None:
                report_query = report_query.where(c[name] == value)
        if filters.issue is not None:
            report_query = report_query.where(ci.issue == filters.issue)
        with self.data.engine.connect() as conn:
            audits = conn.execute(audit_query).all()
            found: dict[str, set[str]] = defaultdict(set)
            findings = select(af.audit_id, af.issue).where(
                af.audit_id.in_(select(audited.c.audit_id))
            )
            for audit_id, issue in conn.execute(findings):
                found[audit_id].add(issue)
            reports: dict[str, list[tuple[int, str]]] = defaultdict(list)
            for worksite_id, month, issue in conn.execute(report_query):
                reports[worksite_id].append((contract.month_index(month), issue))
        out = []
        for audit_id, worksite_id, month, country, industry in audits:
            at = contract.month_index(month)
            near = {i for m, i in reports.get(worksite_id, ()) if abs(m - at) <= window}
            if not near:
                continue  # nothing to compare the audit with
            out.append(
                Comparison(
                    audit_id,
                    worksite_id,
                    country,
                    industry,
                    month,
                    frozenset(near),
                    frozenset(found.get(audit_id, ())),
                )
            )
        return out

    def exact_pooled(self, filters: Filters, window: int) -> tuple[list[Site], dict[str, Pool]]:
        """What `pooled` reads from the derived tables, from the raw rows (for tests)."""
        comparisons = self.comparisons(filters, window)
        keys = self._worksite_keys({cmp.worksite_id for cmp in comparisons})

        def counts() -> dict[tuple, list[int]]:
            return defaultdict(lambda: [0, 0])

        per_site = counts()
        per_issue: dict[str, dict[tuple, list[int]]] = defaultdict(counts)
        for cmp in comparisons:
            site = (cmp.worksite_id, cmp.country, cmp.industry, keys[cmp.worksite_id])
            per_site[site][0] += len(cmp.reported)
            per_site[site][1] += len(cmp.hits)
            for issue in cmp.reported:
                per_issue[issue][site][0] += 1
                per_issue[issue][site][1] += issue in cmp.found
        sites = [Site(*site, reported, found) for site, (reported, found) in per_site.items()]
        issues = {
            issue: pool(Site(*site, r, f) for site, (r, f) in by_site.items())
            for issue, by_site in per_issue.items()
        }
        return sites, issues

    def _worksite_keys(self, worksite_ids: set[str]) -> dict[str, int]:
        """Each worksite's record key."""
        if not worksite_ids:
            return {}
        w = schema.worksites.c
        query = select(w.worksite_id, w.record_key).where(w.worksite_id.in_(sorted(worksite_ids)))
        with self.data.engine.connect() as conn:
            return {wid: int(key) for wid, key in conn.execute(query)}

    # -- protection ----------------------------------------------------------------
    def _protect(
        self, sites: list[Site], issues: dict[str, Pool], window: int, version: int
    ) -> AuditGap:
        protector = self.data.protector

        def rate(group: Pool) -> Rate:
            n_sites = protector.count(group.sites, group.site_keys, group.sites)
            if n_sites.suppressed:
                # Fewer than K worksites: a rate would describe a handful of workplaces.
                return Rate(SUPPRESSED, SUPPRESSED, SUPPRESSED)
            return Rate(
                protector.count(group.reported, group.reported_keys, group.sites),
                protector.count(group.found, group.found_keys, group.found_sites),
                n_sites,
            )

        by_industry: dict[str, list[Site]] = defaultdict(list)
        by_country: dict[str, list[Site]] = defaultdict(list)
        for site in sites:
            by_industry[site.industry].append(site)
            by_country[site.country].append(site)
        keys = {site.worksite_id: site.key for site in sites}
        rates = {site.worksite_id: site.found / site.reported for site in sites}
        zero = [wid for wid, r in rates.items() if r == 0]
        bins = [
            Bin(low, high, protector.count(len(members), sum(keys[m] for m in members)))
            for low, high, members in _merge(_binned(rates), protector.k)
        ]
        return AuditGap(
            window,
            rate(pool(sites)),
            tuple((k, rate(v)) for k, v in sorted(issues.items())),
            tuple((k, rate(pool(v))) for k, v in sorted(by_industry.items())),
            tuple((k, rate(pool(v))) for k, v in sorted(by_country.items())),
            tuple(bins),
            protector.count(len(zero), sum(keys[wid] for wid in zero)),
            version,
        )


def _pair_queries(filters: Filters, window: int, narrowing: dict):
    """By worksite and by category, from the (audit, category) pairs: any selection."""
    # Without a case filter every report counts: the rows of distinct (audit, category)
    # pairs answer; otherwise the rows per case dimensions, made distinct again.
    table = schema.audit_case_reports if narrowing else schema.audit_reports
    t = table.c
    pairs = select(
        t.worksite_id, t.country, t.industry, t.worksite_key, t.issue, t.audit_id, t.found
    ).where(*_worksite_conditions(t, filters, window))
    if filters.start:
        pairs = pairs.where(t.month >= filters.start)
    if filters.end:
        pairs = pairs.where(t.month <= filters.end)
    for name, value in narrowing.items():
        pairs = pairs.where(t[name] == value)
    p = (pairs.distinct() if narrowing else pairs).subquery("pairs").c
    # A worksite has one country, industry and key: max() reads them, and grouping by
    # the worksite alone follows the table's key order, so SQLite needs no sort.
    site = (func.max(p.country), func.max(p.industry), func.max(p.worksite_key))
    by_site = select(p.worksite_id, *site, func.count(), func.sum(p.found)).group_by(p.worksite_id)
    # By category, each worksite's pairs first, then the group's sums, all in SQL: a
    # few rows come back instead of one per worksite and category.
    per = (
        select(
            p.issue,
            func.max(p.worksite_key).label("worksite_key"),
            func.count().label("reported"),
            func.sum(p.found).label("found"),
        )
        .group_by(p.worksite_id, p.issue)
        .subquery("per_site")
    ).c
    return by_site, _by_issue(per)


def _site_queries(filters: Filters, window: int):
    """The same two answers from the per-worksite sums, for a selection that narrows only
    the worksites and the category (no period, no case dimension)."""
    t = schema.audit_site_issues.c
    where = _worksite_conditions(t, filters, window)
    site = (func.max(t.country), func.max(t.industry), func.max(t.worksite_key))
    by_site = (
        select(t.worksite_id, *site, func.sum(t.reported), func.sum(t.found))
        .where(*where)
        .group_by(t.worksite_id)
    )
    per = select(t.issue, t.worksite_key, t.reported, t.found).where(*where).subquery("per")
    return by_site, _by_issue(per.c)


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


def _by_issue(per):
    """Per category, the sums the protection needs, from rows of one worksite and category."""
    return select(
        per.issue,
        func.sum(per.reported),
        func.sum(per.worksite_key * per.reported),
        func.count(),
        func.sum(per.worksite_key),
        func.sum(per.found),
        func.sum(per.worksite_key * per.found),
        func.sum(case((per.found > 0, 1), else_=0)),
    ).group_by(per.issue)


def bin_of(rate: float) -> int:
    """The index of the detection-rate bin a worksite's rate falls in."""
    if rate == 0:
        return 0
    for i in range(1, len(BIN_EDGES)):
        if rate <= BIN_EDGES[i]:
            return i
    return len(BIN_EDGES) - 1


def _binned(rates: dict[str, float]) -> list[tuple[float, float, list[str]]]:
    bins: list[tuple[float, float, list[str]]] = [(0.0, 0.0, [])]
    bins += [(BIN_EDGES[i - 1], BIN_EDGES[i], []) for i in range(1, len(BIN_EDGES))]
    for wid, rate in sorted(rates.items()):
        bins[bin_of(rate)][2].append(wid)
    return bins


def _merge(bins: list[tuple[float, float, list[str]]], k: int) -> list:
    """Merge neighbouring bins until each holds at least K worksites.

    A thin bin joins the next; a thin last bin joins the one before. Empty bins stay
    out, so a merged bin's range is written from the bins it holds.
    """
    merged: list[tuple[float, float, list[str]]] = []
    low, high, members = None, None, []
    for b_low, b_high, b_members in bins:
        if not b_members:
            continue
        low = b_low if low is None else low
        high, members = b_high, members + b_members
        if len(members) >= k:
            merged.append((low, high, members))
            low, high, members = None, None, []
    if members:
        if merged:
            m_low, _high, m_members = merged.pop()
            merged.append((m_low, high, m_members + members))
        else:
            merged.append((low, high, members))
    return merged
