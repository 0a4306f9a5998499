"""Validators and caching headers on every GET answer that carries numbers.

When a journalist's article embeds a chart and links its CSV, thousands of readers ask
for the same few URLs within minutes. Every such answer (API, chart downloads, image
exports, embeds) says how long a shared cache or CDN may keep it (`Cache-Control:
public, max-age`) and carries an `ETag`, so a cache, or a reader's browser, revalidates
with `If-None-Match` and gets an empty `304` while nothing changed.

The tag is the data version, the release's parameters, the URL, the language and the
day (a CSV states the day it was downloaded), hashed: a new data version or new rules
change every tag at once, and the same question is the same answer until then, so a
cache never serves numbers a new release replaced for longer than `max-age`. Only
successful answers are marked; errors and refusals stay uncached.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import Flask, Response, g, request

from data_access.query import OUTAGES, DataAccess, NoData
from layouts import ids
from layouts.i18n import language

SURFACES = (ids.PATH_API, "/download/", "/export/", ids.PATH_EMBED, *ids.PATH_PROFILES)
# Flask-Compress appends the encoding to a tag ("…:gzip"): the same answer, compressed.
ENCODINGS = (":gzip", ":br", ":zstd", ":deflate")


def tag(data: DataAccess, full_path: str) -> str:
    info = data.version()
    day = dt.datetime.now(dt.UTC).date().isoformat()
    text = "\n".join(
        [str(info.version), info.checksum or "", repr(data.params), full_path, language(), day]
    )
    return f"v{info.version}-{hashlib.sha256(text.encode()).hexdigest()[:24]}"


def matches(header: str, current: str) -> bool:
    """Whether an If-None-Match header names the current answer, compressed or not."""
    for raw in header.split(","):
        token = raw.strip().removeprefix("W/").strip('"')
        for suffix in ENCODINGS:
            token = token.removesuffix(suffix)
        if token in ("*", current):
            return True
    return False


def not_modified(response: Response) -> Response:
    """The 304 for `response`: its headers (tag, caching, CORS), none of its content."""
    empty = Response(status=304)
    for name, value in response.headers.items():
        if not name.lower().startswith("content-"):
            empty.headers.add(name, value)
    # A streamed CSV holds its request context open until its generator is closed.
    response.close()
    return empty


def install(server: Flask, data: DataAccess, max_age: int) -> None:
    @server.before_request
    def _revalidate():
        # The tag depends on the question and the data version only, so it is known
        # before any work: a matching revalidation costs no query, and the answer built
        # next carries the tag read here, never one of a version that landed meanwhile.
        g.http_tag = None
        if request.method not in ("GET", "HEAD") or not request.path.startswith(SURFACES):
            return None
        try:
            g.http_tag = (tag(data, request.full_path), data.version().version)
        except (NoData, *OUTAGES):
            return None
        if matches(request.headers.get("If-None-Match", ""), g.http_tag[0]):
            return _mark(Response(status=304), max_age)
        return None

    @server.after_request
    def _validators(response: Response) -> Response:
        if (
            getattr(g, "http_tag", None) is None
            or response.status_code != 200
            or "Cache-Control" in response.headers  # a route that chose its own
        ):
            return response
        return _mark(response, max_age)


def _mark(response: Response, max_age: int) -> Response:
    current, version = g.http_tag
    response.set_etag(current)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["X-Data-Version"] = str(version)
    return response
