"""Issue 19.4: strong staff passwords (zxcvbn score >= 3, not the email, name or site words), and throttling
per account across addresses that never locks the right password out of a trusted browser."""
from __future__ import annotations

import pytest

from app.console.accounts import (
    InvalidAccount,
    InvalidLogin,
    LoginThrottled,
    Role,
    StaffAccounts,
    ThrottlePolicy,
    check_password_rules,
)

STRONG = "correct horse battery"


@pytest.mark.parametrize("password", [
    "aaaaaaaaaaaa", "passwordpassword", "123456789012", "qwertyuiopasdf", "Password1234!",
    "ada.lovelace@example.com", "Ada.Lovelace2026", "lovelace1234567", "mhhs-elexon-dip", "ElexonMHHS2026!",
])
def test_weak_passwords_are_refused_with_a_reason(password):
    with pytest.raises(InvalidAccount) as exc:
        check_password_rules(password, "ada.lovelace@example.com")
    assert any(reason in str(exc.value) for reason in ("too easy to guess", "email address or name", "site's name"))


@pytest.mark.parametrize("password", [STRONG, "tulip quarry ninth sprocket", "vK8#qZ2!mT9@wL4$", "7#9$2@4!1&8*5^3%"])
def test_strong_passwords_are_accepted(password):
    check_password_rules(password, "ada.lovelace@example.com")


def test_adding_and_changing_an_account_check_strength(engine, clock):
    accounts = StaffAccounts(engine, clock)
    with pytest.raises(InvalidAccount, match="too easy to guess"):
        accounts.add("a@example.com", Role.AGENT, "passwordpassword")
    accounts.add("a@example.com", Role.AGENT, STRONG)
    with pytest.raises(InvalidAccount, match="email address or name"):
        accounts.set_password("a@example.com", "a@example.com-123")


class Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def __call__(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


def _fail(accounts, ip: str, email: str = "a@example.com") -> None:
    with pytest.raises(InvalidLogin):
        accounts.authenticate(email, "wrong guess wrong guess", ip)


def test_guessing_spread_over_many_addresses_is_slowed_down_per_account(engine, clock):
    accounts = StaffAccounts(engine, clock, ThrottlePolicy())
    accounts.add("a@example.com", Role.AGENT, STRONG)
    for i in range(5):  # five addresses, one guess each: under every per-address limit
        _fail(accounts, f"10.0.1.{i}")
    delays = []
    for i in range(5, 10):
        with pytest.raises(LoginThrottled) as exc:  # the next guess from a new address must wait...
            accounts.authenticate("a@example.com", "wrong guess wrong guess", f"10.0.1.{i}")
        delays.append(exc.value.retry_after)
        clock.advance(seconds=exc.value.retry_after)
        _fail(accounts, f"10.0.1.{i}")  # ...and each failure doubles the wait
    assert delays == [2, 4, 8, 16, 32]
    with pytest.raises(LoginThrottled):  # an untrusted browser with the right password waits too
        accounts.authenticate("a@example.com", STRONG, "10.0.2.1")


def test_a_trusted_browser_with_the_right_password_is_never_locked_out(engine, clock):
    accounts = StaffAccounts(engine, clock, ThrottlePolicy())
    accounts.add("a@example.com", Role.AGENT, STRONG)
    for i in range(40):
        try:
            _fail(accounts, f"10.0.3.{i}")
        except LoginThrottled as exc:
            clock.advance(seconds=exc.retry_after)
            _fail(accounts, f"10.0.3.{i}")
    assert accounts.authenticate("a@example.com", STRONG, "192.168.0.7", trusted=True).email == "a@example.com"


def test_the_owner_is_emailed_once_after_ten_failures(engine, clock):
    outbox = Outbox()
    accounts = StaffAccounts(engine, clock, ThrottlePolicy(account_max_delay=ThrottlePolicy().window), notify=outbox)
    accounts.add("a@example.com", Role.AGENT, STRONG)
    for i in range(12):
        while True:
            try:
                _fail(accounts, f"10.0.4.{i}")
                break
            except LoginThrottled as exc:
                clock.advance(seconds=exc.retry_after)
        if i == 8:
            assert outbox.sent == []
    assert len(outbox.sent) == 1
    to, subject, body = outbox.sent[0]
    assert to == "a@example.com" and "Failed sign-ins" in subject and "10 failed attempts" in body
    for _ in range(3):  # unknown accounts are never emailed (and no mail says whether one exists)
        _fail(accounts, "10.0.5.1", "nobody@example.com")
    assert len(outbox.sent) == 1


def test_a_mail_failure_does_not_break_signing_in(engine, clock):
    def broken(to: str, subject: str, body: str) -> None:
        raise OSError("smtp down")

    accounts = StaffAccounts(engine, clock, ThrottlePolicy(account_free=100), notify=broken)
    accounts.add("a@example.com", Role.AGENT, STRONG)
    for i in range(10):
        _fail(accounts, f"10.0.6.{i}")
