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

Requests read slices summed at load time (data_access.audit_arrays): per window, period
and case-filter value, the pairs per worksite and reported category, as arrays; the
comparisons of a selection with the selections around it are array operations. No
per-worksite or per-audit row ever leaves this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from data_access import audit_arrays as aa
from data_access.disclosure import NEAR, SUPPRESSED, Published, share
from data_access.filters import Filters, InvalidParameter
from data_access.query import DataAccess, Unavailable

# Months before and after the audit. One window only: two windows nest, and the pairs
# the wider one adds at a few worksites would be a subtraction away.
WINDOWS = (12,)
DEFAULT_WINDOW = 12
# Detection-rate bins across worksites: the first holds exactly 0 (found none of the
# reported categories); the others are (low, high].
BIN_EDGES = (0.0, 0.1, 0.25, 0.5, 1.0)


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


class _Stats(NamedTuple):
    """Exact sums of one group of (worksite, category) pairs."""

    sites: int  # worksites with pairs in the group
    site_keys: int  # the sum of their record keys
    reported: int
    reported_keys: int  # each worksite's key times its pairs reported, summed
    found: int
    found_keys: int
    found_sites: int  # worksites with at least one pair found


class _Split:
    """A selection's pairs split by the value of one attribute, as dense matrices.

    Row v of `reported` (and `found`) holds, per worksite, the pairs whose attribute takes
    the v-th value: every per-group number, and every comparison of two selections
    worksite by worksite, is then a few array operations, however many worksites.
    """

    def __init__(self, sites: aa.Sites, pairs: aa.Pairs, attr: str | None) -> None:
        values, labels = _values(sites, pairs, attr)
        width = len(sites)
        cells = len(labels) * width
        index = values * width + pairs.site
        self.labels = labels
        self.reported = _dense(index, pairs.reported, cells, len(labels), width)
        self.found = _dense(index, pairs.found, cells, len(labels), width)
        self.keys = sites.keys

    def stats(self, v: int) -> _Stats:
        reported, found, keys = self.reported[v], self.found[v], self.keys
        present = reported > 0
        return _Stats(
            int(present.sum()),
            int(keys[present].sum()),
            int(reported.sum()),
            int(reported @ keys),
            int(found.sum()),
            int(found @ keys),
            int((found > 0).sum()),
        )

    def present(self) -> list[int]:
        """The values with any pairs, in code order."""
        rows = np.flatnonzero(self.reported.any(axis=1))
        return sorted(rows.tolist(), key=lambda v: self.labels[v])

    def more_than(self, v: int, inner: _Split, w: int) -> int:
        """Worksites with pairs in value v here that value w of `inner` (nested) lacks."""
        return int((self.reported[v] > inner.reported[w]).sum())


def _values(sites: aa.Sites, pairs: aa.Pairs, attr: str | None) -> tuple[np.ndarray, tuple]:
    if attr is None:
        return np.zeros(len(pairs), dtype=np.int64), ("",)
    if attr == "issue":
        return pairs.issue, sites.issues
    per_site = {"country": sites.country, "industry": sites.industry}[attr]
    labels = {"country": sites.countries, "industry": sites.industries}[attr]
    return per_site[pairs.site], labels


def _dense(index, weights, cells: int, rows: int, width: int) -> np.ndarray:
    counts = np.bincount(index, weights=weights, minlength=cells) if cells else np.zeros(0)
    return counts.astype(np.int64).reshape(rows, width)


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
        result = self._consistent(lambda sites: self._protect(sites, filters, months, info.version))
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
        out = self._consistent(lambda sites: self._each(sites, period, wanted, months))
        if cache is not None:
            cache.set(key, out, timeout=self.data.cache_timeout)
        return out

    def _each(self, sites: aa.Sites, period: Filters, wanted: list, months: int) -> dict:
        # Per worksite, its pairs in the period (and in all years, which the period
        # nests in): a worksite has one country and one industry, so a segment's
        # comparisons with the selections around it are masks over worksites.
        here = _Split(sites, self._pairs(sites, Filters(period=period.period), months), None)
        years = None
        if period.period:
            years = _Split(sites, self._pairs(sites, Filters(), months), None)
        country_of = {c: i for i, c in enumerate(sites.countries)}
        industry_of = {c: i for i, c in enumerate(sites.industries)}
        out = {}
        for country, industry in wanted:
            filters = Filters(period=period.period, country=country, industry=industry)
            prefix = f"audit|w={months}|{sorted(filters.active().items())}"
            in_country = sites.country == country_of.get(country, -1)
            in_industry = sites.industry == industry_of.get(industry, -1)
            segment = in_country & in_industry
            group = here.reported[0] * segment
            wider = [here.reported[0] * in_industry, here.reported[0] * in_country]
            if years is not None:
                wider.append(years.reported[0] * segment)
            near = any(self.data.protector.near(int((w > group).sum())) for w in wider)
            stats = _Stats(
                int((group > 0).sum()),
                int(sites.keys[group > 0].sum()),
                int(group.sum()),
                int(group @ sites.keys),
                int((here.found[0] * segment).sum()),
                int((here.found[0] * segment) @ sites.keys),
                int(((here.found[0] * segment) > 0).sum()),
            )
            out[(country, industry)] = self._rate(prefix, stats, near)
        return out

    # -- exact pairs ---------------------------------------------------------------
    def _consistent(self, compute):
        """`compute(sites)` over slices of one build: if an import replaced the tables
        between two reads, the process's copies are dropped and everything read again."""
        for _attempt in range(2):
            try:
                return compute(self._sites())
            except aa.Mixed:
                self.data._forget_kept()
        raise Unavailable("the audit tables are being replaced")

    def _sites(self) -> aa.Sites:
        return self.data._kept(("audit-sites",), lambda: self._read(aa.read_sites))

    def _read(self, reader, *args):
        with self.data._db.connect() as conn:
            return reader(conn, *args)

    def _pairs(self, sites: aa.Sites, filters: Filters, window: int) -> aa.Pairs:
        """The selection's pairs per worksite and category, as arrays indexing `sites`
        (exact; internal): the slice of its case filters summed at load time, narrowed to
        its worksites."""
        if filters.stage == "recruitment":
            # Recruitment-stage cases have no worksite (the data contract): no pairs.
            return aa.EMPTY
        values = {
            "nationality": filters.nationality,
            "channel": filters.channel,
            "corridor": filters.corridor,
        }
        parts = [dim for dim in aa.CASE_DIMS if values[dim] is not None]
        dim, value = "+".join(parts), "|".join(values[d] for d in parts)
        period = filters.period or aa.ALL_YEARS
        pairs = self.data._kept(
            ("audit-slice", window, period, dim, value),
            lambda: self._read(aa.read_slice, window, period, dim, value),
        )
        return _narrow(sites, pairs.check(sites), filters)

    # -- protection ----------------------------------------------------------------
    def _protect(self, sites: aa.Sites, filters: Filters, window: int, version: int) -> AuditGap:
        pairs = self._pairs(sites, filters, window)
        # The selections this one nests in, one condition relaxed each.
        wider = [self._pairs(sites, f, w) for f, w in _relaxed(filters, window)]
        prefix = f"audit|w={window}|{sorted(filters.active().items())}"
        near = self.data.protector.near
        overall = _Split(sites, pairs, None)
        around = [_Split(sites, other, None) for other in wider]
        overall_near = any(near(split.more_than(0, overall, 0)) for split in around)
        overall_rate = self._rate(prefix, overall.stats(0), overall_near)

        def breakdown(attr: str) -> tuple[tuple[str, Rate], ...]:
            split = _Split(sites, pairs, attr)
            outer = [_Split(sites, other, attr) for other in wider]
            out = []
            for v in split.present():
                close = any(near(other.more_than(v, split, v)) for other in outer)
                # Within the selection, a row nests in the selection's whole: the rest of
                # its worksites' pairs must come from at least K worksites too.
                close = close or near(int((overall.reported[0] > split.reported[v]).sum()))
                value = split.labels[v]
                out.append((value, self._rate(f"{prefix}|{attr}={value}", split.stats(v), close)))
            return tuple(out)

        reported, found = overall.reported[0], overall.found[0]
        present = reported > 0
        rate = np.divide(found, reported, out=np.zeros(len(reported)), where=present)
        which = bins_of(rate)
        n_sites = int(present.sum())
        bins = []
        for index in range(len(BIN_EDGES)):
            members = present & (which == index)
            n = int(members.sum())
            count = self._count(f"{prefix}|bin={index}", n, int(sites.keys[members].sum()))
            if not count.suppressed and near(n_sites - n):
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

    def _rate(self, definition: str, group: _Stats, near: bool) -> Rate:
        """The protected rate of a group; `near`: it is within K worksites of a group it
        nests in. Too few worksites is said first, so that an empty group and a group of
        a few read the same whatever lies around them."""
        n_sites = self._count(definition + "|sites", group.sites, group.site_keys)
        if n_sites.suppressed:
            # Fewer than K worksites: a rate would describe a handful of workplaces.
            return WITHHELD
        if near:
            return NEAR_RATE
        published_reported = self._count(
            definition + "|reported", group.reported, group.reported_keys, group.sites
        )
        published_found = self._count(
            definition + "|found", group.found, group.found_keys, group.found_sites
        )
        below = None
        if published_found.suppressed and not published_reported.suppressed:
            below = min(1.0, self.data.params.k / published_reported.value)
        return Rate(published_reported, published_found, n_sites, below)


def _narrow(sites: aa.Sites, pairs: aa.Pairs, filters: Filters) -> aa.Pairs:
    """The pairs at worksites of the selection's country and industry, of its issue."""
    mask = np.ones(len(pairs), dtype=bool)
    for name, codes, per_site in (
        ("country", sites.countries, sites.country),
        ("industry", sites.industries, sites.industry),
    ):
        value = getattr(filters, name)
        if value is not None:
            code = codes.index(value) if value in codes else -1
            mask &= per_site[pairs.site] == code
    if filters.issue is not None:
        code = sites.issues.index(filters.issue) if filters.issue in sites.issues else -1
        mask &= pairs.issue == code
    return pairs if mask.all() else pairs.where(mask)


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


def bins_of(rates: np.ndarray) -> np.ndarray:
    """The index of the detection-rate bin each worksite's rate falls in: 0 for exactly
    0, else the first bin (low, high] that holds it."""
    which = np.where(rates == 0, 0, np.searchsorted(BIN_EDGES[1:], rates, side="left") + 1)
    return np.minimum(which, len(BIN_EDGES) - 1)


def bin_of(rate: float) -> int:
    """The bin of one rate (bins_of, for one worksite)."""
    return int(bins_of(np.array([rate], dtype=float))[0])
