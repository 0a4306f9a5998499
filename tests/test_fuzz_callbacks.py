"""Fuzz suite: forged requests to every callback of the app never answer a server error.

Every entry of the app's callback map (server and client-side callbacks alike: a forger
can name either) gets forged payloads posted to Dash's endpoint through the Flask test
client: wrong types, huge strings, unknown codes, nested junk, missing and extra keys,
bodies that are not objects, and well-formed requests with junk values. Each payload is
drawn from a seeded generator (FUZZ_SEED), so a failure can be replayed.

The campaign is bounded by count and by time: FUZZ_PAYLOADS (default 10,000) or
FUZZ_SECONDS (default 150) of a busy two-core machine, whichever comes first; it prints
what it sent and how the server answered. Goal (issue 15): 0 answers of 500 or more, and
no traceback in the log for a client's mistake.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pytest

from callbacks import inputs
from callbacks.urlstate import OPTIONS, PARAMS
from dashboard.exports import view_slug
from dashboard.factory import create_app
from dashboard.views import all_views
from data_access import taxonomy
from layouts import ids

PAYLOADS = int(os.environ.get("FUZZ_PAYLOADS", "10000"))
SECONDS = float(os.environ.get("FUZZ_SECONDS", "150"))
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
ENDPOINT = "/_dash-update-component"
# Fewer payloads than this means the machine was too slow to say much: fail, not pass.
MIN_PAYLOADS = 1000

HUGE = "A" * 200_000
JUNK = [
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    1e308,
    "",
    "x",
    HUGE,
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "२०२३",  # Devanagari digits
    "2023\n",
    "ZZ",
    "NP-NP",
    "all",
    [],
    [None],
    ["ALL"],
    [[[[[[[]]]]]]],
    {},
    {"a": {"b": {"c": [1, 2, {"d": None}]}}},
    {"points": 5},
    {"points": [5]},
    {"points": [{"customdata": {"x": 1}}]},
    {"points": [{"customdata": "country=ZZ&issue=" + "x" * 10_000}]},
    {"points": [{"customdata": ["corridor=NP-KW"]}]},
    {"country": 5},
    {"country": "ZZ"},
    {"period": ["2023"]},
    {"period": "1999"},
    {"origin": "NP"},
    {"country": "TH", "nationality": "MM", "industry": "seafood"},
    {"measure": "bogus"},
    {"fp": "TH:seafood:1:" * 50},
    {"fp": ["x"]},
    {"weight": None},
    {"source": "upload", "rows": "x"},
    {"source": "upload", "rows": [["TH", "seafood", None, []]] * 30},
    {"source": "ui", "rows": [["TH", "seafood", -1, ["ZZ"]]]},
    {"source": "ui", "rows": [[1, 2, 3]]},
    "data:text/csv;base64,!!!notbase64",
    "data:text/csv;base64," + "QQ==" * 1000,
]


YEARS = ["2021", "2022", "2023", "2024", "2025", "2026", "1999"]
CODES = {
    "period": YEARS,
    "country": sorted(taxonomy.COUNTRIES),
    "nationality": sorted(taxonomy.NATIONALITIES),
    "industry": sorted(taxonomy.INDUSTRIES),
    "corridor": ["NP-KW", "NP-SA", "MM-TH", "KH-TH", "BD-MY"],
    "issue": sorted(taxonomy.issue_names()),
    "channel": sorted(taxonomy.CHANNELS),
}
OPTION_VALUES = {
    name: [*option.allowed]
    if option.allowed
    else [option.default, "NP-SA", "TH:seafood:12:KH,MM~MY:electronics:30:"]
    for name, option in OPTIONS.items()
}
PATHS = ["/", "/supply-chains", "/audits", "/recruitment", "/remediation", "/exposure", "/x"]


def _id_text(component) -> str:
    if isinstance(component, dict):
        return json.dumps(component, sort_keys=True, separators=(",", ":"))
    return component


@dataclass
class Campaign:
    statuses: Counter = field(default_factory=Counter)
    per_callback: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)
    tracebacks: list = field(default_factory=list)
    sent: int = 0
    seconds: float = 0.0


class Forger:
    """Seeded forged payloads for one app's callback map."""

    def __init__(self, callback_map: dict, rng: random.Random) -> None:
        self.map = callback_map
        self.keys = sorted(callback_map)
        self.rng = rng

    def junk(self):
        rng = self.rng
        pick = rng.random()
        if pick < 0.6:
            return rng.choice(JUNK)
        if pick < 0.8:  # a plausible code in the wrong place
            return rng.choice(
                [*taxonomy.COUNTRIES, *taxonomy.INDUSTRIES, "2023", "NP-KW", "cases", "sites"]
            )
        if pick < 0.9:
            return "".join(chr(rng.randrange(0, 0x2FFF)) for _ in range(rng.randrange(1, 40)))
        return {rng.choice(["country", "period", "fp", "rows", "points", "x"]): rng.choice(JUNK)}

    def plausible(self, declared: dict):
        """A value of the kind the page sends for this input: right type, any code."""
        rng = self.rng
        component, prop = declared["id"], declared["property"]
        if rng.random() < 0.15:
            return None
        if prop in ("n_clicks", "n_intervals"):
            return rng.randrange(0, 50)
        if prop == "clickData":
            name = rng.choice(PARAMS)
            return {"points": [{"customdata": f"{name}={rng.choice(CODES[name])}"}]}
        if component == ids.FILTERS or component == ids.FILTER_PATCH:
            names = rng.sample(PARAMS, rng.randrange(0, 4))
            return {n: rng.choice(CODES[n]) for n in names}
        if component == ids.OPTIONS:
            names = rng.sample(sorted(OPTIONS), rng.randrange(0, 4))
            return {n: rng.choice(OPTION_VALUES[n]) for n in names}
        if component in ids.FILTER_CONTROLS.values():
            name = next(n for n, c in ids.FILTER_CONTROLS.items() if c == component)
            return rng.choice(CODES[name])
        if prop == "pathname":
            return rng.choice(PATHS)
        if prop in ("search", "href"):
            name = rng.choice([*PARAMS, *OPTIONS])
            value = rng.choice(CODES.get(name) or OPTION_VALUES[name])
            return f"?{name}={value}"
        if component == ids.EX_FOOTPRINT:
            rows = rng.sample(sorted(taxonomy.COUNTRIES), rng.randrange(0, 4))
            return {"source": "ui", "rows": [[c, "seafood", None, []] for c in rows]}
        if component == ids.EX_UPLOAD and prop == "contents":
            text = rng.choice(["country,industry\nThailand,Seafood\n", "a,b\n1,2\n", ""])
            return "data:text/csv;base64," + base64.b64encode(text.encode()).decode()
        if component in (ids.EX_COUNTRY, ids.EX_INDUSTRY, ids.EX_NATIONALITIES):
            country = rng.choice(CODES["country"])
            return {ids.EX_COUNTRY: country, ids.EX_INDUSTRY: rng.choice(CODES["industry"])}.get(
                component, [rng.choice(CODES["nationality"])]
            )
        if component.startswith("{") and prop == "value":
            return rng.choice(OPTION_VALUES["fp"] + OPTION_VALUES["compare"])
        return self.junk()

    def _entry(self, declared: dict, value):
        component = declared["id"]
        if component.startswith("{"):
            pattern = json.loads(component)
            concrete = {
                k: (self.rng.choice(["fp", "country", 0, 1, "NP-KW", "x"]) if v == ["ALL"] else v)
                for k, v in pattern.items()
            }
            return [{"id": concrete, "property": declared["property"], "value": value}]
        return {"id": component, "property": declared["property"], "value": value}

    def _outputs(self, spec: dict):
        outputs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
        items = []
        for output in outputs:
            component = output.component_id
            if isinstance(component, dict):
                concrete = {k: (v if isinstance(v, str) else "fp") for k, v in component.items()}
                wildcard = any(not isinstance(v, str) for v in component.values())
                item = {"id": concrete, "property": output.component_property}
                items.append([item] if wildcard else item)
            else:
                items.append({"id": component, "property": output.component_property})
        return items if isinstance(spec["output"], list) else items[0]

    def valid_shape(self, key: str, value_of) -> dict:
        spec = self.map[key]
        body = {
            "output": key,
            "outputs": self._outputs(spec),
            "inputs": [self._entry(d, value_of(d)) for d in spec["inputs"]],
            "state": [self._entry(d, value_of(d)) for d in spec["state"]],
        }
        first = body["inputs"][0]
        first = first[0] if isinstance(first, list) else first
        body["changedPropIds"] = [f"{_id_text(first['id'])}.{first['property']}"]
        return body

    def payload(self, key: str):
        """A forged body for callback `key`: mostly well-formed with junk values."""
        rng = self.rng
        kind = rng.random()
        if kind < 0.3:  # well-formed, values of the right kind: reaches the callbacks
            return self.valid_shape(key, self.plausible)
        if kind < 0.55:  # well-formed, every value junk or None
            return self.valid_shape(key, lambda d: self.junk() if rng.random() < 0.7 else None)
        if kind < 0.7:  # well-formed, one value junk
            body = self.valid_shape(key, lambda d: None)
            slot = rng.choice(body["inputs"] + body["state"] or [{}])
            for entry in slot if isinstance(slot, list) else [slot]:
                entry["value"] = self.junk()
            return body
        body = self.valid_shape(key, lambda d: None)
        if kind < 0.8:  # a key missing
            body.pop(rng.choice(sorted(body)))
            return body
        if kind < 0.88:  # a key of the wrong type or shape
            body[rng.choice(sorted(body))] = self.junk()
            return body
        if kind < 0.93:  # another callback's output, or none of this app's
            body["output"] = rng.choice([rng.choice(self.keys), "x.y", HUGE, "..a...b.."])
            return body
        if kind < 0.97:  # entries of the wrong kind
            for name in ("inputs", "state", "outputs"):
                if isinstance(body.get(name), list) and body[name]:
                    body[name][rng.randrange(len(body[name]))] = self.junk()
            return body
        return self.junk()  # not an object at all


def run_campaign(client, callback_map: dict, payloads: int, seconds: float) -> Campaign:
    forger = Forger(callback_map, random.Random(SEED))
    campaign = Campaign()
    started = time.monotonic()
    keys = forger.keys
    while campaign.sent < payloads and time.monotonic() - started < seconds:
        key = keys[campaign.sent % len(keys)]
        body = forger.payload(key)
        response = client.post(ENDPOINT, json=body)
        campaign.sent += 1
        campaign.per_callback[key] += 1
        campaign.statuses[response.status_code] += 1
        if response.status_code >= 500 and len(campaign.server_errors) < 20:
            campaign.server_errors.append((key, json.dumps(body)[:400]))
    campaign.seconds = time.monotonic() - started
    return campaign


class _Tracebacks(logging.Handler):
    def __init__(self, campaign: Campaign) -> None:
        super().__init__(logging.DEBUG)
        self.campaign = campaign

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.campaign.tracebacks.append(record.getMessage()[:300])


@pytest.fixture(scope="module")
def app(small_url):
    return create_app({"DATABASE_URL": small_url})


@pytest.fixture(scope="module")
def campaign(app) -> Campaign:
    client = app.server.test_client()
    assert client.get("/").status_code == 200  # fills the callback map as a page load does
    result = Campaign()
    handler = _Tracebacks(result)
    logging.getLogger().addHandler(handler)
    try:
        ran = run_campaign(client, app.callback_map, PAYLOADS, SECONDS)
    finally:
        logging.getLogger().removeHandler(handler)
    ran.tracebacks = result.tracebacks
    print(
        f"\nfuzz: {ran.sent} payloads to {len(ran.per_callback)} callbacks in "
        f"{ran.seconds:.1f} s (seed {SEED}); statuses {dict(sorted(ran.statuses.items()))}; "
        f"server errors {sum(n for s, n in ran.statuses.items() if s >= 500)}; "
        f"tracebacks logged {len(ran.tracebacks)}"
    )
    return ran


def test_fz001_forged_payloads_to_every_callback_never_answer_a_server_error(campaign):
    assert campaign.sent >= MIN_PAYLOADS, f"only {campaign.sent} payloads in {SECONDS} s"
    assert not campaign.server_errors, campaign.server_errors


def test_fz002_every_callback_of_the_app_was_fuzzed(app, campaign):
    assert set(campaign.per_callback) == set(app.callback_map)
    assert min(campaign.per_callback.values()) >= campaign.sent // len(app.callback_map)


def test_fz003_a_clients_mistake_logs_no_traceback(campaign):
    assert campaign.tracebacks == []


def test_fz004_every_input_of_every_server_callback_has_an_allow_list_rule(app):
    app.server.test_client().get("/")
    missing = [
        f"{d['id']}.{d['property']}"
        for spec in app.callback_map.values()
        if "callback" in spec
        for d in spec["inputs"] + spec["state"]
        if not inputs.has_rule(
            json.loads(d["id"]) if d["id"].startswith("{") else d["id"], d["property"]
        )
    ]
    assert missing == []


def test_fz005_the_guard_lets_the_pages_own_requests_through(app):
    """The first request of each of the Overview's charts, as the page sends it."""
    client = app.server.test_client()
    client.get("/")
    forger = Forger(app.callback_map, random.Random(SEED))
    key = next(k for k in app.callback_map if ids.graph(ids.CASES_CHART) in k)
    body = forger.valid_shape(
        key, lambda d: {"country": "TH"} if d["id"] == ids.FILTERS else {"measure": "workers"}
    )
    response = client.post(ENDPOINT, json=body)
    assert response.status_code == 200, response.data[:300]


def test_fz006_a_forged_request_gets_a_400_naming_what_was_expected(app):
    client = app.server.test_client()
    client.get("/")
    forger = Forger(app.callback_map, random.Random(SEED))
    key = next(k for k in app.callback_map if ids.graph(ids.CASES_CHART) in k)
    body = forger.valid_shape(key, lambda d: {"country": "ZZ"} if d["id"] == ids.FILTERS else None)
    response = client.post(ENDPOINT, json=body)
    assert response.status_code == 400
    assert response.get_json()["error"] == (
        "invalid callback request; expected filters-store.data: "
        "the filters as the server wrote them"
    )


def test_fz007_json_nested_too_deeply_is_a_400(app):
    response = app.server.test_client().post(
        ENDPOINT, data=b"[" * 100_000 + b"]" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400


# -- the GET surfaces beside the callbacks: downloads, image exports, embeds -----------
URL_JUNK = [
    "",
    "x",
    "ZZ",
    "NP-NP",
    "१२३४",
    "2023\n",
    "all",
    "-1",
    "A" * 5000,
    "<script>",
    "%00",
    "../..",
    "TH:seafood:1:~" * 30,
]


def _forged_query(rng: random.Random) -> str:
    names = [*PARAMS, *OPTIONS, "from", "to", "x", "country[]"]
    pairs = []
    for _ in range(rng.randrange(0, 6)):
        name = rng.choice(names)
        pool = CODES.get(name) or OPTION_VALUES.get(name) or []
        value = rng.choice(pool) if pool and rng.random() < 0.6 else rng.choice(URL_JUNK)
        pairs.append((name, value))
    return urlencode(pairs)


def test_fz008_forged_downloads_exports_and_embeds_never_answer_a_server_error(app):
    client = app.server.test_client()
    rng = random.Random(SEED)
    charts = [
        (view_slug(view), chart.id)
        for view in all_views()
        for chart in (view.charts() if view.charts else [])
    ]
    statuses: Counter = Counter()
    failures = []
    started = time.monotonic()
    sent = 0
    while sent < PAYLOADS // 10 and time.monotonic() - started < SECONDS / 5:
        slug, chart = rng.choice(charts)
        if rng.random() < 0.15:
            slug, chart = rng.choice([(slug, rng.choice(URL_JUNK)), (rng.choice(URL_JUNK), chart)])
        route = rng.choice(["/download/{}/{}.csv", "/export/{}/{}.json", "/embed/{}/{}"])
        path = route.format(quote(slug, safe=""), quote(chart, safe=""))
        response = client.get(f"{path}?{_forged_query(rng)}")
        response.get_data()
        sent += 1
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append(response.request.url[:300])
    print(f"\nfuzz GET: {sent} requests; statuses {dict(sorted(statuses.items()))}")
    assert sent >= MIN_PAYLOADS // 10 and failures == []
