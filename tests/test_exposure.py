"""Supply-chain exposure: footprint files, links, numbers against the case rows, privacy."""

from __future__ import annotations

import base64
import io
import json
import logging
import pickle
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from callbacks import exposure as ex
from callbacks import footprint as fp
from callbacks.urlstate import parse_options, to_query
from dashboard.factory import create_app
from data_access import taxonomy
from data_access.disclosure import DisclosureParams, perturbed_workers
from data_access.exposure import RECRUITMENT_ISSUES, Exposure
from data_access.filters import Filters
from data_access.query import DataAccess
from layouts import ids

CORPUS = Path(__file__).parent / "data" / "footprints"
EXPECTED = fp.Footprint(
    (
        fp.Row("TH", "seafood", 12.0, ("KH", "MM")),
        fp.Row("MY", "electronics", 30.0, ("BD", "NP")),
    )
)
MORE = "The columns are: country, industry, weight (optional), nationalities (optional)."
BAD = {
    "missing_column.csv": f"The file has no “industry” column. {MORE}",
    "unknown_column.csv": f"Column C “supplier” is not one the dashboard reads. {MORE}",
    "unknown_country.csv": "Row 2: country “Thailnd” is not one the network covers. "
    "Did you mean “Thailand”?",
    "unknown_industry.csv": "Row 2: industry “Electronis” is not one the network covers. "
    "Did you mean “Electronics”?",
    "unknown_nationality.csv": "Row 2: nationality “Burmeese” is not one the network covers. "
    "Did you mean “Burmese”?",
    "duplicate_rows.csv": "Row 4 repeats Thailand · Seafood from row 2: give each country and "
    "industry one row (list all its nationalities there and add up the weights).",
    "negative_weight.csv": "Row 2: weight “-5” is negative; weights must be 0 or more.",
    "non_numeric_weight.csv": "Row 3: weight “lots” is not a number.",
    "missing_weight.csv": "Row 3: weight is missing; give every row a weight, or remove the "
    "weight column.",
    "zero_weights.csv": "The weights add up to 0: give at least one row a weight above 0.",
    "empty.csv": "The file is empty.",
    "header_only.csv": "The file has a header but no rows.",
    "latin1.csv": "Row 3 has characters that are not UTF-8 text. Save the file as “CSV UTF-8” "
    "and upload it again.",
    "formula.csv": 'Row 2, column weight: the cell holds a formula (=HYPERLINK("x")). '
    "Replace formulas by their values.",
    "formula.xlsx": "Row 3, column weight: the cell holds a formula (=C2*2). Replace formulas "
    "by their values.",
    "image.csv": "“image.csv” is not a CSV text file: download the template.",
    "report.pdf": "“report.pdf” is not a CSV or XLSX file: download the template.",
    "old_excel.xls": "“old_excel.xls” is an old Excel (.xls) file: save it as .xlsx or CSV.",
    "not_really.xlsx": "“not_really.xlsx” is not a readable XLSX file: download the template.",
}
EXACT = DisclosureParams(k=1, c=1, noise=0)


def _messages(name: str, content: bytes) -> tuple[str, ...]:
    with pytest.raises(fp.FootprintError) as error:
        fp.parse_file(name, content)
    return error.value.messages


# -- parsing and validation -----------------------------------------------------------
@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "good").iterdir()))
def test_ex001_good_files_in_both_formats_with_codes_and_names(name):
    assert fp.parse_file(name, (CORPUS / "good" / name).read_bytes()) == EXPECTED


@pytest.mark.parametrize("name", sorted(BAD))
def test_ex002_each_bad_file_gets_its_message(name):
    assert _messages(name, (CORPUS / "bad" / name).read_bytes())[0] == BAD[name]


def test_ex003_the_corpus_has_an_expected_message_for_every_bad_file():
    assert {p.name for p in (CORPUS / "bad").iterdir()} == set(BAD)


def test_ex004_a_file_of_more_than_20_rows_is_refused():
    rows = "".join(f"Thailand,Seafood,{i}\n" for i in range(fp.MAX_ROWS + 1))
    messages = _messages("big.csv", ("country,industry,weight\n" + rows).encode())
    assert messages == (
        "The file has more than 20 rows. A footprint has at most 20 rows: give each "
        "worksite country and industry one row, and keep the 20 that matter most.",
    )


def test_ex005_a_file_over_2_mb_is_refused_before_it_is_read():
    content = b"country,industry\n" + b"Thailand,Seafood," + b"x" * fp.MAX_BYTES
    assert _messages("big.csv", content) == ("The file is 2.0 MB; the limit is 2 MB.",)


def test_ex006_every_problem_names_its_row():
    content = b"country,industry,weight\nThailnd,Seafood,1\nMalaysia,Electronics,-1\nTH,x,2\n"
    messages = _messages("f.csv", content)
    assert [m.split(":")[0] for m in messages] == ["Row 2", "Row 3", "Row 4"]


def test_ex007_the_templates_read_back_as_the_example_footprint():
    from_csv = fp.parse_file("t.csv", fp.template_csv().encode())
    assert fp.parse_file("t.xlsx", fp.template_xlsx()) == from_csv
    assert [r.segment for r in from_csv.rows] == [
        ("TH", "seafood"),
        ("MY", "electronics"),
        ("TH", "apparel_footwear"),
    ]


def test_ex008_utf16_text_from_excel_is_read():
    content = "country\tindustry\nThailand\tSeafood\n".encode("utf-16")
    assert fp.parse_file("f.txt", content).rows == (fp.Row("TH", "seafood"),)


# -- the link ---------------------------------------------------------------------------
rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(sorted(taxonomy.COUNTRIES)),
        st.sampled_from(sorted(taxonomy.INDUSTRIES)),
        st.frozensets(st.sampled_from(sorted(taxonomy.NATIONALITIES)), max_size=3),
    ),
    max_size=fp.MAX_URL_ROWS,
    unique_by=lambda r: (r[0], r[1]),
)


@settings(max_examples=60, deadline=None)
@given(rows=rows_strategy, weights=st.booleans())
def test_ex010_a_footprint_link_reads_back_exactly(rows, weights):
    footprint = fp.Footprint(
        tuple(
            fp.Row(c, i, float(n + 1) * 1.5 if weights else None, tuple(sorted(nats)))
            for n, (c, i, nats) in enumerate(rows)
        )
    )
    code = fp.encode(footprint)
    assert fp.decode(code) == footprint
    options, notices = parse_options(to_query(Filters(), {"fp": code}))
    assert notices == [] and options["fp"] == code


def test_ex011_a_forged_link_is_ignored_with_a_notice():
    options, notices = parse_options("?fp=TH:seafood:-3:")
    assert options["fp"] == "" and len(notices) == 1


def test_ex012_a_forged_browser_store_is_refused():
    assert fp.from_store({"rows": [["XX", "seafood", None, []]]}) == (fp.Footprint(), "")
    assert fp.from_store({"rows": [["TH", "seafood", "-1", []]]}) == (fp.Footprint(), "")
    assert fp.from_store("junk") == (fp.Footprint(), "")


# -- editing: a failed edit changes nothing ---------------------------------------------
def _upload(name: str, content: bytes) -> tuple[str, str]:
    return name, "data:text/csv;base64," + base64.b64encode(content).decode()


def test_ex020_a_bad_upload_leaves_the_footprint_as_it_was():
    before = fp.to_store(EXPECTED, "upload")
    store, link, message = ex.edit(
        ids.EX_UPLOAD, before, upload=_upload("f.csv", b"country,industry\nThailnd,Seafood\n")
    )
    assert store is ex.no_update and link is ex.no_update
    assert "Did you mean “Thailand”?" in str(message)


def test_ex021_an_upload_replaces_the_footprint_and_never_goes_into_the_link():
    content = (CORPUS / "good" / "names.csv").read_bytes()
    store, link, _message = ex.edit(ids.EX_UPLOAD, None, upload=_upload("names.csv", content))
    assert fp.from_store(store) == (EXPECTED, "upload") and link == ""
    # Adding a row to an uploaded footprint keeps it out of the link.
    form = {"country": "MM", "industry": "apparel_footwear", "weight": 3}
    store2, link2, _m = ex.edit(ids.EX_ADD, store, form=form)
    assert len(fp.from_store(store2)[0].rows) == 3 and link2 == ""


def test_ex022_a_menu_built_footprint_goes_into_the_link():
    form = {"country": "TH", "industry": "seafood", "nationalities": ["MM", "KH"], "weight": None}
    store, link, message = ex.edit(ids.EX_ADD, None, form=form)
    assert link == "TH:seafood::KH,MM" and message is None
    store, link, _m = ex.edit({"type": ids.EX_REMOVE, "index": 0}, store, remove=0)
    assert fp.from_store(store)[0].rows == () and link == ""


def test_ex023_adding_a_row_that_repeats_a_segment_is_refused():
    store = fp.to_store(EXPECTED, "ui")
    result = ex.edit(ids.EX_ADD, store, form={"country": "TH", "industry": "seafood", "weight": 1})
    assert result[0] is ex.no_update and "repeats Thailand · Seafood" in str(result[2])


def test_ex024_the_link_wins_on_load():
    store, link, _m = ex.edit(ids.OPTIONS, fp.to_store(EXPECTED, "upload"), url_code="TH:seafood::")
    assert fp.from_store(store)[0].rows == (fp.Row("TH", "seafood"),)


# -- numbers against the case rows ------------------------------------------------------
@pytest.fixture(scope="module")
def raw(small_url):
    engine = create_engine(small_url)
    with engine.connect() as conn:
        cases = pd.read_sql(text("select * from cases"), conn)
        issues = pd.read_sql(text("select * from case_issues"), conn)
    engine.dispose()
    return cases, issues


FOOTPRINT = fp.Footprint(
    (
        fp.Row("TH", "seafood", 6.0, ("KH", "MM")),
        fp.Row("MY", "electronics", 3.0, ()),
        fp.Row("TH", "apparel_footwear", 1.0, ("MM",)),
    )
)
PERIOD = Filters(period="2025")


def _segment(cases, row):
    in_period = cases.month_received.str[:4] == PERIOD.period
    return cases[in_period & (cases.destination == row.country) & (cases.industry == row.industry)]


def test_ex030_segment_numbers_equal_the_case_rows(small_url, raw):
    cases, issues = raw
    profile = Exposure(DataAccess(small_url, EXACT)).profile(
        FOOTPRINT.rows, FOOTPRINT.shares(), PERIOD
    )
    for row, segment in zip(FOOTPRINT.rows, profile.segments):
        mine = _segment(cases, row)
        assert segment.cases.value == len(mine)
        # Sums carry each case's own factor even with every other protection off.
        assert segment.workers.value == sum(
            perturbed_workers(w, key) for w, key in zip(mine.workers_affected, mine.record_key)
        )
        assert segment.remediated.value == int((mine.status == "remediated").sum())
        counts = issues[issues.case_id.isin(mine.case_id)].issue.value_counts()
        assert {k: p.value for k, p in segment.issues.items() if p.value} == counts.to_dict()
        nat = mine.nationality.value_counts()
        assert dict((n, p.value) for n, p in segment.by_nationality) == {
            n: int(nat.get(n, 0)) for n in row.nationalities
        }
        quarters = mine.month_received.map(lambda m: f"{m[:4]}-Q{(int(m[5:7]) - 1) // 3 + 1}")
        assert {q: p.value for q, p in segment.trend.items()} == quarters.value_counts().to_dict()


def test_ex031_corridor_numbers_equal_the_case_rows(small_url, raw):
    cases, issues = raw
    profile = Exposure(DataAccess(small_url, EXACT)).profile(
        FOOTPRINT.rows, FOOTPRINT.shares(), PERIOD
    )
    in_period = cases.month_received.str[:4] == PERIOD.period
    checked = 0
    for row, segment in zip(FOOTPRINT.rows, profile.segments):
        for corridor in segment.corridors:
            road = cases[
                in_period
                & (cases.origin == corridor.origin)
                & (cases.destination == row.country)
                & (cases.industry == row.industry)
            ]
            assert (corridor.cases.value or 0) == len(road)
            recruiting = cases[
                in_period
                & (cases.origin == corridor.origin)
                & (cases.destination == row.country)
                & (cases.stage == "recruitment")
            ]
            assert (corridor.recruitment.value or 0) == len(recruiting)
            counts = issues[issues.case_id.isin(recruiting.case_id)].issue.value_counts()
            # With K = 1 only an empty cell is withheld.
            assert dict((c, p.value or 0) for c, p in corridor.issues) == {
                c: int(counts.get(c, 0)) for c in RECRUITMENT_ISSUES
            }
            checked += 1
        if row.nationalities:
            assert [c.origin for c in segment.corridors] == [
                n for n in row.nationalities if n != row.country
            ]
    assert checked


def test_ex032_weighting_follows_the_readers_weights(small_url, raw):
    cases, issues = raw
    profile = Exposure(DataAccess(small_url, EXACT)).profile(
        FOOTPRINT.rows, FOOTPRINT.shares(), PERIOD
    )
    weights = [6 / 10, 3 / 10, 1 / 10]
    assert [s.share for s in profile.segments] == pytest.approx(weights)
    rates, opens = [], []
    for row in FOOTPRINT.rows:
        mine = _segment(cases, row)
        remediated = int((mine.status == "remediated").sum())
        rates.append(remediated / len(mine))
        opens.append(len(mine) - remediated)
    assert profile.remediation_rate().value == pytest.approx(
        sum(w * r for w, r in zip(weights, rates))
    )
    raw_scores = [w * o for w, o in zip(weights, opens)]
    assert list(profile.scores) == pytest.approx([100 * s / max(raw_scores) for s in raw_scores])
    # The issue profile: each row's share of cases reporting the issue, weighted.
    expected = {}
    for w, row in zip(weights, FOOTPRINT.rows):
        mine = _segment(cases, row)
        counts = issues[issues.case_id.isin(mine.case_id)].issue.value_counts()
        for code in taxonomy.ISSUES:
            expected[code] = expected.get(code, 0) + w * counts.get(code, 0) / len(mine)
    assert {c: v for c, v, _n in profile.issue_profile()} == pytest.approx(expected)


def test_ex033_equal_shares_without_weights():
    footprint = fp.Footprint((fp.Row("TH", "seafood"), fp.Row("MY", "electronics")))
    assert footprint.shares() == (0.5, 0.5)


def test_ex034_a_thin_row_says_so_and_adds_nothing(small_url):
    data = DataAccess(small_url)
    footprint = fp.Footprint((fp.Row("TH", "seafood"), fp.Row("QA", "domestic_work")))
    profile = Exposure(data).profile(footprint.rows, footprint.shares(), PERIOD)
    thin = profile.segments[1]
    assert thin.cases.suppressed
    assert profile.scores[1] is None
    table = ex.ranking_table(profile, "sites", False, data.params.k)
    notes = {row[0]: row[-1] for row in table.rows}
    assert notes["Qatar · Domestic work"] == "Too few reports to publish (fewer than 10, or none)"
    assert profile.total("cases")[0] == profile.segments[0].cases.value


def test_ex035_every_published_number_passes_disclosure_control(small_url):
    data = DataAccess(small_url)
    footprint = fp.parse_file("t.csv", fp.template_csv().encode())
    profile = Exposure(data).profile(footprint.rows, footprint.shares(), PERIOD)
    k = data.params.k
    for s in profile.segments:
        cells = [s.cases, s.workers, s.remediated, *s.trend.values(), *s.issues.values()]
        cells += [p for _n, p in s.by_nationality]
        for c in s.corridors:
            cells += [c.cases, c.recruitment, *(p for _i, p in c.issues)]
        for cell in cells:
            assert cell.suppressed or cell.value >= k


def test_ex036_the_report_holds_every_table_with_period_as_of_and_disclosure(small_url):
    data = DataAccess(small_url)
    store = fp.to_store(fp.parse_file("t.csv", fp.template_csv().encode()), "upload")
    import datetime as dt

    report = ex.report_csv(data, store, {"period": "2024"}, {"weight": "spend"}, dt.date.today())
    for needle in (
        "# period: 2024",
        "# weights: Share of your spend",
        "# data as of: 2026-06",
        "# disclosure: Counts below 10, zero included, are withheld",
        "# exposure score: Exposure score = 100 ×",
        "# Footprint rows ranked by exposure score",
        "# What workers report in each footprint row's segment",
        "# Cases reported per quarter",
        "# Top issues",
        "# Issue themes",
        "# Recruitment corridors that feed your segments",
    ):
        assert needle in report


# -- privacy: nothing of an upload stays on the server -----------------------------------
MARKER_WEIGHT = "73519.25"
MARKER_NAME = "acme-confidential-suppliers-7f3a.csv"


def _post_upload(client, app, content: bytes) -> dict:
    key = next(k for k in app.callback_map if f"{ids.EX_FOOTPRINT}.data" in k)
    spec = app.callback_map[key]
    contents = "data:text/csv;base64," + base64.b64encode(content).decode()
    values = {
        f"{ids.EX_UPLOAD}.contents": contents,
        f"{ids.EX_UPLOAD}.filename": MARKER_NAME,
    }

    def entry(item):
        if isinstance(item["id"], str) and item["id"].startswith("{"):
            return []  # the remove buttons: none on the page yet
        return {
            "id": item["id"],
            "property": item["property"],
            "value": values.get(f"{item['id']}.{item['property']}"),
        }

    body = {
        "output": key,
        "outputs": [
            {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
            for o in key.strip(".").split("...")
        ],
        "inputs": [entry(i) for i in spec["inputs"]],
        "state": [entry(s) for s in spec["state"]],
        "changedPropIds": [f"{ids.EX_UPLOAD}.contents"],
    }
    for item in body["outputs"]:
        if item["id"].startswith("{"):
            item["id"] = json.loads(item["id"])
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    return response.get_json()


def _files_with(marker: bytes, roots: list[Path], since: float) -> list[Path]:
    found = []
    for root in roots:
        for path in root.rglob("*"):
            try:
                recent = path.is_file() and path.stat().st_mtime >= since
                if recent and marker in path.read_bytes():
                    found.append(path)
            except OSError:
                continue
    return found


def _assert_nothing_kept(app, caplog, since, roots, redis_client=None):
    marker = MARKER_WEIGHT.encode()
    assert _files_with(marker, roots, since) == []
    assert _files_with(MARKER_NAME.encode(), roots, since) == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert MARKER_WEIGHT not in logged and MARKER_NAME not in logged
    cache = app.server.extensions["cache"]
    backend = next(iter(cache.values())) if isinstance(cache, dict) else cache
    if redis_client is None:
        for key, value in getattr(backend, "_cache", {}).items():
            blob = key.encode() + pickle.dumps(value)
            assert marker not in blob and MARKER_NAME.encode() not in blob
    else:
        for key in redis_client.scan_iter("*"):
            blob = key + (redis_client.get(key) or b"")
            assert marker not in blob and MARKER_NAME.encode() not in blob


def _upload_content() -> bytes:
    return (
        "country,industry,weight,nationalities\n"
        f"Thailand,Seafood,{MARKER_WEIGHT},Myanmar\nMalaysia,Electronics,12,Nepal\n"
    ).encode()


def _roots(app) -> list[Path]:
    return [Path.cwd(), Path(app.server.instance_path), Path(tempfile.gettempdir())]


def test_ex040_an_upload_leaves_nothing_on_disk_in_logs_or_in_the_cache(small_url, caplog):
    caplog.set_level(logging.DEBUG)
    since = time.time() - 1
    app = create_app({"DATABASE_URL": small_url})
    client = app.server.test_client()
    answer = _post_upload(client, app, _upload_content())
    store = answer["response"][ids.EX_FOOTPRINT]["data"]
    assert fp.from_store(store)[1] == "upload"
    # The profile is computed too, so every cache the view fills has been filled.
    ex.render_profile(app.server.extensions["ilm_data"], store, {}, {})
    _assert_nothing_kept(app, caplog, since, _roots(app))


def test_ex041_with_the_redis_cache_an_upload_leaves_nothing_there(small_url, redis_url, caplog):
    import redis

    client_redis = redis.Redis.from_url(redis_url)
    client_redis.flushdb()
    since = time.time() - 1
    app = create_app({"DATABASE_URL": small_url, "CACHE_REDIS_URL": redis_url})
    answer = _post_upload(app.server.test_client(), app, _upload_content())
    store = answer["response"][ids.EX_FOOTPRINT]["data"]
    ex.render_profile(app.server.extensions["ilm_data"], store, {}, {})
    assert client_redis.dbsize() > 0  # the segment queries were cached: the check can see
    _assert_nothing_kept(app, caplog, since, _roots(app), client_redis)
    client_redis.flushdb()


def test_ex042_the_templates_are_served(small_url):
    client = create_app({"DATABASE_URL": small_url}).server.test_client()
    csv_response = client.get(f"{ids.PATH_TEMPLATE}.csv")
    assert csv_response.status_code == 200
    assert csv_response.data.decode() == fp.template_csv()
    xlsx = client.get(f"{ids.PATH_TEMPLATE}.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert "attachment" in xlsx.headers["Content-Disposition"]


def test_ex043_the_view_is_in_the_navigation(small_url):
    client = create_app({"DATABASE_URL": small_url}).server.test_client()
    assert client.get(ids.PATH_EXPOSURE).status_code == 200
    layout = client.get("/_dash-layout").get_json()
    assert ids.PATH_EXPOSURE in json.dumps(layout).replace("\\u002f", "/")


def test_ex025_weights_for_all_rows_or_none():
    store = fp.to_store(fp.Footprint((fp.Row("TH", "seafood"),)), "ui")
    form = {"country": "MY", "industry": "electronics", "weight": 3}
    result = ex.edit(ids.EX_ADD, store, form=form)
    assert result[0] is ex.no_update
    assert "Row 1 has no weight: give every row a weight, or none." in str(result[2])


def test_ex026_forged_menu_values_are_refused():
    form = {"country": "XX", "industry": "seafood", "weight": 1}
    result = ex.edit(ids.EX_ADD, None, form=form)
    assert result[0] is ex.no_update
    assert "Choose the country, industry and nationalities from the menus." in str(result[2])
    result = ex.edit(ids.EX_ADD, None, form={"country": "TH", "industry": "seafood", "weight": -1})
    assert "Weight “-1” is negative; weights must be 0 or more." in str(result[2])


def test_ex044_an_upload_just_over_the_file_limit_gets_its_message_over_http(small_url):
    app = create_app({"DATABASE_URL": small_url})
    content = b"country,industry\n" + b"Thailand,Seafood\n" * (fp.MAX_BYTES // 17 + 10)
    answer = _post_upload(app.server.test_client(), app, content)
    assert "the limit is 2 MB" in json.dumps(answer)


def test_ex045_a_request_body_over_the_server_limit_is_refused_unread(small_url):
    app = create_app({"DATABASE_URL": small_url, "MAX_CONTENT_LENGTH": 1024 * 1024})
    response = app.server.test_client().post(
        "/_dash-update-component", data=b"x" * (1024 * 1024 + 1), content_type="application/json"
    )
    assert response.status_code == 413
    assert create_app({"DATABASE_URL": small_url}).server.config["MAX_CONTENT_LENGTH"] == (
        8 * 1024 * 1024
    )


def _segments(n: int) -> list[tuple[str, str]]:
    return [(c, i) for c in sorted(taxonomy.COUNTRIES) for i in sorted(taxonomy.INDUSTRIES)][:n]


def test_ex046_a_forged_store_of_more_than_20_segments_is_refused():
    rows = [[c, i, None, []] for c, i in _segments(fp.MAX_SEGMENTS + 1)]
    assert fp.from_store({"source": "upload", "rows": rows}) == (fp.Footprint(), "")
    assert len(fp.from_store({"source": "upload", "rows": rows[:-1]})[0].rows) == 20


def test_ex047_adding_a_21st_row_with_the_menus_is_refused_with_the_limit():
    full = fp.Footprint(tuple(fp.Row(c, i) for c, i in _segments(fp.MAX_SEGMENTS)))
    country, industry = _segments(fp.MAX_SEGMENTS + 1)[-1]
    result = ex.edit(
        ids.EX_ADD, fp.to_store(full, "ui"), form={"country": country, "industry": industry}
    )
    assert result[0] is ex.no_update
    assert "A footprint has at most 20 rows" in str(result[2])


def test_ex048_an_85_kb_upload_of_5000_misspelt_rows_is_refused_without_fuzzy_matching(
    small_url, monkeypatch
):
    # Each row a different misspelling, as the issue's attack had it: close-spelling
    # searches for all of them took 4-14 s of a worker.
    content = "country,industry\n" + "".join(f"Thailn{i},Seafod\n" for i in range(5000))
    assert 80_000 < len(content) < 90_000
    searches = []
    monkeypatch.setattr(fp.difflib, "get_close_matches", lambda *a, **k: searches.append(a) or [])
    app = create_app({"DATABASE_URL": small_url})
    started = time.monotonic()
    answer = json.dumps(_post_upload(app.server.test_client(), app, content.encode()))
    print(f"5,000 misspelt rows answered in {time.monotonic() - started:.2f} s")
    assert "The file has more than 20 rows." in answer
    assert searches == []


def test_ex049_close_spellings_are_searched_only_for_the_messages_shown():
    rows = "".join(f"Thailnd,Seafod{i}\n" for i in range(fp.MAX_ROWS))
    searches = []
    real = fp.difflib.get_close_matches

    def counted(*args, **kwargs):
        searches.append(args[0])
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fp.difflib, "get_close_matches", counted)
        messages = _messages("f.csv", ("country,industry\n" + rows).encode())
    assert len(messages) == fp.MAX_MESSAGES + 1 and messages[-1].startswith("… and")
    assert len(searches) <= fp.MAX_MESSAGES + 1


def test_ex050_a_very_long_name_is_refused_without_a_close_spelling_search(monkeypatch):
    monkeypatch.setattr(fp.difflib, "get_close_matches", lambda *a, **k: pytest.fail("searched"))
    messages = _messages("f.csv", ("country,industry\n" + "T" * 100_000 + ",Seafood\n").encode())
    assert messages[0].startswith("Row 2: country “TTTT") and len(messages[0]) < 200


def test_ex051_an_xlsx_that_unpacks_to_too_much_is_refused_before_it_is_read():
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<a>" + b"x" * (fp.MAX_UNPACKED + 1) + b"</a>")
    content = packed.getvalue()
    assert len(content) < fp.MAX_BYTES
    assert _messages("bomb.xlsx", content) == (
        "“bomb.xlsx” unpacks to more than 16 MB: save it again, or as CSV.",
    )


def test_ex052_the_profiles_tables_are_one_element_each_with_the_published_strings(small_url):
    """Each table rides as one element's payload (drawn by the browser), not one component
    per cell; its rows are the table's formatted, protected values."""
    app = create_app({"DATABASE_URL": small_url})
    data = app.server.extensions["ilm_data"]
    store = fp.to_store(
        fp.Footprint((fp.Row("TH", "seafood", 3.0, ("MM",)), fp.Row("MY", "electronics", 1.0, ()))),
        "ui",
    )
    answer = ex.render_profile(data, store, {}, {})
    found: dict[str, dict] = {}
    types: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, list | tuple):
            for child in node:
                walk(child)
        elif hasattr(node, "_type"):
            types.add(node._type)
            payload = getattr(node, "data-ilm-table", None)
            if payload is not None:
                found[node.id] = json.loads(payload)
            walk(getattr(node, "children", None))

    walk(answer)
    assert not types & {"Td", "Tr", "Table"}
    names = (ids.EX_RANKING, ids.EX_SEGMENTS, ids.EX_TREND, ids.EX_ISSUES, ids.EX_THEMES)
    assert {f"{n}-table" for n in (*names, ids.EX_CORRIDORS)} == set(found)
    prepared = ex.prepare(data, store, {}, {})
    footprint, _period, _ignored, kind, profile = prepared
    built = ex.tables(profile, footprint, kind, data.params.k, data.version().as_of)
    ranking = found[f"{ids.EX_RANKING}-table"]
    assert ranking["header"] == list(built[ids.EX_RANKING].header)
    assert len(ranking["rows"]) == len(built[ids.EX_RANKING].rows)
