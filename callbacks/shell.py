"""The page frame's callbacks: which view to show, and view state <-> URL query string."""

from __future__ import annotations

import json

from dash import ALL, Input, Output, State, ctx, html, no_update

from callbacks import crossfilter
from callbacks.charts import filters_from_store
from callbacks.urlstate import (
    OPTIONS,
    PARAMS,
    covered_period,
    fine_filter_notice,
    from_controls,
    language_of,
    parse_options,
    parse_query,
    to_controls,
    to_query,
    with_language,
)
from data_access.filters import FINE_FILTERS, MAX_FINE_FILTERS, Filters, InvalidParameter
from data_access.query import DataAccess
from layouts import ids
from layouts.context import PageContext
from layouts.format import month_label
from layouts.i18n import LANGUAGES, _
from layouts.selection import filter_items
from layouts.shell import FILTER_FIELDS_CLASS, RESET_CLASS, filter_toggle_label, page_title

CONTROL_PARAMS = list(ids.FILTER_CONTROLS)


def render_page(data: DataAccess, find_view, pathname: str | None, search: str | None = None):
    """The view for a path (its option controls set from the URL), or a not-found page.

    `find_view(pathname)` is the view registry's lookup (dashboard.views), handed in by
    the app factory: callbacks sit below the registry and never import it.
    """
    view = find_view(pathname)
    if view is None:
        return html.Div(
            [
                html.H1(_("Page not found"), className="h3"),
                html.P(_("There is no view at this address.")),
                html.A(_("Go to the overview"), href=ids.PATH_OVERVIEW),
            ]
        )
    info = data.version()
    options, _notices = parse_options(search)
    versions = data.versions() if view.path == ids.PATH_METHODOLOGY else ()
    return view.layout(
        PageContext(
            month_label(info.as_of),
            info.version,
            data.params,
            options,
            versions,
            synthetic=info.synthetic,
        )
    )


def view_title(find_view, pathname: str | None) -> str:
    """The window's title for a path: the view's name, or "Page not found"."""
    view = find_view(pathname)
    return page_title(view.label() if view else _("Page not found"))


def nav_links(pathname: str | None, search: str | None, paths: list[str]) -> list[tuple[str, str]]:
    """Each navigation link's (href, className) for the page at `pathname` and `search`.

    The links carry the filters (not a view's own options), so a corridor picked on one
    view is still picked on the next; the current view's link is marked active (and
    assets/06_a11y.js gives it aria-current="page").
    """
    filters, _notices = parse_query(search)
    query = to_query(filters, {"lang": language_of(search)})
    here = (pathname or "/").rstrip("/") or "/"
    return [(path + query, "nav-link active" if path == here else "nav-link") for path in paths]


def language_links(pathname: str | None, search: str | None) -> list[str]:
    """The language switcher's hrefs: this view, its filters and options, each language."""
    return [(pathname or "/") + with_language(search, code) for code in LANGUAGES]


# The window's title follows the view; after a change of view (not on the first page
# load) the focus moves to the new view's heading, so a screen reader starts reading
# there instead of staying on the link just followed. The view is drawn in the same
# update as its title, so the heading is looked for until it is there.
TITLE_AND_FOCUS = """
function (page) {
    if (!page) { return; }
    document.title = page.title;
    var state = window.ilmNavigation = window.ilmNavigation || {loaded: false};
    if (!state.loaded) { state.loaded = true; return; }
    var tries = 0;
    (function focusHeading() {
        var heading = document.querySelector(
            '[data-view="' + page.view + '"] h1');
        if (heading) {
            heading.tabIndex = -1;
            heading.focus();
        } else if (++tries < 100) {
            window.setTimeout(focusHeading, 100);
        }
    })();
}
"""


def too_fine(controls: dict) -> bool:
    """Whether the filter controls' values set more fine filters than allowed."""
    return sum(1 for name in FINE_FILTERS if controls.get(name)) > MAX_FINE_FILTERS


def _is_option(trigger) -> bool:
    return isinstance(trigger, dict) and trigger.get("type") == ids.OPTION


def sync_state(
    trigger,
    search: str | None,
    controls: dict,
    option_controls: dict | None = None,
    patch: dict | None = None,
    periods: tuple[str, ...] = (),
) -> dict:
    """One step of the view state <-> URL loop; returns what to update.

    The URL wins on page load and on back/forward. A filter control, a view-option
    control, a filter patch (a click on a chart) or "clear all" rewrites the URL.
    `periods` are the years the data covers: another year is dropped with a notice.
    """
    url_filters, notices = parse_query(search)
    options, option_notices = parse_options(search)
    notices += option_notices
    set_controls, from_url = False, False
    if trigger == ids.RESET:
        filters, notices = Filters(), []
        set_controls = True
    elif trigger in ids.FILTER_CONTROLS.values() or (trigger == ids.FILTER_PATCH and patch):
        if trigger == ids.FILTER_PATCH:
            controls = {**controls, **{k: v for k, v in patch.items() if k in PARAMS}}
            set_controls = True
        if too_fine(controls):
            # The new filter would make the selection finer than the release publishes:
            # keep the view as it was and say why.
            filters, notices, set_controls = url_filters, [fine_filter_notice()], True
        else:
            filters, notices = from_controls(controls)
    elif _is_option(trigger):
        # A view's option controls fire as soon as the view is drawn, before the reader
        # has done anything: the link's notices stay, or the rewritten URL would show
        # unfiltered numbers with nothing saying that a value of the link was ignored.
        filters = url_filters
        for name, value in (option_controls or {}).items():
            if name in OPTIONS and value is not None and OPTIONS[name].valid(str(value)):
                options[name] = str(value)
    else:
        filters, set_controls, from_url = url_filters, True, True
    filters, period_notices = covered_period(filters, periods)
    if period_notices:
        notices = [*notices, *period_notices]
        set_controls, from_url = True, False
    url = to_query(filters, options)
    return {
        "filters": filters,
        "options": options,
        "notices": notices,
        # The URL is only written when the state moved away from it.
        "url": None if from_url or url == (search or "") else url,
        "controls": to_controls(filters) if set_controls else None,
    }


def _active(stored_filters) -> int:
    try:
        filters = filters_from_store(stored_filters)
    except (InvalidParameter, TypeError):
        return 0
    return len(filter_items(filters))


def toggle_label(stored_filters) -> list:
    """The phone's filter button for the filter store: "Filters" and the active count."""
    return filter_toggle_label(_active(stored_filters))


def reset_class(stored_filters) -> str:
    """ "Clear all filters" is left out on phones while nothing is set, so that the
    button and "No filters" share one line there."""
    hidden = "" if _active(stored_filters) else " d-none d-md-inline-block"
    return RESET_CLASS + hidden


# Opens and closes the filter fields on phones without a round trip to the server; the
# button's aria-expanded says which, and the CSS folds the fields only below 768 px.
TOGGLE_FILTERS = (
    "function (_clicks, expanded) {\n"
    '    var open = expanded !== "true";\n'
    f'    return [open ? "true" : "false", {json.dumps(FILTER_FIELDS_CLASS)}'
    ' + (open ? " open" : "")];\n'
    "}\n"
)


def register(app, data: DataAccess, find_view, nav_paths: list[str]) -> None:
    crossfilter.register_chip_removal(app)

    @app.callback(
        *[Output(ids.nav_link(path), "href") for path in nav_paths],
        *[Output(ids.nav_link(path), "className") for path in nav_paths],
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def _navigation(pathname, search):
        links = nav_links(pathname, search, nav_paths)
        return *[href for href, _c in links], *[css for _h, css in links]

    @app.callback(
        *[Output(ids.language_link(code), "href") for code in LANGUAGES],
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def _languages(pathname, search):
        return language_links(pathname, search)

    app.clientside_callback(TITLE_AND_FOCUS, Input(ids.PAGE_TITLE, "data"))

    app.clientside_callback(
        TOGGLE_FILTERS,
        Output(ids.FILTER_TOGGLE, "aria-expanded"),
        Output(ids.FILTER_FIELDS, "className"),
        Input(ids.FILTER_TOGGLE, "n_clicks"),
        State(ids.FILTER_TOGGLE, "aria-expanded"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.FILTER_TOGGLE, "children"),
        Output(ids.RESET, "className"),
        Input(ids.FILTERS, "data"),
    )
    def _toggle_label(stored_filters):
        return toggle_label(stored_filters), reset_class(stored_filters)

    @app.callback(
        Output(ids.PAGE, "children"),
        Output(ids.PAGE_TITLE, "data"),
        Input(ids.URL, "pathname"),
        State(ids.URL, "search"),
    )
    def _page(pathname, search):
        view = find_view(pathname)
        key = view.path if view else "not-found"
        page = html.Div(render_page(data, find_view, pathname, search), **{"data-view": key})
        return page, {"title": view_title(find_view, pathname), "view": key}

    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.FILTERS, "data"),
        Output(ids.OPTIONS, "data"),
        Output(ids.NOTICE, "children"),
        Output(ids.ACTIVE_FILTERS, "children"),
        Output({"type": ids.OPTION, "name": ALL}, "value"),
        *[Output(ids.FILTER_CONTROLS[p], "value") for p in CONTROL_PARAMS],
        Input(ids.URL, "search"),
        Input(ids.RESET, "n_clicks"),
        Input(ids.FILTER_PATCH, "data"),
        Input({"type": ids.OPTION, "name": ALL}, "value"),
        *[Input(ids.FILTER_CONTROLS[p], "value") for p in CONTROL_PARAMS],
    )
    def _sync(search, _reset, patch, option_values, *values):
        option_names = [o["id"]["name"] for o in ctx.outputs_list[5]]
        state = sync_state(
            ctx.triggered_id,
            search,
            dict(zip(CONTROL_PARAMS, values)),
            dict(zip(option_names, option_values)),
            patch,
            data.periods(),
        )
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
            state["filters"].active(),
            state["options"],
            notice,
            crossfilter.chips(state["filters"], data.corridors()),
            [state["options"].get(name) for name in option_names],
            *control_values,
        )
