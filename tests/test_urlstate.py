"""The view state in the URL: parse -> state -> URL gives the same URL, bad input a notice."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from callbacks.urlstate import from_controls, parse_query, to_controls, to_query
from data_access import taxonomy
from data_access.filters import Filters


def _maybe(values):
    return st.one_of(st.none(), st.sampled_from(sorted(values)))


months = st.integers(2019 * 12, 2026 * 12 + 5).map(lambda i: f"{i // 12:04d}-{i % 12 + 1:02d}")


@st.composite
def selections(draw) -> Filters:
    start, end = draw(st.one_of(st.none(), months)), draw(st.one_of(st.none(), months))
    if start and end and start > end:
        start, end = end, start
    corridor = draw(
        st.one_of(
            st.none(),
            st.tuples(
                _maybe(taxonomy.COUNTRIES).filter(bool), _maybe(taxonomy.COUNTRIES).filter(bool)
            ),
        )
    )
    origin, destination = corridor if corridor else (None, None)
    return Filters(
        start=start,
        end=end,
        country=draw(_maybe(taxonomy.COUNTRIES)),
        nationality=draw(_maybe(taxonomy.NATIONALITIES)),
        industry=draw(_maybe(taxonomy.INDUSTRIES)),
        origin=origin,
        destination=destination,
        issue=draw(_maybe(taxonomy.ISSUES)),
        channel=draw(_maybe(taxonomy.CHANNELS)),
    )


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
    filters = Filters(channel="line", start="2022-01", origin="NP", destination="KW")
    assert to_query(filters) == "?from=2022-01&corridor=NP-KW&channel=line"
    assert to_query(Filters()) == ""


def test_us005_unknown_parameter_is_ignored_with_a_notice():
    filters, notices = parse_query("?country=TH&colour=red")
    assert filters == Filters(country="TH")
    assert len(notices) == 1 and "colour" in notices[0]


def test_us006_value_outside_the_taxonomy_is_ignored_with_a_notice():
    filters, notices = parse_query("?country=ZZ&issue=deception")
    assert filters == Filters(issue="deception")
    assert len(notices) == 1 and "ZZ" in notices[0]


def test_us007_malformed_month_and_corridor_are_ignored():
    filters, notices = parse_query("?from=2024-13&corridor=NPKW&to=2024-06")
    assert filters == Filters(end="2024-06")
    assert len(notices) == 2


def test_us008_reversed_period_is_dropped_with_a_notice():
    filters, notices = parse_query("?from=2024-06&to=2023-01&channel=viber")
    assert filters == Filters(channel="viber")
    assert len(notices) == 1


def test_us009_garbage_never_raises():
    for search in ("?", "?&&=", "?country", "?from=%FF%FE", "?corridor=-", "country=TH", None):
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

    filters = Filters(country="TH", start="2023-01", origin="NP", destination="KW")
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

    filters = Filters(nationality="KH", channel="line", end="2025-12")
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
