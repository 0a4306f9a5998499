"""Every view at 360 px (a small phone) and by keyboard, in headless Chromium."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from dashboard.factory import create_app
from dashboard.views import all_views
from layouts import ids
from tests.conftest import WAIT
from tests.visual import draw_everything

pytestmark = pytest.mark.browser


@pytest.fixture
def app(small_url, browser_ready):
    return create_app({"DATABASE_URL": small_url})


def _settled(dash_duo) -> bool:
    loading = dash_duo.driver.execute_script(
        "return document.querySelectorAll('[data-dash-is-loading=\"true\"]').length"
    )
    return loading == 0 and bool(dash_duo.driver.find_elements("css selector", "main h1"))


def test_ph001_every_view_fits_a_360_px_screen_without_sideways_scrolling(start, app):
    dash_duo = start(app)
    dash_duo.driver.set_window_size(360, 800)
    width = dash_duo.driver.execute_script("return window.innerWidth")
    too_wide = {}
    for view in all_views():
        dash_duo.driver.get(dash_duo.server_url + view.path)
        until(lambda: _settled(dash_duo), timeout=WAIT)
        page = dash_duo.driver.execute_script("return document.documentElement.scrollWidth")
        if page > width:
            too_wide[view.path] = page
    assert too_wide == {}, f"wider than {width} px: {too_wide}"
    assert dash_duo.get_logs() == []


def test_ph002_keyboard_reaches_the_filters_and_every_view_as_table(start, app):
    dash_duo = start(app)
    country = ids.FILTER_CONTROLS["country"]
    for view in all_views():
        dash_duo.driver.get(dash_duo.server_url + view.path)
        until(lambda: _settled(dash_duo), timeout=WAIT)
        dash_duo.find_element("body").click()
        filters_reached, table_reached = False, not view.charts
        for _ in range(300):
            # Key events, not send_keys on the element: that would type into a file input.
            ActionChains(dash_duo.driver).send_keys(Keys.TAB).perform()
            element = dash_duo.driver.switch_to.active_element
            inside_country = dash_duo.driver.execute_script(
                "return !!arguments[0].closest('#' + arguments[1])", element, country
            )
            filters_reached = filters_reached or inside_country
            # A chart's "View as table", not another disclosure (the key terms').
            table_reached = table_reached or (element.get_attribute("id") or "").endswith(
                "-table-toggle"
            )
            if filters_reached and table_reached:
                break
        assert filters_reached, (view.path, "the country filter is not reachable by Tab")
        assert table_reached, (view.path, "no “View as table” is reachable by Tab")


# The views whose first screen must hold the headline numbers and the first chart.
FIRST_SCREEN_VIEWS = (
    ids.PATH_OVERVIEW,
    ids.PATH_SUPPLY_CHAINS,
    ids.PATH_RECRUITMENT,
    ids.PATH_REMEDIATION,
    ids.PATH_AUDITS,
)
PHONE = {"width": 360, "height": 740}


def _phone(dash_duo) -> None:
    """A 360 × 740 viewport: the window is that plus whatever the browser draws around it."""
    driver = dash_duo.driver
    driver.set_window_size(PHONE["width"], PHONE["height"])
    extra = driver.execute_script("return window.outerHeight - window.innerHeight")
    driver.set_window_size(PHONE["width"], PHONE["height"] + extra)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    assert inner == [PHONE["width"], PHONE["height"]]


def _phone_screen(dash_duo) -> None:
    """A phone's screen as Chromium emulates it: 360 × 740 CSS pixels and scrollbars
    drawn over the page, as on phones (a desktop window's scrollbar takes 15 px of the
    width). Clicks go by the window's own coordinates, so journeys use _phone."""
    dash_duo.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {**PHONE, "deviceScaleFactor": 1, "mobile": True}
    )


def _overflow(dash_duo) -> int:
    return dash_duo.driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def _top(dash_duo, selector: str) -> float | None:
    return dash_duo.driver.execute_script(
        "const e = document.querySelector(arguments[0]);"
        "return e ? e.getBoundingClientRect().top + window.scrollY : null;",
        selector,
    )


def _centre(dash_duo, selector: str):
    """The element, scrolled to mid-screen: at the top the demo's sticky banner covers it."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    return element


def _tap(dash_duo, element) -> None:
    dash_duo.driver.execute_script("arguments[0].click()", element)


def _choose(dash_duo, selector: str, typed: str, label: str) -> None:
    """Open a menu, type into its search, and pick the one option `label` it leaves."""
    _tap(dash_duo, _centre(dash_duo, selector))
    menu = dash_duo.find_element(".dash-dropdown-options")
    ActionChains(dash_duo.driver).send_keys(typed).perform()
    until(lambda: menu.text.strip() == label, timeout=WAIT)
    _tap(dash_duo, menu.find_element("css selector", ".dash-dropdown-option"))
    ActionChains(dash_duo.driver).send_keys(Keys.ESCAPE).perform()


def _waiting(dash_duo) -> list[str]:
    """The charts whose card says they are drawn when scrolled to."""
    return dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('.chart-waits .chart-graph')]"
        ".filter(g => getComputedStyle(g.closest('.chart-card').querySelector('.chart-waiting'))"
        ".display !== 'none').map(g => g.id)"
    )


def _drawn(dash_duo) -> bool:
    return _settled(dash_duo) and bool(
        dash_duo.driver.find_elements("css selector", ".chart-graph .main-svg")
    )


def test_ph003_the_first_screen_of_a_phone_holds_the_numbers_and_the_first_chart(start, app):
    dash_duo = start(app)
    _phone_screen(dash_duo)
    too_low, too_wide = {}, {}
    for path in FIRST_SCREEN_VIEWS:
        dash_duo.driver.get(dash_duo.server_url + path)
        until(lambda: _drawn(dash_duo), timeout=WAIT)
        if path in (ids.PATH_OVERVIEW, ids.PATH_REMEDIATION, ids.PATH_AUDITS):
            until(lambda: _top(dash_duo, ".kpi-card") is not None, timeout=WAIT)
        # The layout is final once the charts have drawn and the numbers are in.
        until(lambda: _settled(dash_duo), timeout=WAIT)
        kpi, chart = _top(dash_duo, ".kpi-card"), _top(dash_duo, ".chart-graph")
        if chart is None or chart >= PHONE["height"] or (kpi or 0) >= PHONE["height"]:
            too_low[path] = {"first number": kpi, "first chart": chart}
        if _overflow(dash_duo) > 0:
            too_wide[path] = _overflow(dash_duo)
    assert too_low == {}, f"below the first {PHONE['height']} px: {too_low}"
    assert too_wide == {}, f"sideways scrolling: {too_wide}"
    assert dash_duo.get_logs() == []


def test_ph004_the_filter_button_opens_the_fields_and_a_chip_removes_its_filter(start, app):
    dash_duo = start(app)
    _phone(dash_duo)
    dash_duo.driver.get(dash_duo.server_url + "/?channel=line&period=2025")
    dash_duo.wait_for_contains_text(f"#{ids.ACTIVE_FILTERS}", "Line", timeout=WAIT)
    button = dash_duo.find_element(f"#{ids.FILTER_TOGGLE}")
    fields = dash_duo.find_element(f"#{ids.FILTER_FIELDS}")
    until(lambda: "2" in button.text, timeout=WAIT)
    assert button.get_attribute("aria-controls") == ids.FILTER_FIELDS
    assert button.get_attribute("aria-expanded") == "false" and not fields.is_displayed()

    button.click()
    until(lambda: button.get_attribute("aria-expanded") == "true", timeout=WAIT)
    assert fields.is_displayed()
    button.click()
    until(lambda: button.get_attribute("aria-expanded") == "false", timeout=WAIT)
    assert not fields.is_displayed()

    # The chips stay in view with the fields folded; one removes its filter.
    dash_duo.find_element("button[aria-label='Remove the filter Line']").click()
    until(lambda: "channel=" not in dash_duo.driver.current_url, timeout=WAIT)
    until(lambda: "Line" not in dash_duo.find_element(f"#{ids.ACTIVE_FILTERS}").text, WAIT)
    until(lambda: "1" in button.text, timeout=WAIT)
    assert _overflow(dash_duo) == 0
    assert dash_duo.get_logs() == []


def test_ph005_exposure_fits_a_phone_after_a_row_is_added_and_the_form_empties(start, app):
    dash_duo = start(app)
    _phone(dash_duo)
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_EXPOSURE)
    dash_duo.wait_for_element(f"#{ids.EX_ADD}", timeout=WAIT)
    assert _overflow(dash_duo) == 0

    _choose(dash_duo, f"#{ids.EX_COUNTRY}", "Thailand", "Thailand")
    _choose(dash_duo, f"#{ids.EX_INDUSTRY}", "Seafood", "Seafood")
    # The nationality menu finds Myanmar's nationals by the country's name.
    _choose(dash_duo, f"#{ids.EX_NATIONALITIES}", "Myanmar", "Burmese (Myanmar)")
    _tap(dash_duo, _centre(dash_duo, f"#{ids.EX_ADD}"))

    dash_duo.wait_for_contains_text(f"#{ids.EX_ROWS}", "Thailand · Seafood", timeout=WAIT)
    assert "Burmese" in dash_duo.find_element(f"#{ids.EX_ROWS}").text
    dash_duo.wait_for_contains_text(f"#{ids.EX_RANKING}", "Exposure score", timeout=WAIT)
    until(lambda: _settled(dash_duo), timeout=WAIT)
    assert _overflow(dash_duo) == 0
    # The next row starts from an empty form, not from this row's nationalities.
    until(lambda: "Burmese" not in dash_duo.find_element(f"#{ids.EX_NATIONALITIES}").text, WAIT)
    assert "Thailand" not in dash_duo.find_element(f"#{ids.EX_COUNTRY}").text
    assert dash_duo.get_logs() == []


def test_ph006_a_links_warning_stays_after_the_url_is_rewritten(start, app):
    dash_duo = start(app)
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_RECRUITMENT + "?country=XX")
    # The view's options rewrite the URL without the ignored value...
    until(lambda: "country=" not in dash_duo.driver.current_url, timeout=WAIT)
    until(lambda: _settled(dash_duo), timeout=WAIT)
    # ...and the reader is still told why the numbers are unfiltered.
    dash_duo.wait_for_contains_text(f"#{ids.NOTICE}", "“XX” is not a valid value", timeout=WAIT)
    assert dash_duo.get_logs() == []


# Per chart on the page: its width, its plot area's, colour bars standing upright, tick
# labels starting left of the chart or ending below it (cut), whether plotly's toolbar
# shows, a legend drawn over a colour bar, and a heatmap's column names over each other.
CHART_FIT = """
const meet = (a, b) => a && b && a.width && b.width
  && a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
return [...document.querySelectorAll('.chart-graph .js-plotly-plot')].map(gd => {
  const box = gd.getBoundingClientRect();
  const ticks = [...gd.querySelectorAll('.ytick text, .xtick text')];
  const toolbar = gd.querySelector('.modebar-container');
  // What is drawn, not the padded boxes around it (a colour bar's box is wider than it).
  const keys = [...gd.querySelectorAll('.legend .legendtext, .legend .legendpoints')]
    .map(e => e.getBoundingClientRect());
  const bar = [...gd.querySelectorAll(
    '.colorbar .cbfills, .colorbar .cbtitle text, .colorbar .cbaxis text',
  )].map(e => e.getBoundingClientRect());
  const columns = (gd._fullData || []).some(t => t.type === 'heatmap')
    ? [...gd.querySelectorAll('.xtick text')].map(t => t.getBoundingClientRect()) : [];
  return {
    keyOnBar: keys.some(k => bar.some(b => meet(k, b))),
    columnsOverlap: columns.filter((c, i) => columns.slice(i + 1).some(d => meet(c, d))).length,
    id: gd.parentElement.id || gd.id,
    width: box.width,
    plot: gd._fullLayout ? gd._fullLayout._size.w : 0,
    upright: (gd._fullData || []).filter(t => t.colorbar && t.showscale !== false
      && t.colorbar.orientation !== 'h').length,
    cut: ticks.filter(t => t.getBoundingClientRect().left < box.left - 1
      || t.getBoundingClientRect().bottom > box.bottom + 1).length,
    toolbar: !!toolbar && getComputedStyle(toolbar).display !== 'none',
  };
});
"""


def test_ph007_charts_on_a_phone_use_the_width_and_show_no_toolbar(start, app):
    dash_duo = start(app)
    _phone_screen(dash_duo)
    problems = []
    for path in (ids.PATH_OVERVIEW, ids.PATH_SUPPLY_CHAINS, ids.PATH_REMEDIATION):
        dash_duo.driver.get(dash_duo.server_url + path)
        until(lambda: _drawn(dash_duo), timeout=WAIT)
        until(lambda: _settled(dash_duo), timeout=WAIT)
        # Every chart, those a phone draws only when scrolled near included.
        draw_everything(dash_duo.driver)
        until(lambda: not _waiting(dash_duo), timeout=WAIT)
        until(lambda: _settled(dash_duo), timeout=WAIT)
        for chart in dash_duo.driver.execute_script(CHART_FIT):
            if chart["plot"] and chart["plot"] < 0.45 * chart["width"]:
                problems.append((path, chart["id"], "plot squeezed", chart["plot"]))
            if chart["upright"]:
                problems.append((path, chart["id"], "colour bar beside the plot"))
            if chart["cut"]:
                problems.append((path, chart["id"], "tick labels cut", chart["cut"]))
            if chart["toolbar"]:
                problems.append((path, chart["id"], "toolbar over the chart"))
            if chart["keyOnBar"]:
                problems.append((path, chart["id"], "legend drawn over the colour bar"))
            if chart["columnsOverlap"]:
                problems.append((path, chart["id"], "column names overlap"))
    assert problems == [], problems
    assert dash_duo.get_logs() == []


# A new figure for the first and the last chart of the view, as a filter change sends
# it; returns which of the two drew it at once.
REDRAW_PROBE = """
const graphs = [...document.querySelectorAll('.chart-graph .js-plotly-plot')];
const probe = gd => window.Plotly.react(gd, {
  data: [{type: 'bar', x: ['probe'], y: [1], name: 'probe'}], layout: {height: 300}});
const [first, last] = [graphs[0], graphs[graphs.length - 1]];
probe(first);
probe(last);
const drew = gd => (gd.data || []).some(t => t.name === 'probe');
last.setAttribute('data-probe', 'last');
return [drew(first), drew(last)];
"""


def test_ph008_a_drawn_chart_far_below_a_phones_window_is_redrawn_when_scrolled_near(start, app):
    dash_duo = start(app)
    _phone_screen(dash_duo)
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_SUPPLY_CHAINS)
    until(lambda: _drawn(dash_duo), timeout=WAIT)
    until(lambda: _settled(dash_duo), timeout=WAIT)
    first, last = dash_duo.driver.execute_script(REDRAW_PROBE)
    assert first and not last, "only the chart in view redraws at once"
    last_chart = "document.querySelector('[data-probe=last]')"
    drew = f"return {last_chart}.data.some(t => t.name === 'probe')"
    dash_duo.driver.execute_script(f"{last_chart}.scrollIntoView()")
    until(lambda: dash_duo.driver.execute_script(drew), timeout=WAIT)
    assert dash_duo.get_logs() == []


def test_ph009_on_opening_a_view_a_phone_draws_a_chart_far_below_only_when_scrolled_near(
    start, app
):
    # Drawing the six charts of /supply-chains on opening held a 4x-slowed CPU for
    # seconds; those screens below wait, and their cards say so instead of empty axes.
    dash_duo = start(app)
    _phone_screen(dash_duo)
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_SUPPLY_CHAINS)
    until(lambda: _drawn(dash_duo), timeout=WAIT)
    until(lambda: _settled(dash_duo), timeout=WAIT)
    last = ids.graph(ids.SC_TIER_CHART)
    drawn = f"return !!document.querySelector('#{last} .main-svg g.trace')"
    until(lambda: last in _waiting(dash_duo), timeout=WAIT)
    assert not dash_duo.driver.execute_script(drawn)
    note = dash_duo.find_element(f".chart-waits #{last}").find_element(
        "xpath",
        "ancestor::section[contains(@class,'chart-card')]//p[@class[contains(.,'chart-waiting')]]",
    )
    assert note.text == "This chart is drawn when you scroll to it."
    dash_duo.driver.execute_script(f"document.getElementById('{last}').scrollIntoView()")
    until(lambda: dash_duo.driver.execute_script(drawn), timeout=WAIT)
    until(lambda: last not in _waiting(dash_duo), timeout=WAIT)
    assert dash_duo.get_logs() == []
