"""Pages for when there is nothing to show: the data cannot be read now (the page reloads
itself until it can), or no data is loaded yet.

None of them names the database, its file or its host: that is for the operator's log.
"""

from __future__ import annotations

from dash import dcc, html

from layouts import ids
from layouts.i18n import _

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
