"""The citizen-manual pages in a real headless Chromium (Playwright, sync API).

Each test opens its own browser context and asserts on what a citizen sees: text, layout,
fonts and the htmx behaviour of the kiosk. Screenshots of the main steps go to the
`artifacts` folder (test-artifacts/<test name>/ by default).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from models import db
from scripts.demo_server import demo_app, running

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}

BIRTH_TH = "การรับแจ้งการเกิด (ภายในกำหนด 15 วัน)"
BIRTH_EN = "Birth registration (within 15 days)"
HOME_HEADING_TH = "เลือกงานบริการที่ต้องการ"
MIN_TOUCH_PX = 48


@contextmanager
def kiosk_page(browser: Browser, viewport: dict[str, int], **options) -> Iterator[Page]:
    """A page in a fresh context; fails the test on any uncaught JavaScript error."""
    context = browser.new_context(viewport=viewport, locale="th-TH", **options)
    context.set_default_timeout(6000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
        assert not errors, f"JavaScript errors on the page: {errors}"
    finally:
        context.close()


@contextmanager
def own_server(folder: Path, **settings) -> Iterator[str]:
    """A demo app with its own settings (the `app` fixture's config is fixed), served."""
    app: Flask = demo_app(folder, **settings)
    try:
        with running(app) as base_url:
            yield base_url
    finally:
        with app.app_context():
            db.engine.dispose()


def shot(page: Page, artifacts: Path, name: str, *, full_page: bool = False) -> None:
    page.screenshot(path=str(artifacts / name), full_page=full_page)


def sign_in_page(page: Page, base: str, username: str, next_path: str = "/staff/console/"):
    """Sign a staff member in (password PASSWORD) on the sign-in page, on to next_path."""
    import re

    from tests.staff_helpers import PASSWORD

    page.goto(f"{base}/staff/sign-in?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def open_console(page: Page, base: str, username: str, counter: str = "1") -> None:
    """Sign a staff member in (password PASSWORD) and open a counter's console."""
    import re

    sign_in_page(page, base, username)
    page.locator(f"form[action$='/staff/console/{counter}/open'] button").click()
    page.wait_for_url(re.compile(rf"/staff/console/{counter}$"))


def html_lang(page: Page) -> str:
    return page.evaluate("document.documentElement.lang")


def path_of(page: Page) -> str:
    return urlparse(page.url).path


def mark_document(page: Page) -> None:
    """A flag that only survives while the same document stays loaded (no reload)."""
    page.evaluate("window.__khiuSameDocument = true")


def same_document(page: Page) -> bool:
    return page.evaluate("window.__khiuSameDocument === true")


# 1. A citizen picks a service on the portrait kiosk and reads its manual in both languages.

def test_citizen_journey_portrait(browser, live_server, artifacts):
    with kiosk_page(browser, PORTRAIT, has_touch=True) as page:
        page.goto(live_server + "/")
        expect(page.locator("h1")).to_have_text(HOME_HEADING_TH)
        assert html_lang(page) == "th"
        chips = page.locator(".section-chips a.chip")
        expect(chips.filter(has_text="ฝ่ายทะเบียน")).to_be_visible()
        expect(chips).to_have_count(page.locator("section.section-block").count())
        assert chips.count() >= 3
        shot(page, artifacts, "01-home.png")

        button = page.locator("#sec-REG a.service-button", has_text=BIRTH_TH)
        expect(button).to_be_visible()
        button.tap()
        page.wait_for_url("**/services/REG-BIRTH")
        expect(page.locator("h1")).to_have_text(BIRTH_TH)

        docs = page.locator(".doc-list .doc")
        informant = docs.filter(has_text="บัตรประจำตัวประชาชนของผู้แจ้ง")
        expect(informant).to_be_visible()
        expect(informant.locator(".badge.required")).to_have_text("จำเป็น")
        expect(docs.filter(has_text="หนังสือรับรองการเกิด (ท.ร.1/1)")).to_be_visible()

        steps = page.locator(".timeline .step")
        expect(steps).to_have_count(3)
        expect(steps.locator(".step-time")).to_have_text(["5 นาที", "7 นาที", "3 นาที"])
        expect(steps.locator(".step-no")).to_have_text(["1", "2", "3"])
        expect(page.locator(".timeline + .total strong")).to_have_text("15 นาที")
        expect(page.locator(".fee-line")).to_have_text("ไม่มีค่าธรรมเนียม")
        shot(page, artifacts, "02-manual-th.png", full_page=True)

        english = page.locator("nav.lang a[hreflang=en]")
        expect(english).to_have_text("English")
        english.tap()
        page.wait_for_url("**/services/REG-BIRTH?lang=en")
        expect(page.locator("h1")).to_have_text(BIRTH_EN)
        expect(page.locator("#h-docs")).to_have_text("Required documents")
        expect(page.locator(".timeline .step-time")).to_have_text(["5 min", "7 min", "3 min"])
        expect(page.locator(".fee-line")).to_have_text("No fee")
        assert html_lang(page) == "en"
        expect(page.locator("nav.lang a[hreflang=en]")).to_have_attribute("aria-current", "true")
        shot(page, artifacts, "03-manual-en.png")


# 2. The Thai text is drawn with the app's own Sarabun, not a system font or a CDN.

def test_thai_font_is_the_apps_own_sarabun(browser, live_server, artifacts):
    with kiosk_page(browser, PORTRAIT) as page:
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        font_responses: list[tuple[str, int]] = []
        page.on("response", lambda response: font_responses.append(
            (response.url, response.status)) if "/fonts/" in response.url else None)

        page.goto(live_server + "/services/REG-BIRTH")
        page.evaluate("document.fonts.ready")
        shot(page, artifacts, "01-manual-font.png")

        assert page.evaluate("document.fonts.check('16px Sarabun', 'การรับแจ้งการเกิด')")
        faces = page.evaluate("""Array.from(document.fonts).map(f => ({
            family: f.family.replace(/"/g, ''), weight: f.weight, status: f.status}))""")
        loaded = [f for f in faces if f["family"] == "Sarabun" and f["status"] == "loaded"]
        assert loaded, f"no Sarabun FontFace loaded: {faces}"
        body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert body_font.replace('"', "").replace("'", "").startswith("Sarabun"), body_font

        ok_fonts = [(url, status) for url, status in font_responses if status == 200]
        assert any(url.startswith(live_server + "/assets/fonts/") for url, _ in ok_fonts), \
            font_responses
        outside = [url for url in requests if not url.startswith(live_server)]
        assert not outside, f"the kiosk fetched files from elsewhere: {outside}"

        # The glyphs of the heading really come from the web font (Chromium DevTools).
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        h1 = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
        used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": h1})["fonts"]
        assert used and all(f["familyName"] == "Sarabun" and f["isCustomFont"] for f in used), \
            f"the Thai heading is drawn with {used}"


# 3. The document checklist updates its summary through htmx as documents are ticked.

def test_checklist_summary_follows_ticks(browser, live_server, artifacts):
    with kiosk_page(browser, PORTRAIT, has_touch=True) as page:
        htmx_requests: list[str] = []
        page.on("request", lambda request: htmx_requests.append(request.url)
                if request.headers.get("hx-request") == "true" else None)

        page.goto(live_server + "/services/REG-BIRTH/checklist")
        expect(page.locator("h1")).to_have_text("ตรวจสอบเอกสารของฉัน")
        summary = page.locator("#summary")
        # (The hospital's birth certificate is only for a birth in a hospital: not required.)
        expect(summary).to_have_text("เอกสารจำเป็นทั้งหมด: 2 รายการ")
        mark_document(page)
        start_url = page.url

        required = page.locator(".check-item.required")
        expect(required).to_have_count(2)
        expect(page.locator(".check-item.optional")).to_have_count(3)
        names = required.locator(".doc-name").all_inner_texts()
        assert names[0] == "บัตรประจำตัวประชาชนของผู้แจ้ง"
        shot(page, artifacts, "01-checklist.png")

        for i in range(len(names)):
            item = required.nth(i)
            item.locator("label").tap()
            expect(item.locator("input[type=checkbox]")).to_be_checked()
            left = len(names) - i - 1
            if left:
                expect(summary.locator(".summary-missing")).to_contain_text(
                    f"ยังขาดเอกสารจำเป็น {left} รายการ")
                expect(summary.locator("li")).to_have_text(names[i + 1:])
                shot(page, artifacts, f"02-ticked-{i + 1}.png")
        expect(summary.locator(".summary-ok")).to_contain_text("เอกสารจำเป็นครบแล้ว")
        expect(summary.locator(".summary-missing")).to_have_count(0)
        shot(page, artifacts, "03-ready.png")

        required.nth(0).locator("label").tap()
        expect(summary.locator(".summary-missing li")).to_have_text([names[0]])
        shot(page, artifacts, "04-unticked-first.png")

        assert same_document(page), "the page reloaded instead of updating #summary"
        assert page.url == start_url
        assert len(htmx_requests) == len(names) + 1, htmx_requests

        qr = page.locator(".phone-qr svg")
        expect(qr).to_be_visible()
        expect(qr).to_have_attribute("role", "img")
        box = qr.bounding_box()
        assert box and box["width"] >= 150 and box["height"] >= 150, box


# 4. Live search from the home page.

def test_live_search(browser, live_server, artifacts):
    with kiosk_page(browser, PORTRAIT) as page:
        page.goto(live_server + "/")
        mark_document(page)
        search = page.locator("#q")
        results = page.locator("#results")

        search.click()
        search.press_sequentially("บัตร")
        found = results.locator(".service-name")
        expect(found).to_have_text([
            "การขอมีบัตรประจำตัวประชาชนใหม่ กรณีบัตรเดิมหมดอายุ",
            "การขอมีบัตรประจำตัวประชาชนใหม่ กรณีบัตรหายหรือถูกทำลาย",
        ])
        expect(results.locator("h2")).to_contain_text("บัตร")
        shot(page, artifacts, "01-search-id-card.png")

        search.fill("")
        search.press_sequentially("ซซซqqq")
        expect(results.locator(".empty")).to_contain_text("ไม่พบงานบริการ")
        expect(results.locator(".service-button")).to_have_count(0)
        shot(page, artifacts, "02-search-nothing.png")

        assert same_document(page), "search reloaded the page instead of using htmx"
        assert path_of(page) == "/"


# 5. A kiosk left alone goes back to the Thai home page.

def test_idle_kiosk_returns_to_thai_home(browser, tmp_path, artifacts):
    with own_server(tmp_path, KIOSK_IDLE_SECONDS=2) as base_url, \
            kiosk_page(browser, PORTRAIT) as page:
        page.goto(base_url + "/services/REG-BIRTH?lang=en")
        expect(page.locator("h1")).to_have_text(BIRTH_EN)
        assert html_lang(page) == "en"
        expect(page.locator("body")).to_have_attribute("data-idle-seconds", "2")
        shot(page, artifacts, "01-manual-en.png")

        page.wait_for_timeout(1000)
        assert path_of(page) == "/services/REG-BIRTH", "reset before the idle time"

        page.wait_for_url(lambda url: urlparse(url).path == "/", timeout=3500)
        page.wait_for_load_state()
        assert html_lang(page) == "th"
        expect(page.locator("h1")).to_have_text(HOME_HEADING_TH)
        shot(page, artifacts, "02-home-after-idle.png")


# 6. The signage board rotates through the services.

def test_signage_rotates(browser, live_server, artifacts):
    with kiosk_page(browser, LANDSCAPE) as page:
        page.goto(live_server + "/signage/?interval=5")
        slide = page.locator("#slide")
        title = page.locator("#slide h1")
        expect(slide).to_have_attribute("data-index", "0")
        first_title = title.inner_text()
        assert first_title
        assert page.evaluate("document.body.hasAttribute('data-idle-seconds')") is False
        shot(page, artifacts, "01-slide-1.png")

        # The next slide comes after 5 s; poll for it for up to 8 s.
        expect(slide).to_have_attribute("data-index", "1", timeout=8000)
        second_title = title.inner_text()
        assert second_title and second_title != first_title
        expect(page.locator(".sign-count")).to_contain_text("2 /")
        assert path_of(page) == "/signage/"
        shot(page, artifacts, "02-slide-2.png")
