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


def describe(filters: Filters, as_of: str | None = None, not_applied: tuple[str, ...] = ()) -> str:
    """The active filters in one sentence, for citations, downloads and screen readers;
    for a chart, only those it applies (`not_applied` are said by scope_note)."""
    items = [(p, label) for p, label in filter_items(filters, as_of) if p not in not_applied]
    if not items and without(filters, not_applied) != filters:
        # What it does not apply is said next to this (scope_note).
        return _("Showing everything.")
    if not items:
        return _("Showing everything: no filters are set.")
    return _("Showing: {filters}.").format(filters="; ".join(label for _p, label in items))


def without(filters: Filters, names: tuple[str, ...]) -> Filters:
    """`filters` less the named ones (URL names: "corridor" clears both its ends)."""
    fields_ = [f for n in names for f in (("origin", "destination") if n == "corridor" else (n,))]
    return filters.without(*fields_) if fields_ else filters


def scope_note(
    filters: Filters, not_applied: tuple[str, ...], highlighted: tuple[str, ...] = ()
) -> str:
    """What a chart says of the active filters it does not apply: "All corridors shown;
    Nepal → Kuwait highlighted.", "Not applied to this chart: Malaysia." Empty when it
    applies every active filter."""
    items = [(p, label) for p, label in filter_items(filters) if p in not_applied]
    notes = []
    for param, label in items:
        if param in highlighted:
            notes.append(
                _("All {what} shown; {value} highlighted.").format(what=_all_of(param), value=label)
            )
    plain = [label for p, label in items if p not in highlighted]
    if plain:
        notes.append(_("Not applied to this chart: {filters}.").format(filters="; ".join(plain)))
    return " ".join(notes)


def _all_of(param: str) -> str:
    return {
        "corridor": _("corridors"),
        "issue": _("issue categories"),
        "country": _("countries"),
        "nationality": _("nationalities"),
        "industry": _("industries"),
        "channel": _("channels"),
        "period": _("years"),
    }[param]
