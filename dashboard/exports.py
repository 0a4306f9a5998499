"""Share, cite, download and embed: one chart of one view, rebuilt from a URL query.

Every route here calls the chart's own build function with the filters and options
parsed from the same query string the dashboard uses, so a CSV, an image or an embed
shows exactly what the chart shows, protected numbers only. Routes are generic over the
view and chart registries (dashboard.views): a view that lands later gets them as is.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass
from html import escape

from flask import Blueprint, Response, abort, current_app, request

from callbacks import footprint
from callbacks.charts import csv_cell, format_cell, summary
from callbacks.urlstate import covered_period, parse_options, parse_query, to_query
from dashboard import http_cache, language, templating
from dashboard.config import PLOTLY_BUNDLE
from dashboard.views import View, all_views, find_chart
from data_access.disclosure import DisclosureParams
from data_access.filters import Filters
from data_access.query import DataAccess, VersionInfo
from layouts import colours, csvfile, ids
from layouts.components import graph_config
from layouts.format import month_label
from layouts.i18n import _, html_language, own_digits
from layouts.provenance import (
    LICENCE,
    LICENCE_URL,
    citation,
    disclosure_rule,
    file_suffix,
    source_line,
    synthetic_explanation,
    synthetic_label,
)
from layouts.selection import describe


def view_slug(view: View) -> str:
    """The name of a view in download and embed paths: its path, or "overview" for "/"."""
    return view.path.strip("/") or "overview"


def find_view_by_slug(slug: str) -> View | None:
    for view in all_views():
        if view_slug(view) == slug:
            return view
    return None


def public_url(path: str, query: str) -> str:
    """The URL of a path and query: on PUBLIC_URL when it is configured, else on the
    request's host when TRUSTED_HOSTS is (Flask refuses any other Host), else relative.

    The Host header is the client's to write: taken blindly, a forged one would put
    another site's address in an embed's link back or a CSV's citation.
    """
    config = current_app.config
    base = config.get("PUBLIC_URL") or (request.host_url if config.get("TRUSTED_HOSTS") else "")
    return base.rstrip("/") + path + query


@dataclass(frozen=True)
class Built:
    """One chart rebuilt for a query: everything a file or an embed says about it."""

    view: View
    chart: object  # callbacks.charts.Chart
    filters: Filters
    options: dict
    notices: list
    info: VersionInfo
    result: object  # callbacks.charts.ChartResult
    params: DisclosureParams

    @property
    def query(self) -> str:
        return to_query(self.filters, self.options)

    @property
    def as_of_label(self) -> str:
        return month_label(self.info.as_of)

    @property
    def scope(self) -> str:
        """The filters the chart applies, in words, then those it does not."""
        applied = describe(self.filters, not_applied=self.chart.ignored(self.options))
        return " ".join(n for n in (applied, self.not_applied) if n)

    @property
    def not_applied(self) -> str:
        return self.chart.scope_note(self.filters, self.options)


def build(data: DataAccess, slug: str, chart_id: str, search: str) -> Built:
    """Rebuild a chart from a query string; 404 for an unknown view or chart."""
    view = find_view_by_slug(slug)
    chart = find_chart(view, chart_id) if view else None
    if chart is None:
        abort(404)
    filters, notices = parse_query(search)
    # Another year has no cells: the chart is drawn without it, and says so.
    filters, period_notices = covered_period(filters, data.periods())
    options, option_notices = parse_options(search)
    notices = notices + period_notices
    info = data.version()
    result = chart.answer(data, filters, options)
    return Built(view, chart, filters, options, notices + option_notices, info, result, data.params)


def header_block(built: Built, url: str, accessed: dt.date) -> list[tuple[str, str]]:
    meta = built.chart.meta
    # Cited as the chart's numbers are: its filters, and those it does not apply.
    cite = citation(built.view.label(), built.filters, built.info, url, accessed, built.scope)
    # Demonstration data says so on the first line, before any number can be read.
    lines = [("notice", synthetic_label())] if built.info.synthetic else []
    lines += [
        ("title", meta.title),
        ("definition", meta.definition),
        ("view", built.view.label()),
        ("filters", describe(built.filters, not_applied=built.chart.ignored(built.options))),
        ("not applied", built.not_applied or _("none")),
        ("data version", str(built.info.version)),
        ("data as of", built.info.as_of),
        ("disclosure", disclosure_rule(built.params)),
        ("source", source_line(built.info.version, built.info.synthetic)),
        ("licence", f"{LICENCE} ({LICENCE_URL})"),
        ("citation", cite.text),
        ("url", url),
    ]
    if built.result.note:
        lines.append(("note", built.result.note))
    lines += [("ignored", n) for n in built.notices]
    return lines


def csv_lines(built: Built, url: str, accessed: dt.date) -> list[str]:
    """The CSV of a chart: a '#' header block, then its protected table, row by row.

    Written out at once, while the request's language is set: a generator streamed
    after the view returned wrote its header in English (a chart's table is small).
    """
    lines = [csvfile.comment(name, value) for name, value in header_block(built, url, accessed)]
    lines[0] = csvfile.BOM + lines[0]
    table = built.result.table
    if table is None:
        return lines
    k = built.params.k
    rows = ([csv_cell(cell, k) for cell in row] for row in table.rows)
    return [*lines, csvfile.row(table.header), *csvfile.lines(rows)]


def export_figure(
    figure: dict,
    title: str,
    filters_text: str,
    as_of_label: str,
    source: str,
    notice: str = "",
) -> dict:
    """A copy of a figure for image download: title, filters, as-of and source on it.

    A `notice` (the demo's label) is stamped in a box between the title and the filters,
    where no crop of the chart with its title can leave it out.
    """
    layout = dict(figure.get("layout") or {})
    margin = dict(layout.get("margin") or {})
    top = 124 if notice else 90
    margin.update({"t": top, "b": max(int(margin.get("b") or 0), 40) + 90})
    annotations = list(layout.get("annotations") or [])
    # The page's legend sits above the plot, where the image writes its filters and
    # notice: in the image it goes to the right of the plot instead.
    if layout.get("legend"):
        layout["legend"] = {
            **layout["legend"],
            "orientation": "v",
            "x": 1.02,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
        }
    if notice:
        annotations.append(
            {
                "text": "<b>" + escape(notice) + "</b>",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 1,
                "yshift": 64,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 13, "color": colours.NOTICE_TEXT},
                "bgcolor": colours.NOTICE_BACKGROUND,
                "bordercolor": colours.NOTICE_BORDER,
                "borderwidth": 1,
                "borderpad": 3,
            }
        )
    annotations += [
        {
            "text": escape(filters_text),
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "y": 1,
            "yshift": 40,
            "xanchor": "left",
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 12},
        },
        {
            # Two lines: a demo's source line alone fills the width of the image.
            "text": escape(source)
            + "<br>"
            + escape(
                _("Data as of {month}. Protected numbers: see the methodology.").format(
                    month=as_of_label
                )
            ),
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "y": 0,
            "yshift": -margin["b"] + 8,
            "xanchor": "left",
            "yanchor": "bottom",
            "align": "left",
            "showarrow": False,
            "font": {"size": 10},
        },
    ]
    layout.update(
        {
            "title": {
                "text": escape(title),
                "x": 0,
                "xanchor": "left",
                "y": 1,
                "yref": "container",
                "yanchor": "top",
                "pad": {"t": 14},
                "font": {"size": 16},
            },
            "margin": margin,
            "annotations": annotations,
            "paper_bgcolor": colours.PAPER,
            "width": 1000,
            "height": 600,
        }
    )
    return {"data": figure.get("data", []), "layout": layout}


def export_payload(built: Built) -> dict:
    meta = built.chart.meta
    slug = view_slug(built.view)
    return {
        "figure": export_figure(
            built.result.figure,
            meta.title,
            built.scope,
            built.as_of_label,
            source_line(built.info.version, built.info.synthetic),
            synthetic_label() if built.info.synthetic else "",
        ),
        "filename": f"{slug}-{meta.id}-v{built.info.version}{file_suffix(built.info.synthetic)}",
    }


@functools.cache
def _plotly_js() -> tuple[str, str]:
    """The dashboard's own plotly.js, as on its pages (embeds make no third-party
    requests), and its tag: the bundle's hash."""
    text = PLOTLY_BUNDLE.read_text(encoding="utf-8")
    return text, hashlib.sha256(text.encode()).hexdigest()[:24]


# The embed page's one inline script: fixed text, so that the page's Content-Security-
# Policy can allow it by its hash (dashboard.headers); the figure is data beside it.
EMBED_SCRIPT = """
var fig = JSON.parse(document.getElementById("figure-data").textContent);
Plotly.newPlot("chart", fig.data, fig.layout, fig.config).then(function () {
  // The figure is named by the title and told by the table: its loose tick strings are not.
  document.querySelectorAll("#chart .main-svg").forEach(function (svg) {
    svg.setAttribute("aria-hidden", "true");
  });
});
"""


def embed_html(built: Built, full_view_url: str) -> str:
    """The embed page of one chart (templates/embed.html): its figure as data beside the
    fixed EMBED_SCRIPT, its table, its source and a link to the full view."""
    figure = dict(built.result.figure)
    layout = dict(figure.get("layout") or {})
    layout.pop("height", None)
    layout["autosize"] = True
    figure["layout"] = layout
    table = built.result.table
    k = built.params.k
    return templating.render(
        "embed.html",
        lang=html_language(),
        digits=own_digits(),
        languages=language.switcher_html(built.query),
        title=built.chart.meta.title,
        synthetic=built.info.synthetic,
        synthetic_label=synthetic_label(),
        synthetic_explanation=synthetic_explanation(),
        scope=built.scope,
        note=built.result.note,
        summary=summary(table, k),
        table=(
            None
            if table is None
            else {
                "caption": table.caption,
                "header": table.header,
                "rows": [[format_cell(c, k) for c in row] for row in table.rows],
            }
        ),
        source=source_line(built.info.version, built.info.synthetic),
        as_of=built.as_of_label,
        k=k,
        full_view_url=full_view_url,
        # tojson escapes "<", so no "</script>" in a label ends the element early.
        # The chart's plotly configuration rides with the figure: in the page's language,
        # while the script stays the one its CSP hash allows.
        figure={**figure, "config": graph_config()},
        plotly_src=f"{ids.PATH_EMBED}plotly.min.js",
        script=EMBED_SCRIPT,
    )


def blueprint(data: DataAccess) -> Blueprint:
    bp = Blueprint("exports", __name__)

    @bp.get("/download/<slug>/<chart_id>.csv")
    def download_csv(slug: str, chart_id: str):
        built = build(data, slug, chart_id, request.query_string.decode())
        url = public_url(built.view.path, built.query)
        lines = csv_lines(built, url, dt.datetime.now(dt.UTC).date())
        suffix = file_suffix(built.info.synthetic)
        filename = f"{slug}-{chart_id}-v{built.info.version}{suffix}.csv"
        return Response(
            lines,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @bp.get("/export/<slug>/<chart_id>.json")
    def export_json(slug: str, chart_id: str):
        built = build(data, slug, chart_id, request.query_string.decode())
        return Response(json.dumps(export_payload(built)), mimetype="application/json")

    @bp.get(f"{ids.PATH_TEMPLATE}.csv")
    def footprint_template_csv():
        return Response(
            footprint.template_csv(),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="footprint-template.csv"'},
        )

    @bp.get(f"{ids.PATH_TEMPLATE}.xlsx")
    def footprint_template_xlsx():
        return Response(
            footprint.template_xlsx(),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="footprint-template.xlsx"'},
        )

    @bp.get(f"{ids.PATH_EMBED}plotly.min.js")
    def plotly_js():
        text, tag = _plotly_js()
        response = Response(text, mimetype="application/javascript")
        response.headers["Cache-Control"] = "public, max-age=86400"
        # The same bytes until the bundle changes: a returning reader's cache revalidates.
        response.set_etag(tag)
        if http_cache.matches(request.headers.get("If-None-Match", ""), tag):
            return http_cache.not_modified(response)
        return response

    @bp.get(f"{ids.PATH_EMBED}<slug>/<chart_id>")
    def embed(slug: str, chart_id: str):
        built = build(data, slug, chart_id, request.query_string.decode())
        # Embeds exist to be framed by news sites: their headers are dashboard.headers'.
        return Response(embed_html(built, public_url(built.view.path, built.query)))

    return bp
