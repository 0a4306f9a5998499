"""The floor and the naive peer: a callback that returns the same bytes doing nothing,
and the gallery pattern done well (pandas, categorical dtypes, prepared once), served by
the same app so that ratios are taken pair by pair.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from dash import Input, Output, dcc, html

from bench.common import FLOOR, FLOOR_KEY, NAIVE
from callbacks import inputs
from layouts import ids

# -- the bench app: ours, the floor and the naive peer on one server ----------------------


class NaivePeer:
    """The usual Dash pattern: every case in a DataFrame, filtered and grouped per callback."""

    def __init__(self, url: str) -> None:
        import pandas as pd
        import psutil
        from sqlalchemy import create_engine

        from data_access import schema

        process = psutil.Process()
        before = process.memory_info().rss
        engine = create_engine(url)
        started = time.perf_counter()
        with engine.connect() as conn:
            self.cases = pd.read_sql(schema.cases.select(), conn)
            self.issues = pd.read_sql(schema.case_issues.select(), conn)
            self.contacts = pd.read_sql(schema.contacts.select(), conn)
        engine.dispose()
        for frame in (self.cases, self.issues, self.contacts):
            for column in frame.columns:
                if frame[column].dtype == object:
                    frame[column] = frame[column].astype("category")
        self.load_seconds = time.perf_counter() - started
        self.frame_bytes = sum(
            int(f.memory_usage(deep=True).sum()) for f in (self.cases, self.issues, self.contacts)
        )
        self.rss_growth = process.memory_info().rss - before

    def _cases(self, s: dict):
        df = self.cases
        mask = None

        def both(m):
            return m if mask is None else mask & m

        for name, column in (
            ("country", "destination"),
            ("nationality", "nationality"),
            ("industry", "industry"),
            ("origin", "origin"),
            ("destination", "destination"),
            ("channel", "channel"),
        ):
            if s.get(name):
                mask = both(df[column] == s[name])
        if s.get("issue"):
            with_issue = self.issues.loc[self.issues["issue"] == s["issue"], "case_id"]
            mask = both(df["case_id"].isin(with_issue))
        return df if mask is None else df[mask]

    @staticmethod
    def _period(df, column: str, s: dict):
        if s.get("period"):
            df = df[df[column].astype(str).str[:4] == s["period"]]
        return df

    def _contacts(self, s: dict):
        df = self.contacts
        for name in ("nationality", "channel"):
            if s.get(name):
                df = df[df[name] == s[name]]
        return self._period(df, "month", s)

    def kpis(self, s: dict) -> list:
        cases = self._cases(s)
        received = self._period(cases, "month_received", s)
        resolved = self._period(cases[cases["month_resolved"].notna()], "month_resolved", s)
        validated = int((resolved["validated"] == "yes").sum())
        return [
            int(self._contacts(s)["count"].sum()),
            len(received),
            int(received["workers_affected"].sum()),
            int(resolved["workers_remediated"].sum()),
            validated / len(resolved) if len(resolved) else None,
        ]

    def contacts_chart(self, s: dict) -> dict:
        from callbacks import figures

        grouped = (
            self._contacts(s)
            .groupby(["month", "channel"], observed=True)["count"]
            .sum()
            .unstack(fill_value=0)
        )
        x = [str(m) for m in grouped.index]
        return figures.stacked_bars(
            x, [(str(c), grouped[c].tolist()) for c in grouped.columns], "Contacts", "Month"
        )

    def cases_chart(self, s: dict) -> dict:
        from callbacks import figures

        cases = self._cases(s)
        received = self._period(cases, "month_received", s).groupby("month_received", observed=True)
        resolved = self._period(cases[cases["month_resolved"].notna()], "month_resolved", s)
        remediated = resolved.groupby("month_resolved", observed=True)["workers_remediated"].sum()
        counts = received.size()
        months = sorted(set(map(str, counts.index)) | set(map(str, remediated.index)))
        c = {str(k): int(v) for k, v in counts.items()}
        r = {str(k): int(v) for k, v in remediated.items()}
        return figures.bars_and_line(
            months,
            ("Cases received", [c.get(m, 0) for m in months]),
            ("Workers remediated", [r.get(m, 0) for m in months]),
            "Month",
        )

    def issues_chart(self, s: dict) -> dict:
        from callbacks import figures

        cases = self._period(self._cases(s), "month_received", s)
        issues = self.issues[self.issues["case_id"].isin(cases["case_id"])]
        top = issues["issue"].value_counts().head(10)
        return figures.ranked_bars(
            [str(i) for i in top.index], top.tolist(), "Cases", "Issue category"
        )

    def builds(self) -> dict[str, Callable[[dict], object]]:
        return {
            "kpis": self.kpis,
            "contacts": self.contacts_chart,
            "cases": self.cases_chart,
            "issues": self.issues_chart,
        }


# Which of our callbacks each naive callback stands beside.
NAIVE_PAIRS = {
    "kpis": ids.KPI,
    "contacts": ids.graph(ids.CONTACTS_CHART),
    "cases": ids.graph(ids.CASES_CHART),
    "issues": ids.graph(ids.ISSUES_CHART),
}


def bench_app(url: str, naive: NaivePeer | None = None):
    """The production app plus, in this instance only, the floor and the naive callbacks."""
    from dashboard.factory import create_app

    # One client sends thousands of timed requests a minute: the per-client rate limits
    # (which a reader never reaches) would answer 429 instead of the callback.
    app = create_app({"DATABASE_URL": url, "CACHE_REDIS_URL": None, "RATELIMIT_ENABLED": False})
    floor_values: dict[str, list] = {}
    extra = [dcc.Store(id=FLOOR_KEY), html.Div(id=FLOOR)]

    @app.callback(Output(FLOOR, "children"), Input(FLOOR_KEY, "data"))
    def _floor(key):
        # Returns what one of our callbacks returned, so the bytes match; no work at all.
        return floor_values[key]

    if naive is not None:
        for name, build in naive.builds().items():
            extra.append(html.Div(id=NAIVE + name))
            app.callback(Output(NAIVE + name, "children"), Input(ids.FILTERS, "data"))(
                lambda stored, build=build: build(stored or {})
            )
    app.validation_layout.children.extend(extra)
    app.bench_floor_values = floor_values
    # The callback guard (dashboard/guard.py) checks every input against its allow-list:
    # the floor's key is the one input only this app has. Its check is the guard's own
    # for a short text, so the floor pays what our callbacks pay for being checked.
    inputs.RULES[(FLOOR_KEY, "data")] = inputs._text(4096)  # a callback key and a label
    return app
