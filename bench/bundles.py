"""The plotly.js bundles: sizes of the full, the partial and the app's own bundle."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

from bench.common import DATA, ROOT

# -- plotly.js bundles -------------------------------------------------------------------

BUNDLES = ("basic", "cartesian", "geo", "finance", "strict")
# The one list of trace types the figures use: the partial bundle is built from it and
# tests/test_plotly_bundle.py checks every figure against it.
TRACES_NEEDED = tuple(
    json.loads((ROOT / "tools" / "plotly-bundle" / "traces.json").read_text())["traces"]
)
OUR_BUNDLE = ROOT / "assets" / "vendor" / "plotly-ilm.min.js"


def plotly_bundles(fetch: bool = True) -> dict:
    """Full versus partial plotly.js bundles (gzip bytes) and the trace types each has.

    The npm dist bundles of the same plotly.js version are fetched once with `npm pack`
    into bench/data/npm/; a bundle the registry does not serve is remembered and listed.
    """
    import plotly

    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    text = full.read_bytes()
    version = text[:200].decode().split("plotly.js v")[1].split()[0]
    rows = [_bundle_row("full (shipped by plotly.py)", text)]
    if OUR_BUNDLE.exists():
        rows.append(
            _bundle_row("ours (assets/vendor/plotly-ilm.min.js, shipped)", OUR_BUNDLE.read_bytes())
        )
    missing = []
    store = DATA / "npm"
    for name in BUNDLES:
        package = f"plotly.js-{name}-dist-min"
        target = store / f"{package}-{version}"
        found = sorted(target.glob("package/plotly-*.min.js"))
        if not found and fetch and not (target / "unavailable").exists():
            target.mkdir(parents=True, exist_ok=True)
            try:
                subprocess.run(
                    ["npm", "pack", "--silent", f"{package}@{version}"],
                    cwd=target,
                    check=True,
                    capture_output=True,
                    timeout=120,
                )
                tarball = next(target.glob("*.tgz"))
                subprocess.run(["tar", "xzf", tarball.name], cwd=target, check=True)
            except (OSError, subprocess.SubprocessError, StopIteration) as exc:
                (target / "unavailable").write_text(f"{type(exc).__name__}: {exc}\n")
            found = sorted(target.glob("package/plotly-*.min.js"))
        if found:
            rows.append(_bundle_row(package, found[0].read_bytes()))
        else:
            missing.append(package)
    return {"version": version, "rows": rows, "missing": missing}


def _bundle_row(name: str, text: bytes) -> dict:
    has = [t for t in TRACES_NEEDED if f'name:"{t}"'.encode() in text]
    return {"bundle": name, "raw": len(text), "gzip": len(gzip.compress(text, 6)), "traces": has}
