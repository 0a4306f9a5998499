"""A chart's answer: the table the browser builds, and the cached whole answer."""

from __future__ import annotations

import gettext
import re

import pytest
from flask_caching.backends import SimpleCache

from callbacks import overview
from callbacks.charts import render_table, run, table_payload
from data_access.disclosure import DisclosureParams
from data_access.filters import Filters
from data_access.query import DataAccess
from layouts import i18n, ids


def _chart(name: str):
    return next(c for c in overview.charts() if c.id.endswith(name))


def _strings(component) -> list[str]:
    children = getattr(component, "children", component)
    if isinstance(children, str):
        return [children]
    if isinstance(children, list | tuple):
        return [s for child in children for s in _strings(child)]
    return [] if children is None else _strings(children)


def test_ca001_the_payload_holds_the_same_strings_as_the_server_table(small_url):
    data = DataAccess(small_url)
    result = _chart("contacts").build(data, Filters(), {})
    payload = table_payload(result.table, 10, "")
    cells = [payload["caption"], *payload["header"], *(c for row in payload["rows"] for c in row)]
    assert sorted(cells) == sorted(_strings(render_table(result.table, 10, "")))


def test_ca002_nothing_to_show_sends_the_reason():
    assert table_payload(None, 10, "Too few cases.") == {"empty": "Too few cases."}


def test_ca003_an_answer_is_computed_once_then_read_from_the_cache(small_url):
    data = DataAccess(small_url, cache=SimpleCache())
    chart, calls = _chart("cases"), []
    build = chart.build

    def counting(*args):
        calls.append(1)
        return build(*args)

    counted = type(chart)(chart.meta, counting)
    first = run(counted, data, {"country": "TH"}, {})
    assert run(counted, data, {"country": "TH"}, {}) == first and len(calls) == 1
    run(counted, data, {"country": "MY"}, {})
    assert len(calls) == 2


def test_ca004_other_rules_or_language_never_get_an_old_answer(small_url):
    cache, calls = SimpleCache(), []
    chart = _chart("issues")
    build = chart.build

    def counting(*args):
        calls.append(1)
        return build(*args)

    counted = type(chart)(chart.meta, counting)
    english = run(counted, DataAccess(small_url, cache=cache), {}, {})
    run(counted, DataAccess(small_url, DisclosureParams(k=25, c=3), cache=cache), {}, {})
    assert len(calls) == 2  # other rules: computed afresh

    class Shout(gettext.NullTranslations):
        def gettext(self, message):
            # As a real catalogue does, the placeholders stay as they are.
            return re.sub(r"[^{}]+(?=\{|$)", lambda m: m.group().upper(), message)

    i18n.use_translation(Shout())
    try:
        shouted = run(counted, DataAccess(small_url, cache=cache), {}, {})
    finally:
        i18n.set_language("en")
    assert len(calls) == 3 and shouted != english
    assert run(counted, DataAccess(small_url, cache=cache), {}, {}) == english
    assert len(calls) == 3


@pytest.mark.parametrize(
    "module, output, with_options",
    [
        ("overview", ids.KPI, False),
        ("remediation", ids.REMEDIATION_KPI, False),
        ("audits", ids.AU_KPI, True),
    ],
)
def test_ca005_headline_numbers_are_cached_whole_like_charts(
    small_url, monkeypatch, module, output, with_options
):
    import importlib

    from dashboard.factory import create_app

    view = importlib.import_module(f"callbacks.{module}")
    calls, build = [], view.kpi_cards

    def counting(*args):
        calls.append(1)
        return build(*args)

    monkeypatch.setattr(view, "kpi_cards", counting)
    client = create_app({"DATABASE_URL": small_url}).server.test_client()
    client.get("/")

    def ask(country: str):
        inputs = [{"id": ids.FILTERS, "property": "data", "value": {"country": country}}]
        if with_options:
            inputs.append({"id": ids.OPTIONS, "property": "data", "value": {}})
        body = {
            "output": f"{output}.children",
            "outputs": {"id": output, "property": "children"},
            "inputs": inputs,
            "changedPropIds": [],
        }
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 200
        return response.get_json()

    first = ask("TH")
    assert ask("TH") == first and len(calls) == 1
    ask("MY")
    assert len(calls) == 2
