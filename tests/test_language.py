"""The reader's language, per request: URL, page scripts' header, Accept-Language, default."""

from __future__ import annotations

import threading

import pytest

from callbacks.share import cite
from callbacks.shell import language_links, nav_links
from dashboard.factory import create_app
from dashboard.views import find_view
from data_access.query import DataAccess
from layouts import i18n
from layouts.components import PLOTLY_WORDS, graph_config
from layouts.format import number
from layouts.i18n import format_number


@pytest.fixture(scope="module")
def app(small_url):
    return create_app({"DATABASE_URL": small_url})


@pytest.fixture(autouse=True)
def english():
    yield
    i18n.set_language("en")


def test_ln001_lang_in_the_url_sets_the_pages_html_lang(app):
    response = app.server.test_client().get("/?lang=my", headers={"Accept-Language": "th"})
    assert response.status_code == 200
    assert '<html lang="my" data-digits="၀၁၂၃၄၅၆၇၈၉">' in response.get_data(as_text=True)
    assert response.headers["Content-Language"] == "my"


def test_ln002_accept_language_chooses_when_the_url_does_not(app):
    response = app.server.test_client().get("/", headers={"Accept-Language": "km, en;q=0.5"})
    assert '<html lang="km">' in response.get_data(as_text=True)
    assert "Accept-Language" in response.headers["Vary"]


def test_ln003_the_deployment_default_when_the_reader_names_no_offered_language(small_url):
    client = create_app({"DATABASE_URL": small_url, "LANGUAGE": "ne"}).server.test_client()
    response = client.get("/", headers={"Accept-Language": "fr"})
    assert '<html lang="ne" data-digits="०१२३४५६७८९">' in response.get_data(as_text=True)


def test_ln004_the_page_scripts_header_names_the_language_of_dash_requests(app):
    response = app.server.test_client().get(
        "/_dash-layout", headers={"X-ILM-Language": "bn", "Accept-Language": "th"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "bn"


def test_ln005_two_requests_in_parallel_threads_keep_their_own_language(small_url):
    app = create_app({"DATABASE_URL": small_url})
    both_inside = threading.Barrier(2, timeout=30)

    @app.server.get("/_test/language")
    def _probe():
        before = i18n.language()
        both_inside.wait()  # the other request has set its language by now
        return {"before": before, "after": i18n.language(), "number": number(1234567)}

    answers = {}

    def ask(code):
        answers[code] = app.server.test_client().get(f"/_test/language?lang={code}").get_json()

    threads = [threading.Thread(target=ask, args=(code,)) for code in ("my", "ne")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers["my"] == {"before": "my", "after": "my", "number": "၁,၂၃၄,၅၆၇"}
    assert answers["ne"] == {"before": "ne", "after": "ne", "number": "१२,३४,५६७"}


def test_ln006_cached_answers_are_kept_apart_by_language(app):
    client = app.server.test_client()
    path = "/embed/overview/overview-cases"
    answers = [client.get(path, headers={"Accept-Language": code}) for code in ("en", "th")]
    assert answers[0].headers["ETag"] != answers[1].headers["ETag"]
    assert all("Accept-Language" in answer.headers["Vary"] for answer in answers)


def test_ln007_navigation_links_keep_the_language_and_the_switcher_keeps_the_filters():
    links = nav_links("/", "?corridor=NP-KW&lang=km", ["/", "/remediation"])
    assert links[1][0] == "/remediation?corridor=NP-KW&lang=km"
    hrefs = language_links("/remediation", "?corridor=NP-KW&lang=km")
    assert hrefs[list(i18n.LANGUAGES).index("th")] == "/remediation?corridor=NP-KW&lang=th"


def test_ln008_a_permalink_names_the_language_it_was_made_in(small_url):
    i18n.set_language("th")
    _text, _bibtex, permalink = cite(
        DataAccess(small_url), find_view, "https://x.org/remediation?period=2024"
    )
    assert permalink == "https://x.org/remediation?period=2024&lang=th"


def test_ln009_numbers_in_the_languages_digits_and_grouping_as_cldr_says():
    expected = {
        "en": "1,471,284",
        "th": "1,471,284",
        "km": "1,471,284",
        "my": "၁,၄၇၁,၂၈၄",
        "ne": "१४,७१,२८४",
        "bn": "১৪,৭১,২৮৪",
    }
    for code, text in expected.items():
        i18n.set_language(code)
        assert format_number(1471284) == text, code


def _in(code: str, text: str) -> str:
    token = i18n.activate(code)
    try:
        return i18n._(text)
    finally:
        i18n.deactivate(token)


def test_ln010_a_charts_toolbar_and_notices_speak_the_pages_language():
    token = i18n.activate("km")
    try:
        config = graph_config()
    finally:
        i18n.deactivate(token)
    assert config["locale"] == "km"
    words = config["locales"]["km"]["dictionary"]
    assert set(words) == set(PLOTLY_WORDS)
    assert words["Zoom in"] == _in("km", "Zoom in") != "Zoom in"
    assert "locale" not in graph_config(), "English is plotly's own"


def test_ln011_the_page_before_its_scripts_run_and_an_embed_speak_it_too(app):
    client = app.server.test_client()
    page = client.get("/?lang=th").get_data(as_text=True)
    assert _in("th", "Loading…") in page and "Loading..." not in page
    embed = client.get("/embed/supply-chains/supply-map?lang=my").get_data(as_text=True)
    assert '"locale": "my"' in embed or '"locale":"my"' in embed
