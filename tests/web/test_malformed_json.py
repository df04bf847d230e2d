"""Issue 19.3: malformed input gives 400 with {"error", "fields"}, never 500 (and never a traceback in the log)."""
from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.console.accounts import Role

PASSWORD = "correct horse battery"
CSRF = "test-csrf"
ENDPOINTS = ("/api/cases", "/api/assist")
LONE = ["\\ud800", "\\udfff", "\\udc00x", "a\\ud83d"]  # JSON escapes of unpaired UTF-16 surrogates


@pytest.fixture
def app_config(app_config):
    return {**app_config, "KB_RATE_LIMITS": "assist-api=100000/60"}  # the fuzz asks many times


def _post(client, path: str, body: str):
    return client.post(path, data=body, content_type="application/json")


def _assert_clear_400(resp) -> dict:
    assert resp.status_code == 400, resp.get_data(as_text=True)
    body = resp.get_json()
    assert isinstance(body["error"], str) and body["error"]
    assert body["fields"] and all(isinstance(m, str) and m for m in body["fields"].values())
    return body


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("escape", LONE)
def test_a_lone_surrogate_in_a_string_is_refused_naming_the_field(client, caplog, path, escape, raiser):
    with caplog.at_level(logging.ERROR):
        body = _assert_clear_400(_post(client, path, f'{{"message": "help {escape}", "subject": "x{escape}"}}'))
    assert set(body["fields"]) <= {"message", "subject"}
    assert "Traceback" not in caplog.text and not caplog.records


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_lone_surrogate_in_a_key_or_nested_value_is_refused(client, path, raiser):
    _assert_clear_400(_post(client, path, '{"message": "help", "\\ud800": 1}'))
    _assert_clear_400(_post(client, path, '{"message": "help", "extra": {"deep": ["ok", "\\udc00"]}}'))


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("depth", [40, 5_000, 100_000])
def test_deep_nesting_is_refused(client, caplog, path, depth, raiser):
    with caplog.at_level(logging.ERROR):
        _assert_clear_400(_post(client, path, '{"message": ' + "[" * depth + "]" * depth + "}"))
        _assert_clear_400(_post(client, path, "[" * depth + "]" * depth))
    assert not caplog.records


def test_ordinary_nesting_and_real_astral_characters_still_work(client, raiser):
    resp = _post(client, "/api/assist", json.dumps({"message": "My DIP message bounced back 🙂"}))
    assert resp.status_code == 200  # a surrogate pair that makes one real character is text


# Fuzz: any JSON object with a lone surrogate or deep nesting somewhere gives a clear 400.
_lone = st.sampled_from(LONE)
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters='"\\'), max_size=20)


def _nest(inner: str, depth: int, kind: str) -> str:
    return ("[" * depth + inner + "]" * depth) if kind == "list" else ('{"k": ' * depth + inner + "}" * depth)


@st.composite
def malformed_bodies(draw) -> str:
    keys = draw(st.lists(st.sampled_from(["message", "subject", "description", "email", "x"]), min_size=1,
                         max_size=4, unique=True))
    values = [json.dumps(draw(_text)) for _ in keys]
    where = draw(st.integers(0, len(keys) - 1))
    if draw(st.booleans()):
        bad = '"' + draw(_text).replace("\\", "") + draw(_lone) + '"'
        depth = draw(st.integers(0, 5))
        if draw(st.booleans()):
            keys[where] = bad[1:-1]  # the surrogate in a key
        else:
            values[where] = _nest(bad, depth, draw(st.sampled_from(["list", "dict"])))
    else:
        depth = draw(st.integers(33, 3_000))
        values[where] = _nest(json.dumps(draw(_text)), depth, draw(st.sampled_from(["list", "dict"])))
    return "{" + ", ".join(f'"{k}": {v}' for k, v in zip(keys, values, strict=True)) + "}"


@pytest.mark.parametrize("path", ENDPOINTS)
@settings(max_examples=40, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=malformed_bodies())
def test_fuzz_malformed_json_bodies_get_a_clear_400(client, path, body, raiser):
    _assert_clear_400(_post(client, path, body))


@pytest.mark.parametrize("next_", ["/console/\nX", "/console/\r\nSet-Cookie: a=b", "\n", "/console/cases\x00",
                                   "/console/\x7f"])
def test_a_control_character_in_next_is_ignored_not_a_500(app, client, monkeypatch, next_):
    monkeypatch.setattr("app.console.accounts.HASH_METHOD", "scrypt:1024:8:1")
    app.extensions["kb"].staff.add("agent@example.com", Role.AGENT, PASSWORD)
    with client.session_transaction() as session:
        session["_csrf"] = CSRF
    assert client.get("/console/login", query_string={"next": next_}).status_code == 200
    resp = client.post("/console/login", query_string={"next": next_},
                       data={"email": "agent@example.com", "password": PASSWORD, "csrf_token": CSRF})
    assert resp.status_code == 302 and resp.location == "/console/"
    signed_in = client.get("/console/login", query_string={"next": next_})  # already signed in: redirect
    assert signed_in.status_code == 302 and "\n" not in signed_in.location
