"""Crafted numbers never give a 500: '²'.isdigit() is True but int('²') fails, and a number
past 64 bits overflows the database's integers."""

from __future__ import annotations

import re

import pytest

from tests.manage_helpers import (
    MANAGE,
    admin_client,
    load_service,
    post,
    section_id,
    service_id,
)

CRAFTED = ["²", "-1", "99999999999999999999", "x", "٣", ""]


@pytest.mark.parametrize("value", CRAFTED)
def test_checklist_takes_any_have_value(app, client, value):
    response = client.get(f"/services/REG-BIRTH/checklist?have={value}")
    assert response.status_code == 200
    # No real document was ticked: every required one is still listed as missing.
    required = len([d for d in load_service(app, "REG-BIRTH").documents if d.required])
    assert f"ยังขาดเอกสารจำเป็น {required} รายการ" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", CRAFTED)
def test_audit_page_takes_any_page_and_staff_number(app, value):
    client = admin_client(app)
    for name in ("page", "staff"):
        response = client.get(f"{MANAGE}/audit/?{name}={value}")
        assert response.status_code == 200, (name, value)


@pytest.mark.parametrize("value", CRAFTED)
def test_counter_form_refuses_crafted_section_and_service_numbers(app, value):
    client = admin_client(app)
    form = {"label": "9", "section": value, "services": [value]}
    response = post(client, f"{MANAGE}/counters/new", form)
    assert response.status_code == 422 and "เลือกฝ่ายของช่องบริการ" in response.get_data(
        as_text=True)
    form = {"label": "9", "section": section_id(app, "REG"), "services": [value]}
    response = post(client, f"{MANAGE}/counters/new", form)
    assert response.status_code == 303


@pytest.mark.parametrize("value", ["²", "99999999999999999999"])
def test_step_duration_with_crafted_digits_is_a_form_error(app, value):
    client = admin_client(app)
    form = {"code": "REG-NEW", "name_th": "งานใหม่", "section": "REG", "channel": "walk_in",
            "fee_baht": "0", "step_name_th": "ตรวจเอกสาร", "step_type": "check",
            "step_duration": value, "step_unit": "minutes"}
    response = post(client, f"{MANAGE}/services/new", form)
    assert response.status_code == 422
    assert "ต้องเป็นจำนวนเต็มตั้งแต่ 0 ขึ้นไป" in response.get_data(as_text=True)
    assert service_id(app, "REG-NEW") is None


HUGE = "99999999999999999999"  # past 64 bits


def test_an_id_past_the_databases_integers_is_404_on_every_route(app):
    """Every route with an <int:...> id, every method, signed in as an admin: the number names
    no row, and the route does not match (it overflowed in the driver: a 500)."""
    client = admin_client(app)
    routes = [rule for rule in app.url_map.iter_rules()
              if any(type(converter).__name__ == "IdConverter"
                     for converter in rule._converters.values())]
    assert len(routes) >= 20
    for rule in routes:
        path = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>",
                      lambda part: HUGE if part[1] == "int" else "x", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            # (405: another route of that path, whose method it is not)
            assert response.status_code in (400, 404, 405), (method, path, response.status_code)


@pytest.mark.parametrize("page", [HUGE, "9" * 5000, "-3", "²", "0"])
@pytest.mark.parametrize("listing", ["/staff/complaints/", "/staff/reports/",
                                     "/staff/alerts/", f"{MANAGE}/audit/"])
def test_any_page_number_shows_a_page(app, listing, page):
    response = admin_client(app).get(f"{listing}?page={page}")
    assert response.status_code == 200, response.status_code


@pytest.mark.parametrize("header", [HUGE, "-5", "²", "12abc", "9" * 5000])
def test_a_boards_crafted_last_event_id_starts_from_now(client, header):
    response = client.get("/board/events", headers={"Last-Event-ID": header}, buffered=False)
    try:
        assert response.status_code == 200
        assert next(response.response)  # the stream opens
    finally:
        response.close()
