"""Browser journeys for sharing: embeds in an iframe, Cite, downloads, reload of every view."""

from __future__ import annotations

import json

import pytest
from dash.testing.wait import until

from dashboard.factory import create_app
from dashboard.views import all_views
from layouts import ids
from tests.conftest import WAIT

pytestmark = pytest.mark.browser

HOST_PAGE = "/test-host-page"


@pytest.fixture
def app(small_url, browser_ready):
    app = create_app({"DATABASE_URL": small_url, "DATA_VERSION_TTL": 0})

    # A news site's article: it frames an embed page and, for contrast, a dashboard page.
    def host_page():
        from flask import request

        embed, other = request.args["embed"], request.args["other"]
        return (
            "<!doctype html><html><body><h1>Article</h1>"
            f'<iframe id="embed" src="{embed}" width="600" height="560"></iframe>'
            f'<iframe id="other" src="{other}" width="600" height="300"></iframe>'
            "</body></html>"
        )

    # Another site's page, not the dashboard's: none of the dashboard's headers (its CSP
    # would refuse to frame another origin).
    host_page.talisman_view_options = {"content_security_policy": None}
    app.server.add_url_rule(HOST_PAGE, "host_page", host_page)
    return app


def _figures(dash_duo, chart_ids) -> str:
    script = """
        return JSON.stringify(arguments[0].map(function (id) {
            var gd = document.querySelector('#' + id + ' .js-plotly-plot');
            return gd && gd.data ? gd.data.map(function (t) { return [t.x, t.y]; }) : null;
        }));
    """
    return dash_duo.driver.execute_script(script, chart_ids)


def _settled(dash_duo, chart_ids) -> str:
    """The charts' data once every chart is drawn and nothing is loading."""

    def ready():
        loading = dash_duo.driver.execute_script(
            "return document.querySelectorAll('[data-dash-is-loading=\"true\"]').length"
        )
        figures = json.loads(_figures(dash_duo, chart_ids))
        # Some charts may rightly be empty for a selection; none may be missing.
        return loading == 0 and None not in figures and any(figures)

    until(ready, timeout=WAIT)
    return _figures(dash_duo, chart_ids)


def test_bs001_embed_renders_inside_an_iframe_of_another_site_and_other_pages_do_not(start, app):
    dash_duo = start(app)
    port = dash_duo.server_url.rsplit(":", 1)[1]
    # Another origin: the host page on 127.0.0.1, the dashboard on localhost.
    embed = f"http://localhost:{port}/embed/overview/{ids.CASES_CHART}?country=TH"
    other = f"http://localhost:{port}/"
    dash_duo.driver.get(
        f"http://127.0.0.1:{port}{HOST_PAGE}?embed={embed.replace('&', '%26')}&other={other}"
    )
    driver = dash_duo.driver
    driver.switch_to.frame(driver.find_element("css selector", "#embed"))
    until(lambda: driver.find_elements("css selector", "#chart .main-svg"), timeout=WAIT)
    assert "Cases received" in driver.find_element("css selector", "#embed-title").text
    assert "Thailand" in driver.find_element("css selector", "#embed-filters").text
    assert "Source:" in driver.find_element("css selector", "#embed-source").text
    link = driver.find_element("css selector", "#embed-link").get_attribute("href")
    assert link.endswith("/?country=TH")
    driver.switch_to.default_content()
    driver.switch_to.frame(driver.find_element("css selector", "#other"))
    assert driver.find_elements("css selector", "#react-entry-point") == []
    driver.switch_to.default_content()


def test_bs002_cite_names_the_current_filters_and_url(start, app):
    dash_duo = start(app)
    dash_duo.wait_for_contains_text(f"#{ids.KPI}", "Workers remediated", timeout=WAIT)
    dash_duo.select_dcc_dropdown(f"#{ids.FILTER_CONTROLS['country']}", "Malaysia")
    until(lambda: "country=MY" in dash_duo.driver.current_url, timeout=WAIT)
    dash_duo.find_element(f"#{ids.CITE} summary").click()
    dash_duo.wait_for_contains_text(f"#{ids.CITE_TEXT}", "Malaysia", timeout=WAIT)
    text = dash_duo.find_element(f"#{ids.CITE_TEXT}").text
    assert dash_duo.driver.current_url in text and "ILM Community Dashboard" in text
    assert "@misc{" in dash_duo.find_element(f"#{ids.CITE_BIBTEX}").text
    # The permalink adds the page's language, so the link opens in the language it was made in.
    permalink = dash_duo.driver.current_url + "&lang=en"
    assert dash_duo.find_element(f"#{ids.PERMALINK}").text == permalink
    assert dash_duo.get_logs() == []


def test_bs003_download_links_carry_the_view_and_the_current_filters(start, app):
    dash_duo = start(app)
    dash_duo.driver.get(dash_duo.server_url + "/?channel=line")
    dash_duo.wait_for_element(f"#{ids.graph(ids.ISSUES_CHART)} .main-svg", timeout=WAIT)
    link = dash_duo.find_element(f"a.{ids.DOWNLOAD_CSV}[data-chart='{ids.ISSUES_CHART}']")
    # Keep the browser on the page: only the link's address is under test.
    dash_duo.driver.execute_script(
        "arguments[0].addEventListener('click', function (e) { e.preventDefault(); });"
        "arguments[0].click();",
        link,
    )
    href = link.get_attribute("href")
    assert href.endswith(f"/download/overview/{ids.ISSUES_CHART}.csv?channel=line")


def test_bs004_image_download_sends_a_figure_with_title_filters_as_of_and_source(start, app):
    dash_duo = start(app)
    dash_duo.driver.get(dash_duo.server_url + "/?nationality=KH")
    dash_duo.wait_for_element(f"#{ids.graph(ids.CASES_CHART)} .main-svg", timeout=WAIT)
    until(lambda: dash_duo.driver.execute_script("return !!window.Plotly"), timeout=WAIT)
    # Catch the call instead of writing a file: what would be drawn is under test.
    dash_duo.driver.execute_script(
        "window.Plotly.downloadImage = function (figure, options) {"
        "  window.__exported = {figure: figure, options: options};"
        "  return Promise.resolve(); };"
    )
    selector = f"button.{ids.DOWNLOAD_IMAGE}[data-chart='{ids.CASES_CHART}'][data-format='svg']"
    dash_duo.driver.execute_script("arguments[0].click();", dash_duo.find_element(selector))
    until(lambda: dash_duo.driver.execute_script("return !!window.__exported"), timeout=WAIT)
    exported = dash_duo.driver.execute_script("return JSON.stringify(window.__exported)")
    payload = json.loads(exported)
    layout = payload["figure"]["layout"]
    texts = " ".join([layout["title"]["text"]] + [a["text"] for a in layout["annotations"]])
    assert "Cases received" in texts and "Cambodian" in texts
    assert "Jun 2026" in texts and "Source:" in texts
    assert payload["options"]["format"] == "svg"


def test_bs005_a_reload_of_every_view_shows_the_same_charts(start, app):
    dash_duo = start(app)
    for view in all_views():
        if not view.charts:
            continue
        chart_ids = [ids.graph(chart.id) for chart in view.charts()]
        # A broad selection, so every view has something to draw in the small demo.
        dash_duo.driver.get(dash_duo.server_url + view.path + "?measure=workers")
        before = _settled(dash_duo, chart_ids)
        dash_duo.driver.refresh()
        assert _settled(dash_duo, chart_ids) == before, view.path


def test_bs006_share_copies_the_permalink_or_shows_it(start, app):
    dash_duo = start(app)
    dash_duo.driver.get(dash_duo.server_url + "/?issue=deception&measure=workers")
    dash_duo.wait_for_contains_text(f"#{ids.ACTIVE_FILTERS}", "Deception", timeout=WAIT)
    dash_duo.find_element(f"#{ids.SHARE}").click()
    dash_duo.wait_for_contains_text(f"#{ids.SHARE_STATUS}", "issue=deception", timeout=WAIT)
    status = dash_duo.find_element(f"#{ids.SHARE_STATUS}").text
    # The page's language goes into the copied link (it opens in the sender's language).
    assert status.endswith(dash_duo.driver.current_url + "&lang=en")
    assert status.startswith(("Link copied:", "Copy this link:"))
