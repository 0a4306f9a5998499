"""The Remediation view: what happens after workers speak up."""

from __future__ import annotations

from dash import html

from layouts import ids
from layouts.components import ChartMeta, chart_card, option_radios, scroll_region
from layouts.glossary import key_terms
from layouts.i18n import _


def monthly_meta() -> ChartMeta:
    return ChartMeta(
        ids.REMEDIATION_MONTHLY,
        _("Remediated per month, and cumulative"),
        _(
            "Cases (or workers in them) closed as remediated, by the month they were closed; "
            "the line adds the published monthly values up over the period."
        ),
    )


def funnel_meta() -> ChartMeta:
    return ChartMeta(
        ids.REMEDIATION_FUNNEL,
        _("Remediation funnel"),
        _(
            "Cases received in the period, by how far they have got: reported; raised with "
            "the employer or recruiter (or referred on); remediated; remediation validated by "
            "the workers."
        ),
    )


def routes_meta() -> ChartMeta:
    return ChartMeta(
        ids.REMEDIATION_ROUTES,
        _("Remediation route"),
        _("Share of the cases remediated in the period by the road that led to remediation."),
    )


def ttr_median_meta() -> ChartMeta:
    return ChartMeta(
        ids.REMEDIATION_TTR_MEDIAN,
        _("Median months to remediation, by issue theme"),
        _(
            "Whole months from the month a case was received to the month it was remediated, "
            "for cases remediated in the period. A median is shown only where at least K "
            "cases stand behind it."
        ),
    )


def ttr_distribution_meta() -> ChartMeta:
    return ChartMeta(
        ids.REMEDIATION_TTR_DISTRIBUTION,
        _("Months to remediation"),
        _(
            "Cases remediated in the period by the whole months they took; the last bar is "
            "24 months or more."
        ),
    )


def rate_meta() -> ChartMeta:
    return ChartMeta(
        ids.REMEDIATION_RATE,
        _("Remediation rate"),
        _(
            "Share of the cases received in the period that have been remediated so far. "
            "For issue themes a case counts once in each theme it reported."
        ),
    )


def validated_meta() -> ChartMeta:
    return ChartMeta(
        ids.REMEDIATION_VALIDATED,
        _("Validated by the workers"),
        _(
            "Cases remediated, by year closed: those the affected workers confirmed, and "
            "those closed without their validation."
        ),
    )


def remediation_page(context) -> html.Div:
    """The Remediation view for a PageContext (see dashboard.views)."""
    options = context.options
    as_of = context.as_of_label
    half = "col-12 col-lg-6"
    return html.Div(
        [
            html.H1(_("Remediation"), className="h3 mb-3"),
            html.Section(
                className="mb-3",
                **{"aria-label": _("Headline numbers")},
                children=html.Div(
                    id=ids.REMEDIATION_KPI,
                    className="row g-2 kpi-row",
                    **{"aria-live": "polite"},
                    **scroll_region(_("Headline number cards")),
                ),
            ),
            option_radios(
                "measure",
                _("Show"),
                [("cases", _("Cases remediated")), ("workers", _("Workers remediated"))],
                options.get("measure", "cases"),
                "mb-2 option-row",
            ),
            chart_card(monthly_meta(), as_of),
            # Below the first chart: above it, a phone's first screen lost the chart.
            key_terms("remediated", "validated", "median", "withheld"),
            html.Div(
                className="row",
                children=[
                    html.Div(className=half, children=chart_card(funnel_meta(), as_of)),
                    html.Div(className=half, children=chart_card(routes_meta(), as_of)),
                ],
            ),
            html.Div(
                className="row",
                children=[
                    html.Div(className=half, children=chart_card(ttr_median_meta(), as_of)),
                    html.Div(className=half, children=chart_card(ttr_distribution_meta(), as_of)),
                ],
            ),
            option_radios(
                "rate_by",
                _("Remediation rate by"),
                [
                    ("country", _("Country")),
                    ("industry", _("Industry")),
                    ("nationality", _("Nationality")),
                    ("theme", _("Issue theme")),
                ],
                options.get("rate_by", "country"),
                "mb-2 option-row",
            ),
            chart_card(rate_meta(), as_of),
            chart_card(validated_meta(), as_of),
        ]
    )
