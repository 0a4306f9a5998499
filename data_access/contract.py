"""The data contract: what an ILM extract holds, and the rules every row must keep.

The importer (`data_access.load.import_extract`) and the demo generator
(`data_access.demo`) both check rows through `check_row` and
`check_case_against_worksite`, so a demo database can never hold what an import would
refuse. docs/data-contract.md is the prose form of this module; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from data_access import taxonomy

# ASCII digits only: `\d` also matches Arabic-Indic or full-width digits, which a database
# would take as text and the month arithmetic would not.
MONTH_RE = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])\Z")
INT_RE = re.compile(r"^-?[0-9]+\Z")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}\Z")
FIRST_MONTH = "2015-01"
MAX_WORKERS = 100_000


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "id", "code", "month", "int"
    doc: str
    codes: str | None = None  # a key of taxonomy.CODE_LISTS
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...]
    rules: tuple[Callable[[dict], Iterable[tuple[str, str]]], ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


def _case_rules(row: dict) -> Iterable[tuple[str, str]]:
    stage, status = row.get("stage"), row.get("status")
    if stage == "employment" and not row.get("worksite_id"):
        yield "worksite_id", "employment-stage cases need a worksite_id"
    if stage == "employment" and not row.get("industry"):
        yield "industry", "employment-stage cases need an industry"
    if stage == "recruitment" and row.get("worksite_id"):
        yield "worksite_id", "recruitment-stage cases have no worksite_id"
    resolved, received = row.get("month_resolved"), row.get("month_received")
    if status in taxonomy.CLOSED_STATUSES and not resolved:
        yield "month_resolved", f"a case with status {status!r} needs a month_resolved"
    if status not in taxonomy.CLOSED_STATUSES and resolved:
        yield "month_resolved", f"a case with status {status!r} has no month_resolved"
    if resolved and received and resolved < received:
        yield "month_resolved", "month_resolved is before month_received"
    affected, remediated = row.get("workers_affected"), row.get("workers_remediated")
    if isinstance(affected, int) and isinstance(remediated, int) and remediated > affected:
        yield "workers_remediated", "workers_remediated is more than workers_affected"
    if status == "remediated":
        if isinstance(remediated, int) and remediated < 1:
            yield "workers_remediated", "a remediated case has at least 1 worker remediated"
        if not row.get("route"):
            yield "route", "a remediated case needs a remediation route"
    else:
        if isinstance(remediated, int) and remediated != 0:
            yield "workers_remediated", "only remediated cases have workers remediated"
        if row.get("validated") not in (None, "unknown"):
            yield "validated", "only remediated cases can be validated by workers"
        if row.get("route"):
            yield "route", "only remediated cases have a remediation route"


CASES = Table(
    "cases",
    "One row per case: a worker or group of workers reporting one situation.",
    (
        Column("case_id", "id", "Opaque case id; stable across extracts."),
        Column("month_received", "month", "Month the case was opened (YYYY-MM)."),
        Column("channel", "code", "Channel the case came in by.", codes="channel"),
        Column("language", "code", "Language the workers used.", codes="language"),
        Column("stage", "code", "Recruitment or employment stage.", codes="stage"),
        Column("nationality", "code", "Workers' nationality.", codes="nationality"),
        Column("sex", "code", "Sex of the reporting worker, or unknown.", codes="sex"),
        Column("origin", "code", "Country the workers were recruited from.", codes="country"),
        Column("destination", "code", "Country of (intended) work.", codes="country"),
        Column(
            "worksite_id",
            "id",
            "Opaque worksite id; empty for recruitment-stage cases.",
            required=False,
        ),
        Column(
            "industry",
            "code",
            "Industry of the worksite (or of the job recruited for).",
            codes="industry",
            required=False,
        ),
        Column(
            "workers_affected",
            "int",
            "Workers the case concerns.",
            minimum=1,
            maximum=MAX_WORKERS,
        ),
        Column("status", "code", "Where the case stands.", codes="status"),
        Column(
            "month_resolved",
            "month",
            "Month the case was closed; empty while open or raised.",
            required=False,
        ),
        Column(
            "workers_remediated",
            "int",
            "Workers who received remediation (0 unless remediated).",
            minimum=0,
            maximum=MAX_WORKERS,
        ),
        Column(
            "validated",
            "code",
            "Did the affected workers confirm the remediation?",
            codes="validated",
        ),
        Column(
            "route",
            "code",
            "How remediation was obtained; only for remediated cases.",
            codes="route",
            required=False,
        ),
    ),
    unique=("case_id",),
    rules=(_case_rules,),
)

CASE_ISSUES = Table(
    "case_issues",
    "The issue categories of a case; a case has one or several.",
    (
        Column("case_id", "id", "A case_id of cases."),
        Column("issue", "code", "Issue category.", codes="issue"),
    ),
    unique=("case_id", "issue"),
)

WORKSITES = Table(
    "worksites",
    "Worksites (factories, farms, vessels, sites) as opaque ids.",
    (
        Column("worksite_id", "id", "Opaque worksite id."),
        Column("country", "code", "Country of the worksite.", codes="country"),
        Column("industry", "code", "Industry of the worksite.", codes="industry"),
        Column("tier", "code", "Supply-chain tier.", codes="tier"),
    ),
    unique=("worksite_id",),
)

AUDITS = Table(
    "audits",
    "Social audits of worksites.",
    (
        Column("audit_id", "id", "Opaque audit id."),
        Column("worksite_id", "id", "A worksite_id of worksites."),
        Column("month", "month", "Month of the audit."),
        Column("audit_type", "code", "Kind of audit.", codes="audit_type"),
    ),
    unique=("audit_id",),
)

AUDIT_FINDINGS = Table(
    "audit_findings",
    "Issue categories an audit found; an audit may find none.",
    (
        Column("audit_id", "id", "An audit_id of audits."),
        Column("issue", "code", "Issue category found.", codes="issue"),
    ),
    unique=("audit_id", "issue"),
)

CONTACTS = Table(
    "contacts",
    "Every worker contact with the channels, cases or not, counted per month.",
    (
        Column("month", "month", "Month of the contacts."),
        Column("channel", "code", "Channel.", codes="channel"),
        Column("language", "code", "Language.", codes="language"),
        Column("nationality", "code", "Nationality of the worker.", codes="nationality"),
        Column("count", "int", "Number of contacts.", minimum=0, maximum=10_000_000),
    ),
    unique=("month", "channel", "language", "nationality"),
)

# Load order: a table is loaded after the tables it refers to.
TABLES: dict[str, Table] = {
    t.name: t for t in (WORKSITES, AUDITS, AUDIT_FINDINGS, CASES, CASE_ISSUES, CONTACTS)
}


def current_month(today: dt.date | None = None) -> str:
    """The month no data may reach beyond: this month, in UTC."""
    today = today or dt.datetime.now(dt.UTC).date()
    return f"{today.year:04d}-{today.month:02d}"


def month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_from_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def shown(value: str, limit: int = 40) -> str:
    """A value quoted for a message, at most `limit` characters; non-ASCII text is shown
    escaped, so look-alike digits and letters and invisible characters can be seen."""
    text = repr(value) if value.isascii() else ascii(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _ascii_hint(text: str) -> str:
    return " in ASCII digits 0-9" if any(c.isdigit() and not c.isascii() for c in text) else ""


def parse_value(column: Column, text: str) -> tuple[Any, str | None]:
    """Turn one CSV field into its typed value, or name the broken rule."""
    text = text.strip()
    if text == "":
        if column.required:
            return None, "is required"
        return None, None
    if column.kind == "int":
        if not INT_RE.fullmatch(text):
            return None, f"must be a whole number{_ascii_hint(text)}, got {shown(text)}"
        return int(text), None
    return text, None


def check_value(
    column: Column, value: Any, as_of: str | None, latest: str | None = None
) -> str | None:
    """The single-field rules of the contract; None when the value keeps them.

    `latest` is the current month: no month may be after it, whatever the as-of.
    """
    if value is None:
        return "is required" if column.required else None
    if column.kind == "id":
        if not isinstance(value, str) or not ID_RE.match(value):
            return "must be an opaque id of letters, digits, '-' or '_' (at most 40)"
    elif column.kind == "code":
        allowed = taxonomy.CODE_LISTS[column.codes]
        if value not in allowed:
            listed = ", ".join(sorted(allowed))
            return f"{shown(value)} is not an allowed {column.codes} code (allowed: {listed})"
    elif column.kind == "month":
        if not isinstance(value, str) or not MONTH_RE.fullmatch(value):
            text = str(value)
            return f"must be a month as YYYY-MM{_ascii_hint(text)}, got {shown(text)}"
        if value < FIRST_MONTH:
            return f"is before {FIRST_MONTH}"
        if latest and value > latest:
            return f"{value} is in the future (it is {latest} now)"
        if as_of and value > as_of:
            return f"is after the extract's as-of month {as_of}"
    elif column.kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            return "must be a whole number"
        if column.minimum is not None and value < column.minimum:
            return f"must be at least {column.minimum}, got {value}"
        if column.maximum is not None and value > column.maximum:
            return f"must be at most {column.maximum:,}, got {value}"
    return None


def check_row(
    table: Table, row: dict, as_of: str | None = None, latest: str | None = None
) -> list[tuple[str, str]]:
    """All broken rules of one typed row, as (column, message) pairs."""
    errors = []
    for column in table.columns:
        message = check_value(column, row.get(column.name), as_of, latest)
        if message:
            errors.append((column.name, message))
    for rule in table.rules:
        errors.extend(rule(row))
    return errors


def check_case_against_worksite(case: dict, worksite: dict | None) -> list[tuple[str, str]]:
    """Rules that join a case to its worksite row."""
    if not case.get("worksite_id"):
        return []
    if worksite is None:
        return [("worksite_id", f"{case['worksite_id']!r} is not in worksites")]
    errors = []
    if case.get("industry") != worksite["industry"]:
        errors.append(("industry", "differs from the industry of the case's worksite"))
    if case.get("destination") != worksite["country"]:
        errors.append(("destination", "differs from the country of the case's worksite"))
    return errors
