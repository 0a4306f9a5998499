"""How protected numbers are written for readers."""

from __future__ import annotations

from data_access import contract
from data_access.disclosure import Published
from layouts.i18n import _


def number(value: int) -> str:
    return f"{value:,}"


def published(value: Published, k: int) -> str:
    """A protected value: thousands separators, or "<K" when it is withheld (never 0)."""
    if value.suppressed:
        return f"<{k}"
    return number(value.value)


def published_long(value: Published, k: int) -> str:
    """The same for screen readers and tooltips: "fewer than 10"."""
    if value.suppressed:
        return _("fewer than {k}").format(k=k)
    return number(value.value)


def percent(share: float | None) -> str:
    if share is None:
        return _("not published")
    return f"{share * 100:.0f}%"


def month_label(month: str) -> str:
    """A month as readers write it: "Mar 2024"."""
    names = (
        _("Jan"),
        _("Feb"),
        _("Mar"),
        _("Apr"),
        _("May"),
        _("Jun"),
        _("Jul"),
        _("Aug"),
        _("Sep"),
        _("Oct"),
        _("Nov"),
        _("Dec"),
    )
    index = contract.month_index(month)
    return f"{names[index % 12]} {index // 12}"
