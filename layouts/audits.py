"""The Audits vs Worker Voice view: what social audits miss that workers report."""

from __future__ import annotations

from dash import html

from data_access.audits import DEFAULT_WINDOW
from layouts import ids
from layouts.components import ChartMeta, chart_card, scroll_region
from layouts.glossary import key_terms
from layouts.i18n import _


def bins_meta() -> ChartMeta:
    return ChartMeta(
        ids.AU_BINS_CHART,
        _("How much of what workers reported did audits find?"),
        _(
            "Audited worksites by the share of worker-reported issue categories their audits "
            "also found; each bar holds at least the minimum number of worksites."
        ),
    )


def issue_meta() -> ChartMeta:
    return ChartMeta(
        ids.AU_ISSUE_CHART,
        _("What audits miss most, by issue category"),
        _(
            "Of the times workers reported a category around an audit, the share the audit "
            "did not find (100% minus the detection rate). Select a bar (or use the filters) to "
            "filter by the issue."
        ),
    )


def industry_meta() -> ChartMeta:
    return ChartMeta(
        ids.AU_INDUSTRY_CHART,
        _("Detection rate by industry"),
        _("Worker-reported categories that audits also found, by the worksite's industry."),
    )


def country_meta() -> ChartMeta:
    return ChartMeta(
        ids.AU_COUNTRY_CHART,
        _("Detection rate by country"),
        _("Worker-reported categories that audits also found, by the worksite's country."),
    )


def explanation(window: str) -> html.Details:
    """Open on wide screens; callbacks.audits folds it on phones, where it would fill the
    first screen before any number."""
    return html.Details(
        id=ids.AU_EXPLANATION,
        className="mb-3 audits-explanation",
        open=True,
        children=[
            html.Summary(_("How the comparison is made, and its limits")),
            html.P(
                _(
                    "For each social audit of a worksite, we take the issue categories workers "
                    "at that worksite reported to the channels within {w} months before or after "
                    "the audit, and check which of them the audit also found. The detection rate "
                    "is the share of those worker-reported categories the audit found."
                ).format(w=window),
                className="small mb-1",
            ),
            html.P(
                _(
                    "Limits: an audit can only be compared with issues reported around its date, "
                    "and only at worksites where workers reported something; workers may not "
                    "report everything either, and an audit may find issues workers did not "
                    "report. No worksite or audit is ever shown on its own: every number covers "
                    "at least the minimum number of worksites, and where audits found fewer "
                    "than that many categories the rate is only said to be below a bound."
                ),
                className="small mb-0",
            ),
        ],
    )


def audits_page(context) -> html.Div:
    as_of = context.as_of_label
    return html.Div(
        [
            html.H1(_("Audits vs worker voice"), className="h3 mb-2"),
            html.P(
                _("What do social audits miss that workers report?"),
                className="text-body-secondary audits-intro",
            ),
            key_terms("withheld"),
            explanation(str(DEFAULT_WINDOW)),
            html.Section(
                className="mb-3",
                **{"aria-label": _("Headline numbers")},
                children=html.Div(
                    id=ids.AU_KPI,
                    className="row g-2 kpi-row",
                    **{"aria-live": "polite"},
                    **scroll_region(_("Headline number cards")),
                ),
            ),
            chart_card(bins_meta(), as_of),
            chart_card(issue_meta(), as_of),
            html.Div(
                className="row",
                children=[
                    html.Div(
                        className="col-12 col-lg-6", children=chart_card(industry_meta(), as_of)
                    ),
                    html.Div(
                        className="col-12 col-lg-6", children=chart_card(country_meta(), as_of)
                    ),
                ],
            ),
        ]
    )
