"""Attacks on the published numbers, as a determined adversary would run them.

Each attack reads only what a public surface returns (`publish(measure, by, selection)`:
the query layer the API, downloads, embeds and callbacks share, or any of those surfaces
through HTTP) and is scored against the exact truth (tests/privacy/oracle.py). The
attacks are the ones the disclosure notes name: presence, differencing (period edges,
parent minus children, filter A against A+B), averaging every route the query space
allows, sums of dominant cases. bench/privacy_designs.py runs the same attacks against
other designs to compare them.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from data_access.disclosure import FEWER_THAN_K, SAME_AS_LARGER
from data_access.filters import InvalidParameter
from tests.privacy.oracle import Truth

FINE = ("country", "nationality", "industry", "channel", "corridor")
BREAKDOWNS = {
    "cases": ("issue", "status", "channel", "quarter", "validated"),
    "cases_remediated": ("route", "ttr"),
}


def selection(**values) -> dict:
    """A selection in Filters' field names (a corridor becomes origin and destination)."""
    out = {}
    for name, value in values.items():
        if name == "corridor":
            out["origin"], out["destination"] = value.split("-")
        elif name == "year":
            out["period"] = value
        else:
            out[name] = value
    return out


def read(publish, measure, by, sel):
    """`publish`, with a refused or disallowed question as None."""
    try:
        result = publish(measure, by, sel)
    except InvalidParameter:
        return None
    return None if result.refused else result


@dataclass
class Estimate:
    """The attacker's reading of published cells: a value, its uncertainty, and whether
    a withheld cell had to be guessed (its value is only known to lie in 0..K-1)."""

    value: float
    variance: float
    guessed: bool = False

    def __sub__(self, other: Estimate) -> Estimate:
        return Estimate(
            self.value - other.value, self.variance + other.variance, self.guessed or other.guessed
        )

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(
            self.value + other.value, self.variance + other.variance, self.guessed or other.guessed
        )


def combine(estimates: list[Estimate]) -> float:
    """The attacker's best estimate from several routes: routes that needed no guessed
    cell if there are any, weighted by the inverse of their variance."""
    clean = [e for e in estimates if not e.guessed] or estimates
    weight = sum(1 / e.variance for e in clean)
    return sum(e.value / e.variance for e in clean) / weight


def reading(p, k: int, noise_var: float) -> Estimate:
    """What an attacker takes a published cell to mean."""
    if p.value is None:
        # Withheld: somewhere in 0..K-1 (fewer than K) or near a larger cell; the
        # attacker's best guess is the middle of 0..K-1, uniform.
        return Estimate((k - 1) / 2, (k * k - 1) / 12, True)
    if p.reason == SAME_AS_LARGER:
        # The count of a cell at most K-1 larger.
        return Estimate(p.value - (k - 1) / 2, (k * k - 1) / 12 + noise_var, True)
    return Estimate(p.value, noise_var)


# -- presence ----------------------------------------------------------------------
def alone_cases(truth: Truth, limit: int, seed: int = 0) -> list[tuple[str, dict]]:
    """Cases that are the only case of some allowed selection: two fine filters from the
    case's own attributes and its year (the smallest selections a reader may ask for)."""
    c = truth.cases
    found: dict[str, dict] = {}
    for fa, fb in itertools.combinations(FINE, 2):
        if {fa, fb} == {"country", "corridor"}:
            continue
        sizes = c.groupby([fa, fb, "year"]).case_id.transform("size")
        for row in c[sizes == 1].itertuples():
            found.setdefault(
                row.case_id, {fa: getattr(row, fa), fb: getattr(row, fb), "year": row.year}
            )
    ids = sorted(found)
    random.Random(seed).shuffle(ids)
    return [(case_id, found[case_id]) for case_id in ids[:limit]]


@dataclass
class PresenceResult:
    cases: int = 0
    readable: int = 0  # cases whose selection's answers show anything about them
    examples: list = field(default_factory=list)


def presence_by_listing(publish, truth: Truth, k: int, limit: int = 100) -> PresenceResult:
    """Ask every breakdown of a selection that holds exactly one case: any published
    cell, any withheld cell told apart from an empty one, any missing code-list row, is
    a way to read what that worker reported and how the case ended."""
    out = PresenceResult()
    for case_id, values in alone_cases(truth, limit):
        sel = selection(**values)
        out.cases += 1
        leaks = []
        for measure, bys in BREAKDOWNS.items():
            total = read(publish, measure, (), sel)
            if total is not None and total.single.value is not None:
                leaks.append((measure, "total published"))
            for by in bys:
                result = read(publish, measure, (by,), sel)
                if result is None:
                    continue
                reasons = {p.reason for _key, p in result.rows}
                if any(p.value is not None for _key, p in result.rows) or reasons - {FEWER_THAN_K}:
                    leaks.append((measure, by))
        if leaks:
            out.readable += 1
            if len(out.examples) < 5:
                out.examples.append((case_id, values, leaks))
    return out


@dataclass
class AttributeResult:
    cases: int = 0
    issues_read: int = 0  # the attacker's issue set equals the case's
    issues_baseline: int = 0  # a guess of the commonest issue set equals the case's
    status_read: int = 0
    status_baseline: int = 0


def attributes_by_differencing(
    publish, truth: Truth, k: int, noise_var: float, codes: dict, limit: int = 60
) -> AttributeResult:
    """For a case alone in selection S, subtract from S's parent (one filter dropped)
    every sibling of S (the other values of that filter), category by category: what
    is left is the case's own issues and status, plus the noise of every cell used."""
    out = AttributeResult()
    c = truth.cases
    common_set = Counter(truth.issues_of(i) for i in c.case_id.sample(500, random_state=1))
    modal_set = common_set.most_common(1)[0][0]
    modal_status = c.status.mode()[0]
    for case_id, values in alone_cases(truth, limit, seed=1):
        fine = [name for name in values if name != "year"]
        dropped, kept = fine[1], fine[0]
        parent = {kept: values[kept], "year": values["year"]}
        siblings = [v for v in codes[dropped] if v != values[dropped]]
        guess = {}
        for by in ("issue", "status"):
            top = read(publish, "cases", (by,), selection(**parent))
            if top is None:
                break
            estimate = {key[0]: reading(p, k, noise_var).value for key, p in top.rows}
            for value in siblings:
                part = read(publish, "cases", (by,), selection(**{**parent, dropped: value}))
                if part is None:
                    continue  # a refused sibling: the attacker counts it as nothing
                for key, p in part.rows:
                    estimate[key[0]] -= reading(p, k, noise_var).value
            guess[by] = estimate
        if len(guess) < 2:
            continue
        out.cases += 1
        row = c[c.case_id == case_id].iloc[0]
        true_issues = truth.issues_of(case_id)
        guessed_issues = frozenset(x for x, v in guess["issue"].items() if v >= 0.5)
        out.issues_read += guessed_issues == true_issues
        out.issues_baseline += modal_set == true_issues
        guessed_status = max(guess["status"], key=guess["status"].get)
        out.status_read += guessed_status == row.status
        out.status_baseline += modal_status == row.status
    return out


# -- small groups ------------------------------------------------------------------
@dataclass
class GroupResult:
    targets: int = 0
    attacked: int = 0  # targets with at least one route
    exact: int = 0
    within_one: int = 0
    routes: Counter = field(default_factory=Counter)


def small_groups(
    publish: Callable,
    truth: Truth,
    k: int,
    noise_var: float,
    codes: dict,
    limit: int = 150,
    seed: int = 0,
) -> GroupResult:
    """Groups of 1..K-1 cases (two fine filters and a year), estimated by every route
    the query space offers, the routes combined by inverse-variance weighting:

    - parent minus children, for each of the two filters: the selection without it,
      minus every other value of it;
    - period edges: all years of the two filters, minus every other year;
    (filter A against A+B is the first route read the other way round.)
    """
    c = truth.cases
    targets = []
    for fa, fb in itertools.combinations(FINE, 2):
        if {fa, fb} == {"country", "corridor"}:
            continue
        for key, n in c.groupby([fa, fb, "year"]).size().items():
            if 1 <= n < k:
                targets.append(({fa: key[0], fb: key[1], "year": key[2]}, int(n)))
    random.Random(seed).shuffle(targets)
    out = GroupResult()
    for values, n in targets[:limit]:
        out.targets += 1
        estimates = []
        fine = [name for name in values if name != "year"]
        for dropped in fine:
            rest = {a: v for a, v in values.items() if a != dropped}
            parent = read(publish, "cases", (), selection(**rest))
            if parent is None or parent.single.value is None:
                continue
            route = reading(parent.single, k, noise_var)
            for other in codes[dropped]:
                if other == values[dropped]:
                    continue
                part = read(publish, "cases", (), selection(**{**rest, dropped: other}))
                if part is not None:
                    route = route - reading(part.single, k, noise_var)
            estimates.append(route)
            out.routes["parent minus children"] += 1
        whole = {a: v for a, v in values.items() if a != "year"}
        years = read(publish, "cases", ("year",), selection(**whole))
        total = read(publish, "cases", (), selection(**whole))
        if years is not None and total is not None and total.single.value is not None:
            route = reading(total.single, k, noise_var)
            for (year,), p in years.rows:
                if year != values["year"]:
                    route = route - reading(p, k, noise_var)
            estimates.append(route)
            out.routes["period edges"] += 1
        if not estimates:
            continue
        out.attacked += 1
        guess = round(combine(estimates))
        out.exact += guess == n
        out.within_one += abs(guess - n) <= 1
    return out


def complement_groups(
    publish, truth: Truth, k: int, noise_var: float, planted: dict, mains: dict
) -> GroupResult:
    """Filter A against A+B: the few workers of a nationality who are not in the one
    country (or industry) where almost all of them work, per year, read as the
    difference of the nationality's count and the count in that country; and as the
    sum of every other country's cell (parent minus children read the other way).

    `planted` maps (nationality, other country, year) to the group's size and `mains`
    nationality to (main country, main industry). An industry route is used only where
    it isolates exactly the same cases (an attacker who knew that; stronger than most).
    """
    c = truth.cases
    out = GroupResult()
    for (nationality, _other, year), _size in sorted(planted.items()):
        main_country, main_industry = mains[nationality]
        mine = c[(c.nationality == nationality) & (c.year == year)]
        group = set(mine.case_id[mine.destination != main_country])
        n = len(group)
        if not 1 <= n < k:
            continue
        out.targets += 1
        estimates = []
        base = {"nationality": nationality, "year": year}
        top = read(publish, "cases", (), selection(**base))
        if top is None or top.single.value is None:
            continue
        whole = reading(top.single, k, noise_var)
        routes = [("country", main_country)]
        if set(mine.case_id[mine.industry != main_industry]) == group:
            routes.append(("industry", main_industry))
        for dim, value in routes:
            part = read(publish, "cases", (), selection(**base, **{dim: value}))
            if part is not None:
                estimates.append(whole - reading(part.single, k, noise_var))
                out.routes[f"A minus A+{dim}"] += 1
            split = read(publish, "cases", (dim,), selection(**base))
            if split is not None:
                rest = [reading(p, k, noise_var) for (v,), p in split.rows if v != value]
                estimates.append(sum(rest[1:], rest[0]))
                out.routes[f"other {dim} cells"] += 1
        if not estimates:
            continue
        out.attacked += 1
        guess = round(combine(estimates))
        out.exact += guess == n
        out.within_one += abs(guess - n) <= 1
    return out


# -- sums of dominant cases ---------------------------------------------------------
@dataclass
class DominanceResult:
    targets: int = 0
    published: int = 0  # targets whose cell's sum is published
    single_within_10: int = 0  # one published sum read within 10 % of the case's workers
    averaged: int = 0  # targets with a second route (all years minus the other years)
    averaged_within_10: int = 0  # the mean of every route within 10 %
    single_within_10_of_averaged: int = 0  # the same targets, one route only
    mean_error_single: float = 0.0  # mean |error| / workers, one route
    mean_error_averaged: float = 0.0  # mean |error| / workers, every route averaged


def dominant_sums(
    publish, truth: Truth, k: int, codes: dict, limit: int = 150, share: float = 0.8
) -> DominanceResult:
    """Cells of workers affected (one fine filter and a year) where one case holds more
    than `share` of the workers. The attacker knows every other case of the cell exactly
    (the strongest adversary: an employer who knows all the other complaints) and
    subtracts them from the published sum; then averages that with the difference of the
    all-years sum and every other year's sum. What is left is the case's own size with
    its own fixed change, which no number of routes averages away."""
    c = truth.cases
    out = DominanceResult()
    found = []
    for f in FINE:
        grouped = c.groupby([f, "year"]).workers_affected
        largest, total = grouped.max(), grouped.sum()
        for key in total.index:
            if largest[key] > share * total[key]:
                others = int(total[key] - largest[key])
                found.append(({f: key[0], "year": key[1]}, int(largest[key]), others))
    single_errors, averaged_errors, paired_single = [], [], []
    for values, workers, others_known in found[:limit]:
        out.targets += 1
        result = read(publish, "workers_affected", (), selection(**values))
        if result is None or result.single.value is None:
            continue
        out.published += 1
        first = result.single.value - others_known
        single_errors.append(abs(first - workers) / workers)
        whole = {a: v for a, v in values.items() if a != "year"}
        total = read(publish, "workers_affected", (), selection(**whole))
        years = read(publish, "workers_affected", ("year",), selection(**whole))
        if total is None or years is None or total.single.value is None:
            continue
        rest = [p for (year,), p in years.rows if year != values["year"]]
        if any(p.value is None for p in rest):
            continue
        second = total.single.value - sum(p.value for p in rest) - others_known
        averaged_errors.append(abs((first + second) / 2 - workers) / workers)
        paired_single.append(single_errors[-1])
    out.single_within_10 = sum(e <= 0.1 for e in single_errors)
    out.averaged = len(averaged_errors)
    out.averaged_within_10 = sum(e <= 0.1 for e in averaged_errors)
    out.single_within_10_of_averaged = sum(e <= 0.1 for e in paired_single)
    if single_errors:
        out.mean_error_single = sum(single_errors) / len(single_errors)
    if averaged_errors:
        out.mean_error_averaged = sum(averaged_errors) / len(averaged_errors)
    return out


# -- one audited worksite -----------------------------------------------------------
@dataclass
class AuditResult:
    pairs: int = 0  # nested pairs of published selections around the worksite
    isolating: int = 0  # pairs whose difference covers fewer than K worksites
    zero_published: int = 0  # published found counts of 0 (a silent worksite's mark)


def audited_worksite(gaps, truth: Truth, worksite: str, k: int, window: int) -> AuditResult:
    """Every selection a reader can make around one audited worksite (its country,
    industry, the years of its audits, the nationalities and categories reported there),
    against each selection one condition wider: if both publish a rate, the worksites in
    the difference must be at least K, or the difference reads that worksite's reported
    and found counts."""
    from tests.privacy.oracle import audit_sites

    site = truth.audits[truth.audits.worksite_id == worksite].iloc[0]
    reports = truth.cases[truth.cases.worksite_id == worksite]
    years = sorted(set(truth.audits[truth.audits.worksite_id == worksite].month.str[:4]))
    values = {
        "country": [site.country],
        "industry": [site.industry],
        "nationality": sorted(set(reports.nationality)),
        "issue": sorted(truth.issues[truth.issues.case_id.isin(reports.case_id)].issue.unique()),
    }
    out = AuditResult()
    selections = [{}]
    for name, options in values.items():
        selections += [{name: v} for v in options]
    for (a, va), (b, vb) in itertools.combinations(
        [(n, v) for n, options in values.items() for v in options], 2
    ):
        if a != b:
            selections.append({a: va, b: vb})
    selections += [{**s, "period": y} for s in list(selections) for y in years]
    for narrow in selections:
        inner = gaps.gap(_filters(narrow), window).overall
        out.zero_published += inner.found.value == 0
        for name in narrow:
            wide = {n: v for n, v in narrow.items() if n != name}
            outer = gaps.gap(_filters(wide), window).overall
            if inner.worksites.value is None or outer.worksites.value is None:
                continue
            if inner.worksites.reason or outer.worksites.reason:
                continue
            out.pairs += 1
            sites_in = audit_sites(truth, narrow, window)
            sites_out = audit_sites(truth, wide, window)
            differ = {w for w, n in sites_out.items() if n > sites_in.get(w, 0)}
            out.isolating += 0 < len(differ) < k or len(differ) == 0
    return out


def _filters(values: dict):
    from data_access.filters import Filters

    return Filters(**values)
