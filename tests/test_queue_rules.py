"""Queue rules: numbering, idempotency, call order, priority lane, transitions, estimates."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from models import PriorityReason, QueueEvent, SegmentOutcome, TicketStatus, db
from models.base import begin_write, now_utc
from models.calling import call_next
from models.counter_actions import finish, no_show, recall, set_paused, start, transfer
from models.estimates import people_ahead
from models.tickets import QueueError, business_day
from models.waiting_list import waiting_in_calling_order
from tests.queue_helpers import counter, issue, service, staff

MORNING = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # 08:30 in Bangkok
EARLY = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 00:30 in Bangkok, on the 24th


def call(label: str, username: str = "reg1", **options):
    begin_write(db.session)
    ticket = call_next(db.session, counter(label), staff(username), **options)
    db.session.commit()
    return ticket


def numbering(app) -> None:
    """The numbering rules, for SQLite here and PostgreSQL (its one-statement issue) too."""
    with app.app_context():
        numbers = [issue("REG-BIRTH").number, issue("REG-DEATH").number,
                   issue("REV-LANDTAX").number, issue("REG-BIRTH").number]
        assert numbers == ["A001", "A002", "D001", "A003"]
        db.session.execute(text("UPDATE ticket_sequence SET last_number = 998 "
                                "WHERE prefix = 'A'"))
        db.session.commit()
        elderly = issue("REG-BIRTH", priority_reason=PriorityReason.ELDERLY)
        assert (elderly.number, issue("REG-BIRTH").number) == ("A999", "A1000")
        assert elderly.priority_reason is PriorityReason.ELDERLY
        assert elderly.status is TicketStatus.WAITING and elderly.queued_at == elderly.issued_at
        issued = db.session.execute(
            select(QueueEvent.kind, QueueEvent.data).where(QueueEvent.ticket_id == elderly.id)
        ).one()
        assert tuple(issued) == ("issued", {"number": "A999", "service": "REG-BIRTH"})


def test_numbers_carry_the_prefix_and_are_shared_by_services_with_it(app):
    numbering(app)


def test_numbering_restarts_every_bangkok_business_day(app):
    late_evening_utc = datetime(2026, 11, 24, 16, 59, tzinfo=UTC)  # 23:59 Bangkok
    with app.app_context():
        first = issue("REG-BIRTH", now=late_evening_utc)
        second = issue("REG-BIRTH", now=late_evening_utc + timedelta(minutes=2))  # 00:01
        assert (first.number, second.number) == ("A001", "A001")
        assert second.business_day - first.business_day == timedelta(days=1)


def test_same_idempotency_key_returns_the_same_ticket(app):
    with app.app_context():
        first = issue("REG-BIRTH", idempotency_key="tap-1")
        again = issue("REG-BIRTH", idempotency_key="tap-1")
        other = issue("REG-BIRTH", idempotency_key="tap-2")
        assert again.id == first.id and other.number == "A002"


def test_tokens_are_long_random_and_unique(app):
    with app.app_context():
        tokens = {issue("REG-BIRTH").token for _ in range(20)}
    assert len(tokens) == 20 and all(len(t) >= 32 for t in tokens)


def test_call_next_is_first_come_first_served_within_the_counters_services(app):
    with app.app_context():
        a1, _d1, a2 = issue("REG-BIRTH"), issue("REV-LANDTAX"), issue("REG-MARRIAGE")
        called = call("1")
        assert called.id == a1.id and called.status is TicketStatus.CALLED
        assert called.counter.label == "1"
        finish(db.session, called)
        db.session.commit()
        assert call("2").id == a2.id
        assert call("3") is None  # counter 3 serves REG only; D001 waits for counter 4


def test_priority_lane_first_up_to_the_ratio(app):
    with app.app_context():
        normal = [issue("REG-BIRTH") for _ in range(2)]
        priority = [issue("REG-BIRTH", priority_reason=PriorityReason.ELDERLY) for _ in range(3)]
        order = []
        for _ in range(5):
            ticket = call("1", priority_ratio=2)
            order.append(ticket.id)
            finish(db.session, ticket)
            db.session.commit()
        p, n = [t.id for t in priority], [t.id for t in normal]
    assert order == [p[0], p[1], n[0], p[2], n[1]]


def test_the_priority_ratio_counts_only_the_counters_calls_of_today(app):
    yesterday = MORNING - timedelta(days=1)
    with app.app_context():
        for _ in range(2):  # yesterday ended with two priority calls in a row at counter 1
            issue("REG-BIRTH", priority_reason=PriorityReason.ELDERLY, now=yesterday)
            ticket = call("1", priority_ratio=2, now=yesterday)
            finish(db.session, ticket, now=yesterday)
            db.session.commit()
        issue("REG-BIRTH", now=MORNING)
        elderly = issue("REG-BIRTH", priority_reason=PriorityReason.ELDERLY, now=MORNING)
        assert call("1", priority_ratio=2, now=MORNING).id == elderly.id  # a new day: lane first


def calling_order(app) -> None:
    """Front transfers, then the lane whose turn it is (ratio 2), first come first served
    across priority reasons, only the counter's services: for SQLite here and PostgreSQL too
    (the claim's index probes). Early in the Bangkok day, at fixed times: the ratio must count
    the calls made since midnight, and the day must not change under the test."""
    at = EARLY

    def later() -> datetime:
        nonlocal at
        at += timedelta(seconds=10)
        return at

    def take(label: str, username: str = "reg1"):
        return call(label, username, priority_ratio=2, now=later())

    with app.app_context():
        d1 = issue("REV-LANDTAX", now=later())
        transfer(db.session, take("4", "rev1"), service("REG-BIRTH"), front=True, now=later())
        db.session.commit()
        p3 = issue("REV-LANDTAX", priority_reason=PriorityReason.DISABLED, now=later())
        transfer(db.session, take("4", "rev1"), service("REG-BIRTH"), front=True, now=later())
        db.session.commit()
        n1 = issue("REG-BIRTH", now=later())
        p1 = issue("REG-BIRTH", priority_reason=PriorityReason.MONK, now=later())
        n2 = issue("REG-BIRTH", now=later())
        d2 = issue("REV-LANDTAX", now=later())  # not a service of counter 1
        p2 = issue("REG-BIRTH", priority_reason=PriorityReason.ELDERLY, now=later())
        p4 = issue("REG-BIRTH", priority_reason=PriorityReason.DISABLED, now=later())
        order = []
        while (ticket := take("1")) is not None:
            order.append(ticket.id)
            finish(db.session, ticket, now=later())
            db.session.commit()
        # p3 and d1 from the front; then two of the priority lane by queue time (MONK before
        # ELDERLY: not by reason); n1 on the ratio though p4 waits; p4; n2.
        assert order == [p3.id, d1.id, p1.id, p2.id, n1.id, p4.id, n2.id]
        db.session.refresh(d2)
        assert d2.status is TicketStatus.WAITING


def test_calling_order_front_lanes_and_first_come_first_served(app):
    calling_order(app)


def test_a_counter_finishes_before_calling_again_and_pause_stops_calls(app):
    with app.app_context():
        issue("REG-BIRTH")
        issue("REG-BIRTH")
        call("1")
        with pytest.raises(QueueError) as busy:
            call("1")
        assert busy.value.code == "counter_busy"
        set_paused(db.session, counter("2"), True)
        db.session.commit()
        with pytest.raises(QueueError) as paused:
            call("2")
        assert paused.value.code == "counter_paused" and paused.value.message_th


def test_full_visit_records_segments_across_a_transfer(app):
    with app.app_context():
        ticket = issue("REV-SIGNTAX")
        first = call("4", "rev1")
        start(db.session, first)
        transfer(db.session, first, service("REG-MOVE-IN"), front=False)
        db.session.commit()
        assert first.status is TicketStatus.WAITING and first.number == "D001"
        again = call("2", "reg2")
        assert again.id == ticket.id
        recall(db.session, again)
        start(db.session, again)
        finish(db.session, again)
        db.session.commit()
        segments = again.segments
        assert [(s.counter.label, s.staff.username, s.section.code, s.outcome)
                for s in segments] == [("4", "rev1", "REV", SegmentOutcome.TRANSFERRED),
                                       ("2", "reg2", "REG", SegmentOutcome.SERVED)]
        assert segments[1].recalls == 1 and all(s.finished_at for s in segments)
        assert again.status is TicketStatus.FINISHED and again.counter_id is None


def test_transfer_to_the_front_jumps_the_queue(app):
    with app.app_context():
        waiting = issue("REG-BIRTH")
        moved = issue("REV-LANDTAX")
        transfer(db.session, call("4", "rev1"), service("REG-BIRTH"), front=True)
        db.session.commit()
        assert call("1").id == moved.id
        assert call("2").id == waiting.id


@pytest.mark.parametrize("action", [recall, start, no_show, finish])
def test_actions_on_a_waiting_ticket_are_refused(app, action):
    with app.app_context():
        ticket = issue("REG-BIRTH")
        with pytest.raises(QueueError) as refused:
            action(db.session, ticket)
        assert refused.value.code == "invalid_transition"


def test_no_show_closes_the_visit(app):
    with app.app_context():
        ticket = issue("REG-BIRTH")
        no_show(db.session, call("1"))
        db.session.commit()
        assert ticket.status is TicketStatus.NO_SHOW
        assert ticket.segments[0].outcome is SegmentOutcome.NO_SHOW
        with pytest.raises(QueueError):
            finish(db.session, ticket)


def test_people_ahead_matches_the_order_tickets_are_called_in(app):
    """Whatever the mix of lanes and transfers, 'ahead' equals the real calling order."""
    with app.app_context():
        tickets = [issue("REG-BIRTH"), issue("REG-BIRTH", priority_reason=PriorityReason.MONK),
                   issue("REG-BIRTH"), issue("REV-LANDTAX"),
                   issue("REG-BIRTH", priority_reason=PriorityReason.DISABLED)]
        moved = call("4", "rev1")
        transfer(db.session, moved, service("REG-BIRTH"), front=True)
        db.session.commit()
        predicted = {t.id: people_ahead(db.session, t, priority_ratio=99) for t in tickets}
        order = []
        while (ticket := call("1", priority_ratio=99)) is not None:
            order.append(ticket.id)
            finish(db.session, ticket)
            db.session.commit()
    assert [predicted[i] for i in order] == list(range(len(order)))


@pytest.mark.parametrize("ratio", [1, 2, 3, 0])
@pytest.mark.parametrize("called_first", [0, 1, 3])
def test_people_ahead_follow_the_lanes_turns_at_the_priority_ratio(any_app, ratio,
                                                                   called_first):
    """With both lanes waiting a counter calls `ratio` priority tickets, then a normal one:
    a priority ticket behind four others of its lane is not 'next but four' (the normal
    tickets that take their turns come first), and a normal ticket is not behind every
    priority ticket of the morning. After some calls the counters' current run of priority
    calls counts too (a phone said 'you are next' while a normal ticket's turn came first).
    People ahead, as issued (PostgreSQL counts them in the issuing statement) and as read
    later, are each ticket's place in the real calling order, and the console lists the
    queue in that order."""
    any_app.config["PRIORITY_RATIO"] = ratio
    client = any_app.test_client()
    lanes = "NPPNPNNPPNP"
    codes = ["REG-BIRTH", "REG-DEATH", "REG-MOVE-IN"]

    def take(i: int) -> dict:
        return client.post("/api/v1/tickets", json={
            "service": codes[i % 3], "priority": lanes[i] == "P"}).get_json()

    def call_and_finish() -> str | None:
        ticket = call("1", priority_ratio=ratio)
        if ticket is not None:
            finish(db.session, ticket)
            db.session.commit()
        return ticket and ticket.number

    issued = [take(i) for i in range(len(lanes) - 1)]
    with any_app.app_context():
        done = [call_and_finish() for _ in range(called_first)]
    issued.append(take(len(lanes) - 1))  # issued with the counters' run under way
    waiting = [t for t in issued if t["number"] not in done]
    predicted = {t["number"]: client.get(f"/api/v1/tickets/{t['token']}").get_json()
                 ["people_ahead"] for t in waiting}
    with any_app.app_context():
        listed = [t.number for t in waiting_in_calling_order(
            db.session, counter("1"), business_day(now_utc()), ratio)]
        called = []
        while (number := call_and_finish()) is not None:
            called.append(number)
    assert sorted(called) == sorted(predicted)
    assert [predicted[number] for number in called] == list(range(len(waiting)))
    # The last ticket issued has nobody after it: its count at issue is already final.
    assert issued[-1]["people_ahead"] == predicted[issued[-1]["number"]]
    assert listed == called


@pytest.mark.parametrize("status", list(TicketStatus))
@pytest.mark.parametrize("verb", ["recall", "start", "no-show", "finish", "transfer"])
def test_a_refused_actions_thai_message_is_thai_throughout(status, verb):
    """The message named the status by its code ('finished') inside the Thai sentence."""
    from models.refusals import refused

    error = refused(status, verb)
    assert not re.search(r"[A-Za-z]", error.message_th), error.message_th
    assert status.value in error.message_en
