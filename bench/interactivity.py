"""Interactivity as a reader on a cheap phone feels it: Total Blocking Time and time to interactive.

For each view, a fresh headless Chromium opens the page with the CPU slowed 4× (what
Lighthouse does to stand in for a mid-range phone) and records every main-thread task
longer than 50 ms (the Long Tasks API, installed before the page's own scripts). Then one
filter is changed the way the filter menu changes it (`dash_clientside.set_props`), and
the tasks that follow are recorded too.

- **TBT (load)**: the sum of each long task's time beyond 50 ms, from the first
  contentful paint to time to interactive — Lighthouse's definition.
- **TTI**: the end of the last long task before a 5-second window with none (not before
  the first contentful paint and the first drawn chart).
- **TBT (filter)**: the same sum over the tasks after the filter change, and the time until
  the last of them ended ("settled").

    python bench/interactivity.py --url http://127.0.0.1:8050 [--throttle 4] [--views / /audits]

It serves nothing itself: start the app first (for example
`DATABASE_URL=sqlite:///instance/ilm.sqlite3 python -m dashboard serve --allow-demo`).
Figures are printed, never asserted: a shared machine moves them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import CHROME, CHROME_FLAGS, LONG_TASK_PROBE, blocking  # noqa: E402

VIEWS = ("/", "/supply-chains", "/recruitment", "/remediation", "/audits", "/exposure")
# A filter every view reads, set to a value every demo has.
FILTER = ("filter-country", "TH")
QUIET_MS = 5000

PROBE = (
    LONG_TASK_PROBE
    + """
window.__ilmFirstChart = null;
new MutationObserver(function (records, observer) {
  if (document.querySelector('.js-plotly-plot g.trace')) {
    window.__ilmFirstChart = performance.now();
    observer.disconnect();
  }
}).observe(document, {subtree: true, childList: true});
"""
)


def _wait_quiet(driver, since_ms: float, limit_s: float) -> list:
    """Long tasks after `since_ms`, once none has started for QUIET_MS (or at the limit)."""
    deadline = time.monotonic() + limit_s
    while True:
        now, tasks = driver.execute_script("return [performance.now(), window.__ilmTasks.slice()]")
        tasks = [t for t in tasks if t[0] >= since_ms]
        last_end = max([since_ms] + [s + d for s, d in tasks])
        if now - last_end >= QUIET_MS or time.monotonic() > deadline:
            return tasks
        time.sleep(0.25)


def measure_view(base: str, path: str, throttle: float, limit_s: float) -> dict:
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROME
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size=412,915")
    driver = webdriver.Chrome(options=options)
    # A frozen page answers a script only between its tasks: wait as long as a step may take.
    driver.set_script_timeout(limit_s)
    driver.set_page_load_timeout(limit_s)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
        driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": throttle})
        driver.get(base + path)
        deadline = time.monotonic() + limit_s
        while driver.execute_script("return window.__ilmFirstChart") is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        tasks = _wait_quiet(driver, 0.0, limit_s)
        fcp, first_chart, nodes = driver.execute_script(
            "var p = performance.getEntriesByName('first-contentful-paint')[0];"
            "return [p ? p.startTime : 0, window.__ilmFirstChart,"
            " document.getElementsByTagName('*').length]"
        )
        floor = max(fcp, first_chart or 0.0)
        ends = [s + d for s, d in tasks]
        tti = max([floor] + ends)
        load = {
            "fcp_ms": fcp,
            "first_chart_ms": first_chart,
            "tti_ms": tti,
            "tbt_ms": blocking(tasks, fcp, tti),
            "long_tasks": len(tasks),
            "longest_ms": max([0.0] + [d for _s, d in tasks]),
            "dom_nodes": nodes,
        }
        start = driver.execute_script(
            "var t = performance.now();"
            "window.dash_clientside.set_props(arguments[0], {value: arguments[1]});"
            "return t;",
            *FILTER,
        )
        after = _wait_quiet(driver, start, limit_s)
        load["filter_tbt_ms"] = blocking(after, start, float("inf"))
        load["filter_settled_ms"] = max([0.0] + [s + d - start for s, d in after])
        load["filter_longest_ms"] = max([0.0] + [d for _s, d in after])
        return load
    finally:
        driver.quit()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050")
    parser.add_argument("--views", nargs="+", default=list(VIEWS))
    parser.add_argument("--throttle", type=float, default=4.0, help="CPU slowdown (1 = none)")
    parser.add_argument("--runs", type=int, default=1, help="fresh browsers per view (median)")
    parser.add_argument("--limit", type=float, default=180.0, help="seconds to wait per step")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    rows = []
    for path in args.views:
        runs = [measure_view(args.url, path, args.throttle, args.limit) for _ in range(args.runs)]
        row = {key: statistics.median(r[key] or 0 for r in runs) for key in runs[0]}
        rows.append((path, row))
    if args.json:
        print(json.dumps(dict(rows), indent=2))
        return
    print(f"CPU slowed {args.throttle:g}x, {args.runs} fresh browser(s) per view, 412x915 px")
    print(
        "| view | FCP ms | first chart ms | TTI ms | TBT ms | long tasks | longest ms "
        "| DOM nodes | filter TBT ms | filter settled ms | filter longest ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for path, r in rows:
        print(
            f"| {path} | {r['fcp_ms']:.0f} | {r['first_chart_ms']:.0f} | {r['tti_ms']:.0f} "
            f"| {r['tbt_ms']:.0f} | {r['long_tasks']:.0f} | {r['longest_ms']:.0f} "
            f"| {r['dom_nodes']:.0f} | {r['filter_tbt_ms']:.0f} | {r['filter_settled_ms']:.0f} "
            f"| {r['filter_longest_ms']:.0f} |"
        )


if __name__ == "__main__":
    main()
