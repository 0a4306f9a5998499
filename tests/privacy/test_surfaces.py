"""Every surface publishes the same cells: what the attack suite reads through the query
layer is what the API (JSON and CSV), the chart downloads and the dashboard's callbacks
answer, for ordinary selections and for a selection that holds a single case."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

import pytest

from callbacks import overview
from dashboard.factory import create_app
from data_access.filters import Filters
from layouts import ids
from layouts.csvfile import BOM
from layouts.format import published_csv
from tests.privacy import attacks


@pytest.fixture(scope="module")
def client(attacked):
    url, _sizes, _truth = attacked
    app = create_app(
        {
            "DATABASE_URL": url,
            "API_RATE_LIMIT": "10000 per minute",
            "CALLBACK_RATE_LIMIT": "10000 per minute",
        }
    )
    return app.server.test_client()


def _selections(truth) -> list[dict]:
    case_id, alone = attacks.alone_cases(truth, 1)[0]
    return [
        {},
        {"country": "TH"},
        {"nationality": "MM", "period": "2023"},
        {"corridor": "NP-KW"},
        {
            **({"corridor": alone["corridor"]} if "corridor" in alone else {}),
            **{("period" if k == "year" else k): v for k, v in alone.items() if k != "corridor"},
        },
    ]


def _filters(selection: dict) -> Filters:
    values = dict(selection)
    if "corridor" in values:
        values["origin"], values["destination"] = values.pop("corridor").split("-")
    return Filters(**values)


def test_ps001_api_json_and_csv_publish_the_query_layers_cells(attacked, release, client):
    _url, _sizes, truth = attacked
    k = release.params.k
    for selection in _selections(truth):
        query = urlencode({"measure": "cases", "by": "issue", **selection})
        response = client.get(f"/api/v1/aggregates?{query}")
        result = release.aggregate("cases", ("issue",), _filters(selection))
        if result.refused:
            assert response.status_code == 400 and response.get_json()["rule"] == "sparsity"
            continue
        body = response.get_json()
        expected = {key[0]: (p.value, p.reason) for key, p in result.rows}
        assert {r["issue"]: (r["value"], r["reason"]) for r in body["rows"]} == expected
        text = client.get(f"/api/v1/aggregates?{query}&format=csv").get_data(as_text=True)
        rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].startswith("#")][1:]
        assert {r[0]: r[1] for r in rows} == {key[0]: published_csv(p, k) for key, p in result.rows}


def test_ps002_the_kpi_callback_shows_the_query_layers_totals(attacked, release, client):
    _url, _sizes, truth = attacked
    for selection in _selections(truth):
        filters = _filters(selection)
        call = {
            "output": f"{ids.KPI}.children",
            "outputs": {"id": ids.KPI, "property": "children"},
            "inputs": [{"id": ids.FILTERS, "property": "data", "value": filters.active()}],
            "changedPropIds": [f"{ids.FILTERS}.data"],
        }
        response = client.post("/_dash-update-component", json=call)
        assert response.status_code == 200
        answered = json.dumps(response.get_json())
        expected = json.dumps(
            json.loads(json.dumps(overview.kpi_cards(release, filters), default=_plain))
        )
        for text in _texts(json.loads(expected)):
            assert json.dumps(text)[1:-1] in answered


def test_ps003_a_selection_holding_one_case_shows_nothing_anywhere(attacked, release, client):
    _url, _sizes, truth = attacked
    selection = _selections(truth)[-1]
    assert release.total("cases", _filters(selection)).reason == "fewer_than_k"
    for by in ("issue", "status", "channel"):
        query = urlencode({"measure": "cases", "by": by, **selection})
        response = client.get(f"/api/v1/aggregates?{query}")
        assert response.status_code == 400 and response.get_json()["rule"] == "sparsity"
    total = client.get("/api/v1/aggregates?" + urlencode({"measure": "cases", **selection}))
    assert total.get_json()["rows"] == [
        {"value": None, "suppressed": True, "reason": "fewer_than_k"}
    ]
    download = client.get("/download/overview/overview-issues.csv?" + urlencode(selection))
    assert download.status_code == 200
    body = [
        row
        # After the byte order mark a spreadsheet needs (test_exports.py ex021).
        for row in csv.reader(io.StringIO(download.get_data(as_text=True).removeprefix(BOM)))
        if row and not row[0].startswith("#")
    ]
    # The chart says why it is empty: no table, so no number, in the file either.
    assert body == [], body


def _plain(component):
    return component.to_plotly_json() if hasattr(component, "to_plotly_json") else str(component)


def _texts(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [t for n in node for t in _texts(n)]
    if isinstance(node, dict):
        children = node.get("props", {}).get("children", node.get("children"))
        return _texts(children) if children is not None else []
    return []
