"""articles/README.md stays true: its example passes the check, and it documents every field and category."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from app.content.checks import check_content
from app.content.loader import ARTICLE_FIELDS, load_categories
from app.servicemodel import load_service_model

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "articles" / "README.md").read_text(encoding="utf-8")


def test_the_complete_example_passes_the_check_on_the_shipped_corpus(tmp_path):
    for folder in ("articles", "glossary"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    path = re.search(r"This is `(articles/[a-z0-9-]+\.md)`", GUIDE).group(1)
    example = GUIDE.split("```markdown\n", 1)[1].split("\n```", 1)[0]
    (tmp_path / path).write_text(example + "\n", encoding="utf-8")
    problems = check_content(tmp_path, load_service_model(), dt.date(2026, 11, 26))
    assert [str(p) for p in problems if p.path == path] == []


def test_every_front_matter_field_and_category_is_documented():
    for name in ARTICLE_FIELDS:
        assert f"| `{name}` |" in GUIDE, name
    for slug in load_categories(ROOT):
        assert f"`{slug}`" in GUIDE, slug
