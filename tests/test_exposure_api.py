"""POST /api/v1/exposure: the exposure view's protected profile for a posted footprint."""

from __future__ import annotations

import json

import pytest
from openapi_schema_validator import OAS30Validator

from callbacks import exposure as view
from callbacks import footprint as fp
from dashboard import exposure_api as xa
from dashboard.factory import create_app
from data_access.exposure import MAX_SEGMENTS, Exposure
from data_access.filters import Filters

URL = "/api/v1/exposure"
ROWS = [
    {"country": "TH", "industry": "seafood", "weight": 120, "nationalities": ["MM", "KH"]},
    {"country": "Malaysia", "industry": "electronics", "weight": 40},
    {"country": "TH", "industry": "apparel_footwear", "weight": 40, "nationalities": ["MM"]},
]
CSV = (
    "country,industry,weight,nationalities\n"
    "TH,seafood,120,MM; KH\n"
    "Malaysia,electronics,40,\n"
    "TH,apparel_footwear,40,MM\n"
)


@pytest.fixture(scope="module")
def app(small_url):
    return create_app({"DATABASE_URL": small_url, "API_RATE_LIMIT": "100000 per minute"})


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="module")
def data(app):
    return app.server.extensions["ilm_data"]


def _post(client, body, **kwargs):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **kwargs)


def test_xa001_a_json_footprint_gets_the_views_protected_profile(client, data):
    response = _post(client, {"rows": ROWS})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    footprint = xa.footprint_from_json({"rows": ROWS})
    profile = Exposure(data).profile(footprint.rows, footprint.shares(), Filters())
    assert [s["country"] for s in body["segments"]] == ["TH", "MY", "TH"]
    for got, segment in zip(body["segments"], profile.segments):
        assert got["cases"] == xa.cell(segment.cases)
        assert got["workers_affected"] == xa.cell(segment.workers)
        assert got["audit_detection"]["worksites"] == xa.cell(segment.audit.worksites)
    expected = view.tables(profile, footprint, "sites", data.params.k, data.version().as_of)
    assert set(body["tables"]) == {name for name, table in expected.items() if table}
    ranking = body["tables"][next(iter(expected))]
    assert ranking["rows"] == [
        [xa.cell(c) for c in row] for row in expected[next(iter(expected))].rows
    ]


def test_xa002_every_row_with_a_published_count_and_remedy_gets_a_score(client):
    body = _post(client, {"rows": ROWS}).get_json()
    scored = [s for s in body["segments"] if s["exposure_score"] is not None]
    assert scored and max(s["exposure_score"] for s in scored) == 100.0
    assert "Exposure score = 100" in body["score"]
    assert body["weights"] == "sites" and body["period"] == "all"


def test_xa003_the_csv_template_answers_as_the_json_does(client):
    as_json = _post(client, {"rows": ROWS}).get_json()
    as_csv = client.post(URL, data=CSV, content_type="text/csv").get_json()
    assert as_csv["segments"] == as_json["segments"]


def test_xa004_more_rows_than_the_view_takes_are_refused(client):
    rows = [{"country": "TH", "industry": "seafood"}] * (MAX_SEGMENTS + 1)
    response = _post(client, {"rows": rows})
    assert response.status_code == 400
    assert str(MAX_SEGMENTS) in response.get_json()["error"]


def test_xa005_an_unknown_country_is_named_with_its_row(client):
    response = _post(client, {"rows": [{"country": "Atlantis", "industry": "seafood"}]})
    assert response.status_code == 400
    messages = response.get_json()["messages"]
    assert any("Atlantis" in m for m in messages)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        json.dumps([1, 2]).encode(),
        json.dumps({"rows": "TH"}).encode(),
        json.dumps({"rows": [1]}).encode(),
        json.dumps({"rows": [{"country": {"a": 1}, "industry": "seafood"}]}).encode(),
        json.dumps({"rows": [{"country": "TH", "industry": "seafood", "weight": True}]}).encode(),
        json.dumps({"rows": [{"country": "TH", "industry": "seafood", "x": 1}]}).encode(),
        json.dumps(
            {"rows": [{"country": "TH", "industry": "seafood", "nationalities": [1]}]}
        ).encode(),
        json.dumps({"rows": []}).encode(),
        b'{"rows":' + b"[" * 60_000,
        b'{"rows": [{"country": "TH", "industry": "seafood", "weight": ' + b"9" * 400 + b"}]}",
    ],
    ids=range(12),
)
def test_xa006_a_malformed_body_is_a_400_with_a_message(client, body):
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_xa007_a_body_over_the_limit_is_a_413(client):
    response = client.post(URL, data=b"x" * (xa.MAX_BODY + 1), content_type="text/csv")
    assert response.status_code == 413


def test_xa008_other_content_types_are_a_415(client):
    assert client.post(URL, data=b"<rows/>", content_type="application/xml").status_code == 415


def test_xa009_a_period_outside_the_release_is_refused_by_its_rule(client, data):
    response = _post(client, {"rows": ROWS, "period": "2023-05"})
    assert response.status_code == 400
    assert response.get_json()["rule"] == "fixed_periods"
    year = data.periods()[-1]
    assert _post(client, {"rows": ROWS, "period": year}).get_json()["period"] == year


def test_xa010_the_answer_matches_the_openapi_schema(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"][URL]["post"]
    schema = spec["components"]["schemas"]["Exposure"]
    body = _post(client, {"rows": ROWS, "weights": "workers"}).get_json()
    OAS30Validator({**schema, "components": spec["components"]}).validate(body)
    assert body["weights"] == "workers"
    footprint_schema = spec["components"]["schemas"]["Footprint"]
    OAS30Validator({**footprint_schema, "components": spec["components"]}).validate({"rows": ROWS})
    assert operation["requestBody"]["content"].keys() >= {"application/json", "text/csv"}


def test_xa011_nothing_is_stored_or_shared_by_caches(client):
    response = _post(client, {"rows": ROWS})
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_xa012_the_api_rate_limit_covers_it(small_url):
    client = create_app({"DATABASE_URL": small_url, "API_RATE_LIMIT": "2 per minute"})
    client = client.server.test_client()
    codes = [_post(client, {"rows": ROWS[:1]}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_xa013_the_footprint_reader_is_the_views(client):
    """The same spellings as an upload: names and ISO codes, nationality lists."""
    footprint = xa.footprint_from_json({"rows": ROWS})
    assert footprint == fp.parse_file("f.csv", CSV.encode())
