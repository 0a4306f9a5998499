"""One model for every chart: a figure and the protected table behind it.

A chart's build function returns a ChartResult; the same TableData is rendered as the
"View as table" HTML table and (for downloads) as CSV, so the figure, the table and the
file can only show the same protected numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from dash import ClientsideFunction, Input, Output, html

from callbacks.profiles import profile_link
from callbacks.urlstate import view_options
from data_access.disclosure import Published, Summed
from data_access.filters import Filters, InvalidParameter
from data_access.query import DataAccess
from layouts import format as fmt
from layouts import ids
from layouts.components import ChartMeta, data_table, empty_state
from layouts.i18n import _, language, ngettext
from layouts.selection import filter_items, scope_note, without


@dataclass(frozen=True)
class Share:
    """A share in [0, 1], or None when it is withheld.

    A withheld share may still have a published `bound`: an upper bound ("under 5%"),
    or with `lower` a lower bound ("over 95%").
    """

    value: float | None
    bound: float | None = None
    lower: bool = False


Cell = Published | Summed | Share | int | str | None


@dataclass(frozen=True)
class TableData:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]  # the first cell of a row labels it
    # Per row, the page its label links to (a profile: /country/TH), or None.
    links: tuple[str | None, ...] = ()
    # Per column, the page its heading links to, for tables whose columns are the
    # subjects (nationalities, industries, corridors side by side), or None.
    header_links: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class ChartResult:
    figure: dict
    table: TableData | None  # None when there is nothing to show
    note: str = ""  # shown above the chart: why it is empty, or how to read it


@dataclass(frozen=True)
class Chart:
    """A chart and its scope.

    `not_applied` names the filters (URL names) the chart is drawn without, declared once
    here: the note on the chart, the CSV header, the image and the embed all say it from
    this declaration, and tests/test_encodings.py checks it against the numbers (an
    undeclared filter must change them, a declared one must not). `highlighted` are
    those of them whose value the chart marks among the rest (a corridor on the map).
    `not_applied_with` adds those a view option drops (issue themes by theme).
    `profiles` are the filters whose subject's profile the chart links to, next to it,
    while one is set: a map's region sets a filter with a click, and a pointer is not
    every reader's way in, so the chart itself offers the next step by keyboard.
    """

    meta: ChartMeta
    build: Callable[[DataAccess, Filters, dict], ChartResult]
    not_applied: tuple[str, ...] = ()
    highlighted: tuple[str, ...] = ()
    not_applied_with: Callable[[dict], tuple[str, ...]] = lambda options: ()
    profiles: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.meta.id

    def ignored(self, options: dict | None = None) -> tuple[str, ...]:
        """The filters the chart is drawn without under these view options."""
        extra = self.not_applied_with(options or {})
        return self.not_applied + tuple(n for n in extra if n not in self.not_applied)

    def applied(self, filters: Filters, options: dict | None = None) -> Filters:
        """The selection the chart's numbers are for."""
        return without(filters, self.ignored(options))

    def scope_note(self, filters: Filters, options: dict | None = None) -> str:
        return scope_note(filters, self.ignored(options), self.highlighted)

    def answer(self, data: DataAccess, filters: Filters, options: dict) -> ChartResult:
        """The chart built for a selection, its note opening with what it does not apply."""
        result = self.build(data, filters, options)
        note = " ".join(n for n in (self.scope_note(filters, options), result.note) if n)
        return replace(result, note=note)


def format_cell(cell: Cell, k: int) -> str:
    """A cell for readers: thousands separators, "<K" when withheld, shares in %."""
    if isinstance(cell, Published | Summed):
        return fmt.published(cell, k)
    if isinstance(cell, Share):
        if cell.value is None and cell.bound is not None:
            return fmt.percent_bound(cell.bound, cell.lower)
        return fmt.percent(cell.value)
    if isinstance(cell, int):
        return fmt.number(cell)
    return "" if cell is None else str(cell)


def csv_cell(cell: Cell, k: int) -> str:
    """A cell for a CSV file: plain digits, "<K" when withheld, shares as decimals."""
    if isinstance(cell, Published | Summed):
        return fmt.published_csv(cell, k)
    if isinstance(cell, Share):
        if cell.value is None and cell.bound is not None:
            return (">" if cell.lower else "<") + f"{cell.bound:.4f}"
        return "" if cell.value is None else f"{cell.value:.4f}"
    return "" if cell is None else str(cell)


def _number(cell: Cell) -> float | None:
    if isinstance(cell, Published | Summed | Share):
        return cell.value
    if isinstance(cell, int):
        return cell
    return None


def summary(table: TableData | None, k: int) -> str:
    """One sentence for a chart's figure: its table's largest number, where it is, and how
    many rows the table holds (the key number a sighted reader takes from the chart).

    The first column of numbers is the one the chart draws first; a chart with no table
    or no published number gets no sentence (its note says why).
    """
    if table is None:
        return ""
    for column in range(1, len(table.header)):
        values = [(_number(row[column]), row) for row in table.rows if len(row) > column]
        published = [(v, row) for v, row in values if v is not None]
        if published:
            _value, top = max(published, key=lambda pair: pair[0])
            rows = ngettext("{n} row", "{n} rows", len(table.rows)).format(n=len(table.rows))
            return _("{measure}, highest: {label}, {value}; {rows} in the table.").format(
                measure=table.header[column],
                label=format_cell(top[0], k),
                value=format_cell(top[column], k),
                rows=rows,
            )
    return ""


def render_table(table: TableData | None, k: int, empty_message: str):
    if table is None:
        return empty_state(empty_message)
    rows = [[format_cell(c, k) for c in row] for row in table.rows]
    return data_table(table.caption, list(table.header), rows)


def filters_from_store(stored: dict | None) -> Filters:
    """The filter store's content as Filters; raises InvalidParameter on forged values."""
    stored = stored or {}
    known = {f.name for f in fields(Filters)}
    for name in stored:
        if name not in known:
            raise InvalidParameter(name, stored[name], ", ".join(sorted(known)))
    return Filters(**stored)


def table_payload(table: TableData | None, k: int, empty_message: str) -> dict:
    """A table as the browser renders it (assets/04_tables.js): formatted strings only."""
    if table is None:
        return {"empty": empty_message}
    payload = {
        "caption": table.caption,
        "header": list(table.header),
        "rows": [[format_cell(c, k) for c in row] for row in table.rows],
    }
    if any(table.links):
        payload["links"] = list(table.links)
    if any(table.header_links):
        payload["headerLinks"] = list(table.header_links)
    return payload


# The footprint code is a view option only so that the link can hold it: no chart reads
# it, and a key per footprint would make a chart's entry per reader.
UNCACHED_OPTIONS = ("fp",)


def cached(data: DataAccess, name: str, filters: Filters, options: dict | None, build):
    """`build()` cached as a whole answer: the data version, the disclosure rules (from
    DataAccess.memo), the selection, the view options and the language in its key.

    `options` are those `build` uses, already passed through view_options (or None)."""
    kept = {k: v for k, v in (options or {}).items() if k not in UNCACHED_OPTIONS}
    if options is not None and view_options(options) != options:
        raise ValueError("view options must pass view_options before they key the cache")
    key = (name, filters.key(), tuple(sorted(kept.items())), language())
    return data.memo(key, build)


def run(chart: Chart, data: DataAccess, stored_filters: Any, stored_options: Any) -> tuple:
    """What a chart's callback returns: figure, table payload, note component, summary.

    The whole answer is cached with the data version, the disclosure rules and the
    language in its key, so asking again costs one cache read.
    """
    filters = filters_from_store(stored_filters)
    options = view_options(stored_options)

    def build() -> tuple:
        result = chart.build(data, filters, options)
        # An empty table says why it is empty, not only what the chart leaves out.
        empty = result.note or _("Nothing to show.")
        table = table_payload(result.table, data.params.k, empty)
        note = " ".join(n for n in (chart.scope_note(filters, options), result.note) if n)
        return result.figure, table, note, summary(result.table, data.params.k)

    figure, table, note, sentence = cached(data, "chart:" + chart.id, filters, options, build)
    links = profile_links(chart, data, filters)
    if links:
        return figure, table, html.Span([note, *links] if note else links), sentence
    return figure, table, html.Span(note) if note else None, sentence


def profile_links(chart: Chart, data: DataAccess, filters: Filters) -> list:
    """Links to the profiles of the chart's `profiles` filters that are set and have one."""
    links = []
    for param, label in filter_items(filters):
        if param not in chart.profiles:
            continue
        href = profile_link(data, param, filters.value_of(param))
        if href:
            links.append(
                html.A(
                    _("Profile of {name}").format(name=label),
                    href=href,
                    className="ms-2 profile-link",
                )
            )
    return links


def register_chart(app, data: DataAccess, chart: Chart) -> None:
    @app.callback(
        Output(ids.graph(chart.id), "figure"),
        Output(ids.table_data(chart.id), "data"),
        Output(ids.note(chart.id), "children"),
        Output(ids.summary(chart.id), "children"),
        Input(ids.FILTERS, "data"),
        Input(ids.OPTIONS, "data"),
    )
    def _chart(stored_filters, stored_options):
        return run(chart, data, stored_filters, stored_options)

    # Hundreds of cells in closed tables made every later update of the page slow (each
    # component is checked on each update): a table exists only while a reader opens it.
    app.clientside_callback(
        ClientsideFunction("ilm", "table"),
        Output(ids.table(chart.id), "children"),
        Input(ids.table_data(chart.id), "data"),
        Input(ids.table_toggle(chart.id), "n_clicks"),
    )
