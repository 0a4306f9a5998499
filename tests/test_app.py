"""The app factory and the server: config override, headers, health, new data versions."""

from __future__ import annotations

import json
import shutil

import pytest
import redis
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import OperationalError

from dashboard.factory import create_app
from data_access import schema
from data_access.filters import Filters
from layouts import ids


@pytest.fixture
def db_copy(small_url, tmp_path) -> str:
    path = tmp_path / "copy.sqlite3"
    shutil.copy(small_url.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


def _callback(client, output: str, inputs: list[dict], outputs: list[dict]):
    body = {"output": output, "outputs": outputs, "inputs": inputs, "changedPropIds": []}
    return client.post("/_dash-update-component", json=body)


def test_ap001_test_config_overrides_the_environment(small_url, monkeypatch):
    monkeypatch.setenv("DISCLOSURE_K", "25")
    app = create_app({"DATABASE_URL": small_url, "DISCLOSURE_K": 12})
    data = app.server.extensions["ilm_data"]
    assert data.params.k == 12
    assert app.server.config["DATABASE_URL"] == small_url


def test_ap002_environment_sets_disclosure_parameters(small_url, monkeypatch):
    monkeypatch.setenv("DISCLOSURE_K", "20")
    monkeypatch.setenv("DISCLOSURE_C", "5")
    app = create_app({"DATABASE_URL": small_url})
    assert (
        app.server.extensions["ilm_data"].params.k,
        app.server.extensions["ilm_data"].params.c,
    ) == (20, 5)


def test_ap003_pages_refuse_framing_and_send_security_headers(small_url):
    client = create_app({"DATABASE_URL": small_url}).server.test_client()
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_ap004_health_names_the_data_version(small_url):
    client = create_app({"DATABASE_URL": small_url}).server.test_client()
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["data_version"] >= 1 and body["as_of"] == "2026-06"


def test_ap005_without_data_the_page_says_how_to_build_it(tmp_path):
    path = tmp_path / "empty.sqlite3"
    create_engine(f"sqlite:///{path}").connect().close()  # a database with no tables
    app = create_app({"DATABASE_URL": f"sqlite:///{path}"})
    client = app.server.test_client()
    assert client.get("/readyz").status_code == 503
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "No data is loaded yet" in layout and "python -m dashboard demo" in layout


def test_ap006_a_new_data_version_is_picked_up_without_restart(db_copy):
    app = create_app({"DATABASE_URL": db_copy, "DATA_VERSION_TTL": 0})
    client = app.server.test_client()
    before = client.get("/healthz").get_json()["data_version"]
    engine = create_engine(db_copy)
    with engine.begin() as conn:
        conn.execute(
            insert(schema.data_versions).values(
                version=before + 1,
                as_of="2026-07",
                loaded_at="2026-07-02T00:00:00+00:00",
                source="test",
                checksum="x",
                cases=0,
                contacts=0,
            )
        )
    after = client.get("/healthz").get_json()
    assert after["data_version"] == before + 1 and after["as_of"] == "2026-07"


def test_ap007_callback_answers_over_http_with_protected_numbers(small_url):
    app = create_app({"DATABASE_URL": small_url})
    client = app.server.test_client()
    client.get("/")
    response = _callback(
        client,
        f"{ids.KPI}.children",
        [{"id": ids.FILTERS, "property": "data", "value": {"country": "TH"}}],
        {"id": ids.KPI, "property": "children"},
    )
    assert response.status_code == 200
    payload = json.dumps(response.get_json())
    data = app.server.extensions["ilm_data"]
    assert f"{data.total('cases', Filters(country='TH')).value:,}" in payload


def test_ap008_the_app_connection_cannot_write(small_url):
    app = create_app({"DATABASE_URL": small_url})
    engine = app.server.extensions["ilm_data"]._db
    with pytest.raises(OperationalError, match="readonly"), engine.begin() as conn:
        conn.execute(text("DELETE FROM cases"))


def test_ap009_responses_are_compressed(small_url):
    client = create_app({"DATABASE_URL": small_url}).server.test_client()
    client.get("/")
    response = client.get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"


def test_ap010_the_postgresql_connection_is_read_only(pg_small_url):
    from sqlalchemy.exc import InternalError

    engine = create_app({"DATABASE_URL": pg_small_url}).server.extensions["ilm_data"]._db
    with pytest.raises(InternalError, match="read-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM cases"))
    engine.dispose()


def test_ap011_cache_redis_url_shares_answers_through_redis(small_url, redis_url):
    client = redis.Redis.from_url(redis_url)
    before = set(client.keys("ilm:*"))
    app = create_app({"DATABASE_URL": small_url, "CACHE_REDIS_URL": redis_url})
    data = app.server.extensions["ilm_data"]
    first = data.aggregate("cases", ("issue",), Filters(country="MY"))
    added = set(client.keys("ilm:*")) - before
    assert added, "the answer was not written to Redis"
    other = create_app({"DATABASE_URL": small_url, "CACHE_REDIS_URL": redis_url})
    second_data = other.server.extensions["ilm_data"]
    second_data._exact_cells = None  # a second process must not need the database
    assert second_data.aggregate("cases", ("issue",), Filters(country="MY")) == first
    client.delete(*added)


def test_ap012_a_database_from_an_older_dashboard_says_how_to_rebuild(db_copy):
    engine = create_engine(db_copy)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE cube_received_theme_0"))
    engine.dispose()
    client = create_app({"DATABASE_URL": db_copy}).server.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "cube_received_theme_0" in response.get_json()["detail"]
    assert "python -m dashboard demo" in response.get_json()["detail"]


def test_ap013_the_environment_sets_the_largest_request_body(small_url, monkeypatch):
    monkeypatch.setenv("MAX_REQUEST_BYTES", "4096")
    client = create_app({"DATABASE_URL": small_url}).server.test_client()
    response = client.post(
        "/_dash-update-component", data=b"{" * 5000, content_type="application/json"
    )
    assert response.status_code == 413


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict((part.strip() + " ").split(" ", 1) for part in header.split(";"))


def test_ap014_pages_allow_only_their_own_origin_and_scripts_by_hash(small_url):
    response = create_app({"DATABASE_URL": small_url}).server.test_client().get("/")
    policy = _policy(response)
    assert policy["default-src"].strip() == "'self'"
    assert policy["object-src"].strip() == "'none'"
    scripts = policy["script-src"].split()
    assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:])
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_ap015_hsts_is_sent_over_tls_only_when_the_deployment_says_so(small_url, monkeypatch):
    plain = create_app({"DATABASE_URL": small_url}).server.test_client()
    assert "Strict-Transport-Security" not in plain.get("/", base_url="https://x").headers
    monkeypatch.setenv("HSTS", "1")
    tls = create_app({"DATABASE_URL": small_url}).server.test_client()
    assert tls.get("/", base_url="https://x").headers["Strict-Transport-Security"] == (
        "max-age=31556926"
    )
    assert "Strict-Transport-Security" not in tls.get("/").headers
    assert tls.get("/").status_code == 200  # no redirect: the proxy in front does that


def test_ap016_the_icon_browsers_ask_for_on_any_page_is_there(small_url):
    client = create_app({"DATABASE_URL": small_url}).server.test_client()
    response = client.get("/favicon.ico", follow_redirects=True)
    assert response.status_code == 200 and response.data
