"""The three journeys of a morning at the office in a real Chromium, one after the other on one
server, with the display board open on its own screen the whole time.

A citizen reads a manual, ticks the checklist and takes a ticket at the portrait kiosk, and
follows it on a phone. Two counter staff sign in and serve the visit: call, recall, start,
transfer to another service, call at the second counter, finish. The citizen rates the visit
at the kiosk on the way out. The section's supervisor then finds that rating in today's
report, credited to both staff members and their section, and exports it.

Every step is screenshotted into the `artifacts` folder (test-artifacts/<test name>/).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from models import db
from tests.queue_helpers import staff
from tests.report_pages import xlsx_table
from tests.staff_helpers import PASSWORD
from tests.test_browser import LANDSCAPE, PHONE, PORTRAIT, kiosk_page

pytestmark = pytest.mark.browser

SERVICE_TH = "การรับแจ้งการเกิด (ภายในกำหนด 15 วัน)"
TRANSFER_TO = "REG-MOVE-IN"
FIRST, SECOND = ("reg1", "นายสมชาย ใจดี", "1"), ("reg2", "นางสาวสุดา แก้วมณี", "2")


class Shots:
    """Numbered screenshots in the order the journeys take them."""

    def __init__(self, folder: Path):
        self.folder, self.count = folder, 0

    def __call__(self, page: Page, name: str, *, full_page: bool = False) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"),
                        full_page=full_page)


class Board:
    """The display board, open from the start; every call must reach it."""

    def __init__(self, page: Page):
        self.page = page
        self.calls: list[tuple[str, str, bool]] = []  # the last calls, as the board lists them
        self.announced = 0  # every call is announced, a recall too

    def expect_call(self, number: str, counter: str, *, again: bool = False) -> None:
        """The counter's tile shows the number and the call heads the last calls, where each
        ticket is listed once, at its latest call (a recall marked as one)."""
        self.announced += 1
        self.calls = [(number, counter, again)] + [c for c in self.calls if c[0] != number]
        page = self.page
        expect(page.locator(f'.tile[data-counter="{counter}"] .tile-number')).to_have_text(number)
        expect(page.locator(".last-calls li")).to_have_text(
            [f"{n} → ช่อง Counter {c}" + (" เรียกซ้ำ Called again" if a else "")
             for n, c, a in self.calls])

    def expect_all_announced(self) -> None:
        # Each call is chimed and spoken in turn (a few seconds each); none may be dropped.
        self.page.wait_for_function(
            "n => document.getElementById('board').dataset.announced === String(n)",
            arg=self.announced, timeout=30_000)


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/staff/sign-in")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()


def work_at_counter(page: Page, label: str) -> None:
    page.wait_for_url("**/staff/console/")
    page.locator(".counter-grid li").filter(
        has=page.get_by_role("heading", name=f"ช่องบริการ {label}", exact=True)
    ).locator("button").click()
    expect(page.locator("#h-counter")).to_contain_text(f"ช่องบริการ {label}")


def press(page: Page, label: str) -> None:
    """The console's button of exactly that label ("จบงาน" is also the start of another)."""
    page.locator(".console-actions button").get_by_text(label, exact=True).click()


def citizen_takes_a_ticket(page: Page, base: str, shots: Shots) -> tuple[str, str]:
    """home → manual → checklist → back → ticket; returns (number, status address)."""
    page.goto(base + "/")
    shots(page, "citizen-home")
    page.locator("#sec-REG a.service-button", has_text=SERVICE_TH).tap()
    page.wait_for_url("**/services/REG-BIRTH")
    expect(page.locator("h1")).to_have_text(SERVICE_TH)
    expect(page.locator(".fee-line")).to_have_text("ไม่มีค่าธรรมเนียม")
    shots(page, "citizen-manual", full_page=True)

    page.locator("a.button", has_text="ตรวจสอบเอกสาร").first.tap()
    page.wait_for_url("**/services/REG-BIRTH/checklist")
    items = page.locator(".check-item.required label")
    assert items.count() >= 2
    for index in range(items.count()):
        items.nth(index).tap()
    expect(page.locator("#summary")).to_have_text("เอกสารจำเป็นครบแล้ว พร้อมยื่นเรื่อง")
    shots(page, "citizen-checklist-complete")

    page.locator("a.button", has_text="กลับไปที่คู่มือ").tap()
    page.wait_for_url("**/services/REG-BIRTH")
    page.locator("button.take-normal").tap()
    page.wait_for_url("**/tickets/**")
    number = page.locator("#ticket-number").inner_text()
    assert re.fullmatch(r"[A-Z]\d{3}", number)
    expect(page.locator(".ticket-wait")).to_have_text("คุณเป็นคิวถัดไป")
    shots(page, "citizen-ticket")
    return number, page.locator(".phone-qr").get_attribute("data-status-url")


def expect_status(phone: Page, text: str, shots: Shots, name: str) -> None:
    """The phone's status page (it refreshes itself every 10 s; a reload is the same page)."""
    phone.reload()
    expect(phone.locator(".status-label")).to_contain_text(text)
    shots(phone, name, full_page=True)


def first_counter(browser: Browser, base: str, board: Board, phone: Page, number: str,
                  shots: Shots) -> None:
    """Sign in, pick counter 1, call, recall, start, transfer to the back office's service."""
    username, _, label = FIRST
    with kiosk_page(browser, LANDSCAPE) as page:
        sign_in(page, base, username)
        work_at_counter(page, label)
        expect(page.locator(".waiting-list")).to_contain_text(number)
        shots(page, "staff1-counter")

        press(page, "เรียกคิวถัดไป")
        expect(page.locator("#current-number")).to_have_text(number)
        board.expect_call(number, label)
        shots(board.page, "board-first-call")
        expect_status(phone, f"เชิญที่ช่องบริการ {label}", shots, "phone-called")

        press(page, "เรียกซ้ำ")
        board.expect_call(number, label, again=True)
        press(page, "เริ่มให้บริการ")
        expect(page.locator(".status-label")).to_contain_text("กำลังให้บริการ")
        shots(page, "staff1-serving")

        page.select_option("#transfer-service", TRANSFER_TO)
        page.locator("input[name=position][value=front]").check()
        page.locator("form.transfer button").click()
        expect(page.locator(".console-main .muted")).to_have_text("ยังไม่มีคิวที่ช่องนี้")
        expect(board.page.locator(f'.tile[data-counter="{label}"] .tile-number')).to_have_text("—")
        shots(page, "staff1-transferred")


def second_counter(browser: Browser, base: str, board: Board, number: str,
                   shots: Shots) -> None:
    username, _, label = SECOND
    with kiosk_page(browser, LANDSCAPE) as page:
        sign_in(page, base, username)
        work_at_counter(page, label)
        press(page, "เรียกคิวถัดไป")
        expect(page.locator("#current-number")).to_have_text(number)
        board.expect_call(number, label)
        press(page, "เริ่มให้บริการ")
        press(page, "จบงาน")
        expect(page.locator("#fig-served")).to_have_text("1")
        expect(board.page.locator(f'.tile[data-counter="{label}"] .tile-number')).to_have_text("—")
        shots(page, "staff2-finished")


def citizen_rates_at_the_kiosk(page: Page, base: str, number: str, shots: Shots) -> None:
    page.goto(base + "/")
    page.locator("a.rate-home").tap()
    page.wait_for_url("**/rate/")
    keypad = page.locator("[data-keypad]")
    keypad.locator(f"button[data-prefix='{number[0]}']").tap()
    for digit in number[1:].lstrip("0"):
        keypad.locator(f"button[data-key='{digit}']").tap()
    shots(page, "citizen-rate-find")
    page.locator(".find-form button[type=submit]").tap()
    page.wait_for_url("**/rate/v/**")
    served = page.locator(".served-by li")
    expect(served).to_have_count(2)
    expect(served.nth(0)).to_contain_text(FIRST[1])
    expect(served.nth(0)).to_contain_text(f"ฝ่ายทะเบียน · ช่องบริการ {FIRST[2]}")
    expect(served.nth(1)).to_contain_text(SECOND[1])
    page.locator(".face-choice.score-5").tap()
    page.locator(".choice.extra-no").tap()
    page.locator("#comment").fill("รวดเร็ว ประทับใจ")
    shots(page, "citizen-rate-form")
    page.locator(".rate-submit").tap()
    page.wait_for_url("**/rate/thanks")
    shots(page, "citizen-rate-thanks")


def download(page: Page, link_text: str) -> bytes:
    with page.expect_download() as info:
        page.locator(".report-links a", has_text=link_text).click()
    return Path(info.value.path()).read_bytes()


def supervisor_reads_today(browser: Browser, base: str, shots: Shots) -> bytes:
    with kiosk_page(browser, LANDSCAPE, accept_downloads=True) as page:
        sign_in(page, base, "supervisor")
        page.goto(base + "/staff/reports/")
        page.locator(".presets a", has_text="วันนี้").click()
        expect(page.locator(".presets a[aria-current]")).to_have_text("วันนี้")
        expect(page.locator("[data-tile=visits]")).to_have_text("1")
        expect(page.locator("[data-tile=mean_score]")).to_have_text("5.00")
        section = page.locator("#section-table tr[data-key=REG]")
        expect(section.locator("td[data-col=ratings]")).to_have_text("1")
        for username, name, _ in (FIRST, SECOND):
            row = page.locator(f"#staff-table tr[data-key={username}]")
            expect(row.locator("td[data-col=name]")).to_have_text(name)
            expect(row.locator("td[data-col=ratings]")).to_have_text("1")
            expect(row.locator("td[data-col=mean_score]")).to_have_text("5.00")
            expect(row.locator("td[data-col=section]")).to_have_text("REG")
        # The section's other members are listed too, with nothing credited to them.
        ratings = dict(page.locator("#staff-table tbody tr").evaluate_all(
            "rows => rows.map(r => [r.dataset.key,"
            " r.querySelector('td[data-col=ratings]').textContent.trim()])"))
        assert {k: v for k, v in ratings.items() if v != "0"} == {FIRST[0]: "1", SECOND[0]: "1"}
        comments = page.locator("section[aria-labelledby=h-comments]")
        expect(comments).to_contain_text("รวดเร็ว ประทับใจ")
        shots(page, "supervisor-report-today", full_page=True)

        rows = {row["ชื่อผู้ใช้"]: row for row in csv.DictReader(
            io.StringIO(download(page, "CSV รายบุคคล").decode("utf-8-sig")))}
        exported = {name: row["จำนวนผู้ประเมิน (ราย)"] for name, row in rows.items()}
        assert exported == ratings  # the file says what the screen says
        workbook = download(page, "ส่งออก Excel (XLSX)")
        assert workbook[:2] == b"PK"
        shots(page, "supervisor-exported")
    return workbook


def test_a_morning_at_the_office(browser, live_server, app, artifacts):
    with app.app_context():
        for username in ("reg1", "reg2", "supervisor"):
            staff(username).set_password(PASSWORD)
        db.session.commit()
    shots = Shots(artifacts)
    board_context = browser.new_context(viewport=LANDSCAPE, locale="th-TH")
    board_context.set_default_timeout(6000)
    try:
        board = Board(board_context.new_page())
        board.page.goto(live_server + "/board/")
        board.page.wait_for_selector('#board[data-live="1"]', timeout=10_000)
        shots(board.page, "board-idle")

        with kiosk_page(browser, PORTRAIT, has_touch=True) as kiosk, \
                kiosk_page(browser, PHONE, has_touch=True, is_mobile=True) as phone:
            number, status_url = citizen_takes_a_ticket(kiosk, live_server, shots)
            phone.goto(status_url)
            expect(phone.locator(".status-label")).to_have_text("รอเรียกคิว")
            shots(phone, "phone-waiting", full_page=True)

            first_counter(browser, live_server, board, phone, number, shots)
            expect_status(phone, "โอนไปยัง", shots, "phone-transferred")
            second_counter(browser, live_server, board, number, shots)
            expect_status(phone, "ให้บริการเสร็จสิ้น", shots, "phone-finished")
            expect(phone.locator(".rate-invite a")).to_be_visible()

            citizen_rates_at_the_kiosk(kiosk, live_server, number, shots)
            phone.reload()
            expect(phone.locator(".rated-note")).to_be_visible()

        board.expect_all_announced()
        shots(board.page, "board-after-the-visit")
        assert board.announced == 3 and len(board.calls) == 1  # one ticket, at its last counter

        workbook = supervisor_reads_today(browser, live_server, shots)
        staff_sheet = xlsx_table(workbook, "รายบุคคล", "ชื่อผู้ใช้")
        for username, name, _ in (FIRST, SECOND):
            assert staff_sheet[username]["ชื่อ–สกุล"] == name
            assert staff_sheet[username]["จำนวนผู้ประเมิน (ราย)"] == 1
    finally:
        board_context.close()
