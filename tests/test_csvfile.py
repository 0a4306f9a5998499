"""layouts/csvfile.py: the one CSV dialect of the dashboard's files."""

from __future__ import annotations

import csv
import io

from layouts import csvfile


def test_cf001_a_row_quotes_only_what_needs_it_and_ends_with_a_newline():
    line = csvfile.row(["Nepal → Kuwait", "a, b", 'say "no"', 12, None])
    assert line == 'Nepal → Kuwait,"a, b","say ""no""",12,\n'


def test_cf002_text_reads_back_as_the_records_it_was_given():
    records = [["corridor", "cases"], ["NP-KW", "<10"], ["line\nbreak", "≈120"]]
    text = csvfile.text(records)
    assert list(csv.reader(io.StringIO(text, newline=""))) == records
    assert "".join(csvfile.lines(records)) == text


def test_cf003_a_comment_keeps_its_value_on_one_line():
    assert csvfile.comment("note", "two\n  lines\tand tabs ") == "# note: two lines and tabs\n"
