"""What every view says about protected numbers: thin series, withheld selections and
tables the release refuses, in the same words on every chart."""

from __future__ import annotations

from data_access.disclosure import NEAR_TOTAL, Published
from data_access.filters import Filters
from data_access.query import DataAccess, Result
from layouts.format import month_label
from layouts.i18n import _
from layouts.selection import filter_items

# A series is shown by quarter (or year) when too many of its months are withheld.
THIN_SHARE = 0.25
GRAINS = ("month", "quarter", "year")


def time_label(grain: str, key: str) -> str:
    return month_label(key) if grain == "month" else key


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
