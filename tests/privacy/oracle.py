"""The exact truth behind the published numbers, from the raw rows: for tests only.

The attack suite measures how close an adversary gets to these numbers through the
public surfaces; the app never imports this module (import-linter keeps `tests` out of
the app's layers, and nothing in the app reads case rows to answer a reader).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import create_engine


@dataclass
class Truth:
    cases: pd.DataFrame  # one row per case, with derived columns
    issues: pd.DataFrame  # case_id, issue
    audits: pd.DataFrame  # audit_id, worksite_id, month, country, industry
    findings: pd.DataFrame  # audit_id, issue

    def count(self, **where) -> int:
        """Cases meeting every condition (`issue` means: reporting that issue)."""
        frame = self.cases
        issue = where.pop("issue", None)
        for column, value in where.items():
            frame = frame[frame[column] == value]
        if issue is not None:
            ids = set(self.issues.case_id[self.issues.issue == issue])
            frame = frame[frame.case_id.isin(ids)]
        return len(frame)

    def issues_of(self, case_id: str) -> frozenset[str]:
        return frozenset(self.issues.issue[self.issues.case_id == case_id])


def load(url: str) -> Truth:
    engine = create_engine(url)
    with engine.connect() as conn:
        cases = pd.read_sql("SELECT * FROM cases", conn)
        issues = pd.read_sql("SELECT case_id, issue FROM case_issues", conn)
        audits = pd.read_sql(
            "SELECT a.audit_id, a.worksite_id, a.month, w.country, w.industry "
            "FROM audits a JOIN worksites w ON w.worksite_id = a.worksite_id",
            conn,
        )
        findings = pd.read_sql("SELECT audit_id, issue FROM audit_findings", conn)
    engine.dispose()
    cases["country"] = cases["destination"]
    cases["corridor"] = cases["origin"] + "-" + cases["destination"]
    cases["year"] = cases["month_received"].str[:4]
    return Truth(cases, issues, audits, findings)


def audit_sites(truth: Truth, selection: dict, window: int) -> dict[str, int]:
    """worksite -> (audit, reported category) pairs of a selection, from the raw rows."""
    from data_access import contract

    audits = truth.audits
    if "period" in selection:
        audits = audits[audits.month.str[:4] == selection["period"]]
    for name in ("country", "industry"):
        if name in selection:
            audits = audits[audits[name] == selection[name]]
    reports = truth.cases.merge(truth.issues, on="case_id")
    for name in ("nationality", "channel", "origin", "destination", "stage"):
        if name in selection:
            reports = reports[reports[name] == selection[name]]
    if "issue" in selection:
        reports = reports[reports.issue == selection["issue"]]
    reports = reports.assign(m=reports.month_received.map(contract.month_index))
    by_site = {w: g for w, g in reports.groupby("worksite_id")}
    out: dict[str, int] = {}
    for audit in audits.itertuples():
        site = by_site.get(audit.worksite_id)
        if site is None:
            continue
        at = contract.month_index(audit.month)
        near = set(site[(site.m - at).abs() <= window].issue)
        if near:
            out[audit.worksite_id] = out.get(audit.worksite_id, 0) + len(near)
    return out
