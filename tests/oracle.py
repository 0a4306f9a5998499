"""Exact answers for the tests: what the release protects, read without protection.

The app never imports this module (tests/test_architecture.py checks it): the only road
out of data_access for numbers is DataAccess's protected questions. Tests compare those
answers with these, or attack them knowing these.
"""

from __future__ import annotations

from typing import NamedTuple

from data_access import audit_arrays as aa
from data_access.audits import AuditGaps
from data_access.filters import Filters


class SiteIssue(NamedTuple):
    """One audited worksite's pairs of one reported category in a selection: exact."""

    worksite_id: str
    country: str
    industry: str
    key: int  # the worksite's record key
    issue: str
    reported: int  # (audit, category) pairs compared
    found: int  # of those, pairs the audit also found


def audit_rows(gaps: AuditGaps, filters: Filters, window: int) -> list[SiteIssue]:
    """A selection's audit pairs as rows per worksite and category, from the same slices
    the release reads (so a slice built wrong shows against the raw rows)."""
    sites = gaps._read(aa.read_sites, True)
    pairs = gaps._pairs(sites, filters, window)
    return [
        SiteIssue(
            sites.ids[w],
            sites.countries[sites.country[w]],
            sites.industries[sites.industry[w]],
            int(sites.keys[w]),
            sites.issues[i],
            int(r),
            int(f),
        )
        for w, i, r, f in zip(
            pairs.site.tolist(),
            pairs.issue.tolist(),
            pairs.reported.tolist(),
            pairs.found.tolist(),
        )
    ]
