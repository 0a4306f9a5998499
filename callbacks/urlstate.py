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
from data_access.filters import Filters, InvalidParameter
from data_access.taxonomy import COUNTRIES
from layouts.i18n import _

# URL parameter -> Filters field, in the order written back to the URL.
PARAMS = ("from", "to", "country", "nationality", "industry", "corridor", "issue", "channel")
_FIELD = {"from": "start", "to": "end"}


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
    # Audits vs Worker Voice: months before and after an audit (data_access.audits.WINDOWS).
    "window": Option("12", ("6", "12", "24")),
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
}


def default_options() -> dict[str, str]:
    return {name: option.default for name, option in OPTIONS.items()}


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


def _field_values(name: str, value: str) -> dict:
    if name == "corridor":
        origin, sep, destination = value.partition("-")
        if not sep or not origin or not destination:
            raise InvalidParameter("corridor", value, "ORIGIN-DESTINATION, e.g. NP-KW")
        return {"origin": origin, "destination": destination}
    return {_FIELD.get(name, name): value}


def parse_query(search: str | None) -> tuple[Filters, list[str]]:
    """Filters from a query string, and a notice for each parameter that was ignored."""
    notices: list[str] = []
    values: dict[str, str] = {}
    for name, value in parse_qsl((search or "").lstrip("?"), keep_blank_values=True):
        if name in OPTIONS:
            continue
        if name not in PARAMS:
            notices.append(_("Unknown parameter “{name}” was ignored.").format(name=name))
            continue
        if value == "":
            continue
        try:
            candidate = _field_values(name, value)
            Filters(**candidate)
        except InvalidParameter:
            notices.append(
                _("“{value}” is not a valid value for “{name}”; it was ignored.").format(
                    value=value, name=name
                )
            )
            continue
        values.update(candidate)
    try:
        return Filters(**values), notices
    except InvalidParameter:
        # Only a reversed period can fail here: each value was valid on its own.
        notices.append(_("The period ends before it starts; it was ignored."))
        values.pop("start", None)
        values.pop("end", None)
        return Filters(**values), notices


def to_query(filters: Filters, options: dict[str, str] | None = None) -> str:
    """The canonical query string of a view ("" when nothing differs from the defaults)."""
    pairs = []
    for name in PARAMS:
        field = _FIELD.get(name, name)
        value = filters.corridor if name == "corridor" else getattr(filters, field)
        if value:
            pairs.append((name, value))
    for name, option in OPTIONS.items():
        value = (options or {}).get(name)
        if value and value != option.default and option.valid(value):
            pairs.append((name, value))
    # ":" and "," are legal in a query and keep a footprint link readable.
    return "?" + urlencode(pairs, safe=":,") if pairs else ""


def from_controls(values: dict[str, str | None]) -> tuple[Filters, list[str]]:
    """Filters from the filter panel's control values (keyed by URL parameter)."""
    pairs = [(k, v) for k, v in values.items() if v and k in PARAMS]
    return parse_query(urlencode(pairs))


def to_controls(filters: Filters) -> dict[str, str | None]:
    return {
        "from": filters.start,
        "to": filters.end,
        "country": filters.country,
        "nationality": filters.nationality,
        "industry": filters.industry,
        "corridor": filters.corridor,
        "issue": filters.issue,
        "channel": filters.channel,
    }
