"""Accessibility of every citizen-facing page in a real Chromium: axe-core finds no serious or
critical violation (contrast AA included), the page says its language, every touch target is at
least 48 px, and nothing needs sideways scrolling at 200% zoom.

One browser context per test visits many pages and reports every problem at once, so a failure
lists all of them instead of the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from kiosk.rating_rules import kiosk_reference
from models import db
from models.base import begin_write
from models.complaint_handling import file_complaint
from tests.a11y import axe_violations, describe, sideways_scroll, small_targets, zoomed
from tests.queue_helpers import issue
from tests.test_browser import LANDSCAPE, PHONE, PORTRAIT, shot
from tests.visit_helpers import served_visit
from web.office import current_office

pytestmark = pytest.mark.browser


@dataclass
class Scene:
    """What the pages need: a waiting and a finished ticket, a rating link and a complaint."""

    waiting: str
    finished: str
    reference: str
    complaint: str


@pytest.fixture
def scene(app: Flask) -> Scene:
    with app.app_context():
        finished = served_visit("REV-SIGNTAX", [("4", "rev1"), ("2", "reg2")],
                                transfers_to=["REG-MOVE-IN"])
        reference = kiosk_reference(finished)
        waiting = issue("REG-BIRTH").token
        begin_write(db.session)
        complaint = file_complaint(db.session, current_office(), "suggestion",
                                   "ขอที่จอดรถสำหรับผู้สูงอายุ").code
        db.session.commit()
        return Scene(waiting, finished.token, reference, complaint)


def kiosk_paths(scene: Scene, transparency: bool) -> dict[str, str]:
    """Every page a citizen reaches on the kiosk, by a short name."""
    paths = {
        "home": "/",
        "search": "/search?q=ทะเบียน",
        "manual": "/services/REG-BIRTH",
        "manual-varied-fee": "/services/PW-BUILD",
        "checklist": "/services/REG-BIRTH/checklist",
        "ticket-issued": f"/tickets/{scene.waiting}",
        "rate-find": "/rate/",
        "rate-form": f"/rate/v/{scene.reference}",
        "rate-thanks": "/rate/thanks",
        "rate-refused": "/rate/v/not-a-reference",
        "complaint-form": "/complaints/",
        "complaint-received": f"/complaints/received/{scene.complaint}",
        "complaint-lookup": "/complaints/track",
        "complaint-status": f"/complaints/track/{scene.complaint}",
        "not-found": "/services/NO-SUCH-SERVICE",
    }
    if transparency:
        paths["transparency"] = "/transparency/"
    return paths


def has_transparency(app: Flask) -> bool:
    return "transparency.page" in app.view_functions


def with_lang(path: str, lang: str) -> str:
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


def new_context(browser: Browser, viewport: dict, **options) -> BrowserContext:
    context = browser.new_context(viewport=viewport, locale="th-TH", bypass_csp=True, **options)
    context.set_default_timeout(6000)
    return context


def audit(page: Page, name: str, lang: str, problems: dict[str, str], *,
          touch: bool = True) -> None:
    """Record what is wrong with the page as shown now under problems[name]."""
    found = []
    if (html_lang := page.evaluate("document.documentElement.lang")) != lang:
        found.append(f'html lang="{html_lang}", expected "{lang}"')
    if page.locator("h1").count() != 1:  # screen readers jump to it to learn where they are
        found.append(f"{page.locator('h1').count()} level-one headings, expected 1")
    if violations := axe_violations(page):
        found.append(describe(violations))
    if touch and (small := small_targets(page)):
        found.append("touch targets under 48 px: " + "; ".join(small))
    if found:
        problems[f"{name} [{lang}]"] = "\n  ".join(found)


def report(problems: dict[str, str]) -> str:
    return "\n".join(f"{name}:\n  {text}" for name, text in problems.items())


@pytest.mark.parametrize("lang", ["th", "en"])
def test_kiosk_pages(browser, live_server, app, scene, artifacts: Path, lang):
    problems: dict[str, str] = {}
    context = new_context(browser, PORTRAIT, has_touch=True)
    page = context.new_page()
    try:
        for name, path in kiosk_paths(scene, has_transparency(app)).items():
            page.goto(live_server + with_lang(path, lang))
            audit(page, name, lang, problems)
        shot(page, artifacts, f"last-page-{lang}.png")
    finally:
        context.close()
    assert not problems, report(problems)


def test_kiosk_pages_in_their_changed_states(browser, live_server, app, scene, artifacts):
    """What a touch changes: live search results, a chosen rating face, the complaint form's
    error, a typed ticket number."""
    problems: dict[str, str] = {}
    context = new_context(browser, PORTRAIT, has_touch=True)
    page = context.new_page()
    try:
        page.goto(live_server + "/?lang=th")
        page.locator("#q").fill("เกิด")
        expect(page.locator("#results")).to_contain_text("การรับแจ้งการเกิด")
        audit(page, "home-search-typed", "th", problems)

        page.goto(f"{live_server}/rate/v/{scene.reference}")
        page.locator(".face-choice.score-2").tap()
        page.locator(".choice.extra-yes").tap()
        audit(page, "rate-form-chosen", "th", problems)
        shot(page, artifacts, "rate-form-chosen.png")

        page.goto(live_server + "/rate/")
        for key in ("A", "1", "2"):
            page.locator(f"[data-keypad] button[data-prefix='{key}'], "
                         f"[data-keypad] button[data-key='{key}']").tap()
        page.locator(".find-form button[type=submit]").tap()
        expect(page.locator(".rate-problem")).to_be_visible()
        audit(page, "rate-find-refused", "th", problems)

        page.goto(live_server + "/complaints/")
        page.locator("button[type=submit]", has_text="ส่งเรื่อง").tap()
        expect(page.locator("#form-error")).to_be_visible()
        audit(page, "complaint-form-error", "th", problems)
        shot(page, artifacts, "complaint-form-error.png")
    finally:
        context.close()
    assert not problems, report(problems)


def test_phone_pages(browser, live_server, scene, artifacts):
    """The QR targets on a phone: the status page of a waiting and of a finished ticket and the
    phone rating form, in both languages."""
    problems: dict[str, str] = {}
    context = new_context(browser, PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        for lang in ("th", "en"):
            for name, path in {"status-waiting": f"/t/{scene.waiting}",
                               "status-finished": f"/t/{scene.finished}",
                               "phone-rate-form": f"/t/{scene.finished}/rate"}.items():
                page.goto(live_server + with_lang(path, lang))
                audit(page, name, lang, problems)
                if sideways_scroll(page):
                    problems[f"{name} [{lang}] width"] = f"{sideways_scroll(page)} px too wide"
                shot(page, artifacts, f"{name}-{lang}.png", full_page=True)
    finally:
        context.close()
    assert not problems, report(problems)


def test_board_and_signage(browser, live_server, app, artifacts):
    """The TVs: nothing to touch, but read from across the room, so contrast and language."""
    from tests.test_browser_board import call_and_finish

    with app.app_context():
        issue("REG-BIRTH")
    problems: dict[str, str] = {}
    context = new_context(browser, LANDSCAPE)
    page = context.new_page()
    try:
        for lang in ("th", "en"):
            page.goto(live_server + with_lang("/signage/", lang))
            audit(page, "signage", lang, problems, touch=False)
        page.goto(live_server + "/board/?lang=th")
        page.wait_for_selector('#board[data-live="1"]', timeout=10_000)
        audit(page, "board-idle", "th", problems, touch=False)
        number = call_and_finish(app, "1", finish_it=False)
        expect(page.locator('.tile[data-counter="1"] .tile-number')).to_have_text(number)
        expect(page.locator("#call-flash")).to_be_visible()
        audit(page, "board-calling", "th", problems, touch=False)
        shot(page, artifacts, "board-calling.png")
    finally:
        context.close()
    assert not problems, report(problems)


def test_usable_at_200_percent_zoom(browser, live_server, app, scene, artifacts):
    """At 200% the 1080 px kiosk lays out in 540 CSS px: every page still fits its width and
    keeps its touch targets."""
    problems: dict[str, str] = {}
    context = new_context(browser, **zoomed(PORTRAIT), has_touch=True)
    page = context.new_page()
    try:
        for name, path in kiosk_paths(scene, has_transparency(app)).items():
            page.goto(live_server + with_lang(path, "th"))
            if wider := sideways_scroll(page):
                problems[name] = f"{wider} px wider than the window"
            if small := small_targets(page):
                problems[f"{name} targets"] = "; ".join(small)
            shot(page, artifacts, f"{name}.png")
    finally:
        context.close()
    assert not problems, report(problems)
