"""Browser journeys on the Supply-chain exposure view (dash_duo)."""

from __future__ import annotations

import urllib.request

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from dashboard.factory import create_app
from layouts import ids
from tests.conftest import WAIT, free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def app(small_url, browser_ready):
    return create_app({"DATABASE_URL": small_url, "DATA_VERSION_TTL": 0})


def _upload(dash_duo, path) -> None:
    field = dash_duo.driver.find_element(By.CSS_SELECTOR, f"#{ids.EX_UPLOAD} input[type=file]")
    field.send_keys(str(path))


def _text(dash_duo, selector: str) -> str:
    elements = dash_duo.driver.find_elements(By.CSS_SELECTOR, selector)
    return elements[0].get_attribute("textContent") if elements else ""


def test_exb001_template_upload_profile_then_a_bad_file_changes_nothing(dash_duo, app, tmp_path):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_EXPOSURE)
    dash_duo.wait_for_element("#exposure-template-csv", timeout=WAIT)

    # Download the template (its link), fill it in, upload it.
    href = dash_duo.find_element("#exposure-template-csv").get_attribute("href")
    with urllib.request.urlopen(href) as response:  # noqa: S310 - the local test server
        template = response.read().decode()
    assert template.startswith("country,industry,weight,nationalities")
    filled = tmp_path / "my-footprint.csv"
    filled.write_text(template + "Malaysia,Food & beverage,5,Myanmar\n", encoding="utf-8")
    _upload(dash_duo, filled)

    dash_duo.wait_for_contains_text(f"#{ids.EX_ROWS}", "Malaysia · Food & beverage", timeout=WAIT)
    dash_duo.wait_for_contains_text(f"#{ids.EX_RANKING}", "Exposure score", timeout=WAIT)
    dash_duo.wait_for_contains_text(f"#{ids.EX_SEGMENTS}", "Thailand · Seafood", timeout=WAIT)
    dash_duo.wait_for_contains_text(f"#{ids.EX_CORRIDORS}", "Myanmar → Thailand", timeout=WAIT)
    before = _text(dash_duo, f"#{ids.EX_RANKING}")
    # An uploaded footprint never goes into the link.
    assert "fp=" not in dash_duo.driver.current_url

    # A bad file: a clear message naming the row, and the profile as it was.
    bad = tmp_path / "bad.csv"
    bad.write_text("country,industry\nThailnd,Seafood\n", encoding="utf-8")
    _upload(dash_duo, bad)
    dash_duo.wait_for_contains_text(f"#{ids.EX_MESSAGE}", "Did you mean “Thailand”?", timeout=WAIT)
    assert "Row 2" in _text(dash_duo, f"#{ids.EX_MESSAGE}")
    assert "Malaysia · Food & beverage" in _text(dash_duo, f"#{ids.EX_ROWS}")
    assert _text(dash_duo, f"#{ids.EX_RANKING}") == before
    assert dash_duo.get_logs() == []


def test_exb002_a_shared_link_opens_the_same_footprint(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(
        dash_duo.server_url
        + ids.PATH_EXPOSURE
        + "?weight=workers&fp=TH:seafood:3:MM~MY:electronics:1:"
    )
    dash_duo.wait_for_contains_text(f"#{ids.EX_ROWS}", "Malaysia · Electronics", timeout=WAIT)
    dash_duo.wait_for_contains_text(
        f"#{ids.EX_ROWS}", "Share of your migrant workers", timeout=WAIT
    )
    dash_duo.wait_for_contains_text(f"#{ids.EX_RANKING}", "Thailand · Seafood", timeout=WAIT)
    # Removing a row rewrites the link.
    remove = "//button[@aria-label='Remove Malaysia · Electronics']"
    until(lambda: dash_duo.driver.find_elements(By.XPATH, remove), timeout=WAIT)
    button = dash_duo.driver.find_element(By.XPATH, remove)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.send_keys(Keys.ENTER)  # the remove button is a real, keyboard-usable button
    until(lambda: "MY:electronics" not in dash_duo.driver.current_url, timeout=WAIT)
    assert "fp=TH:seafood:3:MM" in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []


def test_exb003_the_profiles_tables_are_drawn_as_plain_accessible_tables(dash_duo, app):
    """Each table of the profile reaches the page as one element the browser draws, with
    a caption and column and row headers, and is drawn again after a filter change."""
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(
        dash_duo.server_url + ids.PATH_EXPOSURE + "?fp=TH:seafood:3:MM~MY:electronics:1:"
    )
    ranking = f"#{ids.EX_RANKING}-table"
    dash_duo.wait_for_contains_text(ranking, "Thailand · Seafood", timeout=WAIT)
    for name in (ids.EX_RANKING, ids.EX_SEGMENTS, ids.EX_CORRIDORS):
        mount = f"#{name}-table"
        assert dash_duo.driver.find_elements(By.CSS_SELECTOR, f"{mount} table caption"), name
        assert dash_duo.driver.find_elements(By.CSS_SELECTOR, f"{mount} th[scope=col]"), name
        assert dash_duo.driver.find_elements(By.CSS_SELECTOR, f"{mount} th[scope=row]"), name
    before = dash_duo.driver.find_element(By.CSS_SELECTOR, f"{ranking} table")
    dash_duo.driver.execute_script(
        "window.dash_clientside.set_props(arguments[0], {value: '2025'})",
        ids.FILTER_CONTROLS["period"],
    )
    until(lambda: not _is_attached(before), timeout=WAIT)
    dash_duo.wait_for_contains_text(ranking, "Thailand · Seafood", timeout=WAIT)
    assert dash_duo.get_logs() == []


def _is_attached(element) -> bool:
    try:
        element.is_displayed()
        return True
    except Exception:  # noqa: BLE001 - a stale element: the table was drawn anew
        return False


def test_exb004_a_drawn_tables_text_is_never_read_as_html(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_EXPOSURE)
    dash_duo.wait_for_element(f"#{ids.EX_ROWS}", timeout=WAIT)
    hostile = "<img src=x onerror=window.__pwned=1>"
    dash_duo.driver.execute_script(
        "var div = document.createElement('div'); div.id = 'probe-table';"
        "div.setAttribute('data-ilm-table', JSON.stringify({caption: arguments[0],"
        " header: [arguments[0]], rows: [[arguments[0], arguments[0]]]}));"
        "document.body.appendChild(div);",
        hostile,
    )
    dash_duo.wait_for_contains_text("#probe-table caption", hostile, timeout=WAIT)
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#probe-table img")
    assert dash_duo.driver.execute_script("return window.__pwned") is None
