"""What every view says about protected numbers: thin series, withheld selections and
tables the release refuses, in the same words on every chart."""

from __future__ import annotations

from dataclasses import dataclass

from data_access.disclosure import NEAR_TOTAL, Published
from data_access.filters import Filters
from data_access.query import DataAccess, Result
from layouts.format import month_label
from layouts.i18n import _
from layouts.selection import filter_items

# A series is shown by quarter (or year) when too many of its months are withheld.
THIN_SHARE = 0.25
GRAINS = ("month", "quarter", "year")


def partial_to(grain: str, key: str, as_of: str | None) -> str | None:
    """The last month of data ("Nov") when `key` is a quarter or year the data stops
    partway through, else None. The as-of month itself counts as a whole month."""
    if not as_of or grain == "month":
        return None
    month = int(as_of[5:7])
    if grain == "quarter" and key == f"{as_of[:4]}-Q{(month - 1) // 3 + 1}" and month % 3:
        return month_label(as_of).split()[0]
    if grain == "year" and key == as_of[:4] and month != 12:
        return month_label(as_of).split()[0]
    return None


def time_label(grain: str, key: str, as_of: str | None = None) -> str:
    """A period for readers; a period still under way says so: "2024-Q4 (to Nov)"."""
    label = month_label(key) if grain == "month" else key
    to = partial_to(grain, key, as_of)
    return _("{period} (to {month})").format(period=label, month=to) if to else label


@dataclass(frozen=True)
class Timeline:
    """The periods of a series as drawn: labels, and whether the last is under way."""

    labels: list[str]
    partial: bool  # the last period holds fewer months than the others
    note: str  # what the chart says about it, or ""
    axis_title: str  # "Month", "Quarter" or "Year"

    def complete(self, periods: list) -> list:
        """`periods` less a last one still under way: what trends may compare."""
        return periods[:-1] if self.partial else list(periods)


def timeline(data: DataAccess, grain: str, periods: list[str]) -> Timeline:
    as_of = data.version().as_of
    labels = [time_label(grain, p, as_of) for p in periods]
    title = {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}[grain]
    to = partial_to(grain, periods[-1], as_of) if periods else None
    if not to:
        return Timeline(labels, False, "", title)
    note = _(
        "{period} holds data only to {month}: drawn faded and hatched, it is not "
        "comparable with the full periods before it."
    ).format(period=labels[-1], month=month_label(as_of))
    return Timeline(labels, True, note, title)


def is_thin(result: Result) -> bool:
    """Refused, or more than THIN_SHARE of its cells withheld."""
    if result.refused:
        return True
    cells = [p for _, p in result.rows]
    withheld = sum(1 for p in cells if p.suppressed)
    return bool(cells) and withheld / len(cells) > THIN_SHARE


def series(
    data: DataAccess, measure: str, filters: Filters, by: tuple = (), **kwargs
) -> tuple[str, Result]:
    """The finest time grain at which the series is mostly publishable."""
    for grain in GRAINS:
        result = data.aggregate(measure, (grain, *by), filters, **kwargs)
        if not is_thin(result) or grain == GRAINS[-1]:
            return grain, result
    raise AssertionError("unreachable")


def grain_note(grain: str) -> str:
    if grain == "month":
        return ""
    if grain == "quarter":
        return _("Shown by quarter: too few cases per month to publish monthly numbers.")
    return _("Shown by year: too few cases per quarter to publish quarterly numbers.")


def withheld_note(value: Published, k: int, what: str | None = None) -> str:
    """Why a selection's numbers are withheld, the same for an empty selection and a
    selection of a few cases."""
    if value.reason == NEAR_TOTAL:
        return _(
            "This selection holds almost the same cases as a wider one, so its numbers "
            "are withheld: publishing both would reveal the few cases that differ. Remove "
            "a filter to see the wider selection."
        )
    return _(
        "Fewer than {k} {what}, or none, match this selection: numbers are withheld to "
        "protect the workers who reported."
    ).format(k=k, what=what or _("cases"))


def selection_state(data: DataAccess, filters: Filters, measure: str = "cases") -> str | None:
    """Why a selection shows no numbers of `measure`, or None when it has some."""
    total = data.total(measure, filters)
    if total.suppressed:
        return withheld_note(total, data.params.k)
    return None


def refused_note(filters: Filters) -> str:
    """What to say in place of a table the release refuses as too sparse, and the way
    back: which filters to drop."""
    names = [label for param, label in filter_items(filters) if param != "period"]
    if filters.period:
        names.append(_("the year"))
    if names:
        return _(
            "Too fine to publish: most of this chart's numbers would be withheld. Remove "
            "one of the filters ({names}) to see it."
        ).format(names="; ".join(names))
    return _("Too fine to publish: most of this chart's numbers would be withheld.")
