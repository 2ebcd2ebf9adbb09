"""The report screen, its exports and who may open what, over HTTP."""

from __future__ import annotations

import io

import openpyxl
import pytest

from models import Section, db
from tests import reports_scenario
from tests.queue_helpers import staff
from tests.report_pages import RANGE, csv_table, people, screen_table, signed_in, xlsx_table
from tests.reports_scenario import EXPECTED_SECTIONS, EXPECTED_STAFF
from tests.staff_helpers import csrf

# (screen column, decimals) in the order of reports_scenario.FIELDS
COLUMNS = [("visits", 0), ("ratings", 0), ("mean_score", 2), ("satisfaction_index", 1),
           ("extra_asked", 0), ("mean_wait", 1), ("mean_service", 1), ("response_rate", 1),
           ("pct_satisfied", 1), ("pct_within_standard", 1)]
HEADERS = {"visits": "จำนวนผู้รับบริการ (ราย)", "ratings": "จำนวนผู้ประเมิน (ราย)",
           "mean_score": "คะแนนเฉลี่ย (1–5)", "satisfaction_index": "ดัชนีความพึงพอใจ (0–100)",
           "extra_asked": "ถูกเรียกรับเงินหรือสิ่งอื่นเพิ่ม (ราย)",
           "mean_wait": "เวลารอเฉลี่ย (นาที)", "mean_service": "เวลาให้บริการเฉลี่ย (นาที)",
           "response_rate": "อัตราการตอบแบบประเมิน (%)",
           "pct_satisfied": "พึงพอใจ ระดับ 4–5 (%)",
           "pct_within_standard": "เสร็จภายในมาตรฐาน (%)"}
NOT_ENOUGH = "ยังมีการประเมินไม่พอสำหรับเปรียบเทียบ"


@pytest.fixture
def office(app):
    app.config["MIN_RATINGS_TO_COMPARE"] = 2
    people(app)
    with app.app_context():
        reports_scenario.build()
    return app


def text(value, decimals: int) -> str:
    return f"{value:.{decimals}f}" if decimals else str(value)


def test_screen_xlsx_and_csv_show_the_hand_worked_figures(office):
    admin = signed_in(office, "boss")
    page = admin.get(f"/staff/reports/?{RANGE}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    staff_screen = screen_table(html, "staff-table")
    section_screen = screen_table(html, "section-table")
    book = admin.get(f"/staff/reports/export.xlsx?{RANGE}")
    assert book.status_code == 200 and book.mimetype.endswith("spreadsheetml.sheet")
    staff_xlsx = xlsx_table(book.data, "รายบุคคล", "ชื่อผู้ใช้")
    section_xlsx = xlsx_table(book.data, "รายฝ่าย", "รหัสฝ่าย")
    staff_csv = csv_table(admin.get(f"/staff/reports/export.csv?{RANGE}&table=staff").data,
                          "ชื่อผู้ใช้")
    for expected, screen, sheet in ((EXPECTED_STAFF, staff_screen, staff_xlsx),
                                    (EXPECTED_SECTIONS, section_screen, section_xlsx)):
        for code, values in expected.items():
            for (column, decimals), value in zip(COLUMNS, values, strict=True):
                assert screen[code][column] == text(value, decimals), (code, column)
                assert sheet[code][HEADERS[column]] == value, (code, column)
    for username, values in EXPECTED_STAFF.items():
        for (column, decimals), value in zip(COLUMNS, values, strict=True):
            assert staff_csv[username][HEADERS[column]] == text(value, decimals)
        assert staff_csv[username]["ตั้งแต่วันที่"] == "2569-11-10"  # Buddhist Era
    assert (staff_screen["reg1"]["rank"], staff_screen["reg2"]["rank"]) == ("1", "2")
    assert staff_screen["rev1"]["rank"] == NOT_ENOUGH
    assert staff_xlsx["rev1"]["อันดับ"] == NOT_ENOUGH and staff_csv["rev1"]["อันดับ"] == NOT_ENOUGH
    assert "10 พ.ย. 2569" in xlsx_title(book.data)
    assert "บริการดีมาก" in html and "รอนานมาก" in html  # latest comments
    assert '<svg class="trend"' in html


def xlsx_title(data: bytes) -> str:
    return openpyxl.load_workbook(io.BytesIO(data))["รายบุคคล"]["A2"].value


def test_the_response_rate_says_transferred_no_shows_cannot_be_rated(office, client):
    """The screen (both languages), the XLSX notes and the API document define the rate."""
    admin = signed_in(office, "boss")
    thai = admin.get(f"/staff/reports/?{RANGE}").get_data(as_text=True)
    assert "ถูกโอนแล้วไม่มาตามเรียก" in thai and "ประเมินไม่ได้" in thai
    english = admin.get(f"/staff/reports/?{RANGE}&lang=en").get_data(as_text=True)
    assert "transferred and then a no-show" in english and "cannot be rated" in english
    data = admin.get(f"/staff/reports/export.xlsx?{RANGE}&table=staff").data
    note = openpyxl.load_workbook(io.BytesIO(data))["รายบุคคล"]["A4"].value
    assert "อัตราการตอบ = จำนวนผู้ประเมิน ÷ จำนวนผู้รับบริการ" in note
    assert "ไม่มาตามเรียกนับเป็นผู้รับบริการของฝ่ายที่โอนแต่ประเมินไม่ได้" in note
    spec = client.get("/api/openapi.json").get_json()
    rate = spec["components"]["schemas"]["StaffReportRow"]["properties"]["response_rate"]
    assert "no-show after a transfer" in rate["description"]
    assert "cannot be rated" in rate["description"]


def test_english_screen_says_not_enough_ratings(office):
    page = signed_in(office, "boss").get(f"/staff/reports/?{RANGE}&lang=en")
    rows = screen_table(page.get_data(as_text=True), "staff-table")
    assert rows["rev1"]["rank"] == "Not enough ratings to compare"


def test_a_bad_range_is_explained_not_crashed(office):
    page = signed_in(office, "boss").get("/staff/reports/?from=2026-02-30&to=2026-03-01")
    assert page.status_code == 400
    assert "ปปปป-ดด-วว" in page.get_data(as_text=True)
    export = signed_in(office, "boss").get("/staff/reports/export.xlsx?from=x&to=y")
    assert export.status_code == 400


def test_drill_down_lists_the_rated_visits_with_their_segments(office):
    with office.app_context():
        reg2 = staff("reg2").id
    page = signed_in(office, "boss").get(f"/staff/reports/staff/{reg2}?{RANGE}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "การมาติดต่อที่ได้รับการประเมิน" in html
    assert html.count('class="panel rated-visit"') == 2  # REG-DEATH, and the transferred one
    assert "นางมาลี รุ่งเรือง" in html  # rev1 served the first leg of the transferred visit
    assert "รอนานมาก" in html and "บริการดีมาก" not in html


def test_my_figures_are_a_counter_staff_members_own(office):
    client = signed_in(office, "reg1")
    page = client.get(f"/staff/reports/me?{RANGE}").get_data(as_text=True)
    assert 'data-tile="visits">3<' in page and 'data-tile="mean_score">4.33<' in page
    book = client.get(f"/staff/reports/me/export.xlsx?{RANGE}")
    rows = xlsx_table(book.data, "รายบุคคล", "ชื่อผู้ใช้")
    assert list(rows) == ["reg1"] and rows["reg1"]["คะแนนเฉลี่ย (1–5)"] == 4.33


def ids(app) -> dict[str, int]:
    with app.app_context():
        found = {name: staff(name).id for name in ("reg1", "reg2", "rev1")}
        for code in ("REG", "REV"):
            found[code] = db.session.query(Section.id).filter_by(code=code).scalar()
        return found


# route → who gets 200 (everyone else signed in gets 403)
def matrix(i: dict[str, int]) -> list[tuple[str, set[str]]]:
    managers = {"boss", "regsup", "revsup"}
    return [
        ("/staff/reports/", managers),
        (f"/staff/reports/?{RANGE}", managers),
        ("/staff/reports/export.xlsx", managers),
        ("/staff/reports/export.csv?table=sections", managers),
        ("/staff/reports/monthly?month=2026-11", managers),
        ("/staff/reports/me", managers | {"reg1", "reg2", "rev1"}),
        ("/staff/reports/me/export.csv", managers | {"reg1", "reg2", "rev1"}),
        (f"/staff/reports/staff/{i['reg1']}", {"boss", "regsup", "reg1"}),
        (f"/staff/reports/staff/{i['reg2']}", {"boss", "regsup", "reg2"}),
        (f"/staff/reports/staff/{i['rev1']}", {"boss", "revsup", "rev1"}),
        ("/staff/reports/staff/999999", set()),
        (f"/staff/reports/sections/{i['REG']}", {"boss", "regsup"}),
        (f"/staff/reports/sections/{i['REV']}", {"boss", "revsup"}),
        ("/staff/alerts/", managers),
    ]


def test_role_matrix_over_every_report_route(office):
    routes = matrix(ids(office))
    anonymous = office.test_client()
    for url, _ in routes:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/staff/sign-in" in response.location, url
    for username in ("boss", "regsup", "revsup", "reg1", "reg2", "rev1"):
        client = signed_in(office, username)
        for url, allowed in routes:
            status = client.get(url).status_code
            assert status == (200 if username in allowed else 403), (username, url, status)


def test_supervisors_see_their_own_section_only(office):
    html = signed_in(office, "revsup").get(f"/staff/reports/?{RANGE}").get_data(as_text=True)
    assert set(screen_table(html, "section-table")) == {"REV"}
    assert set(screen_table(html, "staff-table")) == {"rev1", "revsup"}
    assert "รอนานมาก" not in html  # a REG comment
    book = signed_in(office, "revsup").get(f"/staff/reports/export.xlsx?{RANGE}")
    assert set(xlsx_table(book.data, "รายบุคคล", "ชื่อผู้ใช้")) == {"rev1", "revsup"}


def test_the_monthly_report_is_printable(office):
    page = signed_in(office, "boss").get("/staff/reports/monthly?month=2026-11")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "พฤศจิกายน 2569" in html
    assert 'data-print' in html and 'id="service-table"' in html
    services = screen_table(html, "service-table")
    assert services["REV-LANDTAX"]["mean_standard"] == "10.0"
    assert services["REV-LANDTAX"]["pct_within_standard"] == "0.0"
    assert signed_in(office, "boss").get("/staff/reports/monthly?month=2026-13").status_code \
        == 400


def test_supervisors_see_and_acknowledge_their_sections_alerts(office):
    regsup, revsup = signed_in(office, "regsup"), signed_in(office, "revsup")
    fragment = regsup.get("/staff/alerts/", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and 'data-open="1"' in html  # v2: asked for extra, at REG
    alert_id = html.split('data-alert="')[1].split('"')[0]
    assert 'data-open="0"' in revsup.get("/staff/alerts/").get_data(as_text=True)
    url = f"/staff/alerts/{alert_id}/acknowledge"
    assert regsup.post(url).status_code == 400  # no CSRF token
    token = csrf(revsup, "/staff/alerts/")
    assert revsup.post(url, data={"csrf_token": token}).status_code == 404
    token = csrf(regsup, "/staff/alerts/")
    done = regsup.post(url, data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert done.status_code == 200
    assert 'data-open="0"' in done.get_data(as_text=True)
    assert "รับทราบแล้วโดย Regsup" in done.get_data(as_text=True)
    counter = signed_in(office, "reg1")
    token = csrf(counter, "/staff/reports/me")
    assert counter.post(url, data={"csrf_token": token}).status_code == 403
