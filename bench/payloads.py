"""What each callback is timed with: the app's callbacks found from its views, and a
realistic request body for each (a 20-row footprint, a compare corridor) so no callback
is timed with nothing to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from callbacks.urlstate import default_options
from dashboard.views import all_views, sample_context
from data_access import taxonomy
from layouts import ids


def _footprint(rows: int) -> dict:
    """A brand's footprint as the exposure view keeps it: `rows` (country, industry) rows
    with weights and two nationalities each, in a fixed order."""
    pairs = [(c, i) for c in sorted(taxonomy.COUNTRIES) for i in sorted(taxonomy.INDUSTRIES)]
    nationalities = sorted(taxonomy.NATIONALITIES)
    return {
        "source": "ui",
        "rows": [
            [country, industry, n + 1, nationalities[n % len(nationalities) :][:2]]
            for n, (country, industry) in enumerate(pairs[:rows])
        ],
    }


# A view's own controls at a value a reader gives them, not empty: an empty footprint or
# no second corridor would time a callback that has nothing to do.
VIEW_INPUTS: dict[tuple[str, str], object] = {(ids.EX_FOOTPRINT, "data"): _footprint(20)}
# The compare cards draw when a corridor is selected (two selections above) and a second
# one is chosen here.
EXERCISED_OPTIONS = {"compare": "NP-SA"}


# -- the callbacks to measure ----------------------------------------------------------


@dataclass
class Target:
    """One server callback that answers a filter change."""

    view: str
    name: str  # the first output's id
    key: str  # the callback_map key, sent as "output"
    outputs: list  # [{"id", "property"}] or one dict
    inputs: list  # [(id, property)]
    state: list


def _layout_ids(component) -> set[str]:
    found = set()

    def walk(node):
        if isinstance(node, list | tuple):
            for child in node:
                walk(child)
            return
        if not hasattr(node, "to_plotly_json"):
            return
        node_id = getattr(node, "id", None)
        if isinstance(node_id, str):
            found.add(node_id)
        walk(getattr(node, "children", None))

    walk(component)
    return found


def callback_targets(app) -> list[Target]:
    """Every callback fed by the filter or view-option store, named by the view it serves.

    Read from the app's callback map and the view registry, so a view added later is
    measured without touching the harness. Bench-only callbacks are left out.
    """
    owners = []
    for view in all_views():
        owners.append((view.path, _layout_ids(view.layout(sample_context()))))
    stores = {(ids.FILTERS, "data"), (ids.OPTIONS, "data")}
    targets = []
    for key, spec in app.callback_map.items():
        inputs = [(i["id"], i["property"]) for i in spec["inputs"]]
        if not stores & set(inputs):
            continue
        declared = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
        outputs = [{"id": o.component_id, "property": o.component_property} for o in declared]
        if any(isinstance(o["id"], dict) for o in outputs):
            continue  # a pattern-matching output needs a browser to expand it
        first = outputs[0]["id"]
        if first.startswith("bench-"):
            continue
        view = next((path for path, found in owners if first in found), "(shell)")
        targets.append(
            Target(
                view,
                first,
                key,
                outputs if isinstance(spec["output"], list) else outputs[0],
                inputs,
                [(s["id"], s["property"]) for s in spec.get("state", [])],
            )
        )
    return targets


def _entry(component_id: str, prop: str, selection: dict, options: dict):
    """One input or state as the renderer sends it, for a page with the default options."""
    if (component_id, prop) == (ids.FILTERS, "data"):
        value = selection
    elif (component_id, prop) == (ids.OPTIONS, "data"):
        value = options
    elif component_id.startswith("{"):
        wire = json.loads(component_id)
        if any(isinstance(v, list) for v in wire.values()):
            return []  # a wildcard (ALL) with no match: the renderer sends an empty list
        if wire.get("type") == ids.OPTION:
            return {"id": wire, "property": prop, "value": options.get(wire.get("name"))}
        return {"id": wire, "property": prop, "value": None}
    else:
        value = VIEW_INPUTS.get((component_id, prop))
    return {"id": component_id, "property": prop, "value": value}


def payload(target: Target, selection: dict, options: dict | None = None) -> dict:
    """The body the Dash renderer POSTs when the filter store changes."""
    options = {**default_options(), **EXERCISED_OPTIONS} if options is None else options
    return {
        "output": target.key,
        "outputs": target.outputs,
        "inputs": [_entry(i, p, selection, options) for i, p in target.inputs],
        "state": [_entry(i, p, selection, options) for i, p in target.state],
        "changedPropIds": [f"{ids.FILTERS}.data"],
    }
