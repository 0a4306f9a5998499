"""Disclosure-control designs compared with the attack suite's own numbers.

    python bench/privacy_designs.py [--out bench/results/privacy-designs.md]

Builds the attacked database of tests/privacy (the small demo with planted victims),
then runs every attack of tests/privacy/attacks.py, and a utility measure on the views'
own tables, against each design:

- shipped: the protected release (cell-key noise on a bounded query space, the
  differencing guard, per-case factors on sums), as data_access ships it;
- no guard: the same without the differencing guard;
- noise 5: the shipped design with count noise of ±5 instead of ±3;
- DP, views: differential privacy (zCDP, the Gaussian mechanism, calibrated with
  OpenDP) with a budget of rho = 1 per data version spread over the tables a case
  appears in when only the views' own tables are released;
- DP, query space: the same budget spread over the whole bounded query space the
  dashboard and the API answer (every allowed selection and breakdown).

A DP release has no threshold or guard of its own: a noisy count below K is still shown
as "<K" (post-processing). Sums of workers under DP would need each case clipped to a
bound; they are left out of the DP rows (marked "n/a").

It prints a table, side by side in one run; the reading is in docs/methodology.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import opendp.prelude as dp  # noqa: E402

from data_access import cells as cl  # noqa: E402
from data_access import disclosure, taxonomy  # noqa: E402
from data_access.audits import DEFAULT_WINDOW, AuditGaps  # noqa: E402
from data_access.demo import SILENT_AUDIT_WORKSITE, DemoSpec  # noqa: E402
from data_access.disclosure import FEWER_THAN_K, Published  # noqa: E402
from data_access.filters import FINE_FILTERS, MAX_FINE_FILTERS, Filters  # noqa: E402
from data_access.load import build_demo  # noqa: E402
from data_access.query import MEASURES, DataAccess, breakdowns  # noqa: E402
from tests.privacy import attacks, oracle  # noqa: E402
from tests.privacy.conftest import PLANTED, plant  # noqa: E402

RHO = 1.0  # zCDP budget per data version (the US Census 2020 persons file used 2.63)
# The views' own tables: (measure, breakdown), each asked under every allowed selection.
VIEW_TABLES = (
    ("cases", ()),
    ("cases", ("month",)),
    ("cases", ("issue",)),
    ("cases", ("issue", "nationality")),
    ("cases", ("issue", "industry")),
    ("cases", ("industry",)),
    ("cases", ("quarter", "issue")),
    ("cases", ("country",)),
    ("cases", ("theme",)),
    ("cases", ("tier",)),
    ("cases", ("corridor",)),
    ("cases", ("corridor", "issue")),
    ("cases", ("destination", "theme")),
    ("cases", ("year",)),
    ("cases_raised", ()),
    ("cases_received_remediated", ()),
    ("cases_received_remediated", ("corridor",)),
    ("cases_received_validated", ()),
    ("cases_remediated", ()),
    ("cases_remediated", ("route",)),
    ("cases_remediated", ("ttr",)),
    ("cases_remediated", ("year", "validated")),
    ("cases_remediated", ("theme", "ttr")),
)
UTILITY = [
    ("cases", ("issue",), Filters()),
    ("cases", ("issue", "nationality"), Filters(stage="employment")),
    ("cases", ("corridor",), Filters()),
    ("cases", ("quarter",), Filters(origin="MM", destination="TH")),
    ("cases", ("issue",), Filters(country="TH", industry="seafood")),
    ("cases", ("month",), Filters(nationality="KH")),
    ("cases", ("country",), Filters(period="2024")),
    ("cases_remediated", ("ttr",), Filters()),
    ("cases_remediated", ("route",), Filters(period="2023")),
    ("cases", ("theme",), Filters(nationality="NP", period="2025")),
]


def tables_per_case(query_space: bool) -> int:
    """How many released tables one case of cases received appears in: its cell of each
    table (a table per breakdown and per selection shape that can contain it)."""
    count_measures = [m for m in MEASURES if MEASURES[m].family == cl.RECEIVED]
    if query_space:
        shapes = 0
        for measure in count_measures:
            names = breakdowns(measure)
            shapes += 1 + len(names) + len(names) * (len(names) - 1) // 2
    else:
        shapes = sum(1 for m, _by in VIEW_TABLES if MEASURES[m].family == cl.RECEIVED)
    fine = 1 + len(FINE_FILTERS) + len(FINE_FILTERS) * (len(FINE_FILTERS) - 1) // 2
    assert MAX_FINE_FILTERS == 2
    # Each selection shape holds the case in one selection: its own values; with and
    # without the stage; all years and its own year.
    return shapes * fine * 2 * 2


def dp_scale(tables: int, rho: float = RHO) -> float:
    """The Gaussian noise scale that spends rho / tables on one table of counts (a case
    changes one cell by 1: L2 sensitivity 1), found with OpenDP's privacy map."""
    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l2_distance(T=float)
    return dp.binary_search_param(
        lambda scale: dp.m.make_gaussian(*space, scale=scale), d_in=1.0, d_out=rho / tables
    )


class NoGuard(DataAccess):
    def _settle(self, cells, sums):
        return {}


class DPRelease(DataAccess):
    """Counts with Gaussian noise drawn once per cell (a release computed once)."""

    def __init__(self, url: str, scale: float) -> None:
        super().__init__(url)
        dp.enable_features("contrib")
        space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l2_distance(T=float)
        self.measurement = dp.m.make_gaussian(*space, scale=scale)
        self.drawn: dict[str, float] = {}

    def _settle(self, cells, sums):
        return {}

    def _own(self, m, cell, s) -> Published:
        if m.kind == "sum":
            return Published(None, FEWER_THAN_K)
        definition = cell.definition
        if definition not in self.drawn:
            self.drawn[definition] = self.measurement([float(s.n)])[0]
        value = round(self.drawn[definition])
        return Published(None, FEWER_THAN_K) if value < self.params.k else Published(value)


def utility(access: DataAccess, truth_access: DataAccess) -> dict[str, float]:
    """Share of cells of the views' tables published, and their median relative error."""
    shown = total = 0
    errors = []
    for measure, by, filters in UTILITY:
        result = access.aggregate(measure, by, filters)
        exact = truth_access.aggregate(measure, by, filters).as_dict()
        for key, p in result.rows:
            true = exact.get(key)
            if true is None or true.value is None:
                continue
            total += 1
            if p.value is not None:
                shown += 1
                errors.append(abs(p.value - true.value) / true.value)
    return {
        "published": shown / total if total else 0.0,
        "median_error": statistics.median(errors) if errors else float("nan"),
    }


def run(url: str, sizes: dict) -> list[tuple[str, dict]]:
    truth = oracle.load(url)
    exact = DataAccess(url, disclosure.DisclosureParams(k=1, c=1, noise=0))
    view_tables, space_tables = tables_per_case(False), tables_per_case(True)
    designs = [
        ("shipped (noise ±3)", DataAccess(url), 3),
        ("no guard", NoGuard(url), 3),
        ("noise ±5", DataAccess(url, disclosure.DisclosureParams(noise=5)), 5),
    ]
    scales = {}
    for label, tables in (("DP, views", view_tables), ("DP, query space", space_tables)):
        scale = dp_scale(tables)
        scales[label] = (scale, tables)
        designs.append((f"{label} (σ={scale:.0f})", DPRelease(url, scale), None))
    mains = {p[0]: (p[1], p[2]) for p in PLANTED}
    out = []
    for label, access, noise in designs:
        k = access.params.k
        if noise is None:
            scale = next(s for name, (s, _t) in scales.items() if label.startswith(name))
            var = scale * scale
        else:
            weights = disclosure.noise_weights(noise)
            var = sum(w * d * d for d, w in weights.items()) / sum(weights.values())

        def publish(measure, by, sel, access=access):
            return access.aggregate(measure, by, Filters(**sel))

        codes = {
            "country": list(taxonomy.COUNTRIES),
            "nationality": list(taxonomy.NATIONALITIES),
            "industry": list(taxonomy.INDUSTRIES),
            "channel": list(taxonomy.CHANNELS),
            "corridor": list(access.corridors()),
        }
        presence = attacks.presence_by_listing(publish, truth, k, limit=80)
        attributes = attacks.attributes_by_differencing(publish, truth, k, var, codes, limit=40)
        groups = attacks.small_groups(publish, truth, k, var, codes, limit=150)
        complements = attacks.complement_groups(publish, truth, k, var, sizes, mains)
        row = {
            # Under DP every cell is noisy: a number shown for one case's selection is
            # noise of scale sigma around 1, not that case (the listing test counts it).
            "presence": f"{presence.readable}/{presence.cases}"
            + (" (noise only)" if noise is None else ""),
            "attributes": f"{attributes.issues_read}/{attributes.cases} "
            f"(guess {attributes.issues_baseline})",
            "groups": _rates(groups),
            "complements": _rates(complements),
            **utility(access, exact),
        }
        if noise is None:
            row["dominant"] = "n/a"
            row["audit"] = "n/a"
        else:
            dominant = attacks.dominant_sums(publish, truth, k, {})
            row["dominant"] = (
                f"{dominant.mean_error_single:.0%} / {dominant.mean_error_averaged:.0%}"
            )
            audit = attacks.audited_worksite(
                AuditGaps(access), truth, SILENT_AUDIT_WORKSITE, k, DEFAULT_WINDOW
            )
            row["audit"] = f"{audit.isolating}/{audit.pairs}"
        out.append((label, row))
    return out


def _rates(result) -> str:
    if not result.attacked:
        return "no route"
    return (
        f"{result.exact / result.attacked:.0%} / {result.within_one / result.attacked:.0%}"
        f" (n={result.attacked})"
    )


def table(rows: list[tuple[str, dict]]) -> str:
    header = (
        "| design | single cases readable | issue sets read by differencing | small groups "
        "exact / ±1 | complement groups exact / ±1 | dominant case error, one route / "
        "averaged | audited worksite isolated | cells published | median error |"
    )
    lines = [header, "|" + " --- |" * 9]
    for label, r in rows:
        lines.append(
            f"| {label} | {r['presence']} | {r['attributes']} | {r['groups']} | "
            f"{r['complements']} | {r['dominant']} | {r['audit']} | {r['published']:.0%} | "
            f"{r['median_error']:.1%} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="also write the table to this Markdown file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/attacked.sqlite3"
        print("building the attacked database (small demo + planted victims)...", flush=True)
        build_demo(url, DemoSpec(cases=4_000, seed=7, last_month="2026-06"))
        sizes = plant(url)
        rows = run(url, sizes)
    text = table(rows)
    print(text)
    print(
        f"\nDP tables a case appears in: views {tables_per_case(False):,}, "
        f"query space {tables_per_case(True):,}; budget rho = {RHO} per data version."
    )
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
