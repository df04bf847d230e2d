"""The chat in a real browser: a conversation of three topics hands over only the third one; an answer's steps stay
a full-width list on a phone; the page without JavaScript; axe on a whole thread."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.participants import participant_signs_in

pytestmark = pytest.mark.browser

CERTIFICATE = "How do we renew our DIP certificate before it runs out?"
NEW_USER = "We need a new user account on the Elexon portal for a colleague who joined this week"
OUTAGE = "The DIP is down for everyone, nothing has been delivered since 10am"
PHONE = {"width": 390, "height": 844}
#: ms: the first question of a fresh server builds the assistant's evidence (slow on a busy machine)
ANSWER_WAIT = 30_000


def ask(page: Page, text: str) -> Locator:
    """Type and send a message; returns the exchange it added to the thread."""
    before = page.locator(".exchange").count()
    page.locator("#assist-message").fill(text)
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator(".exchange")).to_have_count(before + 1, timeout=ANSWER_WAIT)
    return page.locator(".exchange").last


def test_a_case_raised_from_the_third_topic_holds_only_that_topic(page: Page, base_url: str, live_app):
    participant_signs_in(page, base_url, live_app)  # raising a case needs an account
    page.goto(base_url + "/assist")
    for text in (CERTIFICATE, NEW_USER):
        expect(ask(page, text).locator(".msg-text")).to_have_text(text)
    third = ask(page, OUTAGE)
    expect(third.locator("h2")).to_be_focused()  # focus moves to the new answer
    expect(page.locator(".exchange .msg-text")).to_have_text([CERTIFICATE, NEW_USER, OUTAGE])  # the whole thread
    page.reload()  # the address names the conversation, so a reload shows the same thread
    expect(page.locator(".exchange .msg-text")).to_have_text([CERTIFICATE, NEW_USER, OUTAGE])
    expect(page.locator(".exchange details.why")).to_have_count(3)  # each answer whole, not only the last
    expect(page.locator("[name=action][value=prefill]")).to_have_count(1)  # only the latest answer hands over

    handover = page.locator("#turn-actions form").filter(has=page.locator("[name=action][value=prefill]"))
    handover.locator("button").filter(has_text=re.compile("Raise this case|didn't solve it")).click()
    expect(page).to_have_url(re.compile(r"/cases/form$"))  # posted: what was typed is not in the URL
    expect(page.get_by_role("button", name="Submit case")).to_be_visible()  # shown to check, not submitted
    subject = page.get_by_label("Subject").input_value()
    description = page.get_by_label("Description").input_value()
    assert subject and OUTAGE.startswith(subject.rstrip("…"))
    assert description == OUTAGE
    for earlier in (CERTIFICATE, NEW_USER):
        assert earlier[:30] not in subject + description


def test_steps_render_as_a_full_width_list_on_a_phone(browser: Browser, base_url: str):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(base_url + "/assist")
    answer = ask(page, CERTIFICATE)
    steps = answer.locator("ol.answer-steps")
    expect(steps).to_be_visible()
    items = steps.locator("li")
    assert items.count() >= 2  # a list of steps, never one flattened line
    column = page.locator("#conversation").bounding_box()
    listed = steps.bounding_box()
    assert listed["width"] >= 0.8 * column["width"], (listed, column)
    for i in range(items.count()):  # no step squeezed into a narrow column of its own
        assert items.nth(i).bounding_box()["width"] >= 0.7 * column["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing scrolls sideways
    context.close()


def test_the_chat_works_without_javascript(browser: Browser, base_url: str, live_app):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    participant_signs_in(page, base_url, live_app)
    page.goto(base_url + "/assist")
    page.get_by_role("button", name=CERTIFICATE).click()  # an example question asks itself
    expect(page.locator(".exchange")).to_have_count(1, timeout=ANSWER_WAIT)
    expect(page.get_by_role("link", name="Start a new conversation")).to_be_visible()
    answer = page.locator(".exchange").last
    answer.get_by_text("Why this answer?").click()
    expect(answer.locator("details.why dl")).to_be_visible()
    ask(page, NEW_USER)
    expect(page.locator(".exchange .msg-text")).to_have_text([CERTIFICATE, NEW_USER])
    page.get_by_role("link", name="Start a new conversation").click()
    expect(page.locator(".exchange")).to_have_count(0)
    page.get_by_role("button", name=CERTIFICATE).click()
    page.get_by_role("button", name="No, this didn't solve it").click()  # recorded, then re-posted to the form
    expect(page).to_have_url(re.compile(r"/cases/form$"))
    expect(page.get_by_label("Description")).to_have_value(CERTIFICATE)
    context.close()


def test_a_whole_thread_is_accessible(axe_page: Page, base_url: str, axe):
    page = axe_page
    page.goto(base_url + "/assist")
    assert axe() == []
    for text in (CERTIFICATE, NEW_USER):
        ask(page, text)
    page.locator(".exchange details.why summary").first.click()
    assert axe() == []


def test_a_quick_answer_button_sends_its_message(page: Page, base_url: str):
    page.goto(base_url + "/assist")
    question = ask(page, "is the DIP down at the moment?")
    expect(question.locator("h2")).to_have_text("A quick question first")
    choices = page.locator("form.quick-answers button")
    assert choices.count() >= 2
    chosen = choices.last
    said = chosen.get_attribute("value")
    chosen.click()
    expect(page.locator(".exchange")).to_have_count(2, timeout=ANSWER_WAIT)
    expect(page.locator(".exchange .msg-text").last).to_have_text(said)
    expect(page.locator(".exchange h2").last).to_be_focused()
    expect(page.locator("form.quick-answers")).to_have_count(0)  # the question was answered
