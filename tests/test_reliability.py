"""Leaks and lax parsing: unknown pages, digits, the Host header."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from callbacks.urlstate import parse_query
from dashboard.config import from_env
from dashboard.factory import create_app
from data_access.cache import FailOpenCache
from layouts import ids
from layouts.i18n import set_language
from layouts.status import not_found_html


@pytest.fixture(scope="module")
def client(imported_url):
    return create_app({"DATABASE_URL": imported_url}).server.test_client()


def test_rl001_an_unknown_page_is_a_404_that_links_every_view(client):
    response = client.get("/nowhere/at-all")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    for path in (ids.PATH_OVERVIEW, ids.PATH_RECRUITMENT, ids.PATH_METHODOLOGY):
        assert f'href="{path}"' in page


@pytest.mark.parametrize("path", [ids.PATH_OVERVIEW, ids.PATH_AUDITS, ids.PATH_AUDITS + "/"])
def test_rl002_views_still_answer_200(client, path):
    assert client.get(path).status_code == 200


LAX_YEARS = ["２０２３", "٢٠٢٣", "2023\n", "2023 ", "+2023", "2023\x00"]


@pytest.mark.parametrize("value", LAX_YEARS)
def test_rl003_the_api_takes_a_year_only_in_ascii_digits(client, value):
    response = client.get("/api/v1/aggregates", query_string={"measure": "cases", "period": value})
    assert response.status_code == 400 and response.get_json()["parameter"] == "period"


@pytest.mark.parametrize("value", LAX_YEARS)
def test_rl004_a_link_with_a_lax_year_is_ignored_with_a_notice(value):
    filters, notices = parse_query("?" + urlencode({"period": value}))
    assert filters.period is None and notices


@pytest.mark.parametrize("year", ["２０２３", "2023\n"])
def test_rl005_a_legacy_month_range_takes_only_ascii_digits(year):
    filters, notices = parse_query("?" + urlencode({"from": f"{year}-01", "to": f"{year}-12"}))
    assert filters.period is None and notices


@pytest.mark.parametrize("value", LAX_YEARS)
def test_rl006_a_download_with_a_lax_year_says_it_was_ignored(client, value):
    response = client.get("/download/overview/overview-cases.csv", query_string={"period": value})
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code == 200 and "it was ignored" in body


CSV = "/download/overview/overview-cases.csv?country=TH"
EMBED = "/embed/overview/overview-cases?country=TH"


def _links(client, host: str) -> tuple[int, str, str]:
    """The status, the CSV's `# url:` line and the embed's link back, asked as `host`."""
    answer = client.get(CSV, headers={"Host": host})
    text = answer.get_data(as_text=True)
    answer.close()
    url = next((line for line in text.splitlines() if line.startswith("# url:")), "")
    embed = client.get(EMBED, headers={"Host": host}).get_data(as_text=True)
    link = re.search(r'id="embed-link" href="([^"]*)"', embed)
    return answer.status_code, url, link.group(1) if link else ""


def test_rl007_without_public_url_a_forged_host_is_not_written_into_links(imported_url):
    client = create_app({"DATABASE_URL": imported_url}).server.test_client()
    status, url, link = _links(client, "evil.example")
    assert status == 200 and url == "# url: /?country=TH" and link == "/?country=TH"


def test_rl008_public_url_is_the_address_in_links(imported_url):
    app = create_app({"DATABASE_URL": imported_url, "PUBLIC_URL": "https://dash.example.org"})
    _status, url, link = _links(app.server.test_client(), "evil.example")
    assert url == "# url: https://dash.example.org/?country=TH"
    assert link == "https://dash.example.org/?country=TH"


def test_rl009_trusted_hosts_are_the_only_hosts_served_and_written(imported_url):
    app = create_app({"DATABASE_URL": imported_url, "TRUSTED_HOSTS": ["dash.example.org"]})
    client = app.server.test_client()
    _status, url, link = _links(client, "dash.example.org")
    assert url == "# url: http://dash.example.org/?country=TH"
    assert client.get(CSV, headers={"Host": "evil.example"}).status_code == 400


def test_rl010_trusted_hosts_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "dash.example.org, .example.net")
    assert from_env()["TRUSTED_HOSTS"] == ["dash.example.org", ".example.net"]


class _DownCache:
    """A cache whose store refuses every call, counting them."""

    def __init__(self) -> None:
        self.calls = 0

    def get(self, *args, **kwargs):
        self.calls += 1
        raise RedisConnectionError("refused")

    get_many = set = set_many = get


def test_rl011_a_down_cache_is_not_asked_again_until_the_back_off_ends():
    store = _DownCache()
    cache = FailOpenCache(store, retry_after=60)
    assert cache.get("a") is None and cache.get_many("a", "b") == [None, None]
    cache.set("a", 1)
    cache.set_many({"a": 1})
    assert store.calls == 1, "a request during an outage must not wait on the store"
    cache._next_try = 0  # the back-off is over
    cache.get("a")
    assert store.calls == 2


def test_rl012_the_404_page_is_marked_with_the_deployments_language():
    try:
        set_language("th")
        page = not_found_html("ILM Community Dashboard", [("/", "Overview")])
    finally:
        set_language("en")
    assert page.startswith('<!DOCTYPE html><html lang="th">')


def test_rl013_a_request_during_dashs_first_setup_waits_for_it(small_url, monkeypatch):
    """Two readers arrive together at a fresh worker: the one whose request lands while
    Dash is still setting up waits for it instead of answering 500."""
    import threading
    import time

    from dash import Dash

    from dashboard.factory import create_app

    probe = create_app({"DATABASE_URL": small_url}).server.test_client()
    page = probe.get("/").get_data(as_text=True)
    script = re.search(r'src="(/_dash-component-suites/[^"]+)"', page).group(1)

    slow = Dash._walk_assets_directory

    def walk(self):
        time.sleep(1.0)  # a busy machine: the setup takes a while
        return slow(self)

    monkeypatch.setattr(Dash, "_walk_assets_directory", walk)
    client = create_app({"DATABASE_URL": small_url}).server.test_client()
    first = threading.Thread(target=client.get, args=("/",))
    first.start()
    time.sleep(0.3)
    second = client.get(script)
    first.join()
    assert second.status_code == 200
