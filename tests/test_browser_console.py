"""The counter console in a real Chromium: what a clerk sees when the console refuses or has
news (htmx swaps only 2xx answers unless told), and "finish and call next" in one tap."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from models import Role
from tests.queue_helpers import issue
from tests.staff_helpers import add_staff
from tests.test_browser import open_console, shot

pytestmark = pytest.mark.browser


def current_number(page) -> str | None:
    return page.evaluate("() => document.getElementById('current-number')?.textContent.trim()")


@contextmanager
def refused_console(app, live_server, browser) -> Iterator:
    """A clerk's console (REG) that has just called with nobody waiting: the refusal (409)
    is shown, not swallowed."""
    add_staff(app, "desk-clerk", Role.COUNTER, "REG")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        open_console(page, live_server, "desk-clerk")
        page.get_by_role("button", name="เรียกคิวถัดไป", exact=True).click()
        page.wait_for_selector(".form-error:has-text('ไม่มีคิวรอ')", timeout=5_000)
        yield page
    finally:
        page.close()


def test_the_clerk_sees_refusals_and_finishes_and_calls_in_one_tap(app, live_server, browser,
                                                                    artifacts):
    with refused_console(app, live_server, browser) as page:

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


def test_the_consoles_refresh_keeps_a_refusal_readable_and_a_transfer_being_chosen(
        app, live_server, browser, artifacts):
    """The console refreshes itself every 5 s. A refusal stays on screen for 15 s first (it
    vanished at the next refresh, before a clerk could read it), and a transfer being
    chosen is never redrawn under the clerk (the choice snapped back to the first service
    and the back of the queue, and was sent there)."""
    with refused_console(app, live_server, browser) as page:
        with app.app_context():
            number = issue("REG-BIRTH").number
        page.wait_for_timeout(7_000)  # past a refresh
        assert page.locator(".form-error:has-text('ไม่มีคิวรอ')").count() == 1
        # Then the refreshes go on: the new ticket shows in the waiting list.
        page.wait_for_selector("#h-waiting:has-text('(1)')", timeout=15_000)
        assert page.locator(".form-error").count() == 0

        page.get_by_role("button", name="เรียกคิวถัดไป", exact=True).click()
        page.wait_for_function("n => document.getElementById('current-number')"
                               "?.textContent.trim() === n", arg=number, timeout=5_000)
        options = page.locator("#transfer-service option").evaluate_all(
            "options => options.map(o => o.value)")
        target = options[-1]
        assert target != options[0]
        page.select_option("#transfer-service", target)
        page.check("input[name=position][value=front]")
        page.locator("body").click(position={"x": 5, "y": 5})  # focus leaves the form
        page.wait_for_timeout(7_000)  # past a refresh
        assert page.locator("#transfer-service").input_value() == target
        assert page.locator("input[name=position][value=front]").is_checked()
        shot(page, artifacts, "console-transfer-kept.png")
        page.get_by_role("button", name="โอนคิว").click()
        page.wait_for_selector("text=ยังไม่มีคิวที่ช่องนี้", timeout=5_000)
        # The ticket has left the counter; what became of it stays readable past a refresh.
        assert page.locator("#console-done").inner_text().startswith(f"โอนคิว {number} ไปยัง")
        page.wait_for_timeout(7_000)
        assert page.locator("#console-done").count() == 1
