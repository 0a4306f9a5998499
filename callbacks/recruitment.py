"""Ethical Recruitment: corridors as a flow map, a Sankey, a table and a comparison.

Every number comes from DataAccess.aggregate (protected cells). The map, the Sankey and
the corridor table show every corridor, whatever the corridor filter, so another one
can be picked; the selected corridor is highlighted. Selecting a corridor anywhere
writes {"corridor": code} to the filter-patch store, which sets the filter and the URL.
"""

from __future__ import annotations

from dataclasses import replace

from dash import ClientsideFunction, Input, Output, ctx
from dash.exceptions import PreventUpdate

from callbacks import figures
from callbacks.charts import (
    Chart,
    ChartResult,
    Share,
    TableData,
    cached,
    filters_from_store,
    format_cell,
    register_chart,
)
from callbacks.profiles import profile_link, profile_path
from callbacks.protected import (
    GRAINS,
    THIN_SHARE,
    grain_note,
    is_thin,
    selection_state,
    timeline,
)
from callbacks.urlstate import OPTIONS, view_options
from data_access import taxonomy
from data_access.centroids import CENTROIDS
from data_access.disclosure import SUPPRESSED, Published, share
from data_access.filters import Filters, InvalidParameter
from data_access.query import DataAccess
from layouts import colours, ids
from layouts.i18n import _
from layouts.recruitment import (
    compare_charts_class,
    compare_themes_meta,
    compare_trend_meta,
    corridor_name,
    fees_meta,
    map_meta,
    sankey_meta,
)

MEASURES = {"cases": "cases", "workers": "workers_affected"}
FEES_ISSUES = ("recruitment_fees", "deception")
TREND_CHANGE = 0.10  # a change smaller than this reads as flat
MAX_WIDTH = 14


def country(code: str) -> str:
    return _(taxonomy.COUNTRIES[code])


def corridor_label(code: str) -> str:
    return corridor_name(code)


def _measure(options: dict) -> str:
    return MEASURES.get(options.get("measure", "cases"), "cases")


def _all_corridors(filters: Filters, options: dict) -> Filters:
    """The selection every corridor is drawn for: no corridor filter, the chosen stage."""
    stage = options.get("map_stage", "all")
    return replace(
        filters.without("origin", "destination"), stage=None if stage == "all" else stage
    )


def _corridor_cells(result) -> dict[str, Published]:
    """Cells by corridor: every corridor of the release's corridor list."""
    return {key[0]: p for key, p in result.rows}


def _stage_note(options: dict) -> str:
    stage = options.get("map_stage", "all")
    if stage == "recruitment":
        return _("Recruitment-stage cases only.")
    if stage == "employment":
        return _("Employment-stage cases only.")
    return ""


# -- flow map ---------------------------------------------------------------------------
# Where each country's name sits beside its dot: the Gulf and mainland South-East Asia
# put several dots a few degrees apart, so their names go to different sides.
LABEL_SIDE = {
    "KW": "top center",
    "SA": "middle left",
    "QA": "bottom left",
    "AE": "bottom right",
    "GR": "bottom center",
    "HR": "top center",
    "BG": "top right",
    "GB": "top center",
    "IN": "bottom left",
    "NP": "top center",
    "BD": "middle left",
    "MM": "top left",
    "LA": "middle right",
    "TH": "bottom left",
    "KH": "bottom center",
    "VN": "bottom right",
    "MY": "bottom center",
    "ID": "bottom center",
}
# A destination is named on the map when it receives at least this share of the
# largest destination's total (or is an end of the selected corridor); the rest are
# named on hover.
LABEL_SHARE = 0.15


def map_chart(data: DataAccess, filters: Filters, options: dict) -> ChartResult:
    measure = _measure(options)
    selection = _all_corridors(filters, options)
    why = selection_state(data, selection)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    cells = _corridor_cells(data.aggregate(measure, ("corridor",), selection))
    shown = {c: p for c, p in cells.items() if not p.suppressed}
    withheld = sorted(c for c, p in cells.items() if p.suppressed)
    largest = max((p.value for p in shown.values()), default=1)
    title = _("Cases") if measure == "cases" else _("Workers affected")
    traces = []
    # The selected corridor last, so it is drawn over every other arc.
    order = sorted(shown.items(), key=lambda item: (item[0] == filters.corridor, item[1].value))
    for code, p in order:
        selected = code == filters.corridor
        label = corridor_label(code)
        lon, lat = arc(code)
        width = max(1.0, MAX_WIDTH * p.value / largest)
        middle = len(lon) // 2
        amount = f"{p.value:,} {title.lower()}"
        traces.append(
            {
                "type": "scattergeo",
                "mode": "lines+markers+text" if selected else "lines+markers",
                "lon": lon,
                "lat": lat,
                "line": {
                    "width": max(width, 3.0) + 2 if selected else width,
                    "color": colours.HIGHLIGHT if selected else colours.CONTEXT,
                },
                "opacity": 1.0 if selected else 0.55,
                # One visible dot mid-arc: the target for hovering and selecting.
                "marker": {
                    "size": [
                        (12 if selected else 9) if i == middle else 0 for i in range(len(lon))
                    ],
                    "color": colours.HIGHLIGHT if selected else colours.CONTEXT,
                    "line": {"width": 1, "color": colours.BORDER},
                },
                # The selected corridor is named on the map, at its mid-arc dot.
                "text": [
                    f"<b>{label}</b>: {amount}" if selected and i == middle else ""
                    for i in range(len(lon))
                ],
                # On the outer side of the bend, clear of the arc itself.
                "textposition": "bottom center" if lon[-1] < lon[0] else "top center",
                "textfont": {"size": 13, "color": colours.HIGHLIGHT},
                "customdata": [code] * len(lon),
                "hovertemplate": f"{label}: {amount}<extra></extra>",
                "name": label,
                "showlegend": False,
                # Coordinates, not numbers: downloads and their tests skip these traces.
                "meta": "geometry",
            }
        )
    traces.append(_places(shown, filters.corridor))
    figure = {
        "data": traces,
        "layout": figures.base_layout(
            height=460,
            margin={"l": 0, "r": 0, "t": 0, "b": 0},
            geo={
                "projection": {"type": "natural earth"},
                "lonaxis": {"range": [-12, 124]},
                "lataxis": {"range": [-10, 60]},
                "showland": True,
                "landcolor": colours.LAND,
                "showcountries": True,
                "countrycolor": colours.BORDER,
                "countrywidth": 0.8,
                "showcoastlines": True,
                "coastlinecolor": colours.COASTLINE,
                "coastlinewidth": 0.5,
                "showocean": False,
                "showlakes": False,
                "showframe": False,
                "bgcolor": colours.TRANSPARENT,
            },
            clickmode="event",
            hovermode="closest",
            dragmode=False,
        ),
    }
    ranked = sorted(shown.items(), key=lambda item: (-item[1].value, item[0]))
    codes = [c for c, _p in ranked] + list(withheld)
    rows = [(corridor_label(c), p) for c, p in ranked]
    rows += [(corridor_label(c), cells[c]) for c in withheld]
    table = TableData(
        _("Corridors by {what}").format(what=title.lower()),
        (_("Corridor"), title),
        tuple(rows),
        tuple(profile_path("corridor", c) for c in codes),
    )
    notes = [_stage_note(options)]
    if withheld:
        notes.append(
            _("{n} corridors have fewer than {k} and are not drawn.").format(
                n=len(withheld), k=data.params.k
            )
        )
    notes.append(_("Line width: {what} in the corridor.").format(what=title.lower()))
    return ChartResult(figure, table, " ".join(n for n in notes if n))


def _places(shown: dict[str, Published], selected: str | None) -> dict:
    """One dot per country on a drawn corridor; named are the origins, the destinations
    that receive most, and both ends of the selected corridor."""
    received: dict[str, int] = {}
    for code, p in shown.items():
        received[code[3:]] = received.get(code[3:], 0) + p.value
    top = max(received.values(), default=0)
    origins = {code[:2] for code in shown}
    ends = set(selected.split("-")) if selected else set()
    places = sorted({part for code in shown for part in code.split("-")})

    def named(c: str) -> bool:
        return c in origins or c in ends or received.get(c, 0) >= LABEL_SHARE * top

    return {
        "type": "scattergeo",
        "mode": "markers+text",
        "lon": [CENTROIDS[c][1] for c in places],
        "lat": [CENTROIDS[c][0] for c in places],
        "text": [country(c) if named(c) else "" for c in places],
        "hovertext": [country(c) for c in places],
        "textposition": [LABEL_SIDE.get(c, "top center") for c in places],
        "textfont": {"size": 11, "color": colours.TEXT},
        "marker": {"size": 6, "color": colours.NEUTRAL},
        "hovertemplate": "%{hovertext}<extra></extra>",
        "showlegend": False,
        "meta": "geometry",
    }


def arc(code: str, steps: int = 12) -> tuple[list[float], list[float]]:
    """Longitudes and latitudes of a curved arc from origin to destination.

    The curve bends to the left of the direction of travel, so the two directions of a
    pair of countries, and corridors that share an end, stay apart.
    """
    origin, destination = code.split("-")
    (lat0, lon0), (lat1, lon1) = CENTROIDS[origin], CENTROIDS[destination]
    bend = 0.2
    ctrl_lon = (lon0 + lon1) / 2 - bend * (lat1 - lat0)
    ctrl_lat = (lat0 + lat1) / 2 + bend * (lon1 - lon0)
    lon, lat = [], []
    for i in range(steps + 1):
        t = i / steps
        lon.append(round((1 - t) ** 2 * lon0 + 2 * (1 - t) * t * ctrl_lon + t**2 * lon1, 3))
        lat.append(round((1 - t) ** 2 * lat0 + 2 * (1 - t) * t * ctrl_lat + t**2 * lat1, 3))
    return lon, lat


# -- Sankey ------------------------------------------------------------------------------
def sankey_chart(data: DataAccess, filters: Filters, options: dict) -> ChartResult:
    selection = _all_corridors(filters, options)
    why = selection_state(data, selection)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    corridors = {
        c: p
        for c, p in _corridor_cells(data.aggregate("cases", ("corridor",), selection)).items()
        if not p.suppressed
    }
    by_theme = data.aggregate("cases", ("destination", "theme"), selection)
    destinations = sorted({c[3:] for c in corridors})
    origins = sorted({c[:2] for c in corridors})
    themes = [t for t in taxonomy.THEMES]
    labels = [country(o) for o in origins] + [country(d) for d in destinations]
    labels += [_(taxonomy.THEMES[t]) for t in themes]
    o_index = {o: i for i, o in enumerate(origins)}
    d_index = {d: len(origins) + i for i, d in enumerate(destinations)}
    t_index = {t: len(origins) + len(destinations) + i for i, t in enumerate(themes)}
    source, target, value, custom, link_colours = [], [], [], [], []
    rows: list[tuple] = []
    links: list[str | None] = []
    for code, p in sorted(corridors.items()):
        source.append(o_index[code[:2]])
        target.append(d_index[code[3:]])
        value.append(p.value)
        custom.append(code)
        link_colours.append(
            colours.rgba(colours.HIGHLIGHT, 0.6)
            if code == filters.corridor
            else colours.rgba(colours.CONTEXT, 0.35)
        )
        rows.append((corridor_label(code), p))
        links.append(profile_path("corridor", code))
    theme_cells = {key: p for key, p in by_theme.rows if key[0] in d_index and p.value != 0}
    for (destination, theme), p in sorted(theme_cells.items()):
        if not p.suppressed:
            source.append(d_index[destination])
            target.append(t_index[theme])
            value.append(p.value)
            custom.append("")
            link_colours.append(colours.rgba(colours.GREEN, 0.35))
        rows.append(
            (
                _("{destination} → {theme}").format(
                    destination=country(destination), theme=_(taxonomy.THEMES[theme])
                ),
                p,
            )
        )
        # A destination's cases on one theme: no single subject, so no profile.
        links.append(None)
    if not value:
        return ChartResult(figures.empty_figure(), None, _("No corridor has enough cases to show."))
    figure = {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "node": {"label": labels, "pad": 12, "thickness": 14, "color": colours.NEUTRAL},
                "link": {
                    "source": source,
                    "target": target,
                    "value": value,
                    "customdata": custom,
                    "color": link_colours,
                    "hovertemplate": "%{source.label} → %{target.label}: %{value:,}<extra></extra>",
                },
            }
        ],
        "layout": figures.base_layout(height=520, margin={"l": 8, "r": 8, "t": 8, "b": 8}),
    }
    table = TableData(
        _("Cases by corridor and by destination and theme"),
        (_("Link"), _("Cases")),
        tuple(rows),
        tuple(links),
    )
    notes = [_stage_note(options)]
    if filters.issue:
        notes.append(_("The issue filter does not apply to themes."))
    return ChartResult(figure, table, " ".join(n for n in notes if n))


# -- corridor table ------------------------------------------------------------------------
def trend_years(data: DataAccess, filters: Filters) -> tuple[str, str] | None:
    """The two years the trend column compares: the period's year (or, for all years,
    the latest complete one) against the year before; None when there is no such pair,
    or when the period's year is still under way (part of a year against a whole one
    would read as a fall)."""
    years = data.periods()
    as_of = data.version().as_of
    complete = [y for y in years if y < as_of[:4] or as_of.endswith("-12")]
    recent = filters.period or (complete[-1] if complete else None)
    if recent is None or recent not in complete or str(int(recent) - 1) not in years:
        return None
    return recent, str(int(recent) - 1)


def trend_arrow(recent: Published | None, before: Published | None) -> str:
    """↑, ↓ or → from two published counts; – when either is withheld or missing."""
    if recent is None or before is None or recent.suppressed or before.suppressed:
        return "–"
    if not before.value:
        return "–"
    change = recent.value / before.value - 1
    if change > TREND_CHANGE:
        return "↑"
    if change < -TREND_CHANGE:
        return "↓"
    return "→"


def corridor_rows(data: DataAccess, filters: Filters, options: dict) -> TableData | None:
    """The corridor table: one row per corridor with cases received in the selection."""
    selection = _all_corridors(filters, options)
    cases_result, workers_result = data.measures(
        ("cases", "workers_affected"), ("corridor",), selection
    )
    if cases_result.refused:
        return None
    cases = _corridor_cells(cases_result)
    workers = workers_result.as_dict()
    remediated = data.aggregate("cases_received_remediated", ("corridor",), selection).as_dict()
    issues: dict[str, list[tuple[int, str]]] = {}
    by_issue = data.aggregate("cases", ("corridor", "issue"), selection.without("issue"))
    for (code, issue), p in by_issue.rows:
        if not p.suppressed:
            issues.setdefault(code, []).append((p.value, issue))
    years = trend_years(data, selection)
    recent, before = {}, {}
    if years is not None:
        recent, before = (
            data.aggregate("cases", ("corridor",), replace(selection, period=y)).as_dict()
            for y in years
        )
    rows = []
    for code, p in cases.items():
        top = sorted(issues.get(code, []), key=lambda item: (-item[0], item[1]))[:3]
        rate = share(remediated.get((code,), SUPPRESSED), p)
        rows.append(
            (
                code,
                p,
                workers.get((code,), SUPPRESSED),
                ", ".join(_(taxonomy.ISSUES[i].name) for _n, i in top),
                Share(rate),
                trend_arrow(recent.get((code,)), before.get((code,))),
            )
        )
    sort = options.get("corridor_sort", "cases")

    def order(row):
        value = {"cases": row[1].value, "workers": row[2].value, "rate": row[4].value}.get(sort)
        if sort == "corridor":
            return (0, corridor_label(row[0]))
        # Withheld values sort last, then the largest first.
        return (value is None, -(value or 0), corridor_label(row[0]))

    rows.sort(key=order)
    return TableData(
        _("Corridors"),
        (
            _("Corridor"),
            _("Cases"),
            _("Workers affected"),
            _("Top three issues"),
            _("Remediation rate"),
            _("Trend"),
        ),
        tuple(rows),
    )


def corridor_payload(table: TableData | None, k: int, selected: str | None) -> dict:
    """The corridor table as the browser renders it (`ilm.corridorTable` in
    assets/04_tables.js, drawn as one element): formatted strings only, so a warm answer
    is one small JSON document. Each row starts with the corridor's code, which its pick
    button sets as the corridor filter."""
    if table is None:
        return {"empty": _("No cases match this selection.")}
    return {
        "caption": table.caption,
        "header": list(table.header),
        "rows": [
            [code, corridor_label(code), *(format_cell(c, k) for c in cells)]
            for code, *cells in table.rows
        ],
        "selected": selected,
        "follow": _("Follow this corridor"),
        # The pick button filters the page by the corridor; beside it, a link to its
        # profile, named in full for screen readers ("Profile" alone says of what only
        # by its place in the row).
        "links": [profile_path("corridor", code) for code, *_cells in table.rows],
        "linkNames": [
            _("Profile of {name}").format(name=corridor_label(code)) for code, *_c in table.rows
        ],
        "linkText": _("Profile"),
        # The store a row's button sets (assets/09_clicks.js): a patch naming its corridor.
        "patch": ids.FILTER_PATCH,
    }


# -- fees, debt and deception ----------------------------------------------------------------
def _issue_series(data: DataAccess, filters: Filters, grain: str | None = None):
    """Cases per period for each of FEES_ISSUES, at the finest grain publishable for all."""
    grains = GRAINS if grain is None else (grain,)
    for g in grains:
        # By issue, kept to the two: the same cells as an issue filter, one filter fewer.
        result = data.aggregate(
            "cases", (g, "issue"), filters.without("issue"), within={"issue": FEES_ISSUES}
        )
        if g == grains[-1] or not is_thin(result):
            cells = result.as_dict()
            return g, [
                {(p,): v for (p, issue), v in cells.items() if issue == i} for i in FEES_ISSUES
            ]
    raise AssertionError("unreachable")


def _lines(x: list, series: list[tuple[str, list]], xaxis: str = "x", yaxis: str = "y") -> list:
    return [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": x,
            "y": y,
            "xaxis": xaxis,
            "yaxis": yaxis,
            "connectgaps": False,
            "marker": {"color": colours.series(i), "size": 5},
            "line": {"color": colours.series(i), "dash": ("solid", "dot")[i % 2]},
            "hovertemplate": "%{x}: %{y:,}<extra>" + name + "</extra>",
        }
        for i, (name, y) in enumerate(series)
    ]


def _issue_names() -> list[str]:
    return [_(taxonomy.ISSUES[i].name) for i in FEES_ISSUES]


def fees_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    why = selection_state(data, filters.without("issue"))
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    grain, cells = _issue_series(data, filters)
    periods = sorted({key[0] for c in cells for key in c})
    line = timeline(data, grain, periods)
    x = line.labels
    names = _issue_names()
    series = [(n, [_v(c.get((p,))) for p in periods]) for n, c in zip(names, cells)]
    figure = {
        "data": _lines(x, series),
        "layout": figures.base_layout(y_title=_("Cases"), x_title=line.axis_title),
    }
    if line.partial:
        figures.mark_partial(figure)
    rows = tuple((label, *(c.get((p,), SUPPRESSED) for c in cells)) for label, p in zip(x, periods))
    title = corridor_label(filters.corridor) if filters.corridor else _("All corridors")
    table = TableData(
        _("Cases reporting fees and debt, and deception: {what}").format(what=title),
        (_("Period"), *names),
        rows,
    )
    return ChartResult(figure, table, " ".join(n for n in (grain_note(grain), line.note) if n))


def _v(p: Published | None) -> int | None:
    return None if p is None else p.value


# -- compare two corridors ---------------------------------------------------------------------
def compare_pair(filters: Filters, options: dict) -> tuple[Filters, Filters] | None:
    """The two selections compared: the corridor filter (A) and the `compare` option (B)."""
    other = options.get("compare") or ""
    if not filters.corridor or not OPTIONS["compare"].valid(other) or other == filters.corridor:
        return None
    origin, destination = other.split("-")
    return filters, replace(filters, origin=origin, destination=destination)


def compare_cards_class(stored_filters, options: dict | None) -> str:
    """The compare cards' row class for the filter store and the view options."""
    try:
        filters = filters_from_store(stored_filters)
    except (InvalidParameter, TypeError):
        return compare_charts_class(False)
    return compare_charts_class(compare_pair(filters, options or {}) is not None)


def _compare_missing() -> ChartResult:
    return ChartResult(
        figures.empty_figure(),
        None,
        _("Pick a corridor in the filters and a second corridor here to compare them."),
    )


def compare_trend_chart(data: DataAccess, filters: Filters, options: dict) -> ChartResult:
    pair = compare_pair(filters, options)
    if pair is None:
        return _compare_missing()
    # One grain for both, the finest at which neither is mostly withheld.
    for grain in GRAINS:
        parts = [_issue_series(data, f, grain)[1] for f in pair]
        if grain == GRAINS[-1] or not any(_thin_cells(c) for cells in parts for c in cells):
            break
    periods = sorted({key[0] for cells in parts for c in cells for key in c})
    line = timeline(data, grain, periods)
    x = line.labels
    names = _issue_names()
    codes = [f.corridor for f in pair]
    data_traces = []
    for n, (cells, axis) in enumerate(zip(parts, ("", "2"))):
        series = [
            (f"{corridor_label(codes[n])}: {name}", [_v(c.get((p,))) for p in periods])
            for name, c in zip(names, cells)
        ]
        data_traces += _lines(x, series, "x" + axis, "y" + axis)
    top = max((v for trace in data_traces for v in trace["y"] if v is not None), default=0)
    shared = {"range": [0, top * 1.1 or 1], "tickformat": ",d", "gridcolor": colours.GRID}
    layout = figures.base_layout(
        height=380,
        xaxis={"domain": [0, 0.47], "title": {"text": corridor_label(codes[0])}},
        xaxis2={"domain": [0.53, 1], "anchor": "y2", "title": {"text": corridor_label(codes[1])}},
        yaxis={**shared, "title": {"text": _("Cases")}},
        yaxis2={**shared, "anchor": "x2", "matches": "y", "title": {"text": _("Cases")}},
    )
    zero = SUPPRESSED
    header = [_("Period")]
    for code in codes:
        header += [f"{corridor_label(code)}: {name}" for name in names]
    rows = tuple(
        (label, *(c.get((p,), zero) for cells in parts for c in cells))
        for label, p in zip(x, periods)
    )
    table = TableData(_("Fees, debt and deception in two corridors"), tuple(header), rows)
    figure = {"data": data_traces, "layout": layout}
    if line.partial:
        figures.mark_partial(figure)
    return ChartResult(figure, table, " ".join(n for n in (grain_note(grain), line.note) if n))


def _thin_cells(cells: dict) -> bool:
    values = list(cells.values())
    return bool(values) and sum(p.suppressed for p in values) / len(values) > THIN_SHARE


def compare_themes_chart(data: DataAccess, filters: Filters, options: dict) -> ChartResult:
    pair = compare_pair(filters, options)
    if pair is None:
        return _compare_missing()
    codes = [f.corridor for f in pair]
    totals = [data.total("cases", f) for f in pair]
    themes = [data.aggregate("cases", ("theme",), f.without("issue")).as_dict() for f in pair]
    names = [_(taxonomy.THEMES[t]) for t in taxonomy.THEMES]
    traces = []
    for n, cells in enumerate(themes):
        label = corridor_label(codes[n])
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": label,
                "y": names[::-1],
                "x": [_v(cells.get((t,))) for t in taxonomy.THEMES][::-1],
                "marker": {"color": (colours.CONTEXT, colours.HIGHLIGHT)[n]},
                "hovertemplate": "%{y}: %{x:,}<extra>" + label + "</extra>",
            }
        )
    layout = figures.base_layout(
        height=400,
        barmode="group",
        xaxis={"title": {"text": _("Cases")}, "tickformat": ",d", "gridcolor": colours.GRID},
        yaxis={"automargin": True, "title": {"text": _("Issue theme")}},
    )
    layout["margin"]["l"] = 8
    zero = SUPPRESSED
    rows = [(_("All cases"), *totals)]
    rows += [
        (name, *(cells.get((t,), zero) for cells in themes))
        for name, t in zip(names, taxonomy.THEMES)
    ]
    # The two corridors are the columns here: their headings link to their profiles.
    table = TableData(
        _("Cases by issue theme in two corridors"),
        (_("Issue theme"), *(corridor_label(c) for c in codes)),
        tuple(rows),
        header_links=(None, *(profile_link(data, "corridor", c) for c in codes)),
    )
    note = ""
    if filters.issue:
        note = _("The issue filter does not apply to themes.")
    if any(t.suppressed for t in totals):
        note = _("A corridor with numbers withheld shows none.")
    return ChartResult({"data": traces, "layout": layout}, table, note)


# -- registration ---------------------------------------------------------------------------
def published_corridors(data: DataAccess) -> list[dict]:
    """The compare dropdown's choices: corridors with published cases, as the filter has."""
    codes = data.corridors()
    return sorted(
        ({"value": c, "label": corridor_label(c)} for c in codes), key=lambda o: o["label"]
    )


def corridor_from_click(click: dict | None) -> str | None:
    """The corridor code behind a click on an arc's point or a Sankey link, if any."""
    for point in (click or {}).get("points", []):
        code = point.get("customdata")
        if isinstance(code, str) and OPTIONS["compare"].valid(code):
            return code
    return None


def charts() -> list[Chart]:
    return [
        # Every corridor is drawn so that another can be picked; the chosen one is marked.
        Chart(map_meta(), map_chart, ("corridor",), ("corridor",), profiles=("corridor",)),
        Chart(sankey_meta(), sankey_chart, ("corridor",), ("corridor",), profiles=("corridor",)),
        # Its two series are two issues: the issue filter is replaced by them.
        Chart(fees_meta(), fees_chart, ("issue",)),
        Chart(compare_trend_meta(), compare_trend_chart),
        Chart(compare_themes_meta(), compare_themes_chart),
    ]


def register(app, data: DataAccess) -> None:
    for chart in charts():
        register_chart(app, data, chart)

    @app.callback(
        Output(ids.table_data(ids.RECRUITMENT_CORRIDORS), "data"),
        Input(ids.FILTERS, "data"),
        Input(ids.OPTIONS, "data"),
    )
    def _corridor_table(stored_filters, stored_options):
        filters = filters_from_store(stored_filters)
        options = view_options(stored_options)

        def build():
            table = corridor_rows(data, filters, options)
            return corridor_payload(table, data.params.k, filters.corridor)

        return cached(data, "corridor-table-payload", filters, options, build)

    app.clientside_callback(
        ClientsideFunction("ilm", "corridorTable"),
        Output(ids.RECRUITMENT_CORRIDORS, "children"),
        Input(ids.table_data(ids.RECRUITMENT_CORRIDORS), "data"),
    )

    @app.callback(
        Output(ids.RECRUITMENT_COMPARE_CHARTS, "className"),
        Input(ids.FILTERS, "data"),
        Input(ids.OPTIONS, "data"),
    )
    def _compare_cards(stored_filters, options):
        return compare_cards_class(stored_filters, options)

    @app.callback(
        Output(ids.option("compare"), "options"),
        Input(ids.option("compare"), "id"),
    )
    def _compare_choices(_id):
        return published_corridors(data)

    @app.callback(
        Output(ids.FILTER_PATCH, "data", allow_duplicate=True),
        Input(ids.graph(ids.RECRUITMENT_MAP), "clickData"),
        Input(ids.graph(ids.RECRUITMENT_SANKEY), "clickData"),
        prevent_initial_call=True,
    )
    def _pick_on_chart(map_click, sankey_click):
        click = map_click if ctx.triggered_id == ids.graph(ids.RECRUITMENT_MAP) else sankey_click
        code = corridor_from_click(click)
        if code is None:
            raise PreventUpdate
        return {"corridor": code}
