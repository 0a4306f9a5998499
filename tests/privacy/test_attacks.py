"""The attack suite: what a determined adversary recovers through the public surfaces.

Each test runs one attack of tests/privacy/attacks.py against the attacked database
(the small demo with planted victims, tests/privacy/conftest.py), asserts the bound the
release promises (docs/methodology.md, "What the attacks recover") and prints the
measured rates, so a CI log shows them. Bounds: no single case's attributes read; small
groups (1..K-1) recovered exactly no more often than one route's noise allows (20 %),
within one no more than half the time; a dominant case's workers never within the
promised 10 %; one audited worksite never isolated.
"""

from __future__ import annotations

import pytest

from data_access import taxonomy
from data_access.audits import DEFAULT_WINDOW, AuditGaps
from data_access.demo import SILENT_AUDIT_WORKSITE
from data_access.disclosure import noise_weights
from data_access.filters import Filters
from tests.privacy import attacks
from tests.privacy.conftest import PLANTED


@pytest.fixture(scope="module")
def publish(release):
    """The query layer every surface reads (tests below show the surfaces agree)."""
    return lambda measure, by, sel: release.aggregate(measure, by, Filters(**sel))


@pytest.fixture(scope="module")
def codes(release) -> dict:
    return {
        "country": list(taxonomy.COUNTRIES),
        "nationality": list(taxonomy.NATIONALITIES),
        "industry": list(taxonomy.INDUSTRIES),
        "channel": list(taxonomy.CHANNELS),
        "corridor": list(release.corridors()),
    }


@pytest.fixture(scope="module")
def noise_var(release) -> float:
    weights = noise_weights(release.params.noise)
    return sum(w * d * d for d, w in weights.items()) / sum(weights.values())


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def test_pr001_no_single_case_is_readable_from_the_selection_it_is_alone_in(
    attacked, release, publish
):
    _url, _sizes, truth = attacked
    result = attacks.presence_by_listing(publish, truth, release.params.k, limit=120)
    print(f"\npresence: {result.readable} of {result.cases} single cases readable")
    assert result.cases >= 100
    assert result.readable == 0, result.examples


def test_pr002_differencing_reads_a_single_case_no_better_than_a_guess(
    attacked, release, publish, codes, noise_var
):
    _url, _sizes, truth = attacked
    r = attacks.attributes_by_differencing(
        publish, truth, release.params.k, noise_var, codes, limit=60
    )
    print(
        f"\nattributes: issue sets read {r.issues_read}/{r.cases} "
        f"(guessing the commonest: {r.issues_baseline}); statuses read "
        f"{r.status_read}/{r.cases} (guessing: {r.status_baseline})"
    )
    assert r.cases >= 15
    slack = max(2, r.cases // 10)
    assert r.issues_read <= r.issues_baseline + slack
    assert r.status_read <= r.status_baseline + slack


def test_pr003_small_groups_by_parent_minus_children_and_period_edges(
    attacked, release, publish, codes, noise_var
):
    _url, _sizes, truth = attacked
    r = attacks.small_groups(publish, truth, release.params.k, noise_var, codes, limit=200)
    exact, within = _rate(r.exact, r.attacked), _rate(r.within_one, r.attacked)
    print(
        f"\nsmall groups: {r.attacked} of {r.targets} attacked by {dict(r.routes)}; "
        f"exact {exact:.0%}, within one {within:.0%}"
    )
    assert r.attacked >= 100
    assert exact <= 0.20 and within <= 0.50


def test_pr004_filter_a_against_a_plus_b_with_every_route_averaged(
    attacked, release, publish, noise_var
):
    _url, sizes, truth = attacked
    mains = {p[0]: (p[1], p[2]) for p in PLANTED}
    r = attacks.complement_groups(publish, truth, release.params.k, noise_var, sizes, mains)
    exact, within = _rate(r.exact, r.attacked), _rate(r.within_one, r.attacked)
    print(
        f"\ncomplements: {r.attacked} of {r.targets} attacked by {dict(r.routes)}; "
        f"exact {exact:.0%}, within one {within:.0%}"
    )
    assert r.attacked >= 15
    assert exact <= 0.20 and within <= 0.50


def test_pr005_averaging_routes_gets_no_closer_to_a_dominant_case(attacked, release, publish):
    """Knowing every other case exactly, an attacker is left with the case's own fixed
    change of 10-20 %: averaging every route to it gets no closer than one route."""
    _url, _sizes, truth = attacked
    r = attacks.dominant_sums(publish, truth, release.params.k, {})
    print(
        f"\ndominant cases: {r.published} of {r.targets} published; one route within 10 %: "
        f"{r.single_within_10} (mean error {r.mean_error_single:.1%}); every route averaged "
        f"within 10 %: {r.averaged_within_10} of {r.averaged} (one route on the same: "
        f"{r.single_within_10_of_averaged}; mean error {r.mean_error_averaged:.1%})"
    )
    assert r.published >= 10 and r.averaged >= 5
    assert r.averaged_within_10 <= r.single_within_10_of_averaged
    assert r.mean_error_averaged >= 0.9 * r.mean_error_single >= 0.09


def test_pr006_one_audited_worksite_is_never_isolated(attacked, release):
    _url, _sizes, truth = attacked
    gaps = AuditGaps(release)
    r = attacks.audited_worksite(
        gaps, truth, SILENT_AUDIT_WORKSITE, release.params.k, DEFAULT_WINDOW
    )
    print(
        f"\naudited worksite: {r.pairs} nested pairs published around it; "
        f"{r.isolating} isolate fewer than K worksites; {r.zero_published} zeros published"
    )
    assert r.pairs >= 5
    assert r.isolating == 0 and r.zero_published == 0
