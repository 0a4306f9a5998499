"""How protected numbers are written for readers."""

from __future__ import annotations

from data_access import contract, taxonomy
from data_access.disclosure import NEAR_TOTAL, SAME_AS_LARGER, Published
from layouts.i18n import _, digits, format_number


def number(value: int) -> str:
    """A count in the reader's language: "1,471,284"; "14,71,284" in Nepali and Bengali,
    in the digits CLDR names for the language ("၁,၄၇၁,၂၈၄" in Burmese)."""
    return format_number(value)


def published(value: Published, k: int) -> str:
    """A protected value: thousands separators; "<K" when it is withheld for holding
    fewer than K records (or none); "withheld" when it is withheld for lying within K of
    a larger number; "≈" before the larger number a cell shows for that reason."""
    if value.reason == NEAR_TOTAL:
        return _("withheld")
    if value.suppressed:
        return "<" + number(k)
    if value.reason == SAME_AS_LARGER:
        return "≈" + number(value.value)
    return number(value.value)


def published_long(value: Published, k: int) -> str:
    """The same for screen readers and tooltips: "fewer than 10"."""
    if value.reason == NEAR_TOTAL:
        return _("withheld: within {k} of a larger published number").format(k=k)
    if value.suppressed:
        return _("fewer than {k}").format(k=k)
    if value.reason == SAME_AS_LARGER:
        return _("about {n} (shown as a larger selection's number, within {k} of it)").format(
            n=number(value.value), k=k
        )
    return number(value.value)


def published_csv(value: Published, k: int) -> str:
    """A protected value in a CSV file or an API's CSV: plain digits; "<K" when withheld
    for holding fewer than K records (or none); "withheld" when within K of a larger
    number; "≈" before a larger cell's number shown for that reason."""
    if value.reason == NEAR_TOTAL:
        return "withheld"
    if value.suppressed:
        return f"<{k}"
    if value.reason == SAME_AS_LARGER:
        return f"≈{value.value}"
    return str(value.value)


def percent_bound(bound: float, lower: bool = False) -> str:
    """A share known only by a bound: "under 5%", or "over 95%"."""
    if lower:
        return _("over {share}").format(share=percent(bound))
    return _("under {share}").format(share=percent(bound))


def percent(share: float | None) -> str:
    if share is None:
        return _("not published")
    return digits(f"{share * 100:.0f}%")


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
    return f"{names[index % 12]} {digits(str(index // 12))}"


def corridor_label(code: str) -> str:
    """A corridor as readers write it: "Nepal → Kuwait"."""
    origin, destination = code.split("-")
    return _("{origin} → {destination}").format(
        origin=_(taxonomy.COUNTRIES[origin]), destination=_(taxonomy.COUNTRIES[destination])
    )


def nationality_option(code: str) -> str:
    """A nationality as a menu offers it: with its country when the adjective does not
    start with the country's name ("Burmese (Myanmar)"), so typing the country finds it."""
    nationality, country = _(taxonomy.NATIONALITIES[code]), _(taxonomy.COUNTRIES[code])
    if nationality.casefold().startswith(country.casefold()):
        return nationality
    return _("{nationality} ({country})").format(nationality=nationality, country=country)


def period_label(period: str | None, as_of: str | None = None) -> str:
    """A period as readers write it: "2024", "2026 (to Jun)" for the year still under
    way, "all years" for none."""
    if period is None:
        return _("all years")
    if as_of and as_of[:4] == period and not as_of.endswith("-12"):
        return _("{year} (to {month})").format(
            year=digits(period), month=month_label(as_of).split()[0]
        )
    return digits(period)
