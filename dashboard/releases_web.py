"""Release notes on the web: `/releases` (a page readable without JavaScript),
`/releases.atom` (a feed to subscribe to) and `/api/v1/releases` (JSON).

All three read the same notes (dashboard.releases), made from published numbers only.
The page and the feed carry the same validators and caching headers as downloads
(dashboard.http_cache); the JSON is under /api/v1, which carries them already.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import NamedTuple
from xml.etree import ElementTree as ET

from flask import Blueprint, Flask, Response, jsonify, request

from dashboard import headers, http_cache, templating
from dashboard.exports import public_url
from dashboard.language import switcher_html
from dashboard.releases import (
    HEADLINE_MEASURES,
    Store,
    breakdown_label,
    code_label,
    measure_label,
    sentences,
)
from data_access.query import OUTAGES, DataAccess, NoData, VersionInfo
from layouts import ids
from layouts.format import month_label
from layouts.i18n import _, language
from layouts.provenance import (
    LICENCE,
    LICENCE_URL,
    PUBLISHER,
    synthetic_explanation,
    synthetic_label,
)

log = logging.getLogger(__name__)

PATH_RELEASES = ids.PATH_RELEASES
PATH_FEED = ids.PATH_RELEASES_FEED
PATH_API_RELEASES = f"{ids.PATH_API}/releases"
ATOM = "http://www.w3.org/2005/Atom"


def _stamp(loaded_at: str) -> str:
    """An RFC 3339 time from a version's `loaded_at` (stored in UTC)."""
    try:
        when = dt.datetime.fromisoformat(loaded_at)
    except ValueError:
        return "1970-01-01T00:00:00Z"
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def version_title(info: VersionInfo) -> str:
    title = _("Data version {version}, data as of {month}").format(
        version=info.version, month=month_label(info.as_of)
    )
    if info.synthetic:
        title = f"{synthetic_label()}: {title}"
    return title


def entry_json(info: VersionInfo, notes: dict | None) -> dict:
    """One version in /api/v1/releases: its notes as data, and in words."""
    out: dict = {
        "data_version": info.version,
        "as_of": info.as_of,
        "loaded_at": info.loaded_at,
        "synthetic": info.synthetic,
        "notes_recorded": notes is not None,
        "summary": sentences(notes),
    }
    if info.synthetic:
        out["notice"] = synthetic_label()
    if notes is not None:
        out.update(
            {
                key: notes[key]
                for key in (
                    "previous_version",
                    "previous_as_of",
                    "compared",
                    "not_compared",
                    "noise_bound",
                    "headline",
                    "largest_changes",
                    "newly_published",
                    "no_longer_published",
                    "revisions",
                )
            }
        )
    return out


class _Table(NamedTuple):
    caption: str
    header: list[str]
    rows: list[list[str]]


def _entry(info: VersionInfo, notes: dict | None, boxed: bool) -> dict:
    """What templates/release_entry.html shows of one version's notes."""
    boxed = boxed and info.synthetic
    entry: dict = {
        "notice": (synthetic_label(), synthetic_explanation()) if boxed else None,
        "words": sentences(notes),
        "tables": [],
        "unchanged": False,
    }
    if notes is None or not notes["compared"]:
        return entry
    tables = []
    # One narrow table per measure: three columns fit a phone.
    for measure in HEADLINE_MEASURES:
        rows = [r for r in notes["largest_changes"] if r["measure"] == measure]
        tables.append(
            _Table(
                _("{measure}: largest changes beyond the noise").format(
                    measure=measure_label(measure)
                ),
                [_("Row"), _("Previous → now"), _("Change")],
                [
                    [
                        _("{row} ({breakdown})").format(
                            row=code_label(r["by"], r["code"]),
                            breakdown=breakdown_label(r["by"]).lower(),
                        ),
                        _arrow(r),
                        f"{r['change']:+,}",
                    ]
                    for r in rows
                ],
            )
        )
    for key, caption in (
        ("newly_published", _("Newly published (withheld in the previous version)")),
        ("no_longer_published", _("No longer published (withheld now)")),
    ):
        tables.append(
            _Table(
                caption,
                [_("Row"), _("Breakdown")],
                [[code_label(r["by"], r["code"]), breakdown_label(r["by"])] for r in notes[key]],
            )
        )
    for measure in HEADLINE_MEASURES:
        rows = [r for r in notes["revisions"] if r["measure"] == measure]
        tables.append(
            _Table(
                _("{measure}: revised months (already published, changed beyond the noise)").format(
                    measure=measure_label(measure)
                ),
                [_("Month"), _("Previous → now"), _("Change")],
                [[code_label("month", r["code"]), _arrow(r), f"{r['change']:+,}"] for r in rows],
            )
        )
    entry["tables"] = [t for t in tables if t.rows]
    entry["unchanged"] = not (
        notes["largest_changes"] or notes["newly_published"] or notes["revisions"]
    )
    return entry


def entry_html(info: VersionInfo, notes: dict | None, boxed: bool = True) -> str:
    """One version's notes as HTML (the page's section, the feed entry's content), from
    templates/release_entry.html.

    `boxed`: the demo's label in a box of its own (a feed entry stands alone; on the page
    the label heads the page and every version's title).
    """
    return templating.render("release_entry.html", entry=_entry(info, notes, boxed))


def _arrow(row: dict) -> str:
    return f"{row['previous']:,} → {row['current']:,}"


def _loaded(info: VersionInfo) -> str:
    return _("Loaded {day}.").format(day=info.loaded_at[:10])


def page_html(
    history: list[tuple[VersionInfo, dict | None]], feed_url: str, search: str = ""
) -> str:
    """The /releases page (templates/releases.html): a section per version, newest first."""
    synthetic = bool(history) and history[0][0].synthetic
    return templating.render(
        "releases.html",
        lang=language(),
        languages=switcher_html(search),
        feed_url=feed_url,
        paths={
            "overview": ids.PATH_OVERVIEW,
            "json": PATH_API_RELEASES,
            "package": ids.PATH_PACKAGE,
            "methodology": ids.PATH_METHODOLOGY,
        },
        synthetic=(synthetic_label(), synthetic_explanation()) if synthetic else None,
        sections=[
            {
                "version": info.version,
                "title": version_title(info),
                "loaded": _loaded(info),
                "entry": _entry(info, notes, boxed=False),
            }
            for info, notes in history
        ],
    )


def feed_xml(history: list[tuple[VersionInfo, dict | None]], base: str) -> bytes:
    """A valid Atom 1.0 feed: one entry per data version, newest first."""
    ET.register_namespace("", ATOM)

    def sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", language())
    sub(feed, "id", "urn:ilm-community-dashboard:releases")
    sub(feed, "title", _("ILM Community Dashboard: what changed"))
    updated = _stamp(history[0][0].loaded_at) if history else "1970-01-01T00:00:00Z"
    sub(feed, "updated", updated)
    author = sub(feed, "author")
    sub(author, "name", _(PUBLISHER))
    sub(feed, "link", rel="self", href=base + PATH_FEED, type="application/atom+xml")
    sub(feed, "link", rel="alternate", href=base + PATH_RELEASES, type="text/html")
    sub(feed, "rights", f"{LICENCE} ({LICENCE_URL})")
    for info, notes in history:
        entry = sub(feed, "entry")
        digest = (info.checksum or "")[:12]
        sub(entry, "id", f"urn:ilm-community-dashboard:release:v{info.version}:{digest}")
        sub(entry, "title", version_title(info))
        sub(entry, "updated", _stamp(info.loaded_at))
        sub(
            entry,
            "link",
            rel="alternate",
            href=f"{base}{PATH_RELEASES}#v{info.version}",
            type="text/html",
        )
        sub(entry, "summary", " ".join(sentences(notes)))
        sub(entry, "content", entry_html(info, notes), type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


# Seconds a client is told to wait while no data version can be published.
RETRY_AFTER = 30


def no_data_response(message: str) -> Response:
    """No data version loaded (or a demo `serve` refuses): a 503 saying so, uncached."""
    response = Response(
        _("No data is loaded yet.") + "\n" + message + "\n", status=503, mimetype="text/plain"
    )
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def _cached(data: DataAccess, build, mimetype: str, max_age: int) -> Response:
    """A page or feed with numbers, with the downloads' ETag and Cache-Control; a
    matching If-None-Match gets its 304 before anything is built."""
    current = http_cache.tag(data, request.full_path)
    if http_cache.matches(request.headers.get("If-None-Match", ""), current):
        response = Response(status=304)
    else:
        response = Response(build(), mimetype=mimetype)
    response.set_etag(current)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def blueprints(data: DataAccess, store: Store, max_age: int) -> tuple[Blueprint, Blueprint]:
    """The page and feed (rate limited as downloads), and the JSON (as the API)."""
    pages = Blueprint("releases", __name__)
    api = Blueprint("api_v1_releases", __name__, url_prefix=ids.PATH_API)
    headers.public_reads(api)

    @pages.get(PATH_RELEASES)
    def releases_page():
        base = public_url("", "")
        return _cached(
            data,
            lambda: page_html(store.history(data), base + PATH_FEED, request.query_string.decode()),
            "text/html",
            max_age,
        )

    @pages.get(PATH_FEED)
    def releases_feed():
        base = public_url("", "")
        return _cached(
            data, lambda: feed_xml(store.history(data), base), "application/atom+xml", max_age
        )

    @api.get("/releases")
    def releases_json():
        info = data.version()
        history = store.history(data)
        body = {
            "data_version": info.version,
            "as_of": info.as_of,
            "synthetic": info.synthetic,
            "licence": f"{LICENCE} ({LICENCE_URL})",
            "releases": [entry_json(i, n) for i, n in history],
        }
        if info.synthetic:
            body["notice"] = synthetic_label()
        return jsonify(body)

    @api.errorhandler(NoData)
    def _no_data(exc: NoData):
        response = jsonify(error=str(exc), parameter=None, value=None, allowed=[])
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response, 503

    @pages.errorhandler(NoData)
    def _no_data_page(exc: NoData):
        return no_data_response(str(exc))

    return pages, api


# Seconds between a process's checks for a data version whose notes are not kept yet.
WARM_INTERVAL = 30.0
WARM_THREAD = "release-notes"


def warm_on_new_version(server: Flask, data: DataAccess, store: Store) -> None:
    """Keep a new data version's published headline table soon after it is loaded, so
    its notes exist even if nobody opens /releases before the next import.

    A request only starts a background check, at most every WARM_INTERVAL seconds per
    process; the check asks for the data version and, for a version not kept yet, its
    protected headline table. No request waits for it, nor for the database through it.
    """
    lock = threading.Lock()
    state = {"next": 0.0, "running": False}

    def work() -> None:
        try:
            store.ensure(data)
        except (NoData, *OUTAGES):
            pass  # no data, or an outage (which the request's own answer reports)
        except Exception:
            log.exception("could not keep the release notes of the current data version")
        finally:
            with lock:
                state["running"] = False

    @server.before_request
    def _warm():
        if request.path.startswith(("/assets/", "/_dash-", "/healthz", "/readyz")):
            return None
        now = time.monotonic()
        with lock:
            if state["running"] or now < state["next"]:
                return None
            state["running"], state["next"] = True, now + WARM_INTERVAL
        threading.Thread(target=work, name=WARM_THREAD, daemon=True).start()
        return None
