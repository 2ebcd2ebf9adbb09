"""Exit rating over HTTP: finding the visit at the kiosk (scan or keypad), the form, the phone
path from the status page, and a friendly bilingual page for every refusal."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Alert, AlertKind, Office, Rating, RatingChannel, RatingCredit, db
from models.base import begin_write, day_start, now_utc
from models.calling import call_next
from models.counter_actions import no_show, start
from models.throttle import record_number_lookup_failure
from models.tickets import business_day
from tests.queue_helpers import (
    counter,
    issue,
    minutes_ago_today,
    need_minutes_of_today,
    staff,
)
from tests.visit_helpers import served_visit

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client, path: str = "/rate/") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True))[1]


def lookup(client, code: str, lang: str = "th"):
    return client.post(f"/rate/?lang={lang}", data={"csrf_token": csrf(client), "code": code})


def form_url(client, code: str) -> str:
    response = lookup(client, code)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def submit(client, url: str, **fields):
    data = {"csrf_token": csrf(client), "score": "5", "extra_payment": "", **fields}
    return client.post(url, data=data)


def visit(app, code="REG-BIRTH", path=(("1", "reg1"),), **options) -> tuple[str, str]:
    with app.app_context():
        ticket = served_visit(code, list(path), **options)
        return ticket.token, ticket.number


def transferred_visit(app) -> tuple[str, str]:
    return visit(app, "REV-SIGNTAX", [("4", "rev1"), ("2", "reg2")], transfers_to=["REG-MOVE-IN"])


def ratings(app) -> list[Rating]:
    with app.app_context():
        return db.session.scalars(select(Rating)).all()


def text(response) -> str:
    return response.get_data(as_text=True)


# Home and the find page

def test_home_has_a_big_rate_button_in_both_languages(client):
    home = text(client.get("/?lang=th"))
    assert re.search(r'<a class="button primary big rate-home" href="/rate/">.*<svg.*'
                     r'ประเมินความพึงพอใจ', home, re.S)
    assert "Rate our service" in text(client.get("/?lang=en"))


def test_find_page_has_a_focused_scanner_field_a_keypad_and_csrf(client):
    page = text(client.get("/rate/"))
    field = re.search(r'<input id="rate-code"[^>]*>', page, re.S)[0]
    assert "autofocus" in field and 'inputmode="none"' in field and 'name="code"' in field
    assert CSRF.search(page)
    prefixes = re.findall(r'data-prefix="([A-Z]+)"', page)
    assert {"A", "D", "H"} <= set(prefixes) and len(prefixes) == len(set(prefixes))
    assert sorted(re.findall(r'data-key="(\d)"', page)) == list("0123456789")
    assert 'data-action="back"' in page and 'data-action="clear"' in page
    assert "data-idle-seconds" in page  # a kiosk page: goes home when left alone
    assert "หรือพิมพ์หมายเลขคิว (ภายใน 30 นาทีหลังรับบริการเสร็จ)" in page
    english = text(client.get("/rate/?lang=en"))
    assert "or type your ticket number (within 30 minutes of finishing)" in english


# Finding the visit: scanner (URL or bare token) and keypad (today's number)

def test_a_scanned_status_url_opens_the_form_with_everyone_who_served(app, client):
    token, number = transferred_visit(app)
    url = form_url(client, f"http://192.168.1.20:5000/t/{token}\n")
    assert token not in url
    page = text(client.get(url))
    assert number in page
    served = page.split('class="served-by"')[1].split("</ul>")[0]
    assert re.search(r"นางมาลี รุ่งเรือง.*ฝ่ายรายได้ · ช่องบริการ 4.*ภาษีป้าย", served, re.S)
    assert re.search(r"นางสาวสุดา แก้วมณี.*ฝ่ายทะเบียน · ช่องบริการ 2.*ย้ายเข้า", served, re.S)
    assert re.findall(r'name="score" value="(\d)"', page) == ["5", "4", "3", "2", "1"]
    for word in ("มากที่สุด", "มาก", "ปานกลาง", "น้อย", "น้อยที่สุด"):
        assert f'<span class="face-word">{word}</span>' in page
    assert page.count('<svg class="face"') == 5
    for aspect in ("ความชัดเจนของข้อมูลและเอกสาร", "ความรวดเร็ว", "ความสุภาพของเจ้าหน้าที่"):
        assert aspect in page
    assert "นอกเหนือจากค่าธรรมเนียมที่กำหนด" in page
    assert re.findall(r'name="extra_payment" value="(\w*)"', page) == ["yes", "no", ""]
    assert CSRF.search(page) and token not in page
    english = text(client.get(url + "?lang=en"))
    assert "Who served you" in english and "Very satisfied" in english
    assert "Were you asked for money or anything else beyond the official fee?" in english


@pytest.mark.parametrize("scanned", ["{token}", "  {token}  ", "https://khiu.example/t/{token}?via=qr",
                                     "{token}\r\n"])
def test_a_bare_token_or_url_with_extras_is_accepted(app, client, scanned):
    token, _ = visit(app)
    assert lookup(client, scanned.format(token=token)).status_code == 303


@pytest.mark.parametrize("typed", ["{number}", "{lower}", "{prefix}{digits}", "{prefix} {digits}"])
def test_the_keypad_finds_todays_ticket_by_number(app, client, typed):
    token, number = visit(app)
    digits = str(int(number[1:]))
    url = form_url(client, typed.format(number=number, lower=number.lower(), prefix=number[0],
                                        digits=digits))
    page = text(client.get(url))
    assert f'<strong class="rate-number">{number}</strong>' in page and "นายสมชาย ใจดี" in page


def yesterdays_visit_just_finished(app) -> tuple[str, str]:
    """A visit of yesterday's business day (issued two minutes before Bangkok midnight) that
    finished a minute or two ago."""
    started = day_start(business_day(now_utc())) - timedelta(minutes=2)
    minutes = int((now_utc() - started).total_seconds() // 60) - 2
    return visit(app, now=started, minutes=minutes)


def test_yesterdays_visit_that_has_just_finished_is_found_by_its_number(app, client):
    """Numbers restart each business day (Bangkok midnight): a visit of yesterday's that has
    just ended is still found by its number while today has no ticket of that number."""
    token, number = yesterdays_visit_just_finished(app)
    page = text(client.get(form_url(client, number)))
    assert f'<strong class="rate-number">{number}</strong>' in page


def test_todays_ticket_of_a_number_comes_before_yesterdays(app, client):
    _, number = yesterdays_visit_just_finished(app)
    with app.app_context():
        today = issue("REG-BIRTH")  # today's first number again, still waiting
    assert today.number == number
    assert lookup(client, number).status_code == 409  # today's: not finished yet


def test_yesterdays_visit_that_finished_long_ago_needs_its_qr(app, client):
    started = day_start(business_day(now_utc())) - timedelta(hours=3)
    _, number = visit(app, now=started, minutes=30)  # finished before midnight
    assert lookup(client, number).status_code == 404


def test_a_typed_number_means_today_only_older_visits_need_their_qr(app, client):
    token, number = visit(app, now=now_utc() - timedelta(hours=30))
    assert lookup(client, number).status_code == 404
    old = lookup(client, token)
    assert old.status_code == 409 and "หมดเวลาประเมิน" in text(old)


# Refusals: a friendly page in Thai and English, never an error dump

def not_finished_ticket(app, state: str) -> tuple[str, str]:
    with app.app_context():
        ticket = issue("REG-BIRTH", now=minutes_ago_today(20))
        if state != "waiting":
            begin_write(db.session)
            called = call_next(db.session, counter("1"), staff("reg1"))
            if state == "serving":
                start(db.session, called)
            elif state == "no_show":
                no_show(db.session, called)
            db.session.commit()
        return ticket.token, ticket.number


REFUSALS = {
    "unknown number": (404, "A999", "ไม่พบบัตรคิวนี้", "We could not find this ticket"),
    "unknown token": (404, "http://x/t/" + secrets.token_urlsafe(24), "ไม่พบบัตรคิวนี้",
                      "We could not find this ticket"),
    "gibberish": (404, "hello kiosk", "ไม่พบบัตรคิวนี้", "We could not find this ticket"),
    "empty": (422, "   ", "กรุณาสแกนคิวอาร์โค้ด", "Please scan the QR code"),
    "no letter": (422, "12", "กรุณาแตะตัวอักษร", "Please also tap the letter"),
    "waiting": (409, "waiting", "ยังรอเรียกอยู่", "still waiting to be called"),
    "called": (409, "called", "ยังให้บริการไม่เสร็จ", "not finished yet"),
    "serving": (409, "serving", "ยังให้บริการไม่เสร็จ", "not finished yet"),
    "no_show": (409, "no_show", "ไม่มาตามเรียก", "nobody came when it was called"),
    "rated": (409, "rated", "ได้รับการประเมินแล้ว", "already been rated"),
    "window closed": (409, "old", "หมดเวลาประเมิน", "The time to rate this visit has passed"),
}


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("case", REFUSALS)
def test_every_refusal_is_explained_in_thai_and_english(app, client, case, lang):
    status, code, thai, english = REFUSALS[case]
    if code in ("waiting", "called", "serving", "no_show"):
        code = not_finished_ticket(app, code)[1]
    elif code == "rated":
        code = visit(app)[1]
        assert submit(client, form_url(client, code)).status_code == 303
    elif code == "old":
        code = visit(app, now=now_utc() - timedelta(hours=30))[0]
    response = lookup(client, code, lang)
    page = text(response)
    assert response.status_code == status
    alert = page.split('role="alert"')[1].split("</section>")[0]
    assert thai in alert and english in alert
    heading = "ประเมินความพึงพอใจ" if lang == "th" else "Rate our service"
    assert f"<h1>{heading}</h1>" in page
    assert 'id="rate-code"' in page and "autofocus" in page  # ready for the next try
    assert "Traceback" not in page


def test_missing_or_invalid_answers_keep_the_form_and_store_nothing(app, client):
    url = form_url(client, visit(app)[1])
    no_face = submit(client, url, score="", comment="ดีมาก")
    assert no_face.status_code == 422
    page = text(no_face)
    assert "กรุณาแตะใบหน้า" in page and "Please tap the face" in page
    assert ">ดีมาก</textarea>" in page  # what was typed is kept
    for bad in ({"score": "9"}, {"score": "abc"}, {"speed": "7"}, {"clarity": "x"},
                {"extra_payment": "maybe"}, {"comment": "ก" * 1001}):
        response = submit(client, url, **bad)
        assert response.status_code == 422, bad
        assert "คำตอบบางข้อไม่ถูกต้อง" in text(response) and "Some answers were not valid" in \
            text(response)
    assert ratings(app) == []
    assert submit(client, url, score="3").status_code == 303


def test_a_tampered_or_stale_kiosk_link_is_explained(app, client, monkeypatch):
    url = form_url(client, visit(app)[1])
    tampered = client.get(url[:-3] + "abc")
    assert tampered.status_code == 404 and "ไม่พบบัตรคิวนี้" in text(tampered)
    import kiosk.rating_rules

    monkeypatch.setattr(kiosk.rating_rules, "REFERENCE_MAX_AGE", -1)
    stale = client.get(url)
    assert stale.status_code == 409
    assert "หน้านี้หมดเวลาแล้ว" in text(stale) and "This page has timed out" in text(stale)


# Rating

def test_a_kiosk_rating_credits_both_sides_of_a_transfer_and_raises_an_alert(app, client):
    token, _ = transferred_visit(app)
    url = form_url(client, token)
    done = submit(client, url, score="2", clarity="3", speed="1", courtesy="",
                  extra_payment="yes", comment="รอนาน\r\nมาก")
    assert done.status_code == 303 and done.headers["Location"] == "/rate/thanks"
    thanks = text(client.get("/rate/thanks"))
    assert "ขอบคุณที่ประเมินความพึงพอใจ" in thanks and "data-idle-seconds" in thanks
    with app.app_context():
        rating = db.session.scalar(select(Rating))
        assert (rating.score, rating.clarity, rating.speed, rating.courtesy) == (2, 3, 1, None)
        assert rating.extra_payment_asked is True and rating.comment == "รอนาน\nมาก"
        assert rating.channel == RatingChannel.KIOSK
        assert len(db.session.scalars(select(RatingCredit)).all()) == 2
        kinds = [a.kind for a in db.session.scalars(select(Alert))]
        assert kinds == [AlertKind.EXTRA_PAYMENT, AlertKind.EXTRA_PAYMENT]


def test_a_double_tap_stores_one_rating_and_says_so_kindly(app, client):
    url = form_url(client, visit(app)[1])
    assert submit(client, url, score="5").status_code == 303
    again = submit(client, url, score="1")
    assert again.status_code == 409
    page = text(again)
    assert "ได้รับการประเมินแล้ว ขอบคุณ" in page and "already been rated. Thank you" in page
    assert [r.score for r in ratings(app)] == [5]
    assert client.get(url).status_code == 409  # the form is not offered again


def test_forms_refuse_a_post_without_csrf(app, client):
    assert client.post("/rate/", data={"code": "A001"}).status_code == 400
    url = form_url(client, visit(app)[1])
    assert client.post(url, data={"score": "5"}).status_code == 400
    assert ratings(app) == []


# The phone: the status page leads to the same form, by token

def test_the_status_page_offers_the_rating_once_finished_then_thanks(app, client):
    waiting, _ = not_finished_ticket(app, "waiting")
    assert "/rate" not in text(client.get(f"/t/{waiting}"))
    token, _ = transferred_visit(app)
    status = text(client.get(f"/t/{token}"))
    assert f'href="/t/{token}/rate"' in status and "ประเมินความพึงพอใจ" in status
    assert "Rate this visit" in text(client.get(f"/t/{token}?lang=en"))
    form = text(client.get(f"/t/{token}/rate?lang=th"))
    assert "data-idle-seconds" not in form  # a phone is never sent to the kiosk home
    assert CSRF.search(form) and "นางมาลี รุ่งเรือง" in form and "นางสาวสุดา แก้วมณี" in form
    done = submit(client, f"/t/{token}/rate", score="4", extra_payment="no")
    assert done.headers["Location"] == f"/t/{token}/rate/thanks"
    thanks = text(client.get(done.headers["Location"]))
    assert "ขอบคุณ" in thanks and f'href="/t/{token}"' in thanks
    after = text(client.get(f"/t/{token}", headers={"HX-Request": "true"}))
    assert "ท่านประเมินการมาติดต่อครั้งนี้แล้ว" in after and f"/t/{token}/rate" not in after
    [rating] = ratings(app)
    assert (rating.score, rating.extra_payment_asked, rating.channel) == \
        (4, False, RatingChannel.PHONE)
    again = client.get(f"/t/{token}/rate")
    assert again.status_code == 409 and "already been rated" in text(again)


def test_phone_refusals_lead_back_to_the_ticket(app, client):
    waiting, _ = not_finished_ticket(app, "serving")
    page = client.get(f"/t/{waiting}/rate")
    assert page.status_code == 409 and "ยังให้บริการไม่เสร็จ" in text(page)
    assert f'href="/t/{waiting}"' in text(page) and "data-idle-seconds" not in text(page)
    assert submit(client, f"/t/{waiting}/rate").status_code == 409
    missing = secrets.token_urlsafe(24)
    unknown = client.get(f"/t/{missing}/rate")
    assert unknown.status_code == 404 and "We could not find this ticket" in text(unknown)
    assert f'href="/t/{missing}"' not in text(unknown)  # no link to a page that is not there
    old, _ = visit(app, path=[("2", "reg2")], now=now_utc() - timedelta(hours=30))
    assert "/rate" not in text(client.get(f"/t/{old}"))  # window closed: nothing to offer
    assert client.get(f"/t/{old}/rate").status_code == 409
    assert client.get(f"/t/{old}/rate/thanks").headers["Location"] == f"/t/{old}/rate"
    assert ratings(app) == []


def test_the_kiosk_flow_on_postgresql(pg_app):
    client = pg_app.test_client()
    token, number = transferred_visit(pg_app)
    url = form_url(client, number)
    assert "นางมาลี รุ่งเรือง" in text(client.get(url))
    assert submit(client, url, score="4", extra_payment="yes").status_code == 303
    assert submit(client, url, score="4").status_code == 409
    assert "ท่านประเมินการมาติดต่อครั้งนี้แล้ว" in text(client.get(f"/t/{token}"))
    with pg_app.app_context():
        assert len(db.session.scalars(select(RatingCredit)).all()) == 2
        assert len(db.session.scalars(select(Alert)).all()) == 2


# Typed numbers: only a visit that just finished, and a phone cannot walk A001…A999

@pytest.mark.parametrize("lang", ["th", "en"])
def test_a_typed_number_finds_only_a_visit_finished_in_the_last_half_hour(app, client, lang):
    # Finished 40 minutes ago: today, inside RATING_WINDOW_HOURS, but past the number's 30.
    need_minutes_of_today(46)
    token, number = visit(app, now=now_utc() - timedelta(minutes=46))
    late = lookup(client, number, lang)
    assert late.status_code == 409
    alert = text(late).split('role="alert"')[1].split("</section>")[0]
    assert "ภายใน 30 นาที" in alert and "within 30 minutes" in alert
    assert "สแกนคิวอาร์โค้ด" in alert and "scan the QR code" in alert
    assert ratings(app) == []
    # The ticket's QR still opens the form for the whole rating window.
    assert submit(client, form_url(client, token), score="4").status_code == 303


def test_the_number_window_is_a_setting(app, client):
    need_minutes_of_today(46)
    _, number = visit(app, now=now_utc() - timedelta(minutes=46))
    app.config["RATING_BY_NUMBER_MINUTES"] = 60
    assert lookup(client, number).status_code == 303
    app.config["RATING_BY_NUMBER_MINUTES"] = 10
    _, recent = visit(app, path=[("2", "reg2")], now=now_utc() - timedelta(minutes=20))
    assert lookup(client, recent).status_code == 409


def failed_lookups(client, count: int, address: str) -> None:
    for index in range(count):
        response = client.post("/rate/", data={"csrf_token": csrf(client),
                                               "code": f"A{900 + index}"},
                               environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 404


@pytest.mark.parametrize("lang", ["th", "en"])
def test_ten_failed_numbers_from_one_address_lock_typing_but_not_the_qr(app, client, lang):
    token, number = visit(app)
    failed_lookups(client, 10, "10.0.0.7")
    locked = client.post(f"/rate/?lang={lang}", data={"csrf_token": csrf(client), "code": number},
                         environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    page = text(locked)
    alert = page.split('role="alert"')[1].split("</section>")[0]
    assert "หลายครั้งเกินไป" in alert and "Too many ticket numbers" in alert
    assert "สแกนคิวอาร์โค้ด" in alert and "scan the QR code" in alert
    assert 'id="rate-code"' in page and number not in alert  # nothing learned about the number
    # Another address (the kiosk) still types numbers; the locked one can still scan its QR.
    assert client.post("/rate/", data={"csrf_token": csrf(client), "code": number},
                       environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 303
    assert client.post("/rate/", data={"csrf_token": csrf(client), "code": token},
                       environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 303


def test_nine_failures_or_old_failures_do_not_lock(app, client):
    _, number = visit(app)
    with app.app_context():
        office_id = db.session.scalar(select(Office.id))
        begin_write(db.session)
        for minutes in range(31, 41):  # ten failures, all older than window + lockout
            record_number_lookup_failure(db.session, office_id, "10.0.0.9",
                                         now=now_utc() - timedelta(minutes=minutes))
        db.session.commit()
    failed_lookups(client, 9, "10.0.0.9")
    assert client.post("/rate/", data={"csrf_token": csrf(client), "code": number},
                       environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 303


def test_rating_lookup_failures_never_lock_a_staff_sign_in(app, client):
    # Sign-in locks an address after 20 failures: 10 lookups + 10 sign-ins must not reach it.
    failed_lookups(client, 10, "10.0.0.5")
    token = CSRF.search(text(client.get("/staff/sign-in")))[1]
    for index in range(11):
        signed = client.post("/staff/sign-in", data={"csrf_token": token,
                                                     "username": f"nobody{index}",
                                                     "password": "wrong-password-1"},
                             environ_base={"REMOTE_ADDR": "10.0.0.5"})
        assert signed.status_code == 401  # a wrong password, not a lockout (429)


def test_the_phones_rating_form_follows_the_phones_language(app):
    token, _ = transferred_visit(app)
    phone = app.test_client()
    page = text(phone.get(f"/t/{token}/rate", headers={"Accept-Language": "en-US,en"}))
    assert "Rate our service" in page
