"""The allow-list of every callback input: what a browser may send for each component
property that a server callback reads.

The browser only ever sends what the server's layout and callbacks put there (codes from
the taxonomies, the years the data covers, click counts, a footprint the server checked),
so anything else is a forged request. `refusal` names the first value outside the list;
the app's guard (dashboard.guard) answers such a request 400 before any callback runs,
so a forged value never reaches a query, a cache key or a figure, and never costs a
traceback in the log. tests/test_fuzz_callbacks.py checks that every input of every
server callback has a rule here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from callbacks import footprint
from callbacks.charts import filters_from_store
from callbacks.urlstate import OPTIONS, PARAMS, field_values
from data_access import taxonomy
from data_access.filters import Filters, InvalidParameter
from layouts import ids

# A click count larger than this is not a person's.
MAX_CLICKS = 2**31
# A code, a year, a weight typed into a field.
MAX_TEXT = 64
# A file's name as browsers report it.
MAX_FILENAME = 255
# A URL's path and query string: a 20-row footprint link is about 1,000 characters.
MAX_PATH = 2048
MAX_SEARCH = 8192
# An uploaded file as a data URL (base64 is a third larger than the file), with room for
# a file somewhat over the limit to reach parse_file and get its message.
MAX_UPLOAD = 2 * footprint.MAX_BYTES * 4 // 3
# Items of a pattern-matching input (chips, option controls, table rows, footprint rows).
MAX_ITEMS = 200
# Points of a chart click: a click on a mark sends one, a box selection more.
MAX_POINTS = 100


class Refused(ValueError):
    """A callback input outside the allow-list; the message names it for the client."""


# The years the data covers, asked only of the inputs that name one.
Periods = Callable[[], tuple[str, ...]]
Check = Callable[[object, Periods], None]


def _refuse(what: str) -> None:
    raise Refused(what)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _clicks(value, _periods) -> None:
    if value is not None and not (_is_int(value) and 0 <= value <= MAX_CLICKS):
        _refuse("a click count is a whole number from 0")


def _text(limit: int) -> Check:
    def check(value, _periods) -> None:
        if value is not None and not (isinstance(value, str) and len(value) <= limit):
            _refuse(f"text of at most {limit} characters")

    return check


def _code(codes) -> Check:
    def check(value, _periods) -> None:
        if value is not None and not (isinstance(value, str) and value in codes):
            _refuse("one of the menu's codes")

    return check


def _filter_value(name: str, value, periods: Periods) -> None:
    if value is None or value == "":
        return
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        _refuse(f"a code for {name}")
    if name == "period":
        # Any other year would only make new cache entries for empty answers.
        if value != "all" and value not in periods():
            _refuse("a year the data covers")
        return
    try:
        Filters(**field_values(name, value))
    except InvalidParameter:
        _refuse(f"a code for {name}")


def _filter_control(name: str) -> Check:
    def check(value, periods) -> None:
        _filter_value(name, value, periods)

    return check


def _filters(value, periods) -> None:
    """The filter store: what sync_state wrote, a valid selection of known codes."""
    if value is None:
        return
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        _refuse("the filters as the server wrote them")
    try:
        filters = filters_from_store(value)
    except (InvalidParameter, TypeError):
        _refuse("the filters as the server wrote them")
    if filters.period is not None and filters.period not in periods():
        _refuse("a year the data covers")


def _options(value, _periods) -> None:
    """The view-option store: known options with allowed values, nothing else. These go
    into cache keys, so an unknown one would make a new entry per forged request."""
    if value is None:
        return
    if not isinstance(value, dict):
        _refuse("the view options as the server wrote them")
    for name, option in value.items():
        if name not in OPTIONS or not isinstance(option, str):
            _refuse("the view options as the server wrote them")
        if option not in ("", OPTIONS[name].default) and not OPTIONS[name].valid(option):
            _refuse(f"an allowed value of {name}")


def _patch(value, periods) -> None:
    """A filter patch: {filter parameter: code or None}, from a click or a chip."""
    if value is None:
        return
    if not isinstance(value, dict) or len(value) > len(PARAMS):
        _refuse("a filter patch")
    for name, code in value.items():
        if name not in PARAMS:
            _refuse("a filter patch")
        _filter_value(name, code, periods)


def _click(value, _periods) -> None:
    """A chart click: plotly's point descriptions; only customdata is read, as text."""
    if value is None:
        return
    if not isinstance(value, dict):
        _refuse("a chart click")
    points = value.get("points")
    if not isinstance(points, list) or len(points) > MAX_POINTS:
        _refuse("a chart click")
    for point in points:
        if not isinstance(point, dict):
            _refuse("a chart click")
        custom = point.get("customdata")
        if isinstance(custom, list):
            custom = custom[0] if custom else None
        if custom is not None and not (
            isinstance(custom, str | int | float) and len(str(custom)) <= MAX_SEARCH
        ):
            _refuse("a chart click")


def _footprint(value, _periods) -> None:
    """The footprint store's shape; from_store checks its codes and the segment cap."""
    if value is None:
        return
    if not isinstance(value, dict) or value.get("source") not in ("ui", "upload"):
        _refuse("a footprint as the server wrote it")
    rows = value.get("rows")
    if not isinstance(rows, list) or len(rows) > footprint.MAX_SEGMENTS:
        _refuse(f"a footprint of at most {footprint.MAX_SEGMENTS} rows")
    if len(footprint.from_store(value)[0].rows) != len(rows):
        _refuse("a footprint as the server wrote it")


def _nationalities(value, _periods) -> None:
    if value is None:
        return
    if not isinstance(value, list) or len(value) > len(taxonomy.NATIONALITIES):
        _refuse("nationalities from the menu")
    if any(not isinstance(n, str) or n not in taxonomy.NATIONALITIES for n in value):
        _refuse("nationalities from the menu")


def _weight(value, _periods) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        _refuse("a number")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            _refuse("a number")
        return
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        _refuse("a number")


def _upload(value, _periods) -> None:
    if value is None:
        return
    if not isinstance(value, str) or len(value) > MAX_UPLOAD or not value.startswith("data:"):
        _refuse("a file as the browser reads it (a data URL)")


def _option_value(item_id: dict, value) -> None:
    if value is None or value == "":
        return
    option = OPTIONS[item_id["name"]]
    if not isinstance(value, str) or not (value == option.default or option.valid(value)):
        _refuse(f"an allowed value of {item_id['name']}")


# Server callbacks' inputs by (component id, property). Chart clicks are keyed by
# property alone: every chart's graph sends the same kind of click.
RULES: dict[tuple[str, str], Check] = {
    (ids.URL, "pathname"): _text(MAX_PATH),
    (ids.URL, "search"): _text(MAX_SEARCH),
    (ids.URL, "href"): _text(MAX_PATH + MAX_SEARCH),
    (ids.FILTERS, "data"): _filters,
    (ids.OPTIONS, "data"): _options,
    (ids.FILTER_PATCH, "data"): _patch,
    (ids.RESET, "n_clicks"): _clicks,
    (ids.EX_ADD, "n_clicks"): _clicks,
    (ids.EX_CLEAR, "n_clicks"): _clicks,
    (ids.EX_DOWNLOAD, "n_clicks"): _clicks,
    (ids.EX_FOOTPRINT, "data"): _footprint,
    (ids.EX_COUNTRY, "value"): _code(taxonomy.COUNTRIES),
    (ids.EX_INDUSTRY, "value"): _code(taxonomy.INDUSTRIES),
    (ids.EX_NATIONALITIES, "value"): _nationalities,
    (ids.EX_WEIGHT, "value"): _weight,
    (ids.EX_UPLOAD, "contents"): _upload,
    (ids.EX_UPLOAD, "filename"): _text(MAX_FILENAME),
    **{(control, "value"): _filter_control(name) for name, control in ids.FILTER_CONTROLS.items()},
}
CLICKS = "clickData"


def _item_id(kind: str, item_id: dict) -> None:
    """A pattern-matching input's concrete id: one the layout could have drawn."""
    if kind == ids.OPTION:
        ok = set(item_id) == {"type", "name"} and item_id["name"] in OPTIONS
    elif kind == ids.CHIP:
        ok = set(item_id) == {"type", "param"} and item_id["param"] in PARAMS
    elif kind == ids.EX_REMOVE:
        index = item_id.get("index")
        ok = set(item_id) == {"type", "index"} and _is_int(index)
        ok = ok and 0 <= index < footprint.MAX_SEGMENTS
    else:
        ok = False
    if not ok:
        _refuse(f"an id of a {kind} control")


# Pattern-matching inputs by (id type, property): each item's id and value.
PATTERN_RULES: dict[tuple[str, str], Callable[[dict, object], None]] = {
    (ids.OPTION, "value"): _option_value,
    (ids.OPTION, "id"): lambda item_id, value: None if value == item_id else _refuse("its id"),
    (ids.CHIP, "n_clicks"): lambda item_id, value: _clicks(value, tuple),
    (ids.EX_REMOVE, "n_clicks"): lambda item_id, value: _clicks(value, tuple),
}


def has_rule(component_id: str | dict, prop: str) -> bool:
    if isinstance(component_id, dict):
        return (component_id.get("type"), prop) in PATTERN_RULES
    return prop == CLICKS or (component_id, prop) in RULES


def refusal(component_id: str | dict, prop: str, value, periods: Periods) -> str | None:
    """Why this input is refused (the allowed kind of value), or None when it is allowed."""
    try:
        if isinstance(component_id, dict):
            kind = component_id.get("type")
            if (kind, prop) not in PATTERN_RULES:
                _refuse("an input of this callback")
            _item_id(kind, component_id)
            PATTERN_RULES[kind, prop](component_id, value)
        elif prop == CLICKS:
            _click(value, periods)
        elif (component_id, prop) in RULES:
            RULES[component_id, prop](value, periods)
        else:
            _refuse("an input of this callback")
    except Refused as refused:
        return str(refused)
    return None
