"""Issue 15's journey in a real browser: staff declare SC1, a participant asks whether the DIP is down, is told it
is a known major incident, follows it, gets the update by email; staff resolve it and the status page says so.
Also axe on the status pages, the known-incident answer and the console's incident page."""
from __future__ import annotations

import email
import email.policy
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_journey import PASSWORD, ask, sign_in

pytestmark = pytest.mark.browser

QUESTION = "is the DIP down? nothing sending"


@pytest.fixture(scope="module")
def agent(live_app) -> str:
    address = f"mi-agent-{uuid.uuid4().hex[:6]}@example.com"
    result = live_app.test_cli_runner().invoke(args=["staff", "add", address, "--role", "agent"],
                                                input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    return address


@pytest.fixture
def cleanup(live_app):
    """Whatever happens, leave no incident open for the other browser tests (the banner, the assistant)."""
    yield
    incidents = live_app.extensions["kb"].incidents
    for incident in incidents.store.list(open_only=True):
        incidents.resolve(incident.reference, "Closed by the test run.")


def mail_to(live_app, address: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(Path(live_app.config["KB_OUTBOX_DIR"]).glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if msg["To"] == address:
            found.append(msg)
    return found


def test_declare_ask_follow_update_resolve(page: Page, browser: Browser, base_url: str, live_app, agent, axe,
                                           axe_page: Page, cleanup):
    staff = browser.new_context().new_page()
    sign_in(staff, base_url, agent, "/console/incidents/new")
    staff.get_by_label("Incident title").fill("DIP not delivering messages")
    staff.get_by_label("Scenario (section 18)").select_option("SC1")
    staff.get_by_label("P1 (SLA target 6 hours)").check()
    staff.get_by_label("Impact statement (public)").fill("Messages sent to the DIP are not being delivered.")
    staff.get_by_role("button", name="Declare major incident").click()
    reference = staff.locator("h1 .reference").inner_text()
    assert re.fullmatch(r"MI\d{7}", reference)

    # A participant asks; the assistant knows.
    page.goto(base_url + "/assist")
    expect(page.locator(".incident-banner")).to_contain_text(reference)
    ask(page, QUESTION)
    answer = page.locator(".assist-answer").last
    expect(answer.locator("h2")).to_have_text("Known major incident")
    expect(answer).to_contain_text("You do not need to raise a case")
    expect(page.get_by_role("button", name="I am affected differently")).to_be_visible()
    participant = f"pat-{uuid.uuid4().hex[:6]}@example.com"
    page.get_by_label("Your email address").fill(participant)
    page.get_by_role("button", name=f"Follow {reference}").click()
    expect(page.locator(".flash")).to_contain_text("Check your inbox")

    confirm = re.search(r"https?://\S+/status/follow/\S+", mail_to(live_app, participant)[-1].get_content()).group(0)
    page.goto(base_url + urlsplit(confirm).path)
    expect(page.locator("h1")).to_have_text(f"You are following {reference}")

    # Staff post an update: it arrives by email, with an unfollow link.
    staff.goto(f"{base_url}/console/incidents/{reference}")
    staff.get_by_label("Public update (emailed to followers)").fill("Routing tables are being rebuilt.")
    staff.get_by_role("button", name="Publish update").click()
    expect(staff.locator(".flash")).to_contain_text("Update published")
    update = mail_to(live_app, participant)[-1]
    assert "Routing tables are being rebuilt." in update.get_content() and "/status/unfollow/" in update.get_content()

    for path in ("/status", f"/status/{reference}"):
        axe_page.goto(base_url + path)
        assert axe() == [], path
    axe_page.goto(base_url + "/assist")
    ask(axe_page, QUESTION)
    assert axe() == []
    sign_in(axe_page, base_url, agent, f"/console/incidents/{reference}")
    assert axe() == []

    # Staff resolve; the status page shows it resolved and the banner is gone.
    staff.get_by_label("Resolution note").fill("Routing tables rebuilt; messages are flowing again.")
    staff.get_by_role("button", name=re.compile("Resolve incident")).click()
    expect(staff.locator(".flash")).to_contain_text(f"{reference} resolved")
    assert "Resolved" in mail_to(live_app, participant)[-1]["Subject"]
    page.goto(base_url + "/status")
    expect(page.locator(".incident-banner")).to_have_count(0)
    expect(page.locator(".lead")).to_contain_text("All services are operating normally")
    resolved = page.locator("h2", has_text="Resolved in the last 30 days").locator(
        "xpath=following-sibling::article[1]")
    expect(resolved).to_contain_text(reference)
    expect(resolved).to_contain_text("resolved")
    expect(page.get_by_role("row", name=re.compile("Data Integration Platform"))).to_contain_text("Operational")
