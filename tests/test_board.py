"""The display board: its page, its event stream over a real socket, and the spoken call."""

from __future__ import annotations

import http.client
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

from kiosk.announce import call_speech
from models import db
from models.base import begin_write
from models.calling import call_next
from models.counter_actions import set_paused
from tests.queue_helpers import counter, issue, staff


def test_call_is_spoken_digit_by_digit_in_thai_then_english():
    thai, english = call_speech("A012", "3")
    assert thai == "ขอเชิญหมายเลข เอ ศูนย์ หนึ่ง สอง ที่ช่องบริการ สาม"
    assert english == "Number A 0 1 2, please go to counter 3"
    assert call_speech("D105", "12")[0].endswith("ช่องบริการ หนึ่ง สอง")


def call(app, label: str) -> str:
    with app.app_context():
        begin_write(db.session)
        ticket = call_next(db.session, counter(label), staff("reg1"))
        number = ticket.number
        db.session.commit()
    return number


def test_board_page_shows_every_counter_now_serving_and_last_calls(client, app):
    page = client.get("/board/").get_data(as_text=True)
    assert page.count('<li class="tile') == 8 and 'sse-connect="/board/events"' in page
    assert "data-idle-seconds" not in page  # a TV is never reset to the kiosk home
    with app.app_context():
        issue("REG-BIRTH")
        set_paused(db.session, counter("5"), True)
        db.session.commit()
    number = call(app, "2")
    panel = client.get("/board/panel").get_data(as_text=True)
    assert f'<span class="tile-number">{number}</span>' in panel
    assert (f'<span class="call-number">{number}</span> → ช่อง <span lang="en">Counter</span> 2'
            in panel)
    assert "พักชั่วคราว" in panel


def read_until(response, needle: str, timeout: float) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        line = response.readline()
        if not line:
            break
        seen += line.decode()
    return seen


def open_stream(base_url: str, last_event_id: int | None = None):
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    connection.request("GET", "/board/events", headers=headers)
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    assert read_until(response, "retry:", 5).startswith("retry: 2000")
    return connection, response


def test_a_call_reaches_a_connected_board_at_once(app, live_server):
    with app.app_context():
        issue("REG-BIRTH")
    connection, response = open_stream(live_server)
    try:
        started = time.monotonic()
        caller = threading.Thread(target=call, args=(app, "3"))
        caller.start()
        text = read_until(response, "data-say-en=", 10)
        caller.join()
        elapsed = time.monotonic() - started
    finally:
        connection.close()
    assert "event: board" in text and "A001" in text
    assert 'data-say-th="ขอเชิญหมายเลข เอ ศูนย์ ศูนย์ หนึ่ง ที่ช่องบริการ สาม"' in text
    assert elapsed < 5  # a generous bound; the benchmark measures the real latency


def test_a_reconnecting_board_gets_what_it_missed(app, live_server):
    with app.app_context():
        issue("REG-BIRTH")
    call(app, "1")  # made while no board was connected
    connection, response = open_stream(live_server, last_event_id=0)
    try:
        text = read_until(response, "data-say-en=", 10)
    finally:
        connection.close()
    assert "A001" in text and "ช่องบริการ หนึ่ง" in text


def test_the_last_calls_are_todays_and_read_without_walking_the_history(app):
    """Before the day's eighth call, the board's last calls used to stop only at the office's
    oldest event (282 ms with 591,000 events of history); they stop at the eighth latest call
    of any day now, and show today's only. Counted in SQLite's own steps, not in time."""
    from sqlalchemy import text

    from kiosk.board import board_state
    from models.base import now_utc

    history = 20_000
    with app.app_context():
        office_id = counter("2").office_id
        db.session.execute(text(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :history) "
            "INSERT INTO queue_event (office_id, kind, data, created_at) "
            "SELECT :office, CASE WHEN i % 2 THEN 'issued' ELSE 'called' END, "
            "'{\"number\": \"Z' || i || '\", \"counter\": \"9\"}', :yesterday FROM n"),
            {"history": history, "office": office_id,
             "yesterday": (now_utc() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S.%f")})
        db.session.commit()
        issue("REG-BIRTH")
    number = call(app, "2")
    with app.app_context():
        raw = db.session.connection().connection.dbapi_connection
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0  # go on

        raw.set_progress_handler(count, 100)  # called every 100 virtual machine steps
        try:
            state = board_state(office_id)
        finally:
            raw.set_progress_handler(None, 100)
        assert [call.data["number"] for call in state["calls"]] == [number]
        assert state["last_call_id"] == state["calls"][0].id
        # The whole board: fewer steps than one per event of the history.
        assert steps[0] * 100 < history, steps


def call_and_transfer(app, label: str, username: str, to: str, *, front: bool) -> str:
    """The counter calls its next ticket, starts it and transfers it: the ticket's number."""
    from models.counter_actions import start, transfer
    from tests.queue_helpers import service

    with app.app_context():
        begin_write(db.session)
        moved = call_next(db.session, counter(label), staff(username))
        start(db.session, moved)
        transfer(db.session, moved, service(to), front=front)
        db.session.commit()
        return moved.number


def last_calls(client) -> str:
    """The board's last-calls section, as a board draws it."""
    panel = client.get("/board/panel").get_data(as_text=True)
    return panel.split('<section class="last-calls"')[1]


def test_last_calls_list_each_ticket_once_at_its_latest_call(client, app):
    """A recall calls the same visitor again and a transfer sends them to another counter: the
    waiting room reads one line per ticket, the latest, not the same number twice."""
    from models.counter_actions import recall

    with app.app_context():
        issue("REG-BIRTH")
        issue("REG-BIRTH")
        issue("REV-SIGNTAX")
    first, second = call(app, "1"), call(app, "2")
    moved_number = call_and_transfer(app, "4", "rev1", "REG-MOVE-IN", front=True)
    third = call(app, "3")  # the transferred visitor, at the front of registration's queue
    with app.app_context():
        from models import Ticket
        begin_write(db.session)
        recall(db.session, db.session.scalar(
            db.select(Ticket).where(Ticket.number == first)))
        db.session.commit()
    assert third == moved_number
    calls = last_calls(client)
    assert calls.count('class="call-number"') == 3
    assert calls.index(f">{first}<") < calls.index(f">{third}<") < calls.index(f">{second}<")
    assert calls.count(f">{third}<") == 1 and "Counter</span> 4" not in calls
    assert calls.count("เรียกซ้ำ") == 1 and "Called again" in calls.split(f">{third}<")[0]


def test_a_ticket_transferred_since_its_call_leaves_the_last_calls(client, app):
    """Until the next counter calls it, a transferred visitor's old call would send them back
    to the counter they have just left."""
    with app.app_context():
        issue("REG-BIRTH")
        issue("REG-BIRTH")
    kept = call(app, "1")
    number = call_and_transfer(app, "2", "reg1", "REV-LANDTAX", front=False)
    calls = last_calls(client)
    assert f">{kept}<" in calls and f">{number}<" not in calls
    with app.app_context():
        from kiosk.board import board_state
        state = board_state(counter("1").office_id)
        # The board's announcing still starts after the newest call, the one not listed.
        assert state["last_call_id"] > state["calls"][0].id
    assert call(app, "4") == number  # the revenue counter calls the visitor
    calls = last_calls(client)
    assert calls.index(f">{number}<") < calls.index(f">{kept}<")
    assert "Counter</span> 4" in calls and "Counter</span> 2" not in calls
