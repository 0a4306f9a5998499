"""What every part of the benchmark shares: paths, the browser's flags, the fixed
selections a run times, percentiles and a free port.
"""

from __future__ import annotations

import socket
import statistics
from pathlib import Path

from data_access.filters import Filters

ROOT = Path(__file__).resolve().parent.parent

AS_OF = "2026-11"
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
CHROME = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1000",
)
UPDATE = "/_dash-update-component"
# Every main-thread task over 50 ms, recorded from before the page's own scripts (the Long
# Tasks API) into window.__ilmTasks as [start, duration].
LONG_TASK_PROBE = """
window.__ilmTasks = [];
try {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) {
      window.__ilmTasks.push([e.startTime, e.duration]);
    });
  }).observe({type: 'longtask', buffered: true});
} catch (e) {}
"""
FLOOR = "bench-floor"
FLOOR_KEY = "bench-floor-key"
NAIVE = "bench-naive-"

# The fixed, realistic filter changes (store form, as the shell writes ids.FILTERS).
SELECTIONS: dict[str, dict] = {
    "everything": {},
    "period 2024": {"period": "2024"},
    "country TH": {"country": "TH"},
    "corridor NP-KW": {"origin": "NP", "destination": "KW"},
    "issue wages": {"issue": "wages_unpaid"},
    "MM in seafood": {"nationality": "MM", "industry": "seafood"},
    "TH + line + 2023": {"country": "TH", "channel": "line", "period": "2023"},
    "NP-KW + deception + 2025": {
        "origin": "NP",
        "destination": "KW",
        "issue": "deception",
        "period": "2025",
    },
}
for _selection in SELECTIONS.values():
    Filters(**_selection)  # a typo here would measure an error page


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def blocking(tasks: list, start: float, end: float) -> float:
    """Total Blocking Time as Lighthouse sums it: each long task clipped to [start, end],
    less its first 50 ms."""
    total = 0.0
    for s, d in tasks:
        clipped = min(s + d, end) - max(s, start)
        total += max(0.0, clipped - 50.0)
    return total
