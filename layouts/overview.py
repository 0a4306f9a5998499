"""The Overview view: headline numbers and three charts for the selected filters."""

from __future__ import annotations

from dash import html

from layouts import ids
from layouts.components import ChartMeta, chart_card, scroll_region
from layouts.glossary import key_terms
from layouts.i18n import _


def contacts_meta() -> ChartMeta:
    return ChartMeta(
        ids.CONTACTS_CHART,
        _("Worker contacts per month, by channel"),
        _(
            "Every contact with a worker-voice channel (call, message or visit), whether or "
            "not it became a case."
        ),
    )


def cases_meta() -> ChartMeta:
    return ChartMeta(
        ids.CASES_CHART,
        _("Cases received and workers remediated per month"),
        _(
            "Cases by the month they were opened; workers remediated by the month their case "
            "was closed as remediated."
        ),
    )


def issues_meta() -> ChartMeta:
    return ChartMeta(
        ids.ISSUES_CHART,
        _("Top 10 reported issues"),
        _(
            "Cases that reported each issue category; a case can report several, so the bars "
            "add up to more than the cases."
        ),
    )


def kpi_row() -> html.Section:
    """The KPI cards, filled by the Overview callback."""
    return html.Section(
        className="mb-3",
        **{"aria-label": _("Headline numbers")},
        children=html.Div(
            id=ids.KPI,
            className="row g-2 kpi-row",
            **{"aria-live": "polite"},
            **scroll_region(_("Headline number cards")),
        ),
    )


def overview_page(context) -> html.Div:
    """The Overview for a PageContext (see dashboard.views)."""
    return overview_layout(context.as_of_label)


def overview_layout(as_of_label: str) -> html.Div:
    return html.Div(
        [
            html.H1(_("Overview"), className="h3 mb-3"),
            key_terms("remediated", "withheld"),
            kpi_row(),
            html.Div(
                className="row",
                children=[
                    html.Div(
                        className="col-12 col-lg-6",
                        children=chart_card(contacts_meta(), as_of_label),
                    ),
                    html.Div(
                        className="col-12 col-lg-6",
                        children=chart_card(cases_meta(), as_of_label),
                    ),
                ],
            ),
            chart_card(issues_meta(), as_of_label),
        ]
    )
