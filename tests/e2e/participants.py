"""A participant in the browser: an account, its one-time code from the outbox, and signing in with it."""
from __future__ import annotations

import email
import email.policy
import re
import time
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect


def mails_to(live_app, address: str) -> list[email.message.EmailMessage]:
    folder = Path(live_app.config["KB_OUTBOX_DIR"])
    found = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
             for p in sorted(folder.glob("*.eml"))]
    return [m for m in found if m["To"] == address]  # type: ignore[misc]


def code_for(live_app, address: str) -> str:
    """The 6-digit code last mailed to ``address`` (codes land in outbox/ when no SMTP is set)."""
    for _ in range(50):
        for msg in reversed(mails_to(live_app, address)):
            if match := re.search(r"code is (\d{6})", msg.get_content()):
                return match.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code mailed to {address}")


def account_for(live_app, address: str):
    """The verified account of ``address``, added the way `flask account add` does when it is not there yet."""
    accounts = live_app.extensions["kb"].accounts
    return accounts.by_email(address) or accounts.add(address, "Grace", "Hopper")


def participant_signs_in(page: Page, base_url: str, live_app, address: str | None = None) -> str:
    """A registered participant signs in the way the README says: email, 'Get code', the code from outbox/."""
    address = address or f"participant-{uuid.uuid4().hex[:8]}@example.com"
    account_for(live_app, address)
    page.goto(base_url + "/account/login")
    page.get_by_label("Email").fill(address)
    page.get_by_role("button", name="Get code").click()
    expect(page.get_by_role("status").first).to_contain_text("we have sent a 6-digit code")
    page.get_by_label("Code").fill(code_for(live_app, address))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    return address
