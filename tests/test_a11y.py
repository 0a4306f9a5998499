"""Accessibility checks that need no browser: colours, names, titles, navigation.

The browser's view of the same pages (axe-core on every view) is
tests/test_browser_a11y.py.
"""

from __future__ import annotations

import itertools
import re
from html import escape

import pytest
from dash import html

from callbacks.charts import Share, TableData, summary
from callbacks.shell import nav_links
from dashboard.factory import create_app
from dashboard.views import all_views, sample_context
from data_access.disclosure import Published
from layouts import colours, ids
from layouts.components import ChartMeta, chart_card
from layouts.glossary import definitions
from layouts.shell import shell

# Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
CVD = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}
# Okabe-Ito's own eight: the closest pair of the palette the series colours replace is
# the bar the new ones must clear under every deficiency.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _linear(colour: str) -> tuple[float, ...]:
    channels = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return tuple(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)


def _luminance(colour: str) -> float:
    red, green, blue = _linear(colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _lab(rgb: tuple[float, ...]) -> tuple[float, float, float]:
    red, green, blue = rgb
    x = (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.95047
    y = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    z = (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def seen(colour: str, deficiency: str | None) -> tuple[float, float, float]:
    """A colour in CIELAB as a reader with `deficiency` (None: typical vision) sees it."""
    rgb = _linear(colour)
    if deficiency:
        rgb = tuple(
            min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb)))) for row in CVD[deficiency]
        )
    return _lab(rgb)


def closest(palette, deficiency: str | None) -> float:
    """The CIELAB distance of the palette's two closest colours."""
    return min(
        sum((p - q) ** 2 for p, q in zip(seen(a, deficiency), seen(b, deficiency))) ** 0.5
        for a, b in itertools.combinations(palette, 2)
    )


def test_ax001_every_series_colour_has_3_to_1_against_the_white_chart():
    low = {c: round(contrast(c, colours.PAPER), 2) for c in colours.CATEGORICAL}
    assert all(ratio >= 3 for ratio in low.values()), low


@pytest.mark.parametrize("deficiency", [None, *CVD], ids=["typical", *CVD])
def test_ax002_series_colours_stay_as_far_apart_as_okabe_ito_under_each_deficiency(
    deficiency,
):
    bar = min(closest(OKABE_ITO, d) for d in (None, *CVD))
    assert closest(colours.CATEGORICAL, deficiency) >= bar


def test_ax003_a_chart_summary_says_its_largest_number_where_and_out_of_how_many():
    table = TableData(
        "Cases by issue",
        ("Issue", "Cases", "Share"),
        (("Wages", Published(120), Share(0.4)), ("Fees", Published(None, "k"), Share(None))),
    )
    assert summary(table, 10) == "Cases, highest: Wages, 120; 2 rows in the table."


def test_ax004_a_chart_without_a_published_number_gets_no_summary():
    table = TableData("Cases", ("Issue", "Cases"), (("Fees", Published(None, "k")),))
    assert summary(table, 10) == "" and summary(None, 10) == ""


def test_ax005_navigation_links_carry_the_filters_but_not_a_views_options():
    links = nav_links("/recruitment", "?corridor=NP-KW&measure=workers", ["/", "/recruitment"])
    assert links == [
        ("/?corridor=NP-KW", "nav-link"),
        ("/recruitment?corridor=NP-KW", "nav-link active"),
    ]


def test_ax006_without_filters_the_links_are_the_bare_paths():
    assert nav_links("/", "", ["/", "/audits"]) == [
        ("/", "nav-link active"),
        ("/audits", "nav-link"),
    ]


@pytest.fixture(scope="module")
def client(small_url):
    return create_app({"DATABASE_URL": small_url}).server.test_client()


def test_ax007_every_view_has_its_own_title_from_the_first_byte(client):
    titles = {}
    for view in all_views():
        page = client.get(view.path).get_data(as_text=True)
        titles[view.path] = re.search(r"<title>(.*?)</title>", page).group(1)
        assert titles[view.path].startswith(escape(view.label())), titles[view.path]
    assert len(set(titles.values())) == len(titles)


def test_ax008_a_page_says_its_language_and_has_one_contentinfo(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    # Dash's template wraps its scripts in a <footer>: a second, empty contentinfo.
    assert "<footer" not in page


def test_ax009_an_embed_and_the_api_page_have_one_main(client):
    embed = client.get(f"{ids.PATH_EMBED}overview/{ids.ISSUES_CHART}").get_data(as_text=True)
    api = client.get(f"{ids.PATH_API}/").get_data(as_text=True)
    assert embed.count("<main>") == 1 and api.count("<main>") == 1
    assert 'role="figure" aria-labelledby="embed-title" aria-describedby="embed-summary"' in embed


def test_ax010_a_chart_is_a_figure_named_by_its_title_and_described_by_its_summary():
    card = chart_card(ChartMeta("c", "Cases by issue", "What it counts."), "June 2026")
    figures = [n for n in _walk(card) if getattr(n, "role", None) == "figure"]
    assert len(figures) == 1
    props = figures[0].to_plotly_json()["props"]
    assert props["aria-labelledby"] == "c-title" and props["aria-describedby"] == ids.summary("c")
    assert any(getattr(n, "id", None) == ids.summary("c") for n in _walk(figures[0]))


def test_ax011_a_chart_table_scrolls_in_a_named_box_the_keyboard_reaches():
    card = chart_card(ChartMeta("c", "Cases by issue", "What it counts."), "June 2026")
    box = next(n for n in _walk(card) if getattr(n, "id", None) == ids.table("c"))
    props = box.to_plotly_json()["props"]
    assert props["tabIndex"] == "0" and props["role"] == "region"
    assert props["aria-label"] == "Table: Cases by issue"


def test_ax012_every_filter_has_a_label_for_its_control():
    frame = shell("June 2026", [("/", "Overview")], {p: [] for p in ids.FILTER_CONTROLS}, 10, 1)
    labelled = {getattr(n, "htmlFor", None) for n in _walk(frame) if isinstance(n, html.Label)}
    assert set(ids.FILTER_CONTROLS.values()) <= labelled


def test_ax013_the_skip_link_leads_to_the_main_region_which_takes_the_focus():
    frame = shell("June 2026", [("/", "Overview")], {p: [] for p in ids.FILTER_CONTROLS}, 10, 1)
    skip = next(n for n in _walk(frame) if isinstance(n, html.A))
    main = next(n for n in _walk(frame) if isinstance(n, html.Main))
    assert skip.href == f"#{main.id}" and main.tabIndex == "-1"


def _walk(node):
    yield node
    children = getattr(node, "children", None)
    if children is None or isinstance(children, str | int | float):
        return
    for child in children if isinstance(children, list | tuple) else [children]:
        yield from _walk(child)


def _texts(node) -> str:
    return " ".join(
        str(n.children) for n in _walk(node) if isinstance(getattr(n, "children", None), str)
    )


@pytest.mark.parametrize(
    "view", [v for v in all_views() if v.path != ids.PATH_METHODOLOGY], ids=lambda v: v.path
)
def test_ax014_a_view_that_uses_a_key_term_defines_it_beside_its_charts(view):
    page = view.layout(sample_context())
    lists = [n for n in _walk(page) if isinstance(n, html.Dl)]
    defined = " ".join(_texts(d) for d in lists).lower()
    used = _texts(page).lower()
    missing = [
        word
        for word, _definition in definitions().values()
        if word.lower() in used and word.lower() not in defined
    ]
    assert missing == []


def test_ax015_each_definition_is_one_short_sentence():
    for word, definition in definitions().values():
        assert definition.count(". ") == 0 and len(definition.split()) <= 20, word
