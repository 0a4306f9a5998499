"""Cold callback latency on two databases, requests alternated in one process.

    python bench/interleaved.py sqlite:///a.sqlite3 sqlite:///b.sqlite3 --repeat 4

For a change to what a database holds (an index, a table), on a machine shared with
other work: each request to A is paired with the same request to B, both cold (the app
cache and the process's exact sums emptied), so a burst of load elsewhere slows both
alike. The pair's order alternates from one repetition to the next: the second of a
pair ran 10-20 % faster whichever database it read (caches the two share: the CPU's,
the cells both name), which one fixed order credits to B. Prints, per callback, p50
and p95 of the cold times over the bench's selections (through Flask's test client: no
HTTP, so a few ms below `bench/run.py`'s figures).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SELECTIONS, p50, percentile  # noqa: E402
from bench.naive import bench_app  # noqa: E402
from bench.payloads import callback_targets, payload  # noqa: E402
from bench.timing import clear_cache  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--repeat", type=int, default=4, help="an even number: each order alike")
    parser.add_argument("--only", nargs="+", help="callbacks to time (first output ids)")
    args = parser.parse_args(argv)
    apps = [bench_app(args.a), bench_app(args.b)]
    clients = [app.server.test_client() for app in apps]
    times: dict[str, tuple[list[float], list[float]]] = {}
    worst: dict[str, tuple[str, str]] = {}
    for target in callback_targets(apps[0]):
        if args.only and target.name not in args.only:
            continue
        runs: tuple[list[float], list[float]] = ([], [])
        slowest = ([0.0, ""], [0.0, ""])
        for repetition in range(args.repeat):
            for label, selection in SELECTIONS.items():
                body = payload(target, selection)
                pair = list(zip(apps, clients, runs, slowest))
                for app, client, found, top in pair[:: -1 if repetition % 2 else 1]:
                    clear_cache(app)
                    started = time.perf_counter()
                    client.post("/_dash-update-component", json=body)
                    found.append((time.perf_counter() - started) * 1000)
                    if found[-1] > top[0]:
                        top[:] = [found[-1], label]
        times[target.name] = runs
        worst[target.name] = (slowest[0][1], slowest[1][1])
    print("| callback | A cold p50 | A cold p95 | B cold p50 | B cold p95 | slowest (A; B) |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, (a, b) in times.items():
        print(
            f"| {name} | {p50(a):.1f} | {percentile(a, 0.95):.1f} | {p50(b):.1f} | "
            f"{percentile(b, 0.95):.1f} | {worst[name][0]}; {worst[name][1]} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
