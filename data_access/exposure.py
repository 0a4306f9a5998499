"""Supply-chain exposure: what workers report in the segments a footprint names.

A footprint row names a segment, a worksite country and an industry, and optionally
the nationalities its workers hold. Every number here is read through the query layer
(`DataAccess.each`, which answers per row exactly what `DataAccess.aggregate` answers for
that row's country and industry, and the audit comparison through `AuditGaps`), so each is
a protected cell of the ordinary query space: one country and one industry, at most two
breakdowns. Nothing new is published. Nationalities pick which published cells of a
segment are shown (its workers by nationality, the corridors that feed it); they never
form a new cell, because the union of several nationalities would be a cell no other
view publishes, and differences between such unions could isolate a small group.

Footprint-wide figures combine published row figures only: totals are sums of the
published row values, shares and rates are means weighted by the reader's weights. A
row too thin to publish is reported as such and left out of what it cannot support.

The exposure score is explainable by design (docs/methodology.md, "Supply-chain
exposure"): a row's share of the footprint times the reports in its segment still
without remedy (cases reported − cases remediated so far), as an index where the highest
row is 100.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from data_access import taxonomy
from data_access.audits import DEFAULT_WINDOW, AuditGaps, Rate
from data_access.disclosure import SUPPRESSED, Published, Summed, share
from data_access.filters import Filters
from data_access.outcomes import median_of
from data_access.query import DataAccess

# Footprint limits, the same on every road in (menus, link, upload, the browser's store):
# a profile's work grows with its segments, so a forged footprint of every segment
# (144) tied up a worker for seconds.
MAX_SEGMENTS = 20  # rows (country and industry segments) of any footprint
MAX_ROWS = MAX_SEGMENTS  # rows of an uploaded footprint file
MAX_BYTES = 2 * 1024 * 1024  # size of an uploaded footprint file
MAX_URL_ROWS = MAX_SEGMENTS  # a footprint built with the dropdowns stays in the URL up to this
# The recruitment-stage issues the view follows along corridors: fees and debt, and
# deception (about the job, or by a substituted contract).
RECRUITMENT_ISSUES = ("recruitment_fees", "deception", "contract_substitution")
TOP_ISSUES = 5
SEGMENT_TOTALS = ("cases", "workers_affected", "cases_received_remediated", "cases_remediated")
# The breakdowns of cases shown for every segment.
SEGMENT_BREAKDOWNS = ("nationality", "quarter", "issue", "theme", "origin")
SEGMENT = ("country", "industry")  # the filters a footprint row sets
CORRIDOR = ("origin", "destination")


class FootprintRow(Protocol):
    country: str
    industry: str
    nationalities: tuple[str, ...]


@dataclass(frozen=True)
class Corridor:
    """Workers of one origin in a segment, and recruitment-stage reports on that road."""

    origin: str
    destination: str
    cases: Published  # cases in the segment from workers of this origin
    recruitment: Published  # recruitment-stage cases, origin -> destination, any industry
    issues: tuple[tuple[str, Published], ...]  # RECRUITMENT_ISSUES, recruitment stage

    @property
    def code(self) -> str:
        return f"{self.origin}-{self.destination}"


@dataclass(frozen=True)
class Segment:
    """One footprint row's published profile."""

    country: str
    industry: str
    nationalities: tuple[str, ...]
    share: float  # of the footprint, by the reader's weights (equal shares without)
    cases: Published
    workers: Published
    remediated: Published  # of the cases received in the period, remediated so far
    remediated_in_period: Published  # cases closed as remediated in the period
    median_months: int | None
    audit: Rate
    trend: dict[str, Published]
    issues: dict[str, Published]
    themes: dict[str, Published]
    by_nationality: tuple[tuple[str, Published], ...]  # the row's nationalities only
    corridors: tuple[Corridor, ...]

    @property
    def published(self) -> bool:
        """The segment has a published case count."""
        return not self.cases.suppressed

    @property
    def remediation_rate(self) -> float | None:
        return share(self.remediated, self.cases)

    @property
    def open_reports(self) -> int | None:
        """Reports in the segment still without remedy: cases − cases remediated so far.

        The same as cases × (1 − remediation rate), from the two published counts.
        """
        if not self.published or self.remediated.suppressed:
            return None
        return max(0, self.cases.value - self.remediated.value)

    def issue_share(self, code: str) -> float:
        """Share of the segment's cases reporting `code`; a withheld cell counts as 0."""
        return _cell_share(self.issues.get(code), self.cases)

    def theme_share(self, code: str) -> float:
        return _cell_share(self.themes.get(code), self.cases)


def _cell_share(cell: Published | None, total: Published) -> float:
    if cell is None or cell.suppressed or total.suppressed or not total.value:
        return 0.0
    return min(1.0, cell.value / total.value)


@dataclass(frozen=True)
class Weighted:
    """A footprint-wide mean: its value, and the share of the footprint it stands on."""

    value: float | None
    coverage: float  # share of the footprint's weight whose rows are published


@dataclass(frozen=True)
class Profile:
    segments: tuple[Segment, ...]
    network_cases: Published
    network_issues: dict[str, Published]
    network_themes: dict[str, Published]
    quarters: tuple[str, ...]
    window: int
    version: int
    scores: tuple[float | None, ...] = field(default=())

    # -- footprint-wide figures, from published row figures ---------------------
    def total(self, name: str) -> tuple[int, int]:
        """(sum of the published row values of `name`, rows withheld)."""
        values = [getattr(s, name) for s in self.segments]
        return (
            sum(v.value for v in values if not v.suppressed),
            sum(1 for v in values if v.suppressed),
        )

    def weighted(self, values: Sequence[float | None]) -> Weighted:
        """The mean of row values weighted by row shares, over rows with a value."""
        pairs = [(s.share, v) for s, v in zip(self.segments, values) if v is not None]
        weight = sum(w for w, _v in pairs)
        if not pairs or weight <= 0:
            return Weighted(None, 0.0)
        return Weighted(sum(w * v for w, v in pairs) / weight, weight)

    def remediation_rate(self) -> Weighted:
        return self.weighted([s.remediation_rate for s in self.segments])

    def median_months(self) -> Weighted:
        return self.weighted(
            [None if s.median_months is None else float(s.median_months) for s in self.segments]
        )

    def audit_rate(self) -> Weighted:
        return self.weighted([s.audit.rate for s in self.segments])

    def issue_profile(self) -> list[tuple[str, float, float | None]]:
        """(issue, footprint share, network share) for every issue, footprint share first."""
        return self._profile(taxonomy.ISSUES, Segment.issue_share, self.network_issues)

    def theme_profile(self) -> list[tuple[str, float, float | None]]:
        return self._profile(taxonomy.THEMES, Segment.theme_share, self.network_themes)

    def _profile(self, codes, share_of, network: dict[str, Published]):
        rows = [s for s in self.segments if s.published]
        weight = sum(s.share for s in rows)
        out = []
        for code in codes:
            mine = sum(s.share * share_of(s, code) for s in rows) / weight if weight else 0.0
            theirs = network.get(code)
            base = None
            if theirs is not None and not self.network_cases.suppressed:
                base = _cell_share(theirs, self.network_cases) if not theirs.suppressed else None
            out.append((code, mine, base))
        return sorted(out, key=lambda item: (-item[1], item[0]))

    def trend(self) -> list[tuple[str, Summed | None]]:
        """Cases per quarter over the footprint's segments; None where a part is withheld."""
        out = []
        for quarter in self.quarters:
            cells = [s.trend.get(quarter, SUPPRESSED) for s in self.segments if s.published]
            if any(c.suppressed for c in cells):
                out.append((quarter, None))
            else:
                out.append((quarter, Summed(sum(c.value for c in cells))))
        return out


def exposure_scores(segments: Sequence[Segment]) -> tuple[float | None, ...]:
    """Each row's score: 100 × (share × open reports) / the highest row's (share × open).

    None where a row's open reports are not published. All rows score 0 when no row has
    open reports.
    """
    raw = [None if s.open_reports is None else s.share * s.open_reports for s in segments]
    top = max((r for r in raw if r is not None), default=0.0)
    return tuple(None if r is None else (100 * r / top if top else 0.0) for r in raw)


class Exposure:
    """Protected exposure profiles from one DataAccess (its engine, rules and cache)."""

    def __init__(self, data: DataAccess) -> None:
        self.data = data
        self.audits = AuditGaps(data)

    def profile(
        self,
        rows: Sequence[FootprintRow],
        shares: Sequence[float],
        period: Filters | None = None,
        window: int = DEFAULT_WINDOW,
    ) -> Profile:
        """The profile of a footprint over the period of `period` (its other filters unused)."""
        period = Filters(period=(period or Filters()).period)
        data = self.data
        # Each question is asked once for every row (DataAccess.each): the same cells
        # (the same records, so the same cell keys) as asking row by row, in a number of
        # queries that does not grow with the footprint.
        # All of them in one `each_many`: the questions share most of the cells they nest
        # in, so together they read each shape of cells once instead of once a question.
        segments = [(row.country, row.industry) for row in rows]
        asked = [
            *((measure, ()) for measure in SEGMENT_TOTALS),
            ("cases_remediated", ("ttr",)),
            *(("cases", (name,)) for name in SEGMENT_BREAKDOWNS),
        ]
        got = dict(
            zip(
                asked,
                data.each_many((m, by, period, SEGMENT, segments) for m, by in asked),
            )
        )
        answers = {
            "totals": {measure: got[(measure, ())] for measure in SEGMENT_TOTALS},
            "ttr": (got[("cases_remediated", ())], got[("cases_remediated", ("ttr",))]),
            **{name: got[("cases", (name,))] for name in SEGMENT_BREAKDOWNS},
        }
        answers["audit"] = self.audits.overall_each(period, segments, window)
        corridors = self._corridors(rows, answers["origin"], period)
        built = tuple(
            self.segment(row, weight, period, window, answers, corridors)
            for row, weight in zip(rows, shares)
        )
        quarters = sorted({q for s in built for q in s.trend})
        issues, themes, total = data.aggregates("cases", (("issue",), ("theme",), ()), period)
        profile = Profile(
            built,
            total.single,
            _by(issues),
            _by(themes),
            tuple(quarters),
            window,
            data.version().version,
        )
        return Profile(**{**profile.__dict__, "scores": exposure_scores(built)})

    def segment(
        self,
        row: FootprintRow,
        weight: float,
        period: Filters,
        window: int,
        answers: dict,
        corridors: dict,
    ) -> Segment:
        key = (row.country, row.industry)

        def total(measure: str) -> Published:
            return answers["totals"][measure][key].single

        ttr_total, ttr_buckets = (answer[key] for answer in answers["ttr"])
        median = median_of(ttr_total, ttr_buckets)[()][1]
        nationality = _by(answers["nationality"][key])
        return Segment(
            country=row.country,
            industry=row.industry,
            nationalities=tuple(row.nationalities),
            share=weight,
            cases=total("cases"),
            workers=total("workers_affected"),
            remediated=total("cases_received_remediated"),
            remediated_in_period=total("cases_remediated"),
            median_months=median,
            audit=answers["audit"][key],
            trend=_by(answers["quarter"][key]),
            issues=_by(answers["issue"][key]),
            themes=_by(answers["theme"][key]),
            by_nationality=tuple((n, nationality.get(n, SUPPRESSED)) for n in row.nationalities),
            corridors=corridors[key],
        )

    def _corridors(
        self, rows: Sequence[FootprintRow], origins_of: dict, period: Filters
    ) -> dict[tuple[str, str], tuple[Corridor, ...]]:
        """Per row, the origins feeding its segment: its nationalities, or every origin
        abroad; with the recruitment-stage reports on each road."""
        chosen = {}
        for row in rows:
            origins = _by(origins_of[(row.country, row.industry)])
            if row.nationalities:
                picked = [o for o in row.nationalities if o != row.country]
            else:
                picked = sorted(
                    (o for o, p in origins.items() if o != row.country and not p.suppressed),
                    key=lambda o: (-(origins[o].value or 0), o),
                )
            chosen[(row.country, row.industry)] = (origins, picked)
        roads = [(o, country) for (country, _i), (_o, picked) in chosen.items() for o in picked]
        # Recruitment happens before the job: the corridor's recruitment-stage cases in
        # every industry (a cell the Ethical recruitment view publishes too).
        on_road = Filters(period=period.period, stage="recruitment")
        totals, issues = self.data.each_many(
            (
                ("cases", (), on_road, CORRIDOR, roads),
                ("cases", ("issue",), on_road, CORRIDOR, roads),
            )
        )
        on_issue = {road: _by(result) for road, result in issues.items()}
        out = {}
        for (country, industry), (origins, picked) in chosen.items():
            out[(country, industry)] = tuple(
                Corridor(
                    origin,
                    country,
                    origins.get(origin, SUPPRESSED),
                    totals[(origin, country)].single,
                    tuple(
                        (code, on_issue[(origin, country)].get(code, SUPPRESSED))
                        for code in RECRUITMENT_ISSUES
                    ),
                )
                for origin in picked
            )
        return out


def _by(result) -> dict[str, Published]:
    """A one-breakdown result as {code: Published}."""
    return {keys[0]: p for keys, p in result.rows}
