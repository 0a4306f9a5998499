"""The Ethical Recruitment view: where recruitment goes wrong, corridor by corridor."""

from __future__ import annotations

from dash import dcc, html

from data_access import taxonomy
from layouts import ids
from layouts.components import ChartMeta, chart_card, option_radios, scroll_region
from layouts.glossary import key_terms
from layouts.i18n import _, dropdown_labels


def corridor_name(code: str) -> str:
    origin, destination = code.split("-")
    return _("{origin} → {destination}").format(
        origin=_(taxonomy.COUNTRIES[origin]), destination=_(taxonomy.COUNTRIES[destination])
    )


def map_meta() -> ChartMeta:
    return ChartMeta(
        ids.RECRUITMENT_MAP,
        _("Corridor flow map"),
        _(
            "Arcs join the country of origin and the country of work on a map; their width "
            "shows the cases (or workers affected) received in the period. Select an arc's "
            "middle dot (or use the corridor filter) to follow that corridor."
        ),
    )


def sankey_meta() -> ChartMeta:
    return ChartMeta(
        ids.RECRUITMENT_SANKEY,
        _("Origin → destination → issue theme"),
        _(
            "Cases by corridor, then the issue themes they reported. A case counts once per "
            "theme, so a destination's theme links can add up to more than its cases."
        ),
    )


def fees_meta() -> ChartMeta:
    return ChartMeta(
        ids.RECRUITMENT_FEES,
        _("Fees, debt and deception over time"),
        _(
            "Cases reporting recruitment fees and debt, and cases reporting deception about "
            "the job, for the selected corridor (all corridors when none is selected)."
        ),
    )


def compare_trend_meta() -> ChartMeta:
    return ChartMeta(
        ids.RECRUITMENT_COMPARE_TREND,
        _("Compare: fees, debt and deception over time"),
        _("The same series for both corridors, side by side on one scale."),
    )


def compare_themes_meta() -> ChartMeta:
    return ChartMeta(
        ids.RECRUITMENT_COMPARE_THEMES,
        _("Compare: cases by issue theme"),
        _("Cases of each corridor by issue theme, a case counted once per theme."),
    )


def corridor_table_section(as_of_label: str, sort: str) -> html.Section:
    heading = f"{ids.RECRUITMENT_CORRIDORS}-title"
    return html.Section(
        className="card chart-card mb-3",
        **{"aria-labelledby": heading},
        children=html.Div(
            className="card-body",
            children=[
                html.H2(_("Corridors"), id=heading, className="h5 card-title"),
                html.P(
                    _(
                        "Cases and workers affected received in the period, the three issues "
                        "reported most, the share of those cases remediated so far, and the "
                        "trend: the period's year (for all years, the latest complete year) "
                        "against the year before; none for a year still under way, which "
                        "holds fewer months than the year before it. "
                        "Select a corridor's name to follow it."
                    ),
                    className="chart-definition text-body-secondary small",
                ),
                html.Div(
                    className="d-flex flex-wrap align-items-center mb-2",
                    children=[
                        html.Span(_("Sort by"), className="form-label small me-2 mb-0"),
                        dcc.Dropdown(
                            labels=dropdown_labels(),
                            id=ids.option("corridor_sort"),
                            options=[
                                {"value": "cases", "label": _("Cases")},
                                {"value": "workers", "label": _("Workers affected")},
                                {"value": "rate", "label": _("Remediation rate")},
                                {"value": "corridor", "label": _("Corridor name")},
                            ],
                            value=sort,
                            clearable=False,
                            searchable=False,
                            style={"minWidth": "12rem"},
                        ),
                    ],
                ),
                dcc.Loading(
                    [
                        # The server's answer, as strings; the browser builds the table.
                        dcc.Store(id=ids.table_data(ids.RECRUITMENT_CORRIDORS)),
                        html.Div(
                            id=ids.RECRUITMENT_CORRIDORS,
                            className="table-responsive",
                            **{"aria-live": "polite"},
                            **scroll_region(_("Recruitment corridors")),
                        ),
                    ],
                    type="dot",
                    delay_show=150,
                ),
                html.P(
                    _("Data as of {month}.").format(month=as_of_label),
                    className="chart-as-of small text-body-secondary mb-0",
                ),
            ],
        ),
    )


def compare_charts_class(comparing: bool) -> str:
    """The compare cards' row: without two corridors to compare the cards are empty, and
    their download and embed links (of an empty table) are left out."""
    return "row" if comparing else "row compare-empty"


def compare_section(as_of_label: str, compare: str) -> html.Section:
    return html.Section(
        id=ids.RECRUITMENT_COMPARE,
        className="mb-3",
        **{"aria-label": _("Compare two corridors")},
        children=[
            html.H2(_("Compare two corridors"), className="h4"),
            html.P(
                _(
                    "The first corridor is the corridor filter; pick the second one here. "
                    "Both are kept in the link."
                ),
                className="small text-body-secondary",
            ),
            html.Span(_("Second corridor"), className="form-label small d-block"),
            dcc.Dropdown(
                labels=dropdown_labels(),
                id=ids.option("compare"),
                # The corridor from the URL is a choice from the start, so the dropdown
                # keeps it while the full list (published corridors) loads.
                options=[{"value": compare, "label": corridor_name(compare)}] if compare else [],
                value=compare or None,
                placeholder=_("Pick a corridor to compare"),
                className="mb-3",
            ),
            html.Div(
                id=ids.RECRUITMENT_COMPARE_CHARTS,
                className=compare_charts_class(False),
                children=[
                    html.Div(
                        className="col-12 col-lg-6",
                        children=chart_card(compare_trend_meta(), as_of_label),
                    ),
                    html.Div(
                        className="col-12 col-lg-6",
                        children=chart_card(compare_themes_meta(), as_of_label),
                    ),
                ],
            ),
        ],
    )


def recruitment_page(context) -> html.Div:
    """The Ethical Recruitment view for a PageContext (see dashboard.views)."""
    options = context.options
    as_of = context.as_of_label
    return html.Div(
        [
            html.H1(_("Ethical recruitment"), className="h3 mb-3"),
            key_terms("corridor", "remediated", "withheld"),
            html.Div(
                className="d-flex flex-wrap",
                children=[
                    option_radios(
                        "map_stage",
                        _("Stage"),
                        [
                            ("all", _("All stages")),
                            ("recruitment", _("Recruitment")),
                            ("employment", _("Employment")),
                        ],
                        options.get("map_stage", "all"),
                        "me-4 mb-2 option-row",
                    ),
                    option_radios(
                        "measure",
                        _("Width shows"),
                        [("cases", _("Cases")), ("workers", _("Workers affected"))],
                        options.get("measure", "cases"),
                        "me-4 mb-2 option-row",
                    ),
                ],
            ),
            chart_card(map_meta(), as_of),
            corridor_table_section(as_of, options.get("corridor_sort", "cases")),
            chart_card(sankey_meta(), as_of),
            chart_card(fees_meta(), as_of),
            compare_section(as_of, options.get("compare", "")),
        ]
    )
