"""CSV export of report tables, safe to open in a spreadsheet."""
from __future__ import annotations

import unicodedata
from typing import Any

from app.console.reports import Table

#: A cell whose first visible character is one of these would run as a formula in Excel or LibreOffice.
FORMULA_START = ("=", "+", "-", "@")
#: Characters that end a cell in some spreadsheet's CSV reading (comma, the semicolon of European locales, tab,
#: pipe) or a row; a cell holding any of them is quoted, so it stays one cell whatever the reader splits on.
SEPARATORS = frozenset(',;\t|"\r\n')


def is_formula(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula: after NFKC normalisation (full-width '＝' is
    '=') and without format characters (zero-width spaces, direction marks), it starts with a tab or CR, or
    its first visible character is = + - or @."""
    shown = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
    return shown.startswith(("\t", "\r")) or shown.lstrip().startswith(FORMULA_START)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and is_formula(text):
        text = "'" + text
    if SEPARATORS.intersection(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def to_csv(table: Table) -> str:
    return "".join(",".join(_cell(v) for v in row) + "\r\n" for row in (table.columns, *table.rows))
