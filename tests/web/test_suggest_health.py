"""Suggestions while typing, the glossary filter, and the load balancer's health checks."""
import time


def suggest(client, q):
    r = client.get("/api/suggest", query_string={"q": q})
    assert r.status_code == 200
    return r.get_json()["suggestions"]


def test_suggestions_match_titles_and_glossary_terms_by_prefix_and_typo(client):
    titles = {(s["kind"], s["title"]) for s in suggest(client, "webh")}
    assert ("article", "Webhook not receiving DIP messages") in titles
    assert all(set(s) == {"kind", "title", "url"} for s in suggest(client, "webh"))
    typo = suggest(client, "certficate")
    assert any("Certificate" in s["title"] for s in typo)
    ldso = suggest(client, "ldso")
    ldso_term = {"kind": "glossary", "title": "Licensed Distribution System Operator (LDSO)", "url": "/glossary/ldso"}
    assert ldso_term in ldso
    assert suggest(client, "") == [] and suggest(client, "zzqqxx") == []


def test_suggestions_answer_within_ten_milliseconds(client):
    suggest(client, "ce")  # builds the suggester once
    started = time.perf_counter()
    for q in ("c", "ce", "cer", "cert", "certi", "certif", "dip m", "webhok"):
        suggest(client, q)
    assert (time.perf_counter() - started) / 8 < 0.010


def test_an_overlong_suggestion_query_is_a_400_naming_q(client):
    r = client.get("/api/suggest", query_string={"q": "x" * 501})
    assert r.status_code == 400 and r.get_json()["field"] == "q"


def test_glossary_filter_on_the_page_and_the_api(client):
    everything = client.get("/api/glossary?per_page=all").get_json()
    acronym = next(t for t in everything["terms"] if t["acronym"])
    found = client.get("/api/glossary", query_string={"q": acronym["acronym"].lower()}).get_json()
    assert acronym["slug"] in {t["slug"] for t in found["terms"]} and found["total"] < everything["total"]
    assert client.get("/api/glossary?q=zzqqxx").get_json()["total"] == 0
    html = client.get("/glossary/", query_string={"q": acronym["acronym"]}).get_data(as_text=True)
    assert f'value="{acronym["acronym"]}"' in html and acronym["term"] in html
    assert "No terms match" in client.get("/glossary/?q=zzqqxx").get_data(as_text=True)


def test_healthz_answers_while_readyz_waits_for_the_index(client):
    assert client.get("/healthz").status_code == 200
    r = client.get("/readyz")
    assert r.status_code == 503 and r.get_json() == {"ready": False, "waiting": ["keyword_index"]}


def test_readyz_is_ready_once_the_index_is_built(built_app):
    r = built_app.test_client().get("/readyz")
    assert r.status_code == 200 and r.get_json()["ready"] is True
