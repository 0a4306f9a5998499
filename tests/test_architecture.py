"""The architecture as facts of the code (docs/architecture.md), beside import-linter's
contracts in pyproject.toml: what the layers above data_access may not do with it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ABOVE = ("dashboard", "callbacks", "layouts")  # the layers above data_access
FIRST_PARTY = {"app", "dashboard", "callbacks", "layouts", "data_access", "tests", "bench"}
# Underscore names that are a public API (a namedtuple's, Dash's, gettext's `_`).
LIBRARY_API = {"_", "_replace", "_asdict", "_fields", "_make", "_setup_server"}


def _modules(*packages: str) -> list[tuple[str, ast.Module]]:
    files = [ROOT / "app.py"] if "app" in packages else []
    files += sorted(p for pkg in packages if pkg != "app" for p in (ROOT / pkg).rglob("*.py"))
    return [(str(f.relative_to(ROOT)), ast.parse(f.read_text(encoding="utf-8"))) for f in files]


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def test_ar001_a_published_value_is_made_only_by_data_access():
    made = [
        f"{path}:{node.lineno}"
        for path, tree in _modules("app", *ABOVE)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _called(node) == "Published"
    ]
    assert made == [], "only the disclosure rules make a Published (a sum of them is Summed)"


def test_ar002_nothing_above_data_access_reaches_a_private_member():
    reached = [
        f"{path}:{node.lineno} .{node.attr}"
        for path, tree in _modules("app", *ABOVE)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and node.attr not in LIBRARY_API
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]
    assert reached == [], "the engine, exact sums and kept tables are data_access's own"


def test_ar003_the_app_never_imports_the_tests_oracle_or_the_bench():
    imported = [
        f"{path}:{node.lineno}"
        for path, tree in _modules("app", *ABOVE, "data_access")
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom | ast.Import)
        and any(
            name.split(".")[0] in ("tests", "bench")
            for name in (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
            )
        )
    ]
    assert imported == []


@pytest.mark.parametrize("package", ["app", *ABOVE, "data_access"])
def test_ar004_no_first_party_import_inside_a_function(package):
    """An import inside a function is how a cycle hides from import-linter; a library
    loaded late for the few readers who need it (openpyxl for XLSX uploads) is fine."""
    hidden = []
    for path, tree in _modules(package):
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or "."] if node.level == 0 else ["."]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                else:
                    continue
                if any(n == "." or n.split(".")[0] in FIRST_PARTY for n in names):
                    hidden.append(f"{path}:{node.lineno}")
    assert hidden == []


def test_ar005_one_csv_writer_for_every_file_readers_download():
    """Chart CSVs, API answers, the exposure report, the package and the template share
    layouts/csvfile.py (data_access writes extracts, a format of its own)."""
    writers = [
        f"{path}:{node.lineno}"
        for path, tree in _modules("app", *ABOVE)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("writer", "DictWriter")
        and isinstance(node.value, ast.Name)
        and node.value.id == "csv"
        and path != "layouts/csvfile.py"
    ]
    assert writers == []
