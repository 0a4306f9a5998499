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
from data_access import taxonomy
from data_access.disclosure import Published
from data_access.filters import Filters
from data_access.query import DataAccess, Result
from layouts import format as fmt
from layouts import ids
from layouts.components import kpi_card
from layouts.format import month_label
from layouts.i18n import _
from layouts.overview import cases_meta, contacts_meta, issues_meta

# A series is shown by quarter (or year) when too many of its months are withheld.
THIN_SHARE = 0.25
GRAINS = ("month", "quarter", "year")


def _label(grain: str, key: str) -> str:
    return month_label(key) if grain == "month" else key


def _thin(result: Result) -> bool:
    cells = [p for _, p in result.rows if p.suppressed or p.value]
    withheld = sum(1 for p in cells if p.suppressed)
    return bool(cells) and withheld / len(cells) > THIN_SHARE


def series(data: DataAccess, measure: str, filters: Filters, by: tuple = ()) -> tuple[str, Result]:
    """The finest time grain at which the series is mostly publishable."""
    for grain in GRAINS:
        result = data.aggregate(measure, (grain, *by), filters)
        if not _thin(result) or grain == GRAINS[-1]:
            return grain, result
    raise AssertionError("unreachable")


def _grain_note(grain: str) -> str:
    if grain == "month":
        return ""
    if grain == "quarter":
        return _("Shown by quarter: too few cases per month to publish monthly numbers.")
    return _("Shown by year: too few cases per quarter to publish quarterly numbers.")


def selection_state(data: DataAccess, filters: Filters) -> str | None:
    """Why a selection shows no case numbers, or None when it has publishable cases."""
    cases = data.total("cases", filters)
    k = data.params.k
    if cases.value == 0:
        return _("No cases match this selection.")
    if cases.suppressed:
        return _(
            "Fewer than {k} cases match this selection: numbers are withheld to protect the "
            "workers who reported."
        ).format(k=k)
    return None


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
    cells = result.as_dict()
    periods = sorted({key[0] for key in cells})
    if not periods:
        return ChartResult(figures.empty_figure(), None, _("No contacts match this selection."))
    channels = [c for c in taxonomy.CHANNELS if any(key[1] == c for key in cells)]
    names = [_(taxonomy.CHANNELS[c]) for c in channels]
    series_values = [
        (name, [_value(cells.get((p, c))) for p in periods]) for name, c in zip(names, channels)
    ]
    x = periods if grain == "month" else [_label(grain, p) for p in periods]
    figure = figures.stacked_bars(x, series_values, _("Contacts"))
    rows = tuple(
        (_label(grain, p), *(cells.get((p, c), Published(0)) for c in channels)) for p in periods
    )
    table = TableData(_("Worker contacts by channel"), (_("Period"), *names), rows)
    notes = [_grain_note(grain)]
    if result.ignored_filters:
        notes.append(_("Only the period, nationality and channel filters apply to contacts."))
    return ChartResult(figure, table, " ".join(n for n in notes if n))


def _value(p: Published | None) -> int | None:
    if p is None:
        return 0
    return p.value


def cases_chart(data: DataAccess, filters: Filters, options: dict | None = None) -> ChartResult:
    why = selection_state(data, filters)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    grain, cases = series(data, "cases", filters)
    remediated = data.aggregate("workers_remediated", (grain,), filters)
    c, r = cases.as_dict(), remediated.as_dict()
    periods = sorted({key[0] for key in c} | {key[0] for key in r})
    x = periods if grain == "month" else [_label(grain, p) for p in periods]
    figure = figures.bars_and_line(
        x,
        (_("Cases received"), [_value(c.get((p,))) for p in periods]),
        (_("Workers remediated"), [_value(r.get((p,))) for p in periods]),
    )
    zero = Published(0)
    rows = tuple((_label(grain, p), c.get((p,), zero), r.get((p,), zero)) for p in periods)
    table = TableData(
        _("Cases received and workers remediated"),
        (_("Period"), _("Cases received"), _("Workers remediated")),
        rows,
    )
    return ChartResult(figure, table, _grain_note(grain))


def issues_chart(
    data: DataAccess, filters: Filters, options: dict | None = None, top: int = 10
) -> ChartResult:
    k = data.params.k
    why = selection_state(data, filters)
    if why:
        return ChartResult(figures.empty_figure(), None, why)
    result = data.aggregate("cases", ("issue",), filters)
    published = [(key[0], p) for key, p in result.rows if not p.suppressed and p.value]
    withheld = [(key[0], p) for key, p in result.rows if p.suppressed]
    ranked = sorted(published, key=lambda item: (-item[1].value, item[0]))[:top]
    names = [_(taxonomy.ISSUES[code].name) for code, _p in ranked]
    figure = figures.ranked_bars(names, [p.value for _c, p in ranked], _("Cases"))
    rows = [(name, p) for name, (_c, p) in zip(names, ranked)]
    rows += [(_(taxonomy.ISSUES[code].name), p) for code, p in sorted(withheld)]
    table = TableData(_("Cases by issue category"), (_("Issue category"), _("Cases")), tuple(rows))
    note = ""
    if withheld:
        note = _("{n} issue categories have fewer than {k} cases and are not ranked.").format(
            n=len(withheld), k=k
        )
    return ChartResult(figure, table, note)


def charts() -> list[Chart]:
    return [
        Chart(contacts_meta(), contacts_chart),
        Chart(cases_meta(), cases_chart),
        Chart(issues_meta(), issues_chart),
    ]


def register(app, data: DataAccess) -> None:
    @app.callback(Output(ids.KPI, "children"), Input(ids.FILTERS, "data"))
    def _kpis(stored):
        filters = filters_from_store(stored)
        return cached(data, "overview-kpis", filters, None, lambda: kpi_cards(data, filters))

    for chart in charts():
        register_chart(app, data, chart)
