"""Share and Cite callbacks: the permalink is the page's own URL, the citation says it in words."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlsplit

from dash import Input, Output, State

from callbacks.urlstate import language_of, parse_query, with_language
from data_access.query import DataAccess
from layouts import ids
from layouts.i18n import html_language
from layouts.provenance import citation


def cite(
    data: DataAccess, find_view, href: str | None, today: dt.date | None = None
) -> tuple[str, str, str]:
    """Plain-text citation, BibTeX and permalink for the page at `href`.

    `find_view` is the view registry's lookup, handed in by the app factory.
    """
    href = href or "/"
    parts = urlsplit(href)
    if not language_of(parts.query):
        # The permalink opens in the language it was made in.
        href = parts._replace(query=with_language(parts.query, html_language())[1:]).geturl()
    view = find_view(parts.path)
    label = view.label() if view else parts.path
    filters, _notices = parse_query(parts.query)
    today = today or dt.datetime.now(dt.UTC).date()
    result = citation(label, filters, data.version(), href, today)
    return result.text, result.bibtex, href


def register(app, data: DataAccess, find_view) -> None:
    # The browser knows the exact address the reader sees: copy that, nothing rebuilt.
    app.clientside_callback(
        """
        function (n) {
            var button = document.getElementById(SHARE_ID);
            // The page's language goes into the link, so it opens in the same language.
            var loc = window.location, url = loc.href;
            if (!/[?&]lang=/.test(loc.search)) {
                url = loc.origin + loc.pathname + (loc.search ? loc.search + "&" : "?") +
                    "lang=" + encodeURIComponent(document.documentElement.lang) + loc.hash;
            }
            var fallback = button.dataset.copyThis + " " + url;
            if (!navigator.clipboard || !window.isSecureContext) {
                return fallback;
            }
            return navigator.clipboard.writeText(url).then(
                function () { return button.dataset.copied + " " + url; },
                function () { return fallback; }
            );
        }
        """.replace("SHARE_ID", json.dumps(ids.SHARE)),
        Output(ids.SHARE_STATUS, "children"),
        Input(ids.SHARE, "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.CITE_TEXT, "children"),
        Output(ids.CITE_BIBTEX, "children"),
        Output(ids.PERMALINK, "children"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
        State(ids.URL, "href"),
    )
    def _cite(pathname, search, href):
        # `href` is not updated when a callback rewrites `search`: take only its origin.
        parts = urlsplit(href or "")
        origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
        return cite(data, find_view, f"{origin}{pathname or '/'}{search or ''}")
