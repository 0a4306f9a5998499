"""Time callbacks: every callback cold and warm through a real server, beside the floor
and the naive peer; a whole view's callbacks at once; a cProfile of the slowest.
"""

from __future__ import annotations

import cProfile
import gzip
import io
import pstats
import threading
import time
from dataclasses import dataclass, field

import requests

from bench.common import FLOOR, FLOOR_KEY, NAIVE, SELECTIONS, UPDATE, free_port, p50
from bench.naive import NAIVE_PAIRS, NaivePeer
from bench.payloads import Target, callback_targets, payload
from layouts import ids

# An answer this close to the do-nothing floor, or this small, did no real work.
NOT_EXERCISED_RATIO = 1.5
NOT_EXERCISED_BYTES = 1000


def clear_cache(app) -> None:
    """A cold start: the shared cache emptied, and the exact sums the process keeps."""
    for backend in app.server.extensions["cache"].values():
        backend.clear()
    app.server.extensions["ilm_data"].forget()


class ThreadedServer:
    """A real HTTP server (werkzeug) in a thread, so the harness can empty its cache."""

    def __init__(self, app) -> None:
        from werkzeug.serving import make_server

        self.port = free_port()
        import logging

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self.server = make_server("127.0.0.1", self.port, app.server, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


def _post(
    session: requests.Session, url: str, body: dict, check: bool = True
) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = session.post(url + UPDATE, json=body, timeout=120)
    elapsed = (time.perf_counter() - started) * 1000
    if check:
        response.raise_for_status()
    return elapsed, response


@dataclass
class CallbackStats:
    view: str
    name: str
    labels: list[str] = field(default_factory=list)  # the selection of each measurement
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    cold_over_floor: list[float] = field(default_factory=list)
    raw_bytes: list[int] = field(default_factory=list)
    gzip_bytes: list[int] = field(default_factory=list)
    naive: str | None = None
    naive_times: list[float] = field(default_factory=list)
    naive_over_cold: list[float] = field(default_factory=list)
    naive_over_warm: list[float] = field(default_factory=list)
    # Selections the callback did not answer with a body (204: no update, 5xx: an error).
    unanswered: dict[str, int] = field(default_factory=dict)


def measure_callbacks(
    app, base: str, repeat: int, naive: NaivePeer | None = None
) -> list[CallbackStats]:
    """Sections 1-3: ours cold and warm, the floor and the naive peer, pair by pair."""
    targets = callback_targets(app)
    stats = {t.key: CallbackStats(t.view, t.name) for t in targets}
    by_name = {t.name: t.key for t in targets}
    naive_keys = {}
    if naive is not None:
        for name, ours in NAIVE_PAIRS.items():
            if ours in by_name:
                naive_keys[name] = f"{NAIVE}{name}.children"
                stats[by_name[ours]].naive = name
    session = requests.Session()
    floor_target = Target(
        "",
        FLOOR,
        f"{FLOOR}.children",
        {"id": FLOOR, "property": "children"},
        [(FLOOR_KEY, "data")],
        [],
    )
    for _ in range(repeat):
        for label, selection in SELECTIONS.items():
            for target in targets:
                s = stats[target.key]
                body = payload(target, selection)
                clear_cache(app)
                cold, response = _post(session, base, body, check=False)
                if response.status_code != 200:
                    s.unanswered[label] = response.status_code
                    continue
                warm, _r = _post(session, base, body)
                values = list(response.json()["response"].values())
                key = f"{target.key}|{label}"
                app.bench_floor_values[key] = values
                floor_body = payload(floor_target, {})
                floor_body["inputs"][0]["value"] = key
                floor, _r = _post(session, base, floor_body)
                s.labels.append(label)
                s.cold.append(cold)
                s.warm.append(warm)
                s.floor.append(floor)
                s.cold_over_floor.append(cold / floor)
                s.raw_bytes.append(len(response.content))
                s.gzip_bytes.append(len(gzip.compress(response.content, 6)))
                if s.naive:
                    naive_target = Target(
                        "",
                        NAIVE + s.naive,
                        naive_keys[s.naive],
                        {"id": NAIVE + s.naive, "property": "children"},
                        [(ids.FILTERS, "data")],
                        [],
                    )
                    elapsed, _r = _post(session, base, payload(naive_target, selection))
                    s.naive_times.append(elapsed)
                    s.naive_over_cold.append(elapsed / cold)
                    s.naive_over_warm.append(elapsed / warm)
    return list(stats.values())


@dataclass
class ViewStats:
    """A filter change as a reader makes it: every callback of a view sent at once."""

    view: str
    callbacks: int
    cold: list[float] = field(default_factory=list)  # ms until the last answer
    unanswered: int = 0  # answers other than 200 (a 400 or 429 is fast, not an answer)


def measure_views(app, base: str, repeat: int) -> list[ViewStats]:
    """Section 1b: each view's callbacks fired together, as the browser fires them after
    a filter change (in parallel, one connection each), the app cache and the process's
    exact sums emptied first; the time until the last one answers."""
    by_view: dict[str, list[Target]] = {}
    for target in callback_targets(app):
        if target.view != "(shell)":
            by_view.setdefault(target.view, []).append(target)
    stats = [ViewStats(view, len(targets)) for view, targets in by_view.items()]
    sessions = [requests.Session() for _ in range(max(map(len, by_view.values()), default=0))]
    for _ in range(repeat):
        for selection in SELECTIONS.values():
            for s in stats:
                targets = by_view[s.view]
                clear_cache(app)
                codes: list[int] = []

                def post(session, target, selection=selection, codes=codes):
                    _ms, response = _post(session, base, payload(target, selection), False)
                    codes.append(response.status_code)

                started = time.perf_counter()
                threads = [
                    threading.Thread(target=post, args=(session, t))
                    for session, t in zip(sessions, targets)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                s.cold.append((time.perf_counter() - started) * 1000)
                s.unanswered += sum(1 for code in codes if code != 200)
    return stats


# -- what dominates: a time split and a profile of one cold callback ------------------------


def profile_callback(app, base: str, name: str, label: str, repeat: int = 5) -> dict:
    """Split a cold call into query, fetch + protection, build, JSON, dispatch and transfer.

    Each part is the median over `repeat` cold calls (one sample is too noisy on a shared
    machine); the cProfile listing is of one further cold call.
    """
    import dash._callback as dash_callback
    from sqlalchemy import event

    target = next(t for t in callback_targets(app) if t.name == name)
    body = payload(target, SELECTIONS[label])
    data = app.server.extensions["ilm_data"]
    engine = data._db
    spent: dict[str, float] = {}
    marks: list[float] = []
    inside = [0]  # > 0 while the query layer (DataAccess.aggregate and kin) runs

    def before(*_a, **_k):
        marks.append(time.perf_counter())

    def after(*_a, **_k):
        # SQL issued outside the query layer (a module that queries on its own) is kept apart,
        # so the parts still add up.
        spent["sql_in" if inside[0] else "sql_out"] += time.perf_counter() - marks.pop()

    def timed(slot, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            outer = slot != "aggregate" or not inside[0]
            if slot == "aggregate":
                inside[0] += 1
            try:
                return function(*args, **kwargs)
            finally:
                if slot == "aggregate":
                    inside[0] -= 1
                # An entry point called from another (aggregate -> aggregates) counts once.
                if outer:
                    spent[slot] += time.perf_counter() - started

        return wrapper

    client = app.server.test_client()
    session = requests.Session()
    original_json = dash_callback.to_json
    # Every public entry point of the query layer; each returns what aggregate returns.
    entry_points = ("aggregate", "aggregates", "measures", "each", "each_many")
    originals = {name: getattr(data, name) for name in entry_points}
    spec = app.callback_map[target.key]
    original_callback = spec["callback"]
    samples: list[dict[str, float]] = []
    profiler = cProfile.Profile()
    for run in range(repeat + 1):
        # Uninstrumented, over HTTP and in process, for the transfer share.
        clear_cache(app)
        http, _r = _post(session, base, body)
        clear_cache(app)
        plain = time.perf_counter()
        client.post(UPDATE, json=body)
        plain = (time.perf_counter() - plain) * 1000
        spent.update(sql_in=0.0, sql_out=0.0, aggregate=0.0, json=0.0, callback=0.0)
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        dash_callback.to_json = timed("json", original_json)
        for entry, function in originals.items():
            setattr(data, entry, timed("aggregate", function))
        spec["callback"] = timed("callback", original_callback)
        try:
            clear_cache(app)
            started = time.perf_counter()
            if run == repeat:
                profiler.enable()
            client.post(UPDATE, json=body)
            profiler.disable()
            in_process = (time.perf_counter() - started) * 1000
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
            dash_callback.to_json = original_json
            for entry in entry_points:
                delattr(data, entry)
            spec["callback"] = original_callback
        if run == repeat:
            break
        ms = {k: v * 1000 for k, v in spent.items()}
        samples.append(
            {
                "query (SQL execute)": ms["sql_in"] + ms["sql_out"],
                "fetch + protection (in the query layer)": ms["aggregate"] - ms["sql_in"],
                "figure + table build, and data work outside the query layer": (
                    ms["callback"] - ms["aggregate"] - ms["json"] - ms["sql_out"]
                ),
                "serialisation (JSON)": ms["json"],
                "Flask + Dash dispatch": in_process - ms["callback"],
                "HTTP + transfer": max(0.0, http - plain),
            }
        )
    text = io.StringIO()
    # Own time, not cumulative: the cumulative top is only Flask and Dash wrappers.
    pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("tottime").print_stats(15)
    return {
        "callback": name,
        "selection": label,
        "repeat": repeat,
        "split": {part: p50([s[part] for s in samples]) for part in samples[0]},
        "profile": "\n".join(line for line in text.getvalue().splitlines()[:40] if line.strip()),
    }


def exercised(s: CallbackStats) -> str:
    if not s.cold:
        return "–"
    small = p50(s.raw_bytes) < NOT_EXERCISED_BYTES
    idle = p50(s.cold_over_floor) < NOT_EXERCISED_RATIO
    return "**not exercised**" if small or idle else "yes"
