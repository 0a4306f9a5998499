"""Cross-filtering: chart clicks set filters, and removable filter chips clear them.

A click on a mark reads its `customdata` (a query string such as "issue=deception") and
writes the filters it names to the filter-patch store; the shell checks them against
the taxonomies, merges them into the filters and writes the URL. A chip's remove button
writes {its parameter: None}, which clears that filter the same way.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from dash import ALL, ClientsideFunction, Input, Output, ctx, html, no_update

from callbacks.urlstate import OPTIONS, PARAMS
from data_access.filters import Filters
from layouts import ids
from layouts.i18n import _
from layouts.selection import filter_items


def click_values(click: dict | None) -> dict[str, str]:
    """The parameters a clicked mark names, or {} when it names none."""
    points = (click or {}).get("points") or []
    if not points:
        return {}
    custom = points[0].get("customdata")
    if isinstance(custom, list):  # plotly sends a heatmap cell's customdata as a list
        custom = custom[0] if custom else None
    if not isinstance(custom, str):
        return {}
    return dict(parse_qsl(custom))


def filter_patch(click: dict | None) -> dict[str, str] | None:
    """The filter patch a click asks for (only URL filter parameters), or None."""
    patch = {k: v for k, v in click_values(click).items() if k in PARAMS}
    return patch or None


def option_value(click: dict | None, name: str) -> str | None:
    value = click_values(click).get(name)
    return value if value is not None and name in OPTIONS and OPTIONS[name].valid(value) else None


def chips(filters: Filters, corridors: tuple[str, ...] = ()) -> list:
    """One removable chip per active filter (the period is one chip), then a link to the
    profile page of each filter that has one (`corridors`: the listed corridors)."""
    items = filter_items(filters)
    if not items:
        return [html.Span(_("No filters: showing everything."), className="small")]
    return (
        [html.Span(_("Active filters:"), className="small me-2")]
        + _removable(items)
        + _profile_links(filters, items, corridors)
    )


def _profile_links(filters: Filters, items, corridors: tuple[str, ...]) -> list:
    links = []
    for param, label in items:
        code = filters.value_of(param)
        if param not in ids.PROFILE_KINDS or (param == "corridor" and code not in corridors):
            continue
        links.append(
            html.A(
                _("Profile of {name}").format(name=label),
                href=f"/{param}/{code}",
                className="small ms-2 profile-link",
            )
        )
    return links


def _removable(items) -> list:
    return [
        html.Span(
            className="badge rounded-pill text-bg-light border me-1 mb-1 filter-chip",
            children=[
                label,
                html.Button(
                    "×",
                    id={"type": ids.CHIP, "param": param},
                    className="btn btn-sm btn-link p-0 ms-1 align-baseline",
                    title=_("Remove the filter {name}").format(name=label),
                    **{"aria-label": _("Remove the filter {name}").format(name=label)},
                ),
            ],
        )
        for param, label in items
    ]


def chip_patch(param: str) -> dict[str, None]:
    """The patch that removes one chip's filter."""
    return {param: None}


def register(app, graphs: list[str]) -> None:
    """Clicks on `graphs` set the filters their marks name."""

    @app.callback(
        Output(ids.FILTER_PATCH, "data", allow_duplicate=True),
        [Input(ids.graph(g), "clickData") for g in graphs],
        prevent_initial_call=True,
    )
    def _clicked(*clicks):
        trigger = ctx.triggered_id
        if trigger not in [ids.graph(g) for g in graphs]:
            return no_update
        patch = filter_patch(clicks[[ids.graph(g) for g in graphs].index(trigger)])
        return patch if patch else no_update


def register_chip_removal(app) -> None:
    """A chip's × clears its filter, on every view (the chips live in the shell).

    Answered in the browser (assets/09_clicks.js, the patch chip_patch gives): Dash calls
    a pattern-matching callback again whenever the chips are drawn anew, which on the
    server cost a round trip after every filter change.
    """
    app.clientside_callback(
        ClientsideFunction("ilm", "removeChip"),
        Output(ids.FILTER_PATCH, "data", allow_duplicate=True),
        Input({"type": ids.CHIP, "param": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
