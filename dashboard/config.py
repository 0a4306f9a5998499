"""Configuration from the environment, with a mapping of overrides for tests.

Everything a deployment changes is an environment variable (README, "Running in
production"); `create_app(test_config)` takes the same keys as a dict.
"""

from __future__ import annotations

import os
from pathlib import Path

from data_access.disclosure import DisclosureParams

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = ROOT / "instance" / "ilm.sqlite3"
# Where each data version's release notes and data package are kept once built.
DEFAULT_RELEASES = ROOT / "instance" / "releases"
# The plotly.js of every page and embed: only the trace types the figures use, built by
# tools/plotly-bundle (its README says how, and why not the full bundle).
PLOTLY_BUNDLE = ROOT / "assets" / "vendor" / "plotly-ilm.min.js"


def _int(env, name: str, default: int) -> int:
    value = env.get(name)
    return int(value) if value not in (None, "") else default


def _float(env, name: str, default: float) -> float:
    value = env.get(name)
    return float(value) if value not in (None, "") else default


def from_env(env=None) -> dict:
    env = os.environ if env is None else env
    return {
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE}",
        "CACHE_REDIS_URL": env.get("CACHE_REDIS_URL") or None,
        "CACHE_TIMEOUT": _int(env, "CACHE_TIMEOUT", 3600),
        "DATA_VERSION_TTL": _float(env, "DATA_VERSION_TTL", 2.0),
        "DISCLOSURE_K": _int(env, "DISCLOSURE_K", 10),
        "DISCLOSURE_C": _int(env, "DISCLOSURE_C", 3),
        "DISCLOSURE_NOISE": _int(env, "DISCLOSURE_NOISE", 3),
        "DISCLOSURE_SPARSITY": _float(env, "DISCLOSURE_SPARSITY", 0.5),
        "LANGUAGE": env.get("DASHBOARD_LANGUAGE") or "en",
        "PUBLIC_URL": env.get("PUBLIC_URL") or "",
        # Flask answers 400 to a Host header not listed (None: any host is served).
        "TRUSTED_HOSTS": [h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
        or None,
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT") or "120 per minute",
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or None,
        # Downloads, exports and embeds share one budget per client; the dashboard's own
        # callbacks another (a filter change asks for every chart of a view at once).
        "DOWNLOAD_RATE_LIMIT": env.get("DOWNLOAD_RATE_LIMIT") or "120 per minute",
        "CALLBACK_RATE_LIMIT": env.get("CALLBACK_RATE_LIMIT") or "600 per minute",
        # How long a shared cache or CDN may serve an answer before revalidating it.
        "HTTP_MAX_AGE": _int(env, "HTTP_MAX_AGE", 300),
        # The site is served over TLS (by the proxy in front): send HSTS on its answers.
        "HSTS": env.get("HSTS", "").lower() in ("1", "true", "yes", "on"),
        # Reverse proxies in front of the app whose X-Forwarded-For may be trusted.
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        # Flask refuses larger request bodies (413) before reading them. The largest
        # legitimate one is a footprint upload: 2 MB of file, a third more as base64.
        "MAX_CONTENT_LENGTH": _int(env, "MAX_REQUEST_BYTES", 8 * 1024 * 1024),
        # Release notes and the data package of each data version, built once (dashboard.releases).
        "RELEASES_DIR": env.get("RELEASES_DIR") or str(DEFAULT_RELEASES),
    }


def run_address(env=None) -> tuple[str, int]:
    """Where `python app.py` listens: HOST and PORT, default 127.0.0.1:8050."""
    env = os.environ if env is None else env
    host = env.get("HOST") or "127.0.0.1"
    raw = env.get("PORT") or "8050"
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise SystemExit(f"PORT={raw!r} is not a port number (1 to 65535)")
    return host, port


def disclosure_params(config: dict) -> DisclosureParams:
    return DisclosureParams(
        k=config["DISCLOSURE_K"],
        c=config["DISCLOSURE_C"],
        noise=config["DISCLOSURE_NOISE"],
        sparsity=config["DISCLOSURE_SPARSITY"],
    )
