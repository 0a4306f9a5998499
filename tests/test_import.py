"""Importing an extract: all-or-nothing, precise errors, idempotent, stable record keys.

The small demo is exported to contract CSV files once per module; each test copies that
directory, breaks one thing, and imports it into a fresh SQLite file. Every rule of
data_access/contract.py has a test that names the file, line, column and rule it expects.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from data_access import contract, schema, taxonomy
from data_access.extract import MAX_ERRORS, ExtractError, write_manifest
from data_access.keys import record_key
from data_access.load import export_extract, import_extract, table_counts
from tests.conftest import TEST_AS_OF, TEST_SECRET

# The small demo's as-of month (the latest month of its cases and contacts), and its
# neighbours.
AS_OF = TEST_AS_OF
BEFORE_AS_OF = contract.month_from_index(contract.month_index(AS_OF) - 1)
AFTER_AS_OF = contract.month_from_index(contract.month_index(AS_OF) + 1)

Match = Callable[[dict], bool]


# -- fixtures and helpers ---------------------------------------------------------------
@pytest.fixture(scope="module")
def exported(small_url, tmp_path_factory) -> Path:
    """The small demo as a valid extract directory; never changed by a test."""
    directory = tmp_path_factory.mktemp("exported")
    export_extract(small_url, directory)
    return directory


@pytest.fixture
def extract(exported, tmp_path) -> Path:
    """A private copy of the valid extract, for one test to alter."""
    return Path(shutil.copytree(exported, tmp_path / "extract"))


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/x.sqlite3"


@pytest.fixture
def loaded(exported, db_url) -> str:
    """A database that holds version 1: the valid extract, imported."""
    assert import_extract(db_url, exported) == (1, True)
    return db_url


def path_of(directory: Path, table: str) -> Path:
    return directory / contract.TABLES[table].filename


def read_rows(directory: Path, table: str) -> list[dict]:
    with path_of(directory, table).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_rows(directory: Path, table: str, rows: list[dict], columns=None) -> None:
    """Rewrite a file, and the manifest with it (as the exporting system would)."""
    columns = columns or contract.TABLES[table].column_names
    with path_of(directory, table).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    write_manifest(directory)


def line_of(index: int) -> int:
    """The file line of data row `index` (line 1 is the header; no field spans lines)."""
    return index + 2


def change_row(directory: Path, table: str, match: Match, **changes: str) -> int:
    """Change the first row that matches; returns its line number."""
    rows = read_rows(directory, table)
    index = next(i for i, row in enumerate(rows) if match(row))
    rows[index].update(changes)
    write_rows(directory, table, rows)
    return line_of(index)


def append_row(directory: Path, table: str, row: dict) -> int:
    rows = read_rows(directory, table)
    rows.append(row)
    write_rows(directory, table, rows)
    return line_of(len(rows) - 1)


def drop_rows(directory: Path, table: str, match: Match) -> None:
    rows = read_rows(directory, table)
    kept = [row for row in rows if not match(row)]
    assert len(kept) < len(rows)
    write_rows(directory, table, kept)


def error(table: str, line: int, column: str, message: str) -> str:
    return f"{table}.csv:{line}, column {column}: {message}"


def rejected(directory: Path, url: str, **kwargs) -> ExtractError:
    with pytest.raises(ExtractError) as info:
        import_extract(url, directory, **kwargs)
    return info.value


def allowed(code_list: str) -> str:
    return ", ".join(sorted(taxonomy.CODE_LISTS[code_list]))


def snapshot(url: str) -> dict:
    """Everything an import could change: versions, row counts and record-key sums."""
    engine = create_engine(url)
    with engine.connect() as conn:
        versions = [
            dict(row)
            for row in conn.execute(
                select(schema.data_versions).order_by(schema.data_versions.c.version)
            ).mappings()
        ]
        key_sums = {
            name: conn.execute(select(func.sum(table.c.record_key))).scalar_one()
            for name, table in (("cases", schema.cases), ("contacts", schema.contacts))
        }
        key_sums |= {
            name: conn.execute(select(func.sum(table.c.key_sum))).scalar_one()
            for name, table in schema.cube_tables.items()
        }
        counts = table_counts(conn)
    engine.dispose()
    return {"versions": versions, "counts": counts, "key_sums": key_sums}


def record_keys(url: str, table, natural: tuple[str, ...]) -> dict[tuple, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(*(table.c[c] for c in natural), table.c.record_key)).all()
    engine.dispose()
    return {tuple(row[:-1]): row[-1] for row in rows}


def case_keys(url: str) -> dict[tuple, int]:
    return record_keys(url, schema.cases, ("case_id",))


def contact_keys(url: str) -> dict[tuple, int]:
    return record_keys(url, schema.contacts, contract.CONTACTS.unique)


def seal_bytes(directory: Path) -> None:
    """Bring the manifest's checksums in line with files that cannot be read as CSV."""
    manifest = directory / "manifest.csv"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines[1:], start=1):
        name, rows, _sha = line.split(",")
        digest = hashlib.sha256((directory / name).read_bytes()).hexdigest()
        lines[i] = f"{name},{rows},{digest}"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")


def employment(row: dict) -> bool:
    return row["stage"] == "employment"


def status(*statuses: str) -> Match:
    return lambda row: row["status"] in statuses


# -- a valid extract --------------------------------------------------------------------
def test_im001_valid_extract_imports_as_version_1(exported, db_url):
    assert import_extract(db_url, exported) == (1, True)


def test_im002_row_counts_match_the_csv_files(exported, loaded):
    counts = snapshot(loaded)["counts"]
    for name in contract.TABLES:
        assert counts[name] == len(read_rows(exported, name)), name


def test_im003_as_of_is_the_latest_month_of_cases_and_contacts(loaded):
    (version,) = snapshot(loaded)["versions"]
    assert version["as_of"] == AS_OF


def test_im004_explicit_as_of_is_recorded(exported, db_url):
    import_extract(db_url, exported, as_of=AFTER_AS_OF)
    assert snapshot(db_url)["versions"][0]["as_of"] == AFTER_AS_OF


def test_im005_importing_the_same_extract_again_changes_nothing(exported, loaded):
    before = snapshot(loaded)
    assert import_extract(loaded, exported) == (1, False)
    assert snapshot(loaded) == before


def test_im006_changed_extract_becomes_version_2_with_stable_record_keys(extract, loaded):
    cases_before, contacts_before = case_keys(loaded), contact_keys(loaded)
    new_case = read_rows(extract, "cases")[0] | {"case_id": "C99999999"}
    append_row(extract, "cases", new_case)
    append_row(extract, "case_issues", {"case_id": "C99999999", "issue": "wages_unpaid"})

    assert import_extract(loaded, extract) == (2, True)

    after = snapshot(loaded)
    assert [v["version"] for v in after["versions"]] == [1, 2]
    assert after["counts"]["cases"] == len(cases_before) + 1
    cases_after = case_keys(loaded)
    assert {k: cases_after[k] for k in cases_before} == cases_before
    assert cases_after[("C99999999",)] == record_key(TEST_SECRET, "case", "C99999999")
    assert contact_keys(loaded) == contacts_before


# -- single-field rules -----------------------------------------------------------------
UNKNOWN_CODES = [
    pytest.param("cases", "channel", "telegram", id="cases-channel"),
    pytest.param("worksites", "tier", "4", id="worksites-tier"),
    pytest.param("audits", "audit_type", "surprise_visit", id="audits-audit_type"),
    pytest.param("audit_findings", "issue", "bribery", id="audit_findings-issue"),
    pytest.param("case_issues", "issue", "wage_theft", id="case_issues-issue"),
    pytest.param("contacts", "nationality", "XX", id="contacts-nationality"),
]


@pytest.mark.parametrize(("table", "column", "value"), UNKNOWN_CODES)
def test_im010_unknown_code_is_rejected(extract, db_url, table, column, value):
    codes = next(c.codes for c in contract.TABLES[table].columns if c.name == column)
    line = change_row(extract, table, lambda row: True, **{column: value})
    message = f"{value!r} is not an allowed {codes} code (allowed: {allowed(codes)})"
    assert rejected(extract, db_url).errors == [error(table, line, column, message)]


@pytest.mark.parametrize("value", ["2023-13", "2023-6", "06/2023", "2023-06-01"])
def test_im011_bad_month_format_is_rejected(extract, db_url, value):
    line = change_row(extract, "audits", lambda row: True, month=value)
    message = f"must be a month as YYYY-MM, got {value!r}"
    assert rejected(extract, db_url).errors == [error("audits", line, "month", message)]


def test_im012_month_after_as_of_is_rejected(extract, db_url):
    line = change_row(extract, "audits", lambda row: True, month=AFTER_AS_OF)
    message = f"is after the extract's as-of month {AS_OF}"
    assert rejected(extract, db_url).errors == [error("audits", line, "month", message)]


def test_im013_data_after_an_explicit_as_of_is_rejected(extract, db_url):
    rows = read_rows(extract, "audits")
    first = next(i for i, row in enumerate(rows) if row["month"] > BEFORE_AS_OF)
    errors = rejected(extract, db_url, as_of=BEFORE_AS_OF).errors
    message = f"is after the extract's as-of month {BEFORE_AS_OF}"
    assert errors[0] == error("audits", line_of(first), "month", message)


def test_im014_as_of_that_is_not_a_month_is_rejected(extract, db_url):
    errors = rejected(extract, db_url, as_of="June 2026").errors
    assert errors == ["--as-of: must be a month as YYYY-MM, got 'June 2026'"]


def test_im015_month_before_2015_is_rejected(extract, db_url):
    line = change_row(extract, "audits", lambda row: True, month="2014-12")
    message = "is before 2015-01"
    assert rejected(extract, db_url).errors == [error("audits", line, "month", message)]


@pytest.mark.parametrize("value", ["12.5", "twelve", "1,200", "1e3"])
def test_im016_non_integer_is_rejected(extract, db_url, value):
    line = change_row(extract, "contacts", lambda row: True, count=value)
    message = f"must be a whole number, got {value!r}"
    assert rejected(extract, db_url).errors == [error("contacts", line, "count", message)]


@pytest.mark.parametrize(
    ("table", "match", "column", "value", "message"),
    [
        pytest.param(
            "contacts", lambda row: True, "count", "-1", "must be at least 0, got -1", id="count"
        ),
        pytest.param(
            "cases",
            status("open"),
            "workers_affected",
            "0",
            "must be at least 1, got 0",
            id="workers_affected",
        ),
    ],
)
def test_im017_value_below_minimum_is_rejected(
    extract, db_url, table, match, column, value, message
):
    line = change_row(extract, table, match, **{column: value})
    assert rejected(extract, db_url).errors == [error(table, line, column, message)]


def test_im018_value_above_maximum_is_rejected(extract, db_url):
    line = change_row(extract, "cases", status("open"), workers_affected="100001")
    message = "must be at most 100,000, got 100001"
    assert rejected(extract, db_url).errors == [error("cases", line, "workers_affected", message)]


@pytest.mark.parametrize(
    ("table", "column"),
    [
        pytest.param("contacts", "channel", id="contacts-channel"),
        pytest.param("contacts", "count", id="contacts-count"),
        pytest.param("audit_findings", "issue", id="audit_findings-issue"),
        pytest.param("cases", "validated", id="cases-validated"),
    ],
)
def test_im019_required_value_left_empty_is_rejected(extract, db_url, table, column):
    line = change_row(extract, table, lambda row: True, **{column: ""})
    errors = rejected(extract, db_url).errors
    assert errors[0] == error(table, line, column, "is required")


@pytest.mark.parametrize(
    "value",
    ["A 16", "A/16", "-A16", pytest.param("A" + "0" * 40, id="41-characters")],
)
def test_im020_id_that_is_not_opaque_is_rejected(extract, db_url, value):
    line = change_row(extract, "audits", lambda row: row["audit_id"] == "A000016", audit_id=value)
    message = "must be an opaque id of letters, digits, '-' or '_' (at most 40)"
    assert rejected(extract, db_url).errors == [error("audits", line, "audit_id", message)]


# -- case rules (contract._case_rules) --------------------------------------------------
CASE_RULES = [
    pytest.param(
        employment,
        {"worksite_id": ""},
        [("worksite_id", "employment-stage cases need a worksite_id")],
        id="employment-without-worksite",
    ),
    pytest.param(
        employment,
        {"industry": ""},
        [
            ("industry", "employment-stage cases need an industry"),
            ("industry", "differs from the industry of the case's worksite"),
        ],
        id="employment-without-industry",
    ),
    pytest.param(
        lambda row: row["stage"] == "recruitment",
        {"worksite_id": "W000016", "destination": "TH", "industry": "apparel_footwear"},
        [("worksite_id", "recruitment-stage cases have no worksite_id")],
        id="recruitment-with-worksite",
    ),
    *(
        pytest.param(
            status(closed),
            {"month_resolved": ""},
            [("month_resolved", f"a case with status {closed!r} needs a month_resolved")],
            id=f"{closed}-without-month_resolved",
        )
        for closed in sorted(taxonomy.CLOSED_STATUSES)
    ),
    *(
        pytest.param(
            status(still_open),
            {"month_resolved": AS_OF},
            [("month_resolved", f"a case with status {still_open!r} has no month_resolved")],
            id=f"{still_open}-with-month_resolved",
        )
        for still_open in ("open", "raised")
    ),
    pytest.param(
        lambda row: row["status"] == "remediated" and row["month_resolved"] < BEFORE_AS_OF,
        {"month_received": AS_OF},
        [("month_resolved", "month_resolved is before month_received")],
        id="resolved-before-received",
    ),
    pytest.param(
        lambda row: row["status"] == "remediated" and row["workers_affected"] == "1",
        {"workers_remediated": "2"},
        [("workers_remediated", "workers_remediated is more than workers_affected")],
        id="remediated-more-than-affected",
    ),
    pytest.param(
        status("remediated"),
        {"workers_remediated": "0"},
        [("workers_remediated", "a remediated case has at least 1 worker remediated")],
        id="remediated-with-0-workers",
    ),
    pytest.param(
        status("remediated"),
        {"route": ""},
        [("route", "a remediated case needs a remediation route")],
        id="remediated-without-route",
    ),
    pytest.param(
        status("not_remediated"),
        {"workers_remediated": "1"},
        [("workers_remediated", "only remediated cases have workers remediated")],
        id="not_remediated-with-workers-remediated",
    ),
    pytest.param(
        status("open"),
        {"workers_remediated": "1"},
        [("workers_remediated", "only remediated cases have workers remediated")],
        id="open-with-workers-remediated",
    ),
    pytest.param(
        status("not_remediated"),
        {"validated": "yes"},
        [("validated", "only remediated cases can be validated by workers")],
        id="not_remediated-validated-yes",
    ),
    pytest.param(
        status("referred"),
        {"validated": "no"},
        [("validated", "only remediated cases can be validated by workers")],
        id="referred-validated-no",
    ),
    pytest.param(
        status("referred"),
        {"route": "employer"},
        [("route", "only remediated cases have a remediation route")],
        id="referred-with-route",
    ),
]


@pytest.mark.parametrize(("match", "changes", "expected"), CASE_RULES)
def test_im030_case_rule_is_enforced(extract, db_url, match, changes, expected):
    line = change_row(extract, "cases", match, **changes)
    errors = rejected(extract, db_url).errors
    assert errors == [error("cases", line, column, message) for column, message in expected]


# -- cross-table rules ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        pytest.param(
            "industry",
            "domestic_work",
            "differs from the industry of the case's worksite",
            id="industry",
        ),
        pytest.param(
            "destination", "GB", "differs from the country of the case's worksite", id="country"
        ),
    ],
)
def test_im040_case_that_differs_from_its_worksite_is_rejected(
    extract, db_url, column, value, message
):
    line = change_row(extract, "cases", employment, **{column: value})
    assert rejected(extract, db_url).errors == [error("cases", line, column, message)]


def test_im041_case_with_unknown_worksite_is_rejected(extract, db_url):
    line = change_row(extract, "cases", employment, worksite_id="W999999")
    message = "'W999999' is not in worksites"
    assert rejected(extract, db_url).errors == [error("cases", line, "worksite_id", message)]


def test_im042_audit_of_unknown_worksite_is_rejected(extract, db_url):
    line = change_row(extract, "audits", lambda row: True, worksite_id="W999999")
    message = "is not in worksites"
    assert rejected(extract, db_url).errors == [error("audits", line, "worksite_id", message)]


def test_im043_finding_of_unknown_audit_is_rejected(extract, db_url):
    line = append_row(extract, "audit_findings", {"audit_id": "A999999", "issue": "unsafe_work"})
    message = "is not in audits"
    assert rejected(extract, db_url).errors == [error("audit_findings", line, "audit_id", message)]


def test_im044_issue_of_unknown_case_is_rejected(extract, db_url):
    line = append_row(extract, "case_issues", {"case_id": "C99999999", "issue": "wages_unpaid"})
    message = "is not in cases"
    assert rejected(extract, db_url).errors == [error("case_issues", line, "case_id", message)]


def test_im045_case_without_any_issue_is_rejected(extract, db_url):
    case_id = read_rows(extract, "cases")[0]["case_id"]
    drop_rows(extract, "case_issues", lambda row: row["case_id"] == case_id)
    message = "has no row in case_issues"
    assert rejected(extract, db_url).errors == [error("cases", 2, "case_id", message)]


@pytest.mark.parametrize(
    ("table", "key"),
    [
        pytest.param("cases", "case_id", id="cases"),
        pytest.param("case_issues", "case_id,issue", id="case_issues"),
        pytest.param("contacts", "month,channel,language,nationality", id="contacts"),
        pytest.param("worksites", "worksite_id", id="worksites"),
    ],
)
def test_im046_duplicate_key_is_rejected(extract, db_url, table, key):
    first = read_rows(extract, table)[0]
    line = append_row(extract, table, first)
    assert rejected(extract, db_url).errors == [error(table, line, key, "duplicates line 2")]


# -- the files themselves ---------------------------------------------------------------
@pytest.mark.parametrize("table", list(contract.TABLES))
def test_im050_missing_file_is_rejected(extract, db_url, table):
    path_of(extract, table).unlink()
    errors = rejected(extract, db_url).errors
    assert errors[0] == f"{table}.csv: file is missing"


def test_im051_missing_column_is_rejected(extract, db_url):
    rows = read_rows(extract, "cases")
    columns = [c for c in contract.CASES.column_names if c != "route"]
    write_rows(extract, "cases", [{c: row[c] for c in columns} for row in rows], columns)
    errors = rejected(extract, db_url).errors
    assert errors[0] == "cases.csv:1: missing columns: route"


@pytest.mark.parametrize("extra", ["worker_name", "record_key"])
def test_im052_column_not_in_the_contract_is_rejected(extract, db_url, extra):
    rows = [row | {extra: "x"} for row in read_rows(extract, "worksites")]
    write_rows(extract, "worksites", rows, [*contract.WORKSITES.column_names, extra])
    errors = rejected(extract, db_url).errors
    assert errors[0] == f"worksites.csv:1: columns not in the contract: {extra}"


def test_im053_row_with_more_fields_than_columns_is_rejected(extract, db_url):
    path = path_of(extract, "contacts")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].rstrip("\r\n") + ",extra\r\n"
    path.write_text("".join(lines), encoding="utf-8", newline="")
    write_manifest(extract)
    assert rejected(extract, db_url).errors == ["contacts.csv:5: more fields than columns"]


def test_im054_file_that_is_not_utf8_is_rejected(extract, db_url):
    path = path_of(extract, "contacts")
    raw = path.read_bytes()
    offset = raw.rindex(b"\n", 0, len(raw) - 1) + 1  # start of the last line
    line = raw.count(b"\n", 0, offset) + 1
    path.write_bytes(raw[:offset] + b"\xff" + raw[offset + 1 :])
    seal_bytes(extract)
    errors = rejected(extract, db_url).errors
    assert errors == [
        f"contacts.csv:{line}: is not UTF-8 text (invalid start byte at byte {offset})"
    ]


def test_im055_utf8_with_byte_order_mark_is_accepted(extract, db_url):
    path = path_of(extract, "worksites")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    write_manifest(extract)
    assert import_extract(db_url, extract) == (1, True)


def test_im056_directory_that_does_not_exist_is_rejected(tmp_path, db_url):
    errors = rejected(tmp_path / "nowhere", db_url).errors
    assert errors == [f"{tmp_path / 'nowhere'}: is not a directory"]


# -- many errors ------------------------------------------------------------------------
def test_im060_several_errors_are_listed_at_once(extract, db_url):
    ws = change_row(extract, "worksites", lambda row: True, tier="9")
    case = change_row(extract, "cases", status("remediated"), route="")
    contact = change_row(extract, "contacts", lambda row: True, count="-5")
    problem = rejected(extract, db_url)
    tier_message = f"'9' is not an allowed tier code (allowed: {allowed('tier')})"
    assert problem.errors == [
        error("worksites", ws, "tier", tier_message),
        error("cases", case, "route", "a remediated case needs a remediation route"),
        error("contacts", contact, "count", "must be at least 0, got -5"),
    ]
    assert problem.total == 3
    assert str(problem).startswith("the extract was not imported (3 problems):\n")


def test_im061_error_list_is_capped_with_a_count_of_the_rest(extract, db_url):
    rows = read_rows(extract, "contacts")
    broken = MAX_ERRORS + 10
    for row in rows[:broken]:
        row["count"] = "-1"
    write_rows(extract, "contacts", rows)
    problem = rejected(extract, db_url)
    assert problem.total == broken
    assert len(problem.errors) == MAX_ERRORS
    assert problem.errors[0] == error("contacts", 2, "count", "must be at least 0, got -1")
    assert str(problem).endswith("\n... and 10 more")


# -- all or nothing ---------------------------------------------------------------------
def test_im070_failed_import_leaves_the_database_unchanged(extract, loaded):
    before = snapshot(loaded)
    append_row(extract, "case_issues", {"case_id": "C99999999", "issue": "wages_unpaid"})
    change_row(extract, "cases", status("remediated"), workers_remediated="0")
    rejected(extract, loaded)
    assert snapshot(loaded) == before


def test_im071_import_that_fails_while_writing_is_rolled_back(extract, loaded, monkeypatch):
    from data_access import load

    def broken_build_cubes(conn, progress=None):
        raise RuntimeError("disk full")

    before = snapshot(loaded)
    append_row(extract, "cases", read_rows(extract, "cases")[0] | {"case_id": "C99999999"})
    append_row(extract, "case_issues", {"case_id": "C99999999", "issue": "wages_unpaid"})
    monkeypatch.setattr(load, "build_cubes", broken_build_cubes)
    with pytest.raises(RuntimeError, match="disk full"):
        import_extract(loaded, extract)
    assert snapshot(loaded) == before


# -- manifest, export round trip, shrinking, older databases ----------------------------
def test_im080_export_writes_a_manifest_of_every_file(exported):
    lines = (exported / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "file,rows,sha256"
    listed = {line.split(",")[0]: line.split(",")[1:] for line in lines[1:]}
    assert list(listed) == [spec.filename for spec in contract.TABLES.values()]
    for name, (rows, sha) in listed.items():
        data = (exported / name).read_bytes()
        assert sha == hashlib.sha256(data).hexdigest()
        assert int(rows) == len(read_rows(exported, name.removesuffix(".csv")))


def test_im081_export_import_export_is_byte_identical(exported, loaded, tmp_path):
    again = tmp_path / "again"
    export_extract(loaded, again)
    for name in [*(spec.filename for spec in contract.TABLES.values()), "manifest.csv"]:
        assert (again / name).read_bytes() == (exported / name).read_bytes(), name


def test_im082_a_file_cut_short_after_the_manifest_is_refused(extract, loaded):
    before = snapshot(loaded)
    path = path_of(extract, "contacts")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = 1 + (len(lines) - 1) * 6 // 10
    path.write_text("".join(lines[:kept]), encoding="utf-8", newline="")
    errors = rejected(extract, loaded).errors
    assert errors == [
        "manifest.csv:7, column sha256: does not match contacts.csv: "
        "the file changed after the manifest was written",
        f"manifest.csv:7, column rows: says {len(lines) - 1:,} rows, contacts.csv has "
        f"{kept - 1:,} (is the file cut short?)",
    ]
    assert snapshot(loaded) == before


def test_im083_fewer_rows_need_accept_shrink_and_are_noted(extract, loaded):
    rows = read_rows(extract, "contacts")
    write_rows(extract, "contacts", rows[: len(rows) // 2])
    errors = rejected(extract, loaded).errors
    assert errors == [
        f"contacts.csv: {len(rows) // 2:,} rows, 50% fewer than the {len(rows):,} of data "
        "version 1 (more than 10% fewer looks like a file cut short); if the drop is "
        "expected, import again with --accept-shrink"
    ]
    assert import_extract(loaded, extract, accept_shrink=True) == (2, True)
    latest = snapshot(loaded)["versions"][-1]
    assert latest["source"] == "import extract (fewer rows accepted)"


def test_im084_a_few_rows_fewer_need_nothing(extract, loaded):
    rows = read_rows(extract, "contacts")
    write_rows(extract, "contacts", rows[: len(rows) - len(rows) // 20])
    assert import_extract(loaded, extract) == (2, True)


def test_im085_a_database_of_an_older_dashboard_is_rebuilt_keeping_its_history(extract, loaded):
    engine = create_engine(loaded)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE worksites DROP COLUMN record_key")
    engine.dispose()
    # The same extract: its checksum matches version 1, but the tables are not current.
    assert import_extract(loaded, extract) == (2, True)
    keys = record_keys(loaded, schema.worksites, ("worksite_id",))
    assert keys and all(k == record_key(TEST_SECRET, "worksite", w) for (w,), k in keys.items())
    assert [v["version"] for v in snapshot(loaded)["versions"]] == [1, 2]


def test_im086_months_in_the_future_never_set_the_as_of(extract, db_url):
    line = change_row(extract, "contacts", lambda row: True, month="2204-06")
    errors = rejected(extract, db_url).errors
    assert errors[0].startswith(f"contacts.csv:{line}, column month: 2204-06 is in the future")


def test_im087_the_as_of_follows_today(extract, db_url):
    """An extract whose data reach this month is not 'in the future' the month after."""
    with pytest.raises(ExtractError, match="is in the future"):
        import_extract(db_url, extract, today=dt.date(2026, 5, 31))
    assert import_extract(db_url, extract, today=dt.date(2026, 6, 1)) == (1, True)


def test_im089_valid_variants_load_the_same_rows_and_keys(exported, extract, tmp_path):
    """Quoting every field, LF line endings, reordered columns and a BOM change nothing."""
    for table in contract.TABLES:
        rows = read_rows(extract, table)
        columns = list(reversed(contract.TABLES[table].column_names))
        path = path_of(extract, table)
        with path.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.DictWriter(
                handle, fieldnames=columns, quoting=csv.QUOTE_ALL, lineterminator="\n"
            )
            writer.writeheader()
            writer.writerows(rows)
    write_manifest(extract)
    urls = [f"sqlite:///{tmp_path}/{name}.sqlite3" for name in ("plain", "variant")]
    import_extract(urls[0], exported)
    import_extract(urls[1], extract)
    plain, variant = snapshot(urls[0]), snapshot(urls[1])
    assert variant["counts"] == plain["counts"] and variant["key_sums"] == plain["key_sums"]
    assert case_keys(urls[1]) == case_keys(urls[0])


def test_im090_a_database_lacking_an_index_is_rebuilt_and_its_cubes_keep_their_order(
    extract, loaded
):
    """The twins' narrowing indexes are written by every load, and a database made before
    them is rebuilt by the next import (even of the same extract), keeping its history.
    Rows are still written in the order of the (item, period) index alone."""
    twin = schema.cube_tables["cube_received_issue_3_yearly"]
    names = {index.name for index in twin.indexes}
    assert {f"ix_{twin.name}_{d}" for d in ("destination", "nationality", "channel")} <= names
    engine = create_engine(loaded)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP INDEX ix_{twin.name}_channel")
    engine.dispose()
    assert import_extract(loaded, extract) == (2, True)
    engine = create_engine(loaded)
    with engine.connect() as conn:
        found = {i["name"] for i in inspect(conn).get_indexes(twin.name)}
        rows = conn.execute(select(twin.c.issue, twin.c.year).order_by(text("rowid"))).all()
        plan = conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN SELECT sum(n_cases) FROM {twin.name} "
            "WHERE year IN ('2024') AND channel IN ('line') AND issue IN ('deception')"
        ).all()
    engine.dispose()
    assert names <= found
    assert rows == sorted(rows)
    assert f"ix_{twin.name}_channel" in plan[-1][-1]
    assert [v["version"] for v in snapshot(loaded)["versions"]] == [1, 2]
