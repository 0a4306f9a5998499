"""Remediation: headline, monthly and cumulative, funnel, routes, time, rate, validation.

Every number comes from DataAccess.aggregate (protected cells). Medians of the time to
remediation are computed from published counts per month bucket
(data_access.outcomes.published_median), never from the case rows.
"""

from __future__ import annotations

from dash import Input, Output

from callbacks import figures
from callbacks.charts import (
    Chart,
    ChartResult,
    Share,
    TableData,
    cached,
    filters_from_store,
    register_chart,
)
from callbacks.profiles import profile_link
from callbacks.protected import (
    grain_note,
    refused_note,
    selection_state,
    series,
    timeline,
    withheld_note,
)
from data_access import outcomes, taxonomy
from data_access.disclosure import share
from data_access.filters import Filters
from data_access.outcomes import medians as median_by
from data_access.query import DataAccess
from layouts import colours, ids
from layouts import format as fmt
from layouts.components import kpi_card
from layouts.i18n import N_, _
from layouts.remediation import (
    funnel_meta,
    monthly_meta,
    rate_meta,
    routes_meta,
    ttr_distribution_meta,
    ttr_median_meta,
    validated_meta,
)

MEASURES = {"cases": "cases_remediated", "workers": "workers_remediated"}
FUNNEL = (
    ("cases", N_("Reported")),
    ("cases_raised", N_("Raised with employer or recruiter")),
    ("cases_received_remediated", N_("Remediated")),
    ("cases_received_validated", N_("Validated by the workers")),
)
RATE_NAMES = {
    "country": taxonomy.COUNTRIES,
    "industry": taxonomy.INDUSTRIES,
    "nationality": taxonomy.NATIONALITIES,
    "theme": taxonomy.THEMES,
}
RATE_TITLES = {
    "country": lambda: _("Country of work"),
    "industry": lambda: _("Industry"),
    "nationality": lambda: _("Nationality"),
    "theme": lambda: _("Issue theme"),
}
VALIDATION = {
    "yes": N_("Validated by the workers"),
    "no": N_("Closed without validation: workers did not confirm"),
    "unknown": N_("Closed without validation: workers not asked"),
}
WHY_VALIDATION = N_(
    "Why this matters: an employer's or supplier's report that a problem was fixed can "
    "differ from what the workers themselves confirm."
)


def _months(value: int | None) -> str:
    if value is None:
        return _("not published")
    if value >= outcomes.TTR_CAP:
        return _("{n}+ months").format(n=outcomes.TTR_CAP)
    return _("{n} months").format(n=value) if value != 1 else _("1 month")


def _none_remediated(data: DataAccess, filters: Filters) -> str | None:
    total = data.total("cases_remediated", filters)
    if total.suppressed:
        return withheld_note(total, data.params.k, _("remediated cases"))
    return None


def kpi_cards(data: DataAccess, filters: Filters) -> list:
    k = data.params.k
    workers = data.total("workers_remediated", filters)
    cases = data.total("cases_remediated", filters)
    rate = share(data.total("cases_received_remediated", filters), data.total("cases", filters))
    validated = data.validated_share(filters)
    median = median_by(data, filters)[()][1]
    bound = (
        ""
        if workers.suppressed
        else _(
            "Approximate: each case's workers are counted with its own fixed noise of 10 to "
            "20 %, so no single large case can be read off this sum."
        )
    )
    return [
        kpi_card(
            _("Workers remediated"),
            fmt.published(workers, k),
            fmt.published_long(workers, k),
            _("Workers in cases closed as remediated in the period."),
            bound,
        ),
        kpi_card(
            _("Cases remediated"),
            fmt.published(cases, k),
            fmt.published_long(cases, k),
            _("Cases closed as remediated in the period."),
        ),
        kpi_card(
            _("Remediation rate"),
            fmt.percent(rate),
            fmt.percent(rate),
            _("Share of the cases received in the period remediated so far."),
        ),
        kpi_card(
            _("Validated by workers"),
            fmt.percent(validated),
            fmt.percent(validated),
            _("Share of remediations the workers themselves confirmed."),
        ),
        kpi_card(
            _("Median time to remediation"),
            _months(median),
            _months(median),
            _("Whole months from receipt to remediation, for cases remediated in the period."),
        ),
    ]


def monthly_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    why = _none_remediated(data, filters)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    option = (options or {}).get("measure", "cases")
    measure = MEASURES.get(option, "cases_remediated")
    name = _("Cases remediated") if measure == "cases_remediated" else _("Workers remediated")
    grain, result = series(data, measure, filters)
    if result.refused:
        return ChartResult(figures.empty_figure(), None, refused_note(filters))
    periods = [key[0] for key, _p in result.rows]
    cells = result.as_dict()
    running, cumulative = 0, []
    for p in periods:
        running += cells[(p,)].value or 0
        cumulative.append(running)
    line = timeline(data, grain, periods)
    x = line.labels
    figure = figures.bars_and_line(
        x,
        (name, [cells[(p,)].value for p in periods]),
        (_("Cumulative"), cumulative),
        line.axis_title,
    )
    if line.partial:
        figures.mark_partial(figure)
    rows = tuple((label, cells[(p,)], c) for label, p, c in zip(x, periods, cumulative))
    table = TableData(name, (_("Period"), name, _("Cumulative")), rows)
    notes = [grain_note(grain), line.note]
    if any(p.suppressed for p in cells.values()):
        notes.append(
            _(
                "Withheld periods add nothing to the cumulative line, so it can end below "
                "the headline total."
            )
        )
    return ChartResult(figure, table, " ".join(n for n in notes if n))


def funnel_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    values = [r.single for r in data.measures([m for m, _label_ in FUNNEL], (), filters)]
    reported = values[0]
    if reported.suppressed:
        return ChartResult(figures.empty_figure(), None, withheld_note(reported, data.params.k))
    names = [_(label) for _m, label in FUNNEL]
    figure = {
        "data": [
            {
                "type": "funnel",
                "y": names,
                "x": [v.value for v in values],
                # Thousands separators, never SI suffixes ("60,003", not "60.003k").
                "texttemplate": "%{value:,}<br>%{percentInitial:.0%}",
                "marker": {"color": [colours.series(i) for i in range(len(values))]},
                "hovertemplate": "%{y}: %{x:,}<extra></extra>",
            }
        ],
        "layout": figures.base_layout(
            height=320,
            # Each stage is labelled with its count and share: no value axis to read.
            xaxis={"visible": False},
            yaxis={"automargin": True, "title": {"text": _("Stage")}},
            margin={"l": 8, "r": 8, "t": 8, "b": 8},
        ),
    }
    rows = tuple((n, v, Share(share(v, reported))) for n, v in zip(names, values))
    table = TableData(
        _("Cases received in the period, by stage reached"),
        (_("Stage"), _("Cases"), _("Share of reported")),
        rows,
    )
    return ChartResult(figure, table, "")


def routes_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    why = _none_remediated(data, filters)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    total = data.total("cases_remediated", filters)
    result = data.aggregate("cases_remediated", ("route",), filters)
    if result.refused:
        return ChartResult(figures.empty_figure(), None, refused_note(filters))
    cells = result.as_dict()
    routes = list(taxonomy.ROUTES)
    shares = [share(cells[(r,)], total) for r in routes]
    names = [_(taxonomy.ROUTES[r]) for r in routes]
    figure = figures.ranked_bars(
        names,
        [None if s is None else round(100 * s, 1) for s in shares],
        _("Cases remediated (%)"),
        _("Route"),
    )
    figure["layout"]["xaxis"]["tickformat"] = ",.0f"
    rows = tuple((n, cells[(r,)], Share(s)) for n, r, s in zip(names, routes, shares))
    table = TableData(_("Cases remediated by route"), (_("Route"), _("Cases"), _("Share")), rows)
    return ChartResult(figure, table, "")


def ttr_median_chart(
    data: DataAccess, filters: Filters, options: dict | None = None
) -> ChartResult:
    why = _none_remediated(data, filters)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    medians = median_by(data, filters, "theme")
    themes = [t for t in taxonomy.THEMES if (t,) in medians]
    shown = [t for t in themes if medians[(t,)][1] is not None]
    names = [_(taxonomy.THEMES[t]) for t in shown]
    figure = figures.ranked_bars(
        names, [medians[(t,)][1] for t in shown], _("Median months"), _("Issue theme")
    )
    rows = tuple(
        (_(taxonomy.THEMES[t]), medians[(t,)][0], _months(medians[(t,)][1])) for t in themes
    )
    table = TableData(
        _("Median months to remediation by issue theme"),
        (_("Issue theme"), _("Cases remediated"), _("Median")),
        rows,
    )
    notes = []
    if len(shown) < len(themes):
        notes.append(
            _("Themes with fewer than {k} remediated cases have no median.").format(k=data.params.k)
        )
    return ChartResult(figure, table, " ".join(notes))


def ttr_distribution_chart(
    data: DataAccess, filters: Filters, options: dict | None = None
) -> ChartResult:
    why = _none_remediated(data, filters)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    result = data.aggregate("cases_remediated", ("ttr",), filters)
    if result.refused:
        return ChartResult(figures.empty_figure(), None, refused_note(filters))
    cells = result.as_dict()
    shown = [i for i, b in enumerate(outcomes.TTR_BUCKETS) if not cells[(b,)].suppressed]
    buckets = outcomes.TTR_BUCKETS[: max(shown, default=0) + 1]
    values = [cells[(b,)] for b in buckets]
    figure = {
        "data": [
            {
                "type": "bar",
                "x": list(buckets),
                "y": [v.value for v in values],
                "marker": {"color": colours.CATEGORICAL[0]},
                "hovertemplate": "%{x}: %{y:,}<extra></extra>",
                "name": _("Cases remediated"),
            }
        ],
        "layout": figures.base_layout(
            xaxis={"title": {"text": _("Months to remediation")}, "type": "category"},
            yaxis={"title": {"text": _("Cases remediated")}, "tickformat": ",d"},
        ),
    }
    rows = tuple((_months(outcomes.bucket_months(b)), v) for b, v in zip(buckets, values))
    table = TableData(
        _("Cases remediated by months to remediation"),
        (_("Months to remediation"), _("Cases remediated")),
        rows,
    )
    note = ""
    if any(v.suppressed for v in values):
        note = _("Withheld bars (see the table) are not drawn.")
    return ChartResult(figure, table, note)


def rate_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    why = selection_state(data, filters)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    by = (options or {}).get("rate_by", "country")
    if by not in RATE_NAMES:
        by = "country"
    names = RATE_NAMES[by]
    base = filters.without("issue") if by == "theme" else filters
    received_result = data.aggregate("cases", (by,), base)
    remediated_result = data.aggregate("cases_received_remediated", (by,), base)
    if received_result.refused or remediated_result.refused:
        return ChartResult(figures.empty_figure(), None, refused_note(filters))
    received, remediated = received_result.as_dict(), remediated_result.as_dict()
    codes = [c for c in names if not received[(c,)].suppressed]
    rates = {c: share(remediated[(c,)], received[(c,)]) for c in codes}
    ranked = sorted((c for c in codes if rates[c] is not None), key=lambda c: (-rates[c], names[c]))
    figure = figures.ranked_bars(
        [_(names[c]) for c in ranked],
        [round(100 * rates[c], 1) for c in ranked],
        _("Remediation rate (%)"),
        RATE_TITLES[by](),
    )
    figure["layout"]["xaxis"]["tickformat"] = ",.0f"
    withheld = [c for c in codes if rates[c] is None]
    ordered = [*ranked, *sorted(withheld)]
    rows = tuple((_(names[c]), received[(c,)], remediated[(c,)], Share(rates[c])) for c in ordered)
    # Countries, industries and nationalities have profiles; issue themes do not.
    table = TableData(
        _("Remediation rate"),
        ("", _("Cases received"), _("Cases remediated"), _("Remediation rate")),
        rows,
        tuple(profile_link(data, by, c) for c in ordered),
    )
    notes = []
    if withheld:
        notes.append(_("{n} rows have too few cases for a rate.").format(n=len(withheld)))
    return ChartResult(figure, table, " ".join(notes))


def validated_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    why = _none_remediated(data, filters)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    result = data.aggregate("cases_remediated", ("year", "validated"), filters)
    if result.refused:
        return ChartResult(figures.empty_figure(), None, refused_note(filters))
    cells = result.as_dict()
    years = sorted({key[0] for key in cells})
    series_values = [
        (_(label), [cells[(y, code)].value for y in years]) for code, label in VALIDATION.items()
    ]
    line = timeline(data, "year", years)
    figure = figures.stacked_bars(line.labels, series_values, _("Cases remediated"), _("Year"))
    if line.partial:
        figures.mark_partial(figure)
    rows = tuple(
        (label, *(cells[(y, code)] for code in VALIDATION)) for label, y in zip(line.labels, years)
    )
    table = TableData(
        _("Cases remediated by validation"),
        (_("Year closed"), *(_(label) for label in VALIDATION.values())),
        rows,
    )
    return ChartResult(figure, table, " ".join(n for n in (_(WHY_VALIDATION), line.note) if n))


def _issue_dropped_by_theme(options: dict) -> tuple[str, ...]:
    return ("issue",) if options.get("rate_by") == "theme" else ()


def charts() -> list[Chart]:
    return [
        Chart(monthly_meta(), monthly_chart),
        Chart(funnel_meta(), funnel_chart),
        Chart(routes_meta(), routes_chart),
        # A median per theme: an issue filter would leave one theme of one category.
        Chart(ttr_median_meta(), ttr_median_chart, ("issue",)),
        Chart(ttr_distribution_meta(), ttr_distribution_chart),
        # By theme, a rate per theme: the issue filter would leave one theme.
        Chart(rate_meta(), rate_chart, not_applied_with=_issue_dropped_by_theme),
        Chart(validated_meta(), validated_chart),
    ]


def register(app, data: DataAccess) -> None:
    @app.callback(Output(ids.REMEDIATION_KPI, "children"), Input(ids.FILTERS, "data"))
    def _kpis(stored):
        filters = filters_from_store(stored)
        return cached(data, "remediation-kpis", filters, None, lambda: kpi_cards(data, filters))

    for chart in charts():
        register_chart(app, data, chart)
