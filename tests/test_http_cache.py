"""Every GET answer with numbers can be served by a shared cache and revalidated (issue 17)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import create_engine, insert

from dashboard.exports import view_slug
from dashboard.factory import create_app
from dashboard.http_cache import matches
from dashboard.views import find_view
from data_access import schema
from layouts import ids

SUPPLY = view_slug(find_view(ids.PATH_SUPPLY_CHAINS))
SURFACES = (
    "/api/v1/meta",
    "/api/v1/aggregates?measure=cases&by=year",
    "/api/v1/aggregates?measure=cases&by=year&format=csv",
    f"/download/{SUPPLY}/{ids.SC_ISSUES_CHART}.csv?country=TH",
    f"/export/{SUPPLY}/{ids.SC_ISSUES_CHART}.json?country=TH",
    f"{ids.PATH_EMBED}{SUPPLY}/{ids.SC_ISSUES_CHART}?country=TH",
)


def _get(client, url: str, **headers):
    """The whole answer, read and closed, as a reader's download is."""
    response = client.get(url, headers=headers)
    response.get_data()
    response.close()
    return response


@pytest.fixture(scope="module")
def client(small_url):
    app = create_app({"DATABASE_URL": small_url, "DATA_VERSION_TTL": 0, "HTTP_MAX_AGE": 120})
    return app.server.test_client()


@pytest.mark.parametrize("url", SURFACES)
def test_hc001_every_surface_says_how_long_a_shared_cache_may_keep_it(client, url):
    response = _get(client, url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Cache-Control"] == "public, max-age=120"
    assert response.headers["ETag"].startswith('"v')
    assert response.headers["X-Data-Version"]


@pytest.mark.parametrize("url", SURFACES)
def test_hc002_revalidation_with_the_tag_is_an_empty_304(client, url):
    tag = _get(client, url).headers["ETag"]
    again = _get(client, url, **{"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == tag
    assert again.headers["Cache-Control"] == "public, max-age=120"


def test_hc003_the_compressed_answers_tag_revalidates_too(client):
    url = "/api/v1/aggregates?measure=cases&by=issue"
    first = _get(client, url, **{"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["ETag"].endswith(':gzip"')
    tag = first.headers["ETag"]
    again = _get(client, url, **{"Accept-Encoding": "gzip", "If-None-Match": tag})
    assert again.status_code == 304


def test_hc004_each_question_has_its_own_tag(client):
    tags = {_get(client, url).headers["ETag"] for url in SURFACES}
    assert len(tags) == len(SURFACES)
    download_tag = _get(client, SURFACES[4]).headers["ETag"]
    other = _get(client, SURFACES[3], **{"If-None-Match": download_tag})
    assert other.status_code == 200


@pytest.mark.parametrize(
    "url,status",
    [
        ("/api/v1/aggregates?measure=nothing", 400),
        (f"/download/{SUPPLY}/no-such-chart.csv", 404),
    ],
)
def test_hc005_errors_are_never_marked_cacheable(client, url, status):
    response = _get(client, url)
    assert response.status_code == status
    assert "public" not in response.headers.get("Cache-Control", "")
    assert "ETag" not in response.headers


def test_hc006_a_new_data_version_changes_every_tag(small_url, tmp_path):
    path = tmp_path / "copy.sqlite3"
    shutil.copy(small_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    client = create_app({"DATABASE_URL": url, "DATA_VERSION_TTL": 0}).server.test_client()
    before = {u: _get(client, u).headers["ETag"] for u in SURFACES}
    with create_engine(url).begin() as conn:
        latest = conn.execute(schema.data_versions.select()).first()
        conn.execute(
            insert(schema.data_versions).values(
                version=latest.version + 1,
                as_of=latest.as_of,
                loaded_at="2026-07-02T00:00:00+00:00",
                source=latest.source,
                checksum="other",
                cases=latest.cases,
                contacts=latest.contacts,
            )
        )
    for u, tag in before.items():
        response = _get(client, u, **{"If-None-Match": tag})
        assert response.status_code == 200 and response.headers["ETag"] != tag, u


def test_hc007_if_none_match_forms():
    assert matches('"v1-abc"', "v1-abc")
    assert matches('W/"v1-abc:br", "other"', "v1-abc")
    assert matches("*", "v1-abc")
    assert not matches('"v1-abd"', "v1-abc")
    assert not matches("", "v1-abc")


def test_hc008_the_embeds_plotly_js_revalidates_too(client):
    first = _get(client, f"{ids.PATH_EMBED}plotly.min.js", **{"Accept-Encoding": "gzip"})
    assert first.headers["ETag"].endswith(':gzip"')
    assert first.status_code == 200 and "max-age=86400" in first.headers["Cache-Control"]
    tag = first.headers["ETag"]
    again = _get(
        client,
        f"{ids.PATH_EMBED}plotly.min.js",
        **{"Accept-Encoding": "gzip", "If-None-Match": tag},
    )
    assert again.status_code == 304 and again.get_data() == b""


def test_hc009_a_revalidation_is_answered_before_any_query(small_url, monkeypatch):
    app = create_app({"DATABASE_URL": small_url, "DATA_VERSION_TTL": 0})
    client = app.server.test_client()
    url = "/api/v1/aggregates?measure=cases&by=industry"
    tag = _get(client, url).headers["ETag"]
    data = app.server.extensions["ilm_data"]

    def no_query(*args, **kwargs):
        raise AssertionError("a revalidation ran the query")

    monkeypatch.setattr(data, "aggregate", no_query)
    assert _get(client, url, **{"If-None-Match": tag}).status_code == 304
