"""Major incidents through the test client: the console (roles, declare, update, link, resolve, close), the public
status page, API and feed at each step, the banner, and following by email (outbox)."""
from __future__ import annotations

import email
import email.policy
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.console.accounts import Role
from tests.web.test_console import CSRF, case_form, cheap_hashes, gen_case, gen_staff, login, set_csrf  # noqa: F401

DECLARE = {"title": "DIP not delivering messages", "scenario": "SC1", "severity": "P1",
           "impact": "Messages sent to the DIP are not being delivered.", "next_steps": "Next update by 10:00."}


def kb(app):
    return app.extensions["kb"]


def mails(app) -> list:
    outbox = Path(app.config["KB_OUTBOX_DIR"])
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(outbox.glob("*.eml"))]


def post(client, url: str, **data):
    return client.post(url, data={"csrf_token": CSRF, **data})


@pytest.fixture
def agent(app, client):
    staff = gen_staff(app, Role.AGENT)
    assert login(client, staff.email).status_code == 302
    return staff


def declare(client) -> str:
    resp = post(client, "/console/incidents/", **DECLARE)
    assert resp.status_code == 302, resp.data
    return resp.headers["Location"].rsplit("/", 1)[-1]


def status_of(client, service: str = "DIP") -> str:
    return next(s["state"] for s in client.get("/api/status").json["services"] if s["id"] == service)


def test_only_case_workers_change_incidents_and_anonymous_visitors_are_sent_to_sign_in(app, client):
    assert client.get("/console/incidents/").status_code == 302
    set_csrf(client)
    assert post(client, "/console/incidents/", **DECLARE).status_code == 302  # to the login page
    manager = gen_staff(app, Role.KNOWLEDGE_MANAGER)
    login(client, manager.email)
    assert client.get("/console/incidents/").status_code == 200  # may read
    assert post(client, "/console/incidents/", **DECLARE).status_code == 403
    reference = kb(app).incidents.declare(title="T", impact="I", severity="P2", scenario="SC18").reference
    for action in ("update", "resolve", "close", "link"):
        assert post(client, f"/console/incidents/{reference}/{action}", text="x").status_code == 403
    assert kb(app).incidents.store.get(reference).is_open


def test_declare_with_bad_input_keeps_what_was_typed(client, agent):
    resp = post(client, "/console/incidents/", **{**DECLARE, "scenario": "none"})
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert "Choose at least one affected service" in page and DECLARE["impact"] in page
    resp = post(client, "/console/incidents/", **{**DECLARE, "scenario": "SC6"})
    assert resp.status_code == 400 and "Unknown scenario" in resp.get_data(as_text=True)


def test_declare_update_link_resolve_close_with_status_api_banner_and_emails(app, client, agent):
    assert status_of(client) == "operational" and b"incident-banner" not in client.get("/").data
    raised = [gen_case(app, email=f"raiser{n}@example.com", subject=f"DIP not sending {n}") for n in range(2)]

    reference = declare(client)
    assert reference == "MI0000001"
    assert status_of(client) == "outage" and status_of(client, "DTN") == "operational"
    home = client.get("/").get_data(as_text=True)
    assert "incident-banner" in home and f"/status/{reference}" in home  # on every public page
    assert "incident-banner" in client.get("/glossary/").get_data(as_text=True)
    page = client.get("/status").get_data(as_text=True)
    assert reference in page and DECLARE["title"] in page

    # A participant follows by email and confirms by link.
    set_csrf(client)
    assert post(client, f"/status/{reference}/follow", email="not-an-address").status_code == 400
    resp = post(client, f"/status/{reference}/follow", email="pat@example.com")
    assert resp.status_code == 302
    confirm = re.search(r"/status/follow/\S+", mails(app)[-1].get_content()).group(0)
    assert client.get(confirm).status_code == 200
    post(client, f"/status/{reference}/follow", email="pat@example.com")  # following twice: no second email
    assert len(mails(app)) == 3  # two case confirmations, one follow confirmation

    # Cases raised since the incident started are listed, suggested, and bulk-linked from the console.
    incident_page = client.get(f"/console/incidents/{reference}").get_data(as_text=True)
    assert raised[0].reference not in incident_page  # by default: raised since the incident started
    later = gen_case(app, email="late@example.com", subject="Is the DIP down?")
    incident_page = client.get(f"/console/incidents/{reference}?since=1").get_data(as_text=True)
    assert re.search(rf'value="{later.reference}"[^>]*checked', incident_page)  # raised during it: suggested
    assert re.search(rf'value="{raised[0].reference}" id="[^"]*">', incident_page)  # listed, not suggested
    resp = post(client, f"/console/incidents/{reference}/link", case=[c.reference for c in [*raised, later]])
    assert resp.status_code == 302

    resp = post(client, f"/console/incidents/{reference}/update", text="Routing tables being rebuilt.",
                internal_note="Vendor ticket 42", next_steps="Next update by 11:00.")
    assert resp.status_code == 302
    update_mail = mails(app)[-1]
    assert update_mail["To"] == "pat@example.com" and "Routing tables being rebuilt." in update_mail.get_content()
    assert "Vendor ticket 42" not in update_mail.get_content() and "/status/unfollow/" in update_mail.get_content()
    api = client.get("/api/status").json["incidents"][0]
    assert [u["text"] for u in api["updates"]] == [DECLARE["impact"], "Routing tables being rebuilt."]
    assert api["next_steps"] == "Next update by 11:00." and api["sla_status"] == "In SLA"
    assert "Vendor ticket 42" not in client.get(f"/status/{reference}").get_data(as_text=True)
    assert "Vendor ticket 42" in client.get(f"/console/incidents/{reference}").get_data(as_text=True)

    before = len(mails(app))
    resp = post(client, f"/console/incidents/{reference}/resolve", resolution="Routing tables rebuilt; flowing.")
    assert resp.status_code == 302
    sent = mails(app)[before:]
    assert sorted(m["To"] for m in sent) == sorted(["pat@example.com", "late@example.com",
                                                    "raiser0@example.com", "raiser1@example.com"])
    for case in [*raised, later]:
        assert kb(app).case_store.get_case_for_staff(case.reference).status.value == "Resolved"
    assert status_of(client) == "operational" and b"incident-banner" not in client.get("/").data
    api = client.get("/api/status").json["incidents"][0]
    assert api["state"] == "resolved" and api["resolved_at"] and api["updates"][-1]["text"].startswith("Routing")
    assert "was resolved on" in client.get(f"/status/{reference}").get_data(as_text=True)
    report = client.get(f"/console/incidents/{reference}").get_data(as_text=True)
    assert re.search(r"Cases linked</dt><dd>3<", report) and re.search(r"Followers</dt><dd>1<", report)

    assert post(client, f"/console/incidents/{reference}/close").status_code == 302
    resp = post(client, f"/console/incidents/{reference}/update", text="Too late")
    assert resp.status_code == 409 and "closed: it takes no more updates" in resp.get_data(as_text=True)


def test_unfollow_link_asks_then_stops_the_emails(app, client):
    incidents = kb(app).incidents
    reference = incidents.declare(title="DTN outage", impact="No D0010", severity="P2", scenario="SC18").reference
    follower = incidents.follow_by_email(reference, "pat@example.com")
    incidents.confirm_follower(follower.token)
    page = client.get(f"/status/unfollow/{follower.token}")
    assert page.status_code == 200 and b"Unfollow" in page.data
    assert incidents.store.followers(follower.incident_id)  # a GET (a mail scanner) unfollows nobody
    set_csrf(client)
    assert b"You have unfollowed" in post(client, f"/status/unfollow/{follower.token}").data
    before = len(mails(app))
    incidents.post_update(reference, "Still investigating")
    assert len(mails(app)) == before
    assert client.get("/status/follow/not-a-token").status_code == 404


def test_feed_lists_public_updates_and_unknown_references_are_404(app, client):
    incidents = kb(app).incidents
    reference = incidents.declare(title="VAS <reports>", impact="No REP003 & friends", severity="P2",
                                  scenario="SC9").reference
    incidents.post_update(reference, "Helix engaged", internal_note="secret")
    resp = client.get("/status/feed.atom")
    assert resp.mimetype == "application/atom+xml"
    root = ET.fromstring(resp.data)  # well-formed, with the markup escaped
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert [e.find("a:content", ns).text for e in entries] == ["Helix engaged", "No REP003 & friends"]
    assert b"secret" not in resp.data
    assert client.get("/status/MI0000404").status_code == 404
    resp = client.get("/api/status/MI0000404")
    assert resp.status_code == 404 and resp.json["error"]


def test_a_signed_in_participant_follows_in_one_click_at_their_verified_address(app, client, raiser):
    set_csrf(client)
    incidents = kb(app).incidents
    reference = incidents.declare(title="DIP down", impact="No messages", severity="P1", scenario="SC1").reference
    page = client.get(f"/status/{reference}").get_data(as_text=True)
    assert 'name="email"' not in page.split('id="follow-h"', 1)[1].split("</section>", 1)[0]
    r = post(client, f"/status/{reference}/follow")
    assert r.status_code == 302
    followers = incidents.store.followers(incidents.store.get(reference).id)
    assert [(f.email, f.confirmed) for f in followers] == [(raiser.email, True)]  # no confirmation link needed
