"""How protected numbers are written for readers."""

from __future__ import annotations

from dashboard.i18n import _
from data_access.disclosure import Published


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
