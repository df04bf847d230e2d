"""Suggestions while typing in the header search, and the glossary filter, in a real browser."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser


def suggestions_of(page: Page, box: Locator) -> Locator:
    """The options of the list a search box controls (the search page's box is the only one there)."""
    expect(box).to_have_attribute("aria-controls", re.compile(r"^suggestions-"))
    return page.locator(f"#{box.get_attribute('aria-controls')} [role=option]")


def test_header_search_suggests_titles_and_terms_and_the_keyboard_picks_one(page: Page, base_url: str):
    page.goto(base_url + "/articles/")
    box = page.get_by_role("combobox", name="Site search")
    box.press_sequentially("webho", delay=30)
    options = page.get_by_role("listbox", name="Suggestions").get_by_role("option")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options).not_to_have_count(0)
    texts = options.all_inner_texts()
    assert any("Webhook" in t and "Glossary" in t for t in texts)
    assert any("webhook" in t.lower() and "Article" in t for t in texts)
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    target = options.first.get_attribute("data-url")
    box.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))


def test_enter_without_choosing_a_suggestion_still_searches(page: Page, base_url: str):
    page.goto(base_url + "/search")
    box = page.locator("#q")
    box.press_sequentially("certficate", delay=30)
    expect(suggestions_of(page, box).first).to_contain_text("certificate", ignore_case=True)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=certficate"))


def test_glossary_filter_finds_a_term_by_its_acronym(page: Page, base_url: str):
    page.goto(base_url + "/glossary/")
    page.get_by_label("Find a term, acronym or alias").fill("ldso")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"q=ldso"))
    expect(page.locator(".glossary-item dt a").first).to_contain_text("Licensed Distribution System Operator")


@pytest.mark.parametrize("path", ["/search?q=xyzzy", "/glossary/?q=dip", "/search?q=dip&per_page=10"])
def test_new_pages_pass_axe(axe_page: Page, base_url: str, axe, path: str):
    axe_page.goto(base_url + path)
    assert axe() == []


def test_open_suggestions_pass_axe(axe_page: Page, base_url: str, axe):
    axe_page.goto(base_url + "/search")
    box = axe_page.locator("#q")
    box.press_sequentially("cert", delay=30)
    expect(suggestions_of(axe_page, box).first).to_be_visible()
    assert axe() == []
