"""The active filters in words: chips, citations, downloads and screen readers."""

from __future__ import annotations

from data_access import taxonomy
from data_access.filters import Filters
from layouts.format import month_label
from layouts.i18n import _


def filter_items(filters: Filters) -> list[tuple[str, str]]:
    """The active filters in words, as (URL parameter, label); the period is one item."""
    items = []
    if filters.start or filters.end:
        start = month_label(filters.start) if filters.start else _("the first month")
        end = month_label(filters.end) if filters.end else _("the latest month")
        items.append(("period", _("{start} to {end}").format(start=start, end=end)))
    named = (
        ("country", taxonomy.COUNTRIES),
        ("nationality", taxonomy.NATIONALITIES),
        ("industry", taxonomy.INDUSTRIES),
        ("channel", taxonomy.CHANNELS),
    )
    for name, names in named:
        value = getattr(filters, name)
        if value:
            items.append((name, _(names[value])))
    if filters.origin:
        items.append(
            (
                "corridor",
                _("{origin} → {destination}").format(
                    origin=_(taxonomy.COUNTRIES[filters.origin]),
                    destination=_(taxonomy.COUNTRIES[filters.destination]),
                ),
            )
        )
    if filters.issue:
        items.append(("issue", _(taxonomy.ISSUES[filters.issue].name)))
    return items


def describe(filters: Filters) -> str:
    """The active filters in one sentence, for citations, downloads and screen readers."""
    items = filter_items(filters)
    if not items:
        return _("Showing everything: no filters are set.")
    return _("Showing: {filters}.").format(filters="; ".join(label for _p, label in items))
