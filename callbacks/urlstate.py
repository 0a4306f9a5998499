"""The view state in the URL query string: parse it, and write it back canonically.

A copied URL must reproduce the view, so parsing and writing are exact inverses for
every valid state (tests/test_urlstate.py). Unknown or malformed parameters never
crash a page: they are dropped and named in a notice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from callbacks import footprint
from data_access import taxonomy
from data_access.contract import MONTH_RE
from data_access.filters import FINE_FILTERS, MAX_FINE_FILTERS, Filters, InvalidParameter
from data_access.taxonomy import COUNTRIES
from layouts import i18n
from layouts.i18n import _

# URL parameters of the filters, in the order written back to the URL.
PARAMS = ("period", "country", "nationality", "industry", "corridor", "issue", "channel")
# Links made before periods were whole years said `from` and `to`: a whole year still
# opens as that year; any other range is dropped with a notice.
LEGACY_PERIOD = ("from", "to")


@dataclass(frozen=True)
class Option:
    """A view option held in the URL: its default (omitted from URLs) and its rule."""

    default: str
    allowed: tuple[str, ...] = ()
    check: Callable[[str], bool] | None = None

    def valid(self, value: str) -> bool:
        if self.allowed:
            return value in self.allowed
        return self.check is not None and self.check(value)


# View options by URL parameter, written after the filters in this order. A name means
# the same in every view that uses it; views add their options here.
def _corridor_code(value: str) -> bool:
    origin, sep, destination = value.partition("-")
    return bool(sep) and origin != destination and {origin, destination} <= set(COUNTRIES)


OPTIONS: dict[str, Option] = {
    "measure": Option("cases", ("cases", "workers")),
    # Ethical Supply Chains: the issue theme drilled into ("all": the themes themselves).
    "theme": Option("all", ("all", *taxonomy.THEMES)),
    # Ethical Recruitment: the second corridor to compare, the map's stage, table order.
    "compare": Option("", check=_corridor_code),
    "map_stage": Option("all", ("all", "recruitment", "employment")),
    "corridor_sort": Option("cases", ("cases", "workers", "rate", "corridor")),
    # Remediation: the breakdown of the remediation rate.
    "rate_by": Option("country", ("country", "industry", "nationality", "theme")),
    # Supply-chain exposure: what the footprint's weights count, and a footprint built
    # with the dropdowns (callbacks.footprint.encode; an uploaded one never goes here).
    "weight": Option("sites", footprint.WEIGHT_KINDS),
    "fp": Option("", check=footprint.is_code),
    # The reader's language (dashboard.language): kept in the URL, so a copied link opens
    # in the language it was copied in.
    "lang": Option("", check=i18n.supported),
}


def default_options() -> dict[str, str]:
    return {name: option.default for name, option in OPTIONS.items()}


def view_options(stored: object) -> dict[str, str]:
    """The view options a callback builds and caches by: every known option, each the
    store's value when allowed, else its default. Whatever a request holds, the answer
    and its cache key come from this closed set of values, so forged options can neither
    reach a build nor make a new cache entry."""
    options = default_options()
    if isinstance(stored, dict):
        for name, value in stored.items():
            if name in OPTIONS and isinstance(value, str) and value and OPTIONS[name].valid(value):
                options[name] = value
    return options


def parse_options(search: str | None) -> tuple[dict[str, str], list[str]]:
    """Every view option (defaults filled in) from a query string, with notices."""
    options, notices = default_options(), []
    for name, value in parse_qsl((search or "").lstrip("?"), keep_blank_values=True):
        if name not in OPTIONS or value == "":
            continue
        if OPTIONS[name].valid(value):
            options[name] = value
        else:
            notices.append(
                _("“{value}” is not a valid value for “{name}”; it was ignored.").format(
                    value=value, name=name
                )
            )
    return options, notices


def field_values(name: str, value: str) -> dict:
    """The Filters fields a URL parameter sets (a corridor sets origin and destination)."""
    if name == "corridor":
        origin, sep, destination = value.partition("-")
        if not sep or not origin or not destination:
            raise InvalidParameter("corridor", value, "ORIGIN-DESTINATION, e.g. NP-KW")
        return {"origin": origin, "destination": destination}
    return {name: value}


def legacy_period(start: str | None, end: str | None) -> str | None:
    """The year a legacy `from`/`to` pair names, or None when it is not one whole year."""
    # MONTH_RE takes ASCII digits only: "２０２３-01" must not become the year "２０２３".
    if not (start and end and MONTH_RE.match(start) and MONTH_RE.match(end)):
        return None
    if start[:4] == end[:4] and start[4:] == "-01" and end[4:] == "-12":
        return start[:4]
    return None


def parse_query(search: str | None) -> tuple[Filters, list[str]]:
    """Filters from a query string, and a notice for each parameter that was ignored.

    A fine filter beyond the allowed number is dropped (the later ones in the URL's
    order), with a notice saying why: a link can never open a selection the release
    does not publish.
    """
    notices: list[str] = []
    values: dict[str, str] = {}
    legacy: dict[str, str] = {}
    for name, value in parse_qsl((search or "").lstrip("?"), keep_blank_values=True):
        if name in OPTIONS:
            continue
        if name in LEGACY_PERIOD:
            legacy[name] = value
            continue
        if name not in PARAMS:
            notices.append(_("Unknown parameter “{name}” was ignored.").format(name=name))
            continue
        if value == "" or (name == "period" and value == "all"):
            continue
        try:
            candidate = field_values(name, value)
            Filters(**candidate)
        except InvalidParameter:
            notices.append(
                _("“{value}” is not a valid value for “{name}”; it was ignored.").format(
                    value=value, name=name
                )
            )
            continue
        values.update(candidate)
    if legacy and "period" not in values:
        year = legacy_period(legacy.get("from"), legacy.get("to"))
        if year is not None:
            values["period"] = year
        else:
            notices.append(
                _(
                    "Periods are whole calendar years: the range {start} to {end} was "
                    "ignored. Choose a year in the Period menu."
                ).format(start=legacy.get("from") or "…", end=legacy.get("to") or "…")
            )
    return _capped(values, notices)


def _capped(values: dict[str, str], notices: list[str]) -> tuple[Filters, list[str]]:
    """Filters from field values, dropping what would break the fine-filter rules."""
    if values.get("origin") and values.get("country"):
        values.pop("country")
        notices.append(
            _("The corridor already names the country of work; the country filter was dropped.")
        )
    kept, dropped = [], []
    for name in FINE_FILTERS:
        present = values.get("origin") if name == "corridor" else values.get(name)
        if present is None:
            continue
        (kept if len(kept) < MAX_FINE_FILTERS else dropped).append(name)
    for name in dropped:
        for field in ("origin", "destination") if name == "corridor" else (name,):
            values.pop(field, None)
    if dropped:
        notices.append(fine_filter_notice())
    return Filters(**values), notices


def covered_period(filters: Filters, periods: tuple[str, ...]) -> tuple[Filters, list[str]]:
    """The filters without a year the data does not cover, and the notice saying so."""
    if not (periods and filters.period and filters.period not in periods):
        return filters, []
    notice = _("The data cover {first} to {last}: {year} was ignored.").format(
        first=periods[0], last=periods[-1], year=filters.period
    )
    return filters.without("period"), [notice]


def fine_filter_notice() -> str:
    return _(
        "At most {n} of country, nationality, industry, corridor, issue and channel can "
        "be combined: finer selections would single out the few workers in them. Remove "
        "one to add another."
    ).format(n=MAX_FINE_FILTERS)


def to_query(filters: Filters, options: dict[str, str] | None = None) -> str:
    """The canonical query string of a view ("" when nothing differs from the defaults)."""
    pairs = []
    for name in PARAMS:
        value = filters.value_of(name)
        if value:
            pairs.append((name, value))
    for name, option in OPTIONS.items():
        value = (options or {}).get(name)
        if value and value != option.default and option.valid(value):
            pairs.append((name, value))
    # ":" and "," are legal in a query and keep a footprint link readable.
    return "?" + urlencode(pairs, safe=":,") if pairs else ""


def with_language(search: str | None, code: str) -> str:
    """`search` with its language set to `code`, every other parameter kept as it is."""
    pairs = [(k, v) for k, v in parse_qsl((search or "").lstrip("?"), keep_blank_values=True)]
    pairs = [(k, v) for k, v in pairs if k != "lang"] + [("lang", code)]
    return "?" + urlencode(pairs, safe=":,")


def language_of(search: str | None) -> str:
    """The language a query string names ("" for none, or one not offered)."""
    for name, value in parse_qsl((search or "").lstrip("?")):
        if name == "lang" and i18n.supported(value):
            return value
    return ""


def from_controls(values: dict[str, str | None]) -> tuple[Filters, list[str]]:
    """Filters from the filter panel's control values (keyed by URL parameter)."""
    pairs = [(k, v) for k, v in values.items() if v and k in PARAMS]
    return parse_query(urlencode(pairs))


def to_controls(filters: Filters) -> dict[str, str | None]:
    return {
        "period": filters.period,
        "country": filters.country,
        "nationality": filters.nationality,
        "industry": filters.industry,
        "corridor": filters.corridor,
        "issue": filters.issue,
        "channel": filters.channel,
    }
