"""`flask --app app incident ...` as the issue's Interfaces section spells it."""
from __future__ import annotations

import pytest


def invoke(runner, *args: str):
    return runner.invoke(args=["incident", *args])


def test_declare_update_resolve_close(runner, app):
    result = invoke(runner, "declare", "--scenario", "SC1", "--severity", "P1", "--title", "DIP down",
                    "--impact", "Messages are not delivered", "--services", "DIP,Registration", "--contact", "Jo")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "MI0000001"
    incident = app.extensions["kb"].incidents.store.get("MI0000001")
    assert incident.services == ("DIP", "Registration") and incident.contact_name == "Jo"

    assert invoke(runner, "update", "MI0000001", "--text", "Investigating").exit_code == 0
    result = invoke(runner, "resolve", "MI0000001", "--text", "Fixed")
    assert result.exit_code == 0 and "MI0000001 resolved" in result.output
    assert invoke(runner, "close", "MI0000001").exit_code == 0
    assert [u.text for u in app.extensions["kb"].incidents.store.get("MI0000001").public_updates] == [
        "Messages are not delivered", "Investigating", "Fixed"]


@pytest.mark.parametrize("args, names", [
    (["declare", "--scenario", "SC99", "--severity", "P1", "--title", "T", "--impact", "I"], "SC99"),
    (["declare", "--scenario", "SC1", "--severity", "P1", "--title", "T", "--impact", "I", "--services", "DIP,Telex"],
     "Telex"),
    (["declare", "--severity", "P1", "--title", "T", "--impact", "I"], "--services"),
    (["declare", "--scenario", "SC1", "--severity", "P5", "--title", "T", "--impact", "I"], "P1 or P2"),
    (["update", "MI0000404", "--text", "T"], "MI0000404"),
    (["resolve", "nonsense", "--text", "T"], "nonsense"),
])
def test_bad_input_exits_2_naming_what_is_wrong(runner, args, names):
    result = invoke(runner, *args)
    assert result.exit_code == 2
    assert names in result.output and "Traceback" not in result.output


def test_an_update_on_a_closed_incident_is_refused_with_the_reason(runner):
    invoke(runner, "declare", "--scenario", "SC18", "--severity", "P2", "--title", "DTN", "--impact", "I")
    invoke(runner, "resolve", "MI0000001", "--text", "Fixed")
    invoke(runner, "close", "MI0000001")
    result = invoke(runner, "update", "MI0000001", "--text", "late")
    assert result.exit_code == 2 and "closed" in result.output
