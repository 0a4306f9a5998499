"""Every user-visible string goes through `_()`: checked with a pseudo-locale.

The pseudo-locale wraps each translated string in ⟦…⟧. Rendering every view, the shell
and every chart's table under it must leave no letters outside the brackets, except in
values that are data, not language (codes in ids, numbers, months as digits).
"""

from __future__ import annotations

import gettext
import re

import pytest

from callbacks import overview
from callbacks.charts import render_table
from dashboard.views import all_views
from data_access.disclosure import DisclosureParams
from data_access.filters import Filters
from data_access.query import DataAccess
from layouts import i18n
from layouts.context import PageContext
from layouts.selection import describe
from layouts.shell import shell

TEXT_PROPS = ("children", "placeholder", "title", "aria-label", "label", "summary")


class Pseudo(gettext.NullTranslations):
    def gettext(self, message):
        return f"⟦{message}⟧"

    def ngettext(self, singular, plural, n):
        return f"⟦{singular if n == 1 else plural}⟧"


@pytest.fixture
def pseudo():
    i18n.use_translation(Pseudo())
    yield
    # Back to English by name: a nameless translation would leave a language key no
    # later test expects (test_ca004 then finds its English answers uncached).
    i18n.set_language("en")


def _strings(node) -> list[str]:
    """Every human-readable string in a component tree: children, labels, hints."""
    if hasattr(node, "to_plotly_json"):
        node = node.to_plotly_json()
    if isinstance(node, str):
        return [node]
    if isinstance(node, (list, tuple)):
        return [s for item in node for s in _strings(item)]
    if not isinstance(node, dict):
        return []
    props = node.get("props", node)
    found = []
    for name, value in props.items():
        if name in TEXT_PROPS:
            found += _strings(value)
        elif name == "options":
            found += [s for o in value or [] for s in _strings(o.get("label", ""))]
    return found


def _untranslated(strings: list[str]) -> list[str]:
    """Strings with letters outside the brackets; a language's own name (the switcher
    names each language in its own script) and an address are not text to translate."""
    leftovers = []
    for text in strings:
        if text in i18n.LANGUAGES.values() or text.startswith("/"):
            continue
        outside, previous = text, None
        while outside != previous:  # translated strings nest when one fills another
            previous, outside = outside, re.sub(r"⟦[^⟦⟧]*⟧", "", outside)
        if re.search(r"[A-Za-z]{2,}", outside):
            leftovers.append(text)
    return leftovers


def test_in001_shell_and_every_view_translate_every_string(pseudo):
    options = {
        param: [{"value": "x", "label": i18n._("Label")}]
        for param in ("period", "country", "nationality", "industry", "corridor", "issue")
    } | {"channel": []}
    # Synthetic: the demo's banner and methodology section are translated too.
    strings = _strings(
        shell(i18n._("Jun 2026"), [("/", i18n._("Overview"))], options, 10, 3, synthetic=True)
    )
    context = PageContext(i18n._("Jun 2026"), 3, DisclosureParams(), synthetic=True)
    for view in all_views():
        strings += _strings(view.layout(context))
        strings.append(view.label())
    assert _untranslated(strings) == []


def test_in002_every_chart_table_and_note_is_translated(pseudo, small_url):
    data = DataAccess(small_url)
    strings = []
    for view in all_views():
        for chart in view.charts() if view.charts else []:
            for filters in (Filters(), Filters(origin="NP", destination="GB", channel="helpline")):
                result = chart.build(data, filters, {})
                strings += _strings(render_table(result.table, 10, result.note))
                strings.append(result.note)
                strings += _figure_strings(result.figure)
    strings += _strings(overview.kpi_cards(data, Filters(country="TH")))
    strings.append(describe(Filters(origin="NP", destination="KW", issue="deception")))
    assert strings and _untranslated(strings) == []


def _figure_strings(figure: dict) -> list[str]:
    """Trace names and axis titles: the words a reader sees on a chart."""
    found = [trace.get("name", "") for trace in figure.get("data", [])]
    for key, value in figure.get("layout", {}).items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(value, dict):
            title = value.get("title")
            found.append(title.get("text", "") if isinstance(title, dict) else title or "")
    return [f for f in found if f]
