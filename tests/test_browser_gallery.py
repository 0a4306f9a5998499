"""A screenshot gallery of every view at 1440 and 360 px, and what a reader would see wrong.

Every view is opened at a desktop and a phone width (the recruitment view also with a
corridor picked, the exposure view with a footprint filled in), saved as a whole-page PNG
under `$TEST_ARTIFACTS/gallery/` (default `tests/artifacts/gallery/`, ignored by git) for
a person to look at, and checked for sideways scrolling, text cut by its container and a
legend over tick labels (tests/visual.py). Plotly.validate is tests/test_browser_plotly.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dash.testing.wait import until

from dashboard.factory import create_app
from dashboard.views import all_views
from layouts import ids
from tests.conftest import WAIT
from tests.visual import draw_everything, problems, save_page, settled

pytestmark = pytest.mark.browser

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).parent / "artifacts"))
SIZES = ((1440, 900), (360, 740))
# Views with a state a reader reaches often and that draws more than the plain view.
EXTRA = (
    ids.PATH_RECRUITMENT + "?corridor=NP-KW&compare=NP-SA",
    ids.PATH_EXPOSURE + "?fp=TH:seafood:12:KH,MM~MY:electronics:30:",
)


@pytest.fixture
def app(small_url, browser_ready):
    return create_app({"DATABASE_URL": small_url})


# The pages the server renders from templates, which a phone reads as well.
SERVER_PAGES = ("/api/v1/", "/releases", "/country/TH", "/embed/supply-chains/supply-map")


def _pages() -> list[str]:
    return [view.path for view in all_views()] + list(EXTRA) + list(SERVER_PAGES)


def _name(page: str) -> str:
    path, _sep, query = page.partition("?")
    name = path.strip("/") or "overview"
    return name + ("-" + query.split("=")[0] if query else "")


def _in_burmese(page: str) -> str:
    return page + ("&" if "?" in page else "?") + "lang=my"


def _shoot(dash_duo, width: int, height: int, pages: list[str], prefix: str = "") -> dict:
    dash_duo.driver.set_window_size(width, height)
    found = {}
    for page in pages:
        dash_duo.driver.get(dash_duo.server_url + page)
        seen: list = []
        until(lambda s=seen: settled(dash_duo.driver, s), timeout=WAIT, poll=1.0)
        draw_everything(dash_duo.driver)
        seen = []
        until(lambda s=seen: settled(dash_duo.driver, s), timeout=WAIT, poll=1.0)
        name = f"{prefix}{width}-{_name(page)}.png"
        save_page(dash_duo.driver, ARTIFACTS / "gallery" / name)
        listed = problems(dash_duo.driver)
        if listed:
            found[page] = listed
    return found


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}px" for w, _h in SIZES])
def test_vg001_every_view_reads_without_overflow_cut_text_or_hidden_ticks(
    start, app, width, height
):
    dash_duo = start(app)
    found = _shoot(dash_duo, width, height, _pages())
    assert found == {}, "\n".join(f"{page}: {p}" for page, listed in found.items() for p in listed)
    assert dash_duo.get_logs() == []


def test_vg002_every_view_reads_in_burmese_without_cut_text_or_titles_on_labels(start, app):
    # Burmese labels are the longest and their glyphs reach past their boxes: a y axis's
    # title lay on the issue names at 1440 px. The dashboard's views, at the desktop width,
    # where the long category labels are drawn on one line.
    dash_duo = start(app)
    pages = [_in_burmese(view.path) for view in all_views()] + [_in_burmese(p) for p in EXTRA]
    found = _shoot(dash_duo, *SIZES[0], pages, prefix="my-")
    assert found == {}, "\n".join(f"{page}: {p}" for page, listed in found.items() for p in listed)
    assert dash_duo.get_logs() == []
