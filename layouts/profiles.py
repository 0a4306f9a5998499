"""Profile pages' words and small charts, as plain values a template writes out.

The pages are server-rendered HTML (readable without JavaScript, shareable with a title
and description), so their charts are small inline SVGs drawn here, each with a text
alternative and the table it is drawn from.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_access.disclosure import Published
from layouts import colours
from layouts import format as fmt
from layouts.i18n import N_, _

KIND_LABELS = {
    "country": N_("Country of work"),
    "nationality": N_("Nationality"),
    "industry": N_("Industry"),
    "corridor": N_("Migration corridor"),
}


def kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind])


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str  # as written on the bar
    withheld: bool


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]
    description: str  # the text alternative: what it shows and its largest value
    colour: str = colours.BLUE
    no_data: str = colours.NO_DATA


def year_bars(trend: tuple[tuple[str, Published], ...], k: int, as_of: str) -> BarChart:
    """Cases by year as columns; a withheld year is a short grey stub marked "<K"."""
    width, height, top, bottom = 320, 150, 18, 22
    span = height - top - bottom
    peak = max((p.value for _y, p in trend if not p.suppressed), default=0) or 1
    slot = width / max(len(trend), 1)
    bars = []
    for i, (year, p) in enumerate(trend):
        h = 3.0 if p.suppressed else max(1.0, span * p.value / peak)
        bars.append(
            Bar(
                x=i * slot + slot * 0.15,
                y=top + span - h,
                width=slot * 0.7,
                height=h,
                label=fmt.period_label(year, as_of),
                value=fmt.published(p, k),
                withheld=p.suppressed,
            )
        )
    published = [(y, p) for y, p in trend if not p.suppressed]
    if published:
        year, most = max(published, key=lambda item: item[1].value)
        description = _("Cases by year; the most in {year}: {n}.").format(
            year=fmt.period_label(year, as_of), n=fmt.published_long(most, k)
        )
    else:
        description = _("Cases by year: every year is withheld.")
    return BarChart(width, height, top + span, tuple(bars), description)


def headline_sentence(name: str, cases: Published, k: int, first_year: str) -> str:
    return _("Since {year}, workers reported {n} cases concerning {subject}.").format(
        year=first_year, n=fmt.published_long(cases, k), subject=name
    )


def withheld_sentence(name: str, k: int) -> str:
    return _(
        "Too few cases concern {subject} to publish a profile: fewer than {k} in all years, "
        "or too few to protect the workers who reported them. Nothing else is shown, so "
        "that this page reads the same whether there are none or a few."
    ).format(subject=name, k=k)


def share_text(value: float | None) -> str:
    return _("not published") if value is None else fmt.percent(value)


def description(name: str, cases: Published, k: int, published: bool) -> str:
    """The page's meta description: what a shared link's preview says."""
    if not published:
        return _("Profile of {subject} on the ILM Community Dashboard.").format(subject=name)
    return _(
        "{n} cases reported by migrant workers concerning {subject}: top issues, trend, "
        "remediation. ILM Community Dashboard."
    ).format(n=fmt.published_long(cases, k), subject=name)
