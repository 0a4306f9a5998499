"""Ethical Supply Chains: what workers report about conditions at worksites.

Every chart reads employment-stage cases only (a worksite's workers, not recruitment)
and protected numbers only, from DataAccess.aggregate.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from urllib.parse import urlencode

from dash import Input, Output, no_update

from callbacks import crossfilter, figures
from callbacks import worksite_figures as wf
from callbacks.charts import Chart, ChartResult, Share, TableData, register_chart
from callbacks.profiles import profile_link
from callbacks.protected import grain_note, refused_note, selection_state, series, timeline
from data_access import taxonomy
from data_access.disclosure import SUPPRESSED, Published, share
from data_access.filters import Filters
from data_access.query import DataAccess
from layouts import ids
from layouts import supply_chains as layout
from layouts.i18n import _

TOP = 10
TREND_TOP = 5


def employment(filters: Filters) -> Filters:
    return replace(filters, stage="employment")


def measure_of(options: dict | None) -> tuple[str, str]:
    """The aggregate measure and its axis title for the `measure` view option."""
    if (options or {}).get("measure") == "workers":
        return "workers_affected", _("Workers affected")
    return "cases", _("Cases")


def _custom(**params: str) -> str:
    return urlencode(params)


def _published(rows) -> list[tuple[tuple, Published]]:
    return [(k, p) for k, p in rows if not p.suppressed and p.value]


def _v(p: Published) -> int | None:
    return p.value


def _why(data: DataAccess, filters: Filters) -> str | None:
    return selection_state(data, filters)


def _empty(why: str) -> ChartResult:
    return ChartResult(figures.empty_figure(), None, why)


def _employment_chart(build):
    """A chart of employment-stage cases that says why it is empty before building."""

    @functools.wraps(build)
    def chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
        f = employment(filters)
        why = _why(data, f)
        if why:
            return _empty(why)
        return build(data, f, options)

    return chart


def _withheld_note(n: int, k: int, what: str) -> str:
    if not n:
        return ""
    return _("{n} {what} are withheld: grey on the map (see the table).").format(
        n=n, what=what, k=k
    )


# -- top issues by nationality --------------------------------------------------------
@_employment_chart
def issues_chart(data: DataAccess, f: Filters, options: dict | None = None) -> ChartResult:
    measure, title = measure_of(options)
    totals = data.aggregate(measure, ("issue",), f)
    if totals.refused:
        return _empty(refused_note(f))
    ranked = sorted(_published(totals.rows), key=lambda r: (-r[1].value, r[0]))[:TOP]
    if not ranked:
        return _empty(_("No issue category has enough cases to publish for this selection."))
    codes = [key[0] for key, _p in ranked]
    split = data.aggregate(measure, ("issue", "nationality"), f).as_dict()
    nats = [n for n in taxonomy.NATIONALITIES if any((c, n) in split for c in codes)]
    names = [_(taxonomy.ISSUES[c].name) for c in codes]
    series = []
    for nat in nats:
        values = [split.get((c, nat)) for c in codes]
        if any(v is not None and not v.suppressed and v.value for v in values):
            series.append((_(taxonomy.NATIONALITIES[nat]), [_v(v) for v in values]))
    figure = wf.hbars(
        names, series, title, [_custom(issue=c) for c in codes], y_title=_("Issue category")
    )
    shown = [n for n in nats if _(taxonomy.NATIONALITIES[n]) in {s[0] for s in series}]
    rows = tuple(
        (name, total, *(split.get((code, n), SUPPRESSED) for n in shown))
        for name, code, (_key, total) in zip(names, codes, ranked)
    )
    header = (_("Issue category"), _("All nationalities"))
    header += tuple(_(taxonomy.NATIONALITIES[n]) for n in shown)
    # The nationalities are the columns here: their headings link to their profiles.
    table = TableData(
        _("{m} by issue category and nationality").format(m=title),
        header,
        rows,
        header_links=(None, None, *(profile_link(data, "nationality", n) for n in shown)),
    )
    note = _(
        "Parts withheld for small numbers are left out of the bars, so a bar can be shorter "
        "than its total."
    )
    return ChartResult(figure, table, note)


# -- issue x industry heatmap ---------------------------------------------------------
@_employment_chart
def heatmap_chart(data: DataAccess, f: Filters, options: dict | None = None) -> ChartResult:
    table = data.aggregate("cases", ("issue", "industry"), f)
    if table.refused:
        return _empty(refused_note(f))
    cells = table.as_dict()
    per_industry = data.aggregate("cases", ("industry",), f).as_dict()
    industries = [
        i
        for i in taxonomy.INDUSTRIES
        if (i,) in per_industry and not per_industry[(i,)].suppressed and per_industry[(i,)].value
    ]
    issues = [c for c in taxonomy.ISSUES if any((c, i) in cells for i in industries)]
    if not industries or not issues:
        return _empty(_("No industry has enough cases to publish for this selection."))
    shares = [[share(cells[(c, i)], per_industry[(i,)]) for i in industries] for c in issues]
    figure = wf.heatmap(
        [_(taxonomy.INDUSTRIES[i]) for i in industries],
        [_(taxonomy.ISSUES[c].name) for c in issues],
        shares,
        [[_custom(issue=c, industry=i) for i in industries] for c in issues],
        _("Share of cases"),
        _("withheld: too few cases to publish"),
        (_("Industry"), _("Issue category")),
    )
    rows = tuple(
        (_(taxonomy.ISSUES[c].name), *(Share(s) for s in row)) for c, row in zip(issues, shares)
    )
    header = (_("Issue category"), *(_(taxonomy.INDUSTRIES[i]) for i in industries))
    table = TableData(
        _("Share of each industry's cases reporting each issue"),
        header,
        rows,
        header_links=(None, *(profile_link(data, "industry", i) for i in industries)),
    )
    return ChartResult(
        figure, table, _("Grey cells: too few cases to publish. A case can report several.")
    )


# -- trend of the top five issues -----------------------------------------------------
@_employment_chart
def trend_chart(data: DataAccess, f: Filters, options: dict | None = None) -> ChartResult:
    measure, title = measure_of(options)
    totals = data.aggregate(measure, ("issue",), f)
    top = [k[0] for k, _p in sorted(_published(totals.rows), key=lambda r: (-r[1].value, r[0]))]
    top = top[:TREND_TOP]
    if not top:
        return _empty(_("No issue category has enough cases to publish for this selection."))
    # Only the top issues' rows: the same cells as the whole breakdown's, fewer of them.
    grain, result = series(data, measure, f.without("issue"), ("issue",), within={"issue": top})
    if result.refused:
        return _empty(refused_note(f))
    cells = result.as_dict()
    periods = sorted({key[0] for key in cells})
    line = timeline(data, grain, periods)
    x = line.labels
    lines = [
        (_(taxonomy.ISSUES[c].name), [_v(cells[(p, c)]) for p in periods], _custom(issue=c))
        for c in top
    ]
    figure = wf.lines(x, lines, title, line.axis_title)
    if line.partial:
        figures.mark_partial(figure)
    rows = tuple((label, *(cells[(p, c)] for c in top)) for label, p in zip(x, periods))
    header = (_("Period"), *(_(taxonomy.ISSUES[c].name) for c in top))
    table = TableData(_("{m} per period, top five issues").format(m=title), header, rows)
    return ChartResult(figure, table, " ".join(n for n in (grain_note(grain), line.note) if n))


# -- map of worksite countries --------------------------------------------------------
@_employment_chart
def map_chart(data: DataAccess, f: Filters, options: dict | None = None) -> ChartResult:
    measure, title = measure_of(options)
    result = data.aggregate(measure, ("country",), f)
    if result.refused:
        return _empty(refused_note(f))
    shown = [(k[0], p) for k, p in _published(result.rows)]
    withheld = [k[0] for k, p in result.rows if p.suppressed]
    if not shown:
        return _empty(_("No country has enough cases to publish for this selection."))
    figure = wf.choropleth(
        [taxonomy.ISO3[c] for c, _p in shown],
        [p.value for _c, p in shown],
        [_(taxonomy.COUNTRIES[c]) for c, _p in shown],
        [_custom(country=c) for c, _p in shown],
        title,
        (
            [taxonomy.ISO3[c] for c in withheld],
            [_(taxonomy.COUNTRIES[c]) for c in withheld],
        ),
        _("fewer than {k}: withheld").format(k=data.params.k),
    )
    rows = tuple((_(taxonomy.COUNTRIES[key[0]]), p) for key, p in result.rows)
    table = TableData(
        _("{m} by country of the worksite").format(m=title),
        (_("Country"), title),
        rows,
        tuple(profile_link(data, "country", key[0]) for key, _p in result.rows),
    )
    return ChartResult(figure, table, _withheld_note(len(withheld), data.params.k, _("countries")))


# -- themes, with drill-down to categories --------------------------------------------
@_employment_chart
def theme_chart(data: DataAccess, f: Filters, options: dict | None = None) -> ChartResult:
    measure, title = measure_of(options)
    theme = (options or {}).get("theme", "all")
    if theme in taxonomy.THEMES:
        codes = [c for c, i in taxonomy.ISSUES.items() if i.theme == theme]
        result = data.aggregate(measure, ("issue",), f.without("issue"))
        if result.refused:
            return _empty(refused_note(f))
        cells = result.as_dict()
        items = [(c, cells[(c,)]) for c in codes]
        names = [_(taxonomy.ISSUES[c].name) for c, _p in items]
        custom = [_custom(issue=c) for c, _p in items]
        caption = _("{m} by issue category, theme {t}").format(m=title, t=_(taxonomy.THEMES[theme]))
        note = _(
            "Select a category (or use the filters) to filter the view by it; pick “All "
            "themes” to go back."
        )
    else:
        if f.issue:
            return _empty(
                _("The issue filter selects a single category: clear it to compare themes.")
            )
        result = data.aggregate(measure, ("theme",), f)
        if result.refused:
            return _empty(refused_note(f))
        cells = result.as_dict()
        items = [(t, cells[(t,)]) for t in taxonomy.THEMES]
        names = [_(taxonomy.THEMES[t]) for t, _p in items]
        custom = [_custom(theme=t) for t, _p in items]
        caption = _("{m} by issue theme").format(m=title)
        note = _(
            "A case is counted once per theme, however many of its categories it reports. "
            "Select a theme (or pick it in the Theme menu) to see its categories."
        )
    axis = _("Issue category") if theme in taxonomy.THEMES else _("Issue theme")
    figure = wf.hbars(names, [(title, [_v(p) for _c, p in items])], title, custom, y_title=axis)
    rows = tuple((name, p) for name, (_c, p) in zip(names, items))
    return ChartResult(figure, TableData(caption, (_("Theme or category"), title), rows), note)


# -- supply-chain tier ----------------------------------------------------------------
@_employment_chart
def tier_chart(data: DataAccess, f: Filters, options: dict | None = None) -> ChartResult:
    measure, title = measure_of(options)
    result = data.aggregate(measure, ("tier",), f)
    if result.refused:
        return _empty(refused_note(f))
    cells = result.as_dict()
    tiers = list(taxonomy.TIERS)
    values = [cells[(t,)] for t in tiers]
    names = [_(taxonomy.TIERS[t]) for t in tiers]
    figure = wf.hbars(names, [(title, [_v(p) for p in values])], title, y_title=_("Tier"))
    table = TableData(
        _("{m} by supply-chain tier of the worksite").format(m=title),
        (_("Tier"), title),
        tuple(zip(names, values)),
    )
    return ChartResult(figure, table, "")


def _issue_dropped_in_a_theme(options: dict) -> tuple[str, ...]:
    return ("issue",) if options.get("theme", "all") in taxonomy.THEMES else ()


def charts() -> list[Chart]:
    return [
        # Issues are what these two rank and follow: all are drawn, whatever the filter.
        Chart(layout.issues_meta(), issues_chart, ("issue",)),
        Chart(layout.heatmap_meta(), heatmap_chart),
        Chart(layout.trend_meta(), trend_chart, ("issue",)),
        Chart(layout.map_meta(), map_chart, profiles=("country",)),
        # Drilled into a theme, it lists the theme's categories, whatever the issue filter.
        Chart(layout.theme_meta(), theme_chart, not_applied_with=_issue_dropped_in_a_theme),
        Chart(layout.tier_meta(), tier_chart),
    ]


def register(app, data: DataAccess) -> None:
    for chart in charts():
        register_chart(app, data, chart)
    crossfilter.register(
        app, [ids.SC_ISSUES_CHART, ids.SC_HEATMAP_CHART, ids.SC_TREND_CHART, ids.SC_MAP_CHART]
    )

    @app.callback(
        Output(ids.option("theme"), "value", allow_duplicate=True),
        Output(ids.FILTER_PATCH, "data", allow_duplicate=True),
        Input(ids.graph(ids.SC_THEME_CHART), "clickData"),
        prevent_initial_call=True,
    )
    def _theme_clicked(click):
        # A theme bar drills down; a category bar (after drilling down) sets the filter.
        theme = crossfilter.option_value(click, "theme")
        patch = crossfilter.filter_patch(click)
        return theme or no_update, patch or no_update
