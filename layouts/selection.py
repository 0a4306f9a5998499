"""The active filters in words: chips, citations, downloads and screen readers."""

from __future__ import annotations

from data_access import taxonomy
from data_access.filters import Filters
from layouts.format import corridor_label, period_label
from layouts.i18n import _


def filter_items(filters: Filters, as_of: str | None = None) -> list[tuple[str, str]]:
    """The active filters in words, as (URL parameter, label); `as_of` marks a year
    still under way."""
    items = []
    if filters.period:
        items.append(("period", period_label(filters.period, as_of)))
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
        items.append(("corridor", corridor_label(filters.corridor)))
    if filters.issue:
        items.append(("issue", _(taxonomy.ISSUES[filters.issue].name)))
    return items


def describe(filters: Filters, as_of: str | None = None) -> str:
    """The active filters in one sentence, for citations, downloads and screen readers."""
    items = filter_items(filters, as_of)
    if not items:
        return _("Showing everything: no filters are set.")
    return _("Showing: {filters}.").format(filters="; ".join(label for _p, label in items))
