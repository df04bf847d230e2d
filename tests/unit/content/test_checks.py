"""`make check` on tiny corpora written for each case: every error and warning, at the line at fault."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.content.checks import check_content, only_in

TODAY = dt.date(2026, 11, 26)


class FakeCatalogue:
    """The service model's ids, as check_content needs them."""

    def known_ids(self) -> set[str]:
        return {"DIP-SEND-04", "DIP-RECV-03", "KA-12", "SR-01"}


FIELDS = {
    "title": None, "summary": "A short summary.", "category": "messaging", "status": "published",
    "owner": "Test team", "reviewed": "2026-11-01", "review_by": "2027-05-01", "related": "[]",
    "scenarios": "[DIP-SEND-04]", "topics": "[]", "service_requests": "[]",
}
BODY = "Intro about the DIP.\n\n## What to check first\nCheck things.\n"


def article(root: Path, slug: str, body: str = BODY, **fields: str | None) -> Path:
    values = {**FIELDS, "title": slug.replace("-", " ").capitalize(), **fields}
    front = "\n".join(f"{k}: {v}" for k, v in values.items() if v is not None)
    path = root / "articles" / f"{slug}.md"
    path.write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")
    return path


def term(root: Path, slug: str, name: str, acronym: str = "", see_also: str = "[]") -> Path:
    path = root / "glossary" / f"{slug}.md"
    path.write_text(f"---\nterm: {name}\nacronym: \"{acronym}\"\nsee_also: {see_also}\n---\nA definition.\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A clean corpus: two articles, one glossary term, two categories."""
    (tmp_path / "articles").mkdir()
    (tmp_path / "glossary").mkdir()
    (tmp_path / "articles" / "categories.yaml").write_text(
        "messaging:\n  title: Messaging\ngetting-help:\n  title: Getting help\n", encoding="utf-8")
    article(tmp_path, "bounce")
    article(tmp_path, "webhook", scenarios="[DIP-RECV-03]")
    term(tmp_path, "dip", "Data Integration Platform", "DIP")
    return tmp_path


def check(root: Path) -> list[tuple[str, int, str, str]]:
    return [(p.path, p.line, p.severity, p.message) for p in check_content(root, FakeCatalogue(), TODAY)]


def only(root: Path, path: str) -> list[tuple[int, str, str]]:
    return [(line, severity, message) for p, line, severity, message in check(root) if p == path]


def test_a_clean_corpus_has_no_problems_and_readme_is_skipped(root):
    (root / "articles" / "README.md").write_text("# How to write\nNo front matter here. See XYZ.\n")
    assert check(root) == []


@pytest.mark.parametrize("text, line, words", [
    ("no front matter\n", 1, "must start with '---'"),
    ("---\ntitle: [oops\n---\nbody\n", 2, "not valid YAML"),
    ("---\ntitle: T\nsummary: S\ncategory: messaging\n---\nbody\n", 2, "missing required field 'status'"),
    ("---\ntitle: T\nsummary: S\ncategory: messaging\nstatus: live\n---\nbody\n", 5, "unknown status 'live'"),
    ("---\ntitle: T\nsummary: S\ncategory: nope\nstatus: draft\n---\nbody\n", 4, "unknown category 'nope'"),
    ("---\ntitle: T\nsummary: S\ncategory: messaging\nstatus: draft\nreview_by: soon\n---\nb\n", 6, "must be a date"),
])
def test_file_level_errors_come_from_the_loader_with_their_line(root, text, line, words):
    (root / "articles" / "bad.md").write_text(text, encoding="utf-8")
    [(found_line, severity, message)] = only(root, "articles/bad.md")
    assert (found_line, severity) == (line, "error") and words in message


def test_a_glossary_file_without_a_term_is_an_error(root):
    (root / "glossary" / "empty.md").write_text("---\nacronym: X\n---\nDefinition.\n", encoding="utf-8")
    assert only(root, "glossary/empty.md") == [(2, "error", "missing required field 'term'")]


def test_duplicate_titles_are_reported_on_both_files_ignoring_case_and_spacing(root):
    article(root, "bounce-again", title="BOUNCE   ")
    assert only(root, "articles/bounce.md") == [(2, "error", "duplicate title: also used by articles/bounce-again.md")]
    assert only(root, "articles/bounce-again.md")[0][:2] == (2, "error")


def test_a_retired_article_may_share_its_replacements_title(root):
    article(root, "old-bounce", title="Bounce", status="retired", replaced_by="bounce")
    assert check(root) == []


def test_slugs_that_differ_only_in_case_are_duplicates(root):
    article(root, "Bounce", title="Another title")
    assert (1, "error", "duplicate slug: also used by articles/bounce.md") in only(root, "articles/Bounce.md")


@pytest.mark.parametrize("link, message", [
    ("/articles/nope", "link to a missing article 'nope'"),
    ("/articles/webhook#nope", "link to a missing anchor '#nope' in 'webhook'"),
    ("#nope", "link to a missing anchor '#nope' in this article"),
    ("/glossary/nope", "link to a missing glossary term 'nope'"),
    ("/categories/nope", "link to a missing category 'nope'"),
    ("/articles/secret", "link to article 'secret', which is draft and not visible to the public"),
    ("/articles/old", "link to retired article 'old'; link to its replacement 'webhook'"),
])
def test_broken_links_in_the_body_are_reported_on_their_line(root, link, message):
    article(root, "secret", status="draft", title="Secret")
    article(root, "old", status="retired", replaced_by="webhook", title="Old")
    article(root, "bounce", body=f"Intro.\n\nSee [this]({link}) for more.\n")
    assert only(root, "articles/bounce.md") == [(16, "error", message)]


def test_links_that_work_are_not_reported(root):
    body = ("See [webhooks](/articles/webhook#what-to-check-first), [the DIP](/glossary/dip), "
            "[messaging](/categories/messaging/), [below](#what-to-check-first),\n"
            "[ref]: /articles/webhook\n[elexon](https://www.elexon.co.uk/x)\n\n## What to check first\nx\n")
    article(root, "bounce", body=body)
    assert check(root) == []


def test_links_in_code_are_not_checked(root):
    article(root, "bounce", body="```\n[x](/articles/nope)\n```\nUse `[x](/articles/nope)` like this.\n")
    assert check(root) == []


def test_a_draft_may_link_to_another_draft(root):
    article(root, "secret", status="draft", title="Secret")
    article(root, "plan", status="draft", title="Plan", body="See [secret](/articles/secret).\n")
    assert check(root) == []


def test_related_slugs_must_exist_and_not_be_retired(root):
    article(root, "old", status="retired", title="Old")
    article(root, "bounce", related="\n  - webhook\n  - nope\n  - old")
    assert only(root, "articles/bounce.md") == [
        (11, "error", "related article 'nope' does not exist"),
        (12, "error", "related article 'old' is retired"),
    ]


def test_replaced_by_must_name_an_article(root):
    article(root, "old", status="retired", title="Old", replaced_by="nope")
    assert only(root, "articles/old.md") == [(13, "error", "replaced_by names a missing article 'nope'")]


def test_unknown_and_misplaced_service_model_ids(root):
    article(root, "bounce", scenarios="[DIP-SEND-04, DIP-SEND-99, SR-01]", topics="\n  - KA-12\n  - KA-99")
    assert only(root, "articles/bounce.md") == [
        (10, "error", "'SR-01' is a service request id; it does not belong in scenarios"),
        (10, "error", "unknown id 'DIP-SEND-99' in scenarios"),
        (13, "error", "unknown id 'KA-99' in topics"),
    ]


def test_a_published_article_past_its_review_date_names_its_owner(root):
    article(root, "bounce", review_by="2026-11-25")
    article(root, "webhook", review_by=TODAY.isoformat(), scenarios="[DIP-RECV-03]")  # due today: still fine
    article(root, "secret", status="draft", title="Secret", review_by="2020-01-01")  # drafts are not reviewed
    assert check(root) == [("articles/bounce.md", 8, "error",
                            "review_by 2026-11-25 has passed: review the article and move reviewed and review_by on "
                            "(owner: Test team)")]


def test_a_published_article_without_a_review_date_is_a_warning(root):
    article(root, "bounce", review_by=None)
    assert only(root, "articles/bounce.md") == [
        (2, "warning", "published article has no review_by date (owner: Test team)")]


def test_a_published_article_with_template_placeholders_is_an_error(root):
    article(root, "bounce", summary="TODO write me", body="Intro.\n\n1. TODO: the first thing.\n")
    assert only(root, "articles/bounce.md") == [
        (3, "error", "published article still has a TODO placeholder in its summary"),
        (16, "error", "published article still has a TODO placeholder"),
    ]


def test_an_unconfirmed_claim_past_its_review_date_is_an_error(root):
    body = ("Intro.\n\nThe record is reused at renewal {unconfirmed 2026-11-25}.\n"
            "The admin creates DIP IDs {unconfirmed 2027-03-31}.\nAnother claim {unconfirmed soon}.\n")
    article(root, "bounce", body=body)
    assert only(root, "articles/bounce.md") == [
        (16, "error", "unconfirmed claim was due for review on 2026-11-25: confirm it against the Operation Guides "
                      "and remove the marker, or remove the claim"),
        (18, "error", "'{unconfirmed soon}' needs a review date: {unconfirmed YYYY-MM-DD}"),
    ]


@pytest.mark.parametrize("second, acronym", [
    ("Data integration platform", ""),   # same term, any case
    ("DIP", ""),                         # one entry's acronym is another's term
    ("Digital Interface Point", "Data Integration Platform"),  # and the other way round
])
def test_a_glossary_term_defined_twice(root, second, acronym):
    term(root, "dip-again", second, acronym)
    assert check(root) == [
        ("glossary/dip-again.md", 2, "error", f"glossary term '{second}' is defined twice: also in glossary/dip.md"),
        ("glossary/dip.md", 2, "error",
         "glossary term 'Data Integration Platform' is defined twice: also in glossary/dip-again.md"),
    ]


def test_the_same_acronym_for_two_different_terms_is_allowed(root):
    term(root, "dip-2", "Digital Interface Point", "DIP")
    assert check(root) == []


def test_see_also_must_name_a_glossary_term(root):
    term(root, "dcp", "DIP Connection Provider", "DCP", see_also="[dip, nope]")
    assert only(root, "glossary/dcp.md") == [(4, "error", "see_also names a missing glossary term 'nope'")]


def test_a_published_article_that_covers_nothing_is_a_warning(root):
    article(root, "bounce", scenarios="[]")
    article(root, "secret", status="draft", title="Secret", scenarios="[]")
    assert check(root) == [("articles/bounce.md", 10, "warning",
                            "published article lists no scenarios, topics or service_requests")]


def test_service_requests_count_as_coverage(root):
    article(root, "bounce", scenarios="[]", service_requests="[SR-01]")
    assert check(root) == []


def test_acronyms_the_glossary_lacks_are_warned_once_at_first_use(root):
    body = ("The DIP and your DCP.\n\nDCPs, the MPAN, OK and FAQ are fine; `LDSO` is code.\n"
            "```\nLDSO\n```\nDIP-SEND-04 and IF-036 are ids. MPAN again.\n")
    article(root, "bounce", body=body)
    assert only(root, "articles/bounce.md") == [
        (14, "warning", "'DCP' is not in the glossary: add a term or spell it out"),
        (16, "warning", "'MPAN' is not in the glossary: add a term or spell it out"),
    ]


def test_an_acronym_known_by_alias_or_term_is_not_warned(root):
    (root / "glossary" / "mpan.md").write_text(
        "---\nterm: Meter Point Administration Number\naliases: [MPAN]\n---\nThe number.\n", encoding="utf-8")
    article(root, "bounce", body="Check the MPAN.\n")
    assert check(root) == []


def test_a_long_summary_is_a_warning(root):
    article(root, "bounce", summary="x" * 301)
    assert only(root, "articles/bounce.md") == [(3, "warning", "summary is 301 characters; keep it to 300")]


def test_only_in_keeps_problems_of_the_named_files_but_checks_links_against_everything(root):
    article(root, "bounce", body="See [old](/articles/gone).\n")
    (root / "articles" / "webhook.md").unlink()
    article(root, "other", related="[webhook]", title="Other")
    problems = check_content(root, FakeCatalogue(), TODAY)
    named = only_in(problems, [root / "articles" / "bounce.md"], root)
    assert [(p.path, p.message) for p in named] == [("articles/bounce.md", "link to a missing article 'gone'")]
    assert only_in(problems, [root / "articles" / "categories.yaml"], root) == problems


def test_a_missing_or_broken_categories_file_is_an_error(root):
    path = root / "articles" / "categories.yaml"
    path.write_text("messaging: [oops\n", encoding="utf-8")
    assert ("articles/categories.yaml", 2, "error", "categories file is not valid YAML") in check(root)
    path.unlink()
    found = check(root)
    assert ("articles/categories.yaml", 1, "error", "no categories file: every article needs one") in found
    assert ("articles/bounce.md", 4, "error", "unknown category 'messaging'") in found
