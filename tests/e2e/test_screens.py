"""Every main screen at desktop (1280 px) and phone (390 px) width: a screenshot of each, nothing running off
the side or lying on top of anything else, and axe clean.

Screenshots go to KB_SCREENSHOT_DIR when it is set (to look at them), else to the test's temporary folder.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.participants import account_for, participant_signs_in

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}

#: Boxes of visible controls, headings and text that must neither leave the page nor cover one another.
LAYOUT_PROBLEMS = """() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  const pageWidth = document.documentElement.scrollWidth;
  if (pageWidth > width + 1) problems.push(`page scrolls sideways: ${pageWidth} > ${width}`);
  const sel = 'a, button, input, select, textarea, label, h1, h2, h3, summary, p, dt, dd, li > span, th, td';
  const boxes = [];
  for (const el of document.querySelectorAll(sel)) {
    const style = getComputedStyle(el);
    if (!el.checkVisibility({visibilityProperty: true}) || el.closest('.visually-hidden, .skip-link')) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    const label = (el.innerText || el.value || '').trim().slice(0, 30);
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + label + '"';
    // a row that scrolls sideways in its own box (the phone's header links) may hold links out of view
    let inScroller = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement)
      if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) { inScroller = true; break; }
    if (!inScroller && (r.right > width + 1 || r.left < -1))
      problems.push(`${name} runs off the side (${Math.round(r.left)}-${Math.round(r.right)} of ${width})`);
    // a table cell's text may be wider than the cell only if the table scrolls inside its own box
    const wraps = ['p','h1','h2','h3','dd','dt','label','a','button'].includes(el.tagName.toLowerCase());
    if (el.scrollWidth > el.clientWidth + 2 && wraps && style.overflowX === 'visible'
        && !el.closest('pre, .table-scroll')) problems.push(`${name} overflows its box`);
    boxes.push([el, [...el.getClientRects()], name]);  // one rectangle per line of a wrapped inline element
  }
  const meet = (ra, rb) => Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left) > 2
                           && Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top) > 2;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, ra, na] = boxes[i], [b, rb, nb] = boxes[j];
    if (a.contains(b) || b.contains(a)) continue;
    if (a.tagName === 'LABEL' && a.control === b || b.tagName === 'LABEL' && b.control === a) continue;
    if (ra.some(x => rb.some(y => meet(x, y)))) problems.push(`${na} overlaps ${nb}`);
  }
  return problems;
}"""


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("KB_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


RAISER = "screens@example.com"


@pytest.fixture(scope="module")
def tracking_path(live_app) -> str:
    """The case page of a case the participant RAISER raised through the API with a personal access token."""
    account = account_for(live_app, RAISER)
    _, token = live_app.extensions["kb"].accounts.create_token(account.id, "screens")
    r = live_app.test_client().post("/api/cases", headers={"Authorization": f"Bearer {token}"}, json={
        "name": "Ada Lovelace", "email": RAISER, "party_id": "ADAPWR", "market_participant_id": "ADAP",
        "cra_market_role": "Supplier", "category": "DIP – Registration / General Portal", "scenario_id": "DIP-REG-01",
        "subject": "No DIP invitation link yet",
        "description": "We requested onboarding on the 3rd and have had nothing.",
    })
    assert r.status_code == 201, r.get_json()
    parts = urlsplit(r.get_json()["tracking_url"])
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _home(page: Page) -> None:
    expect(page.get_by_role("heading", name="How can we help?")).to_be_visible()


def _assistant_answer(page: Page) -> None:
    page.get_by_label("Your question").fill("My DIP message bounced back, what should I check?")
    page.get_by_role("button", name="Ask").click()
    expect(page.locator(".assist-answer")).to_be_visible()


def _case_form_errors(page: Page) -> None:
    page.get_by_role("button", name="Submit case").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()


SCREENS = {
    "home": ("/", _home),
    "article": ("/articles/dip-message-bounce-back", None),
    "search": ("/search?q=certificate+renewal", None),
    "glossary": ("/glossary/", None),
    "assistant": ("/assist", _assistant_answer),
    "case-form-errors": ("/cases/form?category=Choreography", _case_form_errors),
    "case-status": (None, None),
}
SIGNED_IN = ("case-form-errors", "case-status")


@pytest.mark.parametrize("device", WIDTHS)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen_fits_and_stays_accessible(axe_page: Page, base_url: str, axe, shots: Path, tracking_path: str,
                                          live_app, screen: str, device: str):
    page = axe_page
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    path, act = SCREENS[screen]
    if screen in SIGNED_IN:  # raising a case, and a case's page, are for its signed-in raiser
        participant_signs_in(page, base_url, live_app, RAISER)
    page.goto(base_url + (path or tracking_path))
    if act:
        act(page)
    page.wait_for_load_state()
    page.screenshot(path=str(shots / f"{screen}-{device}.png"), full_page=True)
    assert page.evaluate(LAYOUT_PROBLEMS) == []
    assert axe() == []


def test_the_header_is_compact_on_a_phone_and_one_row_on_a_desktop(axe_page: Page, base_url: str):
    page = axe_page
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(base_url + "/articles/dip-message-bounce-back")
    assert page.locator(".site-header").bounding_box()["height"] < 120
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base_url + "/articles/dip-message-bounce-back")
    # as staff see it: the Console link is one more item in the menu
    page.evaluate("""() => { const li = document.createElement('li');
        li.innerHTML = '<a href="/console">Console</a>'; document.querySelector('.nav').appendChild(li); }""")
    brand, search = page.locator(".brand").bounding_box(), page.locator(".header-search").bounding_box()
    console = page.get_by_role("link", name="Console").bounding_box()
    assert abs(brand["y"] - search["y"]) < brand["height"]  # the search box sits on the brand's row
    assert abs(console["y"] - brand["y"]) < brand["height"] and console["x"] + console["width"] <= search["x"]


def test_radio_labels_stay_beside_their_buttons_in_the_narrow_door(axe_page: Page, base_url: str):
    page = axe_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base_url + "/cases/new")
    for level in ("high", "medium", "low"):
        button = page.locator(f"#urgency-{level}, #f-urgency-{level}").first.bounding_box()
        label = page.locator(f"label[for='f-urgency-{level}'], label[for='urgency-{level}']").first.bounding_box()
        assert label["y"] < button["y"] + button["height"] and label["x"] > button["x"]


@pytest.mark.parametrize("path", ["/", "/search?q=webhook"])
def test_home_and_search_show_one_search_box(axe_page: Page, base_url: str, path: str):
    axe_page.goto(base_url + path)
    expect(axe_page.locator("input[type=search]:visible")).to_have_count(1)
