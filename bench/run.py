"""The benchmark harness of issue 7: one command, one results file.

    python bench/run.py --sizes 50000 1000000 10000000 --backends sqlite postgresql

Builds missing demo databases (bench/data/ for SQLite, a schema `bench_<size>` in the
PostgreSQL database of --pg-url), then for each size and backend measures: every view's
filter callbacks through a real server, cold and warm; the floor (a no-op callback
returning the same bytes); the naive pandas peer and its memory; the first page load in
headless Chromium; 50 simulated users against `python -m dashboard serve --workers 2`
with the Redis cache; and the memory of each worker. Prints the Markdown report and
writes it to bench/results/<date>.md. Timings are figures to read, not assertions.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bundles, common, databases, harness, report  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000])
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
        ),
        help="PostgreSQL database holding one schema per size (default $BENCH_DATABASE_URL)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
        help="Redis db for the served app's cache; FLUSHED before each load run",
    )
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of each selection")
    parser.add_argument(
        "--naive-max",
        type=int,
        default=2_000_000,
        help="largest size at which the naive peer loads every case",
    )
    parser.add_argument("--browser-runs", type=int, default=3, help="0 skips the page load")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--load-seconds", type=float, default=30.0, help="0 skips the load run")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=[0.5, 1.5],
        help="think time between a user's filter changes (s, uniform)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--redraw-passes",
        type=int,
        default=1,
        help="passes over the selections per view, filter to last chart in Chromium (0 skips)",
    )
    parser.add_argument(
        "--cold-db-runs",
        type=int,
        default=1,
        help="fresh processes per selection timed from a cold database (0 skips section 1c)",
    )
    parser.add_argument("--no-bundles", action="store_true", help="skip the plotly.js bundle sizes")
    parser.add_argument("--note", default="", help="a line saying what kind of run this is")
    parser.add_argument("--output", help="results file (default bench/results/<date>.md)")
    args = parser.parse_args(argv)

    cases = []
    for size in args.sizes:
        for backend in args.backends:
            url = databases.ensure_database(backend, size, args.pg_url)
            cases.append(
                harness.run_case(
                    size,
                    backend,
                    url,
                    args.repeat,
                    args.naive_max,
                    args.browser_runs,
                    args.users,
                    args.load_seconds,
                    tuple(args.think),
                    args.workers,
                    args.redis_url,
                    args.cold_db_runs,
                    args.redraw_passes,
                )
            )
    sizes = None if args.no_bundles else bundles.plotly_bundles()
    today = datetime.date.today().isoformat()
    load = os.getloadavg()
    header = "\n".join(
        [
            f"# Benchmark harness — {today}",
            "",
            *([f"**{args.note}**", ""] if args.note else []),
            "`python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]) + "`",
            "",
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average at the end "
            f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; {args.repeat} repetitions.",
        ]
    )
    text = report.report(cases, sizes, header)
    print(text)
    output = Path(args.output) if args.output else common.RESULTS / f"{today}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"written to {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
