"""Paging on /search and /api/search, and the page a search with no match shows."""
import re

import pytest

BROAD = "message case certificate webhook registration portal dip"


def api(client, query):
    r = client.get(f"/api/search?{query}")
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def test_api_pages_cover_the_ranking_once_and_say_how_many_there_are(client):
    everything = api(client, f"q={BROAD}&mode=keyword&per_page=50")
    total = everything["total"]
    assert total == len(everything["results"]) > 4
    first = api(client, f"q={BROAD}&mode=keyword&limit=2")
    second = api(client, f"q={BROAD}&mode=keyword&limit=2&page=2")
    assert (first["page"], first["per_page"], second["page"], first["total"]) == (1, 2, 2, total)
    assert [h["slug"] for h in first["results"] + second["results"]] == [h["slug"] for h in everything["results"]][:4]
    beyond = api(client, f"q={BROAD}&mode=keyword&per_page=10&page=50")
    assert beyond["results"] == [] and beyond["total"] == total


@pytest.mark.parametrize("query, field", [("per_page=15", "per_page"), ("per_page=0", "per_page"),
                                          ("page=0", "page"), ("page=x", "page")])
def test_bad_paging_is_a_400_naming_the_field(client, query, field):
    r = client.get(f"/api/search?q=webhook&{query}")
    assert r.status_code == 400 and r.get_json()["field"] == field
    page = client.get(f"/search?q=webhook&{query}")
    assert page.status_code == 400 and 'value="webhook"' in page.get_data(as_text=True)


def test_the_page_says_which_results_it_shows_and_links_to_the_others(content_dir, app_config):
    from app import create_app

    for i in range(15):
        (content_dir / "articles" / f"meter-{i}.md").write_text(
            f"---\ntitle: Meter reading number {i}\nsummary: About meter {i}.\ncategory: messaging\n"
            f"status: published\n---\nMeter reading {i}.\n", encoding="utf-8")
    client = create_app(app_config).test_client()
    total = api(client, "q=meter&mode=keyword&per_page=50")["total"]
    assert total >= 15
    html = client.get("/search?q=meter&mode=keyword").get_data(as_text=True)
    assert f"Showing 1-10 of {total} results" in html
    assert re.search(r'<a href="/search\?[^"]*page=2[^"]*"[^>]*>2</a>', html)
    html = client.get("/search?q=meter&mode=keyword&page=2").get_data(as_text=True)
    assert f"Showing 11-{min(total, 20)} of {total} results" in html and 'rel="prev"' in html
    assert 'aria-current="page"' in html
    html = client.get("/search?q=meter&mode=keyword&per_page=20").get_data(as_text=True)
    assert f"Showing 1-{min(total, 20)} of {total} results" in html


def test_no_match_says_so_and_offers_the_spelling_popular_articles_and_the_assistant(client):
    html = client.get("/search?q=xyzzy&mode=keyword").get_data(as_text=True)
    assert "No articles matched" in html and "Popular articles" in html
    assert 'href="/assist"' in html and 'href="/articles/raise-a-case"' in html
    html = client.get("/search?q=webhok%20zzzzzzqq").get_data(as_text=True)
    assert "Did you mean" in html
