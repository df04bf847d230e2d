"""The whole journey in a real browser: a market participant asks the assistant, says it did not help,
registers with the code from the outbox on the way to the pre-filled case, raises it and finds it under My
cases; an agent resolves it with a linked article, the email's link opens the case and the participant reopens
it; the knowledge manager's reports count it. Also: the chat by keyboard alone, axe on the assistant, account
and case pages, and payloads that never run even with the CSP switched off."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.participants import code_for, mails_to, participant_signs_in

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
QUESTION = "Our GlobalSign certificate upload to the DIP portal keeps failing"
#: ms: the first question of a fresh server builds the assistant's evidence (slow on a busy machine)
ANSWER_WAIT = 30_000
XSS = """<script>alert(1)</script>"><img src=x onerror=alert(1)>'><svg onload=alert(1)>"""


@pytest.fixture(scope="module")
def people(live_app):
    """An agent and a knowledge manager, added the way the README says: `flask staff add`."""
    runner = live_app.test_cli_runner()
    tag = uuid.uuid4().hex[:6]
    emails = {}
    for role in ("agent", "knowledge_manager"):
        emails[role] = f"journey-{role}-{tag}@example.com"
        result = runner.invoke(args=["staff", "add", emails[role], "--role", role], input=f"{PASSWORD}\n{PASSWORD}\n")
        assert result.exit_code == 0, result.output
    return emails


def sign_in(page: Page, base_url: str, email: str, path: str = "/console/") -> None:
    page.goto(base_url + path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_be_visible()


def kpi(page: Page, label: str) -> int:
    return int(page.locator(".kpis div", has_text=label).locator("dd").inner_text())


def ask(page: Page, question: str) -> None:
    page.get_by_label("Your question").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator(".assist-answer h2")).to_be_visible(timeout=ANSWER_WAIT)


def fill_requester(page: Page) -> None:
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_role("textbox", name=re.compile(r"^Party ID \(required")).fill("GRACEPWR")
    page.get_by_role("textbox", name=re.compile(r"^Market Participant ID \(required")).fill("GRAC")
    page.get_by_label("CRA Market Role").fill("Supplier")


def test_ask_register_raise_and_reopen_after_the_desk_resolves_it(page: Page, browser: Browser, base_url: str,
                                                                  people, live_app):
    manager = browser.new_context().new_page()
    sign_in(manager, base_url, people["knowledge_manager"], "/console/reports/kcs?period=all")
    known_before = kpi(manager, "Known (article linked)")
    manager.goto(base_url + "/console/reports/deflection?period=all")
    escalated_before = kpi(manager, "Escalated to a case") if manager.locator(".kpis").count() else 0

    # The assistant recognises the DIP scenario and offers a routed case; "Why this answer?" says where it goes.
    page.goto(base_url + "/assist")
    ask(page, QUESTION)
    answer = page.locator(".assist-answer")
    expect(answer.locator("h2")).to_have_text("Support case suggested")
    why = answer.locator("details.why")
    why.get_by_text("Why this answer?").click()
    expect(why).to_contain_text("DIP-CERT-02")
    draft = {dt: why.locator("dt", has_text=re.compile(f"^{dt}$")).locator("xpath=following-sibling::dd[1]")
             .inner_text() for dt in ("Category", "Type", "Who handles it", "Priority")}
    assert draft["Type"] == "Incident" and draft["Who handles it"] == "Service Provider"
    priority = draft["Priority"][:2]
    assert re.fullmatch(r"P[1-4]", priority)
    category = draft["Category"]
    assert category == "Certificate Admin Reg & Vetting"
    page.get_by_role("button", name="Raise this case").click()

    # Raising a case needs an account: sign in or register, with the code from the outbox.
    expect(page).to_have_url(re.compile(r"/account/login\?next="))
    page.get_by_role("link", name="Register an account").click()
    address = f"grace-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Email", exact=True).fill(address)
    page.get_by_role("button", name="Get code").click()
    expect(page.get_by_role("status").first).to_contain_text(f"We have sent a 6-digit code to {address}")
    expect(page.get_by_label("First name")).to_have_value("Grace")  # nothing typed is lost on the way
    page.get_by_label("Verification code").fill(code_for(live_app, address))
    page.get_by_label("I do not have a Party ID").check()
    page.get_by_label("Unregistered Organisation name").fill("Hopper Energy")
    page.get_by_label(re.compile("By creating an account")).check()
    page.get_by_role("button", name="Submit").click()

    # Back at the case form: the assistant's draft survived, the profile fills in who is asking.
    expect(page).to_have_url(re.compile(r"/cases/form$"))
    expect(page.get_by_label("Category (required)")).to_have_value(category)
    expect(page.locator("p.matched")).to_contain_text("DIP-CERT-02")
    expect(page.get_by_label("Subject")).to_have_value(re.compile("GlobalSign certificate upload"))
    expect(page.get_by_label("Description")).to_have_value(re.compile(QUESTION))
    expect(page.get_by_label("Your name")).to_have_value("Grace Hopper")
    expect(page.get_by_label("Unregistered Organisation name")).to_have_value("Hopper Energy")
    expect(page.locator("#f-email")).to_contain_text(address)
    routing = page.locator("section.routing")
    expect(routing.locator("dt", has_text="Type").locator("xpath=following-sibling::dd[1]")).to_have_text("Incident")
    expect(routing.locator("dt", has_text="Priority").locator("xpath=following-sibling::dd[1]")).to_contain_text(
        priority)
    page.get_by_label("CRA Market Role").fill("Supplier")
    page.get_by_role("button", name="Submit case").click()

    # Confirmation, then My cases.
    expect(page.get_by_role("heading", name="Case received")).to_be_visible()
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"CS\d{7,}", reference)
    page.locator("main").get_by_role("link", name="My cases").click()
    expect(page.locator("table.cases")).to_contain_text(reference)
    expect(page.locator("table.cases")).to_contain_text("New")

    # An agent finds it in the queue, replies, and resolves it with an article found as they type.
    agent = browser.new_context().new_page()
    sign_in(agent, base_url, people["agent"])
    expect(agent.get_by_role("heading", name="Case queue")).to_be_visible()
    agent.get_by_role("link", name=reference).click()
    expect(agent.locator("h1")).to_contain_text(reference)
    expect(agent.locator("body")).to_contain_text(QUESTION)  # the conversation came with the case
    agent.get_by_label("Reply to the raiser (they are emailed)").fill("Which certificate serial did you upload?")
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.get_by_role("status").first).to_contain_text("Reply sent")
    agent.get_by_label("Find knowledge articles to link").fill("GlobalSign certificate upload")
    add = agent.locator("#article-results button.add-link").first
    expect(add).to_be_visible()
    add.click()
    expect(agent.locator("#chosen-articles input[name=article]:checked")).to_have_count(1)
    agent.get_by_label("Resolution note").fill("Re-issued the GlobalSign certificate; the article shows the upload.")
    agent.get_by_role("button", name="Resolve case").click()
    expect(agent.get_by_role("status").first).to_contain_text("1 article(s) linked")
    expect(agent.locator(".case-head")).to_contain_text("Resolved")
    agent.context.close()

    # The knowledge manager's reports count the resolved case.
    manager.goto(base_url + "/console/reports/kcs?period=all")
    assert kpi(manager, "Known (article linked)") == known_before + 1
    manager.goto(base_url + "/console/reports/deflection?period=all")
    assert kpi(manager, "Escalated to a case") == escalated_before + 1
    manager.context.close()

    # The resolution email links to the case page: the whole history, the linked article, and "Reopen".
    resolved = next(m for m in reversed(mails_to(live_app, address)) if "Resolved" in m["Subject"])
    link = re.search(r"(https?://\S+/cases/CS\d+)", resolved.get_content()).group(1)
    assert link == f"{base_url}/cases/{reference}"
    page.goto(link)
    expect(page.locator(".status")).to_have_text("Resolved")
    expect(page.locator(".history")).to_contain_text("Which certificate serial did you upload?")
    expect(page.locator(".history")).to_contain_text("Re-issued the GlobalSign certificate")
    expect(page.locator(".linked-articles a")).to_have_count(1)
    page.get_by_label("Why does the case need reopening?").fill("The upload still fails with the new certificate.")
    page.get_by_role("button", name="Reopen case").click()
    expect(page.locator(".status")).to_have_text("In Progress")
    expect(page.get_by_role("status").first).to_contain_text("reopened")



def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has focus (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"{selector} never received focus by Tab")


def test_the_assistant_works_by_keyboard_alone(page: Page, base_url: str, live_app):
    participant_signs_in(page, base_url, live_app)
    page.goto(base_url + "/assist")
    tab_to(page, "#assist-message")
    page.keyboard.type(QUESTION)
    tab_to(page, "#assist-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".assist-answer h2")).to_be_focused(timeout=ANSWER_WAIT)  # focus moves to the answer
    tab_to(page, "form.handover button[type=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases/form$"))
    expect(page.get_by_label("Category (required)")).to_have_value("Certificate Admin Reg & Vetting")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()


# -- accessibility ------------------------------------------------------------------------------------
def test_assistant_page_is_accessible_before_and_after_an_answer(axe_page: Page, base_url: str, axe, live_app):
    participant_signs_in(axe_page, base_url, live_app)  # so "Raise this case" opens the form itself
    axe_page.goto(base_url + "/assist")
    assert axe() == []
    ask(axe_page, QUESTION)
    axe_page.get_by_text("Why this answer?").click()
    assert axe() == []
    axe_page.get_by_role("button", name="Raise this case").click()
    expect(axe_page.get_by_label("Subject")).to_have_value(re.compile("GlobalSign certificate upload"))
    assert axe() == []


def test_case_pages_are_accessible_with_errors_confirmation_and_tracking(axe_page: Page, base_url: str, axe,
                                                                         live_app):
    page = axe_page
    participant_signs_in(page, base_url, live_app)
    assert axe() == []  # my cases
    page.goto(base_url + "/cases/form?scenario=DIP-CERT-02&category=Certificate+Admin+Reg+%26+Vetting")
    assert axe() == []
    page.get_by_role("button", name="Submit case").click()
    expect(page.locator(".error-summary, [role=alert]").first).to_be_visible()
    expect(page).to_have_title(re.compile("^Error: "))
    assert axe() == []
    fill_requester(page)
    page.get_by_label("Subject").fill("Certificate upload fails")
    page.get_by_label("Description").fill("The portal rejects the upload of our GlobalSign certificate.")
    page.get_by_role("button", name="Submit case").click()
    expect(page.get_by_role("heading", name="Case received")).to_be_visible()
    assert axe() == []
    page.get_by_role("link", name=re.compile(r"^Track case CS")).click()
    expect(page.locator(".status")).to_have_text("New")
    assert axe() == []
    page.goto(base_url + "/account/tokens")
    page.get_by_label("Token name").fill("nightly export")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("code.token")).to_be_visible()
    assert axe() == []


def test_sign_in_and_registration_pages_are_accessible_with_errors(axe_page: Page, base_url: str, axe):
    page = axe_page
    page.goto(base_url + "/account/register")
    assert axe() == []
    page.get_by_role("button", name="Submit").click()
    expect(page).to_have_title(re.compile("^Error: "))
    assert axe() == []
    page.goto(base_url + "/account/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(re.compile("^Error: "))
    assert axe() == []


OTHER_PAGES = ["/cases/new", "/cases/new?q=bulk+upload", "/cases/link", "/account/login", "/privacy", "/terms",
               "/glossary/acceptance", "/articles/dip-message-bounce-back/history"]


@pytest.mark.parametrize("path", OTHER_PAGES)
def test_remaining_page_types_are_accessible(axe_page: Page, base_url: str, axe, path: str):
    axe_page.goto(base_url + path)
    expect(axe_page.locator("h1")).to_be_visible()
    assert axe() == []


def test_lost_link_page_is_accessible_with_errors_and_when_sent(axe_page: Page, base_url: str, axe):
    axe_page.goto(base_url + "/cases/link")
    axe_page.get_by_role("button", name=re.compile("Send")).click()
    expect(axe_page).to_have_title(re.compile("^Error: "))
    assert axe() == []
    axe_page.get_by_label("Case reference").fill("CS0000001")
    axe_page.get_by_label("Email address").fill("nobody@example.com")
    axe_page.get_by_role("button", name=re.compile("Send")).click()
    expect(axe_page.get_by_role("status").first).to_contain_text("If the reference and email address match")
    assert axe() == []


# -- payloads never run (escaping alone, with the CSP bypassed) -----------------------------------------
def test_payloads_typed_into_the_chat_and_case_pages_never_run(axe_page: Page, base_url: str, live_app):
    page = axe_page  # its context bypasses the CSP, so only escaping stands between a payload and a script
    participant_signs_in(page, base_url, live_app)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base_url + "/assist")
    ask(page, f"{XSS} certificate upload")
    expect(page.locator(".exchange .msg-text")).to_contain_text("<script>alert(1)</script>")  # shown as text
    page.goto(base_url + "/cases/form?scenario=DIP-CERT-02&category=Certificate+Admin+Reg+%26+Vetting")
    fill_requester(page)
    page.get_by_label("Subject").fill(XSS)
    page.get_by_label("Description").fill(XSS)
    page.get_by_label("URL of related page or document").fill("javascript:alert(1)")
    page.get_by_role("button", name="Submit case").click()  # refused: not an http(s) URL
    expect(page.get_by_label("Subject")).to_have_value(XSS)
    page.get_by_label("URL of related page or document").fill("")
    page.get_by_role("button", name="Submit case").click()
    page.get_by_role("link", name=re.compile(r"^Track case CS")).click()
    expect(page.locator("p.lead")).to_have_text(XSS)
    page.get_by_label("Your comment").fill(XSS)
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator(".history")).to_contain_text("onerror=alert(1)")
    assert page.locator("img[src=x], svg[onload]").count() == 0
    assert dialogs == []
