"""Profiles: one page per country of work, nationality, industry and corridor.

A reader who arrives with one subject (a journalist writing about Nepali workers in
Kuwait, a brand's analyst with one sourcing country) gets its headline numbers, trend,
top issues against the whole network, remediation, audit detection where it applies and
the subjects that feed it, on one page. Every number is a protected answer of the release
(DataAccess, the subject as one fine filter): a profile asks nothing a reader could not
ask the dashboard or the API.

This module parses the subject from the URL, checks it against the code lists (or the
published corridor list) and asks the questions; dashboard/profiles.py renders the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from data_access import taxonomy
from data_access.audits import DEFAULT_WINDOW, AuditGaps, Rate
from data_access.disclosure import SUPPRESSED, Published, share
from data_access.filters import Filters
from data_access.query import DataAccess, VersionInfo
from layouts import format as fmt
from layouts import ids
from layouts.i18n import _

KINDS = ids.PROFILE_KINDS
TOP_ISSUES = 8
TOP_FEEDS = 6
# What feeds each kind of subject: the breakdown listed, and the profiles it links to.
FEEDS = {
    "country": "nationality",
    "nationality": "country",
    "industry": "country",
    "corridor": "industry",
}
# The dashboard view a profile's "explore" link opens, by kind.
EXPLORE = {
    "country": "/supply-chains",
    "nationality": "/",
    "industry": "/supply-chains",
    "corridor": "/recruitment",
}


@dataclass(frozen=True)
class Subject:
    kind: str
    code: str
    name: str
    filters: Filters

    @property
    def path(self) -> str:
        return profile_path(self.kind, self.code)

    @property
    def query(self) -> str:
        """The dashboard URL's query string for the same selection."""
        return f"{self.kind}={self.code}"


@dataclass(frozen=True)
class IssueRow:
    code: str
    name: str
    cases: Published
    share: float | None  # of the subject's cases
    network: float | None  # of all cases in the network


@dataclass(frozen=True)
class Feed:
    code: str
    name: str
    path: str | None  # its own profile, when it has one
    cases: Published


@dataclass(frozen=True)
class Profile:
    subject: Subject
    info: VersionInfo
    k: int
    cases: Published
    published: bool  # False: too few cases to publish anything beyond that
    workers: Published = SUPPRESSED
    remediated: Published = SUPPRESSED  # of the cases received, remediated so far
    remediated_share: float | None = None
    validated_share: float | None = None
    trend: tuple[tuple[str, Published], ...] = ()
    issues: tuple[IssueRow, ...] = ()
    audit: Rate | None = None
    feeds: tuple[Feed, ...] = ()
    feeds_by: str = ""
    years: tuple[str, ...] = field(default_factory=tuple)


def profile_path(kind: str, code: str) -> str:
    return f"/{kind}/{code}"


def profile_link(data: DataAccess, kind: str, code: str | None) -> str | None:
    """The profile a table row or column about this subject links to, or None when it has
    none (an issue theme, a route, a code outside the lists, a corridor not listed): a
    link never leads to a page that would answer 404."""
    if kind == "corridor":
        known = code in data.corridors()
    else:
        known = kind in KINDS and code in names(kind)
    return profile_path(kind, code) if known else None


def names(kind: str) -> dict[str, str]:
    """The subjects of a kind a profile may be asked for (code -> name), corridors aside."""
    return {
        "country": taxonomy.COUNTRIES,
        "nationality": taxonomy.NATIONALITIES,
        "industry": taxonomy.INDUSTRIES,
    }[kind]


def subject(data: DataAccess, kind: str, code: str) -> Subject | None:
    """The subject a URL names, or None (a 404) when no profile of it exists."""
    if kind == "corridor":
        if code not in data.corridors():
            return None
        origin, destination = code.split("-")
        return Subject(
            kind, code, fmt.corridor_label(code), Filters(origin=origin, destination=destination)
        )
    if kind not in KINDS or code not in names(kind):
        return None
    return Subject(kind, code, display_name(kind, code), Filters(**{kind: code}))


def display_name(kind: str, code: str) -> str:
    """A subject as the menus name it ("Burmese (Myanmar)" for a nationality)."""
    return fmt.nationality_option(code) if kind == "nationality" else _(names(kind)[code])


def every_subject(data: DataAccess) -> list[tuple[str, str]]:
    """(kind, code) of every profile: every code of the code lists, listed or not by
    its numbers (a list of only the publishable ones would tell which hold few cases),
    and the published corridor list."""
    out = [(kind, code) for kind in KINDS[:3] for code in sorted(names(kind))]
    return out + [("corridor", code) for code in data.corridors()]


def build(data: DataAccess, subject: Subject) -> Profile:
    """The protected profile of a subject over all years."""
    f = subject.filters
    info = data.version()
    k = data.params.k
    cases = data.total("cases", f)
    if cases.suppressed:
        return Profile(subject, info, k, cases, False, years=data.periods())
    workers, remediated, validated, closed = (
        r.single
        for r in data.measures(
            (
                "workers_affected",
                "cases_received_remediated",
                "remediations_validated",
                "cases_remediated",
            ),
            (),
            f,
        )
    )
    # A breakdown the sparsity rule refuses has no rows: the page says so in its place.
    trend = tuple((keys[0], p) for keys, p in data.aggregate("cases", ("year",), f).rows)
    return Profile(
        subject,
        info,
        k,
        cases,
        True,
        workers=workers,
        remediated=remediated,
        remediated_share=share(remediated, cases),
        validated_share=share(validated, closed),
        trend=trend,
        issues=_issues(data, f, cases),
        audit=_audit(data, subject),
        feeds=_feeds(data, subject),
        feeds_by=FEEDS[subject.kind],
        years=data.periods(),
    )


def _issues(data: DataAccess, f: Filters, cases: Published) -> tuple[IssueRow, ...]:
    here = data.aggregate("cases", ("issue",), f)
    everywhere = data.aggregate("cases", ("issue",), Filters())
    total = data.total("cases", Filters())
    network = {keys[0]: p for keys, p in everywhere.rows}
    rows = [
        IssueRow(
            code,
            _(taxonomy.ISSUES[code].name),
            p,
            share(p, cases),
            share(network.get(code, SUPPRESSED), total),
        )
        for (code,), p in here.rows
    ]
    rows.sort(key=lambda r: (r.cases.suppressed, -(r.cases.value or 0), r.code))
    return tuple(rows[:TOP_ISSUES])


def _audit(data: DataAccess, subject: Subject) -> Rate | None:
    """Audit detection, for the subjects audits are about: worksites' countries and
    industries (an audit has no nationality or corridor of its own)."""
    if subject.kind not in ("country", "industry"):
        return None
    return AuditGaps(data).gap(subject.filters, DEFAULT_WINDOW).overall


def _feeds(data: DataAccess, subject: Subject) -> tuple[Feed, ...]:
    by = FEEDS[subject.kind]
    result = data.aggregate("cases", (by,), subject.filters)
    if result.refused:
        return ()
    kind = by
    rows = []
    for (code,), p in result.rows:
        if p.suppressed:
            continue
        path = profile_path(kind, code) if kind in KINDS else None
        rows.append(Feed(code, display_name(kind, code), path, p))
    rows.sort(key=lambda r: (-(r.cases.value or 0), r.code))
    return tuple(rows[:TOP_FEEDS])
