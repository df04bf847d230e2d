"""Real-browser tests: Debian's Chromium driven by Playwright against the app served on loopback."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(config, items):
    """Skip with a reason where Chromium is missing; in CI (KB_REQUIRE_BROWSER=1) that is a failure instead."""
    missing = [p for p in (CHROMIUM, str(AXE)) if not os.path.exists(p)]
    if not missing:
        return
    if os.environ.get("KB_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"browser tests required but missing: {', '.join(missing)}")
    skip = pytest.mark.skip(reason=f"needs {', '.join(missing)} (apt-get install chromium; npm ci)")
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": FLAGS}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The real shipped content, a private database and index, semantic search off (no model in e2e)."""
    tmp = tmp_path_factory.mktemp("e2e")
    app = create_app({
        "KB_CONTENT_DIR": str(ROOT), "KB_INDEX_DIR": str(tmp / "index"),
        "KB_DATABASE_URL": f"sqlite:///{tmp / 'kb.sqlite3'}", "KB_OUTBOX_DIR": str(tmp / "outbox"),
        "KB_SEMANTIC": "off", "KB_SECRET_KEY": "e2e-secret",
    })
    runner = app.test_cli_runner()
    result = runner.invoke(args=["index", "build"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture(scope="session")
def base_url(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["KB_BASE_URL"] = url  # links in emails lead back to this server, as `make run` arranges
    live_app.extensions["kb"].cases.notifier.base_url = url
    yield url
    server.shutdown()


@pytest.fixture
def axe_page(browser):
    """A page whose context lets axe-core be injected despite our CSP (which forbids inline scripts)."""
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def axe(axe_page):
    """Run axe-core on the axe page; returns serious and critical WCAG 2.1 AA violations."""
    page = axe_page

    def run() -> list[dict]:
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a','wcag2aa','wcag21a','wcag21aa']}})).violations"
        )
        return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
                for v in violations if v["impact"] in ("serious", "critical")]

    return run
