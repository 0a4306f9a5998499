"""The ILM Community Dashboard: the app factory.

`create_app(test_config)` builds a Dash app on its own Flask server, wires the data
layer and the callbacks, and touches no database until the first request, so importing
`app` (gunicorn) or building many apps in tests stays cheap.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
import time
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from dash import Dash, html
from flask import Flask, jsonify, redirect, request
from flask_caching import Cache

from callbacks import share as share_callbacks
from callbacks import shell as shell_callbacks
from callbacks import status as status_callbacks
from callbacks.shell import view_title
from dashboard import (
    api,
    exports,
    guard,
    headers,
    http_cache,
    language,
    limits,
    package,
    profiles,
    releases,
    releases_web,
)
from dashboard import config as configuration
from dashboard.views import all_views, find_view, sample_context
from data_access import taxonomy
from data_access.cache import FailOpenCache
from data_access.query import OUTAGES, DataAccess, NoData, outage_detail
from layouts import ids
from layouts.format import corridor_label, month_label, nationality_option, period_label
from layouts.i18n import N_, _, html_language, own_digits
from layouts.provenance import synthetic_label
from layouts.shell import shell
from layouts.status import no_data_page, not_found_html, unavailable_page

ASSETS = configuration.ROOT / "assets"
# Seconds a client is told to wait before asking again while the database is down.
RETRY_AFTER = 30
# Seconds to wait on Redis before answering without the cache: a host that drops packets
# would otherwise hold every request for the socket's default (no) timeout.
CACHE_SOCKET_TIMEOUT = 1.0

log = logging.getLogger(__name__)


def _with_timeouts(url: str, seconds: float) -> str:
    """`url` with socket timeouts, unless it sets its own: Flask-Caching builds its client
    from the URL alone (its CACHE_OPTIONS do not reach a client made from a URL)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("socket_timeout", str(seconds))
    query.setdefault("socket_connect_timeout", str(seconds))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _cache_config(config: dict) -> dict:
    common = {"CACHE_DEFAULT_TIMEOUT": config["CACHE_TIMEOUT"], "CACHE_KEY_PREFIX": "ilm:"}
    if config["CACHE_REDIS_URL"]:
        url = _with_timeouts(config["CACHE_REDIS_URL"], CACHE_SOCKET_TIMEOUT)
        return {**common, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url}
    return {**common, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 5000}


class OutageLog:
    """Logs a database outage when it starts, not on every request it fails."""

    def __init__(self) -> None:
        self.down = False
        self._lock = threading.Lock()
        self._since = 0.0

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            if self.down:
                return
            self.down, self._since = True, time.monotonic()
        # The detail (a path, a host) goes to the operator's log, never to a reader.
        detail = outage_detail(exc)
        log.warning("database unavailable: %s: %s", type(exc).__name__, detail)

    def ok(self) -> None:
        if not self.down:
            return
        with self._lock:
            if not self.down:
                return
            self.down = False
        log.warning("database available again after %.0f s", time.monotonic() - self._since)


# Where the page template takes the request's language (not a Dash {%key%}: Dash would
# insist on a value for it).
LANG_SLOT = "%%ILM_LANG%%"
DIGITS_SLOT = "%%ILM_DIGITS%%"
# The page's description for search engines and link previews, in English at start and
# translated per request.
DESCRIPTION = N_("What migrant workers report, and how much gets fixed.")


def digits_attribute() -> str:
    """` data-digits="…"` when the page's language writes numbers in digits of its own."""
    own = own_digits()
    return f' data-digits="{escape(own)}"' if own else ""


def index_string(lang: str) -> str:
    """Dash's page template with the page's language on <html> (screen readers pick their
    voice from it) and without the <footer> Dash wraps its scripts in: a second
    contentinfo landmark, empty, beside the dashboard's own footer."""
    return (
        "<!DOCTYPE html>\n"
        # data-digits: the language's own digits, which assets/07_digits.js gives the
        # charts (plotly writes ASCII digits whatever the language).
        f'<html lang="{escape(lang)}"{DIGITS_SLOT}>\n'
        "<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>\n"
        "<body>{%app_entry%}{%config%}{%scripts%}{%renderer%}</body>\n"
        "</html>"
    )


# Dash loads @babel/polyfill (core-js, 99 kB) before React on every page, where browsers
# that need none of it ran it on a phone's main thread (a CPU profile at 4x charged it
# 0.5-0.8 s on opening a view; bench/results/2026-12-01-interactivity-polyfill.md has the
# effect of leaving it out). Browsers without ES modules (before 2017-2018) still load
# it; `nomodule` makes the others skip it. dash-renderer's and dcc's bundles also call the global
# `regeneratorRuntime` the polyfill defined: assets/vendor/regenerator-runtime-*.js gives
# it to every browser (an asset, so it loads before them).
POLYFILL = re.compile(r'<script src="([^"]*/deps/polyfill@[^"]*)"></script>')


def modern_scripts(scripts: str) -> str:
    """Dash's script tags, with its polyfill loaded only by browsers that need it."""
    return POLYFILL.sub(r'<script nomodule src="\1"></script>', scripts, count=1)


def _one_setup_at_a_time(app: Dash) -> None:
    """Dash sets its server up on the first request (scripts, assets, callbacks) and marks
    the setup done when it starts it: in a threaded worker, a second request meanwhile
    finds no script registered and answers 500 (seen on /_dash-component-suites right
    after a restart). Later requests wait for the first one's setup to finish."""
    lock = threading.Lock()
    done = threading.Event()
    hooks = app.server.before_request_funcs.setdefault(None, [])
    for index, hook in enumerate(hooks):
        if getattr(hook, "__func__", None) is Dash._setup_server:

            def serialised(hook=hook):
                if done.is_set():  # every request after the first few
                    return None
                with lock:
                    result = hook()
                    done.set()
                    return result

            hooks[index] = serialised
            return
    raise RuntimeError("Dash's first-request setup hook was not found (a Dash upgrade?)")


def navigation() -> list[tuple[str, str]]:
    return [(v.path, v.label()) for v in all_views() if v.in_navigation]


def filter_options(data: DataAccess) -> dict[str, list[dict]]:
    """Dropdown options: every code of each code list, the years the data covers, and
    the corridor list (corridors with at least K cases in all), so a menu never tells
    an empty selection from a small one."""
    as_of = data.version().as_of

    def coded(names: dict[str, str]) -> list[dict]:
        return sorted(
            ({"value": code, "label": _(name)} for code, name in names.items()),
            key=lambda o: o["label"],
        )

    return {
        "period": [
            {"value": year, "label": period_label(year, as_of)} for year in reversed(data.periods())
        ],
        "country": coded(taxonomy.COUNTRIES),
        "nationality": sorted(
            ({"value": code, "label": nationality_option(code)} for code in taxonomy.NATIONALITIES),
            key=lambda o: o["label"],
        ),
        "industry": coded(taxonomy.INDUSTRIES),
        "corridor": sorted(
            ({"value": c, "label": corridor_label(c)} for c in data.corridors()),
            key=lambda o: o["label"],
        ),
        "issue": coded(taxonomy.issue_names()),
        "channel": coded(taxonomy.CHANNELS),
    }


def known_periods(data: DataAccess) -> tuple[str, ...]:
    """The years the data covers; none while nothing is loaded (every year is refused)."""
    try:
        return tuple(data.periods())
    except NoData:
        return ()


# A full collection of the cyclic garbage collector walks every tracked object in the
# process: at a million cases a serving process holds a few hundred thousand (the
# modules, the layouts, the cells it keeps between requests), and a collection took
# 100-400 ms, landing on whichever request happened to allocate at that moment.
# Python's default runs one every ten collections of the middle generation, about one
# request in thirty.
FULL_COLLECTION_EVERY = 100  # collections of the middle generation (default 10)


def settle_heap() -> None:
    """Prepare a serving process's garbage collector once its app is built.

    The objects alive then (modules, layouts, the app) live as long as the process:
    `gc.freeze` takes them out of every later collection. Full collections are made ten
    times rarer; the young generations, where a request's own cycles die, are collected
    as often as before. Serving processes only (`serve`'s workers, the benchmark's app),
    never a process that builds many apps, such as the tests': what it froze would never
    be freed.
    """
    gc.collect()
    gc.freeze()
    young, middle, _old = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


def create_app(test_config: dict | None = None) -> Dash:
    config = configuration.from_env()
    config.update(test_config or {})

    server = Flask(__name__)
    server.config.update(config)
    # First of all the hooks: every later one (the cache's tags, the 404 page) and every
    # answer reads the request's own language.
    language.install(server)
    # No connection is opened here or at worker boot: a database or Redis that is down
    # when a worker starts must cost answers (503s until it returns), not the worker.
    cache = FailOpenCache(Cache(server, config=_cache_config(config)))
    data = DataAccess(
        config["DATABASE_URL"],
        configuration.disclosure_params(config),
        cache=cache,
        version_ttl=config["DATA_VERSION_TTL"],
        cache_timeout=config["CACHE_TIMEOUT"],
        refuse_synthetic=bool(config.get("REFUSE_DEMO")),
    )
    server.extensions["ilm_data"] = data
    outage = OutageLog()

    app = Dash(
        __name__,
        server=server,
        assets_folder=str(ASSETS),
        title=_("ILM Community Dashboard"),
        update_title=None,
        compress=True,
        meta_tags=[
            {"name": "viewport", "content": "width=device-width, initial-scale=1"},
            {
                "name": "description",
                "content": DESCRIPTION,
            },
        ],
    )
    app.index_string = index_string(LANG_SLOT)
    interpolate = app.interpolate_index

    def _titled(**parts):
        # The view's own <title> from the first byte, before any script runs; the
        # browser keeps it up to date as the reader changes view (callbacks.shell).
        # The page's language is the request's (dashboard.language).
        title = escape(view_title(find_view, request.path))
        metas = parts.get("metas", "").replace(DESCRIPTION, escape(_(DESCRIPTION)))
        # What the page says before its scripts have drawn it: in the reader's language.
        entry = parts.get("app_entry", "").replace("Loading...", escape(_("Loading…")))
        scripts = modern_scripts(parts.get("scripts", ""))
        page = interpolate(
            **{**parts, "title": title, "metas": metas, "app_entry": entry, "scripts": scripts}
        )
        page = page.replace(DIGITS_SLOT, digits_attribute(), 1)
        return page.replace(LANG_SLOT, escape(html_language()), 1)

    app.interpolate_index = _titled

    # Set before the layout: Dash otherwise calls a layout function once to validate it,
    # which would read the database while the worker boots.
    empty = {param: [] for param in ids.FILTER_CONTROLS}
    app.validation_layout = html.Div(
        [shell("", navigation(), empty, 10, 0), unavailable_page()]
        + [view.layout(sample_context()) for view in all_views()]
    )

    def serve_layout():
        # Built per page load, so a new data version shows without a restart, and never
        # raises: a page that cannot be built says why and tries again by itself.
        try:
            info = data.version()
            options = filter_options(data)
        except NoData as exc:
            return no_data_page(str(exc))
        except OUTAGES as exc:
            outage.failed(exc)
            return unavailable_page()
        outage.ok()
        return shell(
            month_label(info.as_of),
            navigation(),
            options,
            data.params.k,
            info.version,
            synthetic=info.synthetic,
        )

    app.layout = serve_layout
    _one_setup_at_a_time(app)

    status_callbacks.register(app)
    shell_callbacks.register(app, data, find_view, [path for path, _label in navigation()])
    share_callbacks.register(app, data, find_view)
    for view in all_views():
        if view.register is not None:
            view.register(app, data)

    @server.before_request
    def _not_found():
        # Dash answers every path with its page; only the views' paths have one.
        rule = request.url_rule
        if (
            rule is not None
            and rule.rule == "/<path:path>"
            and request.path.startswith(ids.PATH_API)
        ):
            return api.unrouted(server.url_map, request.path, request.method)
        if rule is not None and rule.rule == "/<path:path>" and find_view(request.path) is None:
            page = not_found_html(_("ILM Community Dashboard"), navigation())
            return server.response_class(page, status=404, mimetype="text/html")
        return None

    @server.errorhandler(405)
    def _method_not_allowed(exc):
        # Werkzeug's page lists the dashboard's page route's GET as allowed on API paths.
        if request.path.startswith(ids.PATH_API):
            return api.unrouted(server.url_map, request.path, request.method)
        return exc

    @server.after_request
    def _recovered(response):
        # A full answer with numbers ends an outage in the log, whichever surface gave it
        # (/healthz answers 200 during one, so it cannot).
        surfaces = (*http_cache.SURFACES, limits.CALLBACKS)
        if outage.down and response.status_code == 200 and request.path.startswith(surfaces):
            outage.ok()
        return response

    # Every surface that answers with numbers is rate limited (dashboard.limits).
    limiter = limits.install(server)
    downloads = exports.blueprint(data)
    limits.limit_blueprint(limiter, downloads, config["DOWNLOAD_RATE_LIMIT"], "downloads")
    server.register_blueprint(downloads)
    public_api = api.blueprint(data)
    limits.limit_blueprint(limiter, public_api, config["API_RATE_LIMIT"], "api")
    server.register_blueprint(public_api)
    # Profile pages are pages of numbers: they share the downloads' budget.
    profile_pages = profiles.blueprint(data, navigation, lambda path: exports.public_url(path, ""))
    limits.limit_blueprint(limiter, profile_pages, config["DOWNLOAD_RATE_LIMIT"], "downloads")
    server.register_blueprint(profile_pages)
    # The whole publication (a data package) and its release notes, kept per data version.
    packages = package.Packages(config["RELEASES_DIR"])
    server.extensions["ilm_packages"] = packages
    whole = package.blueprint(data, packages)
    limits.limit_blueprint(limiter, whole, config["DOWNLOAD_RATE_LIMIT"], "downloads")
    server.register_blueprint(whole)
    notes = releases.Store(config["RELEASES_DIR"])
    notes_pages, notes_api = releases_web.blueprints(data, notes, config["HTTP_MAX_AGE"])
    limits.limit_blueprint(limiter, notes_pages, config["DOWNLOAD_RATE_LIMIT"], "downloads")
    limits.limit_blueprint(limiter, notes_api, config["API_RATE_LIMIT"], "api")
    server.register_blueprint(notes_pages)
    server.register_blueprint(notes_api)
    releases_web.warm_on_new_version(server, data, notes)
    # Forged callback requests are refused before any callback runs, inside the limit.
    guard.install(server, app.callback_map, limits.CALLBACKS, lambda: known_periods(data))
    limits.limit_callbacks(limiter, server, config["CALLBACK_RATE_LIMIT"])
    http_cache.install(server, data, config["HTTP_MAX_AGE"])
    # Last: the pages' policy names the hashes of every inline script the callbacks made.
    headers.install(app, bool(config["HSTS"]), "exports.embed", [exports.EMBED_SCRIPT])

    def _unavailable(exc):
        outage.failed(exc)
        message = _("The data is temporarily unavailable; try again in a minute.")
        if request.path.startswith(ids.PATH_API):
            response = jsonify(
                error="database unavailable; retry later", parameter=None, value=None, allowed=[]
            )
        else:
            response = server.response_class(message + "\n", mimetype="text/plain")
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER)
        response.headers["Cache-Control"] = "no-store"
        return response

    for kind in OUTAGES:
        server.register_error_handler(kind, _unavailable)

    def readiness() -> tuple[dict, int]:
        """Whether this process can answer with numbers: database reachable, data loaded."""
        try:
            info = data.version()
        except NoData as exc:
            return {"status": "no data", "ready": False, "detail": str(exc)}, 503
        except OUTAGES as exc:
            outage.failed(exc)
            # The driver's message names hosts, databases or paths: the log has it.
            return {"status": "unavailable", "ready": False, "detail": "database unavailable"}, 503
        outage.ok()
        body = {
            "status": "ok",
            "ready": True,
            "data_version": info.version,
            "as_of": info.as_of,
            "synthetic": info.synthetic,
        }
        if info.synthetic:
            body["notice"] = synthetic_label()
        return body, 200

    @server.get("/favicon.ico")
    def _favicon():
        # Browsers ask for it on pages that name no icon (release notes, the API page).
        return redirect("/_favicon.ico", code=301)

    @server.get("/healthz")
    def _health():
        # Liveness: 200 while the process answers, whatever the database does, so a
        # supervisor never restarts workers that would only wait for the same database.
        # It carries what /readyz knows (data version, synthetic or not, or why not).
        body, _status = readiness()
        return jsonify(body)

    @server.get("/readyz")
    def _ready():
        body, status = readiness()
        response = jsonify(body)
        response.status_code = status
        if status != 200:
            response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    return app
