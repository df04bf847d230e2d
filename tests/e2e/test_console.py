"""A desk agent signs in, links an article found by search-as-you-type, resolves the case, and the
knowledge manager's report counts it; every console page type passes axe."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def desk(live_app):
    """An agent, a knowledge manager, an admin and a fresh case in the live app's database."""
    s = live_app.extensions["kb"]
    tag = uuid.uuid4().hex[:6]
    people = {role: s.staff.add(f"{role}-{tag}@example.com", role, PASSWORD).email
              for role in ("agent", "knowledge_manager", "admin")}
    case, _ = s.cases.raise_case({
        "name": "Ada Lovelace", "email": "ada@example.com", "party_id": "ADAPWR", "market_participant_id": "ADAP",
        "cra_market_role": "Supplier", "category": "DIP – Registration / General Portal", "scenario_id": "DIP-REG-01",
        "subject": "Certificate upload keeps failing", "description": "The portal rejects our certificate upload.",
    })
    return {"case": case.reference, **people}


def sign_in(page: Page, base_url: str, email: str, path: str = "/console/") -> None:
    page.goto(base_url + path)
    expect(page).to_have_url(re.compile(r"/console/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_agent_resolves_a_case_with_an_article_found_as_they_type(page: Page, base_url: str, desk):
    sign_in(page, base_url, desk["agent"])
    expect(page.get_by_role("heading", name="Case queue")).to_be_visible()
    page.get_by_role("link", name=desk["case"]).click()
    search = page.get_by_label("Find knowledge articles to link")
    search.fill("certificate upload")  # no Enter: console.js searches as the agent types
    add = page.locator("#article-results button.add-link").first
    expect(add).to_be_visible()
    title = page.locator("#article-results .article-hits a").first.inner_text()
    add.click()
    expect(page.locator("#chosen-articles input[name=article]:checked")).to_have_count(1)
    expect(page.locator("#chosen-articles")).to_contain_text(title)
    page.get_by_label("Resolution note").fill("Re-issued the certificate; see the linked article.")
    page.get_by_role("button", name="Resolve case").click()
    expect(page.get_by_role("status").first).to_contain_text("1 article(s) linked")
    expect(page.locator(".case-head")).to_contain_text("Resolved")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/console/login"))

    sign_in(page, base_url, desk["knowledge_manager"], "/console/reports/kcs?period=all")
    known = page.locator(".kpis div", has_text="Known (article linked)").locator("dd")
    expect(known).to_have_text(re.compile(r"^[1-9]\d*$"))


CONSOLE_PAGES = ["/console/", "/console/cases/{case}", "/console/cases/{case}?article_q=webhook",
                 "/console/reports/", "/console/reports/deflection", "/console/reports/kcs", "/console/reports/gaps",
                 "/console/reports/articles", "/console/reports/sla", "/console/staff"]


def test_login_page_is_accessible(axe_page: Page, base_url: str, axe):
    axe_page.goto(base_url + "/console/login")
    assert axe() == []


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_console_pages_have_no_serious_accessibility_violations(axe_page: Page, base_url: str, axe, desk, path):
    sign_in(axe_page, base_url, desk["admin"], path.format(case=desk["case"]))
    expect(axe_page.locator("h1")).to_be_visible()
    assert axe() == []
