"""One database's run of the benchmark (`bench/run.py`): the parts below, in order.

Each part lives in a module of its own (common, databases, inputs, naive, timing,
browser, load, bundles, report) and returns plain numbers; `report` turns runs into
Markdown. Nothing here asserts a timing.
"""

from __future__ import annotations

import gc
import sys

from bench.browser import page_load
from bench.coldstart import measure_cold_database
from bench.common import SELECTIONS, percentile
from bench.load import Production, load_test
from bench.naive import NaivePeer, bench_app
from bench.payloads import callback_targets
from bench.redraw import VIEWS, filter_to_chart
from bench.report import Case
from bench.timing import ThreadedServer, measure_callbacks, measure_views, profile_callback
from dashboard.factory import settle_heap

UNLIMITED = {"CALLBACK_RATE_LIMIT": "1000000 per minute"}


def run_case(
    cases: int,
    backend: str,
    url: str,
    repeat: int = 5,
    naive_max: int = 2_000_000,
    browser_runs: int = 3,
    users: int = 50,
    load_seconds: float = 30.0,
    think: tuple[float, float] = (0.5, 1.5),
    workers: int = 2,
    redis_url: str | None = None,
    cold_db_runs: int = 1,
    redraw_passes: int = 1,
    redraw_views: tuple[str, ...] = VIEWS,
    log=sys.stderr,
) -> Case:
    case = Case(cases, backend)
    naive = None
    if cases <= naive_max:
        print(f"[{backend} {cases:,}] loading the naive peer's DataFrames", file=log)
        naive = NaivePeer(url)
        case.naive_memory = {
            "load_seconds": naive.load_seconds,
            "frame_bytes": naive.frame_bytes,
            "rss_growth": naive.rss_growth,
        }
    app = bench_app(url, naive)
    # The garbage collector as `serve` sets it in each worker once its app is built.
    threshold = gc.get_threshold()
    settle_heap()
    with ThreadedServer(app) as server:
        print(
            f"[{backend} {cases:,}] callbacks x {len(SELECTIONS)} selections x {repeat}", file=log
        )
        case.callbacks = measure_callbacks(app, server.url, repeat, naive)
        print(f"[{backend} {cases:,}] every callback of a view at once", file=log)
        case.views = measure_views(app, server.url, repeat)
        answered = [s for s in case.callbacks if s.cold]
        if answered:
            slowest = max(answered, key=lambda s: percentile(s.cold, 0.95))
            worst = max(range(len(slowest.cold)), key=lambda i: slowest.cold[i])
            case.profile = profile_callback(app, server.url, slowest.name, slowest.labels[worst])
    del naive, app
    gc.unfreeze()
    gc.set_threshold(*threshold)
    gc.collect()
    if cold_db_runs:
        print(f"[{backend} {cases:,}] fresh processes from a cold database", file=log)
        case.cold_database = measure_cold_database(url, cold_db_runs, log)
    if browser_runs or load_seconds or redraw_passes:
        # The load test's readers all come from one address: the per-client callback limit
        # (which measures abuse, not capacity) would answer them 429.
        with Production(url, redis_url, workers, env=UNLIMITED) as production:
            if browser_runs:
                print(f"[{backend} {cases:,}] first page load x {browser_runs}", file=log)
                case.page = page_load(production.base, browser_runs)
            case.memory = {"idle": production.workers_memory()}
            targets = callback_targets(bench_app(url))
            if redraw_passes:
                print(f"[{backend} {cases:,}] filter to last chart, alone", file=log)
                case.redraw = filter_to_chart(
                    production.base, targets, redraw_passes, views=redraw_views
                )
            if load_seconds:
                print(f"[{backend} {cases:,}] {users} users for {load_seconds:.0f} s", file=log)
                case.load = load_test(production.base, targets, users, load_seconds, think)
                case.memory["after load"] = production.workers_memory()
            if redraw_passes and load_seconds:
                print(f"[{backend} {cases:,}] filter to last chart, {users} users", file=log)
                case.redraw_loaded = filter_to_chart(
                    production.base, targets, redraw_passes, users, redraw_views, think
                )
    return case
