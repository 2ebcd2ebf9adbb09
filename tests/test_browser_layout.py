"""The kiosk's layout in a real headless Chromium: touch targets, no sideways scrolling, the
issued ticket above the fold, and the phone's top bar."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_browser import LANDSCAPE, MIN_TOUCH_PX, PHONE, PORTRAIT, kiosk_page, shot

pytestmark = pytest.mark.browser


# 7. Every control is big enough for a finger.

TOUCH_TARGETS_JS = """(minimum) => {
  const selector = 'header a, header button, main a, main button, main input[type=search], '
    + 'main label:has(input[type=checkbox])';
  const targets = Array.from(document.querySelectorAll(selector))
    .filter(el => el.checkVisibility({visibilityProperty: true, opacityProperty: true}));
  const small = targets.map(el => {
    const box = el.getBoundingClientRect();
    const text = (el.innerText || el.value || el.placeholder || '').trim().replace(/\\s+/g, ' ');
    return {tag: el.tagName.toLowerCase(), cls: el.className, text: text.slice(0, 40),
            height: Math.round(box.height * 10) / 10};
  }).filter(t => t.height < minimum);
  return {count: targets.length, small};
}"""


@pytest.mark.parametrize("viewport", [PORTRAIT, PHONE], ids=["portrait", "phone"])
def test_touch_targets_are_big_enough(browser, live_server, artifacts, viewport):
    pages = [("/", 20), ("/services/REG-BIRTH", 6), ("/services/REG-BIRTH/checklist", 10)]
    with kiosk_page(browser, viewport) as page:
        for number, (path, at_least) in enumerate(pages, start=1):
            page.goto(live_server + path)
            page.evaluate("document.fonts.ready")
            found = page.evaluate(TOUCH_TARGETS_JS, MIN_TOUCH_PX)
            shot(page, artifacts, f"{number:02d}-{path.strip('/').replace('/', '-') or 'home'}.png")
            assert found["count"] >= at_least, f"{path}: only {found['count']} targets found"
            assert not found["small"], (
                f"{path}: touch targets lower than {MIN_TOUCH_PX}px: {found['small']}")


# 8. No sideways scrolling on a landscape screen or a phone.

OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const wide = Array.from(document.querySelectorAll('body *'))
    .filter(el => el.getBoundingClientRect().right > width + 1)
    .slice(0, 5)
    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
               + ' right=' + Math.round(el.getBoundingClientRect().right));
  return {scrollWidth: document.documentElement.scrollWidth, width, wide};
}"""


@pytest.mark.parametrize("viewport", [LANDSCAPE, PHONE], ids=["landscape", "phone"])
def test_no_horizontal_scroll(browser, live_server, artifacts, viewport):
    with kiosk_page(browser, viewport) as page:
        for number, path in enumerate(["/", "/services/PW-BUILD"], start=1):
            page.goto(live_server + path)
            page.evaluate("document.fonts.ready")
            expect(page.locator("h1")).to_be_visible()
            shot(page, artifacts, f"{number:02d}-{path.strip('/').replace('/', '-') or 'home'}.png",
                 full_page=True)
            layout = page.evaluate(OVERFLOW_JS)
            assert layout["scrollWidth"] <= layout["width"] + 1, f"{path}: {layout}"


@pytest.mark.parametrize("viewport", [PORTRAIT, {"width": 1366, "height": 768}, LANDSCAPE],
                         ids=["portrait", "landscape-1366", "landscape-1920"])
def test_the_issued_ticket_shows_its_qr_and_done_without_scrolling(browser, live_server,
                                                                     artifacts, viewport):
    """On a 1366x768 landscape kiosk the QR and "Done" fell below the fold: the citizen saw
    the number and walked away without the status page."""
    with kiosk_page(browser, viewport) as page:
        page.goto(live_server + "/services/REG-IDCARD-LOST")
        page.locator(".take-normal").click()
        page.wait_for_url("**/tickets/*")
        for selector in (".ticket-number", ".phone-qr svg", "a.button.big"):
            box = page.locator(selector).first.bounding_box()
            assert box and box["y"] + box["height"] <= viewport["height"], (selector, box)
        shot(page, artifacts, f"issued-{viewport['width']}x{viewport['height']}.png")


def test_on_a_small_phone_the_top_bar_scrolls_away(browser, live_server, artifacts):
    """Sticky, the two-row top bar kept a quarter of a 320x568 screen (with the rating form's
    sticky buttons, over a third) for itself."""
    with kiosk_page(browser, {"width": 320, "height": 568}) as page:
        page.goto(live_server + "/services/REG-BIRTH")
        page.mouse.wheel(0, 800)
        page.wait_for_function("window.scrollY > 300")
        box = page.locator(".topbar").bounding_box()
        assert box["y"] + box["height"] <= 0, box
    with kiosk_page(browser, PORTRAIT) as page:  # the kiosk keeps its bar (and language)
        page.goto(live_server + "/services/REG-BIRTH")
        page.mouse.wheel(0, 800)
        page.wait_for_function("window.scrollY > 300")
        assert page.locator(".topbar").bounding_box()["y"] == 0
