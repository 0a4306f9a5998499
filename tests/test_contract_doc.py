"""docs/data-contract.md stays true to data_access/contract.py and taxonomy.py.

The prose contract is what data stewards read when they prepare an extract; these tests
fail when a code, a column or a key number changes in code and not in the doc.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from data_access import contract, demo, extract, taxonomy

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-contract.md"
KINDS = {"id": "id", "code": "code", "month": "month", "int": "whole number"}


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def section(doc: str, heading: str) -> str:
    """The text under `### heading`, up to the next heading of level 2 or 3."""
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^##+ |\Z)", doc, re.M | re.S)
    assert match, f"docs/data-contract.md has no section '### {heading}'"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """The cells of the rows of the first Markdown table in text, without its header."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("|"):
            if not line.startswith("|---"):
                rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[1:]


@pytest.mark.parametrize("code_list", list(taxonomy.CODE_LISTS))
def test_cd001_every_code_is_listed_with_its_name(doc, code_list):
    rows = {row[0]: row[1] for row in table_rows(section(doc, f"`{code_list}`"))}
    expected = {f"`{code}`": name for code, name in taxonomy.CODE_LISTS[code_list].items()}
    assert rows == expected


def test_cd002_every_issue_has_its_theme_and_ilo_indicator(doc):
    rows = {row[0]: row[2:] for row in table_rows(section(doc, "`issue`"))}
    for issue in taxonomy.ISSUES.values():
        theme = f"`{issue.theme}` ({taxonomy.THEMES[issue.theme]})"
        indicator = (
            f"`{issue.ilo_indicator}` ({taxonomy.ILO_INDICATORS[issue.ilo_indicator]})"
            if issue.ilo_indicator
            else "none"
        )
        assert rows[f"`{issue.code}`"] == [theme, indicator], issue.code


@pytest.mark.parametrize("table", list(contract.TABLES))
def test_cd003_every_column_is_documented_with_type_and_requirement(doc, table):
    spec = contract.TABLES[table]
    rows = {row[0]: row[1:3] for row in table_rows(section(doc, f"`{spec.filename}`"))}
    expected = {f"`{c.name}`": [KINDS[c.kind], "yes" if c.required else "no"] for c in spec.columns}
    assert rows == expected


@pytest.mark.parametrize("table", list(contract.TABLES))
def test_cd004_code_columns_name_their_code_list(doc, table):
    spec = contract.TABLES[table]
    rows = {row[0]: row[3] for row in table_rows(section(doc, f"`{spec.filename}`"))}
    for column in spec.columns:
        if column.codes:
            assert f"[`{column.codes}`]" in rows[f"`{column.name}`"], column.name


def test_cd005_load_order_is_the_contract_order(doc):
    files = re.findall(r"^\| \d \| `(\w+\.csv)` \|", doc, re.M)
    assert files == [spec.filename for spec in contract.TABLES.values()]


@pytest.mark.parametrize(
    "number",
    [
        contract.FIRST_MONTH,
        f"{contract.MAX_WORKERS:,}",
        f"at most {extract.MAX_ERRORS} problems",
        f"{demo.REMEDIATED_TARGET:,}",
        f"{demo.DEFAULT_CASES:,} cases",
        f"seed {demo.DEFAULT_SEED}",
        demo.SILENT_AUDIT_WORKSITE,
        demo.SILENT_AUDIT_ID,
        demo.SILENT_AUDIT_MONTH,
        f"{demo.SILENT_ISSUES} issue categories",
    ],
)
def test_cd006_key_numbers_match_the_code(doc, number):
    assert number in " ".join(doc.replace("*", "").split())
