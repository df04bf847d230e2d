"""Issue 19.8: whether a case reference exists cannot be told from a wrong-token answer, by its content or by
the work done, and failed token checks are rate-limited per client."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from app import create_app
from app.cases import CaseNotFound
from app.cases.forms import validate_case_form

from .test_console import case_form, kb


@pytest.fixture
def raised(app):
    case, token = kb(app).cases.raise_case(validate_case_form(case_form())[0])
    return case.reference, token


def _statements(app, action) -> list[str]:
    seen: list[str] = []
    engine = kb(app).case_store.engine

    def log(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "rate_limits" not in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", log)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", log)
    return seen


def test_a_wrong_token_and_a_missing_case_do_the_same_database_work(app, raised):
    reference, _ = raised
    store = kb(app).case_store
    def attempt(ref):
        def run():
            with pytest.raises(CaseNotFound):
                store.get_case(ref, "wrong-token")
        return run

    existing = _statements(app, attempt(reference))
    missing = _statements(app, attempt("CS9999999"))
    assert existing == missing and len(existing) == 1  # one small query either way, never the case's events


@pytest.mark.parametrize("path", ["/cases/{ref}?token=wrong", "/api/cases/{ref}?token=wrong"])
def test_failed_token_checks_are_limited_per_client(app_config, path):
    app = create_app({**app_config, "KB_RATE_LIMITS": "case-token=3/86400"})
    case, token = kb(app).cases.raise_case(validate_case_form(case_form())[0])
    client = app.test_client()
    refs = [case.reference, "CS9999998", "CS9999997"]
    assert [client.get(path.format(ref=r)).status_code for r in refs] == [404, 404, 404]
    blocked = client.get(path.format(ref=case.reference).replace("wrong", token))
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0  # even the right token waits
    other = app.test_client()
    assert other.get(path.format(ref=case.reference).replace("wrong", token),
                     environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200  # per client
