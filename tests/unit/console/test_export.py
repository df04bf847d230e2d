from __future__ import annotations

import csv
import io

from app.console.export import to_csv
from app.console.reports import Table


def test_csv_has_a_header_and_neutralises_formulas():
    text = to_csv(Table(("Query", "Count"), (("=HYPERLINK(\"x\")", 3), ("@SUM(A1)", None), ("plain, with comma", 1))))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["Query", "Count"], ["'=HYPERLINK(\"x\")", "3"], ["'@SUM(A1)", ""], ["plain, with comma", "1"]]
