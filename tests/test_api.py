"""The public read API: same numbers as the dashboard, precise 400s, a valid and true contract."""

from __future__ import annotations

import copy
import csv
import io
import shutil
import uuid
from urllib.parse import urlencode

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import validate
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import create_engine, insert

from callbacks import overview
from dashboard import api, api_models
from dashboard.factory import create_app
from data_access import query as q
from data_access import schema, taxonomy
from data_access.filters import Filters

NO_LIMIT = "100000 per minute"


@pytest.fixture(scope="module")
def app(small_url):
    return create_app({"DATABASE_URL": small_url, "API_RATE_LIMIT": NO_LIMIT})


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="module")
def data(app):
    return app.server.extensions["ilm_data"]


@pytest.fixture(scope="module")
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def _get(client, **params):
    return client.get("/api/v1/aggregates?" + urlencode(params))


def _cells(body) -> dict[tuple, int | None]:
    return {tuple(r[b] for b in body["by"]): r["value"] for r in body["rows"]}


# -- the same numbers as the dashboard -----------------------------------------------


@pytest.mark.parametrize(
    "selection",
    [
        {},
        {"country": "TH"},
        {"corridor": "MM-TH", "period": "2024"},
        {"channel": "helpline", "industry": "seafood"},
    ],
)
def test_api001_issue_counts_equal_the_overview_issue_table(client, data, selection):
    from callbacks.urlstate import parse_query

    body = _get(client, measure="cases", by="issue", **selection).get_json()
    result = overview.issues_chart(data, parse_query(urlencode(selection))[0])
    if result.table is None:
        # Withheld or refused alike: the API publishes no number either.
        assert body.get("rule") == "sparsity" or all(r["value"] is None for r in body["rows"])
        return
    names = {taxonomy.ISSUES[code].name: code for code in taxonomy.ISSUES}
    api_cells = _cells(body)
    for name, published in result.table.rows:
        assert api_cells[(names[name],)] == published.value


@pytest.mark.parametrize("selection", [{}, {"nationality": "KH"}, {"country": "MY"}])
def test_api002_headline_totals_equal_the_kpi_cards(client, data, selection):
    from callbacks.urlstate import parse_query

    filters = parse_query(urlencode(selection))[0]
    texts = str(overview.kpi_cards(data, filters))
    for measure in ("contacts", "cases", "workers_affected", "workers_remediated"):
        value = _get(client, measure=measure, **selection).get_json()["rows"][0]["value"]
        assert value is not None and f"{value:,}" in texts


def test_api003_monthly_cases_equal_the_cases_chart(client, data):
    result = overview.cases_chart(data, Filters(country="TH"))
    body = _get(client, measure="cases", by="month", country="TH").get_json()
    cells = _cells(body)
    figure_months = result.figure["data"][0]["x"]
    for month, value in zip(figure_months, result.figure["data"][0]["y"]):
        assert cells.get((month,), 0) == value


def test_api004_worksite_country_is_the_dashboard_country(client):
    a = _get(client, measure="workers_affected", by="worksite_country", issue="deception")
    b = _get(client, measure="workers_affected", by="country", issue="deception")
    assert a.get_json()["rows"] == b.get_json()["rows"]
    c = _get(client, measure="cases", worksite_country="TH").get_json()
    assert c["filters"] == {"country": "TH"}
    assert c["rows"] == _get(client, measure="cases", country="TH").get_json()["rows"]


def test_api005_csv_has_the_same_numbers_with_suppressed_cells_as_less_than_k(client, data):
    params = {"measure": "cases", "by": "corridor,year", "nationality": "NP"}
    body = _get(client, **params).get_json()
    response = _get(client, format="csv", **params)
    assert response.mimetype == "text/csv"
    # The demo's CSV starts with a "#" line saying so (tests/test_synthetic); skip it here.
    lines = response.get_data(as_text=True).splitlines(keepends=True)
    rows = list(csv.reader(io.StringIO("".join(x for x in lines if not x.startswith("#")))))
    assert rows[0] == ["corridor", "year", "cases"]
    k = data.params.k
    token = {"fewer_than_k": f"<{k}", "near_total": "withheld", "same_as_larger": "≈"}
    expected = [
        [
            r["corridor"],
            r["year"],
            token[r["reason"]] if r["suppressed"] else token.get(r["reason"], "") + str(r["value"]),
        ]
        for r in body["rows"]
    ]
    assert rows[1:] == expected
    assert any(r[2] == f"<{k}" for r in rows[1:]), "the selection should hold a withheld cell"


def test_api006_contacts_name_the_filters_that_do_not_apply(client):
    body = _get(client, measure="contacts", country="TH", channel="line").get_json()
    assert body["ignored_filters"] == ["country"]


# -- bad parameters: a precise 400, never a 500 --------------------------------------

BAD = [
    ({"measure": "cases", "colour": "red"}, "colour", "measure"),
    ({"by": "country"}, "measure", "cases"),
    ({"measure": "tonnes"}, "measure", "workers_remediated"),
    ({"measure": ""}, "measure", "cases"),
    ({"measure": "cases", "by": "planet"}, "by", "corridor"),
    ({"measure": "cases", "by": "month,country,issue"}, "by", "month"),
    ({"measure": "cases", "by": "country,country"}, "by", "month"),
    ({"measure": "contacts", "by": "country"}, "by", "language"),
    ({"measure": "cases", "format": "xlsx"}, "format", "csv"),
    ({"measure": "cases", "country": "ZZ"}, "country", "TH"),
    ({"measure": "cases", "worksite_country": "Atlantis"}, "worksite_country", "TH"),
    ({"measure": "cases", "nationality": "XX"}, "nationality", "NP"),
    ({"measure": "cases", "industry": "mining"}, "industry", "seafood"),
    ({"measure": "cases", "issue": "boredom"}, "issue", "deception"),
    ({"measure": "cases", "channel": "pigeon"}, "channel", "helpline"),
    ({"measure": "cases", "from": "2024-13"}, "from", "calendar year"),
    ({"measure": "cases", "to": "June"}, "to", "calendar year"),
    ({"measure": "cases", "from": "2024-01", "to": "2024-06"}, "from", "calendar year"),
    ({"measure": "cases", "period": "24"}, "period", "calendar year"),
    ({"measure": "cases", "period": "1999"}, "period", "2020"),
    ({"measure": "cases", "corridor": "NPKW"}, "corridor", "ORIGIN-DESTINATION"),
    ({"measure": "cases", "corridor": "NP-ZZ"}, "corridor", "ORIGIN-DESTINATION"),
    ({"measure": "cases", "country": ""}, "country", "TH"),
]


@pytest.mark.parametrize(("params", "parameter", "allowed"), BAD)
def test_api007_bad_parameter_is_a_400_naming_it_and_its_allowed_values(
    client, params, parameter, allowed
):
    response = _get(client, **params)
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == parameter
    assert allowed in (body["allowed"] if isinstance(body["allowed"], str) else body["allowed"])
    assert parameter in body["error"]


RULES = [
    ({"country": "TH", "nationality": "MM", "industry": "seafood"}, "fine_filter_cap"),
    ({"corridor": "NP-KW", "issue": "deception", "channel": "line"}, "fine_filter_cap"),
    ({"country": "TH", "corridor": "NP-KW"}, "fine_filter_cap"),
    ({"from": "2023-02", "to": "2024-01"}, "fixed_periods"),
    ({"period": "٢٠٢٤"}, "fixed_periods"),
]


@pytest.mark.parametrize(("params", "rule"), RULES)
def test_api025_a_selection_outside_the_release_is_a_400_naming_the_rule(client, params, rule):
    response = _get(client, measure="cases", **params)
    assert response.status_code == 400
    assert response.get_json()["rule"] == rule


def test_api026_a_too_sparse_table_is_a_400_naming_the_rule_and_what_to_drop(client):
    response = _get(client, measure="cases", by="month,channel", nationality="VN", industry="other")
    assert response.status_code == 400
    body = response.get_json()
    assert body["rule"] == "sparsity"
    assert set(body["drop_one_of"]) == {"nationality", "industry"}


def test_api027_empty_and_small_cells_read_the_same(client):
    """Every row of the code list is listed; no row says 0: a zero cell and a cell of a
    few cases are the same "withheld, fewer than K"."""
    answered = [
        body
        for country in ("MY", "TH", "SA", "KW", "GB")
        if "rows"
        in (body := _get(client, measure="cases", by="nationality", country=country).get_json())
    ]
    body = next(b for b in answered if any(r["value"] is None for r in b["rows"]))
    assert len(body["rows"]) == len(taxonomy.NATIONALITIES)
    for row in body["rows"]:
        assert row["value"] is None or row["value"] >= 10
        if row["value"] is None:
            assert row["reason"] in ("fewer_than_k", "near_total")


def test_api008_a_parameter_given_twice_is_a_400(client):
    response = client.get("/api/v1/aggregates?measure=cases&country=TH&country=MY")
    assert response.status_code == 400
    assert response.get_json()["parameter"] == "country"


def test_api009_alias_and_name_together_is_a_400(client):
    response = client.get("/api/v1/aggregates?measure=cases&country=TH&worksite_country=MY")
    assert response.status_code == 400


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=5))
def test_api010_any_query_is_answered_with_200_or_400_never_500(client, pairs):
    response = client.get("/api/v1/aggregates?" + urlencode(pairs))
    assert response.status_code in (200, 400)
    assert response.is_json


# -- the OpenAPI document: valid, and true to the implementation --------------------


def test_api011_openapi_document_is_valid(spec):
    validate_spec(spec)


def test_api012_openapi_parameters_are_exactly_those_the_endpoint_accepts(spec):
    parameters = spec["paths"]["/api/v1/aggregates"]["get"]["parameters"]
    names = {p["name"] for p in parameters}
    assert names == {*api.CONTROL, *api.filter_names(), *api.ALIASES}
    measure = next(p for p in parameters if p["name"] == "measure")
    assert measure["schema"]["enum"] == list(q.MEASURES)


def test_api013_breakdowns_come_from_the_query_layer_allow_lists(client, monkeypatch):
    # A breakdown another developer adds to the query layer appears without touching the API.
    monkeypatch.setitem(q.CASE_DIMS, "route", "route")
    body = client.get("/api/v1/meta").get_json()
    assert "route" in body["breakdowns"]["cases"]
    assert "route" not in body["breakdowns"]["contacts"]
    doc = client.get("/api/v1/openapi.json").get_json()
    by_enum = doc["components"]["schemas"]["Aggregates"]["properties"]["by"]["items"]["enum"]
    assert "route" in by_enum
    refused = _get(client, measure="cases", by="planet").get_json()
    assert "route" in refused["allowed"]


def test_api014_every_documented_breakdown_is_answered(client):
    """A documented breakdown is answered, or refused as too sparse (naming the rule)."""
    for measure in api.measures():
        for name in api.breakdowns(measure):
            response = _get(client, measure=measure, by=name)
            if response.status_code == 400:
                assert response.get_json()["rule"] == "sparsity", (measure, name)
            else:
                assert response.status_code == 200, (measure, name)


def _resolve(node, spec):
    if isinstance(node, dict):
        if "$ref" in node:
            target = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _resolve(target, spec)
        return {k: _resolve(v, spec) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, spec) for v in node]
    return node


def _response_schema(spec, path, status, mimetype):
    responses = spec["paths"][path]["get"]["responses"]
    assert str(status) in responses, f"{path} answered {status}, which is not documented"
    content = responses[str(status)].get("content", {})
    assert mimetype in content, f"{path} {status} answered {mimetype}, not documented"
    return _resolve(content[mimetype]["schema"], spec)


def _params_from_spec():
    """Requests drawn from the document itself: documented values, plus some junk."""

    def value_for(p):
        schema = p["schema"]
        junk = st.text(alphabet="abcXYZ-_019", min_size=1, max_size=8)
        if "enum" in schema:
            return st.one_of(st.sampled_from(schema["enum"]), junk)
        if p["name"] == "by":
            names = st.sampled_from(api.all_breakdowns() + ["worksite_country"])
            return st.lists(names, min_size=1, max_size=3).map(",".join)
        if p["name"] == "period":
            return st.sampled_from(["all", "2022", "2026", "1999", "2024-06"])
        if p["name"] == "corridor":
            return st.sampled_from(["NP-KW", "MM-TH", "KH-TH", "XX-YY"])
        return junk

    return value_for


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_api015_responses_match_the_openapi_document(client, spec, data_strategy):
    parameters = spec["paths"]["/api/v1/aggregates"]["get"]["parameters"]
    value_for = _params_from_spec()
    params = {}
    for p in parameters:
        if p.get("required") or data_strategy.draw(st.booleans()):
            if p["name"] in ("country", "worksite_country") and (
                "country" in params or "worksite_country" in params
            ):
                continue
            params[p["name"]] = data_strategy.draw(value_for(p))
    response = _get(client, **params)
    schema = _response_schema(spec, "/api/v1/aggregates", response.status_code, response.mimetype)
    if response.mimetype == "application/json":
        OAS30Validator(schema).validate(response.get_json())


def test_api016_meta_matches_the_document_and_names_everything(client, spec, data):
    response = client.get("/api/v1/meta")
    body = response.get_json()
    OAS30Validator(_response_schema(spec, "/api/v1/meta", 200, "application/json")).validate(body)
    info = data.version()
    assert (body["data_version"], body["as_of"]) == (info.version, info.as_of)
    assert body["disclosure"]["k"] == data.params.k and body["disclosure"]["c"] == data.params.c
    assert body["taxonomies"]["country"]["TH"] == "Thailand"
    assert set(body["taxonomies"]) >= {"issue", "theme", "country", "nationality", "channel"}
    assert body["licence"].startswith("CC BY 4.0")


def test_api017_human_page_lists_the_endpoints(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "/api/v1/aggregates" in page and "/api/v1/meta" in page and "openapi.json" in page


# -- HTTP: cache validators, CORS, rate limit -----------------------------------------


def test_api018_etag_is_the_data_version_and_if_none_match_gives_304(client, data):
    first = _get(client, measure="cases", by="year")
    tag = first.headers["ETag"]
    assert f"v{data.version().version}-" in tag
    assert first.headers["X-Data-Version"] == str(data.version().version)
    again = client.get("/api/v1/aggregates?measure=cases&by=year", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""


def test_api019_a_new_data_version_changes_the_etag(small_url, tmp_path):
    path = tmp_path / "copy.sqlite3"
    shutil.copy(small_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    client = create_app({"DATABASE_URL": url, "DATA_VERSION_TTL": 0}).server.test_client()
    before = client.get("/api/v1/meta").headers["ETag"]
    with create_engine(url).begin() as conn:
        version = conn.execute(schema.data_versions.select()).first().version
        conn.execute(
            insert(schema.data_versions).values(
                version=version + 1,
                as_of="2026-07",
                loaded_at="2026-07-02T00:00:00+00:00",
                source="test",
                checksum="other",
                cases=0,
                contacts=0,
            )
        )
    response = client.get("/api/v1/meta", headers={"If-None-Match": before})
    assert response.status_code == 200 and response.headers["ETag"] != before


def test_api020_cors_is_open_for_get(client):
    response = _get(client, measure="cases")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert client.get("/").headers.get("Access-Control-Allow-Origin") is None


def test_api028_a_browser_may_read_from_any_site_but_not_post_a_footprint(client):
    def preflight(path: str, method: str):
        return client.options(
            path,
            headers={
                "Origin": "https://newsroom.example",
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "If-None-Match",
            },
        )

    read = preflight("/api/v1/aggregates", "GET")
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in read.headers["Access-Control-Allow-Methods"]
    assert "if-none-match" in read.headers["Access-Control-Allow-Headers"].lower()
    write = preflight("/api/v1/exposure", "POST")
    assert "POST" not in write.headers.get("Access-Control-Allow-Methods", "")


def test_api021_rate_limit_answers_429_with_retry_after(small_url):
    client = create_app(
        {"DATABASE_URL": small_url, "API_RATE_LIMIT": "3 per minute"}
    ).server.test_client()
    for _ in range(3):
        assert _get(client, measure="cases").status_code == 200
    response = _get(client, measure="cases")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "rate limit" in response.get_json()["error"]
    # The dashboard itself is not limited by the API's budget.
    assert client.get("/healthz").status_code == 200


def test_api022_rate_limit_is_shared_through_redis(small_url, redis_url):
    prefix = f"ilm-test-{uuid.uuid4().hex[:8]}"
    config = {
        "DATABASE_URL": small_url,
        "API_RATE_LIMIT": "3 per minute",
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    first = create_app(config).server.test_client()
    second = create_app(config).server.test_client()
    assert _get(first, measure="cases").status_code == 200
    assert _get(second, measure="cases").status_code == 200
    assert _get(first, measure="cases").status_code == 200
    assert _get(second, measure="cases").status_code == 429
    store = redis.Redis.from_url(redis_url)
    keys = store.keys(f"*{prefix}*")
    assert keys, "the limiter did not write to Redis"
    store.delete(*keys)


def test_api023_the_readme_curl_examples_answer(client):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    urls = re.findall(r"curl '[^']*?(/api/v1/[^']+)'", readme)
    assert len(urls) >= 2
    formats = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        formats.add(response.mimetype)
    assert formats == {"application/json", "text/csv"}


def test_api024_without_data_the_api_says_so_in_a_documented_503(tmp_path, spec):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/missing.sqlite3"})
    client = app.server.test_client()
    for path in ("/api/v1/meta", "/api/v1/aggregates?measure=cases"):
        response = client.get(path)
        assert response.status_code == 503
        schema = _response_schema(spec, path.split("?")[0], 503, "application/json")
        OAS30Validator(schema).validate(response.get_json())


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("get", "/api/v1/exposure", "OPTIONS, POST"),
        ("delete", "/api/v1/exposure", "OPTIONS, POST"),
        ("post", "/api/v1/meta", "GET, HEAD, OPTIONS"),
    ],
)
def test_api025_a_method_an_api_path_does_not_take_is_a_json_405(client, method, path, allow):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert response.get_json()["allowed"] == allow.split(", ")


def test_api026_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert "openapi.json" in response.get_json()["error"]


def test_api027_the_human_page_escapes_the_document_it_is_rendered_from(spec):
    """templates/api_docs.html is autoescaped: markup in the OpenAPI document or the
    notice is shown as text, never run."""
    attack = "<script>alert(1)</script>"
    doc = copy.deepcopy(spec)
    doc["info"]["title"] = doc["info"]["description"] = attack
    operation = doc["paths"]["/api/v1/aggregates"]["get"]
    operation["summary"] = operation["parameters"][0]["description"] = attack
    page = api.docs_page(doc, notice=attack)
    assert "<script" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 5
    assert '<p id="api-synthetic" role="note"' in page


def test_api029_two_breakdowns_the_release_does_not_publish_together_are_a_400(client):
    """Each is a breakdown of cases alone; no table of the release holds both (it was a
    500)."""
    response = _get(client, measure="cases", by="tier,status")
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == "by" and "tier,status" in body["value"]


# -- the document is generated from the models the endpoint checks with --------------


def test_api030_the_documents_parameters_are_the_models_fields(spec):
    """Each query parameter of /aggregates in the document is a field of the API's model,
    with its required flag and the values its validator takes."""
    model = api_models.aggregates_query()
    parameters = spec["paths"]["/api/v1/aggregates"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == list(model.fields)
    for parameter in parameters:
        field = model.fields[parameter["name"]]
        assert parameter.get("required", False) == field.required, parameter["name"]
        choices = [v.choices for v in field.validators if isinstance(v, validate.OneOf)]
        assert parameter["schema"].get("enum") == (list(choices[0]) if choices else None)


@pytest.mark.parametrize("name", ["country", "nationality", "industry", "issue", "channel"])
def test_api031_a_value_outside_the_documented_list_is_the_400_the_model_gives(client, spec, name):
    parameters = spec["paths"]["/api/v1/aggregates"]["get"]["parameters"]
    documented = next(p for p in parameters if p["name"] == name)["schema"]["enum"]
    refused = _get(client, measure="cases", **{name: "ZZZ"})
    assert refused.status_code == 400
    body = refused.get_json()
    assert (body["parameter"], body["allowed"], body["rule"]) == (
        name,
        documented,
        "allowed_values",
    )
    for value in documented:
        response = _get(client, measure="cases", **{name: value})
        assert response.status_code == 200 or response.get_json()["rule"] == "sparsity", value


def test_api032_a_period_off_the_documented_pattern_breaks_the_fixed_periods_rule(client, spec):
    parameters = spec["paths"]["/api/v1/aggregates"]["get"]["parameters"]
    pattern = next(p for p in parameters if p["name"] == "period")["schema"]["pattern"]
    assert pattern == api_models.PERIOD_PATTERN
    body = _get(client, measure="cases", period="2023-11").get_json()
    assert (body["parameter"], body["rule"]) == ("period", "fixed_periods")


def test_api033_the_exposure_weights_are_refused_with_the_documented_values(client, spec):
    parameters = spec["paths"]["/api/v1/exposure"]["post"]["parameters"]
    documented = next(p for p in parameters if p["name"] == "weights")["schema"]["enum"]
    response = client.post(
        "/api/v1/exposure?weights=tonnes",
        data="country,industry\nTH,seafood\n",
        content_type="text/csv",
    )
    assert response.status_code == 400
    assert response.get_json()["allowed"] == documented
