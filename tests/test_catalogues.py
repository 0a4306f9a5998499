"""The message catalogues: extraction finds every name, each catalogue compiles, the
committed .mo files are the .po files compiled, and what a catalogue lacks reads in English."""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from dash import dcc

from dashboard.factory import navigation
from dashboard.views import all_views, sample_context
from data_access import taxonomy
from layouts import i18n, ids
from layouts.shell import shell

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("app.py", "dashboard", "callbacks", "layouts", "data_access")
TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT]


def _po(code: str) -> Path:
    return i18n.LOCALES / code / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(pot)]
        + [str(ROOT / source) for source in SOURCES]
    )
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_lc001_extraction_finds_every_code_list_name(extracted):
    names = {name for names in taxonomy.CODE_LISTS.values() for name in names.values()}
    assert names - extracted == set()


def test_lc002_the_committed_template_holds_every_extracted_message(extracted):
    with (i18n.LOCALES / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert extracted - template == set(), "run the README's pybabel extract and update"


@pytest.mark.parametrize("code", TRANSLATED)
def test_lc003_each_catalogue_compiles_and_its_mo_is_up_to_date(code, capsys):
    with _po(code).open("rb") as handle:
        catalog = read_po(handle, locale=code)
    errors = [(m.id, e) for m, errs in catalog.check() for e in errs]
    assert errors == []
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    fresh = gettext.GNUTranslations(compiled)
    with (_po(code).with_suffix(".mo")).open("rb") as handle:
        committed = gettext.GNUTranslations(handle)
    assert committed._catalog == fresh._catalog, "run the README's pybabel compile"
    messages = [m for m in catalog if m.id]
    done = [m for m in messages if m.string and not m.fuzzy and all(_strings(m.string))]
    with capsys.disabled():
        print(f"\n{code}: {len(done)} of {len(messages)} messages translated")
    assert done


def _strings(string) -> list[str]:
    return list(string) if isinstance(string, tuple) else [string]


def test_lc004_a_fuzzy_or_missing_entry_reads_in_english(tmp_path):
    po = tmp_path / "xx" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
        '#, fuzzy\nmsgid "Overview"\nmsgstr "Guessed"\n\n'
        'msgid "Methodology"\nmsgstr "Checked"\n',
        encoding="utf-8",
    )
    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(tmp_path), "-l", "xx"])
    translations = gettext.translation("messages", str(tmp_path), ["xx"])
    assert translations.gettext("Methodology") == "Checked"
    assert translations.gettext("Overview") == "Overview"
    assert translations.gettext("Cases") == "Cases"


# Letters of each language's script: a translated page holds them.
SCRIPTS = {
    "my": re.compile("[\u1000-\u109f]"),
    "km": re.compile("[\u1780-\u17ff]"),
    "ne": re.compile("[\u0900-\u097f]"),
    "bn": re.compile("[\u0980-\u09ff]"),
    "th": re.compile("[\u0e00-\u0e7f]"),
}


def _texts(node) -> list[str]:
    """Every string in a component tree (children and text props)."""
    if hasattr(node, "to_plotly_json"):
        node = node.to_plotly_json()
    if isinstance(node, str):
        return [node]
    if isinstance(node, (list, tuple)):
        return [s for item in node for s in _texts(item)]
    if isinstance(node, dict):
        return [s for value in node.get("props", node).values() for s in _texts(value)]
    return []


@pytest.mark.parametrize("code", TRANSLATED)
def test_lc005_every_view_renders_in_each_language_with_its_strings(code):
    token = i18n.activate(code)
    try:
        options = {param: [] for param in ids.FILTER_CONTROLS}
        frame = _texts(shell("Jun 2026", navigation(), options, 10, 1, synthetic=True))
        assert i18n._("Filters") != "Filters" and i18n._("Filters") in frame
        for view in all_views():
            texts = _texts(view.layout(sample_context()))
            label = view.label()
            assert SCRIPTS[code].search(label), (view.path, label)
            assert any(SCRIPTS[code].search(text) for text in texts), view.path
        names = [i18n._(name) for name in taxonomy.COUNTRIES.values()]
        assert all(SCRIPTS[code].search(name) for name in names)
    finally:
        i18n.deactivate(token)


# A brace field keeps its format spec too ({low:.0%}), since a translation that drops it
# would print a raw float; `%(name)s` is the python-format kind.
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)[sdif]")
COMPLETE = "translate it, then run the README's pybabel update and compile"


@pytest.mark.parametrize("code", TRANSLATED)
def test_lc006_every_catalogue_is_complete_and_keeps_every_placeholder(code):
    with _po(code).open("rb") as handle:
        catalog = read_po(handle, locale=code)
    missing, fuzzy, broken = [], [], []
    for message in catalog:
        if not message.id:
            continue
        ids_ = _strings(message.id)
        strings = _strings(message.string)
        if message.fuzzy:
            fuzzy.append(ids_[0])
        elif not all(strings):
            missing.append(ids_[0])
        else:
            wanted = set(_PLACEHOLDER.findall(ids_[-1]))
            if any(set(_PLACEHOLDER.findall(s)) != wanted for s in strings):
                broken.append(ids_[0])
    assert missing == [], f"{code}: {len(missing)} untranslated: {COMPLETE}: {missing[:5]}"
    assert fuzzy == [], f"{code}: fuzzy entries read in English: {COMPLETE}: {fuzzy[:5]}"
    assert broken == [], f"{code}: placeholders differ from the English: {broken[:5]}"


def _dropdowns(node) -> list:
    if isinstance(node, dcc.Dropdown):
        return [node]
    if isinstance(node, (list, tuple)):
        return [d for item in node for d in _dropdowns(item)]
    children = getattr(node, "children", None)
    return _dropdowns(children) if children is not None else []


# The texts dcc.Dropdown draws itself in English unless given all of them ("Search",
# "No options found", ...): the keys of its own defaults.
DROPDOWN_KEYS = {
    "select_all",
    "deselect_all",
    "selected_count",
    "search",
    "clear_search",
    "clear_selection",
    "no_options_found",
}


@pytest.mark.parametrize("code", TRANSLATED)
def test_lc007_every_dropdown_gets_its_own_texts_in_the_language(code):
    token = i18n.activate(code)
    try:
        options = {param: [] for param in ids.FILTER_CONTROLS}
        trees = [shell("Jun 2026", navigation(), options, 10, 1, synthetic=True)]
        trees += [view.layout(sample_context()) for view in all_views()]
        dropdowns = [d for tree in trees for d in _dropdowns(tree)]
        assert len(dropdowns) >= 5
        for dropdown in dropdowns:
            labels = getattr(dropdown, "labels", None)
            assert labels and set(labels) == DROPDOWN_KEYS, dropdown.id
            assert SCRIPTS[code].search(labels["no_options_found"]), dropdown.id
            assert "{num_selected}" in labels["selected_count"]
    finally:
        i18n.deactivate(token)
