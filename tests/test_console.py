"""Staff sign-in and the counter console over HTTP."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from models import Role, Ticket, TicketStatus, db
from tests.queue_helpers import counter, issue
from tests.staff_helpers import add_staff, csrf, deactivate, sign_in


def counter_id(app, label: str) -> int:
    with app.app_context():
        return counter(label).id


def post(client, url: str, **data):
    return client.post(url, data={"csrf_token": csrf(client, "/staff/console/"), **data},
                       headers={"HX-Request": "true"})


def test_console_needs_a_signed_in_staff_member(client):
    response = client.get("/staff/console/")
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]
    assert client.post("/staff/console/1/call-next").status_code in (302, 400)


def test_wrong_password_is_refused_with_a_message(client, app):
    add_staff(app, "nok")
    response = sign_in(client, "nok", "not-the-password1")
    assert response.status_code == 401
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)
    assert sign_in(client, "ghost").status_code == 401


def test_deactivated_staff_are_locked_out_at_once(client, app):
    add_staff(app, "nok")
    assert sign_in(client, "nok").status_code == 303
    assert client.get("/staff/console/").status_code == 200
    deactivate(app, "nok")
    assert client.get("/staff/console/").status_code == 302


def test_sign_in_redirect_stays_on_this_site(client, app):
    add_staff(app, "nok")
    token = csrf(client)
    response = client.post("/staff/sign-in", data={"csrf_token": token, "username": "nok",
                                                   "password": "counter-pass-1",
                                                   "next": "//evil.example/"})
    assert response.headers["Location"] == "/staff/console/"


def test_a_day_at_the_counter(client, app):
    add_staff(app, "nok")
    sign_in(client, "nok")
    one = counter_id(app, "1")
    choose = client.get("/staff/console/").get_data(as_text=True)
    assert "ช่องบริการ 1" in choose
    client.post(f"/staff/console/{one}/open", data={"csrf_token": csrf(client, "/staff/console/")})

    empty = post(client, f"/staff/console/{one}/call-next")
    assert empty.status_code == 409 and "ไม่มีคิวรอ" in empty.get_data(as_text=True)

    with app.app_context():
        first, second = issue("REG-BIRTH"), issue("REG-DEATH")
        numbers = (first.number, second.number)
    page = post(client, f"/staff/console/{one}/call-next").get_data(as_text=True)
    assert re.search(r'id="current-number">A001<', page) and "A002" in page  # A002 waits
    assert post(client, f"/staff/console/{one}/call-next").status_code == 409  # busy
    # The clerk reads the visit as a clerk: called when, recalled how often, serving since.
    recalled = post(client, f"/staff/console/{one}/ticket/recall").get_data(as_text=True)
    assert re.search(r'id="visit-state">เรียกแล้ว รอผู้รับบริการมาที่ช่อง · เรียกเมื่อ '
                     r'\d\d:\d\d น\. · เรียกซ้ำ 1 ครั้ง</p>', recalled), recalled
    started = post(client, f"/staff/console/{one}/ticket/start").get_data(as_text=True)
    assert re.search(r'id="visit-state">กำลังให้บริการ · ตั้งแต่ \d\d:\d\d น\.</p>', started)
    finished = post(client, f"/staff/console/{one}/ticket/finish").get_data(as_text=True)
    assert 'id="fig-served">1<' in finished

    called = post(client, f"/staff/console/{one}/call-next").get_data(as_text=True)
    # The transfer names no service until the clerk chooses one (its first service was the
    # complaints desk: a tap sent the visitor there), and without one nothing moves.
    assert re.search(r'<select id="transfer-service" name="service" required>\s*'
                     r'<option value="" selected disabled>', called)
    unchosen = post(client, f"/staff/console/{one}/transfer", service="", position="back")
    assert unchosen.status_code == 409 and "เลือกคิวและงานบริการปลายทางก่อนโอน" in \
        unchosen.get_data(as_text=True)
    moved = post(client, f"/staff/console/{one}/transfer", service="REV-LANDTAX",
                 position="front")
    assert moved.status_code == 200
    # The ticket leaves the counter: the clerk reads where it went (the panel alone shows no
    # ticket, as after a no-show).
    assert (f'id="console-done" data-hold>โอนคิว {numbers[1]} ไปยังการชำระภาษีที่ดินและสิ่งปลูกสร้าง '
            '(หัวคิว) แล้ว<') in moved.get_data(as_text=True)
    with app.app_context():
        tickets = {t.number: t for t in db.session.scalars(select(Ticket))}
        assert tickets[numbers[0]].status is TicketStatus.FINISHED
        assert tickets[numbers[1]].status is TicketStatus.WAITING
        assert tickets[numbers[1]].service.code == "REV-LANDTAX" and tickets[numbers[1]].to_front
        assert [s.staff.username for s in tickets[numbers[0]].segments] == ["nok"]
        assert counter("1").staff.username == "nok"

    paused = post(client, f"/staff/console/{one}/pause").get_data(as_text=True)
    assert "พักการเรียก" in paused
    # A paused counter offers to resume, not a call it would refuse.
    assert f"/staff/console/{one}/call-next" not in paused
    assert f"/staff/console/{one}/resume" in paused
    assert post(client, f"/staff/console/{one}/call-next").status_code == 409
    post(client, f"/staff/console/{one}/resume")


def test_console_forms_need_their_csrf_token(client, app):
    add_staff(app, "nok")
    sign_in(client, "nok")
    assert client.post(f"/staff/console/{counter_id(app, '1')}/call-next").status_code == 400


def test_supervisors_and_admins_may_work_a_counter_too(client, app):
    add_staff(app, "boss", Role.SUPERVISOR, "REG")
    sign_in(client, "boss")
    assert client.get(f"/staff/console/{counter_id(app, '2')}").status_code == 200


def test_finish_and_call_next_in_one_tap(client, app):
    """The button finishes the visit the console showed, then calls the next; a double tap
    names the same ticket and is refused; nobody waiting after a finish is news (200)."""
    add_staff(app, "nok")
    sign_in(client, "nok")
    one = counter_id(app, "1")
    with app.app_context():
        first, second = issue("REG-BIRTH"), issue("REG-BIRTH")
        tokens = (first.token, second.token)
    url = f"/staff/console/{one}/finish-and-call-next"
    assert post(client, url, ticket=tokens[0]).status_code == 409  # nothing at the counter
    page = post(client, f"/staff/console/{one}/call-next").get_data(as_text=True)
    assert f'name="ticket" value="{tokens[0]}"' in page  # the button names the shown ticket
    assert post(client, url, ticket="").status_code == 409
    after = post(client, url, ticket=tokens[0])
    assert after.status_code == 200
    assert re.search(r'id="current-number">A002<', after.get_data(as_text=True))
    again = post(client, url, ticket=tokens[0])
    assert again.status_code == 409
    assert "ไม่ได้อยู่ที่ช่องบริการนี้แล้ว" in again.get_data(as_text=True)
    last = post(client, url, ticket=tokens[1])
    assert last.status_code == 200 and "จบงานแล้ว ไม่มีคิวรอ" in last.get_data(as_text=True)
    with app.app_context():
        statuses = [t.status for t in db.session.scalars(select(Ticket).order_by(Ticket.id))]
    assert statuses == [TicketStatus.FINISHED, TicketStatus.FINISHED]
    assert client.post(url, data={"ticket": tokens[1]}).status_code == 400  # no CSRF token
    english = client.get(f"/staff/console/{one}?lang=en").get_data(as_text=True)
    assert "Finish &amp; call next" not in english  # no ticket at the counter, no button


def test_a_transfer_posted_without_htmx_is_confirmed_once_after_the_redirect(client, app):
    add_staff(app, "nok")
    sign_in(client, "nok")
    client.get("/staff/console/?lang=en")
    one = counter_id(app, "1")
    with app.app_context():
        number = issue("REG-BIRTH").number
    post(client, f"/staff/console/{one}/call-next")
    plain = client.post(f"/staff/console/{one}/transfer",
                        data={"csrf_token": csrf(client, "/staff/console/"),
                              "service": "REG-DEATH", "position": "back"})
    assert plain.status_code == 303
    page = client.get(plain.headers["Location"]).get_data(as_text=True)
    assert (f'id="console-done" data-hold>{number} transferred to Death registration, '
            'at the back of its queue<') in page
    assert "console-done" not in client.get(plain.headers["Location"]).get_data(as_text=True)


def test_a_counter_in_use_is_taken_over_knowingly_and_signing_out_frees_it(app):
    """Two clerks, one counter: the list says who works there and which ticket is at it, the
    second clerk takes it over (logged), and the first clerk's console then says so."""
    from models import AuditEntry

    add_staff(app, "nok")
    add_staff(app, "kai")
    one = counter_id(app, "1")
    nok, kai = app.test_client(), app.test_client()
    sign_in(nok, "nok")
    sign_in(kai, "kai")
    nok.post(f"/staff/console/{one}/open", data={"csrf_token": csrf(nok, "/staff/console/")})
    with app.app_context():
        number = issue("REG-BIRTH").number
    post(nok, f"/staff/console/{one}/call-next")

    listed = kai.get("/staff/console/").get_data(as_text=True)
    tile = listed.split("ช่องบริการ 1</h2>")[1].split("</li>")[0]
    assert "ใช้งานอยู่โดย Nok" in tile and f"<strong>{number}</strong>" in tile
    assert "รับช่องนี้ต่อ" in tile
    assert "ช่องของคุณ" in nok.get("/staff/console/").get_data(as_text=True)
    assert "taken-over" not in nok.get(f"/staff/console/{one}").get_data(as_text=True)

    kai.post(f"/staff/console/{one}/open", data={"csrf_token": csrf(kai, "/staff/console/")})
    with app.app_context():
        assert counter("1").staff.username == "kai"
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "counter.take_over"))
        assert entry.staff.username == "kai" and entry.detail == {"from_staff": "nok"}
        assert entry.target == "counter 1"
    # The colleague's console says so, and acts no more: its calls would be recorded as
    # theirs, and their ratings would go to the wrong person.
    assert "ตอนนี้ Kai ทำงานที่ช่องนี้" in nok.get(f"/staff/console/{one}").get_data(as_text=True)
    stale = post(nok, f"/staff/console/{one}/ticket/start")
    assert stale.status_code == 409
    assert "Kai ทำงานที่ช่องนี้แล้ว" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Ticket).where(Ticket.number == number)).status \
            is TicketStatus.CALLED
    assert post(kai, f"/staff/console/{one}/ticket/start").status_code == 200

    # Opening one's own counter again logs nothing; signing out leaves the counter free.
    kai.post(f"/staff/console/{one}/open", data={"csrf_token": csrf(kai, "/staff/console/")})
    kai.post("/staff/sign-out", data={"csrf_token": csrf(kai, "/staff/console/")})
    with app.app_context():
        assert counter("1").staff is None
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "counter.take_over")) == 1
    freed = nok.get("/staff/console/").get_data(as_text=True).split("ช่องบริการ 1</h2>")[1]
    assert "ทำงานที่ช่องนี้" in freed.split("</li>")[0]


def test_signing_out_frees_only_the_counters_of_that_session(app):
    """The same clerk at two devices: signing out at one leaves the other's counter held."""
    add_staff(app, "nok")
    desk, tablet = app.test_client(), app.test_client()
    one, two = counter_id(app, "1"), counter_id(app, "2")
    for client, opened in ((desk, one), (tablet, two)):
        sign_in(client, "nok")
        client.post(f"/staff/console/{opened}/open",
                    data={"csrf_token": csrf(client, "/staff/console/")})
    desk.post("/staff/sign-out", data={"csrf_token": csrf(desk, "/staff/console/")})
    with app.app_context():
        assert counter("1").staff is None and counter("2").staff.username == "nok"
    assert desk.get("/staff/console/").status_code == 302  # signed out


def test_a_console_opened_by_its_address_holds_a_free_counter_when_it_acts(client, app):
    add_staff(app, "nok")
    sign_in(client, "nok")
    one = counter_id(app, "1")
    with app.app_context():
        issue("REG-BIRTH")
    assert post(client, f"/staff/console/{one}/call-next").status_code == 200
    with app.app_context():
        assert counter("1").staff.username == "nok"
    client.post("/staff/sign-out", data={"csrf_token": csrf(client, "/staff/console/")})
    with app.app_context():
        assert counter("1").staff is None


def test_a_counter_held_from_an_earlier_session_is_freed_by_this_ones_sign_out(client, app):
    add_staff(app, "nok")
    sign_in(client, "nok")
    one = counter_id(app, "1")
    client.post(f"/staff/console/{one}/open", data={"csrf_token": csrf(client, "/staff/console/")})
    later = app.test_client()  # the browser was closed; the clerk signs in again elsewhere
    sign_in(later, "nok")
    post(later, f"/staff/console/{one}/pause")
    later.post("/staff/sign-out", data={"csrf_token": csrf(later, "/staff/console/")})
    with app.app_context():
        assert counter("1").staff is None


def test_the_panels_refresh_leaves_other_pages_messages_for_them(client, app):
    """Reading flashed messages takes every category's away: the 5 s htmx refresh must not
    read them, or a management page's "saved" would vanish unseen."""
    add_staff(app, "nok")
    sign_in(client, "nok")
    one = counter_id(app, "1")
    with client.session_transaction() as session:
        session["_flashes"] = [("ok", ("บันทึกแล้ว", "Saved"))]
    client.get(f"/staff/console/{one}", headers={"HX-Request": "true"})
    with client.session_transaction() as session:
        assert session["_flashes"] == [("ok", ("บันทึกแล้ว", "Saved"))]
