"""The one CSV dialect of every file the dashboard writes (chart downloads, API answers,
the exposure report, the data package, the footprint template): comma-separated, quoted
only where needed, "\\n" line ends, and "#" lines for what a file says about itself."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

# First in a file a reader downloads to open in a spreadsheet: without it, Excel reads
# UTF-8 as the system's legacy code page and garbles Burmese, Khmer, Thai, Nepali and
# Bengali. pandas, R and Python's "utf-8-sig" skip it; the API's answers, read by
# programs, go without.
BOM = "\ufeff"


def row(values: Iterable) -> str:
    """One record as a line of CSV."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def lines(records: Iterable[Iterable]) -> Iterator[str]:
    """Records one line at a time, for answers streamed as they are written."""
    for record in records:
        yield row(record)


def text(records: Iterable[Iterable]) -> str:
    """Records as one CSV text."""
    return "".join(lines(records))


def comment(name: str, value: str) -> str:
    """A "# name: value" line, its value on one line whatever it held."""
    return f"# {name}: {' '.join(value.split())}\n"
