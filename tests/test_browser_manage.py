"""Management in a real Chromium: an admin reorders a manual's steps and edits its fee."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from models import Role
from tests.staff_helpers import PASSWORD, add_staff

pytestmark = pytest.mark.browser

STEP_NAMES = "#steps .item-name"


def test_admin_reorders_steps_and_edits_a_manual(app, live_server, browser, artifacts):
    add_staff(app, "boss", Role.ADMIN)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="th-TH")
    context.set_default_timeout(6000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server}/staff/sign-in?next=/staff/manage/")
    page.fill("#username", "boss")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page.locator("h1")).to_have_text("ฝ่ายและงานบริการ")
    expect(page.locator(".topbar a", has_text="จัดการ")).to_be_visible()
    page.screenshot(path=str(artifacts / "01-catalog.png"))

    page.click("text=การรับแจ้งการเกิด (ภายในกำหนด 15 วัน)")
    names = page.locator(STEP_NAMES).all_inner_texts()
    assert len(names) == 3
    page.evaluate("window.__sameDocument = true")
    page.locator("#steps .manage-item").first.locator("button.move-down").click()
    expect(page.locator(STEP_NAMES)).to_have_text([names[1], names[0], names[2]])
    assert page.evaluate("window.__sameDocument === true"), "htmx swapped the list in place"
    expect(page.locator("#steps .manage-item").first.locator("button.move-up")).to_be_disabled()
    page.screenshot(path=str(artifacts / "02-steps-reordered.png"), full_page=True)

    page.click("text=แก้ไขคู่มือ")
    page.fill("#f-fee_baht", "")
    page.fill("#f-fee_note_th", "")
    page.click("button[type=submit].primary")
    expect(page.locator("#err-fee_note_th")).to_contain_text("ต้องกรอกเมื่อค่าธรรมเนียมแตกต่างตามกรณี")
    page.screenshot(path=str(artifacts / "03-manual-error.png"))

    page.fill("#f-fee_baht", "30")
    page.fill("#f-name_en", "Birth registration (edited in the browser)")
    page.click("button[type=submit].primary")
    expect(page.locator(".flash")).to_have_text("บันทึกคู่มือ REG-BIRTH แล้ว")
    page.screenshot(path=str(artifacts / "04-manual-saved.png"))

    page.goto(f"{live_server}/services/REG-BIRTH")
    expect(page.locator(".manual")).to_contain_text("ค่าธรรมเนียม 30 บาท")
    expect(page.locator(".manual .step-name")).to_have_text([names[1], names[0], names[2]])
    page.screenshot(path=str(artifacts / "05-kiosk-manual.png"))

    page.goto(f"{live_server}/staff/manage/audit/")
    expect(page.locator("table.audit tbody tr")).to_have_count(2)
    page.screenshot(path=str(artifacts / "06-audit.png"), full_page=True)
    assert not errors, f"JavaScript errors on the page: {errors}"
    context.close()
