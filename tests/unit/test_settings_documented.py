"""Every setting in app/config.py has a row in the README's settings table, with the same help text."""

from __future__ import annotations

import re
from pathlib import Path

from app.config import SETTINGS

README = Path(__file__).resolve().parents[2] / "README.md"


def table_rows() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    table = text.split("<!-- settings:start -->", 1)[1].split("<!-- settings:end -->", 1)[0]
    return {m.group(1): m.group(2) for m in re.finditer(r"^\| `KB_([A-Z_]+)` \|.*?\| (.*) \|$", table, re.M)}


def test_every_setting_is_documented_in_the_readme_and_nothing_else() -> None:
    rows = table_rows()
    assert sorted(rows) == sorted(s.name for s in SETTINGS)
    for s in SETTINGS:
        assert rows[s.name] == s.help.replace("|", "\\|"), s.name
