"""A market participant searches, reads an article and browses the glossary in a real browser."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_search_and_open_an_article(page: Page, base_url: str):
    page.goto(base_url + "/")
    page.get_by_label("Search the knowledge base").fill("certificate upload fails")
    page.get_by_label("Search the knowledge base").press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=certificate"))
    page.locator("ol.results a").first.click()
    expect(page.locator("h1")).to_contain_text("GlobalSign")
    expect(page.get_by_role("heading", name="Was this helpful?")).to_be_visible()


def test_browse_glossary_by_letter_and_page_size(page: Page, base_url: str):
    page.goto(base_url + "/glossary/")
    expect(page.get_by_role("status").first).to_contain_text("Showing items 1-10 of")
    page.get_by_role("navigation", name="Glossary letters").get_by_role("link", name="D", exact=True).click()
    expect(page).to_have_url(re.compile(r"letter=D"))
    page.wait_for_load_state()  # the new page's script, which submits the page-size choice, has run
    terms = page.locator(".glossary-item dt a").all_inner_texts()
    assert terms and all(t.strip().upper().startswith("D") for t in terms), terms
    page.get_by_label("Items per page").select_option("all")  # JS submits on change
    expect(page).to_have_url(re.compile(r"per_page=all"))
    count = page.locator(".glossary-item").count()
    expect(page.get_by_role("status").first).to_contain_text(f"Showing items 1-{count} of {count}")


def test_keyboard_only_search(page: Page, base_url: str):
    page.goto(base_url + "/")
    page.keyboard.press("Tab")  # skip link first
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")  # to the main content, past the header and its search box
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the page's own search box is the first thing to reach in it
    expect(page.get_by_label("Search the knowledge base")).to_be_focused()
    page.keyboard.type("webhook")
    page.keyboard.press("Enter")
    expect(page.locator("ol.results")).to_contain_text("webhook", ignore_case=True)


PAGES = ["/", "/articles/", "/articles/dip-message-bounce-back", "/categories/messaging", "/glossary/",
         "/glossary/?letter=D&per_page=20", "/search?q=certificate", "/search?q=ldso", "/does-not-exist"]


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(axe_page: Page, base_url: str, axe, path: str):
    axe_page.goto(base_url + path)
    assert axe() == []
