"""The view state in the URL: parse -> state -> URL gives the same URL, bad input a notice."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from callbacks.urlstate import from_controls, parse_query, to_controls, to_query
from data_access import taxonomy
from data_access.filters import MAX_FINE_FILTERS, Filters


def _maybe(values):
    return st.one_of(st.none(), st.sampled_from(sorted(values)))


years = st.integers(2019, 2026).map(str)


@st.composite
def selections(draw) -> Filters:
    """Any selection the release allows: a period, and at most two fine filters."""
    chosen = draw(
        st.lists(
            st.sampled_from(["country", "nationality", "industry", "corridor", "issue", "channel"]),
            max_size=MAX_FINE_FILTERS,
            unique=True,
        ).filter(lambda names: not {"country", "corridor"} <= set(names))
    )
    values = {"period": draw(st.one_of(st.none(), years))}
    codes = {
        "country": taxonomy.COUNTRIES,
        "nationality": taxonomy.NATIONALITIES,
        "industry": taxonomy.INDUSTRIES,
        "issue": taxonomy.ISSUES,
        "channel": taxonomy.CHANNELS,
    }
    for name in chosen:
        if name == "corridor":
            origin = draw(st.sampled_from(sorted(taxonomy.COUNTRIES)))
            destination = draw(st.sampled_from(sorted(set(taxonomy.COUNTRIES) - {origin})))
            values.update(origin=origin, destination=destination)
        else:
            values[name] = draw(st.sampled_from(sorted(codes[name])))
    return Filters(**values)


@given(selections())
def test_us001_state_to_url_to_state_is_identity(filters):
    parsed, notices = parse_query(to_query(filters))
    assert parsed == filters
    assert notices == []


@given(selections())
def test_us002_url_to_state_to_url_is_identity(filters):
    url = to_query(filters)
    assert to_query(parse_query(url)[0]) == url


@given(selections())
def test_us003_controls_round_trip(filters):
    assert from_controls(to_controls(filters))[0] == filters


def test_us004_canonical_order_and_names():
    filters = Filters(channel="line", period="2022", origin="NP", destination="KW")
    assert to_query(filters) == "?period=2022&corridor=NP-KW&channel=line"
    assert to_query(Filters()) == ""


def test_us005_unknown_parameter_is_ignored_with_a_notice():
    filters, notices = parse_query("?country=TH&colour=red")
    assert filters == Filters(country="TH")
    assert len(notices) == 1 and "colour" in notices[0]


def test_us006_value_outside_the_taxonomy_is_ignored_with_a_notice():
    filters, notices = parse_query("?country=ZZ&issue=deception")
    assert filters == Filters(issue="deception")
    assert len(notices) == 1 and "ZZ" in notices[0]


def test_us007_malformed_period_and_corridor_are_ignored():
    filters, notices = parse_query("?period=24&corridor=NPKW&channel=line")
    assert filters == Filters(channel="line")
    assert len(notices) == 2


def test_us008_a_month_range_is_dropped_with_a_notice_and_a_whole_year_kept():
    filters, notices = parse_query("?from=2024-06&to=2024-09&channel=viber")
    assert filters == Filters(channel="viber")
    assert len(notices) == 1 and "whole calendar years" in notices[0]
    assert parse_query("?from=2023-01&to=2023-12") == (Filters(period="2023"), [])


def test_us015_a_third_fine_filter_in_a_link_is_dropped_with_a_notice():
    filters, notices = parse_query("?country=TH&nationality=MM&industry=seafood&period=2024")
    assert filters == Filters(country="TH", nationality="MM", period="2024")
    assert len(notices) == 1 and "At most 2" in notices[0]


def test_us016_a_corridor_with_a_country_keeps_the_corridor():
    filters, notices = parse_query("?country=TH&corridor=NP-KW")
    assert filters == Filters(origin="NP", destination="KW")
    assert len(notices) == 1


def test_us017_period_all_is_the_default():
    assert parse_query("?period=all") == (Filters(), [])


def test_us009_garbage_never_raises():
    garbage = ("?", "?&&=", "?country", "?from=%FF%FE", "?corridor=-", "country=TH", "?period=٢٠٢٤")
    for search in (*garbage, None):
        filters, _notices = parse_query(search)
        assert isinstance(filters, Filters)


def test_us010_view_options_round_trip_and_defaults_stay_out_of_the_url():
    from callbacks.urlstate import parse_options

    options, notices = parse_options("?country=TH&measure=workers")
    assert options["measure"] == "workers" and notices == []
    assert to_query(Filters(country="TH"), options) == "?country=TH&measure=workers"
    assert to_query(Filters(), {"measure": "cases"}) == ""


def test_us011_bad_view_option_is_ignored_with_a_notice_and_is_not_unknown():
    from callbacks.urlstate import parse_options

    options, notices = parse_options("?measure=tonnes")
    assert options["measure"] == "cases" and len(notices) == 1
    _filters, filter_notices = parse_query("?measure=workers")
    assert filter_notices == []


def _option_values(name: str) -> list[str]:
    from callbacks.urlstate import OPTIONS

    option = OPTIONS[name]
    return list(option.allowed) or [option.default]


def _every_option_value() -> list[tuple[str, str]]:
    from callbacks.urlstate import OPTIONS

    return [(name, value) for name in OPTIONS for value in _option_values(name)]


def test_us012_every_view_option_value_round_trips_with_filters():
    from callbacks.urlstate import OPTIONS, default_options, parse_options

    filters = Filters(period="2023", origin="NP", destination="KW", channel="line")
    assert OPTIONS, "no view option is registered"
    for name, value in _every_option_value():
        options = default_options() | {name: value}
        url = to_query(filters, options)
        parsed, notices = parse_options(url)
        assert notices == [] and parsed == options, (name, value)
        assert parse_query(url) == (filters, [])
        assert to_query(parse_query(url)[0], parsed) == url


@given(selections(), st.data())
def test_us013_any_filters_with_any_options_round_trip(filters, data):
    from callbacks.urlstate import OPTIONS, parse_options

    options = {name: data.draw(st.sampled_from(_option_values(name))) for name in OPTIONS}
    url = to_query(filters, options)
    assert parse_query(url) == (filters, [])
    assert to_query(filters, parse_options(url)[0]) == url


def test_us014_every_view_keeps_its_url_state_through_the_shell_loop():
    from callbacks.shell import sync_state
    from callbacks.urlstate import default_options
    from dashboard.views import all_views
    from layouts import ids

    filters = Filters(nationality="KH", channel="line", period="2025")
    for view in all_views():
        for name, value in _every_option_value():
            search = to_query(filters, default_options() | {name: value})
            # A fresh page load of the copied URL: the URL wins and is never rewritten.
            state = sync_state(None, search, {})
            assert state["url"] is None, view.path
            assert state["filters"] == filters
            assert to_query(state["filters"], state["options"]) == search
            # The controls it sets write back the same URL.
            again = sync_state(
                ids.FILTER_CONTROLS["country"], search, state["controls"], dict(state["options"])
            )
            assert again["url"] is None and again["filters"] == filters


def test_us018_a_third_fine_filter_from_the_panel_is_refused_and_the_view_kept():
    from callbacks.shell import sync_state
    from layouts import ids

    search = "?period=2024&country=TH&nationality=MM"
    controls = to_controls(parse_query(search)[0]) | {"industry": "seafood"}
    state = sync_state(ids.FILTER_CONTROLS["industry"], search, controls)
    assert state["filters"] == Filters(period="2024", country="TH", nationality="MM")
    assert state["url"] is None
    assert state["controls"]["industry"] is None
    assert len(state["notices"]) == 1 and "At most 2" in state["notices"][0]


def test_us019_a_year_the_data_does_not_cover_is_dropped_with_a_notice():
    from callbacks.shell import sync_state

    state = sync_state(None, "?period=2009&channel=line", {}, periods=("2019", "2020"))
    assert state["filters"] == Filters(channel="line")
    assert state["url"] == "?channel=line"
    assert len(state["notices"]) == 1 and "2009" in state["notices"][0]
