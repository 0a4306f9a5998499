"""The ILM Community Dashboard: the app factory.

`create_app(test_config)` builds a Dash app on its own Flask server, wires the data
layer and the callbacks, and touches no database until the first request, so importing
`app` (gunicorn) or building many apps in tests stays cheap.
"""

from __future__ import annotations

from dash import Dash, html
from flask import Flask, jsonify, request
from flask_caching import Cache

from callbacks import share as share_callbacks
from callbacks import shell as shell_callbacks
from dashboard import api, exports, http_cache, limits
from dashboard import config as configuration
from dashboard.views import all_views, find_view, sample_context
from data_access import taxonomy
from data_access.query import DataAccess, NoData
from layouts import ids
from layouts.format import corridor_label, month_label, nationality_option, period_label
from layouts.i18n import _, set_language
from layouts.provenance import synthetic_label
from layouts.shell import shell

ASSETS = configuration.ROOT / "assets"


def _cache_config(config: dict) -> dict:
    common = {"CACHE_DEFAULT_TIMEOUT": config["CACHE_TIMEOUT"], "CACHE_KEY_PREFIX": "ilm:"}
    if config["CACHE_REDIS_URL"]:
        return {**common, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": config["CACHE_REDIS_URL"]}
    return {**common, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 5000}


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


def _no_data_page(message: str) -> html.Div:
    return html.Div(
        className="container py-5",
        children=[
            html.H1(_("ILM Community Dashboard"), className="h3"),
            html.P(_("No data is loaded yet.")),
            html.Pre(message),
        ],
    )


def create_app(test_config: dict | None = None) -> Dash:
    config = configuration.from_env()
    config.update(test_config or {})
    set_language(config["LANGUAGE"])

    server = Flask(__name__)
    server.config.update(config)
    cache = Cache(server, config=_cache_config(config))
    data = DataAccess(
        config["DATABASE_URL"],
        configuration.disclosure_params(config),
        cache=cache,
        version_ttl=config["DATA_VERSION_TTL"],
        cache_timeout=config["CACHE_TIMEOUT"],
    )
    server.extensions["ilm_data"] = data

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
                "content": _("What migrant workers report, and how much gets fixed."),
            },
        ],
    )

    def serve_layout():
        # Built per page load, so a new data version shows without a restart.
        try:
            info = data.version()
            options = filter_options(data)
        except NoData as exc:
            return _no_data_page(str(exc))
        return shell(
            month_label(info.as_of),
            navigation(),
            options,
            data.params.k,
            info.version,
            synthetic=info.synthetic,
        )

    app.layout = serve_layout
    empty = {param: [] for param in ids.FILTER_CONTROLS}
    app.validation_layout = html.Div(
        [shell("", navigation(), empty, 10, 0)]
        + [view.layout(sample_context()) for view in all_views()]
    )

    shell_callbacks.register(app, data, find_view)
    share_callbacks.register(app, data, find_view)
    for view in all_views():
        if view.register is not None:
            view.register(app, data)

    @server.after_request
    def _headers(response):
        # Only embed pages may be framed by other sites (exports sets their own policy).
        if not request.path.startswith(ids.PATH_EMBED):
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    # Every surface that answers with numbers is rate limited (dashboard.limits).
    limiter = limits.install(server)
    downloads = exports.blueprint(data)
    limits.limit_blueprint(limiter, downloads, config["DOWNLOAD_RATE_LIMIT"], "downloads")
    server.register_blueprint(downloads)
    public_api = api.blueprint(data)
    limits.limit_blueprint(limiter, public_api, config["API_RATE_LIMIT"], "api")
    server.register_blueprint(public_api)
    limits.limit_callbacks(limiter, server, config["CALLBACK_RATE_LIMIT"])
    http_cache.install(server, data, config["HTTP_MAX_AGE"])

    @server.get("/healthz")
    def _health():
        try:
            info = data.version()
        except NoData as exc:
            return jsonify(status="no data", detail=str(exc)), 503
        body = {
            "status": "ok",
            "data_version": info.version,
            "as_of": info.as_of,
            "synthetic": info.synthetic,
        }
        if info.synthetic:
            body["notice"] = synthetic_label()
        return jsonify(body)

    return app
