"""Real threads against one SQLite file: no duplicate numbers, no ticket called twice."""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally

from sqlalchemy import select

from models import Ticket, TicketStatus, VisitSegment, db
from models.base import begin_write
from models.calling import call_next
from models.counter_actions import finish
from models.tickets import issue_ticket
from tests.queue_helpers import counter, service
from web.office import current_office

KIOSKS = 16
TICKETS_PER_KIOSK = 12
COUNTERS = ["1", "2", "3"]  # the three registration windows share REG-* services
EXTRA_COUNTERS = ["4", "5", "6", "7", "8"]
KIOSK_SERVICES = ["REG-BIRTH", "REG-DEATH", "REG-MOVE-IN", "REV-LANDTAX", "PW-BUILD",
                  "ENV-FOOD", "CD-ELDERLY", "ADMIN-COMPLAINT"]


def run_threads(targets) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def wrap(target):
        def run():
            barrier.wait()
            try:
                target()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_sixteen_kiosks_and_eight_counters_at_once(app):
    race(app)


def race(app) -> None:
    """Kiosk threads issue while counter threads call; then check numbers and claims."""
    stop = threading.Event()
    claims: list[tuple[str, int]] = []

    def kiosk(index: int):
        def run():
            with app.app_context():
                for n in range(TICKETS_PER_KIOSK):
                    begin_write(db.session)
                    code = KIOSK_SERVICES[(index + n) % len(KIOSK_SERVICES)]
                    issue_ticket(db.session, current_office(), service(code),
                                 idempotency_key=f"k{index}-{n}")
                    db.session.commit()
        return run

    def desk(label: str):
        def run():
            with app.app_context():
                idle_rounds = 0
                while idle_rounds < 50:
                    begin_write(db.session)
                    ticket = call_next(db.session, counter(label), None)
                    if ticket is None:
                        db.session.commit()
                        idle_rounds = idle_rounds + 1 if stop.is_set() else 0
                        time.sleep(0.005)
                        continue
                    claims.append((label, ticket.id))
                    finish(db.session, ticket)
                    db.session.commit()
        return run

    kiosks = [kiosk(i) for i in range(KIOSKS)]
    desks = [desk(label) for label in COUNTERS + EXTRA_COUNTERS]
    kiosk_errors: list[BaseException] = []

    def kiosks_then_stop():
        kiosk_errors.extend(run_threads(kiosks))
        stop.set()

    issuing = threading.Thread(target=kiosks_then_stop)
    issuing.start()
    desk_errors = run_threads(desks)
    issuing.join()
    assert kiosk_errors == [] and desk_errors == []

    with app.app_context():
        tickets = db.session.scalars(select(Ticket)).all()
        assert len(tickets) == KIOSKS * TICKETS_PER_KIOSK
        numbers = Tally(t.number for t in tickets)
        assert [n for n, c in numbers.items() if c > 1] == []
        by_prefix = Tally(t.number[0] for t in tickets)
        for prefix, total in by_prefix.items():
            assert sorted(int(t.number[1:]) for t in tickets if t.number[0] == prefix) == \
                list(range(1, total + 1))
        assert all(t.status is TicketStatus.FINISHED for t in tickets)
        segments = db.session.scalars(select(VisitSegment)).all()
        assert len(segments) == len(tickets)
        assert len({s.ticket_id for s in segments}) == len(tickets)
    assert len(claims) == len(tickets) and len(set(t for _, t in claims)) == len(tickets)


def test_a_double_tap_from_many_threads_issues_one_ticket(app):
    double_tap(app)


def double_tap(app) -> None:
    issued: list[int] = []

    def tap():
        with app.app_context():
            begin_write(db.session)
            ticket, _ = issue_ticket(db.session, current_office(), service("REG-BIRTH"),
                                     idempotency_key="same-tap")
            db.session.commit()
            issued.append(ticket.id)

    assert run_threads([tap] * 16) == []
    assert len(set(issued)) == 1
    with app.app_context():
        assert len(db.session.scalars(select(Ticket)).all()) == 1
