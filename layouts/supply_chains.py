"""The Ethical Supply Chains view: what workers report about conditions at worksites."""

from __future__ import annotations

from dash import dcc, html

from data_access import taxonomy
from layouts import ids
from layouts.components import ChartMeta, chart_card, option_radios
from layouts.glossary import key_terms
from layouts.i18n import _, dropdown_labels


def issues_meta() -> ChartMeta:
    return ChartMeta(
        ids.SC_ISSUES_CHART,
        _("Top 10 issues workers report at worksites, by nationality"),
        _(
            "Employment-stage cases (or the workers they concern) reporting each issue "
            "category, split by the workers' nationality. Select a bar (or use the filters) to "
            "filter by the issue."
        ),
    )


def heatmap_meta() -> ChartMeta:
    return ChartMeta(
        ids.SC_HEATMAP_CHART,
        _("Issues by industry: share of each industry's cases"),
        _(
            "Of the employment-stage cases in an industry, the share reporting each issue "
            "category. Select a cell (or use the filters) to filter by its issue and industry."
        ),
    )


def trend_meta() -> ChartMeta:
    return ChartMeta(
        ids.SC_TREND_CHART,
        _("Trend of the five most reported issues"),
        _(
            "Employment-stage cases (or workers) per month for the five issue categories "
            "reported most in the selection; by quarter when months are too thin to publish."
        ),
    )


def map_meta() -> ChartMeta:
    return ChartMeta(
        ids.SC_MAP_CHART,
        _("Where the worksites are"),
        _(
            "Employment-stage cases (or workers) by the country of the worksite. Select a "
            "country (or use the filters) to filter by it."
        ),
    )


def theme_meta() -> ChartMeta:
    return ChartMeta(
        ids.SC_THEME_CHART,
        _("Issues by theme"),
        _(
            "Cases reporting at least one category of each theme (wages, recruitment and "
            "debt, violence and harassment...). Select a theme (or pick it in the Theme menu) to "
            "see its categories."
        ),
    )


def tier_meta() -> ChartMeta:
    return ChartMeta(
        ids.SC_TIER_CHART,
        _("Cases by supply-chain tier"),
        _(
            "Employment-stage cases (or workers) by the tier of the worksite: tier 1 final "
            "assembly, tier 2 components and processing, tier 3 raw materials."
        ),
    )


def controls(options: dict) -> html.Div:
    themes = [{"label": _("All themes"), "value": "all"}] + [
        {"label": _(name), "value": code} for code, name in taxonomy.THEMES.items()
    ]
    return html.Div(
        className="row g-2 mb-3 align-items-end",
        children=[
            option_radios(
                "measure",
                _("Count"),
                [("cases", _("Cases")), ("workers", _("Workers affected"))],
                options.get("measure", "cases"),
                "col-12 col-md-auto option-row",
            ),
            html.Div(
                className="col-12 col-md-4 option-row",
                role="group",
                **{"aria-label": _("Theme")},
                children=[
                    html.Span(_("Theme"), className="form-label small d-block"),
                    dcc.Dropdown(
                        labels=dropdown_labels(),
                        id=ids.option("theme"),
                        options=themes,
                        value=options.get("theme", "all"),
                        clearable=False,
                        searchable=False,
                    ),
                ],
            ),
        ],
    )


def supply_chains_page(context) -> html.Div:
    as_of = context.as_of_label
    return html.Div(
        [
            html.H1(_("Ethical supply chains"), className="h3 mb-2"),
            html.P(
                _(
                    "What workers report about conditions at the worksites where they are "
                    "employed (employment-stage cases). Numbers below the disclosure threshold "
                    "are shown as “<K”."
                ),
                className="text-body-secondary view-intro",
            ),
            key_terms("withheld"),
            controls(context.options),
            html.Div(
                className="row",
                children=[
                    html.Div(
                        className="col-12 col-lg-6", children=chart_card(issues_meta(), as_of)
                    ),
                    html.Div(className="col-12 col-lg-6", children=chart_card(map_meta(), as_of)),
                ],
            ),
            chart_card(heatmap_meta(), as_of),
            chart_card(trend_meta(), as_of),
            html.Div(
                className="row",
                children=[
                    html.Div(className="col-12 col-lg-6", children=chart_card(theme_meta(), as_of)),
                    html.Div(className="col-12 col-lg-6", children=chart_card(tier_meta(), as_of)),
                ],
            ),
        ]
    )
