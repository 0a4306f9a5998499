"""Overview: the KPI cards and three charts, each from protected numbers only."""

from __future__ import annotations

from dash import Input, Output

from callbacks import figures
from callbacks.charts import (
    Chart,
    ChartResult,
    TableData,
    cached,
    filters_from_store,
    register_chart,
)
from callbacks.protected import (
    grain_note,
    refused_note,
    selection_state,
    series,
    timeline,
)
from data_access import taxonomy
from data_access.disclosure import SUPPRESSED, Published
from data_access.filters import Filters
from data_access.query import DataAccess
from layouts import format as fmt
from layouts import ids
from layouts.components import kpi_card
from layouts.i18n import _, ngettext
from layouts.overview import cases_meta, contacts_meta, issues_meta


def kpi_cards(data: DataAccess, filters: Filters) -> list:
    k = data.params.k
    names = (
        "contacts",
        "cases",
        "workers_affected",
        "workers_remediated",
        "cases_remediated",
        "remediations_validated",
    )
    # Measures that count the same rows share a query: four instead of six.
    totals = dict(zip(names, data.measures(names, (), filters)))
    contacts_note = ""
    if totals["contacts"].ignored_filters:
        contacts_note = _("Only the period, nationality and channel filters apply to contacts.")
    # Its two parts were just asked for (and cached) with the other measures.
    share = data.validated_share(filters)
    cards = []
    for measure, label, definition, note in (
        ("contacts", _("Worker contacts"), _("Contacts with the channels."), contacts_note),
        ("cases", _("Cases"), _("Cases received in the period."), ""),
        (
            "workers_affected",
            _("Workers affected"),
            _("Workers in the cases received."),
            "",
        ),
        (
            "workers_remediated",
            _("Workers remediated"),
            _("Workers in cases remediated in the period."),
            "",
        ),
    ):
        value = totals[measure].single
        cards.append(
            kpi_card(
                label,
                fmt.published(value, k),
                fmt.published_long(value, k),
                definition,
                note,
            )
        )
    cards.append(
        kpi_card(
            _("Validated by workers"),
            fmt.percent(share),
            fmt.percent(share),
            _("Share of remediations the workers themselves confirmed."),
            _("Supplier self-reports can differ from what workers confirm."),
        )
    )
    return cards


def contacts_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    grain, result = series(data, "contacts", filters, ("channel",))
    if result.refused:
        return ChartResult(figures.empty_figure(), None, refused_note(filters))
    cells = result.as_dict()
    periods = sorted({key[0] for key in cells})
    channels = list(taxonomy.CHANNELS)
    names = [_(taxonomy.CHANNELS[c]) for c in channels]
    series_values = [
        (name, [_value(cells.get((p, c))) for p in periods]) for name, c in zip(names, channels)
    ]
    line = timeline(data, grain, periods)
    x = periods if grain == "month" else line.labels
    figure = figures.stacked_bars(x, series_values, _("Contacts"), line.axis_title)
    if line.partial:
        figures.mark_partial(figure)
    rows = tuple(
        (label, *(cells[(p, c)] for c in channels)) for label, p in zip(line.labels, periods)
    )
    table = TableData(_("Worker contacts by channel"), (_("Period"), *names), rows)
    return ChartResult(figure, table, " ".join(n for n in (grain_note(grain), line.note) if n))


def _value(p: Published) -> int | None:
    return p.value


def cases_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    why = selection_state(data, filters)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    grain, cases = series(data, "cases", filters)
    if cases.refused:
        return ChartResult(figures.empty_figure(), None, refused_note(filters))
    remediated = data.aggregate("workers_remediated", (grain,), filters)
    c, r = cases.as_dict(), remediated.as_dict()
    periods = sorted(key[0] for key in c)
    line = timeline(data, grain, periods)
    x = periods if grain == "month" else line.labels
    figure = figures.bars_and_line(
        x,
        (_("Cases received"), [_value(c[(p,)]) for p in periods]),
        (_("Workers remediated"), [_value(r.get((p,), SUPPRESSED)) for p in periods]),
        line.axis_title,
    )
    if line.partial:
        figures.mark_partial(figure)
    rows = tuple(
        (label, c[(p,)], r.get((p,), SUPPRESSED)) for label, p in zip(line.labels, periods)
    )
    table = TableData(
        _("Cases received and workers remediated"),
        (_("Period"), _("Cases received"), _("Workers remediated")),
        rows,
    )
    notes = [grain_note(grain), line.note]
    if remediated.refused:
        notes.append(_("Workers remediated are too few per period to publish in this selection."))
    return ChartResult(figure, table, " ".join(n for n in notes if n))


def issues_chart(
    data: DataAccess, filters: Filters, options: dict | None = None, top: int = 10
) -> ChartResult:
    k = data.params.k
    why = selection_state(data, filters)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    result = data.aggregate("cases", ("issue",), filters.without("issue"))
    if result.refused:
        return ChartResult(figures.empty_figure(), None, refused_note(filters))
    published = [(key[0], p) for key, p in result.rows if not p.suppressed]
    withheld = [(key[0], p) for key, p in result.rows if p.suppressed]
    ranked = sorted(published, key=lambda item: (-item[1].value, item[0]))[:top]
    names = [_(taxonomy.ISSUES[code].name) for code, _p in ranked]
    figure = figures.ranked_bars(
        names, [p.value for _c, p in ranked], _("Cases"), _("Issue category")
    )
    rows = [(name, p) for name, (_c, p) in zip(names, ranked)]
    rows += [(_(taxonomy.ISSUES[code].name), p) for code, p in sorted(withheld)]
    table = TableData(_("Cases by issue category"), (_("Issue category"), _("Cases")), tuple(rows))
    notes = []
    if withheld:
        notes.append(
            ngettext(
                "{n} issue category is withheld (see the table) and is not ranked.",
                "{n} issue categories are withheld (see the table) and are not ranked.",
                len(withheld),
            ).format(n=len(withheld), k=k)
        )
    return ChartResult(figure, table, " ".join(notes))


def charts() -> list[Chart]:
    return [
        # Contacts are counted by channel and nationality, never by case attributes.
        Chart(contacts_meta(), contacts_chart, ("country", "industry", "corridor", "issue")),
        Chart(cases_meta(), cases_chart),
        # Every category is ranked, so the one picked can be seen among the rest.
        Chart(issues_meta(), issues_chart, ("issue",)),
    ]


def register(app, data: DataAccess) -> None:
    @app.callback(Output(ids.KPI, "children"), Input(ids.FILTERS, "data"))
    def _kpis(stored):
        filters = filters_from_store(stored)
        return cached(data, "overview-kpis", filters, None, lambda: kpi_cards(data, filters))

    for chart in charts():
        register_chart(app, data, chart)
