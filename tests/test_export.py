import csv
import io

import pytest

from course.export.csv_export import COLUMNS
from course.safe_text import for_spreadsheet as safe_cell


@pytest.mark.parametrize(
    "value, shown",
    [("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1+1", "'+1+1"), ("@SUM(A1)", "'@SUM(A1)"),
     ("-2", "-2"), ("3.5", "3.5"), ("O'Brien, Jr.", "O'Brien, Jr."), (None, ""), (7.0, "7.0"),
     ("\x00=1+1", "'\x00=1+1"), ("\n=1+1", "'\n=1+1"), ("-", "-"), ("--1", "'--1")],
)
def test_formulas_are_defused_and_numbers_kept(value, shown):
    assert safe_cell(value) == shown


def test_commas_and_quotes_survive_a_round_trip():
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL)
    row = ["02-proper-language", "", "2026-11-20 09:30:00", "s1", 'Smith, "Jo"', "Ann\nMarie", "", "1.5", "0.0",
           "1.5", "7.0", "graded"]
    writer.writerow([safe_cell(v) for v in row])
    assert next(csv.reader(io.StringIO(buf.getvalue()))) == row
    assert len(COLUMNS) == len(row)
