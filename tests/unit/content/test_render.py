import pytest

from app.content.render import render_markdown


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="#" onclick="alert(1)">x</a>',
    "<iframe src='https://example.com'></iframe>",
])
def test_scripts_and_handlers_never_reach_the_page(source):
    html = render_markdown(f"Text\n\n{source}\n").html.lower()
    assert "<script" not in html
    assert "onerror" not in html and "onclick" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html


def test_headings_get_stable_anchors_and_h1_is_demoted():
    r = render_markdown("# Title in body\n\n## What to check first\n\n### Keys & certs\n")
    assert "<h1" not in r.html
    assert [(h.level, h.anchor) for h in r.headings] == [
        (2, "title-in-body"), (2, "what-to-check-first"), (3, "keys-certs")]
    assert 'id="what-to-check-first"' in r.html


def test_tables_and_lists_render():
    r = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n1. one\n2. two\n")
    assert "<table>" in r.html and "<ol>" in r.html
    assert "one" in r.text


def test_an_unconfirmed_claim_shows_the_same_visible_note_with_its_review_date():
    r = render_markdown("The record is reused at renewal {unconfirmed 2027-03-31}.\n")
    assert ('<span class="unconfirmed">(to be confirmed against the Operation Guides, review by 31 March 2027)'
            '</span>') in r.html
    assert "{unconfirmed" not in r.text and "to be confirmed against the Operation Guides" in r.text
