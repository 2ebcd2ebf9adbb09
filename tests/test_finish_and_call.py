"""call-next with {"finish": TOKEN}: the counter's "finish and call next" in one request, on
SQLite and on PostgreSQL (the console's button: tests/test_console.py)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from models import QueueEvent, Ticket, TicketStatus, VisitSegment, db
from scripts.demo_server import running
from tests.api_helpers import bearer, token_for
from tests.load_helpers import Client
from tests.queue_helpers import counter


class Desk:
    """Counter 1 (civil registration) over the API, with some REG-BIRTH tickets waiting."""

    def __init__(self, app, waiting: int) -> None:
        self.client = app.test_client()
        self.auth = bearer(token_for(app, "supervisor"))
        self.tokens = [self.client.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
                       .get_json()["token"] for _ in range(waiting)]
        with app.app_context():
            self.counter_id = counter("1").id
            self.other_id = counter("2").id
        self.app = app

    def call(self, body=None, counter_id: int | None = None, **options):
        return self.client.post(f"/api/v1/counters/{counter_id or self.counter_id}/call-next",
                                headers=self.auth, json=body, **options)

    def status(self, token: str) -> str:
        return self.client.get(f"/api/v1/tickets/{token}").get_json()["status"]

    def kinds(self) -> list[str]:
        with self.app.app_context():
            return db.session.scalars(select(QueueEvent.kind).where(
                QueueEvent.kind != "issued").order_by(QueueEvent.id)).all()


def test_it_finishes_the_named_visit_then_calls_the_next(any_app):
    desk = Desk(any_app, waiting=2)
    first, second = desk.tokens
    assert desk.call().get_json()["ticket"]["token"] == first
    answer = desk.call({"finish": first})
    assert answer.status_code == 200
    assert answer.get_json()["ticket"]["token"] == second
    assert answer.get_json()["ticket"]["status"] == "called"
    assert desk.status(first) == "finished"
    segments = desk.client.get(f"/api/v1/tickets/{first}").get_json()["segments"]
    assert [s["outcome"] for s in segments] == ["served"]
    assert desk.kinds() == ["called", "finished", "called"]


def test_the_finish_stands_when_nobody_waits(any_app):
    desk = Desk(any_app, waiting=1)
    desk.call()
    answer = desk.call({"finish": desk.tokens[0]})
    assert answer.status_code == 204
    assert desk.status(desk.tokens[0]) == "finished"
    assert desk.call().status_code == 204  # the counter is free


def test_a_double_tap_finishes_once_and_calls_once(any_app):
    """Both requests name the same ticket: the second finds it finished and calls nobody."""
    desk = Desk(any_app, waiting=3)
    first, second, third = desk.tokens
    desk.call()
    assert desk.call({"finish": first}).get_json()["ticket"]["token"] == second
    again = desk.call({"finish": first})
    assert again.status_code == 409
    assert again.get_json()["error"] == "not_at_counter"
    assert (desk.status(second), desk.status(third)) == ("called", "waiting")


def test_two_taps_at_once_call_one_ticket(any_app):
    """The same "finish and call next" sent twice at the same moment over HTTP, eight times:
    each time one answer calls the next ticket and the other is refused, and no ticket is
    called twice."""
    desk = Desk(any_app, waiting=20)
    desk.call()
    current = desk.tokens[0]
    called = [current]
    with running(any_app, threads=8) as base:
        for _ in range(8):
            barrier = threading.Barrier(2)
            answers: list[tuple[int, dict | None]] = []

            def tap(token=current, barrier=barrier, answers=answers) -> None:
                client = Client(base, desk.auth["Authorization"].split()[1])
                barrier.wait()
                answers.append(client.post(f"/api/v1/counters/{desk.counter_id}/call-next",
                                           {"finish": token}))
                client.close()

            threads = [threading.Thread(target=tap) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            statuses = sorted(status for status, _ in answers)
            assert statuses == [200, 409], answers
            refused = next(data for status, data in answers if status == 409)
            assert refused["error"] in ("not_at_counter", "invalid_transition")
            current = next(data for status, data in answers if status == 200)["ticket"]["token"]
            called.append(current)
    assert len(set(called)) == 9
    with any_app.app_context():
        assert db.session.query(VisitSegment).count() == 9
        statuses = [t.status for t in db.session.scalars(select(Ticket).order_by(Ticket.id))]
    assert statuses == [TicketStatus.FINISHED] * 8 + [TicketStatus.CALLED] + \
        [TicketStatus.WAITING] * 11


def test_refusals_change_nothing(any_app):
    desk = Desk(any_app, waiting=3)
    mine = desk.tokens[0]
    desk.call()
    elsewhere = desk.call(counter_id=desk.other_id)  # REG-BIRTH is served at counter 2 too
    theirs = elsewhere.get_json()["ticket"]["token"]
    refused = desk.call({"finish": theirs})
    assert refused.status_code == 409 and refused.get_json()["error"] == "not_at_counter"
    assert desk.call({"finish": "no-such-ticket"}).status_code == 404
    assert desk.call({"finish": 5}).status_code == 422
    assert desk.call({"finish": ""}).status_code == 422
    assert desk.call([1]).status_code == 400
    assert desk.call(data="{not json", content_type="application/json").status_code == 400
    anonymous = desk.client.post(f"/api/v1/counters/{desk.counter_id}/call-next",
                                 json={"finish": 5})
    assert anonymous.status_code == 401  # who asks is checked before what is asked
    assert (desk.status(mine), desk.status(theirs), desk.status(desk.tokens[2])) == \
        ("called", "called", "waiting")
    # Without "finish" a busy counter is refused as before.
    assert desk.call({}).get_json()["error"] == "counter_busy"


def test_finish_and_call_is_two_round_trips_on_postgresql(pg_app):
    """The finish (which checks the ticket is at this counter, and the bearer token,
    itself) and the call (which checks the token too): as many round trips as a call and a
    finish of their own, in one request."""
    from tests.test_one_statement import round_trips

    desk = Desk(pg_app, waiting=8)
    held = desk.call().get_json()["ticket"]["token"]
    for _ in range(6):  # psycopg prepares at the 5th run
        held = desk.call({"finish": held}).get_json()["ticket"]["token"]
    answers = []
    counts = round_trips(pg_app, [lambda: answers.append(desk.call({"finish": held}))])
    assert answers[0].status_code == 200 and desk.status(held) == "finished"
    assert counts == [2]
