"""Security headers on every answer, set by flask-talisman.

Pages get a Content-Security-Policy that allows nothing but the app's own origin:
scripts from its own files plus the exact inline scripts Dash writes into the page (the
renderer's start and the clientside callbacks, by their SHA-256 hashes, from
Dash.csp_hashes), no eval, no plugins, no third-party requests, and no framing. Embed
pages are the one exception to framing: news sites frame them (`frame-ancestors *`), and
their own inline script and style are allowed by hash. HSTS is sent when the deployment
says it is served over TLS (HSTS=1), and only on requests that came over it.

tests/test_browser_csp.py loads every view and an embed in Chromium and fails on any
CSP violation, so the policy and the app cannot drift apart.
"""

from __future__ import annotations

import base64
import hashlib

from dash import Dash
from flask import Blueprint
from flask_cors import CORS
from flask_talisman import Talisman

# Plotly draws with inline style attributes and <style> elements it writes at run time
# (its SVG text, hover labels, mode bar), which no hash can name: styles alone may be
# inline. Scripts may not: an injected <script> or event handler does not run.
STYLE_SRC = ["'self'", "'unsafe-inline'"]
# Plotly writes images of charts as data: and blob: URLs (the PNG and SVG downloads).
IMG_SRC = ["'self'", "data:", "blob:"]


def sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def page_policy(app: Dash) -> dict:
    """The pages' policy; call it after every callback is registered (their hashes)."""
    return {
        "default-src": "'self'",
        "script-src": ["'self'", *app.csp_hashes()],
        "style-src": STYLE_SRC,
        "img-src": IMG_SRC,
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def embed_policy(inline_scripts: list[str]) -> dict:
    return {
        "default-src": "'self'",
        "script-src": ["'self'", *(sha256(s) for s in inline_scripts)],
        "style-src": STYLE_SRC,
        "img-src": IMG_SRC,
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "*",
    }


def install(app: Dash, hsts: bool, embed_endpoint: str, embed_scripts: list[str]) -> Talisman:
    """Talisman on the app's server; the embed view gets its own policy and no
    X-Frame-Options."""
    server = app.server
    embed = server.view_functions[embed_endpoint]
    embed.talisman_view_options = {
        "frame_options": None,
        "content_security_policy": embed_policy(embed_scripts),
    }
    return Talisman(
        server,
        # TLS ends at the reverse proxy, which redirects plain HTTP itself; a redirect
        # here would loop behind a proxy that does not say X-Forwarded-Proto.
        force_https=False,
        frame_options="DENY",
        strict_transport_security=hsts,
        strict_transport_security_include_subdomains=False,
        session_cookie_secure=hsts,
        content_security_policy=page_policy(app),
        referrer_policy="no-referrer",
        x_content_type_options=True,
        # Talisman's default Permissions-Policy turns off interest-cohort only.
    )


def public_reads(bp: Blueprint) -> None:
    """Any site may read the API from a browser (GET, with If-None-Match for its ETags);
    writes (POST /exposure) stay same-origin: a cross-origin footprint is refused at the
    preflight."""
    CORS(
        bp,
        origins="*",
        send_wildcard=True,
        methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["If-None-Match"],
        expose_headers=[
            "ETag",
            "Retry-After",
            "X-Data-Version",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
        ],
        max_age=None,
    )
