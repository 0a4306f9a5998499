"""Phones: the folding filter panel, and what the reader is told while filters change."""

from __future__ import annotations

from dash import html

from callbacks.shell import reset_class, toggle_label
from layouts import ids
from layouts.shell import filter_panel


def _text(component) -> str:
    if isinstance(component, str):
        return component
    if isinstance(component, list | tuple):
        return "".join(_text(c) for c in component)
    children = getattr(component, "children", None)
    return "" if children is None else _text(children)


def _find(component, component_id):
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str):
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


def _panel():
    options = {p: [] for p in ids.FILTER_CONTROLS}
    return filter_panel(options)


def test_ph101_the_filter_button_says_filters_alone_when_none_is_set():
    assert _text(toggle_label({})) == "Filters"


def test_ph102_the_filter_button_counts_the_active_filters():
    label = toggle_label({"period": "2025", "origin": "NP", "destination": "KW"})
    # The period and the corridor: two chips, so two on the button.
    assert _text(label) == "Filters 2(2 active)"


def test_ph103_a_forged_filter_store_leaves_the_button_without_a_count():
    assert _text(toggle_label({"country": "XX"})) == "Filters"


def test_ph104_the_filter_button_controls_the_fields_and_starts_closed():
    panel = _panel()
    button = _find(panel, ids.FILTER_TOGGLE)
    fields = _find(panel, ids.FILTER_FIELDS)
    assert isinstance(button, html.Button)
    assert getattr(button, "aria-controls") == ids.FILTER_FIELDS
    assert getattr(button, "aria-expanded") == "false"
    assert "open" not in fields.className.split()


def test_ph105_the_chips_are_outside_the_folding_fields():
    fields = _find(_panel(), ids.FILTER_FIELDS)
    assert _find(fields, ids.ACTIVE_FILTERS) is None
    assert _find(_panel(), ids.ACTIVE_FILTERS) is not None


def test_ph106_clear_all_is_left_out_on_phones_only_while_nothing_is_set():
    assert reset_class({}).split()[-2:] == ["d-none", "d-md-inline-block"]
    assert "d-none" not in reset_class({"channel": "line"}).split()


def test_ph107_a_links_notices_stay_when_the_views_options_rewrite_the_url():
    from callbacks.shell import sync_state

    # The view's option radios fire once the view is drawn, and the URL is rewritten
    # without the ignored value: the reader must still be told it was ignored.
    state = sync_state(ids.option("measure"), "?country=XX", {}, {"measure": "cases"})
    assert state["url"] == ""
    assert any("XX" in notice for notice in state["notices"])


def test_ph108_the_row_form_empties_once_its_row_is_added():
    from callbacks import exposure as ex

    form = {"country": "TH", "industry": "seafood", "nationalities": ["MM"], "weight": 3}
    result = ex.edit(ids.EX_ADD, None, form=form)
    assert ex.form_after(ids.EX_ADD, result) == [None, None, None, None]


def test_ph109_a_refused_row_keeps_the_form_to_fix_it():
    from dash import no_update

    from callbacks import exposure as ex

    form = {"country": None, "industry": "seafood", "nationalities": ["MM"], "weight": 3}
    result = ex.edit(ids.EX_ADD, None, form=form)
    assert result[0] is no_update
    assert ex.form_after(ids.EX_ADD, result) == [no_update] * 4


def test_ph110_typing_a_country_finds_its_nationals_in_every_nationality_menu(small_url):
    from dashboard.factory import filter_options
    from data_access import taxonomy
    from data_access.query import DataAccess
    from layouts.exposure import row_form

    menu = _find(row_form(), ids.EX_NATIONALITIES)
    exposure_labels = {o["value"]: o["label"] for o in menu.options}
    panel = filter_options(DataAccess(small_url))["nationality"]
    panel_labels = {o["value"]: o["label"] for o in panel}
    for code in taxonomy.NATIONALITIES:
        country = taxonomy.COUNTRIES[code].casefold()
        assert country in exposure_labels[code].casefold(), code
        assert country in panel_labels[code].casefold(), code
    assert panel_labels["MM"] == "Burmese (Myanmar)"


def test_ph111_compare_cards_offer_downloads_only_with_two_corridors():
    from callbacks.recruitment import compare_cards_class

    empty = compare_cards_class({"origin": "NP", "destination": "KW"}, {"compare": ""})
    comparing = compare_cards_class({"origin": "NP", "destination": "KW"}, {"compare": "NP-SA"})
    assert "compare-empty" in empty.split()
    assert "compare-empty" not in comparing.split()
