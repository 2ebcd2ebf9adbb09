"""The counter console in a real Chromium: what a clerk sees when the console refuses or has
news (htmx swaps only 2xx answers unless told), and "finish and call next" in one tap."""

from __future__ import annotations

import pytest

from models import Role
from tests.queue_helpers import issue
from tests.staff_helpers import add_staff
from tests.test_browser import open_console, shot

pytestmark = pytest.mark.browser


def current_number(page) -> str | None:
    return page.evaluate("() => document.getElementById('current-number')?.textContent.trim()")


def test_the_clerk_sees_refusals_and_finishes_and_calls_in_one_tap(app, live_server, browser,
                                                                    artifacts):
    add_staff(app, "desk-clerk", Role.COUNTER, "REG")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        open_console(page, live_server, "desk-clerk")
        # Nobody waits: the refusal (409) is shown, not swallowed.
        page.get_by_role("button", name="เรียกคิวถัดไป", exact=True).click()
        page.wait_for_selector(".form-error:has-text('ไม่มีคิวรอ')", timeout=5_000)

        with app.app_context():
            numbers = [issue("REG-BIRTH").number for _ in range(2)]
        page.get_by_role("button", name="เรียกคิวถัดไป", exact=True).click()
        page.wait_for_function("n => document.getElementById('current-number')"
                               "?.textContent.trim() === n", arg=numbers[0], timeout=5_000)
        assert page.locator(".form-error").count() == 0
        page.get_by_role("button", name="จบงานและเรียกคิวถัดไป").click()
        page.wait_for_function("n => document.getElementById('current-number')"
                               "?.textContent.trim() === n", arg=numbers[1], timeout=5_000)
        assert page.locator("#fig-served").inner_text().strip() == "1"
        shot(page, artifacts, "console-finish-and-call.png")
        # The last visit: finished, and the news that nobody waits.
        page.get_by_role("button", name="จบงานและเรียกคิวถัดไป").click()
        page.wait_for_selector(".form-error:has-text('จบงานแล้ว ไม่มีคิวรอ')", timeout=5_000)
        assert current_number(page) is None
        assert page.locator("#fig-served").inner_text().strip() == "2"
        shot(page, artifacts, "console-nobody-waiting.png")
    finally:
        page.close()
