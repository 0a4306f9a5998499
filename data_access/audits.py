"""Audits vs worker voice: what social audits found, against what workers reported.

For each audit, the issue categories workers reported at the audited worksite within
`window` months before or after the audit month are compared with the categories the
audit found. The detection rate is |found ∩ reported| / |reported|, pooled over the
(audit, reported category) pairs of a group (docs/methodology.md, "Audits vs worker
voice").

Worksites are the contributors here, as cases are for case counts: every published
count goes through the same Protector (minimum count K, minimum contributing worksites
C, cell-key perturbation). A worksite's record key is the record key of its first case
(the smallest case id): secret like every record key, and stable across data versions
because case keys are. No per-worksite or per-audit row ever leaves this module.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, select

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
        result = self._protect(self.comparisons(filters, months), months, info.version)
        if cache is not None:
            cache.set(key, result, timeout=self.data.cache_timeout)
        return result

    # -- exact comparisons ---------------------------------------------------------
    def comparisons(self, filters: Filters, window: int) -> list[Comparison]:
        """Every audit with worker reports in its window, exact (for _protect and tests)."""
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

    def _worksite_keys(self, worksite_ids: set[str]) -> dict[str, int]:
        """Each worksite's record key: the key of its case with the smallest id."""
        if not worksite_ids:
            return {}
        c = schema.cases.c
        first = (
            select(c.worksite_id, func.min(c.case_id).label("case_id"))
            .where(c.worksite_id.in_(sorted(worksite_ids)))
            .group_by(c.worksite_id)
            .subquery()
        )
        query = select(first.c.worksite_id, c.record_key).join(
            schema.cases, and_(c.case_id == first.c.case_id)
        )
        with self.data.engine.connect() as conn:
            return {wid: int(key) for wid, key in conn.execute(query)}

    # -- protection ----------------------------------------------------------------
    def _protect(self, comparisons: list[Comparison], window: int, version: int) -> AuditGap:
        keys = self._worksite_keys({cmp.worksite_id for cmp in comparisons})
        protector = self.data.protector

        def rate(parts: list[tuple[str, int, int]]) -> Rate:
            """Protect pooled (worksite, reported, hits) parts of one group."""
            reported = sum(r for _, r, _h in parts)
            hits = sum(h for _, _r, h in parts)
            sites = {wid for wid, _r, _h in parts}
            hit_sites = {wid for wid, _r, h in parts if h}
            n_sites = protector.count(len(sites), sum(keys[wid] for wid in sites), len(sites))
            if n_sites.suppressed:
                # Fewer than K worksites: a rate would describe a handful of workplaces.
                return Rate(SUPPRESSED, SUPPRESSED, SUPPRESSED)
            return Rate(
                protector.count(reported, sum(keys[wid] * r for wid, r, _h in parts), len(sites)),
                protector.count(hits, sum(keys[wid] * h for wid, _r, h in parts), len(hit_sites)),
                n_sites,
            )

        parts = [(cmp.worksite_id, len(cmp.reported), len(cmp.hits)) for cmp in comparisons]
        by_issue: dict[str, list] = defaultdict(list)
        by_industry: dict[str, list] = defaultdict(list)
        by_country: dict[str, list] = defaultdict(list)
        per_site: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for cmp, part in zip(comparisons, parts):
            for issue in cmp.reported:
                by_issue[issue].append((cmp.worksite_id, 1, int(issue in cmp.found)))
            by_industry[cmp.industry].append(part)
            by_country[cmp.country].append(part)
            per_site[cmp.worksite_id][0] += part[1]
            per_site[cmp.worksite_id][1] += part[2]
        rates = {wid: hits / reported for wid, (reported, hits) in per_site.items()}
        zero = [wid for wid, r in rates.items() if r == 0]
        bins = [
            Bin(low, high, protector.count(len(members), sum(keys[m] for m in members)))
            for low, high, members in _merge(_binned(rates), protector.k)
        ]
        return AuditGap(
            window,
            rate(parts),
            tuple((k, rate(v)) for k, v in sorted(by_issue.items())),
            tuple((k, rate(v)) for k, v in sorted(by_industry.items())),
            tuple((k, rate(v)) for k, v in sorted(by_country.items())),
            tuple(bins),
            protector.count(len(zero), sum(keys[wid] for wid in zero)),
            version,
        )


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
