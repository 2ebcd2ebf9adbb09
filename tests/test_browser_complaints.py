"""A complaint in a real Chromium: filed at the portrait kiosk, answered by a supervisor on the
staff pages, followed on a phone through the QR on the confirmation screen. Screenshots go to
the `artifacts` folder."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from models import Role, db
from models.base import begin_write, now_utc
from models.complaint_handling import file_complaint
from tests.staff_helpers import PASSWORD, add_staff
from tests.test_browser import LANDSCAPE, MIN_TOUCH_PX, PHONE, PORTRAIT, kiosk_page, shot
from web.office import current_office

pytestmark = pytest.mark.browser

TEXT = "รอคิวแจ้งเกิดนานมาก ป้ายบอกขั้นตอนไม่ชัด"
REPLY = "ขออภัยค่ะ เขตเพิ่มเจ้าหน้าที่ช่วงเช้าและเปลี่ยนป้ายแล้ว"
NOTE = "บันทึกภายใน: ตรวจกล้องช่อง 2"


def backdated(app, days: int) -> str:
    with app.app_context():
        begin_write(db.session)
        complaint = file_complaint(db.session, current_office(), "suggestion",
                                   "ขอที่จอดรถสำหรับผู้สูงอายุ", now=now_utc() - timedelta(days=days))
        db.session.commit()
        return complaint.code


def answer_as_supervisor(browser, live_server: str, code: str, late: str, artifacts) -> None:
    """A supervisor finds the complaint in the staff list and answers it, with an internal
    note the citizen must never see."""
    with kiosk_page(browser, LANDSCAPE) as page:
        page.goto(live_server + "/staff/complaints/")
        page.wait_for_url(re.compile(r"/staff/sign-in\?"))
        page.locator("#username").fill("sup")
        page.locator("#password").fill(PASSWORD)
        page.locator("button[type=submit]").click()
        page.wait_for_url("**/staff/complaints/")
        row = page.locator(f"tr[data-code='{code}']")
        expect(row).to_contain_text("รับเรื่องแล้ว")
        expect(page.locator(f"tr[data-code='{late}'] .badge.overdue")).to_have_text("เลยกำหนด")
        expect(row.locator(".badge.overdue")).to_have_count(0)
        shot(page, artifacts, "06-staff-list.png")
        row.locator("a").click()
        page.select_option("#status", "answered")
        page.locator("#reply").fill(REPLY)
        page.locator("#note").fill(NOTE)
        page.locator("button", has_text="บันทึก").click()
        expect(page.locator("#complaint-status")).to_have_text("ตอบกลับแล้ว")
        expect(page.locator(".internal-note")).to_contain_text(NOTE)
        shot(page, artifacts, "07-staff-answered.png", full_page=True)


def test_file_at_the_kiosk_then_follow_it_on_a_phone(browser, live_server, app, artifacts):
    with kiosk_page(browser, PORTRAIT, has_touch=True) as page:
        page.goto(live_server + "/")
        shot(page, artifacts, "00-home.png")
        page.locator("a.button", has_text="ร้องเรียน / เสนอแนะ").tap()
        page.wait_for_url("**/complaints/")
        choices = page.locator(".category-choice")
        expect(choices).to_have_count(4)
        for box in (choices.nth(i).bounding_box() for i in range(4)):
            assert box["height"] >= MIN_TOUCH_PX and box["width"] >= 300
        shot(page, artifacts, "01-form.png", full_page=True)

        send = page.locator("button[type=submit]", has_text="ส่งเรื่อง")
        send.tap()
        # An empty form: both missing answers at once.
        expect(page.locator("#form-error")).to_have_text(
            "กรุณาเลือกประเภทเรื่อง และกรุณาเขียนรายละเอียดเรื่องที่ต้องการแจ้ง")
        choices.filter(has_text="ร้องเรียนการให้บริการ").tap()
        send.tap()
        expect(page.locator("#form-error")).to_have_text(
            "กรุณาเขียนรายละเอียดเรื่องที่ต้องการแจ้ง")
        expect(page.locator(".category-choice input[value=service]")).to_be_checked()
        shot(page, artifacts, "02-error.png")

        page.select_option("#about", "svc:REG-BIRTH")
        page.locator("#text").fill(TEXT)
        shot(page, artifacts, "03-filled.png", full_page=True)
        send.tap()
        page.wait_for_url("**/complaints/received/*")
        code = page.locator("#complaint-code").inner_text()
        assert re.fullmatch(r"C-\w{4}-\w{4}", code)
        expect(page.locator("#due-date")).to_have_text(re.compile(r"^\d{1,2} \S+ 25\d\d$"))
        qr = page.locator(".qr svg")
        assert qr.bounding_box()["width"] >= 200
        image = Image.open(io.BytesIO(qr.screenshot())).convert("L")
        decoded = [found.text for found in zxingcpp.read_barcodes(image)]
        assert decoded == [f"{live_server}/complaints/track/{code}?via=qr"]
        shot(page, artifacts, "04-received.png")

        # Back at the kiosk later: the citizen types the code as it reads on paper.
        page.goto(live_server + "/complaints/track")
        page.locator("#code").fill("C-XXXX-2345")
        page.locator(".lookup-form button").tap()
        expect(page.locator("#not-found")).to_contain_text("ไม่พบเรื่องรหัส")
        shot(page, artifacts, "05-unknown-code.png")
        page.locator("#code").fill(code.lower().replace("-", " "))
        page.locator(".lookup-form button").tap()
        page.wait_for_url(f"**/complaints/track/{code}")
        expect(page.locator("#complaint-status")).to_have_text("รับเรื่องแล้ว")

    add_staff(app, "sup", Role.SUPERVISOR, "REG")
    late = backdated(app, days=17)
    answer_as_supervisor(browser, live_server, code, late, artifacts)

    with kiosk_page(browser, PHONE, has_touch=True) as phone:
        phone.goto(decoded[0])
        expect(phone.locator("#complaint-status")).to_have_text("ตอบกลับแล้ว")
        expect(phone.locator("#reply")).to_contain_text(REPLY)
        expect(phone.locator("body")).not_to_contain_text(NOTE)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert phone.evaluate("document.body.dataset.idleSeconds") is None  # no kiosk reset
        shot(phone, artifacts, "08-phone-answered.png", full_page=True)
        phone.locator("nav.lang a[hreflang=en]").tap()
        expect(phone.locator("#complaint-status")).to_have_text("Answered")
        shot(phone, artifacts, "09-phone-english.png", full_page=True)
        phone.goto(live_server + "/complaints/?lang=th")
        expect(phone.locator(".category-choice")).to_have_count(4)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, artifacts, "10-phone-form.png", full_page=True)
