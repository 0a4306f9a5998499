"""Time the query layer behind the Overview, at the default size and at 1M cases.

    python bench/query_layer.py [--sizes 60000 1000000] [--repeat 7]

Builds missing demo databases under bench/data/ (1M cases takes a few minutes), then, for
a fixed set of filter selections, times each Overview callback's plain function:
cold (a fresh DataAccess with no cache, so every query reaches SQLite) and warm (the same
selection again through a cache). Prints p50 and p95 in milliseconds. Timings are
figures to read side by side in one run, not pass/fail thresholds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_caching.backends import SimpleCache  # noqa: E402

from callbacks import overview  # noqa: E402
from dashboard.cli import ProgressPrinter  # noqa: E402
from data_access.demo import DemoSpec  # noqa: E402
from data_access.filters import Filters  # noqa: E402
from data_access.load import build_demo  # noqa: E402
from data_access.query import DataAccess  # noqa: E402

AS_OF = "2026-11"
SELECTIONS = {
    "everything": Filters(),
    "2024": Filters(period="2024"),
    "Thailand": Filters(country="TH"),
    "Nepal -> Kuwait": Filters(origin="NP", destination="KW"),
    "wages issue": Filters(issue="wages_unpaid"),
    "Burmese in seafood": Filters(nationality="MM", industry="seafood"),
    "TH + Line + 2023": Filters(country="TH", channel="line", period="2023"),
}
CALLBACKS = {
    "kpis": overview.kpi_cards,
    "contacts": overview.contacts_chart,
    "cases": overview.cases_chart,
    "issues": overview.issues_chart,
}


def database(cases: int) -> str:
    path = ROOT / "bench" / "data" / f"ilm-{cases}.sqlite3"
    url = f"sqlite:///{path}"
    if not path.exists():
        print(f"building {path.name} ...", file=sys.stderr)
        build_demo(url, DemoSpec(cases=cases, last_month=AS_OF), ProgressPrinter())
    return url


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(url: str, repeat: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per callback: (cold times, warm times) in ms over every selection and repetition."""
    out = {name: ([], []) for name in CALLBACKS}
    for _ in range(repeat):
        cold = DataAccess(url, version_ttl=3600)
        cold.version()  # the version check is shared by every callback of a request
        warm = DataAccess(url, cache=SimpleCache(threshold=100_000), version_ttl=3600)
        for filters in SELECTIONS.values():
            for name, build in CALLBACKS.items():
                start = time.perf_counter()
                build(cold, filters)
                out[name][0].append((time.perf_counter() - start) * 1000)
                build(warm, filters)  # fill
                start = time.perf_counter()
                build(warm, filters)
                out[name][1].append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[60_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{len(SELECTIONS)} selections x {args.repeat} repetitions; times in ms")
    print(
        f"{'cases':>10} {'callback':<10} {'cold p50':>9} {'cold p95':>9} "
        f"{'warm p50':>9} {'warm p95':>9}"
    )
    for size in args.sizes:
        url = database(size)
        for name, (cold, warm) in measure(url, args.repeat).items():
            print(
                f"{size:>10,} {name:<10} {statistics.median(cold):>9.1f} "
                f"{percentile(cold, 0.95):>9.1f} {statistics.median(warm):>9.2f} "
                f"{percentile(warm, 0.95):>9.2f}"
            )


if __name__ == "__main__":
    main()
