"""A service's steps and required documents: add, edit, delete, move up and down."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request

from admin.manage.catalog import sections_with_services
from admin.manage.common import (
    admin_only,
    commit_audited,
    commit_changes,
    done,
    form_flag,
    form_text,
    is_htmx,
    owned,
)
from admin.manage.problems import form_errors
from admin.manage.services import form_number, step_form
from models import RequiredDocument, Service, ServiceStep, db
from models.base import begin_write
from models.catalog_edit import ItemKind, delete_item, move_item, save_item
from models.catalog_export import document_json, step_json
from models.catalog_problems import CatalogError
from web.office import current_office

bp = Blueprint("items", __name__, url_prefix="/services/<int:service_id>")

KINDS: dict[str, tuple[type, str]] = {"steps": (ServiceStep, "step"),
                                      "documents": (RequiredDocument, "document")}
STEP_FIELDS = {"minutes": "duration", "days": "duration"}
NAMES = {"steps": ("ขั้นตอน", "Step"), "documents": ("เอกสาร", "Document")}


def document_form() -> dict[str, Any]:
    return {"name_th": form_text("name_th"), "name_en": form_text("name_en"),
            "kind": request.form.get("kind", ""), "original": form_number("original"),
            "copies": form_number("copies"), "issuer_th": form_text("issuer_th"),
            "issuer_en": form_text("issuer_en"), "required": form_flag("required"),
            "note_th": form_text("note_th"), "note_en": form_text("note_en")}


def _form(kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The catalog-file fields of the posted step or document, and the values to show again."""
    if kind == "steps":
        raw = step_form()
        return raw, dict(raw, duration=request.form.get("duration", ""),
                         unit=request.form.get("unit", "minutes"))
    raw = document_form()
    return raw, raw


def _item(service: Service, kind: str, item_id: int) -> Any:
    item = db.session.get(KINDS[kind][0], item_id)
    if item is None or item.service_id != service.id:
        abort(404)
    return item


def _target(service: Service, kind: str, position: int | None) -> str:
    return f"{service.code} {KINDS[kind][1]} {position}"


def _show_again(service: Service, kind: str, values: dict, errors: dict):
    """The service page with the add form of `kind` filled in and its problems named."""
    return render_template(
        "manage/service.html", service=service, sections=sections_with_services(),
        step_values=values if kind == "steps" else {},
        doc_values=values if kind == "documents" else {},
        errors=errors, adding=kind), 422


@bp.post("/<any(steps, documents):kind>/new")
@admin_only
def add(service_id: int, kind: ItemKind):
    raw, values = _form(kind)
    begin_write(db.session)
    service = owned(Service, service_id)
    try:
        item, changes = save_item(db.session, current_office(), service, kind, None, raw)
    except CatalogError as exc:
        db.session.rollback()
        return _show_again(service, kind, values,
                           form_errors(exc.problems, STEP_FIELDS if kind == "steps" else {}))
    commit_audited(f"{KINDS[kind][1]}.create", _target(service, kind, item.position),
                   changes=changes)
    th, en = NAMES[kind]
    return done(f"เพิ่ม{th}แล้ว", f"{en} added", "manage.services.show",
                service_id=service.id, _anchor=kind)


@bp.get("/<any(steps, documents):kind>/<int:item_id>/edit")
@admin_only
def edit(service_id: int, kind: ItemKind, item_id: int):
    service = owned(Service, service_id)
    item = _item(service, kind, item_id)
    if kind == "steps":
        values = step_json(item)
        values.update(duration=item.working_days or item.minutes,
                      unit="days" if item.working_days is not None else "minutes")
    else:
        values = document_json(item)
    return _render_edit(service, kind, item, values)


def _render_edit(service: Service, kind: str, item: Any, values: dict, errors=None,
                 status: int = 200):
    return render_template("manage/item_form.html", service=service, kind=kind, item=item,
                           values=values, errors=errors or {},
                           sections=sections_with_services()), status


@bp.post("/<any(steps, documents):kind>/<int:item_id>/edit")
@admin_only
def update(service_id: int, kind: ItemKind, item_id: int):
    raw, values = _form(kind)
    begin_write(db.session)
    service = owned(Service, service_id)
    item = _item(service, kind, item_id)
    try:
        item, changes = save_item(db.session, current_office(), service, kind, item, raw)
    except CatalogError as exc:
        db.session.rollback()
        return _render_edit(service, kind, item, values,
                            form_errors(exc.problems, STEP_FIELDS if kind == "steps" else {}),
                            422)
    commit_changes(f"{KINDS[kind][1]}.update", _target(service, kind, item.position),
                   changes=changes)
    th, en = NAMES[kind]
    return done(f"บันทึก{th}แล้ว", f"{en} saved", "manage.services.show",
                service_id=service.id, _anchor=kind)


def _after_list_change(service: Service, kind: str, th: str, en: str):
    """htmx swaps the list in place; a plain form post goes back to the service page."""
    if is_htmx():
        db.session.expire(service, [kind])
        return render_template(f"manage/_{kind}.html", service=service)
    return done(th, en, "manage.services.show", service_id=service.id, _anchor=kind)


@bp.post("/<any(steps, documents):kind>/<int:item_id>/delete")
@admin_only
def delete(service_id: int, kind: ItemKind, item_id: int):
    begin_write(db.session)
    service = owned(Service, service_id)
    item = _item(service, kind, item_id)
    target = _target(service, kind, item.position)
    try:
        changes = delete_item(db.session, service, kind, item)
    except CatalogError:
        db.session.rollback()
        refusal = ("ลบไม่ได้: งานบริการต้องมีอย่างน้อยหนึ่งขั้นตอน",
                   "Not deleted: a service needs at least one step")
        if is_htmx():
            return render_template("manage/_steps.html", service=service, refusal=refusal)
        return done(*refusal, "manage.services.show", category="error",
                    service_id=service.id, _anchor=kind)
    commit_audited(f"{KINDS[kind][1]}.delete", target, changes=changes)
    th, en = NAMES[kind]
    return _after_list_change(service, kind, f"ลบ{th}แล้ว", f"{en} deleted")


@bp.post("/<any(steps, documents):kind>/<int:item_id>/move/<any(up, down):direction>")
@admin_only
def move(service_id: int, kind: ItemKind, item_id: int, direction: str):
    begin_write(db.session)
    service = owned(Service, service_id)
    item = _item(service, kind, item_id)
    changes = move_item(db.session, service, kind, item, -1 if direction == "up" else 1)
    # The target names the new position, so it is read only from a move that happened.
    position = changes["position"][1] if changes else item.position
    commit_changes(f"{KINDS[kind][1]}.move", _target(service, kind, position),
                   changes=changes, name_th=item.name_th)
    th, en = NAMES[kind]
    return _after_list_change(service, kind, f"ย้าย{th}แล้ว", f"{en} moved")
