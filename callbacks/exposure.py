"""Supply-chain exposure: edit a footprint, and show its protected profile.

The footprint travels only between the reader's browser and these callbacks: it is
checked (callbacks.footprint), its numbers are read through data_access.exposure, and
it is dropped when the request ends. Nothing here writes it to the cache, a log or a
file; the report is built in memory and sent back to the same browser.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from callbacks import figures
from callbacks import footprint as fp
from callbacks.charts import (
    Share,
    TableData,
    csv_cell,
    filters_from_store,
    summary,
    table_payload,
)
from callbacks.protected import partial_to, time_label
from callbacks.urlstate import OPTIONS
from data_access import taxonomy
from data_access.disclosure import NEAR_TOTAL, SUPPRESSED
from data_access.exposure import RECRUITMENT_ISSUES, TOP_ISSUES, Exposure, Profile, Segment
from data_access.filters import Filters, InvalidParameter
from data_access.query import DataAccess
from layouts import colours, csvfile, ids
from layouts import exposure as layout
from layouts import format as fmt
from layouts.components import chart_card, drawn_table, empty_state, kpi_card, scroll_region
from layouts.format import month_label, period_label
from layouts.i18n import _, ngettext
from layouts.provenance import (
    LICENCE,
    LICENCE_URL,
    disclosure_rule,
    file_suffix,
    source_line,
    synthetic_label,
)

# Filters the footprint replaces: only the period applies on this view.
FOOTPRINT_FILTERS = ("country", "nationality", "industry", "origin", "issue", "channel")


# -- the footprint editor ------------------------------------------------------------
def _error(messages) -> html.Div:
    return html.Div(
        [
            html.P(_("The footprint was not changed:"), className="fw-semibold mb-1"),
            html.Ul([html.Li(m) for m in messages], className="mb-0"),
        ],
        className="alert alert-danger small py-2",
    )


def _ok(message: str) -> html.Div:
    return html.Div(message, className="alert alert-success small py-2")


def _url_value(footprint: fp.Footprint, source: str) -> str:
    """What the link keeps: a menu-built footprint up to MAX_URL_ROWS rows, else nothing."""
    if source != "ui" or len(footprint.rows) > fp.MAX_URL_ROWS:
        return ""
    return fp.encode(footprint)


def decode_upload(contents: str) -> bytes:
    """The bytes of a dcc.Upload data URL (base64 after the comma)."""
    _header, _sep, payload = (contents or "").partition(",")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise fp.FootprintError([_("The file could not be read.")]) from None


def edit(
    trigger,
    stored: dict | None,
    *,
    form: dict | None = None,
    remove: int | None = None,
    upload: tuple[str | None, str] | None = None,
    url_code: str | None = None,
) -> tuple:
    """One edit of the footprint: (new store or no_update, link value or no_update, message).

    A failed edit changes nothing: the previous footprint stays as it was.
    """
    current, source = fp.from_store(stored)
    try:
        if trigger == ids.EX_UPLOAD:
            filename, contents = upload or (None, "")
            new = fp.parse_file(filename, decode_upload(contents))
            message = _ok(
                ngettext(
                    "Read {n} row from {name}. It is kept in this browser tab only.",
                    "Read {n} rows from {name}. They are kept in this browser tab only.",
                    len(new.rows),
                ).format(n=len(new.rows), name=filename)
            )
            return fp.to_store(new, "upload"), "", message
        if trigger == ids.EX_ADD:
            form = form or {}
            row = fp.menu_row(
                form.get("country"),
                form.get("industry"),
                form.get("nationalities"),
                form.get("weight"),
            )
            new = current.add(row)
            source = source or "ui"
            return fp.to_store(new, source), _url_value(new, source), None
        if trigger == ids.EX_CLEAR:
            return fp.to_store(fp.Footprint(), "ui"), "", None
        if isinstance(trigger, dict) and trigger.get("type") == ids.EX_REMOVE:
            if remove is None or not 0 <= remove < len(current.rows):
                raise PreventUpdate
            new = current.without(remove)
            source = source or "ui"
            return fp.to_store(new, source), _url_value(new, source), None
        if trigger == ids.OPTIONS:
            return _from_link(current, source, url_code or "")
    except fp.FootprintError as error:
        return no_update, no_update, _error(error.messages)
    raise PreventUpdate


FORM_FIELDS = ("country", "industry", "nationalities", "weight")


def form_after(trigger, result: tuple) -> list:
    """The row form's values after an edit: emptied once its row was added, so that the
    next row never silently takes this one's nationalities or weight; kept when the row
    was refused (its message says what to fix) or another control acted."""
    added = trigger == ids.EX_ADD and result[0] is not no_update
    return [None] * len(FORM_FIELDS) if added else [no_update] * len(FORM_FIELDS)


def _from_link(current: fp.Footprint, source: str, code: str) -> tuple:
    """The link wins on load and back/forward; a menu-built footprint goes into the link."""
    if code:
        new = fp.decode(code)
        if new == current:
            raise PreventUpdate
        return fp.to_store(new, "ui"), no_update, None
    if source == "ui" and current.rows and len(current.rows) <= fp.MAX_URL_ROWS:
        return no_update, fp.encode(current), None
    raise PreventUpdate


def _weight_text(row: fp.Row) -> str:
    return "" if row.weight is None else f"{row.weight:,.10g}"


def rows_view(stored: dict | None, options: dict | None):
    footprint, _source = fp.from_store(stored)
    kind = (options or {}).get("weight", "sites")
    heading = layout.weight_label(kind) if footprint.weighted else _("Equal share")
    labels = [
        (
            fp.row_label(row),
            ", ".join(_(taxonomy.NATIONALITIES[n]) for n in row.nationalities) or "—",
            _weight_text(row) or "—",
            fmt.percent(share),
        )
        for row, share in zip(footprint.rows, footprint.shares())
    ]
    return layout.rows_table(labels, heading)


# -- the profile -----------------------------------------------------------------------
def period_of(stored_filters) -> tuple[Filters, list[str]]:
    """The period of the global filters, and the names of filters that do not apply here."""
    try:
        filters = filters_from_store(stored_filters)
    except (InvalidParameter, TypeError):
        return Filters(), []
    ignored = [name for name in FOOTPRINT_FILTERS if getattr(filters, name) is not None]
    return Filters(period=filters.period), ignored


def prepare(data: DataAccess, stored: dict | None, stored_filters, options: dict | None):
    """(footprint, period, filters not applied, weight kind, profile), or None when empty."""
    footprint, _source = fp.from_store(stored)
    if not footprint.rows:
        return None
    period, ignored = period_of(stored_filters)
    kind = (options or {}).get("weight", "sites")
    profile = Exposure(data).profile(footprint.rows, footprint.shares(), period)
    return footprint, period, ignored, kind, profile


def _status(segment: Segment, k: int) -> str:
    if segment.cases.reason == NEAR_TOTAL:
        return _("Withheld: within {k} of a larger published number").format(k=k)
    if segment.cases.suppressed:
        return _("Too few reports to publish (fewer than {k}, or none)").format(k=k)
    return ""


def _months_text(value: float | None) -> str:
    if value is None:
        return _("not published")
    return _("{n} months").format(n=f"{value:.1f}".rstrip("0").rstrip("."))


def _top_issues(segment: Segment) -> str:
    if not segment.published:
        return ""
    ranked = sorted(
        (
            (p.value, code)
            for code, p in segment.issues.items()
            if not p.suppressed and p.value and code in taxonomy.ISSUES
        ),
        reverse=True,
    )[:3]
    return "; ".join(_(taxonomy.ISSUES[code].name) for _v, code in ranked)


def ranking_table(profile: Profile, kind: str, weighted: bool, k: int) -> TableData:
    order = sorted(
        range(len(profile.segments)),
        key=lambda i: (profile.scores[i] is None, -(profile.scores[i] or 0), i),
    )
    rows = []
    for i in order:
        s = profile.segments[i]
        score = profile.scores[i]
        rows.append(
            (
                _segment_label(s),
                Share(s.share),
                s.cases,
                Share(s.remediation_rate),
                s.open_reports,
                None if score is None else f"{score:.0f}",
                _status(s, k),
            )
        )
    share_heading = layout.weight_label(kind) if weighted else _("Equal share")
    return TableData(
        _("Footprint rows ranked by exposure score"),
        (
            _("Row"),
            share_heading,
            _("Cases reported"),
            _("Remediation rate"),
            _("Open reports"),
            _("Exposure score"),
            _("Note"),
        ),
        tuple(rows),
    )


def _segment_label(s: Segment) -> str:
    return f"{fp.country_name(s.country)} · {fp.industry_name(s.industry)}"


def segments_table(profile: Profile, k: int) -> TableData:
    rows = []
    for s in profile.segments:
        nationalities = "; ".join(
            f"{_(taxonomy.NATIONALITIES[n])}: {fmt.published(p, k)}" for n, p in s.by_nationality
        )
        rows.append(
            (
                _segment_label(s),
                s.cases,
                s.workers,
                s.remediated,
                Share(s.remediation_rate),
                _months_text(None if s.median_months is None else float(s.median_months)),
                Share(s.audit.rate),
                _top_issues(s),
                nationalities or "—",
                _status(s, k),
            )
        )
    return TableData(
        _("What workers report in each footprint row's segment"),
        (
            _("Row"),
            _("Cases reported"),
            _("Workers affected"),
            _("Cases remediated so far"),
            _("Remediation rate"),
            _("Median time to remediation"),
            _("Audit detection rate"),
            _("Top issues"),
            _("Cases by your nationalities"),
            _("Note"),
        ),
        tuple(rows),
    )


def corridors_table(profile: Profile) -> TableData | None:
    rows = []
    for s in profile.segments:
        for c in s.corridors:
            issues = dict(c.issues)
            rows.append(
                (
                    _("{origin} → {destination} ({industry})").format(
                        origin=fp.country_name(c.origin),
                        destination=fp.country_name(c.destination),
                        industry=fp.industry_name(s.industry),
                    ),
                    c.cases,
                    c.recruitment,
                    *(issues[code] for code in RECRUITMENT_ISSUES),
                )
            )
    if not rows:
        return None
    return TableData(
        _("Recruitment corridors that feed your segments"),
        (
            _("Corridor"),
            _("Cases in the segment from this origin"),
            _("Recruitment-stage cases on this corridor"),
            *(_(taxonomy.ISSUES[code].name) for code in RECRUITMENT_ISSUES),
        ),
        tuple(rows),
    )


def trend_table(profile: Profile, as_of: str | None = None) -> TableData | None:
    """Cases per quarter; a quarter the data ends partway through is labelled so."""
    if not profile.quarters:
        return None
    shown = [s for s in profile.segments if s.published]
    total = dict(profile.trend())
    rows = tuple(
        (
            time_label("quarter", q, as_of),
            *(s.trend.get(q, SUPPRESSED) for s in shown),
            total[q],
        )
        for q in profile.quarters
    )
    return TableData(
        _("Cases reported per quarter"),
        (_("Quarter"), *(_segment_label(s) for s in shown), _("Footprint")),
        rows,
    )


def trend_figure(table: TableData | None, partial: bool = False) -> dict:
    """`partial`: the last quarter is one the data ends partway through."""
    if table is None:
        return figures.empty_figure()
    x = [row[0] for row in table.rows]
    data = []
    for col, name in enumerate(table.header[1:], start=1):
        is_total = col == len(table.header) - 1
        y = [
            None if cell is None or cell.suppressed else cell.value
            for cell in (row[col] for row in table.rows)
        ]
        color = colours.BLACK if is_total else colours.series(col - 1)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": x,
                "y": y,
                "connectgaps": False,
                "line": {"color": color, "width": 3 if is_total else 1.5},
                "marker": {"size": 4, "color": color},
                "hovertemplate": "%{x}: %{y:,}<extra>" + name + "</extra>",
            }
        )
    figure = {"data": data, "layout": figures.base_layout(y_title=_("Cases"), x_title=_("Quarter"))}
    return figures.mark_partial(figure) if partial else figure


def profile_table(items, names: dict[str, str], caption: str, limit: int | None) -> TableData:
    rows = []
    for code, mine, network in items[:limit] if limit else items:
        ratio = "" if not network else f"{mine / network:.1f}×"
        rows.append((_(names[code]), Share(mine), Share(network), ratio))
    return TableData(
        caption,
        ("", _("Your footprint"), _("Whole network"), _("Footprint ÷ network")),
        tuple(rows),
    )


def compare_figure(table: TableData) -> dict:
    labels = [row[0] for row in table.rows][::-1]
    data = []
    for col, (name, color) in enumerate(
        ((table.header[1], colours.CATEGORICAL[0]), (table.header[2], colours.CATEGORICAL[1])),
        start=1,
    ):
        values = [row[col].value for row in table.rows][::-1]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "y": labels,
                "x": [None if v is None else round(100 * v, 1) for v in values],
                "marker": {"color": color},
                "hovertemplate": "%{y}: %{x:.1f}%<extra>" + name + "</extra>",
            }
        )
    layout_ = figures.base_layout(
        height=max(240, 44 * len(labels) + 80),
        barmode="group",
        xaxis={
            "title": {"text": _("Share of cases (%)")},
            "ticksuffix": "%",
            "gridcolor": colours.GRID,
        },
        yaxis={"automargin": True},
    )
    layout_["margin"]["l"] = 8
    return {"data": data, "layout": layout_}


def issue_names() -> dict[str, str]:
    return {code: issue.name for code, issue in taxonomy.ISSUES.items()}


def tables(
    profile: Profile, footprint: fp.Footprint, kind: str, k: int, as_of: str | None = None
) -> dict:
    """Every table of the profile, by section id: the page and the report show these."""
    return {
        ids.EX_RANKING: ranking_table(profile, kind, footprint.weighted, k),
        ids.EX_SEGMENTS: segments_table(profile, k),
        ids.EX_TREND: trend_table(profile, as_of),
        ids.EX_ISSUES: profile_table(
            profile.issue_profile(),
            issue_names(),
            _("Top issues: share of cases in your footprint and in the whole network"),
            TOP_ISSUES * 2,
        ),
        ids.EX_THEMES: profile_table(
            profile.theme_profile(),
            taxonomy.THEMES,
            _("Issue themes: share of cases in your footprint and in the whole network"),
            None,
        ),
        ids.EX_CORRIDORS: corridors_table(profile),
    }


def headline(profile: Profile, k: int) -> list:
    cases, withheld = profile.total("cases")
    workers, workers_withheld = profile.total("workers")
    rate, months, audits = (
        profile.remediation_rate(),
        profile.median_months(),
        profile.audit_rate(),
    )

    def coverage(w) -> str:
        if w.value is None:
            return _("Withheld in every row.")
        if w.coverage >= 0.999:
            return ""
        return _("From rows holding {share} of your footprint.").format(
            share=fmt.percent(w.coverage)
        )

    withheld_note = (
        _("{n} rows too thin to publish are not included.").format(n=withheld) if withheld else ""
    )
    return [
        kpi_card(
            _("Cases reported"),
            fmt.number(cases),
            fmt.number(cases),
            _("Cases received in your segments in the period (sum of the published rows)."),
            withheld_note,
        ),
        kpi_card(
            _("Workers affected"),
            fmt.number(workers),
            fmt.number(workers),
            _("Workers in those cases (sum of the published rows)."),
            _("{n} rows withheld.").format(n=workers_withheld) if workers_withheld else "",
        ),
        kpi_card(
            _("Remediation rate"),
            fmt.percent(rate.value),
            fmt.percent(rate.value),
            _("Share of cases received remediated so far, rows weighted by your weights."),
            coverage(rate),
        ),
        kpi_card(
            _("Median time to remediation"),
            _months_text(months.value),
            _months_text(months.value),
            _("The rows' medians, weighted by your weights."),
            coverage(months),
        ),
        kpi_card(
            _("Audit detection rate"),
            fmt.percent(audits.value),
            fmt.percent(audits.value),
            _(
                "Of the issue categories workers reported around an audit, the share the "
                "audit also found, rows weighted by your weights."
            ),
            coverage(audits),
        ),
    ]


def _note(ignored: list[str]) -> html.P | None:
    if not ignored:
        return None
    return html.P(
        _(
            "Only the period filter applies here: your footprint sets the countries, "
            "industries and nationalities. Not applied: {names}."
        ).format(names=", ".join(ignored)),
        className="alert alert-warning small py-2",
    )


def _drawn(name: str, built: dict, k: int, empty: str):
    """One of the profile's tables as one element the browser draws (drawn_table)."""
    return drawn_table(f"{name}-table", table_payload(built[name], k, empty))


def render_profile(data: DataAccess, stored: dict | None, stored_filters, options: dict | None):
    prepared = prepare(data, stored, stored_filters, options)
    if prepared is None:
        return empty_state(_("Add rows or upload a file to see the exposure profile."))
    footprint, period, ignored, kind, profile = prepared
    k = data.params.k
    last_month = data.version().as_of
    built = tables(profile, footprint, kind, k, last_month)
    as_of = month_label(last_month)
    partial = bool(profile.quarters) and bool(
        partial_to("quarter", profile.quarters[-1], last_month)
    )
    return [
        _note(ignored),
        html.Section(
            className="mb-3",
            **{"aria-label": _("Headline numbers for your footprint")},
            children=html.Div(
                headline(profile, k),
                className="row g-2 kpi-row",
                **scroll_region(_("Headline number cards for your footprint")),
            ),
        ),
        layout.section(
            _("Where your footprint is most exposed"),
            ids.EX_RANKING,
            [
                layout.scrolling(
                    _drawn(ids.EX_RANKING, built, k, ""),
                    _("Where your footprint is most exposed"),
                )
            ],
            layout.score_formula(),
        ),
        layout.section(
            _("Each row's segment"),
            ids.EX_SEGMENTS,
            [layout.scrolling(_drawn(ids.EX_SEGMENTS, built, k, ""), _("Each row's segment"))],
            _(
                "A segment is every case reported at worksites in the row's country and "
                "industry. Nationalities show how many of those cases came from the workers "
                "you employ; they do not narrow the segment, so that no new small group is "
                "published. The audit detection rate compares audits with what workers "
                "reported within 12 months of them."
            ),
        ),
        chart_card(
            layout.trend_meta(),
            as_of,
            downloads=False,
            figure=trend_figure(built[ids.EX_TREND], partial),
            table=_drawn(ids.EX_TREND, built, k, _("Nothing to show.")),
            summary=summary(built[ids.EX_TREND], k),
        ),
        html.Div(
            className="row",
            children=[
                html.Div(
                    className="col-12 col-lg-6",
                    children=chart_card(
                        meta,
                        as_of,
                        downloads=False,
                        figure=compare_figure(built[name]),
                        table=_drawn(name, built, k, ""),
                        summary=summary(built[name], k),
                    ),
                )
                for meta, name in (
                    (layout.issues_meta(), ids.EX_ISSUES),
                    (layout.themes_meta(), ids.EX_THEMES),
                )
            ],
        ),
        layout.section(
            _("Recruitment corridors that feed your segments"),
            ids.EX_CORRIDORS,
            [
                layout.scrolling(
                    _drawn(
                        ids.EX_CORRIDORS,
                        built,
                        k,
                        _("No workers from abroad reported in these segments."),
                    ),
                    _("Recruitment corridors that feed your segments"),
                )
            ],
            _(
                "Origins of the workers who reported in each segment (your nationalities "
                "when you gave them), and the recruitment-stage cases on that corridor, in "
                "every industry since recruitment comes before the job: fees and debt, and "
                "deception about the job or the contract."
            ),
        ),
    ]


# -- the report ----------------------------------------------------------------------
def report_filename(info) -> str:
    """The report's file name: its data version, and "synthetic" for demonstration data."""
    return f"exposure-report-v{info.version}{file_suffix(info.synthetic)}.csv"


def report_csv(
    data: DataAccess, stored: dict | None, stored_filters, options: dict | None, today: dt.date
) -> str | None:
    """Every table of the profile in one CSV, with the period, as-of and disclosure note."""
    prepared = prepare(data, stored, stored_filters, options)
    if prepared is None:
        return None
    footprint, period, ignored, kind, profile = prepared
    k = data.params.k
    info = data.version()
    out = io.StringIO()
    out.write(csvfile.BOM)  # a spreadsheet reads the names in the reader's script
    as_of = data.version().as_of
    # Demonstration data says so on the first line, before any number can be read.
    header = [("notice", synthetic_label())] if info.synthetic else []
    header += [
        ("title", _("Supply-chain exposure report")),
        ("period", period_label(period.period, as_of)),
        (
            "weights",
            layout.weight_label(kind) if footprint.weighted else _("Equal shares (no weights)"),
        ),
        ("data version", str(info.version)),
        ("data as of", info.as_of),
        ("created", today.isoformat()),
        ("exposure score", layout.score_formula()),
        ("disclosure", disclosure_rule(data.params)),
        ("source", source_line(info.version, info.synthetic)),
        ("licence", f"{LICENCE} ({LICENCE_URL})"),
    ]
    if ignored:
        header.append(("not applied", ", ".join(ignored)))
    for name, value in header:
        out.write(csvfile.comment(name, value))
    for table in tables(profile, footprint, kind, k, info.as_of).values():
        if table is None:
            continue
        out.write("\n")
        out.write(f"# {table.caption}\n")
        out.write(csvfile.row(table.header))
        out.write(csvfile.text([csv_cell(cell, k) for cell in row] for row in table.rows))
    return out.getvalue()


# -- wiring ----------------------------------------------------------------------------
def register(app, data: DataAccess) -> None:
    @app.callback(
        Output(ids.EX_FOOTPRINT, "data"),
        Output(ids.option("fp"), "value", allow_duplicate=True),
        Output(ids.EX_MESSAGE, "children"),
        Output(ids.EX_UPLOAD, "contents"),
        Output(ids.EX_COUNTRY, "value"),
        Output(ids.EX_INDUSTRY, "value"),
        Output(ids.EX_NATIONALITIES, "value"),
        Output(ids.EX_WEIGHT, "value"),
        Input(ids.EX_ADD, "n_clicks"),
        Input({"type": ids.EX_REMOVE, "index": ALL}, "n_clicks"),
        Input(ids.EX_CLEAR, "n_clicks"),
        Input(ids.EX_UPLOAD, "contents"),
        Input(ids.OPTIONS, "data"),
        State(ids.EX_UPLOAD, "filename"),
        State(ids.EX_FOOTPRINT, "data"),
        State(ids.EX_COUNTRY, "value"),
        State(ids.EX_INDUSTRY, "value"),
        State(ids.EX_NATIONALITIES, "value"),
        State(ids.EX_WEIGHT, "value"),
        prevent_initial_call=True,
    )
    def _edit(_add, removes, _clear, contents, options, filename, stored, *form_values):
        trigger = ctx.triggered_id
        if trigger == ids.EX_UPLOAD and not contents:
            raise PreventUpdate  # the upload was just emptied, after reading a file
        if isinstance(trigger, dict) and not any(removes or ()):
            raise PreventUpdate  # the table was re-rendered: nothing was clicked
        form = dict(zip(FORM_FIELDS, form_values))
        code = (options or {}).get("fp") or ""
        if code and not OPTIONS["fp"].valid(code):
            code = ""
        result = edit(
            trigger,
            stored,
            form=form,
            remove=trigger.get("index") if isinstance(trigger, dict) else None,
            upload=(filename, contents),
            url_code=code,
        )
        # The file's content is dropped from the page once read, whatever the outcome.
        upload = None if trigger == ids.EX_UPLOAD else no_update
        return (*result, upload, *form_after(trigger, result))

    @app.callback(
        Output(ids.EX_ROWS, "children"),
        Input(ids.EX_FOOTPRINT, "data"),
        Input(ids.OPTIONS, "data"),
    )
    def _rows(stored, options):
        return rows_view(stored, options)

    @app.callback(
        Output(ids.EX_PROFILE, "children"),
        Input(ids.EX_FOOTPRINT, "data"),
        Input(ids.FILTERS, "data"),
        Input(ids.OPTIONS, "data"),
    )
    def _profile(stored, stored_filters, options):
        return render_profile(data, stored, stored_filters, options)

    @app.callback(
        Output(ids.EX_DOWNLOAD_FILE, "data"),
        Input(ids.EX_DOWNLOAD, "n_clicks"),
        State(ids.EX_FOOTPRINT, "data"),
        State(ids.FILTERS, "data"),
        State(ids.OPTIONS, "data"),
        prevent_initial_call=True,
    )
    def _download(_clicks, stored, stored_filters, options):
        text = report_csv(data, stored, stored_filters, options, dt.datetime.now(dt.UTC).date())
        if text is None:
            raise PreventUpdate
        return dcc.send_string(text, report_filename(data.version()), type="text/csv")

    app.clientside_callback(
        "function (n) { if (n) { window.print(); } return window.dash_clientside.no_update; }",
        Output(ids.EX_PRINT, "title"),
        Input(ids.EX_PRINT, "n_clicks"),
        prevent_initial_call=True,
    )
