"""The reader's language, chosen per request.

In order: `?lang=` in the URL (a shared link opens in the sender's language), the
`X-ILM-Language` header the page's own scripts send with the requests they make for the
page (assets/00_language.js: Dash's layout and callback requests carry no `?lang=`),
the browser's `Accept-Language`, and last the deployment's default (DASHBOARD_LANGUAGE).
The choice is made active for the request alone (layouts.i18n keeps it in a context
variable) and said in `Content-Language`; an answer chosen by `Accept-Language` says
`Vary: Accept-Language`, so a shared cache keeps one copy per language.
"""

from __future__ import annotations

import contextlib
from html import escape

from flask import Flask, Request, g, request

from callbacks.urlstate import with_language
from layouts import i18n

HEADER = "X-ILM-Language"
PARAM = "lang"


def choose(req: Request, default: str) -> tuple[str, bool]:
    """The request's language, and whether it came from `Accept-Language` (or the
    default), so the answer varies with that header."""
    for candidate in (req.args.get(PARAM), req.headers.get(HEADER)):
        if i18n.supported(candidate):
            return candidate, False
    best = req.accept_languages.best_match(list(i18n.LANGUAGES))
    return best or (default if i18n.supported(default) else i18n.DEFAULT), True


def switcher_html(search: str) -> str:
    """The language switcher of the pages built without Dash (embeds, profiles): a link
    per language to this page with its query and that language, named in its own script."""
    current = i18n.language()
    items = "".join(
        f'<li><a href="{escape(with_language(search, code))}" lang="{code}" hreflang="{code}"'
        + (' aria-current="true"' if code == current else "")
        + f">{escape(name)}</a></li>"
        for code, name in i18n.LANGUAGES.items()
    )
    return (
        f'<nav class="language-switcher" aria-label="{escape(i18n._("Language"))}">'
        f"<ul>{items}</ul></nav>"
    )


def install(server: Flask) -> None:
    """Activate each request's language before any other hook of `server` runs."""

    @server.before_request
    def _activate():
        code, negotiated = choose(request, server.config.get("LANGUAGE") or i18n.DEFAULT)
        g.language_token = i18n.activate(code)
        g.language_negotiated = negotiated

    @server.after_request
    def _label(response):
        response.headers.setdefault("Content-Language", i18n.html_language())
        if g.get("language_negotiated"):
            response.vary.add("Accept-Language")
        return response

    @server.teardown_request
    def _deactivate(_exc):
        token = g.pop("language_token", None)
        if token is not None:
            # A token set in another context (a copied one) ends with that context.
            with contextlib.suppress(ValueError):
                i18n.deactivate(token)
