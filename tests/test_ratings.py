"""Rating rules: one per finished visit, in its window, valid values; credits and alerts."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import (
    Alert,
    AlertKind,
    Counter,
    Rating,
    RatingCredit,
    RatingError,
    Section,
    Staff,
    db,
    rate_visit,
)
from models.alerts import raise_alerts
from models.base import begin_write, now_utc
from tests.queue_helpers import issue, minutes_ago_today
from tests.visit_helpers import served_visit


def rate(ticket, score=5, **options):
    begin_write(db.session)
    rating = rate_visit(db.session, ticket, score, **options)
    alerts = raise_alerts(db.session, rating)
    db.session.commit()
    return rating, alerts


def refused(ticket, score=5, **options) -> RatingError:
    with pytest.raises(RatingError) as caught:
        rate(ticket, score, **options)
    db.session.rollback()
    return caught.value


def test_a_transferred_visit_credits_both_sides(app):
    with app.app_context():
        ticket = served_visit("REV-SIGNTAX", [("4", "rev1"), ("2", "reg2")],
                              transfers_to=["REG-MOVE-IN"])
        rating, _ = rate(ticket, 4, answers={"speed": 3}, extra_payment_asked=False)
        rows = db.session.execute(
            select(Staff.username, Counter.label, Section.code, RatingCredit.score)
            .join(Staff, Staff.id == RatingCredit.staff_id)
            .join(Counter, Counter.id == RatingCredit.counter_id)
            .join(Section, Section.id == RatingCredit.section_id)
            .where(RatingCredit.rating_id == rating.id).order_by(RatingCredit.id)).all()
        assert [tuple(r) for r in rows] == [("rev1", "4", "REV", 4), ("reg2", "2", "REG", 4)]
        stored = db.session.get(Rating, rating.id)
        assert (stored.score, stored.speed, stored.clarity, stored.extra_payment_asked) == \
            (4, 3, None, False)


def test_a_no_show_call_earns_no_credit(app):
    from models.calling import call_next
    from models.counter_actions import no_show
    from tests.queue_helpers import counter, staff

    with app.app_context():
        ticket = issue("REG-BIRTH", now=minutes_ago_today(30))
        begin_write(db.session)
        no_show(db.session, call_next(db.session, counter("1"), staff("reg1")))
        db.session.commit()
        # A no-show visit is never finished, so it cannot be rated at all.
        assert refused(ticket).code == "not_finished"


def test_one_rating_per_visit(app):
    with app.app_context():
        ticket = served_visit("REG-BIRTH", [("1", "reg1")])
        rate(ticket, 5)
        error = refused(ticket, 1)
        assert error.code == "already_rated" and error.status == 409
        assert db.session.scalar(select(Rating.score)) == 5
        assert len(db.session.scalars(select(Rating)).all()) == 1


def test_a_visit_can_only_be_rated_once_it_is_finished(app):
    with app.app_context():
        waiting = issue("REG-BIRTH")
        assert refused(waiting).code == "not_finished"
        assert db.session.scalar(select(Rating)) is None


def test_the_rating_window_closes(app):
    with app.app_context():
        ticket = served_visit("REG-BIRTH", [("1", "reg1")],
                              now=now_utc() - timedelta(hours=30))
        assert refused(ticket, window=timedelta(hours=24)).code == "window_closed"
        rate(ticket, 3, window=timedelta(hours=48))


@pytest.mark.parametrize("score", [0, 6, -1, "5", 4.5, None, True])
def test_out_of_range_scores_are_refused_with_422(app, score):
    with app.app_context():
        ticket = served_visit("REG-BIRTH", [("1", "reg1")])
        error = refused(ticket, score)
        assert (error.code, error.status) == ("invalid", 422)


@pytest.mark.parametrize("options", [
    {"answers": {"speed": 9}}, {"answers": {"mood": 3}}, {"answers": ["speed"]},
    {"extra_payment_asked": "yes"}, {"comment": "x" * 1001},
])
def test_invalid_answers_are_refused_with_422(app, options):
    with app.app_context():
        ticket = served_visit("REG-BIRTH", [("1", "reg1")])
        assert refused(ticket, 4, **options).status == 422


def test_two_simultaneous_ratings_store_one(app):
    with app.app_context():
        token = served_visit("REG-BIRTH", [("1", "reg1")]).token
    results: list[str] = []
    barrier = threading.Barrier(6)

    def submit(score: int) -> None:
        with app.app_context():
            from models.tickets import ticket_by_token
            ticket = ticket_by_token(db.session, token)
            barrier.wait()
            try:
                rate(ticket, score)
                results.append("ok")
            except RatingError as exc:
                results.append(exc.code)
                db.session.rollback()

    threads = [threading.Thread(target=submit, args=(score,)) for score in (1, 2, 3, 4, 5, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["already_rated"] * 5 + ["ok"]
    with app.app_context():
        assert len(db.session.scalars(select(Rating)).all()) == 1


def test_an_extra_payment_answer_raises_an_alert_at_once(app):
    with app.app_context():
        ticket = served_visit("REG-BIRTH", [("1", "reg1")])
        _, alerts = rate(ticket, 4, extra_payment_asked=True)
        assert [a.kind for a in alerts] == [AlertKind.EXTRA_PAYMENT]
        assert alerts[0].staff.username == "reg1"


def test_half_unhappy_of_four_recent_ratings_raises_one_alert(app):
    with app.app_context():
        scores = [5, 1, 4, 2]  # two of four unhappy: the rule is "at least half"
        raised = []
        for score in scores:
            _, alerts = rate(served_visit("REG-BIRTH", [("1", "reg1")], minutes=1), score)
            raised.append(sorted(a.kind for a in alerts))
        assert raised[:3] == [[], [], []]
        assert raised[3] == [AlertKind.UNHAPPY_COUNTER, AlertKind.UNHAPPY_STAFF]
        # A fifth unhappy rating in the same quarter-hour does not pile on more alerts.
        _, alerts = rate(served_visit("REG-BIRTH", [("1", "reg1")], minutes=1), 1)
        assert alerts == []
        assert len(db.session.scalars(select(Alert)).all()) == 2


def test_three_unhappy_ratings_are_not_enough_to_alert(app):
    with app.app_context():
        for _ in range(3):
            _, alerts = rate(served_visit("REG-BIRTH", [("1", "reg1")], minutes=1), 1)
            assert alerts == []
