"""Estimated waits: the manual's minutes, then today's real service times, per open counter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import PriorityReason, db
from models.base import begin_write
from models.calling import call_next
from models.counter_actions import finish, no_show, start
from models.estimates import eta_minutes, mean_service_minutes, pace, people_ahead
from models.tickets import business_day, ticket_by_token
from tests.queue_helpers import counter, issue, service

MORNING = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # 08:30 in Bangkok


def test_people_ahead_and_eta_fall_back_to_manual_then_use_real_times(app):
    with app.app_context():
        tickets = [issue("REG-BIRTH", now=MORNING) for _ in range(4)]
        last = tickets[-1]
        assert people_ahead(db.session, last, priority_ratio=2) == 3
        birth = service("REG-BIRTH")
        # Manual: 15 minutes a visit, 3 counters serve it.
        assert eta_minutes(db.session, birth.id, 3, last.business_day) == 15
        priority = issue("REG-BIRTH", priority_reason=PriorityReason.MONK, now=MORNING)
        assert people_ahead(db.session, priority, priority_ratio=2) == 0
        assert people_ahead(db.session, last, priority_ratio=2) == 4
        for label in ("1", "2", "3"):
            begin_write(db.session)
            ticket = call_next(db.session, counter(label), None, now=MORNING)
            start(db.session, ticket, now=MORNING)
            finish(db.session, ticket, now=MORNING + timedelta(minutes=6))
            db.session.commit()
        assert eta_minutes(db.session, birth.id, 3, last.business_day) == 6


def test_todays_mean_service_time_counts_served_calls_of_today_only(any_app):
    """The mean of today's served calls of the service (6 and 9 minutes: 7.5), whatever was
    served on other days or of other services, and calls not served or not started."""
    def serve(code: str, label: str, minutes: float | None, now: datetime,
              served: bool = True) -> None:
        issue(code, now=now)
        begin_write(db.session)
        ticket = call_next(db.session, counter(label), None, now=now)
        if minutes is None:
            no_show(db.session, ticket, now=now)
        else:
            start(db.session, ticket, now=now)
            finish(db.session, ticket, now=now + timedelta(minutes=minutes))
        db.session.commit()

    yesterday = MORNING - timedelta(days=1)
    with any_app.app_context():
        serve("REG-BIRTH", "1", 30, yesterday)
        serve("REG-BIRTH", "1", 6, MORNING)
        serve("REG-BIRTH", "2", 9, MORNING + timedelta(minutes=1))
        serve("REG-BIRTH", "1", None, MORNING + timedelta(minutes=20))  # a no-show
        serve("REV-LANDTAX", "4", 40, MORNING)
        birth = service("REG-BIRTH").id
        day = business_day(MORNING)
        assert mean_service_minutes(db.session, birth, day) == 15  # 2 calls: the manual's
        serve("REG-BIRTH", "3", 7.5, MORNING + timedelta(minutes=2))
        assert mean_service_minutes(db.session, birth, day) == pytest.approx(7.5)
        assert mean_service_minutes(db.session, birth, business_day(yesterday)) == 15
        db.session.rollback()


def test_eta_counts_a_pause_not_yet_flushed_in_the_same_unit_of_work(app):
    with app.app_context():
        pace.clear()
        birth = service("REG-BIRTH")
        begin_write(db.session)
        counter("1").paused = True  # pending in the session, not yet written
        # Manual: 15 minutes a visit; 2 of the 3 counters that serve it are open.
        assert eta_minutes(db.session, birth.id, 3, business_day(MORNING)) == 23
        db.session.rollback()


def test_a_wait_of_whole_minutes_is_not_rounded_up_by_the_stored_times(app):
    """Three calls of 6 min 40 s: 20 minutes for nine people ahead at three counters, not 21
    (each call's minutes come back rounded to 0.00001, 6.66667)."""
    with app.app_context():
        for _ in range(3):
            issue("REG-BIRTH", now=MORNING)
            begin_write(db.session)
            ticket = call_next(db.session, counter("1"), None, now=MORNING)
            start(db.session, ticket, now=MORNING)
            finish(db.session, ticket, now=MORNING + timedelta(minutes=6, seconds=40))
            db.session.commit()
        birth = service("REG-BIRTH").id
        pace.clear()
        assert mean_service_minutes(db.session, birth, business_day(MORNING)) == \
            pytest.approx(20 / 3, abs=1e-4)
        # REG-BIRTH is served at three counters: nine ahead is three rounds of 6 min 40 s.
        assert eta_minutes(db.session, birth, 9, business_day(MORNING)) == 20


def test_people_ahead_count_every_service_the_same_counters_call_in_turn(any_app):
    """Counters 1 to 3 call the eight civil-registration services in one calling order, so a
    birth ticket waiting since earlier is called before a new move-in ticket: it is ahead of
    it (only the move-in's own service was counted: a citizen told 'you are next' saw two
    numbers called first). Another section's queue is not."""
    client = any_app.test_client()

    def take(code: str, **extra) -> dict:
        answer = client.post("/api/v1/tickets", json={"service": code, **extra})
        assert answer.status_code == 201
        return answer.get_json()

    take("REG-BIRTH")
    take("REG-BIRTH")
    take("REG-DEATH")
    take("PW-BUILD")
    moving = take("REG-MOVE-IN")
    assert moving["people_ahead"] == 3
    assert client.get(f"/api/v1/tickets/{moving['token']}").get_json()["people_ahead"] == 3
    assert take("PW-BUILD")["people_ahead"] == 1
    # The priority lane: the shared queue's priority tickets alone are ahead.
    take("REG-DEATH", priority="elderly")
    assert take("REG-MOVE-IN", priority="monk")["people_ahead"] == 1
    with any_app.app_context():  # the two priority tickets now go first
        assert people_ahead(db.session, ticket_by_token(db.session, moving["token"]),
                            priority_ratio=2) == 5
