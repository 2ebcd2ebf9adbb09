"""The JSON API: shapes, status codes, errors, bearer tokens."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import ApiToken, Ticket, db
from tests.api_helpers import bearer, token_for
from tests.queue_helpers import counter
from tests.staff_helpers import csrf, deactivate


def counter_id(app, label: str) -> int:
    with app.app_context():
        return counter(label).id


def new_ticket(client, service="REG-BIRTH", **extra):
    return client.post("/api/v1/tickets", json={"service": service, **extra})


def test_services_and_counters(client):
    services = client.get("/api/v1/services").get_json()
    birth = next(s for s in services if s["code"] == "REG-BIRTH")
    assert birth == {"code": "REG-BIRTH", "name_th": "การรับแจ้งการเกิด (ภายในกำหนด 15 วัน)",
                     "name_en": "Birth registration (within 15 days)", "section": "REG",
                     "waiting": 0, "eta_minutes": 0}
    new_ticket(client)
    new_ticket(client)
    birth = next(s for s in client.get("/api/v1/services").get_json()
                 if s["code"] == "REG-BIRTH")
    assert birth["waiting"] == 2 and birth["eta_minutes"] == 10  # 2 x 15 min over 3 counters
    counters = client.get("/api/v1/counters").get_json()
    assert counters[0]["label"] == "1" and "REG-BIRTH" in counters[0]["services"]
    assert {"id", "label", "section", "services"} == set(counters[0])


def test_issue_a_ticket_and_retry_with_the_same_key(client):
    first = new_ticket(client, idempotency_key="kiosk-7-0001")
    assert first.status_code == 201
    body = first.get_json()
    assert body["number"] == "A001" and body["status"] == "waiting"
    assert body["people_ahead"] == 0 and body["status_url"].endswith(f"/t/{body['token']}")
    again = new_ticket(client, idempotency_key="kiosk-7-0001")
    assert again.status_code == 200 and again.get_json()["token"] == body["token"]
    status = client.get(f"/api/v1/tickets/{body['token']}").get_json()
    assert status["segments"] == [] and status["number"] == "A001"


def test_a_key_used_for_another_service_is_a_conflict_not_the_other_ticket(client):
    """A retry repeats its request: the same key with another service is a client's mistake
    (a key reused), answered 409, and issues nothing."""
    first = new_ticket(client, idempotency_key="kiosk-3-0042")
    assert first.status_code == 201
    other = client.post("/api/v1/tickets", json={"service": "PW-BUILD",
                                                 "idempotency_key": "kiosk-3-0042"})
    assert other.status_code == 409
    assert other.get_json()["error"] == "idempotency_key_reused"
    waiting = {s["code"]: s["waiting"] for s in client.get("/api/v1/services").get_json()}
    assert waiting["PW-BUILD"] == 0 and waiting["REG-BIRTH"] == 1
    again = new_ticket(client, idempotency_key="kiosk-3-0042")
    assert again.status_code == 200 and again.get_json()["token"] == first.get_json()["token"]


@pytest.mark.parametrize(("payload", "status", "error"), [
    (None, 400, "malformed"),
    ([1, 2], 400, "malformed"),
    ({"service": "NOPE"}, 404, "unknown_service"),
    ({"service": 7}, 422, "invalid"),
    ({}, 422, "invalid"),
    ({"service": "REG-BIRTH", "priority": "vip"}, 422, "invalid"),
    ({"service": "REG-BIRTH", "idempotency_key": "x" * 65}, 422, "invalid"),
])
def test_bad_ticket_requests_get_json_errors(client, payload, status, error):
    if payload is None:
        response = client.post("/api/v1/tickets", data="{not json",
                               content_type="application/json")
    else:
        response = client.post("/api/v1/tickets", json=payload)
    assert response.status_code == status
    assert response.get_json()["error"] == error and response.get_json()["message"]


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/tickets/any/rating"])
def test_json_nested_past_the_parsers_depth_is_malformed_not_a_server_error(client, path):
    response = client.post(path, data="[" * 5000, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "malformed"


def test_a_body_past_the_size_limit_is_refused_before_it_is_read(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 8 * 1024 * 1024
    response = client.post("/api/v1/tickets", data=b"{" + b" " * limit + b"}",
                           content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"
    page = client.post("/complaints/", data={"text": "x" * (limit + 1)})
    assert page.status_code == 413
    text = page.get_data(as_text=True)
    assert "ยาวเกินไป" in text and "too long" in text.lower()


def test_unknown_ticket_and_unknown_route_are_json_404(client):
    assert client.get("/api/v1/tickets/nope").get_json()["error"] == "unknown_ticket"
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"


def test_closed_office_refuses_tickets(app, client):
    from models.hours import parse_hours

    app.extensions["khiu_hours"] = parse_hours("sun 00:00-00:01")
    response = new_ticket(client)
    assert response.status_code == 409 and response.get_json()["error"] == "office_closed"
    assert "นอกเวลาทำการ" in response.get_json()["message_th"]


def test_errors_a_device_shows_a_citizen_carry_the_message_in_thai_too(client):
    """A kiosk or app built on the API can show the refusal in the citizen's language: the
    unknown service or ticket, and a queue action the ticket's state forbids; a malformed
    request (a developer's mistake) needs none."""
    def thai(response) -> str:
        text = response.get_json()["message_th"]
        assert re.search(r"[\u0e00-\u0e7f]", text) and not re.search(r"[A-Za-z]", text), text
        return text

    thai(new_ticket(client, service="NOPE"))
    thai(client.get("/api/v1/tickets/nope"))
    assert "message_th" not in new_ticket(client, service=7).get_json()


def test_counter_actions_need_a_valid_bearer_token(client, app):
    one = counter_id(app, "1")
    assert client.post(f"/api/v1/counters/{one}/call-next").status_code == 401
    bad = client.post(f"/api/v1/counters/{one}/call-next", headers=bearer("khiu_nope"))
    assert bad.status_code == 401 and "WWW-Authenticate" in bad.headers
    token = token_for(app, "reg1")
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.token_hash != token and len(stored.token_hash) == 64
    assert client.post(f"/api/v1/counters/{one}/call-next",
                       headers=bearer(token)).status_code == 204
    assert client.post("/api/v1/counters/999/call-next", headers=bearer(token)).status_code == 404

    app.test_cli_runner().invoke(args=["revoke-tokens", "reg1"])
    assert client.post(f"/api/v1/counters/{one}/call-next",
                       headers=bearer(token)).status_code == 401
    fresh = token_for(app, "reg2")
    deactivate(app, "reg2")
    assert client.post(f"/api/v1/counters/{one}/call-next",
                       headers=bearer(fresh)).status_code == 401


def test_a_visit_through_the_api(client, app):
    token = bearer(token_for(app, "reg1"))
    ticket = new_ticket(client, service="REV-SIGNTAX").get_json()
    four = counter_id(app, "4")
    called = client.post(f"/api/v1/counters/{four}/call-next", headers=token)
    assert called.status_code == 200
    assert called.get_json()["ticket"]["number"] == "D001"
    assert called.get_json()["ticket"]["counter"] == "4"
    path = f"/api/v1/tickets/{ticket['token']}"
    assert client.post(f"{path}/recall", headers=token).status_code == 200
    assert client.post(f"{path}/start", headers=token).status_code == 200
    conflict = client.post(f"{path}/no-show", headers=token)
    assert conflict.status_code == 409 and conflict.get_json()["error"] == "invalid_transition"
    assert "ไม่" in conflict.get_json()["message_th"]
    bad_position = client.post(f"{path}/transfer", headers=token,
                               json={"service": "REG-MOVE-IN", "position": "middle"})
    assert bad_position.status_code == 422
    moved = client.post(f"{path}/transfer", headers=token,
                        json={"service": "REG-MOVE-IN", "position": "front"})
    assert moved.get_json()["ticket"]["status"] == "waiting"
    assert moved.get_json()["ticket"]["service"] == "REG-MOVE-IN"
    second = client.post(f"/api/v1/counters/{counter_id(app, '2')}/call-next", headers=token)
    assert second.get_json()["ticket"]["number"] == "D001"
    done = client.post(f"{path}/finish", headers=token).get_json()["ticket"]
    assert done["status"] == "finished"
    assert [(s["counter"], s["section"], s["outcome"], s["staff"]) for s in done["segments"]] == [
        ("4", "REV", "transferred", "นายสมชาย ใจดี"), ("2", "REG", "served", "นายสมชาย ใจดี")]
    assert all(s["finished_at"] for s in done["segments"])


def test_openapi_document_lists_every_api_route(client, app):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:any_)?int:counter_id>", "{counter}", rule.rule).replace(
                "<token>", "{token}")
            if "<any(" in path:
                for verb in ("recall", "start", "no-show", "finish"):
                    assert path.split("/<any(")[0] + f"/{verb}" in documented
            else:
                assert path in documented, path


def test_an_answer_formatted_after_its_transaction_refuses_a_waiting_ticket():
    """Call-next and the ticket actions format their answer after the write (api/v1.formatted):
    a waiting ticket's answer would count the people ahead, which needs the transaction."""
    from types import SimpleNamespace

    from api.v1 import formatted
    from models import TicketStatus

    with pytest.raises(RuntimeError, match="people ahead"):
        formatted(SimpleNamespace(status=TicketStatus.WAITING), [])


def test_tickets_are_issued_to_the_office_network_only(app):
    """The QR's status page may be public: taking a ticket is not. From an internet address
    the API refuses (403 with Thai), the kiosk's form too, and the manual shows where tickets
    are taken instead of the buttons; a kiosk on the office LAN takes them as before."""
    def client_from(address: str):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    outside = client_from("203.0.113.9")
    answer = outside.post("/api/v1/tickets", json={"service": "REG-BIRTH"})
    assert answer.status_code == 403 and answer.get_json()["error"] == "not_a_kiosk"
    assert "ตู้บริการ" in answer.get_json()["message_th"]
    page = outside.get("/services/REG-BIRTH").get_data(as_text=True)
    assert "ตู้บริการในสำนักงานเขตเท่านั้น" in page and 'class="take-form"' not in page
    form = outside.post("/services/REG-BIRTH/ticket",
                        data={"priority": "", "csrf_token": csrf(outside)})
    assert form.status_code == 403
    assert "Queue tickets are issued at the kiosk" in form.get_data(as_text=True)
    for address in ("192.168.1.20", "10.1.2.3", "::ffff:172.16.0.8", "127.0.0.1"):
        lan = client_from(address)
        assert lan.post("/api/v1/tickets", json={"service": "REG-BIRTH"}).status_code == 201
        assert 'class="take-form"' in lan.get("/services/REG-BIRTH").get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Ticket).count() == 4  # nothing was issued from outside


def test_ticket_networks_anywhere_or_a_list_and_a_bad_setting_stops_start_up(tmp_path):
    from app import create_app
    from web.issuers import parse_networks

    assert parse_networks("*") is None
    assert [str(n) for n in parse_networks("203.0.113.0/24, 2001:db8::1")] == \
        ["203.0.113.0/24", "2001:db8::1/128"]
    with pytest.raises(RuntimeError, match="TICKET_NETWORKS"):
        create_app(overrides={"TICKET_NETWORKS": "the office", "SECRET_KEY": "x",
                              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/k.db"})
