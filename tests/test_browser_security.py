"""The Content-Security-Policy in a real Chromium: a citizen's and a clerk's whole round
(kiosk home, manual, ticket, status, board over SSE, console with htmx, ratings, complaints,
signage, transparency) runs with no policy violation reported, while an injected inline script
is blocked — so the check below is one that can fail."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page

from models import Role
from tests.staff_helpers import add_staff
from tests.test_browser import PORTRAIT, open_console, shot

pytestmark = pytest.mark.browser

# Reports every violation of every page of the context, across navigations.
LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.reportViolation(`${event.violatedDirective} ${event.blockedURI} at ${location.pathname}`);
});
"""


def watched_context(browser, violations: list[str], console: list[str]) -> BrowserContext:
    context = browser.new_context(viewport=PORTRAIT, locale="th-TH")
    context.set_default_timeout(8000)
    context.expose_function("reportViolation", lambda text: violations.append(text))
    context.add_init_script(LISTENER)

    def watch(page: Page) -> None:
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}")
                if message.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

    context.on("page", watch)
    return context


def test_no_policy_violation_on_any_page_of_a_whole_round(app, live_server, browser, artifacts):
    add_staff(app, "csp-clerk", Role.COUNTER, "REG")
    violations: list[str] = []
    console: list[str] = []
    context = watched_context(browser, violations, console)
    try:
        board = context.new_page()
        board.goto(f"{live_server}/board/")
        board.wait_for_selector('#board[data-live="1"]', timeout=10_000)

        page = context.new_page()
        page.goto(f"{live_server}/")
        page.goto(f"{live_server}/services/REG-BIRTH")
        page.locator(".take-form .take-normal").click()
        page.wait_for_url(re.compile(r"/tickets/"))
        token = page.url.rsplit("/", 1)[-1]
        number = page.locator(".ticket-number").first.inner_text().strip()
        shot(page, artifacts, "01-ticket.png")
        page.goto(f"{live_server}/t/{token}")

        # The clerk signs in, opens counter 1 and calls: htmx swaps the console, the board
        # receives the call over SSE.
        open_console(page, live_server, "csp-clerk")
        page.get_by_role("button", name="เรียกคิวถัดไป", exact=True).click()
        page.wait_for_function(
            "n => document.getElementById('current-number')?.textContent.trim() === n",
            arg=number)
        board.wait_for_function(
            "n => document.querySelector('.tile[data-counter=\"1\"] .tile-number')"
            "?.textContent === n", arg=number, timeout=5_000)
        shot(board, artifacts, "02-board-call.png")
        page.get_by_role("button", name="เริ่มให้บริการ").click()
        page.wait_for_selector("text=จบงาน")
        page.get_by_role("button", name="จบงาน", exact=True).click()
        page.wait_for_function("() => !document.getElementById('current-number')")
        shot(page, artifacts, "03-console.png")

        # Ratings on the phone and at the kiosk, complaints, signage, transparency.
        page.goto(f"{live_server}/t/{token}/rate")
        page.goto(f"{live_server}/rate/")
        page.fill("#rate-code", number)
        page.locator(".find-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/rate/v/"))
        shot(page, artifacts, "04-kiosk-rating.png")
        for path in ("/complaints/", "/complaints/track", "/signage/", "/transparency/",
                     "/staff/printing/"):
            page.goto(live_server + path)
        page.wait_for_timeout(300)  # late reports (fonts, htmx polls) arrive

        assert violations == []
        assert [line for line in console if "Content Security Policy" in line] == []
        assert [line for line in console if line.startswith("pageerror")] == []

        # The control: an inline script injected into a served page is refused and reported.
        page.evaluate("""() => { const s = document.createElement('script');
                                 s.textContent = 'window.__injected = true';
                                 document.body.append(s); }""")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__injected === undefined")
        assert any(v.startswith("script-src") for v in violations), violations
    finally:
        context.close()
