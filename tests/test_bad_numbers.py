"""Crafted numbers never give a 500: '²'.isdigit() is True but int('²') fails, and a number
past 64 bits overflows the database's integers."""

from __future__ import annotations

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
