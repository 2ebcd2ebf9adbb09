"""Kiosk pages over HTTP, in Thai and English: what a citizen reads on each page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import Service, db


def page(client, url: str, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_home_shows_sections_and_services_in_thai(client):
    html = page(client, "/")
    assert '<html lang="th">' in html
    assert "ฝ่ายทะเบียน" in html and "ฝ่ายโยธา" in html
    assert "การรับแจ้งการเกิด (ภายในกำหนด 15 วัน)" in html
    assert html.count('class="service-button"') == 15
    # The OSS pseudo-section has no services of its own and gets no empty heading.
    assert "จุดประชาสัมพันธ์และศูนย์บริการร่วม" not in html


def test_language_toggle_switches_to_english_and_remembers_it(client):
    html = page(client, "/?lang=en")
    assert '<html lang="en">' in html
    assert "Choose the service you need" in html and "Civil Registration Section" in html
    assert "Birth registration (within 15 days)" in html
    assert '<html lang="en">' in page(client, "/services/REG-BIRTH")
    assert '<html lang="th">' in page(client, "/?lang=th")


def test_manual_shows_conditions_steps_documents_fee_law_and_complaints(client):
    html = page(client, "/services/REG-BIRTH")
    assert "ต้องแจ้งภายใน 15 วันนับจากวันที่เด็กเกิด" in html
    steps = re.findall(r'<p class="step-name">(.*?)</p>', html)
    assert steps == ["ตรวจสอบเอกสารและรับคำร้อง",
                     "บันทึกข้อมูล ออกสูติบัตร และเพิ่มชื่อเด็กในทะเบียนบ้าน",
                     "นายทะเบียนตรวจและลงนาม มอบเอกสารคืนผู้แจ้ง"]
    assert re.findall(r'<span class="step-time">(.*?)</span>', html) == ["5 นาที", "7 นาที",
                                                                         "3 นาที"]
    assert "รวมระยะเวลา <strong>15 นาที</strong>" in html
    identity, others = html.split("เอกสารยืนยันตัวตนที่ออกโดยหน่วยงานภาครัฐ")[1].split(
        "เอกสารอื่น ๆ")
    assert "บัตรประจำตัวประชาชนของผู้แจ้ง" in identity
    assert "หนังสือรับรองการเกิด (ท.ร.1/1)" in others
    assert "ฉบับจริง 1 ฉบับ" in html and "ออกโดย กรมการปกครอง" in html
    assert "ไม่มีค่าธรรมเนียม" in html
    assert "พ.ร.บ.การทะเบียนราษฎร พ.ศ. 2534" in html
    assert "สายด่วนกรุงเทพมหานคร 1555" in html


def test_manual_in_english_falls_back_to_marked_thai_text(client, app):
    html = page(client, "/services/REG-BIRTH?lang=en")
    assert "Check documents and receive request" in html
    assert "Required documents" in html and "No fee" in html
    assert "Register within 15 days of the birth" in html
    assert "Civil Registration Act B.E. 2534 (1991)" in html
    assert "Issued by Department of Provincial Administration" in html
    assert "ต้องแจ้งภายใน 15 วัน" not in html
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.code == "REG-BIRTH"))
        service.conditions_en = ""
        db.session.commit()
    html = page(client, "/services/REG-BIRTH?lang=en")
    # Conditions now exist only in Thai: shown, and marked as Thai for fonts and screen readers.
    assert '<span lang="th">ต้องแจ้งภายใน 15 วัน' in html


def test_fee_is_never_blank(client):
    assert "ค่าธรรมเนียม 100 บาท" in page(client, "/services/REG-IDCARD-LOST")
    varies = page(client, "/services/REV-SIGNTAX")
    assert "ค่าธรรมเนียมแตกต่างตามกรณี" in varies and "ภาษีคำนวณตามพื้นที่ป้าย" in varies
    for code in ("REG-BIRTH", "REG-IDCARD-LOST", "REV-SIGNTAX", "PW-BUILD"):
        fee = re.search(r'<p class="fee-line">(.*?)</p>', page(client, f"/services/{code}"), re.S)
        assert fee and fee.group(1).strip(), code


def test_multi_day_service_shows_working_days_and_counter_time(client):
    html = page(client, "/services/PW-BUILD")
    assert "30 วันทำการ" in html and "รวมระยะเวลา <strong>45 วันทำการ</strong>" in html
    assert "ใช้เวลาที่ช่องบริการ 30 นาที" in html
    english = page(client, "/services/PW-BUILD?lang=en")
    assert "45 working days" in english and "30 min" in english


def test_online_badge_and_qr_only_where_bma_oss_is_a_channel(client):
    permit = page(client, "/services/PW-BUILD")
    assert "ยื่นออนไลน์ได้" in permit
    qr = permit.split('class="qr small"')[1]
    assert "<svg" in qr and "https://oss.example.test/" in qr
    birth = page(client, "/services/REG-BIRTH")
    assert "ยื่นออนไลน์ได้" not in birth


def test_online_badge_without_configured_address_says_where_to_ask(app):
    app.config["BMA_OSS_URL"] = ""
    html = page(app.test_client(), "/services/PW-BUILD")
    assert "ยื่นออนไลน์ได้" in html and "สอบถามที่อยู่เว็บไซต์ได้ที่จุดประชาสัมพันธ์" in html
    assert 'class="qr small"' not in html


def test_service_without_documents_says_none_are_needed(client, app):
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.code == "REG-DEATH"))
        service.documents.clear()
        db.session.commit()
    assert "ไม่ต้องใช้เอกสาร" in page(client, "/services/REG-DEATH")
    assert "No documents needed" in page(client, "/services/REG-DEATH/checklist?lang=en")


def test_unknown_and_inactive_services_get_a_bilingual_404(client, app):
    response = client.get("/services/NO-SUCH")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "ไม่พบงานบริการรหัส NO-SUCH" in html and "There is no service with code NO-SUCH" in html
    with app.app_context():
        db.session.scalar(select(Service).where(Service.code == "REG-BIRTH")).active = False
        db.session.commit()
    assert client.get("/services/REG-BIRTH").status_code == 404
    assert "การรับแจ้งการเกิด" not in page(client, "/")


def test_search_matches_thai_english_and_says_when_nothing_matches(client):
    thai = page(client, "/search?q=บัตรประจำตัว", **{"HX-Request": "true"})
    assert "REG-IDCARD-EXP" in thai and "REG-IDCARD-LOST" in thai and "REG-BIRTH" not in thai
    assert "<html" not in thai  # an htmx request gets the fragment only
    english = page(client, "/search?q=BUILDING permit&lang=en", **{"HX-Request": "true"})
    assert "PW-BUILD" in english
    none = page(client, "/search?q=ดาวอังคาร&lang=th", **{"HX-Request": "true"})
    assert "ไม่พบงานบริการที่ตรงกับคำค้น" in none
    full = page(client, "/search?q=ภาษี")
    assert "<html" in full and "REV-LANDTAX" in full


def test_pages_vary_on_hx_request_and_the_api_does_not(client):
    assert "HX-Request" in client.get("/search?q=x").headers["Vary"]
    api = client.get("/api/v1/services", headers={"HX-Request": "true"})
    assert api.status_code == 200 and "HX-Request" not in api.headers.get("Vary", "")


def test_checklist_marks_missing_required_documents(client, app):
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.code == "REG-BIRTH"))
        required = [d.id for d in service.documents if d.required]
        optional = [d.id for d in service.documents if not d.required]
    htmx = {"HX-Request": "true", "HX-Target": "summary"}
    first = page(client, f"/services/REG-BIRTH/checklist?checked=1&have={required[0]}", **htmx)
    assert "ยังขาดเอกสารจำเป็น 1 รายการ" in first
    assert "ทะเบียนบ้านฉบับเจ้าบ้าน" in first and "บัตรประจำตัวประชาชนของผู้แจ้ง" not in first
    query = "&".join(f"have={i}" for i in required)
    done = page(client, f"/services/REG-BIRTH/checklist?checked=1&{query}", **htmx)
    assert "เอกสารจำเป็นครบแล้ว" in done
    only_optional = page(client, f"/services/REG-BIRTH/checklist?have={optional[0]}", **htmx)
    assert "ยังขาดเอกสารจำเป็น 2 รายการ" in only_optional
    # Without JavaScript the same GET renders the whole page with the boxes kept ticked.
    full = page(client, f"/services/REG-BIRTH/checklist?checked=1&{query}")
    assert full.count("checked>") == len(required) and "เอกสารจำเป็นครบแล้ว" in full


def test_checklist_without_required_documents_says_so(client):
    html = page(client, "/services/REG-IDCARD-LOST/checklist?lang=th")
    assert "งานนี้ไม่มีเอกสารที่จำเป็นต้องใช้" in html


def test_checklist_qr_opens_the_same_list_on_a_phone(client, app):
    html = page(client, "/services/REG-BIRTH/checklist")
    assert "<svg" in html.split('class="panel phone-qr"')[1]
    assert "data-idle-seconds" in html
    phone = page(client, "/services/REG-BIRTH/checklist?via=qr")
    assert "data-idle-seconds" not in phone  # a phone is never reset to the kiosk home
    assert 'class="panel phone-qr"' not in phone


def test_checklist_qr_uses_public_url_when_set(app):
    app.config["PUBLIC_URL"] = "http://192.168.1.20:5000"
    with app.test_request_context():
        from web.qr import public_url

        url = public_url("catalog.checklist", code="REG-BIRTH", via="qr")
    assert url == "http://192.168.1.20:5000/services/REG-BIRTH/checklist?via=qr"


def test_signage_rotates_through_every_service_at_the_interval(client):
    board = page(client, "/signage/")
    assert "data-idle-seconds" not in board
    assert 'hx-trigger="every 15s"' in board and 'data-index="0"' in board
    assert "/signage/slide/1?interval=15" in board
    last = page(client, "/signage/slide/14?interval=7")
    assert 'data-index="14"' in last and "15 / 15" in last
    assert "/signage/slide/15?interval=7" in last
    wrapped = page(client, "/signage/slide/15")
    assert 'data-index="0"' in wrapped and "1 / 15" in wrapped
    assert 'every 5s' in page(client, "/signage/?interval=1")  # never faster than 5 s


def test_signage_shows_steps_durations_and_fee(client):
    html = page(client, "/signage/slide/1")
    assert "ฝ่ายทะเบียน" in html and "นาที" in html and "ไม่มีค่าธรรมเนียม" in html


def test_header_clock_uses_buddhist_era(client):
    html = page(client, "/clock")
    assert re.search(r"วัน\S+ที่ \d{1,2} \S+ 25\d\d", html)
    assert re.search(r"\d\d:\d\d น\.", html)
    assert "no-store" in client.get("/clock").headers["Cache-Control"]


def test_font_and_front_end_packages_are_served(client):
    css = page(client, "/assets/fonts.css")
    assert 'font-family: "Sarabun"' in css and "/assets/fonts/regular.ttf" in css
    with client.get("/assets/fonts/bold.ttf") as font:
        assert font.status_code == 200 and font.data[:4] == b"\x00\x01\x00\x00"
    with client.get("/assets/vendor/htmx.min.js") as htmx:
        assert htmx.status_code == 200 and b'version:"2.0.' in htmx.data
    with client.get("/assets/vendor/htmx-ext-sse.js") as sse:
        assert sse.status_code == 200
    assert client.get("/assets/vendor/evil.js").status_code == 404
    assert client.get("/assets/fonts/../../app.py").status_code == 404


def test_app_without_office_row_explains_how_to_set_up(tmp_path):
    from app import create_app
    from config import TestConfig

    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "flask init-db" in response.get_data(as_text=True)


def test_every_page_names_the_apps_own_icon(client):
    """Without one the browser asks for /favicon.ico, a 404 on every first page."""
    page = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', page)[1]
    icon = client.get(href)
    try:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert icon.get_data(as_text=True).lstrip().startswith("<svg")
    finally:
        icon.close()


@pytest.mark.parametrize("path", ["/services/REG-BIRTH", "/services/REG-BIRTH/checklist"])
def test_a_document_whose_name_says_if_any_gets_no_second_if_any_badge(client, path):
    """'หนังสือมอบหมาย (ถ้ามี)' read 'หนังสือมอบหมาย (ถ้ามี) ถ้ามี'."""
    page = client.get(path).get_data(as_text=True)
    named = [found.start() for found in re.finditer(re.escape("(ถ้ามี)"), page)]
    assert len(named) >= 2
    for at in named:
        end = page.find('class="doc-name"', at)  # the next document's, if any
        this_document = page[at:end if end >= 0 else None]
        assert "badge optional" not in this_document, this_document[:300]
