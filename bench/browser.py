"""The first page load in headless Chromium: bytes, first chart, per view."""

from __future__ import annotations

import time

from bench.common import CHROME, CHROME_FLAGS, p50

FIRST_CHART_PROBE = """
window.__firstChart = null;
new MutationObserver(function (records, observer) {
  if (document.querySelector('.js-plotly-plot g.trace')) {
    window.__firstChart = performance.now();
    observer.disconnect();
  }
}).observe(document, {subtree: true, childList: true});
"""


def page_load(base: str, runs: int = 3) -> dict:
    """Section 4: bytes on the wire (compressed) and time to the first drawn chart."""
    from selenium import webdriver

    results = []
    resources: list = []
    for _ in range(runs):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROME
        for flag in CHROME_FLAGS:
            options.add_argument(flag)
        driver = webdriver.Chrome(options=options)  # a fresh profile: an empty browser cache
        try:
            driver.execute_cdp_cmd(
                "Page.addScriptToEvaluateOnNewDocument", {"source": FIRST_CHART_PROBE}
            )
            driver.get(base + "/")
            deadline = time.monotonic() + 180  # a condition, with room for a busy machine
            first = None
            while time.monotonic() < deadline and first is None:
                first = driver.execute_script("return window.__firstChart")
                if first is None:
                    time.sleep(0.05)
            # Let the remaining callbacks settle before counting bytes.
            time.sleep(1.0)
            entries = driver.execute_script(
                "return performance.getEntriesByType('navigation')"
                ".concat(performance.getEntriesByType('resource'))"
                ".map(e => [e.name, e.transferSize, e.decodedBodySize, e.initiatorType])"
            )
        finally:
            driver.quit()
        results.append(
            {
                "transfer": sum(e[1] for e in entries),
                "decoded": sum(e[2] for e in entries),
                "requests": len(entries),
                "first_chart_ms": first,
            }
        )
        resources = entries
    charts = [r["first_chart_ms"] for r in results if r["first_chart_ms"] is not None]
    top = sorted(resources, key=lambda e: -e[1])[:6]
    return {
        "transfer": int(p50([r["transfer"] for r in results])),
        "decoded": int(p50([r["decoded"] for r in results])),
        "requests": results[-1]["requests"],
        "first_chart_ms": p50(charts) if charts else None,
        "first_chart_max_ms": max(charts) if charts else None,
        "runs": runs,
        "largest": [(e[0].replace(base, ""), e[1], e[2]) for e in top],
    }
