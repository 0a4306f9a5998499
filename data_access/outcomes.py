"""Case outcomes: issue themes per case, months to remediation, and published medians.

The outcome cubes (schema._outcome_lattice) add three things the first lattice lacks:

- the case status, so a cohort of cases received can be followed through the
  remediation funnel (reported -> raised -> remediated -> validated);
- the remediation route and the months from receipt to remediation (`ttr`) of every
  remediated case, by the month it was resolved;
- the issue theme, counted once per case and theme: a case reporting two wage issues
  is one wage case, so a theme cell is never a sum of issue cells (the theme families
  are built from the `case_themes` table, data_access.load.build_case_themes).

A median time to remediation is computed from published (perturbed, thresholded)
counts per month bucket, never from the case rows: see `published_median`.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, case, cast, func

from data_access import schema
from data_access.disclosure import Published

TTR_CAP = schema.TTR_CAP
TTR_LAST = f"{TTR_CAP}+"
# Every ttr bucket, in order: "0" (resolved in the month received) .. "24+".
TTR_BUCKETS: tuple[str, ...] = (*(str(m) for m in range(TTR_CAP)), TTR_LAST)

# Statuses past intake: the case was taken up with the employer or recruiter (or, when
# they would not engage, referred on). The funnel's second stage.
RAISED_STATUSES: tuple[str, ...] = ("raised", "remediated", "not_remediated", "referred")


def _month_number(column):
    year = cast(func.substr(column, 1, 4), Integer)
    month = cast(func.substr(column, 6, 2), Integer)
    return year * 12 + month


def months_to_remediation(c):
    """Whole months from the month received to the month resolved, capped at TTR_CAP."""
    months = _month_number(c.month_resolved) - _month_number(c.month_received)
    return case((months >= TTR_CAP, TTR_LAST), else_=cast(months, String(40)))


def bucket_months(bucket: str) -> int:
    return TTR_CAP if bucket == TTR_LAST else int(bucket)


def exact_median(months: list[int]) -> float | None:
    """The median of exact month counts (capped as in the cubes); for tests and docs."""
    if not months:
        return None
    ordered = sorted(min(m, TTR_CAP) for m in months)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def published_median(buckets: dict[str, Published], total: Published) -> int | None:
    """The median month of a protected distribution, or None when it is withheld.

    `buckets` holds the published count of remediated cases per ttr bucket and `total`
    the published count of all of them (one protected cell, so at least K cases from at
    least C contributors stand behind any median shown). The median is the first
    bucket at which the running sum of published bucket counts reaches half the
    published total; a withheld bucket adds nothing. The answer is a whole month.
    """
    if total.suppressed or not total.value:
        return None
    half = total.value / 2
    running = 0
    for bucket in TTR_BUCKETS:
        cell = buckets.get(bucket)
        if cell is not None and not cell.suppressed:
            running += cell.value
        if running >= half:
            return bucket_months(bucket)
    return None


def medians(data, filters, by: str | None = None) -> dict:
    """Published medians (whole months) and their protected case counts, by `by`.

    `data` is a data_access.query.DataAccess. With `by` None the key is (). Each value
    is (count behind the median, median or None).
    """
    extra = (by,) if by else ()
    # One query: the totals are folded from the same exact cells as the buckets.
    totals, by_bucket = data.aggregates("cases_remediated", (extra, (*extra, "ttr")), filters)
    return median_of(totals, by_bucket)


def median_of(totals, by_bucket) -> dict:
    """`medians` from its two protected results: the totals, and the same by ttr bucket."""
    totals = totals.as_dict()
    buckets: dict[tuple, dict[str, Published]] = {}
    for key, p in by_bucket.rows:
        buckets.setdefault(key[:-1], {})[key[-1]] = p
    return {
        key: (total, published_median(buckets.get(key, {}), total)) for key, total in totals.items()
    }
