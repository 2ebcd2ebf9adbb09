"""POST /api/v1/tickets/{token}/rating: status codes, bodies, and what is stored."""

from __future__ import annotations

import secrets
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Alert, AlertKind, Rating, RatingChannel, db
from models.base import now_utc
from tests.queue_helpers import issue
from tests.visit_helpers import served_visit


def finished(app, **options) -> str:
    with app.app_context():
        return served_visit("REG-BIRTH", [("1", "reg1")], **options).token


def rate(client, token: str, body=None, **fields):
    return client.post(f"/api/v1/tickets/{token}/rating",
                       json={"score": 5, **fields} if body is None else body)


def stored(app) -> list[Rating]:
    with app.app_context():
        return db.session.scalars(select(Rating)).all()


def test_a_rating_is_stored_and_returned_with_whom_it_credits(app, client):
    with app.app_context():
        token = served_visit("REV-SIGNTAX", [("4", "rev1"), ("2", "reg2")],
                             transfers_to=["REG-MOVE-IN"]).token
    response = rate(client, token, score=4, answers={"clarity": 5, "speed": 2},
                    extra_payment_asked=False, comment="  เร็วดี  ")
    assert response.status_code == 201
    body = response.get_json()
    created = body.pop("created_at")
    assert body == {
        "ticket": "D001", "score": 4,
        "answers": {"clarity": 5, "speed": 2, "courtesy": None},
        "extra_payment_asked": False, "comment": "เร็วดี", "channel": "api",
        "credits": [
            {"staff": "นางมาลี รุ่งเรือง", "counter": "4", "section": "REV",
             "service": "REV-SIGNTAX"},
            {"staff": "นางสาวสุดา แก้วมณี", "counter": "2", "section": "REG",
             "service": "REG-MOVE-IN"},
        ],
    }
    assert created.endswith("+00:00")
    [rating] = stored(app)
    assert (rating.score, rating.clarity, rating.speed, rating.channel) == \
        (4, 5, 2, RatingChannel.API)


def test_only_the_score_is_required_and_nulls_mean_skipped(app, client):
    token = finished(app)
    response = rate(client, token, {"score": 1, "answers": None, "extra_payment_asked": None,
                                    "comment": None})
    assert response.status_code == 201
    assert response.get_json()["answers"] == {"clarity": None, "speed": None, "courtesy": None}
    assert response.get_json()["extra_payment_asked"] is None


def test_an_extra_payment_answer_alerts_supervisors(app, client):
    assert rate(client, finished(app), extra_payment_asked=True).status_code == 201
    with app.app_context():
        assert [a.kind for a in db.session.scalars(select(Alert))] == [AlertKind.EXTRA_PAYMENT]


def test_a_second_rating_is_refused_with_409(app, client):
    token = finished(app)
    assert rate(client, token, score=5).status_code == 201
    again = rate(client, token, score=1)
    assert again.status_code == 409
    assert again.get_json() == {"error": "already_rated",
                                "message": "This visit has already been rated. Thank you.",
                                "message_th": "การมาติดต่อครั้งนี้ได้รับการประเมินแล้ว ขอบคุณค่ะ"}
    assert [r.score for r in stored(app)] == [5]


def test_a_visit_not_finished_or_too_old_is_refused_with_409(app, client):
    with app.app_context():
        waiting = issue("REG-BIRTH").token
    response = rate(client, waiting)
    assert response.status_code == 409 and response.get_json()["error"] == "not_finished"
    old = finished(app, now=now_utc() - timedelta(hours=30))
    response = rate(client, old)
    assert response.status_code == 409 and response.get_json()["error"] == "window_closed"
    assert stored(app) == []


@pytest.mark.parametrize("fields", [
    {"score": 0}, {"score": 6}, {"score": "5"}, {"score": 4.5}, {"score": None}, {"score": True},
    {"answers": {"speed": 9}}, {"answers": {"mood": 3}}, {"answers": ["speed"]},
    {"answers": {"speed": "3"}}, {"extra_payment_asked": "yes"}, {"comment": "x" * 1001},
    {"comment": 7}, {"extra_payment": True},
])
def test_invalid_values_are_refused_with_422(app, client, fields):
    response = rate(client, finished(app), **fields)
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid" and response.get_json()["message"]
    assert stored(app) == []


def test_a_missing_score_is_422(app, client):
    response = rate(client, finished(app), {"answers": {"speed": 4}})
    assert response.status_code == 422 and response.get_json()["error"] == "invalid"


def test_an_unknown_ticket_is_404(client):
    response = rate(client, secrets.token_urlsafe(24))
    assert response.status_code == 404
    assert response.get_json() == {"error": "unknown_ticket", "message": "No such ticket",
                                   "message_th": "ไม่พบบัตรคิวนี้"}


@pytest.mark.parametrize("data", ["not json", "[1, 2]", "", "5"])
def test_a_malformed_body_is_400(app, client, data):
    response = client.post(f"/api/v1/tickets/{finished(app)}/rating", data=data,
                           content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "malformed"
    assert stored(app) == []


def test_the_openapi_document_describes_the_rating(client):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/tickets/{token}/rating"]["post"]
    assert set(operation["responses"]) == {"201", "400", "404", "409", "422"}
    assert "security" not in operation
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/NewRating"}
    new = spec["components"]["schemas"]["NewRating"]
    assert new["required"] == ["score"] and new["additionalProperties"] is False
    assert new["properties"]["score"] == {"type": "integer", "minimum": 1, "maximum": 5}
    rating = spec["components"]["schemas"]["Rating"]
    assert set(rating["required"]) == {"ticket", "score", "answers", "extra_payment_asked",
                                       "comment", "channel", "created_at", "credits"}


def test_simultaneous_ratings_on_postgresql_store_one(pg_app):
    with pg_app.app_context():
        token = served_visit("REG-BIRTH", [("1", "reg1")]).token
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def post(score: int) -> None:
        client = pg_app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/tickets/{token}/rating", json={"score": score})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=(score,)) for score in (1, 2, 4, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409, 409, 409]
    assert len(stored(pg_app)) == 1


def test_one_rating_window_setting_rules_the_api_the_phone_and_the_status_page(app, client):
    token = finished(app, now=now_utc() - timedelta(hours=3))
    app.config["RATING_WINDOW_HOURS"] = 2
    assert rate(client, token).get_json()["error"] == "window_closed"
    assert client.get(f"/t/{token}/rate").status_code == 409
    assert f"/t/{token}/rate" not in client.get(f"/t/{token}").get_data(as_text=True)
    app.config["RATING_WINDOW_HOURS"] = 4
    assert f"/t/{token}/rate" in client.get(f"/t/{token}").get_data(as_text=True)
    assert client.get(f"/t/{token}/rate").status_code == 200
    assert rate(client, token).status_code == 201
