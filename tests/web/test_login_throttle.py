"""Issue 19.4 at the sign-in page: a browser that signed in before keeps signing in while the account's
password is being guessed from elsewhere; other browsers wait (429 with Retry-After)."""
from __future__ import annotations

from .test_console import CSRF, PASSWORD, cheap_hashes, gen_staff  # noqa: F401


def _sign_in(client, email: str, password: str, ip: str):
    with client.session_transaction() as session:
        session["_csrf"] = CSRF
    return client.post("/console/login", data={"email": email, "password": password, "csrf_token": CSRF},
                       environ_base={"REMOTE_ADDR": ip})


def test_a_browser_that_signed_in_before_is_not_locked_out_by_guessing_elsewhere(app):
    staff = gen_staff(app)
    owner = app.test_client()
    signed_in = _sign_in(owner, staff.email, PASSWORD, "10.1.0.1")
    assert signed_in.status_code == 302
    device = next(c for c in signed_in.headers.getlist("Set-Cookie") if c.startswith("kb_device="))
    assert "HttpOnly" in device and "SameSite=Lax" in device and "Path=/console" in device
    owner.post("/console/logout", data={"csrf_token": CSRF})
    attacker = app.test_client()
    statuses = [_sign_in(attacker, staff.email, "wrong guess wrong guess", f"10.9.0.{i}").status_code
                for i in range(12)]
    assert statuses[:5] == [401] * 5 and 429 in statuses[5:]
    stranger = app.test_client()  # the right password from a browser never used before: told to wait
    refused = _sign_in(stranger, staff.email, PASSWORD, "10.2.0.1")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # the owner's browser, even from a new address, signs in at once
    assert _sign_in(owner, staff.email, PASSWORD, "10.3.0.1").status_code == 302


def test_a_forged_or_foreign_device_cookie_is_not_trusted(app):
    staff = gen_staff(app)
    for i in range(6):
        _sign_in(app.test_client(), staff.email, "wrong guess wrong guess", f"10.9.1.{i}")
    forger = app.test_client()
    forger.set_cookie("kb_device", "not-signed", path="/console")
    assert _sign_in(forger, staff.email, PASSWORD, "10.4.0.1").status_code == 429
