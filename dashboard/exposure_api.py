"""POST /api/v1/exposure: a footprint's exposure profile, for a brand's own systems.

The same footprint as the exposure view takes (the same columns, code lists, spellings and
row limit: callbacks.footprint reads both) goes in as JSON or as the view's CSV template;
the same protected profile comes out (data_access.exposure.Exposure, every number through
the release's rules), with the explainable score per row and every table the view and
its report show. Nothing is stored: the footprint lives only in the request.
"""

from __future__ import annotations

from collections.abc import Mapping

from callbacks import exposure as view
from callbacks import footprint as fp
from callbacks.charts import Share
from data_access.disclosure import Published, Summed
from data_access.exposure import MAX_ROWS, Exposure, Profile
from data_access.filters import Filters
from data_access.query import DataAccess
from layouts import exposure as layout

WEIGHT_KINDS = fp.WEIGHT_KINDS
# A JSON footprint of MAX_ROWS rows with long nationality lists stays far below this.
MAX_BODY = 64 * 1024


class FootprintRequestError(ValueError):
    """A request whose footprint cannot be read: `messages` says why, one per problem."""

    def __init__(self, messages: list[str] | tuple[str, ...]) -> None:
        self.messages = tuple(messages)
        super().__init__("; ".join(self.messages))


def footprint_from_json(body: object) -> fp.Footprint:
    """The footprint of a JSON body {"rows": [{country, industry, weight?, nationalities?}]}."""
    if not isinstance(body, Mapping) or not isinstance(body.get("rows"), list):
        raise FootprintRequestError(['The body must be a JSON object with a list "rows".'])
    rows = body["rows"]
    if not rows:
        raise FootprintRequestError(['"rows" is empty: give at least one country and industry.'])
    if len(rows) > MAX_ROWS:
        raise FootprintRequestError([f'"rows" has {len(rows)} rows; the limit is {MAX_ROWS}.'])
    table: list[list[object]] = [list(fp.COLUMNS)]
    problems = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            problems.append(f"rows[{number - 1}] is not an object.")
            continue
        unknown = sorted(str(k) for k in row if k not in fp.COLUMNS)
        if unknown:
            problems.append(f"rows[{number - 1}] has unknown fields: {', '.join(unknown)}.")
        nationalities = row.get("nationalities")
        if isinstance(nationalities, list):
            if not all(isinstance(n, str) for n in nationalities):
                problems.append(f"rows[{number - 1}].nationalities must be strings.")
                continue
            nationalities = "; ".join(nationalities)
        cells = [row.get("country"), row.get("industry"), row.get("weight"), nationalities]
        if not all(cell is None or isinstance(cell, str | int | float) for cell in cells):
            problems.append(f"rows[{number - 1}]: values must be strings or numbers.")
            continue
        if isinstance(cells[2], bool):
            problems.append(f"rows[{number - 1}].weight must be a number.")
            continue
        table.append(cells)
    if problems:
        raise FootprintRequestError(problems[: fp.MAX_MESSAGES])
    try:
        return fp.rows_from_table(table)
    except fp.FootprintError as exc:
        raise FootprintRequestError(exc.messages) from None


def footprint_from_csv(content: bytes) -> fp.Footprint:
    """The footprint of a CSV body laid out as the view's template."""
    try:
        return fp.parse_file("footprint.csv", content)
    except fp.FootprintError as exc:
        raise FootprintRequestError(exc.messages) from None


def cell(value) -> object:
    """A table cell as JSON: published counts as in /api/v1/aggregates, shares as
    {share, bound, lower}, text and numbers as they are."""
    if isinstance(value, Published | Summed):
        return {"value": value.value, "suppressed": value.suppressed, "reason": value.reason}
    if isinstance(value, Share):
        return {"share": value.value, "bound": value.bound, "lower": value.lower}
    return value


def _rate(segment) -> dict:
    audit = segment.audit
    return {
        "rate": audit.rate,
        "below": audit.below,
        "reported": cell(audit.reported),
        "found": cell(audit.found),
        "worksites": cell(audit.worksites),
    }


def answer(
    data: DataAccess, footprint: fp.Footprint, period: Filters, kind: str
) -> tuple[Profile, dict]:
    """The protected profile of the footprint over the period, as the API answers it."""
    profile = Exposure(data).profile(footprint.rows, footprint.shares(), period)
    k = data.params.k
    segments = []
    for segment, score in zip(profile.segments, profile.scores):
        segments.append(
            {
                "country": segment.country,
                "industry": segment.industry,
                "nationalities": list(segment.nationalities),
                "share": segment.share,
                "cases": cell(segment.cases),
                "workers_affected": cell(segment.workers),
                "cases_remediated": cell(segment.remediated),
                "remediation_rate": segment.remediation_rate,
                "open_reports": segment.open_reports,
                "median_months_to_remediation": segment.median_months,
                "audit_detection": _rate(segment),
                "exposure_score": None if score is None else round(score, 1),
            }
        )
    tables = view.tables(profile, footprint, kind, k, data.version().as_of)
    return profile, {
        "period": period.period or "all",
        "weights": kind if footprint.weighted else "equal",
        "score": layout.score_formula(),
        "footprint": [
            {
                "country": row.country,
                "industry": row.industry,
                "weight": row.weight,
                "nationalities": list(row.nationalities),
            }
            for row in footprint.rows
        ],
        "segments": segments,
        "tables": {
            name: {
                "caption": table.caption,
                "header": list(table.header),
                "rows": [[cell(c) for c in row] for row in table.rows],
            }
            for name, table in tables.items()
            if table is not None
        },
    }
