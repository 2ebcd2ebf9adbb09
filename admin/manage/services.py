"""Managing services: the manual fields, a new service with its first step, (de)activation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from admin.manage.catalog import sections_with_services
from admin.manage.common import (
    admin_only,
    commit_audited,
    commit_changes,
    done,
    form_text,
    owned,
    whole_number,
)
from admin.manage.problems import form_errors
from models import Service, db
from models.base import begin_write
from models.catalog_edit import ServiceBusyError, save_service, set_service_active
from models.catalog_export import service_json
from models.catalog_problems import CatalogError
from web.office import current_office

bp = Blueprint("services", __name__, url_prefix="/services")

MANUAL_TEXT = ("name_th", "name_en", "category", "conditions_th", "conditions_en",
               "legal_basis_th", "legal_basis_en", "fee_note_th", "fee_note_en",
               "online_other_th", "online_other_en")
STEP_ERRORS = {"step_minutes": "step_duration", "step_days": "step_duration",
               "step_type": "step_type"}


def form_number(name: str) -> int | str | None:
    """A whole number from a form field; anything else is passed on for the catalog rules to
    name ("must be a whole number ≥ 0, got '1.5'")."""
    text = request.form.get(name, "").strip()[:20]
    if not text:
        return None
    number = whole_number(text)
    return number if number is not None else text


def duration(prefix: str = "") -> dict[str, Any]:
    """The step's duration: minutes at the counter or working days, never both."""
    amount = form_number(prefix + "duration")
    if request.form.get(prefix + "unit") == "days":
        return {"days": amount, "minutes": None}
    return {"minutes": amount, "days": None}


def step_form(prefix: str = "") -> dict[str, Any]:
    return {"name_th": form_text(prefix + "name_th"), "name_en": form_text(prefix + "name_en"),
            "type": request.form.get(prefix + "type", ""),
            "section": request.form.get(prefix + "section", "") or None, **duration(prefix)}


def _manual_form() -> dict[str, Any]:
    raw: dict[str, Any] = {name: form_text(name) for name in MANUAL_TEXT}
    fee = request.form.get("fee_baht", "").strip()[:20]
    prefix = form_text("ticket_prefix").strip().upper()
    raw.update({
        "code": form_text("code").strip().upper(),
        "section": request.form.get("section", ""),
        "channel": request.form.getlist("channel"),
        # Blank means the fee varies (null in the catalog file); 0 means free.
        "fee_baht": fee.replace(",", "") or None,
        "ticket_prefix": prefix or None,
    })
    return raw


def _render_form(service: Service | None, values: dict[str, Any], errors=None, status=200):
    return render_template("manage/service_form.html", service=service, values=values,
                           sections=sections_with_services(), errors=errors or {}), status


@bp.get("/<int:service_id>")
@admin_only
def show(service_id: int):
    service = owned(Service, service_id)
    return render_template("manage/service.html", service=service,
                           sections=sections_with_services(), step_values={}, doc_values={},
                           errors={}, adding=None)


@bp.get("/new")
@admin_only
def new():
    section = request.args.get("section", "")
    return _render_form(None, {"section": section, "channel": ["walk_in"], "fee_baht": 0,
                               "step_unit": "minutes", "step_section": section})


@bp.post("/new")
@admin_only
def create():
    raw = _manual_form()
    first_step = step_form("step_")
    begin_write(db.session)
    try:
        service, changes = save_service(db.session, current_office(), None, raw, first_step)
    except CatalogError as exc:
        db.session.rollback()
        values = dict(raw, **{f"step_{k}": v for k, v in first_step.items()},
                      step_duration=request.form.get("step_duration", ""),
                      step_unit=request.form.get("step_unit", "minutes"))
        return _render_form(None, values, form_errors(exc.problems, STEP_ERRORS, "step_"), 422)
    commit_audited("service.create", service.code, changes=changes,
                   first_step=first_step["name_th"])
    return done(f"เพิ่มงานบริการ {service.code} แล้ว", f"Service {service.code} added",
                "manage.services.show", service_id=service.id)


@bp.get("/<int:service_id>/edit")
@admin_only
def edit(service_id: int):
    service = owned(Service, service_id)
    return _render_form(service, service_json(service))


@bp.post("/<int:service_id>/edit")
@admin_only
def update(service_id: int):
    raw = _manual_form()
    begin_write(db.session)
    service = owned(Service, service_id)
    try:
        service, changes = save_service(db.session, current_office(), service, raw)
    except CatalogError as exc:
        db.session.rollback()
        return _render_form(service, dict(raw, code=service.code), form_errors(exc.problems),
                            422)
    commit_changes("service.update", service.code, changes=changes)
    return done(f"บันทึกคู่มือ {service.code} แล้ว", f"Manual of {service.code} saved",
                "manage.services.show", service_id=service.id)


@bp.post("/<int:service_id>/<any(activate, deactivate):verb>")
@admin_only
def set_active(service_id: int, verb: str):
    begin_write(db.session)
    service = owned(Service, service_id)
    try:
        changes = set_service_active(db.session, service, verb == "activate")
    except ServiceBusyError as exc:
        db.session.rollback()
        return done(exc.message_th, exc.message_en, "manage.services.show", category="error",
                    service_id=service.id)
    commit_changes(f"service.{verb}", service.code, changes=changes)
    if verb == "activate":
        return done(f"เปิดให้บริการ {service.code} แล้ว", f"Service {service.code} is active",
                    "manage.services.show", service_id=service.id)
    return done(f"ปิดงานบริการ {service.code} แล้ว ตู้คีออสก์จะไม่ออกบัตรคิวของงานนี้อีก",
                f"Service {service.code} deactivated: the kiosk no longer issues its tickets",
                "manage.services.show", service_id=service.id)
