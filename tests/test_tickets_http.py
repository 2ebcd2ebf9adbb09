"""Taking a ticket at the kiosk over HTTP: one ticket per tap, printed or not, always shown."""

from __future__ import annotations

import re

import pytest
import zxingcpp
from sqlalchemy import func, select

from kiosk.printing import decode_raster
from models import PrintJob, PrintStatus, Ticket, db
from models.calling import call_next
from models.counter_actions import no_show, start, transfer
from tests.printer_capture import CapturingPrinter, closed_port
from tests.queue_helpers import counter, service, staff


def take_form(client, code: str = "REG-BIRTH") -> dict:
    html = client.get(f"/services/{code}").get_data(as_text=True)
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html)[1],
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', html)[1],
        "priority": "",
    }


def take(client, code: str = "REG-BIRTH", form: dict | None = None, **changes):
    data = {**(form or take_form(client, code)), **changes}
    return client.post(f"/services/{code}/ticket", data=data)


def tickets(app) -> list[dict]:
    with app.app_context():
        return [{"token": t.token, "number": t.number, "priority": t.priority_reason}
                for t in db.session.scalars(select(Ticket).order_by(Ticket.id))]


def test_take_a_ticket_shows_number_wait_time_and_status_qr(client, app):
    response = take(client)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="ticket-number">A001<' in page
    assert "คุณเป็นคิวถัดไป" in page and "ไม่มีค่าธรรมเนียม" in page
    assert 'id="call-counters">จะเรียกที่ช่อง 1, 2 หรือ 3<' in page
    assert re.search(r"ออกบัตรเมื่อ \d+ \S+ 25\d\d \d\d:\d\d น\.", page)
    assert "<svg" in page.split('class="panel phone-qr"')[1]
    second = client.get(take(client).headers["Location"]).get_data(as_text=True)
    assert 'id="ticket-number">A002<' in second and "รออีก 1 คิว" in second


def test_double_tap_and_retry_return_the_same_ticket(client, app):
    form = take_form(client)
    first = take(client, form=form)
    again = take(client, form=form)
    assert first.headers["Location"] == again.headers["Location"]
    assert len(tickets(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PrintJob)) == 1


def test_priority_lane_ticket(client, app):
    response = take(client, priority="elderly")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "คิวพิเศษ" in page
    assert tickets(app)[0]["priority"].value == "elderly"


def test_bad_input_gets_a_clear_answer_and_no_ticket(client, app):
    assert take(client, priority="vip").status_code == 422
    missing = client.post("/services/NO-SUCH/ticket", data=take_form(client))
    assert missing.status_code == 404 and "NO-SUCH" in missing.get_data(as_text=True)
    no_csrf = client.post("/services/REG-BIRTH/ticket", data={"priority": ""})
    assert no_csrf.status_code == 400
    assert "หน้านี้หมดอายุแล้ว" in no_csrf.get_data(as_text=True)
    assert tickets(app) == []


def test_closed_office_says_so_instead_of_issuing(app):
    from models.hours import parse_hours

    client = app.test_client()
    form = take_form(client)  # the page was open a moment ago...
    app.extensions["khiu_hours"] = parse_hours("sun 00:00-00:01")  # ...and now it is closed
    manual = client.get("/services/REG-BIRTH?lang=en").get_data(as_text=True)
    assert "The office is closed now" in manual and 'name="idempotency_key"' not in manual
    response = client.post("/services/REG-BIRTH/ticket", data=form)
    assert response.status_code == 409
    assert "Opening hours" in response.get_data(as_text=True)
    assert tickets(app) == []


def test_network_printer_receives_the_ticket_and_its_qr_opens_the_status_page(app):
    printer = CapturingPrinter()
    app.config["PRINTER_URL"] = printer.url
    app.config["PUBLIC_URL"] = "http://192.168.1.20:5000"
    try:
        take(app.test_client())
    finally:
        printer.close()
    assert len(printer.jobs) == 1
    data = printer.jobs[0]
    assert data.startswith(b"\x1b@") and b"\x1dv0" in data
    image = decode_raster(data)
    assert image.width == 576 and image.height > 600
    token = tickets(app)[0]["token"]
    codes = [code.text for code in zxingcpp.read_barcodes(image.convert("L"))]
    assert codes == [f"http://192.168.1.20:5000/t/{token}"]
    with app.app_context():
        job = db.session.scalar(select(PrintJob))
        assert job.status is PrintStatus.PRINTED and "127.0.0.1" in job.destination


def test_printer_off_still_issues_the_ticket_and_it_can_be_reprinted(app):
    app.config["PRINTER_URL"] = f"tcp://127.0.0.1:{closed_port()}?timeout=1"
    client = app.test_client()
    page = client.get(take(client).headers["Location"]).get_data(as_text=True)
    assert "เครื่องพิมพ์บัตรคิวขัดข้อง" in page and "The ticket printer is not working" in page
    assert 'id="ticket-number">A001<' in page
    with app.app_context():
        job = db.session.scalar(select(PrintJob))
        assert job.status is PrintStatus.FAILED and job.error

    printer = CapturingPrinter()
    app.config["PRINTER_URL"] = printer.url
    try:
        with app.test_request_context():
            from kiosk.printing.jobs import reprint

            again = reprint(db.session.scalar(select(Ticket)))
            assert again.status is PrintStatus.PRINTED
    finally:
        printer.close()
    assert len(printer.jobs) == 1


def test_preview_printer_keeps_png_and_escpos_of_each_ticket(app, tmp_path):
    take(app.test_client())
    files = sorted(p.name for p in (tmp_path / "printouts").iterdir())
    assert len(files) == 2 and files[0].endswith(".bin") and files[1].endswith(".png")


def test_status_page_follows_the_visit(client, app):
    take(client)
    token = tickets(app)[0]["token"]
    waiting = client.get(f"/t/{token}").get_data(as_text=True)
    assert "รอเรียกคิว" in waiting and 'hx-trigger="every 10s"' in waiting
    assert 'id="call-counters">จะเรียกที่ช่อง 1, 2 หรือ 3 · ฝ่ายทะเบียน<' in waiting
    # People ahead may grow as priority visitors arrive: the page says why.
    assert 'id="priority-note">ผู้สูงอายุ ผู้พิการ หญิงตั้งครรภ์' in waiting
    assert "data-idle-seconds" not in waiting  # a phone page: never sent to the kiosk home
    with app.app_context():
        ticket_id = call_next(db.session, counter("2"), staff("reg2")).id
        db.session.commit()
    called = client.get(f"/t/{token}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "เชิญที่ช่องบริการ 2" in called and "<html" not in called
    assert 'aria-current="step"' in called and "call-counters" not in called
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        start(db.session, ticket)
        transfer(db.session, ticket, service("REG-MOVE-IN"), front=False)
        db.session.commit()
    moved = client.get(f"/t/{token}").get_data(as_text=True)
    assert "โอนไปยังฝ่ายทะเบียน · รอเรียกคิว" in moved and "การแจ้งย้ายที่อยู่ (ย้ายเข้า)" in moved
    assert 'id="call-counters">จะเรียกที่ช่อง 1, 2 หรือ 3' in moved
    assert "ฝ่ายทะเบียน" in moved and "ช่อง 2" in moved and "โอนต่อ" in moved
    with app.app_context():
        no_show(db.session, call_next(db.session, counter("1"), staff("reg1")))
        db.session.commit()
    gone = client.get(f"/t/{token}").get_data(as_text=True)
    # A no-show's page says what to do next, and does not call the missed call "done".
    assert 'id="no-show-advice"' in gone and "รับบัตรคิวใหม่ที่ตู้บริการ" in gone
    last_segment = gone.split('<ol class="segments">')[1].split("<li>")[-1]
    assert "ปิดคิว" in last_segment and "เสร็จ" not in last_segment


@pytest.mark.parametrize("token", ["nope", "x" * 500, "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0"])
def test_unknown_ticket_tokens_reveal_nothing(client, token):
    response = client.get(f"/t/{token}")
    assert response.status_code == 404
    assert "ไม่พบบัตรคิวนี้" in response.get_data(as_text=True)


def test_staff_see_failed_prints_reprint_them_and_view_previews(app, tmp_path):
    from tests.staff_helpers import add_staff, csrf, sign_in

    app.config["PRINTER_URL"] = f"tcp://127.0.0.1:{closed_port()}?timeout=1"
    take(app.test_client())
    staff_client = app.test_client()
    assert staff_client.get("/staff/printing/").status_code == 302  # staff only
    add_staff(app, "desk")
    sign_in(staff_client, "desk")
    page = staff_client.get("/staff/printing/").get_data(as_text=True)
    assert "มีบัตรคิวที่พิมพ์ไม่สำเร็จ: 1" in page and "A001" in page and "job-failed" in page

    app.config["PRINTER_URL"] = "preview"
    with app.app_context():
        job_id = db.session.scalar(select(PrintJob.id))
    token = csrf(staff_client, "/staff/printing/")
    response = staff_client.post(f"/staff/printing/{job_id}/reprint", data={"csrf_token": token})
    assert response.status_code == 303
    page = staff_client.get("/staff/printing/").get_data(as_text=True)
    assert "ดูภาพบัตร" in page
    with app.app_context():
        printed = db.session.scalar(select(PrintJob).where(PrintJob.status == PrintStatus.PRINTED))
        printed_id = printed.id
    with staff_client.get(f"/staff/printing/{printed_id}/preview.png") as image:
        assert image.status_code == 200 and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert staff_client.get(f"/staff/printing/{job_id}/preview.png").status_code == 404


def test_a_visitor_transferred_to_another_section_reads_where_they_will_be_called(client, app):
    take(client)
    token = tickets(app)[0]["token"]
    with app.app_context():
        ticket = call_next(db.session, counter("2"), staff("reg2"))
        start(db.session, ticket)
        transfer(db.session, ticket, service("REV-LANDTAX"), front=True)
        db.session.commit()
    page = client.get(f"/t/{token}?lang=en").get_data(as_text=True)
    assert "Transferred to Revenue Section · waiting to be called" in page
    assert 'id="call-counters">You will be called to counter 4<' in page


def test_a_priority_visitors_page_has_no_note_about_priority_turns(client, app):
    take(client, priority="elderly")
    token = tickets(app)[0]["token"]
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert "รอเรียกคิว" in page and "priority-note" not in page
    assert 'id="priority-badge">คิวพิเศษ<' in page  # as on the screen and the printed ticket


def test_with_the_normal_lane_first_the_note_about_priority_turns_goes(client, app):
    app.config["PRIORITY_RATIO"] = 0  # priority tickets are called only when nobody else waits
    take(client)
    page = client.get(f"/t/{tickets(app)[0]['token']}").get_data(as_text=True)
    assert "รอเรียกคิว" in page and "priority-note" not in page


@pytest.mark.parametrize(("accept", "expected"), [
    ("en-US,en;q=0.9", "Waiting to be called"),
    ("th-TH,th;q=0.9,en;q=0.8", "รอเรียกคิว"),
    ("fr-FR,fr;q=0.9", "รอเรียกคิว"),
    (None, "รอเรียกคิว"),
])
def test_the_status_page_follows_the_phones_language_until_one_is_chosen(app, accept,
                                                                          expected):
    """The QR opens on the visitor's own phone: one that reads English gets English (it met
    Thai even when the ticket was taken in English). A choice made on the page wins."""
    kiosk, phone = app.test_client(), app.test_client()
    take(kiosk)
    token = tickets(app)[0]["token"]
    headers = {"Accept-Language": accept} if accept else {}
    assert expected in phone.get(f"/t/{token}", headers=headers).get_data(as_text=True)
    phone.get(f"/t/{token}?lang=th", headers=headers)
    assert "รอเรียกคิว" in phone.get(f"/t/{token}", headers=headers).get_data(as_text=True)


def test_the_kiosk_stays_thai_first_whatever_its_browser_says(client):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="th">' in page


def test_the_manual_says_how_long_the_queue_is_before_a_ticket_is_taken(client, app):
    assert 'id="queue-now">ขณะนี้ไม่มีคิวรอ<' in client.get("/services/REG-BIRTH").get_data(
        as_text=True)
    take(client)
    take(client)
    page = client.get("/services/REG-BIRTH?lang=en").get_data(as_text=True)
    assert re.search(r'id="queue-now">2 waiting now · about \d+ min<', page), page
