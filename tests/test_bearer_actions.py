"""Counter actions over the API refuse a bad bearer token before anything is written, on both
databases: on PostgreSQL the action's own statement checks the token (models/bearer.py), on
SQLite a query before it. A refusal answers 401 (or 403 for another office's staff member)
whatever else is wrong with the request, and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Office, QueueEvent, Role, Ticket, VisitSegment, db
from models.staff import create_api_token, create_staff
from tests.api_helpers import bearer, token_for
from tests.queue_helpers import counter, staff
from tests.staff_helpers import deactivate


def snapshot(app) -> tuple:
    """Everything a counter action could change."""
    with app.app_context():
        tickets = db.session.execute(select(Ticket.token, Ticket.status, Ticket.counter_id)
                                     .order_by(Ticket.id)).all()
        segments = db.session.execute(select(
            VisitSegment.id, VisitSegment.recalls, VisitSegment.started_at,
            VisitSegment.finished_at, VisitSegment.outcome).order_by(VisitSegment.id)).all()
        events = db.session.scalar(select(func.count()).select_from(QueueEvent))
        return tickets, segments, events


def other_office_token(app) -> str:
    with app.app_context():
        office = Office(code="ELSEWHERE", name_th="สำนักงานเขตอื่น", name_en="Elsewhere")
        db.session.add(office)
        db.session.flush()
        member = create_staff(db.session, office, "elsewhere", Role.ADMIN,
                              "elsewhere-pass-1", "Elsewhere", None)
        token = create_api_token(db.session, member)
        db.session.commit()
        return token


@pytest.fixture
def desk(any_app):
    """Counter 1 holding a called ticket, another waiting, and the client."""
    client = any_app.test_client()
    tokens = [client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).get_json()["token"]
              for _ in range(2)]
    with any_app.app_context():
        desk_id = counter("1").id
    good = bearer(token_for(any_app, "supervisor"))
    assert client.post(f"/api/v1/counters/{desk_id}/call-next", headers=good).status_code == 200
    return any_app, client, desk_id, tokens[0]


def attempts(desk_id: int, held: str) -> dict:
    """Every counter action, and some that are wrong in other ways too."""
    return {
        "call-next": (f"/api/v1/counters/{desk_id}/call-next", None),
        "finish and call": (f"/api/v1/counters/{desk_id}/call-next", {"finish": held}),
        "recall": (f"/api/v1/tickets/{held}/recall", None),
        "start": (f"/api/v1/tickets/{held}/start", None),
        "no-show": (f"/api/v1/tickets/{held}/no-show", None),
        "finish": (f"/api/v1/tickets/{held}/finish", None),
        "unknown counter": ("/api/v1/counters/999/call-next", None),
        "counter out of range": (f"/api/v1/counters/{2**40}/call-next", None),
        "unknown ticket": ("/api/v1/tickets/nope/finish", None),
        "malformed finish": (f"/api/v1/counters/{desk_id}/call-next", {"finish": 5}),
    }


def refused_everywhere(app, client, desk_id, held, headers, status: int) -> None:
    before = snapshot(app)
    for name, (url, body) in attempts(desk_id, held).items():
        answer = client.post(url, headers=headers, json=body)
        assert answer.status_code == status, (name, answer.get_json())
        assert answer.get_json()["error"] == ("unauthorized" if status == 401 else "forbidden")
        if status == 401:
            assert "WWW-Authenticate" in answer.headers
        assert snapshot(app) == before, name


def test_no_token_or_an_unknown_one(desk):
    app, client, desk_id, held = desk
    refused_everywhere(app, client, desk_id, held, {}, 401)
    refused_everywhere(app, client, desk_id, held, bearer("khiu_nope"), 401)
    refused_everywhere(app, client, desk_id, held, bearer("x" * 500), 401)
    refused_everywhere(app, client, desk_id, held, {"Authorization": "Basic abc"}, 401)


def test_a_revoked_token(desk):
    app, client, desk_id, held = desk
    token = token_for(app, "reg1")
    assert client.post(f"/api/v1/tickets/{held}/recall", headers=bearer(token)).status_code \
        == 200
    app.test_cli_runner().invoke(args=["revoke-tokens", "reg1"])
    refused_everywhere(app, client, desk_id, held, bearer(token), 401)


def test_a_deactivated_staff_members_token(desk):
    app, client, desk_id, held = desk
    token = token_for(app, "reg2")
    deactivate(app, "reg2")
    refused_everywhere(app, client, desk_id, held, bearer(token), 401)


def test_another_offices_staff_member(desk):
    app, client, desk_id, held = desk
    refused_everywhere(app, client, desk_id, held, bearer(other_office_token(app)), 403)


def test_the_call_records_the_tokens_staff_member(desk):
    app, client, desk_id, held = desk
    auth = bearer(token_for(app, "reg1"))
    assert client.post(f"/api/v1/counters/{desk_id}/call-next", headers=auth,
                       json={"finish": held}).status_code == 200
    with app.app_context():
        latest = db.session.scalars(select(VisitSegment).order_by(VisitSegment.id.desc())).first()
        assert latest.staff_id == staff("reg1").id
        assert db.session.scalar(select(Ticket.status).where(Ticket.token == held)) \
            .value == "finished"


def test_the_models_take_a_bearer_on_both_databases(any_app):
    """claim_next and the actions themselves: a Bearer that may not act is BearerRefused and
    nothing is written (on PostgreSQL by the statement, on SQLite by a query first); one that
    may act is recorded as the caller."""
    from models.bearer import Bearer, BearerRefused
    from models.calling import claim_next
    from models.counter_actions import TicketByToken, finish, recall
    from models.transactions import transaction

    client = any_app.test_client()
    token = client.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).get_json()["token"]
    good, revoked = Bearer.of(token_for(any_app, "reg1")), Bearer.of(token_for(any_app, "reg2"))
    any_app.test_cli_runner().invoke(args=["revoke-tokens", "reg2"])
    with any_app.app_context():
        desk = counter("1")
        engine, desk_id, office_id = db.engine, desk.id, desk.office_id
        db.session.rollback()
        before = snapshot(any_app)
        for stranger in (revoked, Bearer.of("khiu_nope")):
            with pytest.raises(BearerRefused), \
                    transaction(engine, write=True, one_statement=True) as sql:
                claim_next(sql, desk_id, office_id, stranger)
        assert snapshot(any_app) == before
        with transaction(engine, write=True, one_statement=True) as sql:
            called = claim_next(sql, desk_id, office_id, good)
        assert db.session.scalar(select(VisitSegment.staff_id).where(
            VisitSegment.ticket_id == called)) == staff("reg1").id
        db.session.rollback()
        before = snapshot(any_app)
        for action in (recall, finish):
            with pytest.raises(BearerRefused), \
                    transaction(engine, write=True, one_statement=True) as sql:
                action(sql, TicketByToken(token, office_id), by=revoked)
        assert snapshot(any_app) == before
        with transaction(engine, write=True, one_statement=True) as sql:
            finish(sql, TicketByToken(token, office_id), by=good)
        assert db.session.scalar(select(Ticket.status).where(Ticket.token == token)) \
            .value == "finished"
