from pathlib import Path

import pytest

from app.content.loader import parse_article, parse_glossary_term
from app.content.models import ContentError, Status

GOOD = """---
title: Keys not working
summary: What to do when keys fail.
category: messaging
tags: [keys, certificate]
status: published
owner: DIP team
reviewed: 2026-11-01
review_by: 2027-05-01
related: other-article, third
scenarios: [DIP-SEND-02]
---
Intro paragraph.

## Check first

Body text.
"""


def test_parses_every_front_matter_field():
    a = parse_article(Path("articles/keys-not-working.md"), GOOD, {"messaging"})
    assert a.slug == "keys-not-working"
    assert a.title == "Keys not working"
    assert a.status is Status.PUBLISHED
    assert a.tags == ("keys", "certificate")
    assert a.related == ("other-article", "third")  # comma-separated string accepted too
    assert a.scenarios == ("DIP-SEND-02",)
    assert a.reviewed.isoformat() == "2026-11-01"
    assert [h.anchor for h in a.headings] == ["check-first"]


@pytest.mark.parametrize("text, message, line", [
    ("no front matter\n", "must start with '---'", 1),
    ("---\ntitle: x\n", "not closed", 1),
    ("---\ntitle: x\nsummary: [unclosed\ncategory: messaging\n---\nbody", "not valid YAML", 4),
    ("---\n- a list\n---\nbody", "must be a mapping", 2),
    ("---\ntitle: x\ncategory: messaging\nstatus: published\n---\nbody", "missing required field 'summary'", 2),
    ("---\ntitle: x\nsummary: s\ncategory: messaging\nstatus: live\n---\nbody", "unknown status 'live'", 5),
    ("---\ntitle: x\nsummary: s\ncategory: nowhere\nstatus: draft\n---\nbody", "unknown category 'nowhere'", 4),
    ("---\ntitle: x\nsummary: s\ncategory: messaging\nstatus: draft\nreviewed: yesterday\n---\nb", "must be a date", 6),
    ("---\ntitle: x\nsummary: s\ncategory: messaging\nstatus: draft\ntags: {a: 1}\n---\nb", "must be a list", 6),
])
def test_bad_files_are_reported_with_their_line(text, message, line):
    with pytest.raises(ContentError) as info:
        parse_article(Path("articles/bad.md"), text, {"messaging"})
    assert message in info.value.message
    assert info.value.line == line


def test_title_falls_back_to_first_heading_then_file_name():
    text = "---\nsummary: s\ncategory: messaging\nstatus: draft\n---\n# From heading\n\nBody"
    assert parse_article(Path("a/x.md"), text).title == "From heading"
    text = "---\nsummary: s\ncategory: messaging\nstatus: draft\n---\nBody"
    assert parse_article(Path("a/keys-not-working.md"), text).title == "Keys not working"


def test_glossary_term_needs_a_definition():
    with pytest.raises(ContentError, match="needs a definition"):
        parse_glossary_term(Path("glossary/x.md"), "---\nterm: X\n---\n")
    t = parse_glossary_term(Path("glossary/dip.md"),
                            "---\nterm: Data Integration Platform\nacronym: DIP\n---\nThe platform.")
    assert t.names() == ("Data Integration Platform", "DIP")
    assert t.letter == "D"
