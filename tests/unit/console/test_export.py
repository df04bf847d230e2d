from __future__ import annotations

import csv
import io

import pytest

from app.console.export import to_csv
from app.console.reports import Table


def test_csv_has_a_header_and_neutralises_formulas():
    text = to_csv(Table(("Query", "Count"), (("=HYPERLINK(\"x\")", 3), ("@SUM(A1)", None), ("plain, with comma", 1))))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["Query", "Count"], ["'=HYPERLINK(\"x\")", "3"], ["'@SUM(A1)", ""], ["plain, with comma", "1"]]


@pytest.mark.parametrize("formula", [
    "=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1",
    "\u200b=1+1",  # a zero-width space before '='
    "\u200b\u200e\u2060=1+1",  # several format characters
    "\uff1d1+1",  # full-width '＝'
    "\uff0bcmd", "\uff20SUM(A1)", " =1+1", "\u202e=1+1",
])
def test_formula_variants_are_neutralised(formula):
    [row] = list(csv.reader(io.StringIO(to_csv(Table(("Query",), ((formula,),))))))[1:]
    assert row == ["'" + formula]


@pytest.mark.parametrize("separator", [";", ",", "\t", "|"])
def test_cells_with_any_separator_are_quoted_so_no_reading_finds_a_formula(separator):
    cell = f"{separator}=1+1"
    line = to_csv(Table(("Query", "Count"), ((cell, 2),))).split("\r\n")[1]
    assert line == ('"\'' if separator == "\t" else '"') + f'{cell}",2'  # a leading tab is neutralised too
    for delimiter in (";", ",", "\t", "|"):  # whatever a spreadsheet splits on, no cell starts a formula
        for got in next(csv.reader(io.StringIO(line), delimiter=delimiter)):
            assert not got.lstrip().startswith(("=", "+", "-", "@")), (delimiter, got)


def test_plain_text_and_numbers_are_left_alone():
    rows = list(csv.reader(io.StringIO(to_csv(Table(("A", "B"), (("webhook - timeouts", -3), ("café 1+1", 0.5)))))))
    assert rows[1:] == [["webhook - timeouts", "-3"], ["café 1+1", "0.5"]]
