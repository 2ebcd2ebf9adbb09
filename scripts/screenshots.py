"""Take the README's screenshots of the kiosk in headless Chromium.

    python -m scripts.screenshots [OUTPUT_FOLDER]      (default: docs/screenshots)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from scripts.browser import launch
from scripts.demo_server import demo_app, running

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}

SHOTS = [
    # (file name, path, viewport, full page)
    ("home-portrait.png", "/?lang=th", PORTRAIT, False),
    ("home-landscape-en.png", "/?lang=en", LANDSCAPE, False),
    ("manual-birth.png", "/services/REG-BIRTH?lang=th", PORTRAIT, True),
    ("manual-building-permit-en.png", "/services/PW-BUILD?lang=en", LANDSCAPE, True),
    ("checklist.png", "/services/REG-MARRIAGE/checklist?lang=th&checked=1&have=0", PORTRAIT,
     False),
    ("signage.png", "/signage/?lang=th", LANDSCAPE, False),
    ("checklist-phone.png", "/services/REG-IDCARD-LOST/checklist?via=qr&lang=th", PHONE, True),
]


def main(output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = demo_app(Path(tmp), BMA_OSS_URL="https://bmaoss.example/", OPENING_HOURS="always",
                       PRINT_PREVIEW_DIR=str(Path(tmp) / "printouts"))
        with running(app) as base, sync_playwright() as pw:
            browser = launch(pw)
            for name, path, viewport, full_page in SHOTS:
                page = browser.new_page(viewport=viewport)
                page.goto(base + path)
                page.evaluate("document.fonts.ready")
                page.screenshot(path=str(output / name), full_page=full_page)
                page.close()
                print(output / name)
            ticket_journey(browser, base, output, Path(tmp))
            browser.close()


def ticket_journey(browser, base: str, output: Path, folder: Path) -> None:
    """Take a ticket by tapping, then look at it as the citizen does, on paper and on a phone."""
    kiosk = browser.new_page(viewport=PORTRAIT)
    kiosk.goto(base + "/services/REG-IDCARD-LOST?lang=th")
    kiosk.click("button.take-normal")
    kiosk.wait_for_selector("#ticket-number")
    kiosk.evaluate("document.fonts.ready")
    kiosk.screenshot(path=str(output / "ticket-screen.png"))
    printed = sorted((folder / "printouts").glob("*.png"))[-1]
    shutil.copy(printed, output / "printed-ticket.png")
    status_url = kiosk.locator("[data-status-url]").get_attribute("data-status-url")
    kiosk.close()
    phone = browser.new_page(viewport=PHONE)
    phone.goto(status_url)
    phone.evaluate("document.fonts.ready")
    phone.screenshot(path=str(output / "status-phone.png"), full_page=True)
    phone.close()
    board = browser.new_page(viewport=LANDSCAPE)
    board.goto(base + "/board/")
    board.screenshot(path=str(output / "board.png"))
    board.close()
    print(output / "ticket-screen.png", output / "printed-ticket.png", output / "status-phone.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
