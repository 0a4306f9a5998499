"""axe-core on every view, an embed and the API page, at 1440 and 360 px, in Chromium.

axe-core comes from the npm registry: it is installed on first use into `$AXE_CORE_DIR`
(default tests/.axe/, ignored by git) with npm. Without npm or the registry the test
skips with the reason on a laptop and fails in CI (CI=true), like every browser test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from dashboard.factory import create_app
from dashboard.views import all_views
from layouts import ids
from tests import visual
from tests.conftest import WAIT, require

pytestmark = pytest.mark.browser

AXE_VERSION = "4.14.1"
AXE_DIR = Path(os.environ.get("AXE_CORE_DIR", Path(__file__).parent / ".axe"))
AXE_SCRIPT = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, and axe's best practices (landmarks, one <main>, headings).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = ("serious", "critical")
# The non-Latin language whose pages ba004 checks too (Burmese: the longest labels).
LANGUAGE = "my"
SIZES = ((1440, 900), (360, 740))
# States a reader reaches often that draw more than the plain view, an embedded chart and
# the API's page for people.
EXTRA = (
    ids.PATH_RECRUITMENT + "?corridor=NP-KW&compare=NP-SA",
    ids.PATH_EXPOSURE + "?fp=TH:seafood:12:KH,MM~MY:electronics:30:",
    f"{ids.PATH_EMBED}overview/{ids.ISSUES_CHART}",
    f"{ids.PATH_API}/",
    "/country/TH",
    "/nationality/MM",
    "/releases",
)

RUN_AXE = """
var done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}}).then(function (result) {
  done(result.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(function (n) { return n.target.join(" "); })};
  }));
}, function (error) { done([{id: "axe-error", impact: "critical", help: String(error),
                             nodes: []}]); });
"""


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core's browser script, installed from the npm registry when missing."""
    if not AXE_SCRIPT.exists() and shutil.which("npm"):
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(AXE_DIR),
                "--no-save",
                "--no-audit",
                "--no-fund",
                f"axe-core@{AXE_VERSION}",
            ],
            capture_output=True,
            timeout=600,
            check=False,
        )
    require(AXE_SCRIPT.exists(), f"axe-core {AXE_VERSION} (npm install axe-core) is needed")
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def app(small_url, browser_ready):
    return create_app({"DATABASE_URL": small_url})


def _pages() -> list[str]:
    return [view.path for view in all_views()] + list(EXTRA)


def _blocking_violations(dash_duo, axe_script, visits) -> list[str]:
    """axe's serious and critical violations on each (width, height, page) visited."""
    driver = dash_duo.driver
    found = []
    for width, height, page in visits:
        if driver.get_window_size()["width"] != width:
            driver.set_window_size(width, height)
        driver.get(dash_duo.server_url + page)
        seen: list = []
        until(lambda s=seen: visual.settled(driver, s), timeout=WAIT, poll=1.0)
        driver.execute_script(axe_script)
        violations = driver.execute_async_script(RUN_AXE, AXE_TAGS)
        found += [
            f"{width}px {page}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes']}"
            for v in violations
            if v["impact"] in BLOCKING
        ]
    return found


def test_ba001_no_serious_or_critical_axe_violation_on_any_page_at_either_width(
    start, app, axe_script
):
    dash_duo = start(app)
    visits = [(width, height, page) for width, height in SIZES for page in _pages()]
    found = _blocking_violations(dash_duo, axe_script, visits)
    assert found == [], "\n".join(found)


def test_ba002_changing_view_keeps_the_filters_marks_the_link_and_focuses_the_heading(start, app):
    dash_duo = start(app)
    driver = dash_duo.driver
    driver.get(dash_duo.server_url + "/?corridor=NP-KW")
    dash_duo.wait_for_contains_text(f"#{ids.ACTIVE_FILTERS}", "Nepal", timeout=WAIT)
    dash_duo.find_element(f"#{ids.nav_link(ids.PATH_RECRUITMENT)}").click()
    until(lambda: driver.title.startswith("Ethical recruitment"), timeout=WAIT)
    until(
        lambda: driver.switch_to.active_element.tag_name == "h1"
        and "recruitment" in driver.switch_to.active_element.text.lower(),
        timeout=WAIT,
    )
    assert driver.current_url.endswith("/recruitment?corridor=NP-KW")
    dash_duo.wait_for_contains_text(f"#{ids.ACTIVE_FILTERS}", "Nepal", timeout=WAIT)
    current = driver.find_elements(By.CSS_SELECTOR, '.site-nav [aria-current="page"]')
    assert [link.get_attribute("id") for link in current] == [ids.nav_link(ids.PATH_RECRUITMENT)]
    assert dash_duo.get_logs() == []


def _tab_to(driver, found, backwards: bool = False, limit: int = 300):
    """Press Tab (Shift+Tab) until the focused element satisfies `found`; return it."""
    for _ in range(limit):
        chain = ActionChains(driver)
        if backwards:
            chain = chain.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT)
        else:
            chain = chain.send_keys(Keys.TAB)
        chain.perform()
        element = driver.switch_to.active_element
        if found(element):
            return element
    raise AssertionError("not reached with the keyboard")


def test_ba003_keyboard_alone_picks_a_corridor_opens_a_table_finds_its_csv_and_changes_view(
    start, app
):
    dash_duo = start(app)
    driver = dash_duo.driver
    dash_duo.wait_for_element(f"#{ids.graph(ids.ISSUES_CHART)} .main-svg", timeout=WAIT)
    driver.find_element(By.TAG_NAME, "body").click()
    corridor = ids.FILTER_CONTROLS["corridor"]
    _tab_to(driver, lambda e: e.get_attribute("id") == corridor)
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    dash_duo.wait_for_element(".dash-dropdown-option", timeout=WAIT)
    ActionChains(driver).send_keys("Nepal").perform()
    until(
        lambda: "Nepal" in driver.find_element(By.CSS_SELECTOR, ".dash-dropdown-option").text, WAIT
    )
    ActionChains(driver).send_keys(Keys.ARROW_DOWN).send_keys(Keys.ENTER).perform()
    until(lambda: "corridor=NP-" in driver.current_url, timeout=WAIT)
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()

    toggle = _tab_to(driver, lambda e: (e.get_attribute("id") or "").endswith("-table-toggle"))
    chart = toggle.get_attribute("id").removesuffix("-table-toggle")
    toggle.send_keys(" ")
    dash_duo.wait_for_element(f"#{ids.table(chart)} caption", timeout=WAIT)
    csv = _tab_to(driver, lambda e: ids.DOWNLOAD_CSV in (e.get_attribute("class") or ""))
    # Enter on the link: its address is made at that moment from the page's (03_downloads.js).
    csv.send_keys(Keys.ENTER)
    until(lambda: f"/download/overview/{chart}.csv?corridor=NP-" in csv.get_attribute("href"), WAIT)

    link = ids.nav_link(ids.PATH_REMEDIATION)
    _tab_to(driver, lambda e: e.get_attribute("id") == link, backwards=True)
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    until(lambda: driver.title.startswith("Remediation"), timeout=WAIT)
    until(lambda: driver.switch_to.active_element.tag_name == "h1", timeout=WAIT)
    assert "/remediation?corridor=NP-" in driver.current_url
    assert dash_duo.get_logs() == []


def _in_language(page: str, code: str) -> str:
    return page + ("&" if "?" in page else "?") + f"lang={code}"


def test_ba004_no_serious_or_critical_axe_violation_on_any_page_in_burmese(start, app, axe_script):
    # Another script brings its own failures (a lang attribute the checker does not know,
    # longer labels that overlap or clip, text drawn in a web font over the same colours),
    # so every page is checked in Burmese too; each at one width, taking turns, because
    # both widths double a run that ba001 already makes in English.
    dash_duo = start(app)
    visits = [
        (*SIZES[index % 2], _in_language(page, LANGUAGE)) for index, page in enumerate(_pages())
    ]
    found = _blocking_violations(dash_duo, axe_script, visits)
    assert dash_duo.driver.execute_script("return document.documentElement.lang") == LANGUAGE
    assert found == [], "\n".join(found)
