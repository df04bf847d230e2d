"""The one slug rule, shared by article file names, heading anchors and gap-stub downloads."""
from __future__ import annotations

from app.content.authoring import slug_for
from app.content.render import anchor_for, render_markdown
from app.content.slugs import slugify


def test_words_lower_case_ascii_joined_by_hyphens():
    assert slugify("Webhook: certificate expired") == "webhook-certificate-expired"
    assert slugify("What's new — Café menu") == "whats-new-cafe-menu"
    assert slugify("Target times (section 8.5)") == "target-times-section-85"
    assert slugify("  --spaced__out--  words ") == "spaced-out-words"
    assert slugify("?!") == ""


def test_max_length_cuts_after_a_whole_word():
    assert slugify("alpha beta gamma", max_length=12) == "alpha-beta"
    assert slugify("alpha beta gamma", max_length=10) == "alpha-beta"
    assert slugify("x" * 30, max_length=8) == "x" * 8
    assert len(slug_for("A title " * 30)) <= 80


def test_article_file_names_and_heading_anchors_follow_the_same_rule():
    title = "I haven't received our DIP funding invoice (2026)"
    assert slug_for(title) == anchor_for(title) == "i-havent-received-our-dip-funding-invoice-2026"
    rendered = render_markdown(f"## {title}\n\nText.")
    assert rendered.headings[0].anchor == anchor_for(title)
    assert f'id="{anchor_for(title)}"' in rendered.html
