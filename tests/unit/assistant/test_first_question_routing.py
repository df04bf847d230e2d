"""First questions in users' everyday wording reach the row, request or article the service definition means:
words with another sense in a row's name (a certificate that "ran out" is not a settlement run) do not carry the
match, and a question is not routed to a fault it does not report."""
from __future__ import annotations

import pytest

from app.assistant.signals import read_signals
from app.assistant.text import terms_of


@pytest.mark.parametrize("text", ["our certificate has run out", "the cert ran out on Sunday",
                                  "certificate lapsed", "our DIP certificate is out of date"])
def test_something_valid_for_a_time_that_ran_out_has_expired(text):
    assert "expir" in terms_of(text) and "run" not in terms_of(text)
    assert read_signals(text).problem  # an expired certificate is a fault reported, not a question


def test_running_out_of_something_is_not_expiry():
    assert "expir" not in terms_of("we've run out of disk space")


@pytest.mark.parametrize("text", ["our certificate has run out", "certificate lapsed over the weekend, what now",
                                  "the DIP certificate has now expired"])
def test_an_expired_certificate_is_the_certificate_renewal_row(shipped, text):
    """DIP-ANNUAL-01 (Certificate Renewal): self-help first, the case ready; not the GlobalSign upload failure."""
    answer = shipped.assistant.answer(text)
    assert answer.decision.entity is not None and answer.decision.entity.id == "DIP-ANNUAL-01", answer.decision.why
    assert answer.action == "self_help" and answer.decision.case_draft is not None
