import pytest


def test_search_api_contract(client):
    r = client.get("/api/search?q=webhook&mode=keyword&limit=5")
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) >= {"query", "mode", "results", "suggestion", "took_ms"}
    first = body["results"][0]
    assert set(first) >= {"kind", "slug", "title", "url", "snippet", "score"}
    assert (first["kind"], first["slug"], first["url"]) == (
        "article", "webhook-not-working", "/articles/webhook-not-working")
    assert len(body["results"]) <= 5


@pytest.mark.parametrize("query, field", [
    ("", "q"), ("q=", "q"), ("q=" + "a" * 501, "q"), ("q=x&mode=magic", "mode"), ("q=x&limit=0", "limit"),
    ("q=x&limit=abc", "limit"),
])
def test_search_api_rejects_bad_input_naming_the_field(client, query, field):
    r = client.get(f"/api/search?{query}")
    assert r.status_code == 400
    assert r.get_json()["field"] == field and r.get_json()["error"]


def test_search_api_category_filter(client):
    body = client.get("/api/search?q=check&mode=keyword&category=certificates").get_json()
    assert {h["slug"] for h in body["results"]} == {"certificate-upload-fails"}


def test_articles_api_lists_published_with_front_matter(client):
    body = client.get("/api/articles").get_json()
    slugs = {a["slug"] for a in body["articles"]}
    assert "draft-article" not in slugs and "message-bounce-back" in slugs
    a = next(a for a in body["articles"] if a["slug"] == "message-bounce-back")
    assert a["scenarios"] == ["DIP-SEND-04"] and a["status"] == "published"
    assert a["url"] == "/articles/message-bounce-back"


def test_article_api_has_html_and_404s_as_json(client):
    body = client.get("/api/articles/message-bounce-back").get_json()
    assert '<h2 id="what-this-means">' in body["html"]
    r = client.get("/api/articles/draft-article")
    assert r.status_code == 404 and "error" in r.get_json()


def test_glossary_api_pages(client):
    body = client.get("/api/glossary?letter=A&page=1&per_page=10").get_json()
    assert body["total"] == 7 and body["page"] == 1 and body["per_page"] == 10
    assert len(body["terms"]) == 7
    assert set(body["terms"][0]) >= {"term", "acronym", "slug", "url", "definition"}
    assert client.get("/api/glossary?page=0").status_code == 400


def test_openapi_describes_every_api_route(app, client):
    doc = client.get("/api/openapi.json").get_json()
    documented = set(doc["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json":
            path = rule.rule.replace("<", "{").replace(">", "}")
            path = path.split(":")[-1] if ":" in path else path
            assert any(p == path or p.split("{")[0] == path.split("{")[0] for p in documented), path


def test_unknown_api_path_is_json(client):
    r = client.get("/api/nope")
    assert r.status_code == 404 and r.is_json
