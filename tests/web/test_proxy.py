"""Behind a reverse proxy (KB_PROXY_FIX=n) rate limits count each client, and a client cannot dodge them
by sending its own X-Forwarded-For; without it the header is ignored."""

from __future__ import annotations

import pytest
from conftest import gen_account, use_token

from app import create_app
from app.config import load_config

CASE = {
    "name": "Ada Lovelace", "email": "ada@example.com", "party_id": "ADAPWR", "market_participant_id": "ADAP",
    "cra_market_role": "Supplier", "category": "DIP – Registration / General Portal", "scenario_id": "DIP-REG-01",
    "subject": "No DIP invitation link yet", "description": "We requested onboarding on the 3rd and have had nothing.",
}  # fmt: skip


def post_case(client, forwarded_for: str | None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/api/cases", json=CASE, headers=headers).status_code


@pytest.fixture
def limited(app_config: dict):
    def make(proxies: int):
        """A client of an app with a tight case limit, carrying a participant's API token."""
        app = create_app({**app_config, "KB_PROXY_FIX": proxies, "KB_RATE_LIMITS": "case-create=2/86400"})
        client = app.test_client()
        use_token(app, client, gen_account(app))
        return client

    return make


def test_without_proxy_fix_a_forged_forwarded_for_does_not_dodge_the_limit(limited) -> None:
    client = limited(0)
    codes = [post_case(client, f"203.0.113.{n}") for n in range(3)]
    assert codes == [201, 201, 429]


def test_behind_one_proxy_each_client_address_has_its_own_limit(limited) -> None:
    client = limited(1)
    assert [post_case(client, "203.0.113.7") for _ in range(3)] == [201, 201, 429]
    assert post_case(client, "198.51.100.4") == 201  # another client behind the same proxy


def test_behind_one_proxy_only_the_address_the_proxy_added_counts(limited) -> None:
    client = limited(1)
    # The client forges the left part; the proxy appends the real address on the right.
    codes = [post_case(client, f"10.0.0.{n}, 203.0.113.7") for n in range(3)]
    assert codes == [201, 201, 429]


def test_proxy_fix_is_read_from_the_environment_as_a_number() -> None:
    assert load_config({})["KB_PROXY_FIX"] == 0
    assert load_config({"KB_PROXY_FIX": "2"})["KB_PROXY_FIX"] == 2
