"""Rate limits on every surface that answers with numbers: the API, downloads and
embeds, and the dashboard's own callbacks.

An adversary who can ask without limit can try every route to a small group; the
release bounds the routes (data_access.filters), these limits bound the asking. One
Flask-Limiter serves them all, in Redis when RATELIMIT_STORAGE_URI or CACHE_REDIS_URL is
set (so every process and host shares one count per client), in memory otherwise. The
client is the address the request came from, after the number of trusted reverse proxies
the deployment declares (TRUSTED_PROXIES): behind a TLS proxy every reader would
otherwise share the proxy's address and one budget.
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from layouts import ids

# The Dash endpoint every callback of every view is answered by.
CALLBACKS = "/_dash-update-component"
# Seconds the limiter's Redis has to answer before the request goes on unlimited.
STORE_TIMEOUT = 1.0


def install(server: Flask) -> Limiter:
    """A limiter on `server`; the surfaces' limits are applied by `limit_*` below."""
    config = server.config
    proxies = int(config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=proxies, x_proto=proxies)
    storage = config.get("RATELIMIT_STORAGE_URI") or config.get("CACHE_REDIS_URL") or "memory://"
    limiter = Limiter(
        get_remote_address,
        app=server,
        storage_uri=storage,
        headers_enabled=True,
        default_limits=[],
        key_prefix=config.get("RATELIMIT_KEY_PREFIX") or "ilm",
        # A broken limiter store must not take the site down with it, nor a silent one
        # hold every request: Redis gets a second to answer (memory ignores this).
        swallow_errors=True,
        storage_options={"socket_timeout": STORE_TIMEOUT, "socket_connect_timeout": STORE_TIMEOUT},
    )

    # Flask-Limiter keeps only a weak reference to itself when RATELIMIT_ENABLED is off;
    # the limited views would then fail once the limiter is collected.
    server.extensions["ilm_limiter"] = limiter

    @server.errorhandler(429)
    def _too_many(exc):
        message = f"rate limit exceeded ({exc.description}); retry later"
        if request.path.startswith(ids.PATH_API):
            response = jsonify(error=message, parameter=None, value=None, allowed=[])
        else:
            response = server.response_class(message + "\n", mimetype="text/plain")
        response.status_code = 429
        # Flask-Limiter's headers (Retry-After among them) are added after this handler.
        return response

    return limiter


def limit_blueprint(limiter: Limiter, blueprint, limit: str, scope: str) -> None:
    """Every route of a blueprint shares one budget per client (`scope` names it)."""
    limiter.shared_limit(limit, scope=scope)(blueprint)


def limit_callbacks(limiter: Limiter, server: Flask, limit: str) -> None:
    """Dash's callback endpoint, which every chart, table and card of a view calls."""
    view = server.view_functions[CALLBACKS]
    server.view_functions[CALLBACKS] = limiter.limit(limit, scope="callbacks")(view)
