"""Building blocks shared by every view: chart cards, KPI cards, accessible tables."""

from __future__ import annotations

import json
from dataclasses import dataclass

from dash import dcc, html

from layouts import ids
from layouts.i18n import N_, _, language

GRAPH_CONFIG = {
    "displaylogo": False,
    # Map shapes are served from our own assets: readers' browsers call no third party.
    "topojsonURL": "/assets/topojson/",
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}
# plotly.js's own words on a chart that a reader meets (its toolbar's buttons, the note
# while zoomed, the image download's notices), by the English text plotly looks up.
PLOTLY_WORDS = (
    N_("Download plot as a PNG"),
    N_("Download plot"),
    N_("Zoom"),
    N_("Pan"),
    N_("Zoom in"),
    N_("Zoom out"),
    N_("Reset axes"),
    N_("Reset"),
    N_("Reset view"),
    N_("Show closest data on hover"),
    N_("Compare data on hover"),
    N_("Toggle Spike Lines"),
    N_("Double-click to zoom back out"),
    N_("Taking snapshot - this may take a few seconds"),
    N_("Snapshot succeeded"),
    N_("Sorry, there was a problem downloading your snapshot!"),
)


def graph_config() -> dict:
    """A chart's plotly configuration in the page's language: plotly.js takes its words
    from the config's own locale, so no locale file is fetched."""
    lang = language()
    if lang == "en":
        return GRAPH_CONFIG
    words = {word: _(word) for word in PLOTLY_WORDS}
    return {**GRAPH_CONFIG, "locale": lang, "locales": {lang: {"dictionary": words}}}


def scroll_region(name: str) -> dict:
    """Attributes of a box that scrolls sideways on phones (a wide table, a row of
    headline numbers): reachable with the keyboard, so it scrolls with the arrow keys,
    and named, so the focus lands on something a screen reader can say."""
    return {"tabIndex": "0", "role": "region", "aria-label": name}


@dataclass(frozen=True)
class ChartMeta:
    """What a reader is told about a chart: its id, title and one-line definition."""

    id: str
    title: str
    definition: str


def chart_downloads(chart_id: str) -> html.Div:
    """CSV, PNG, SVG and embed links of a chart; assets/03_downloads.js adds the view and query."""
    link = "btn btn-outline-secondary btn-sm"
    data = {"data-chart": chart_id}
    return html.Div(
        className="chart-downloads d-flex flex-wrap gap-1 mt-2",
        role="group",
        **{"aria-label": _("Download or embed this chart")},
        children=[
            html.A(_("CSV"), href="#", className=f"{ids.DOWNLOAD_CSV} {link}", **data),
            html.Button(
                _("PNG"),
                className=f"{ids.DOWNLOAD_IMAGE} {link}",
                type="button",
                **data,
                **{"data-format": "png"},
            ),
            html.Button(
                _("SVG"),
                className=f"{ids.DOWNLOAD_IMAGE} {link}",
                type="button",
                **data,
                **{"data-format": "svg"},
            ),
            html.A(
                _("Embed"),
                href="#",
                className=f"{ids.EMBED_LINK} {link}",
                target="_blank",
                rel="noopener",
                **data,
            ),
        ],
    )


def chart_card(
    meta: ChartMeta,
    as_of_label: str,
    *,
    downloads: bool = True,
    figure: dict | None = None,
    table=None,
    note=None,
    summary: str = "",
) -> html.Section:
    """One chart: a title that says what it shows, its definition, the chart, its table.

    The table behind "View as table" is filled by the chart's callback with the same
    protected numbers as the figure, or given here (`figure`, `table`, `note`, `summary`)
    when a callback renders the whole card. `downloads` adds the CSV, image and embed
    links, which only work for a chart registered in a view's charts() list.
    """
    chart_id, title, definition = meta.id, meta.title, meta.definition
    heading_id = f"{chart_id}-title"
    return html.Section(
        className="card chart-card mb-3",
        **{"aria-labelledby": heading_id},
        children=html.Div(
            className="card-body",
            children=[
                html.H2(title, id=heading_id, className="h5 card-title"),
                html.P(definition, className="chart-definition text-body-secondary small"),
                html.Div(note, id=ids.note(chart_id), className="chart-note small", role="status"),
                # A figure named by its title and described by its summary sentence (its
                # key number), for readers who cannot see it; the SVG's loose tick
                # strings are hidden from them (assets/06_a11y.js), the table is not.
                html.Div(
                    role="figure",
                    className="chart-figure",
                    **{"aria-labelledby": heading_id, "aria-describedby": ids.summary(chart_id)},
                    children=[
                        html.P(summary, id=ids.summary(chart_id), className="visually-hidden"),
                        # Shown only while a phone waits to draw the chart until it is
                        # scrolled near (assets/05_phone_charts.js).
                        html.P(
                            _("This chart is drawn when you scroll to it."),
                            className="chart-waiting small text-body-secondary",
                        ),
                        dcc.Loading(
                            dcc.Graph(
                                id=ids.graph(chart_id),
                                config=graph_config(),
                                className="chart-graph",
                                figure=figure or {"data": [], "layout": {"height": 320}},
                            ),
                            type="dot",
                            delay_show=150,
                        ),
                    ],
                ),
                html.Details(
                    className="chart-table mt-2",
                    children=[
                        html.Summary(_("View as table"), id=ids.table_toggle(chart_id)),
                        html.Div(
                            table,
                            id=ids.table(chart_id),
                            className="table-responsive",
                            **scroll_region(_("Table: {title}").format(title=title)),
                        ),
                        # Filled by the chart's callback unless the card comes filled; the
                        # browser builds the table only while it is open (04_tables.js).
                        dcc.Store(id=ids.table_data(chart_id)) if table is None else None,
                    ],
                ),
                html.P(
                    _("Data as of {month}.").format(month=as_of_label),
                    className="chart-as-of small text-body-secondary mb-0",
                ),
                chart_downloads(chart_id) if downloads else None,
            ],
        ),
    )


def kpi_card(label: str, value: str, spoken: str, definition: str, note: str = "") -> html.Div:
    """A headline number with its definition; `spoken` is the value for screen readers."""
    return html.Div(
        className="col-6 col-md-4 col-xl",
        children=html.Div(
            className="card kpi-card h-100",
            children=html.Div(
                className="card-body",
                children=[
                    html.H2(label, className="kpi-label h6 text-body-secondary"),
                    html.P(
                        value,
                        className="kpi-value display-6 mb-1",
                        title=spoken,
                        **{"aria-label": spoken},
                    ),
                    html.P(definition, className="kpi-definition small mb-0"),
                    html.P(note, className="kpi-note small text-body-secondary mb-0")
                    if note
                    else None,
                ],
            ),
        ),
    )


def data_table(caption: str, header: list[str], rows: list[list[str]]) -> html.Table:
    """An accessible HTML table: a caption, column headers, row headers in column one."""
    return html.Table(
        className="table table-sm table-striped align-middle",
        children=[
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
            html.Tbody(
                [
                    html.Tr(
                        [html.Th(row[0], scope="row")]
                        + [html.Td(cell, className="text-end") for cell in row[1:]]
                    )
                    for row in rows
                ]
            ),
        ],
    )


def drawn_table(mount_id: str, payload: dict) -> html.Div:
    """A table the browser draws straight into the page from `payload` (the strings of
    callbacks.charts.table_payload), as plain DOM with the same markup as data_table.

    Dash makes every cell of a table a component that its renderer re-checks on every
    later update: the exposure profile's ~1,200 cells held the main thread for seconds
    after each filter change. Here the whole table is one element; assets/04_tables.js
    draws it whenever the element appears or its payload changes. The `key` keeps React
    from lending the element, with the drawn table inside, to another part of the page.
    """
    return html.Div(
        id=mount_id,
        key=mount_id,
        className="drawn-table",
        **{"data-ilm-table": json.dumps(payload, ensure_ascii=False)},
    )


def empty_state(message: str) -> html.P:
    return html.P(message, className="empty-state alert alert-secondary mb-2")


def option_radios(
    name: str, label: str, choices: list[tuple[str, str]], value: str, class_name: str = "me-4 mb-2"
) -> html.Div:
    """A labelled, inline radio group for the view option `name` (kept in the URL)."""
    return html.Div(
        className=class_name,
        children=[
            html.Span(label, className="form-label small d-block", id=f"{name}-label"),
            html.Div(
                role="radiogroup",
                **{"aria-labelledby": f"{name}-label"},
                children=dcc.RadioItems(
                    id=ids.option(name),
                    options=[{"value": v, "label": text} for v, text in choices],
                    value=value,
                    inline=True,
                    inputClassName="me-1",
                    labelClassName="me-3",
                ),
            ),
        ],
    )
