"""The monthly report printed from a real Chromium: it fits the A4 page it asks for."""

from __future__ import annotations

import pytest

from tests import reports_scenario
from tests.report_pages import people
from tests.test_browser import shot, sign_in_page

pytestmark = pytest.mark.browser

# A4 landscape less the 12 mm margins of its @page rule, in CSS pixels (96 to the inch).
PRINTED_WIDTH = int((297 - 2 * 12) / 25.4 * 96)


def test_the_monthly_report_fits_the_width_of_its_a4_page(app, live_server, browser, artifacts):
    """The ITA evidence printout: each table fits across the page (the staff table was
    2,574 px wide on a 1,031 px page: a 4.5rem minimum per column, and no wrapping)."""
    app.config["MIN_RATINGS_TO_COMPARE"] = 2
    people(app)
    with app.app_context():
        reports_scenario.build()
    page = browser.new_page(viewport={"width": PRINTED_WIDTH, "height": 1400})
    try:
        sign_in_page(page, live_server, "boss", "/staff/reports/monthly?month=2026-11")
        page.emulate_media(media="print")
        widths = page.evaluate("""() => Array.from(document.querySelectorAll('.report-table'))
            .map(table => [table.id || table.caption?.textContent || '?', table.scrollWidth])""")
        assert len(widths) >= 3, widths
        assert all(width <= PRINTED_WIDTH for _, width in widths), (PRINTED_WIDTH, widths)
        assert page.evaluate("document.documentElement.scrollWidth") <= PRINTED_WIDTH
        shot(page, artifacts, "monthly-print.png", full_page=True)
    finally:
        page.close()
