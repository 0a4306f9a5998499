"""Release notes: what changed between data versions, from published numbers only, on
/releases, /releases.atom and /api/v1/releases."""

from __future__ import annotations

import copy
import csv
import html
import json
import re
import shutil
import sqlite3
import threading
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

from dashboard import releases, releases_web
from dashboard.factory import create_app
from data_access import contract
from data_access.disclosure import DisclosureParams
from data_access.extract import write_manifest
from data_access.load import export_extract, import_extract
from data_access.query import VersionInfo
from layouts import i18n, ids
from layouts.context import PageContext
from layouts.methodology import methodology_page
from layouts.shell import footer
from tests.test_i18n import Pseudo, _untranslated

ATOM = "{http://www.w3.org/2005/Atom}"
PARAMS = {"k": 10, "c": 3, "noise": 3, "sparsity": 0.5}


def _snap(version: int, as_of: str, cells: dict, params=PARAMS) -> dict:
    """A stored headline table: every measure and breakdown, `cells` overriding some."""
    tables = {
        m: {b: {"refused": None, "cells": {}} for b in releases.HEADLINE_BY}
        for m in releases.HEADLINE_MEASURES
    }
    for (measure, by, code), cell in cells.items():
        tables[measure][by]["cells"][code] = cell
    return {
        "format": releases.FORMAT,
        "version": version,
        "checksum": f"c{version}",
        "as_of": as_of,
        "loaded_at": "2026-06-01T00:00:00+00:00",
        "synthetic": False,
        "params": dict(params),
        "tables": tables,
    }


# -- the comparison, on stored tables -----------------------------------------------------


def test_rn001_differences_within_the_noise_bound_are_not_changes():
    before = _snap(
        1,
        "2026-05",
        {
            ("cases", "total", "total"): [1000, None],
            ("cases", "country", "TH"): [500, None],
            ("cases", "country", "MY"): [300, None],
        },
    )
    after = _snap(
        2,
        "2026-06",
        {
            ("cases", "total", "total"): [1006, None],  # 2 x noise: could be noise alone
            ("cases", "country", "TH"): [507, None],  # beyond it
            ("cases", "country", "MY"): [294, None],  # 2 x noise down
        },
    )
    notes = releases.compare(before, after)
    assert notes["compared"] and notes["noise_bound"] == 6
    (headline,) = [r for r in notes["headline"] if r["measure"] == "cases"]
    assert headline["beyond_noise"] is False
    assert [(r["by"], r["code"], r["change"]) for r in notes["largest_changes"]] == [
        ("country", "TH", 7)
    ]
    assert "no change beyond the noise" in " ".join(releases.sentences(notes))


def test_rn002_withheld_and_borrowed_values_are_never_compared_as_numbers():
    before = _snap(
        1,
        "2026-05",
        {
            ("cases", "issue", "wages_unpaid"): [None, "fewer_than_k"],
            ("cases", "issue", "passport_retained"): [40, "same_as_larger"],
            ("cases", "corridor", "NP-KW"): [None, "fewer_than_k"],
            ("cases", "country", "GR"): [60, None],
        },
    )
    after = _snap(
        2,
        "2026-06",
        {
            ("cases", "issue", "wages_unpaid"): [90, None],
            ("cases", "issue", "passport_retained"): [80, None],
            ("cases", "corridor", "NP-KW"): [25, None],
            ("cases", "country", "GR"): [None, "fewer_than_k"],
        },
    )
    notes = releases.compare(before, after)
    assert notes["largest_changes"] == []  # 40 "≈" was a larger cell's number
    newly = {(r["by"], r["code"]) for r in notes["newly_published"]}
    assert newly == {("issue", "wages_unpaid"), ("corridor", "NP-KW")}
    assert notes["no_longer_published"] == [{"by": "country", "code": "GR"}]
    assert "previous" not in str(notes["newly_published"])  # no number for a withheld cell


def test_rn003_revisions_are_months_the_previous_version_already_published():
    before = _snap(
        1,
        "2026-05",
        {("cases", "month", "2026-04"): [100, None], ("cases", "month", "2026-05"): [80, None]},
    )
    after = _snap(
        2,
        "2026-06",
        {
            ("cases", "month", "2026-04"): [120, None],
            ("cases", "month", "2026-05"): [82, None],
            ("cases", "month", "2026-06"): [90, None],
        },
    )
    notes = releases.compare(before, after)
    assert [(r["code"], r["change"]) for r in notes["revisions"]] == [("2026-04", 20)]


def test_rn004_no_comparison_across_a_change_of_the_disclosure_rules():
    before = _snap(1, "2026-05", {("cases", "total", "total"): [1000, None]})
    after = _snap(
        2, "2026-06", {("cases", "total", "total"): [2000, None]}, params={**PARAMS, "k": 20}
    )
    notes = releases.compare(before, after)
    assert not notes["compared"] and notes["not_compared"] == "rules_changed"
    assert notes["headline"] == [] and notes["largest_changes"] == []
    assert releases.compare(None, copy.deepcopy(after))["not_compared"] == "first"


# -- two data versions, served ------------------------------------------------------------


def _drop_nationality(directory: Path, code: str) -> None:
    """Remove every case of one nationality (and its issues) from an extract."""
    cases_path = directory / contract.CASES.filename
    with cases_path.open(newline="", encoding="utf-8") as handle:
        cases = list(csv.DictReader(handle))
    dropped = {row["case_id"] for row in cases if row["nationality"] == code}
    assert dropped
    _rewrite(cases_path, [row for row in cases if row["case_id"] not in dropped])
    issues_path = directory / contract.CASE_ISSUES.filename
    with issues_path.open(newline="", encoding="utf-8") as handle:
        issues = list(csv.DictReader(handle))
    _rewrite(issues_path, [row for row in issues if row["case_id"] not in dropped])
    write_manifest(directory)


def _rewrite(path: Path, rows: list[dict]) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        columns = next(csv.reader(handle))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def two_versions(small_url, tmp_path_factory):
    """An imported database at version 1, served (its notes kept), then version 2: the
    same extract without one small nationality. Returns (client, dropped nationality)."""
    root = tmp_path_factory.mktemp("releases")
    first = root / "v1"
    export_extract(small_url, first)
    url = f"sqlite:///{root / 'ilm.sqlite3'}"
    import_extract(url, first)
    app = create_app(
        {"DATABASE_URL": url, "DATA_VERSION_TTL": 0, "RELEASES_DIR": str(root / "kept")}
    )
    client = app.server.test_client()
    by_nationality = client.get("/api/v1/aggregates?measure=cases&by=nationality").get_json()
    published = [r for r in by_nationality["rows"] if r["value"] is not None]
    # The smallest published nationality that is well clear of the withholding line.
    code = min((r for r in published if r["value"] >= 40), key=lambda r: r["value"])["nationality"]
    assert client.get("/api/v1/releases").status_code == 200  # version 1's table is kept
    second = root / "v2"
    shutil.copytree(first, second)
    _drop_nationality(second, code)
    assert import_extract(url, second, accept_shrink=True) == (2, True)
    return client, code


def test_rn005_the_next_version_is_compared_with_what_the_previous_one_published(two_versions):
    client, code = two_versions
    body = client.get("/api/v1/releases").get_json()
    assert [r["data_version"] for r in body["releases"]] == [2, 1]
    latest, first = body["releases"]
    assert first["not_compared"] == "first"
    assert latest["compared"] and latest["previous_version"] == 1
    assert {"by": "nationality", "code": code} in latest["no_longer_published"]
    cases = next(r for r in latest["headline"] if r["measure"] == "cases")
    assert cases["beyond_noise"] and cases["change"] < -latest["noise_bound"]
    # The "now" numbers are what the API publishes now, and nothing finer.
    now = client.get("/api/v1/aggregates?measure=cases").get_json()["rows"][0]["value"]
    assert cases["current"] == now
    for row in latest["largest_changes"]:
        answer = client.get(f"/api/v1/aggregates?measure={row['measure']}&by={row['by']}")
        values = {r[row["by"]]: r["value"] for r in answer.get_json()["rows"]}
        assert values[row["code"]] == row["current"]
        assert abs(row["change"]) > latest["noise_bound"]


def test_rn006_the_releases_page_is_plain_html_with_a_section_per_version(two_versions):
    client, _code = two_versions
    response = client.get("/releases")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<script" not in page  # readable without JavaScript
    assert re.search(r"<html lang=\"\w+\"", page) and "<title>" in page and "<h1" in page
    assert 'id="v2"' in page and 'id="v1"' in page
    assert "No longer published" in page
    assert 'type="application/atom+xml"' in page
    assert "Demonstration data" not in page  # an imported extract


def test_rn007_the_atom_feed_is_valid_atom_with_an_entry_per_version(two_versions):
    client, _code = two_versions
    response = client.get("/releases.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    assert any(link.get("rel") == "self" for link in feed.findall(f"{ATOM}link"))
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    ids = set()
    for entry in entries:
        ids.add(entry.find(f"{ATOM}id").text)
        assert entry.find(f"{ATOM}title").text
        assert stamp.match(entry.find(f"{ATOM}updated").text)
        link = entry.find(f"{ATOM}link")
        assert link.get("rel") == "alternate" and link.get("href").endswith(
            ("/releases#v1", "/releases#v2")
        )
        assert entry.find(f"{ATOM}content").get("type") == "html"
    assert len(ids) == 2


def test_rn008_releases_answers_as_the_openapi_document_says(two_versions):
    client, _code = two_versions
    spec = client.get("/api/v1/openapi.json").get_json()
    validate_spec(spec)
    operation = spec["paths"]["/api/v1/releases"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    response = client.get("/api/v1/releases")
    OAS30Validator({**schema, "components": spec["components"]}).validate(response.get_json())
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_rn009_page_feed_and_json_carry_validators_and_revalidate(two_versions):
    client, _code = two_versions
    for path in ("/releases", "/releases.atom", "/api/v1/releases"):
        response = client.get(path)
        assert response.headers["Cache-Control"].startswith("public, max-age="), path
        tag = response.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": tag})
        assert again.status_code == 304 and not again.data, path


def test_rn010_demonstration_data_is_labelled_on_every_release_surface(small_url, tmp_path):
    app = create_app({"DATABASE_URL": small_url, "RELEASES_DIR": str(tmp_path)})
    client = app.server.test_client()
    label = "Demonstration data: synthetic, not ILM figures"
    assert label in client.get("/releases").get_data(as_text=True)
    feed = ET.fromstring(client.get("/releases.atom").data)
    assert feed.find(f"{ATOM}entry/{ATOM}title").text.startswith(label)
    body = client.get("/api/v1/releases").get_json()
    assert body["synthetic"] and body["notice"] == label
    assert body["releases"][0]["notice"] == label


def _hrefs(component) -> set[str]:
    found = set()
    if isinstance(component, (list, tuple)):
        for child in component:
            found |= _hrefs(child)
    elif hasattr(component, "to_plotly_json"):
        href = getattr(component, "href", None)
        if href:
            found.add(href)
        found |= _hrefs(getattr(component, "children", None))
    return found


def test_rn011_footer_and_methodology_link_the_release_notes_and_the_package():
    page = methodology_page(PageContext("Jun 2026", 1, DisclosureParams()))
    for component in (footer(10, 1), page):
        assert {ids.PATH_RELEASES, ids.PATH_PACKAGE} <= _hrefs(component)


def test_rn012_without_data_release_surfaces_answer_503_uncached(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    app = create_app({"DATABASE_URL": f"sqlite:///{empty}", "RELEASES_DIR": str(tmp_path)})
    client = app.server.test_client()
    for path in ("/releases", "/releases.atom", "/api/v1/releases", "/download/package.zip"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "Retry-After" in response.headers, path
        assert "max-age" not in response.headers.get("Cache-Control", ""), path


def test_rn013_any_request_keeps_a_new_versions_table_in_the_background(small_url, tmp_path):
    app = create_app({"DATABASE_URL": small_url, "RELEASES_DIR": str(tmp_path)})
    assert app.server.test_client().get("/").status_code == 200
    for thread in threading.enumerate():
        if thread.name == releases_web.WARM_THREAD:
            thread.join()
    (kept,) = tmp_path.glob("release-*.json")
    assert json.loads(kept.read_text())["snapshot"]["version"] == 1


def test_rn014_release_json_shares_the_api_rate_limit(small_url, tmp_path):
    config = {"DATABASE_URL": small_url, "RELEASES_DIR": str(tmp_path)}
    client = create_app({**config, "API_RATE_LIMIT": "1 per minute"}).server.test_client()
    assert client.get("/api/v1/meta").status_code == 200
    limited = client.get("/api/v1/releases")
    assert limited.status_code == 429 and "Retry-After" in limited.headers


def test_rn015_the_page_and_feed_translate_every_string():
    before = _snap(
        1,
        "2026-05",
        {
            ("cases", "total", "total"): [1000, None],
            ("cases", "country", "TH"): [500, None],
            ("cases", "corridor", "NP-KW"): [None, "fewer_than_k"],
            ("cases", "issue", "wages_unpaid"): [40, None],
            ("cases", "month", "2026-04"): [100, None],
        },
    )
    after = _snap(
        2,
        "2026-06",
        {
            ("cases", "total", "total"): [1100, None],
            ("cases", "country", "TH"): [560, None],
            ("cases", "corridor", "NP-KW"): [30, None],
            ("cases", "issue", "wages_unpaid"): [None, "fewer_than_k"],
            ("cases", "month", "2026-04"): [130, None],
        },
    )
    notes = releases.compare(before, after)
    history = [
        (VersionInfo(2, "2026-06", "2026-06-02T00:00:00+00:00", "demo cases=1 seed=1"), notes),
        (VersionInfo(1, "2026-05", "2026-05-02T00:00:00+00:00", "import x"), None),
    ]
    i18n.use_translation(Pseudo())
    try:
        page = releases_web.page_html(history, "/releases.atom")
        feed = ET.fromstring(releases_web.feed_xml(history, ""))
    finally:
        i18n.set_language("en")
    page = re.sub(r"<style>.*?</style>", "", page)
    texts = [t for t in re.split(r"<[^>]+>", page) if t.strip()]
    texts += [e.text for e in feed.iter() if e.text and e.tag != f"{ATOM}content"]
    texts = [html.unescape(t) for t in texts]
    data = re.compile(r"^(urn:[\w:.-]+|[\d\-T:Z+]+|CC BY 4\.0 \(https://\S+\))$")
    leftovers = _untranslated([t for t in texts if not data.match(t.strip())])
    assert leftovers == [], leftovers


def test_rn016_the_release_notes_page_has_the_language_switcher(small_url, tmp_path):
    app = create_app({"DATABASE_URL": small_url, "RELEASES_DIR": str(tmp_path)})
    page = app.server.test_client().get("/releases?lang=th").get_data(as_text=True)
    assert '<html lang="th"' in page and 'class="language-switcher"' in page
    assert 'href="/releases?lang=my"' in page or "lang=my" in page


def test_rn017_the_page_and_feed_entries_escape_every_value_they_show():
    """templates/releases.html and release_entry.html are autoescaped: a row's code or the
    feed's address that holds markup is shown as text, in the page and the feed entry."""
    attack = "<script>alert(1)</script>"
    before = _snap(1, "2026-05", {("cases", "country", attack): [None, "fewer_than_k"]})
    after = _snap(2, "2026-06", {("cases", "country", attack): [30, None]})
    notes = releases.compare(before, after)
    assert [r["code"] for r in notes["newly_published"]] == [attack]
    info = VersionInfo(2, "2026-06", "2026-06-02T00:00:00+00:00", "demo cases=1 seed=1")
    page = releases_web.page_html([(info, notes)], f'/feed?"{attack}')
    entry = releases_web.entry_html(info, notes)
    for text in (page, entry):
        assert "<script" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert 'id="releases-synthetic" role="note"' in page
    assert 'class="release-synthetic"' in entry and 'id="v2"' in page


def test_rn018_the_release_notes_page_loads_the_scripts_fonts(small_url, tmp_path):
    """Its language switcher names each language in its own script: without the fonts
    the app ships, a phone lacking them shows boxes."""
    app = create_app({"DATABASE_URL": small_url, "RELEASES_DIR": str(tmp_path)})
    client = app.server.test_client()
    page = client.get("/releases").get_data(as_text=True)
    assert 'href="/assets/08_fonts.css"' in page
    assert client.get("/assets/08_fonts.css").status_code == 200
