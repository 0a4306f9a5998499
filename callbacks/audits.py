"""Audits vs Worker Voice: protected audit-gap numbers in, figures and tables out."""

from __future__ import annotations

from dash import Input, Output

from callbacks import crossfilter, figures
from callbacks import worksite_figures as wf
from callbacks.charts import (
    Chart,
    ChartResult,
    Share,
    TableData,
    cached,
    filters_from_store,
    register_chart,
)
from callbacks.profiles import profile_path
from callbacks.protected import withheld_note
from callbacks.urlstate import view_options
from data_access import taxonomy
from data_access.audits import DEFAULT_WINDOW, AuditGap, AuditGaps, Bin, Rate
from data_access.filters import Filters
from data_access.query import DataAccess
from layouts import audits as layout
from layouts import format as fmt
from layouts import ids
from layouts.components import kpi_card
from layouts.i18n import _


def gap(data: DataAccess, filters: Filters, options: dict | None) -> AuditGap:
    return AuditGaps(data).gap(filters, DEFAULT_WINDOW)


def selection_state(result: AuditGap, k: int) -> str | None:
    """Why a selection shows no audit comparison, or None when it has one to publish."""
    sites = result.overall.worksites
    if sites.suppressed:
        return withheld_note(sites, k, _("audited worksites with worker reports"))
    return None


def bin_label(b: Bin) -> str:
    if b.is_zero:
        return _("Found none (0%)")
    low, high = round(b.low * 100), round(b.high * 100)
    if low == 0:
        return _("Up to {high}%").format(high=high)
    return _("Over {low}%, up to {high}%").format(low=low, high=high)


def _missed(rate: float | None) -> float | None:
    return None if rate is None else 1 - rate


def kpi_cards(data: DataAccess, filters: Filters, options: dict | None = None) -> list:
    k = data.params.k
    result = gap(data, filters, options)
    overall = result.overall
    return [
        kpi_card(
            _("Detection rate"),
            fmt.percent(overall.rate),
            fmt.percent(overall.rate),
            _("Share of worker-reported issue categories that audits also found."),
        ),
        kpi_card(
            _("Audited worksites compared"),
            fmt.published(overall.worksites, k),
            fmt.published_long(overall.worksites, k),
            _("Audited worksites with worker reports within the window of an audit."),
        ),
        kpi_card(
            _("Audits found none"),
            fmt.published(result.found_none, k),
            fmt.published_long(result.found_none, k),
            _("Audited worksites where the audits found none of the issues workers reported."),
        ),
    ]


def bins_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    result = gap(data, filters, options)
    why = selection_state(result, data.params.k)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    labels = [bin_label(b) for b in result.bins]
    figure = wf.vbars(
        labels,
        [b.worksites.value for b in result.bins],
        _("Audited worksites"),
        _("Share of worker-reported issues the audits found"),
    )
    table = TableData(
        _("Audited worksites by the share of worker-reported issues their audits found"),
        (_("Detection rate"), _("Audited worksites")),
        tuple((label, b.worksites) for label, b in zip(labels, result.bins)),
    )
    note = ""
    if any(b.worksites.suppressed for b in result.bins):
        note = _("Bins withheld to protect worksites (see the table) are not drawn.")
    return ChartResult(figure, table, note)


def _rate_chart(
    data: DataAccess,
    filters: Filters,
    options: dict | None,
    pick,
    names: dict[str, str],
    param: str,
    caption: str,
    first: str,
    missed: bool = False,
) -> ChartResult:
    result = gap(data, filters, options)
    why = selection_state(result, data.params.k)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    items: list[tuple[str, Rate]] = list(pick(result))

    def rate_of(r: Rate) -> float | None:
        # Where audits found fewer than K of the categories, only a bound is published.
        return r.rate if r.rate is not None else r.below

    shown = sorted(
        [(code, r) for code, r in items if rate_of(r) is not None],
        key=lambda i: (rate_of(i[1]), i[0]),
    )
    labels = [_(names[code]) for code, _r in shown]
    # Shown as the share missed when the question is what audits miss most.
    title = _("Missed by audits") if missed else _("Detection rate")
    figure = wf.hbars(
        labels,
        [(title, [1 - rate_of(r) if missed else rate_of(r) for _c, r in shown])],
        title,
        [f"{param}={code}" for code, _r in shown],
        percent=True,
        bounds=[r.rate is None for _c, r in shown],
        bound_text=_("at least") if missed else _("under"),
        y_title=first,
    )
    ordered = sorted(items, key=lambda i: _(names[i[0]]))
    rows = tuple(
        (_(names[code]), r.reported, r.found, Share(r.rate, r.below), r.worksites)
        + ((Share(_missed(r.rate), _missed(r.below), True),) if missed else ())
        for code, r in ordered
    )
    # Countries of work and industries have profile pages; issue categories do not.
    links = tuple(
        profile_path(param, code) if param in ("country", "industry") else None
        for code, _r in ordered
    )
    header = (first, _("Reported by workers"), _("Also found by audits"), _("Detection rate"))
    header += (_("Audited worksites"),) + ((_("Missed by audits"),) if missed else ())
    notes = []
    if any(r.rate is None and r.below is not None for _c, r in shown):
        notes.append(
            _(
                "Hatched bars: audits found fewer than {k} of these categories, so only a "
                "bound is published."
            ).format(k=data.params.k)
        )
    withheld = len(items) - len(shown)
    if withheld:
        notes.append(
            _("{n} with too few worksites to publish a rate are not shown; see the table.").format(
                n=withheld
            )
        )
    return ChartResult(figure, TableData(caption, header, rows, links), " ".join(notes))


def issue_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    return _rate_chart(
        data,
        filters,
        options,
        lambda r: r.by_issue,
        taxonomy.issue_names(),
        "issue",
        _("Detection rate by issue category"),
        _("Issue category"),
        missed=True,
    )


def industry_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    return _rate_chart(
        data,
        filters,
        options,
        lambda r: r.by_industry,
        taxonomy.INDUSTRIES,
        "industry",
        _("Detection rate by industry"),
        _("Industry"),
    )


def country_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    return _rate_chart(
        data,
        filters,
        options,
        lambda r: r.by_country,
        taxonomy.COUNTRIES,
        "country",
        _("Detection rate by country"),
        _("Country"),
    )


def charts() -> list[Chart]:
    return [
        Chart(layout.bins_meta(), bins_chart),
        Chart(layout.issue_meta(), issue_chart),
        Chart(layout.industry_meta(), industry_chart),
        Chart(layout.country_meta(), country_chart),
    ]


def register(app, data: DataAccess) -> None:
    @app.callback(
        Output(ids.AU_KPI, "children"),
        Input(ids.FILTERS, "data"),
        Input(ids.OPTIONS, "data"),
    )
    def _kpis(stored, stored_options):
        filters = filters_from_store(stored)
        options = view_options(stored_options)
        return cached(
            data, "audits-kpis", filters, options, lambda: kpi_cards(data, filters, options)
        )

    # The explanation starts folded below 768 px (the same breakpoint as the CSS), where
    # its two paragraphs would fill the first screen before the headline numbers.
    app.clientside_callback(
        "function (_id) { return !window.matchMedia('(max-width: 767.98px)').matches; }",
        Output(ids.AU_EXPLANATION, "open"),
        Input(ids.AU_EXPLANATION, "id"),
    )

    for chart in charts():
        register_chart(app, data, chart)
    crossfilter.register(app, [ids.AU_ISSUE_CHART, ids.AU_INDUSTRY_CHART, ids.AU_COUNTRY_CHART])
