"""Profile pages: one per country of work, nationality, industry and corridor."""

from __future__ import annotations

import re

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from callbacks import crossfilter, remediation
from callbacks import profiles as pf
from callbacks import recruitment as rec
from callbacks import supply_chains as sc
from callbacks.charts import run, table_payload
from dashboard.factory import create_app
from data_access import taxonomy
from data_access.filters import Filters
from layouts import format as fmt
from layouts import ids
from tests.conftest import WAIT

NO_LIMIT = "100000 per minute"


@pytest.fixture(scope="module")
def app(small_url):
    return create_app(
        {"DATABASE_URL": small_url, "DOWNLOAD_RATE_LIMIT": NO_LIMIT, "API_RATE_LIMIT": NO_LIMIT}
    )


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="module")
def data(app):
    return app.server.extensions["ilm_data"]


def _published(data, kind):
    """A subject of the kind whose profile publishes, and one whose does not."""
    shown = hidden = None
    for kind_, code in pf.every_subject(data):
        if kind_ != kind:
            continue
        withheld = data.total("cases", pf.subject(data, kind, code).filters).suppressed
        if withheld and hidden is None:
            hidden = code
        if not withheld and shown is None:
            shown = code
    return shown, hidden


@pytest.mark.parametrize("kind", pf.KINDS)
def test_pf001_a_profile_is_a_server_page_with_title_and_description(client, data, kind):
    code, _hidden = _published(data, kind)
    response = client.get(f"/{kind}/{code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    name = pf.subject(data, kind, code).name
    assert f"<title>{name}: profile" in page.replace("&gt;", ">").replace("&rarr;", "→")
    assert re.search(r'<meta name="description" content="[^"]+cases', page)
    assert '<html lang="en">' in page and "<main" in page and 'id="profile-kpis"' in page


@pytest.mark.parametrize("kind", pf.KINDS)
def test_pf002_the_page_shows_the_apis_protected_numbers(client, data, kind):
    code, _hidden = _published(data, kind)
    page = client.get(f"/{kind}/{code}").get_data(as_text=True)
    query = f"corridor={code}" if kind == "corridor" else f"{kind}={code}"
    body = client.get(f"/api/v1/aggregates?measure=cases&{query}").get_json()
    total = body["rows"][0]["value"]
    kpis = page.split('id="profile-kpis"')[1].split("</dd>")[0]
    assert fmt.number(total) in kpis
    by_year = client.get(f"/api/v1/aggregates?measure=cases&by=year&{query}")
    if by_year.status_code == 400:
        assert by_year.get_json()["rule"] == "sparsity"
        assert 'id="profile-trend-refused"' in page
        return
    table = page.split('id="profile-trend"')[1].split("</svg>")[0]
    for row in by_year.get_json()["rows"]:
        shown = fmt.number(row["value"]) if row["value"] is not None else "&lt;"
        assert shown in table


def test_pf003_too_few_cases_show_one_sentence_and_no_numbers(client, data):
    _shown, code = _published(data, "country")
    assert code is not None, "the small demo has a country with too few cases"
    page = client.get(f"/country/{code}").get_data(as_text=True)
    assert 'id="profile-withheld"' in page
    assert 'id="profile-kpis"' not in page and 'id="profile-trend"' not in page
    # Empty and a few read the same: the page for another such country differs only by name.
    others = [
        c
        for c in sorted(taxonomy.COUNTRIES)
        if c != code and data.total("cases", Filters(country=c)).suppressed
    ]
    if others:
        other = client.get(f"/country/{others[0]}").get_data(as_text=True)
        strip = lambda text, c: text.replace(c, "").replace(taxonomy.COUNTRIES[c], "")  # noqa: E731
        assert strip(page, code) == strip(other, others[0])


@pytest.mark.parametrize(
    "path", ["/country/XX", "/industry/nothing", "/corridor/TH-TH", "/nationality/"]
)
def test_pf004_an_unknown_subject_is_a_404_listing_the_views(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "/supply-chains" in response.get_data(as_text=True)


def _unlisted_corridor(data) -> str:
    """A pair of countries of the code list that the release lists as no corridor."""
    return next(
        f"{o}-{d}"
        for o in sorted(taxonomy.COUNTRIES)
        for d in sorted(taxonomy.COUNTRIES)
        if o != d and f"{o}-{d}" not in data.corridors()
    )


def test_pf005_an_unlisted_corridor_has_no_profile(client, data):
    unlisted = _unlisted_corridor(data)
    assert client.get(f"/corridor/{unlisted}").status_code == 404


def test_pf006_the_sitemap_lists_every_view_and_profile(client, data):
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    locs = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert "/supply-chains" in locs and "/methodology" in locs
    assert {f"/corridor/{c}" for c in data.corridors()} <= set(locs)
    assert {f"/country/{c}" for c in taxonomy.COUNTRIES} <= set(locs)
    assert len([loc for loc in locs if loc.startswith("/corridor/")]) == len(data.corridors())


def test_pf007_the_page_needs_no_script_and_no_inline_style(client, data):
    code, _hidden = _published(data, "country")
    page = client.get(f"/country/{code}").get_data(as_text=True)
    assert "<script" not in page and "style=" not in page and "<style" not in page
    assert client.get("/profile-static/profile.css").status_code == 200


def test_pf008_a_profile_carries_validators_and_revalidates(client, data):
    code, _hidden = _published(data, "industry")
    first = client.get(f"/industry/{code}")
    assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    again = client.get(f"/industry/{code}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_pf009_profiles_share_the_downloads_rate_limit(small_url, data):
    client = create_app({"DATABASE_URL": small_url, "DOWNLOAD_RATE_LIMIT": "2 per minute"})
    client = client.server.test_client()
    code, _hidden = _published(data, "country")
    codes = [client.get(f"/country/{code}").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_pf010_demonstration_data_says_so_first(client, data):
    code, _hidden = _published(data, "nationality")
    page = client.get(f"/nationality/{code}").get_data(as_text=True)
    assert page.index('id="profile-synthetic"') < page.index('id="profile-headline"')


def test_pf011_filter_chips_link_to_the_profiles_of_their_subjects(data):
    corridor = data.corridors()[0]
    origin, destination = corridor.split("-")
    filters = Filters(origin=origin, destination=destination, industry="seafood")
    links = [c.href for c in crossfilter.chips(filters, data.corridors()) if hasattr(c, "href")]
    assert sorted(links) == sorted(["/industry/seafood", f"/corridor/{corridor}"])
    unlisted = crossfilter.chips(filters, ())
    assert [c.href for c in unlisted if hasattr(c, "href")] == ["/industry/seafood"]


def test_pf012_feeds_link_to_the_profiles_they_name(client, data):
    code, _hidden = _published(data, "country")
    page = client.get(f"/country/{code}").get_data(as_text=True)
    feeds = page.split('id="profile-feeds"')[1].split("</ul>")[0]
    assert re.search(r'href="/nationality/[A-Z]{2}"', feeds)


def test_pf013_without_data_a_profile_and_the_sitemap_answer_503(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    client = create_app({"DATABASE_URL": f"sqlite:///{empty}"}).server.test_client()
    for path in ("/country/TH", "/corridor/NP-KW", "/sitemap.xml"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Cache-Control"] == "no-store"


def test_pf014_a_withheld_audit_rate_says_why_as_the_audits_view_does(client, data):
    from callbacks.protected import withheld_note

    for code in sorted(taxonomy.INDUSTRIES):
        profile = pf.build(data, pf.subject(data, "industry", code))
        if profile.published and profile.audit is not None and profile.audit.rate is None:
            if profile.audit.below is not None:
                continue
            page = client.get(f"/industry/{code}").get_data(as_text=True)
            note = withheld_note(profile.audit.worksites, data.params.k, "audited worksites")
            assert note.split(",")[0].replace("'", "&#39;") in page
            return
    pytest.skip("every industry of the small demo publishes its audit detection rate")


def test_pf015_chart_tables_link_their_rows_to_the_subjects_profiles(client, data):
    from callbacks import audits, recruitment, supply_chains
    from callbacks.charts import table_payload

    tables = {
        "supply map": supply_chains.map_chart(data, Filters(), {}).table,
        "audits by industry": audits.industry_chart(data, Filters(), {}).table,
        "audits by issue": audits.issue_chart(data, Filters(), {}).table,
        "recruitment map": recruitment.map_chart(data, Filters(), {}).table,
    }
    assert len(tables["supply map"].links) == len(tables["supply map"].rows)
    assert all(link.startswith("/country/") for link in tables["supply map"].links)
    assert all(link.startswith("/industry/") for link in tables["audits by industry"].links)
    assert not any(tables["audits by issue"].links)  # issue categories have no profile
    assert "links" not in table_payload(tables["audits by issue"], data.params.k, "")
    corridors = tables["recruitment map"].links
    assert corridors and all(link.startswith("/corridor/") for link in corridors)
    for name, table in tables.items():
        for link in filter(None, table.links[:3]):
            assert client.get(link).status_code == 200, (name, link)


def test_pf016_a_chart_tables_row_is_a_link_in_the_browser(dash_duo, small_url):
    app = create_app({"DATABASE_URL": small_url})
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + "/supply-chains")
    table = dash_duo.open_table("supply-map")
    link = dash_duo.wait_for_element(f'{table} th[scope="row"] a[href^="/country/"]')
    assert link.text.strip()


def _by_name(kind, data):
    """Each subject of a kind by the name the charts' tables give it (English)."""
    if kind == "corridor":
        return {fmt.corridor_label(c): c for c in data.corridors()}
    return {name: code for code, name in pf.names(kind).items()}


def _linked(labels, links, kind, data):
    """Each link of a row or column is its own subject's profile."""
    named = _by_name(kind, data)
    pairs = [(label, link) for label, link in zip(labels, links) if link]
    assert pairs, "nothing is linked"
    for label, link in pairs:
        assert link == pf.profile_path(kind, named[label]), (label, link)
    return pairs


def test_pf017_columns_that_are_subjects_link_their_headings(data):
    by_nationality = sc.issues_chart(data, Filters(), {}).table
    heading = by_nationality.header_links
    assert heading[:2] == (None, None)  # the issue category and all nationalities
    _linked(by_nationality.header, heading, "nationality", data)
    heatmap = sc.heatmap_chart(data, Filters(), {}).table
    assert heatmap.header_links[0] is None and all(heatmap.header_links[1:])
    _linked(heatmap.header, heatmap.header_links, "industry", data)
    # Issue categories head the rows: none has a profile.
    assert not any(heatmap.links)
    payload = table_payload(heatmap, data.params.k, "")
    assert payload["headerLinks"] == list(heatmap.header_links) and "links" not in payload
    assert "headerLinks" not in table_payload(sc.tier_chart(data, Filters(), {}).table, 5, "")


@pytest.mark.parametrize("by", ["country", "industry", "nationality", "theme"])
def test_pf018_the_remediation_rates_rows_link_to_their_subjects(data, by):
    table = remediation.rate_chart(data, Filters(), {"rate_by": by}).table
    assert len(table.links) == len(table.rows)
    if by == "theme":  # a theme has no profile
        assert not any(table.links)
        assert "links" not in table_payload(table, data.params.k, "")
        return
    _linked([row[0] for row in table.rows], table.links, by, data)
    assert all(table.links)


def test_pf019_corridor_rows_and_columns_link_and_the_rest_do_not(data):
    sankey = rec.sankey_chart(data, Filters(), {}).table
    labels = [row[0] for row in sankey.rows]
    corridors = _linked(labels, sankey.links, "corridor", data)
    # A destination's cases on a theme ("Thailand → Wages") are about no one subject.
    themes = [label for label, link in zip(labels, sankey.links) if link is None]
    assert themes and len(corridors) + len(themes) == len(labels)
    assert all(label not in _by_name("corridor", data) for label in themes)
    a, b = data.corridors()[:2]
    origin, destination = a.split("-")
    compare = rec.compare_themes_chart(
        data, Filters(origin=origin, destination=destination), {"compare": b}
    ).table
    assert compare.header_links == (None, f"/corridor/{a}", f"/corridor/{b}")
    table = rec.corridor_rows(data, Filters(), {})
    payload = rec.corridor_payload(table, data.params.k, None)
    assert payload["links"] == [f"/corridor/{row[0]}" for row in payload["rows"]]
    assert payload["linkNames"][0] == f"Profile of {payload['rows'][0][1]}"


def test_pf020_only_subjects_with_a_profile_get_a_link(client, data):
    unlisted = _unlisted_corridor(data)
    for kind, code in [
        ("theme", next(iter(taxonomy.THEMES))),
        ("route", next(iter(taxonomy.ROUTES))),
        ("country", "XX"),
        ("nationality", None),
        ("corridor", unlisted),
        ("corridor", None),
    ]:
        assert pf.profile_link(data, kind, code) is None, (kind, code)
    # Every link a table gives is a page that answers, withheld subjects' included.
    tables = [
        sc.issues_chart(data, Filters(), {}).table,
        sc.heatmap_chart(data, Filters(), {}).table,
        remediation.rate_chart(data, Filters(), {"rate_by": "nationality"}).table,
        rec.sankey_chart(data, Filters(), {}).table,
    ]
    links = {link for t in tables for link in (*t.links, *t.header_links) if link}
    for kind, code in pf.every_subject(data):
        if kind != "corridor" or code == data.corridors()[0]:
            assert pf.profile_link(data, kind, code) == pf.profile_path(kind, code)
    for link in sorted(links)[:12]:
        assert client.get(link).status_code == 200, link


def test_pf021_a_map_links_the_profile_of_the_region_its_filter_picked(data):
    charts = {c.id: c for c in sc.charts() + rec.charts()}
    corridor = data.corridors()[0]
    origin, destination = corridor.split("-")
    picked = {"origin": origin, "destination": destination}
    for chart_id, stored, href in [
        (ids.SC_MAP_CHART, {"country": "TH"}, "/country/TH"),
        (ids.RECRUITMENT_MAP, picked, f"/corridor/{corridor}"),
    ]:
        _figure, _table, note, _summary = run(charts[chart_id], data, stored, {})
        links = [c for c in note.children if getattr(c, "href", None)]
        assert [a.href for a in links] == [href], chart_id
        assert links[0].children.startswith("Profile of ")
    # No filter, or one the chart does not link (an issue): the note has no link.
    for stored in ({}, {"issue": next(iter(taxonomy.ISSUES))}):
        _figure, _table, note, _summary = run(charts[ids.SC_MAP_CHART], data, stored, {})
        assert note is None or isinstance(note.children, str)


def test_pf022_a_tables_column_link_opens_the_profile_and_the_map_links_its_pick(start, small_url):
    dash_duo = start(create_app({"DATABASE_URL": small_url}))
    driver = dash_duo.driver
    # A region the map's filter picked: its profile is one link away, next to the map.
    driver.get(dash_duo.server_url + "/supply-chains?country=TH")
    dash_duo.wait_for_element(f'#{ids.note(ids.SC_MAP_CHART)} a[href="/country/TH"]', timeout=WAIT)
    # The heatmap's industries are its columns: a heading's link opens the profile.
    driver.get(dash_duo.server_url + "/supply-chains")
    table = dash_duo.open_table(ids.SC_HEATMAP_CHART)
    link = dash_duo.wait_for_element(f'{table} th[scope="col"] a[href^="/industry/"]', timeout=WAIT)
    path, name = link.get_attribute("pathname"), link.text.strip()
    # By keyboard, as a reader without a pointer follows it.
    link.send_keys(Keys.ENTER)
    until(lambda: driver.current_url.endswith(path), timeout=WAIT)
    dash_duo.wait_for_element("#profile-kpis, #profile-withheld", timeout=WAIT)
    assert name in driver.title
