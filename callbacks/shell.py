"""The page frame's callbacks: which view to show, and filters <-> URL query string."""

from __future__ import annotations

from dash import Input, Output, ctx, html, no_update

from dashboard import ids
from dashboard.i18n import _
from dashboard.urlstate import from_controls, month_label, parse_query, to_controls, to_query
from data_access import taxonomy
from data_access.filters import Filters
from data_access.query import DataAccess
from layouts.methodology import methodology_layout
from layouts.overview import overview_layout

CONTROL_PARAMS = list(ids.FILTER_CONTROLS)


def render_page(data: DataAccess, pathname: str | None):
    """The view for a path, or a page that says it does not exist."""
    info = data.version()
    as_of = month_label(info.as_of)
    if pathname in (None, "", ids.PATH_OVERVIEW):
        return overview_layout(as_of)
    if pathname.rstrip("/") == ids.PATH_METHODOLOGY:
        p = data.params
        return methodology_layout(as_of, info.version, p.k, p.c, p.noise, p.sum_noise, p.dominance)
    return html.Div(
        [
            html.H1(_("Page not found"), className="h3"),
            html.P(_("There is no view at this address.")),
            html.A(_("Go to the overview"), href=ids.PATH_OVERVIEW),
        ]
    )


def describe(filters: Filters) -> str:
    """The active filters in words, for the chip line and screen readers."""
    parts = []
    if filters.start or filters.end:
        start = month_label(filters.start) if filters.start else _("the first month")
        end = month_label(filters.end) if filters.end else _("the latest month")
        parts.append(_("{start} to {end}").format(start=start, end=end))
    named = (
        ("country", taxonomy.COUNTRIES),
        ("nationality", taxonomy.NATIONALITIES),
        ("industry", taxonomy.INDUSTRIES),
        ("channel", taxonomy.CHANNELS),
    )
    for name, names in named:
        value = getattr(filters, name)
        if value:
            parts.append(_(names[value]))
    if filters.origin:
        parts.append(
            _("{origin} → {destination}").format(
                origin=_(taxonomy.COUNTRIES[filters.origin]),
                destination=_(taxonomy.COUNTRIES[filters.destination]),
            )
        )
    if filters.issue:
        parts.append(_(taxonomy.ISSUES[filters.issue].name))
    if not parts:
        return _("Showing everything: no filters are set.")
    return _("Showing: {filters}.").format(filters="; ".join(parts))


def sync_state(trigger: str | None, search: str | None, controls: dict) -> dict:
    """One step of the filters <-> URL loop; returns what to update.

    The URL wins on page load and on back/forward; a control change rewrites the URL.
    """
    if trigger == ids.RESET:
        filters, notices = Filters(), []
        url, set_controls = "", True
    elif trigger in ids.FILTER_CONTROLS.values():
        filters, notices = from_controls(controls)
        url, set_controls = to_query(filters), False
    else:
        filters, notices = parse_query(search)
        url, set_controls = None, True
    return {
        "filters": filters,
        "notices": notices,
        "url": url,
        "controls": to_controls(filters) if set_controls else None,
    }


def register(app, data: DataAccess) -> None:
    @app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"))
    def _page(pathname):
        return render_page(data, pathname)

    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.FILTERS, "data"),
        Output(ids.NOTICE, "children"),
        Output(ids.ACTIVE_FILTERS, "children"),
        *[Output(ids.FILTER_CONTROLS[p], "value") for p in CONTROL_PARAMS],
        Input(ids.URL, "search"),
        Input(ids.RESET, "n_clicks"),
        *[Input(ids.FILTER_CONTROLS[p], "value") for p in CONTROL_PARAMS],
    )
    def _sync(search, _reset, *values):
        state = sync_state(ctx.triggered_id, search, dict(zip(CONTROL_PARAMS, values)))
        filters = state["filters"]
        notice = None
        if state["notices"]:
            notice = html.Div(
                [html.P(n, className="mb-0") for n in state["notices"]],
                className="alert alert-warning py-2",
            )
        controls = state["controls"]
        control_values = (
            [controls[p] for p in CONTROL_PARAMS] if controls else [no_update] * len(CONTROL_PARAMS)
        )
        return (
            no_update if state["url"] is None else state["url"],
            filters.active(),
            notice,
            describe(filters),
            *control_values,
        )
