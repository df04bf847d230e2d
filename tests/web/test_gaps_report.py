"""Issue 19.1: searches cannot stall the knowledge-gaps report: logging is limited per client, the report pages."""
from __future__ import annotations

import re

from app import create_app
from app.console.accounts import Role

from .test_console import cheap_hashes, gen_staff, kb, login  # noqa: F401  (cheap_hashes: an autouse fixture)


def test_one_client_counts_for_at_most_its_limit_of_searches(app_config):
    # a day's window: an hour's began again during a CI run of this test (at 19:00:00 UTC)
    app = create_app({**app_config, "KB_RATE_LIMITS": "search-log=5/86400"})
    client = app.test_client()
    for i in range(20):
        assert client.get(f"/search?q=zzqx+topic{i}+nothing+matches").status_code == 200  # every search is answered
    other = app.test_client()
    other.get("/search?q=zzqx+elsewhere+unfound", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    gaps = kb(app).searches.poor_searches()
    assert gaps.searches == 6 and gaps.distinct == 6


def test_the_gaps_report_pages_its_groups(app, client):
    for i in range(120):
        for _ in range(1 + (i < 3)):
            kb(app).searches.record(f"unfound topic{i:03d} thing{i:03d}", "keyword", 0)
    login(client, gen_staff(app, Role.KNOWLEDGE_MANAGER).email)
    first = client.get("/console/reports/gaps").text
    assert "120 groups, page 1 of 3" in first and first.count('class="gap"') == 50
    assert "topic000" in first and 'rel="next"' in first and 'rel="prev"' not in first
    last = client.get("/console/reports/gaps?page=3").text
    assert last.count('class="gap"') == 20 and 'rel="prev"' in last and '<ol class="gap-groups" start="101">' in last
    assert client.get("/console/reports/gaps?page=99").status_code == 200  # past the end: the last page
    assert client.get("/console/reports/gaps?page=x").status_code == 200
    key = re.search(r'href="/console/reports/gaps/([0-9a-f]+)\.md', last).group(1)
    assert client.get(f"/console/reports/gaps/{key}.md").status_code == 200  # a group on any page has a stub
    rows = client.get("/console/reports/gaps.csv").text.strip().splitlines()
    assert len(rows) == 121  # the CSV has every group


def test_the_report_says_when_rarer_phrasings_are_left_out(app, client, monkeypatch):
    monkeypatch.setattr("app.web.console_reports.MAX_SEARCH_PHRASINGS", 5)
    for i in range(8):
        kb(app).searches.record(f"missing subject{i:03d}", "keyword", 0)
    login(client, gen_staff(app, Role.KNOWLEDGE_MANAGER).email)
    page = " ".join(client.get("/console/reports/gaps").text.split())
    assert "8 searches" not in page and "Searches with no or poor results: 8 of 8 different phrasings" in page
    assert "the other 3 phrasings" in page
