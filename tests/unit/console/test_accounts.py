from __future__ import annotations

import logging

import pytest

from app.console.accounts import (
    InvalidAccount,
    InvalidLogin,
    LoginThrottled,
    Role,
    StaffAccounts,
    ThrottlePolicy,
)

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(engine, clock) -> StaffAccounts:
    return StaffAccounts(engine, clock, ThrottlePolicy(per_account=5, per_ip=8))


def test_adds_staff_with_a_scrypt_hash_never_the_password(accounts, engine):
    staff = accounts.add("  Agent@Example.COM ", "agent", PASSWORD)
    assert staff.email == "agent@example.com" and staff.role is Role.AGENT and staff.active
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM staff").scalar_one()
    assert stored.startswith("scrypt:") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("email", "role", "password", "message"),
    [
        ("not-an-email", "agent", PASSWORD, "valid email"),
        ("a@example.com", "superuser", PASSWORD, "Role must be"),
        ("a@example.com", "agent", "short", "at least 12"),
        ("a@example.com", "agent", "x" * 129, "at most 128"),
    ],
)
def test_rejects_bad_accounts(accounts, email, role, password, message):
    with pytest.raises(InvalidAccount, match=message):
        accounts.add(email, role, password)


def test_refuses_a_second_account_with_the_same_email(accounts):
    accounts.add("a@example.com", Role.ADMIN, PASSWORD)
    with pytest.raises(InvalidAccount, match="already exists"):
        accounts.add("A@example.com", Role.AGENT, PASSWORD)


def test_authenticates_with_the_right_password_and_records_the_login(accounts, clock):
    accounts.add("a@example.com", Role.AGENT, PASSWORD)
    staff = accounts.authenticate("A@example.com", PASSWORD, "10.0.0.1")
    assert staff.last_login_at == clock.now


@pytest.mark.parametrize("email,password", [("a@example.com", "wrong password!"), ("nobody@example.com", PASSWORD)])
def test_wrong_password_and_unknown_email_fail_alike(accounts, email, password):
    accounts.add("a@example.com", Role.AGENT, PASSWORD)
    with pytest.raises(InvalidLogin):
        accounts.authenticate(email, password, "10.0.0.1")


def test_deactivated_staff_cannot_log_in_and_their_sessions_end(accounts):
    staff = accounts.add("a@example.com", Role.AGENT, PASSWORD)
    after = accounts.set_active(staff.id, False)
    assert after.session_nonce != staff.session_nonce
    with pytest.raises(InvalidLogin):
        accounts.authenticate("a@example.com", PASSWORD, "10.0.0.1")


def test_throttles_after_five_failures_for_the_same_email_and_ip_even_with_the_right_password(accounts, clock):
    accounts.add("a@example.com", Role.AGENT, PASSWORD)
    for _ in range(5):
        with pytest.raises(InvalidLogin):
            accounts.authenticate("a@example.com", "guess guess guess", "10.0.0.1")
        clock.advance(seconds=10)
    with pytest.raises(LoginThrottled) as exc:
        accounts.authenticate("a@example.com", PASSWORD, "10.0.0.1")
    assert 0 < exc.value.retry_after <= 15 * 60
    # another address is not blocked by this one's failures
    assert accounts.authenticate("a@example.com", PASSWORD, "10.0.0.2").email == "a@example.com"


def test_the_throttle_window_slides(accounts, clock):
    accounts.add("a@example.com", Role.AGENT, PASSWORD)
    for _ in range(5):
        with pytest.raises(InvalidLogin):
            accounts.authenticate("a@example.com", "guess guess guess", "10.0.0.1")
    clock.advance(minutes=15, seconds=1)
    assert accounts.authenticate("a@example.com", PASSWORD, "10.0.0.1")


def test_success_clears_the_failures_for_that_email_and_ip(accounts):
    accounts.add("a@example.com", Role.AGENT, PASSWORD)
    for _ in range(4):
        with pytest.raises(InvalidLogin):
            accounts.authenticate("a@example.com", "guess guess guess", "10.0.0.1")
    accounts.authenticate("a@example.com", PASSWORD, "10.0.0.1")
    for _ in range(4):
        with pytest.raises(InvalidLogin):
            accounts.authenticate("a@example.com", "guess guess guess", "10.0.0.1")
    assert accounts.authenticate("a@example.com", PASSWORD, "10.0.0.1")


def test_throttles_one_ip_trying_many_emails(accounts):
    for i in range(8):
        with pytest.raises(InvalidLogin):
            accounts.authenticate(f"user{i}@example.com", "guess guess guess", "10.0.0.9")
    with pytest.raises(LoginThrottled):
        accounts.authenticate("other@example.com", "guess guess guess", "10.0.0.9")


def test_failed_logins_are_logged_without_the_password(accounts, caplog):
    accounts.add("a@example.com", Role.AGENT, PASSWORD)
    with caplog.at_level(logging.INFO, logger="app.console.accounts"), pytest.raises(InvalidLogin):
        accounts.authenticate("a@example.com", "my secret guess", "10.0.0.1")
    assert "staff login failed (wrong password)" in caplog.text and "10.0.0.1" in caplog.text
    assert "my secret guess" not in caplog.text


def test_password_change_and_logout_rotate_the_session_nonce(accounts):
    staff = accounts.add("a@example.com", Role.AGENT, PASSWORD)
    changed = accounts.set_password("a@example.com", "another long password")
    assert changed.session_nonce != staff.session_nonce
    accounts.end_sessions(staff.id)
    assert accounts.get(staff.id).session_nonce != changed.session_nonce
    assert accounts.authenticate("a@example.com", "another long password", "10.0.0.1")


def test_has_role_needs_an_active_account(accounts):
    staff = accounts.add("a@example.com", Role.KNOWLEDGE_MANAGER, PASSWORD)
    assert staff.has_role(Role.KNOWLEDGE_MANAGER, Role.ADMIN) and not staff.has_role(Role.AGENT)
    assert not accounts.set_active(staff.id, False).has_role(Role.KNOWLEDGE_MANAGER)
