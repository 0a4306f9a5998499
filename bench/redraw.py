"""Section 4b: from a filter change to the last chart of the view redrawn, in Chromium.

Per view, a headless Chromium (desktop size, CPU not slowed) opens the page from the
production server and waits until it is quiet. Then, for each of the bench's selections
in turn, it sets the filter menus as the menus set them (`dash_clientside.set_props` on
each filter control, all in one task, the others cleared) and records, in the page:

- **redrawn**: the time from the change to the last change of any chart's drawing (a
  MutationObserver over every `.js-plotly-plot`, installed before the page's scripts),
  once no component is loading and no chart has changed for a quiet second;
- **answered**: the time until the last callback answer arrived (Resource Timing of
  `/_dash-update-component`), so that redrawn − answered is the browser's own share;
- **TBT**: the main-thread time beyond 50 ms of every long task in between (the Long
  Tasks API).

Run alone, and again while `load.load_test` runs its simulated readers against the same
server (the harness does both). Figures to read, never asserted.
"""

from __future__ import annotations

import threading
import time

from bench.common import (
    CHROME,
    CHROME_FLAGS,
    LONG_TASK_PROBE,
    SELECTIONS,
    blocking,
    p50,
    percentile,
)
from bench.load import load_test
from bench.payloads import VIEW_INPUTS, Target
from layouts import ids

VIEWS = (
    ids.PATH_OVERVIEW,
    "/supply-chains",
    "/recruitment",
    "/remediation",
    "/audits",
    "/exposure",
)
QUIET_MS = 1000
# The exposure view draws once it has a footprint: it opens with the bench's 20-row one
# in its link, as a brand's shared link opens it.
_ROWS = VIEW_INPUTS[(ids.EX_FOOTPRINT, "data")]["rows"]
OPENED_WITH = {
    "/exposure": "?fp=" + "~".join(f"{c}:{i}:{w}:{','.join(sorted(n))}" for c, i, w, n in _ROWS)
}

PROBE = (
    LONG_TASK_PROBE
    + """
try { performance.setResourceTimingBufferSize(100000); } catch (e) {}
window.__ilmDrawn = 0;
new MutationObserver(function (records) {
  for (var i = 0; i < records.length; i++) {
    var node = records[i].target;
    if (node.nodeType !== 1) { node = node.parentElement; }
    if (node && node.closest && node.closest('.js-plotly-plot')) {
      window.__ilmDrawn = performance.now();
      return;
    }
  }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
)

# The page is there: its filter menus rendered and a chart drawn.
READY = """
return document.getElementById(arguments[0]) !== null
  && document.querySelector('.js-plotly-plot g.trace') !== null;
"""
SETTLED = """
var now = performance.now();
var loading = document.querySelector('[data-dash-is-loading="true"]') !== null;
return [now, window.__ilmDrawn, loading];
"""

# The long tasks so far, and when the last callback answer after `since` ended.
ANSWERS = """
var since = arguments[0];
var ends = performance.getEntriesByType('resource')
  .filter(function (e) { return e.name.indexOf('_dash-update-component') >= 0
                               && e.startTime >= since; })
  .map(function (e) { return e.responseEnd; });
return [window.__ilmTasks, ends.length ? Math.max.apply(null, ends) : since];
"""


def menu_values(selection: dict) -> dict[str, str | None]:
    """Each filter control's value for a bench selection (None clears it)."""
    values: dict[str, str | None] = {control: None for control in ids.FILTER_CONTROLS.values()}
    for name, control in ids.FILTER_CONTROLS.items():
        if name == "corridor":
            if selection.get("origin"):
                values[control] = f"{selection['origin']}-{selection['destination']}"
        elif selection.get(name):
            values[control] = selection[name]
    return values


def _driver():
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROME
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)
    driver.set_script_timeout(120)
    driver.set_page_load_timeout(120)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
    return driver


def _wait_settled(driver, since: float, limit_s: float) -> float | None:
    """ms from `since` to the last chart change, once quiet; None if never quiet in time."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        now, drawn, loading = driver.execute_script(SETTLED)
        last = max(drawn, since)
        if not loading and now - last >= QUIET_MS:
            return last - since
        time.sleep(0.05)
    return None


def measure_view(base: str, path: str, passes: int = 1, limit_s: float = 120.0) -> dict:
    """One view: every selection `passes` times, each from the one before."""
    driver = _driver()
    redrawn: list[float] = []
    answered: list[float] = []
    blocked: list[float] = []
    timeouts = 0
    try:
        driver.get(base + path + OPENED_WITH.get(path, ""))
        deadline = time.monotonic() + limit_s
        control = ids.FILTER_CONTROLS["country"]
        while not driver.execute_script(READY, control) and time.monotonic() < deadline:
            time.sleep(0.1)
        _wait_settled(driver, 0.0, limit_s)
        for _ in range(passes):
            for selection in SELECTIONS.values():
                start = driver.execute_script(
                    "var t = performance.now(), values = arguments[0];"
                    "Object.keys(values).forEach(function (id) {"
                    "  window.dash_clientside.set_props(id, {value: values[id]});"
                    "});"
                    "return t;",
                    menu_values(selection),
                )
                took = _wait_settled(driver, start, limit_s)
                if took is None:
                    timeouts += 1
                    continue
                tasks, last_answer = driver.execute_script(ANSWERS, start)
                redrawn.append(took)
                answered.append(max(0.0, last_answer - start))
                blocked.append(blocking(tasks, start, start + took))
    finally:
        driver.quit()
    return {
        "view": path,
        "changes": len(redrawn),
        "p50": p50(redrawn),
        "p95": percentile(redrawn, 0.95),
        "max": max(redrawn) if redrawn else float("nan"),
        "answered_p50": p50(answered),
        "answered_p95": percentile(answered, 0.95),
        "tbt_p50": p50(blocked),
        "tbt_max": max(blocked) if blocked else float("nan"),
        "timeouts": timeouts,
    }


def filter_to_chart(
    base: str,
    targets: list[Target],
    passes: int = 1,
    users: int = 0,
    views: tuple[str, ...] = VIEWS,
    think: tuple[float, float] = (0.5, 1.5),
) -> list[dict]:
    """Every view alone (users=0), or while `users` simulated readers load the server."""
    out = []
    for view in views:
        if not users:
            out.append(measure_view(base, view, passes))
            continue
        answer: dict = {}
        done = threading.Event()

        def readers(answer=answer, done=done) -> None:
            answer.update(load_test(base, targets, users, 900.0, think, until=done))

        # The readers run for as long as the browser measures this view, then stop.
        loader = threading.Thread(target=readers, daemon=True)
        loader.start()
        time.sleep(5.0)  # let the readers arrive before the first change
        try:
            result = measure_view(base, view, passes)
        finally:
            done.set()
            loader.join()
        result["load_errors"] = answer.get("errors", 0)
        result["load_p95"] = answer.get("callback_p95", float("nan"))
        out.append(result)
    return out
