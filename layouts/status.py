"""Pages for when there is nothing to show: the data cannot be read now (the page reloads
itself until it can), no data is loaded yet, or no view lives at an address.

None of them names the database, its file or its host: that is for the operator's log.
"""

from __future__ import annotations

from html import escape

from dash import dcc, html

from layouts import ids
from layouts.i18n import _, html_language

# A reader who waits sees the dashboard come back by itself; often enough to feel alive,
# seldom enough that many open tabs do not hammer a recovering database.
RETRY_SECONDS = 15


def _retrying(children: list) -> html.Div:
    return html.Div(
        className="container py-5",
        role="status",
        children=[
            html.H1(_("ILM Community Dashboard"), className="h3"),
            *children,
            html.P(
                _("This page tries again by itself every {seconds} seconds.").format(
                    seconds=RETRY_SECONDS
                ),
                className="text-muted",
            ),
            dcc.Interval(id=ids.RETRY, interval=RETRY_SECONDS * 1000),
        ],
    )


def unavailable_page() -> html.Div:
    return _retrying(
        [
            html.P(_("The dashboard is temporarily unavailable: its data cannot be read now.")),
            html.P(_("Retrying...")),
        ]
    )


def no_data_page(message: str) -> html.Div:
    return _retrying([html.P(_("No data is loaded yet.")), html.Pre(message)])


def not_found_html(title: str, views: list[tuple[str, str]]) -> str:
    """A plain page (no scripts) for an address where no view lives, linking every view."""
    links = "".join(
        f'<li><a href="{escape(path)}">{escape(label)}</a></li>' for path, label in views
    )
    return (
        f'<!DOCTYPE html><html lang="{escape(html_language())}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(_('Page not found'))} · {escape(title)}</title></head><body>"
        f"<main><h1>{escape(_('Page not found'))}</h1>"
        f"<p>{escape(_('There is no view at this address. The views are:'))}</p>"
        f"<ul>{links}</ul></main></body></html>"
    )
