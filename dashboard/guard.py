"""The guard in front of Dash's callback endpoint: a forged request is answered 400
before any callback runs.

The dashboard's page only ever asks for its own callbacks with the inputs their
declarations name, and only with values the server put on the page. Dash itself assumes
as much: a body that is not an object, an unknown or client-side callback, inputs that do
not match the declaration, or JSON nested too deeply each made a 500 and a traceback in
the log. The guard checks the request's shape against the app's callback map and every
input's value against the allow-list (callbacks.inputs), and refuses the rest with a 400
whose JSON says what was wrong. A client's mistake costs a line of JSON, never a
traceback. It runs inside the rate limit, so forged requests count against the client.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Flask, jsonify, request

from callbacks.inputs import MAX_ITEMS, refusal

# Dash's separator between a component id and its property in a prop id.
_PROP_SEP = "."
# A prop id: a component id (or a pattern-matching id as JSON) and a property.
MAX_PROP_ID = 512


class Forged(ValueError):
    """A callback request that the page could not have sent."""


def _wildcard(declared: str) -> dict | None:
    """A pattern-matching id declared as JSON ({"type": ..., "name": ["ALL"]}), or None."""
    if not declared.startswith("{"):
        return None
    return json.loads(declared)


def _matches(pattern: dict, concrete) -> bool:
    if not isinstance(concrete, dict) or set(concrete) != set(pattern):
        return False
    for key, wanted in pattern.items():
        value = concrete[key]
        if isinstance(wanted, list):  # ALL, MATCH or ALLSMALLER: any id value
            if not isinstance(value, str | int) or isinstance(value, bool):
                return False
        elif value != wanted:
            return False
    return True


def _check_dependency(declared: dict, sent, periods) -> None:
    """One input or state entry against its declaration, value included."""
    pattern = _wildcard(declared["id"])
    if pattern is not None and any(isinstance(v, list) for v in pattern.values()):
        if not isinstance(sent, list) or len(sent) > MAX_ITEMS:
            raise Forged(f"{declared['id']}.{declared['property']}: a list of entries")
        entries = sent
    else:
        entries = [sent]
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("property") != declared["property"]:
            raise Forged(f"{declared['id']}.{declared['property']}: an entry for it")
        sent_id = entry.get("id")
        if pattern is None:
            if sent_id != declared["id"]:
                raise Forged(f"{declared['id']}.{declared['property']}: its own id")
        elif not _matches(pattern, sent_id):
            raise Forged(f"{declared['id']}.{declared['property']}: an id of its pattern")
        why = refusal(sent_id, declared["property"], entry.get("value"), periods)
        if why is not None:
            raise Forged(f"{declared['id']}.{declared['property']}: {why}")


def _check_outputs(declared, sent) -> None:
    """The outputs the renderer names: those of the declaration, in its order."""
    declared = declared if isinstance(declared, list | tuple) else [declared]
    many = len(declared) > 1 or isinstance(sent, list)
    items = sent if many else [sent]
    if not isinstance(items, list) or len(items) != len(declared):
        raise Forged("outputs: the callback's outputs")
    for output, item in zip(declared, items):
        wanted_id, prop = output.component_id, output.component_property
        pattern = wanted_id if isinstance(wanted_id, dict) else None
        wildcard = pattern is not None and any(
            not isinstance(v, str | int) for v in pattern.values()
        )
        entries = item if wildcard else [item]
        if not isinstance(entries, list) or len(entries) > MAX_ITEMS:
            raise Forged("outputs: the callback's outputs")
        for entry in entries:
            # An output that allows duplicates is named "property@<hash of the callback>".
            sent_prop = entry.get("property") if isinstance(entry, dict) else None
            if not isinstance(sent_prop, str) or sent_prop.split("@")[0] != prop:
                raise Forged("outputs: the callback's outputs")
            if wildcard:
                loose = {k: v if isinstance(v, str | int) else [] for k, v in pattern.items()}
                ok = _matches(loose, entry.get("id"))
            else:
                ok = entry.get("id") == wanted_id
            if not ok:
                raise Forged("outputs: the callback's outputs")


def _prop_ids(entries: list) -> set[str]:
    """The prop ids ("id.property") the renderer may name as changed for these inputs."""
    names = set()
    for entry in entries:
        for item in entry if isinstance(entry, list) else [entry]:
            component = item["id"]
            if isinstance(component, dict):
                component = json.dumps(component, sort_keys=True, separators=(",", ":"))
            names.add(f"{component}{_PROP_SEP}{item['property']}")
    return names


def check(callback_map: dict, body, periods: Callable[[], tuple[str, ...]]) -> None:
    """Raise Forged unless `body` is a request the page could have sent."""
    if not isinstance(body, dict):
        raise Forged("the body: a JSON object")
    output = body.get("output")
    spec = callback_map.get(output) if isinstance(output, str) else None
    if spec is None or "callback" not in spec:
        raise Forged("output: a server callback of this app")
    inputs, state = body.get("inputs"), body.get("state", [])
    for name, sent, declared in (
        ("inputs", inputs, spec["inputs"]),
        ("state", state, spec["state"]),
    ):
        if not isinstance(sent, list) or len(sent) != len(declared):
            raise Forged(f"{name}: the callback's {name}")
    _check_outputs(spec["output"], body.get("outputs"))
    asked: list[tuple[str, ...]] = []

    def years() -> tuple[str, ...]:
        if not asked:
            asked.append(periods())
        return asked[0]

    for declared, sent in zip(spec["inputs"] + spec["state"], inputs + state):
        _check_dependency(declared, sent, years)
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or len(changed) > len(inputs) + MAX_ITEMS:
        raise Forged("changedPropIds: prop ids of the inputs")
    known = _prop_ids(inputs)
    for prop_id in changed:
        # Dash parses a prop id that opens with "{" as JSON (ctx.triggered_id); any
        # other text only fails to match the callback's own inputs, as the page's own
        # requests for other inputs do.
        if not isinstance(prop_id, str) or len(prop_id) > MAX_PROP_ID:
            raise Forged("changedPropIds: prop ids of the inputs")
        if prop_id.startswith("{") and prop_id not in known:
            raise Forged("changedPropIds: prop ids of the inputs")


def install(server: Flask, callback_map: dict, endpoint: str, periods) -> None:
    """Guard the view answering `endpoint`; call before the rate limit wraps it."""
    view = server.view_functions[endpoint]

    def guarded(*args, **kwargs):
        try:
            # Parsed here, not by Flask: a deeply nested body raises RecursionError,
            # which Flask's JSON error handling does not catch.
            body = json.loads(request.get_data(cache=True) or b"null")
        except (ValueError, RecursionError):
            return _refused("the body: JSON")
        try:
            check(callback_map, body, periods)
        except Forged as forged:
            return _refused(str(forged))
        return view(*args, **kwargs)

    server.view_functions[endpoint] = guarded


def _refused(what: str):
    response = jsonify(error=f"invalid callback request; expected {what}")
    response.status_code = 400
    response.headers["Cache-Control"] = "no-store"
    return response
