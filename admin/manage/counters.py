"""Managing counters (ช่องบริการ): label, section, the services each one calls, (de)activation."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin.manage.catalog import sections_with_services
from admin.manage.common import (
    admin_only,
    commit_changes,
    commit_saved,
    done,
    field_errors,
    form_text,
    owned,
    whole_number,
)
from models import Counter, Section, Service, db
from models.base import begin_write
from models.office_admin import AdminError, save_counter, set_counter_active
from web.office import current_office

bp = Blueprint("counters", __name__, url_prefix="/counters")


@bp.get("/")
@admin_only
def index():
    counters = db.session.scalars(
        select(Counter).where(Counter.office_id == current_office().id)
        .options(selectinload(Counter.services), selectinload(Counter.section))
        .order_by(Counter.sort_order, Counter.id)).all()
    return render_template("manage/counters.html", counters=counters)


def _render_form(counter: Counter | None, values: dict, error: AdminError | None = None,
                 status: int = 200):
    return render_template("manage/counter_form.html", counter=counter, values=values,
                           sections=sections_with_services(), errors=field_errors(error)), status


@bp.get("/new")
@admin_only
def new():
    return _render_form(None, {"label": "", "section_id": None, "service_ids": []})


@bp.get("/<int:counter_id>/edit")
@admin_only
def edit(counter_id: int):
    counter = owned(Counter, counter_id)
    return _render_form(counter, {"label": counter.label, "section_id": counter.section_id,
                                  "service_ids": [s.id for s in counter.services]})


@bp.post("/new")
@admin_only
def create():
    return _save(None)


@bp.post("/<int:counter_id>/edit")
@admin_only
def update(counter_id: int):
    return _save(counter_id)


def _save(counter_id: int | None):
    office = current_office()
    service_ids = {n for n in map(whole_number, request.form.getlist("services")) if n}
    values = {"label": form_text("label", 16), "service_ids": sorted(service_ids),
              "section_id": whole_number(request.form.get("section"))}
    begin_write(db.session)
    counter = owned(Counter, counter_id) if counter_id is not None else None
    section = db.session.get(Section, values["section_id"] or 0)
    services = db.session.scalars(select(Service).where(
        Service.office_id == office.id, Service.id.in_(service_ids))).all()
    try:
        if section is None or section.office_id != office.id:
            raise AdminError("section", "เลือกฝ่ายของช่องบริการ", "Choose the counter's section")
        counter, changes = save_counter(db.session, office, counter, values["label"], section,
                                        list(services))
    except AdminError as exc:
        db.session.rollback()
        return _render_form(counter, values, exc, 422)
    label = counter.label
    return commit_saved("counter", label, counter_id is None, changes,
                        (f"เพิ่มช่องบริการ {label} แล้ว", f"Counter {label} added"),
                        (f"บันทึกช่องบริการ {label} แล้ว", f"Counter {label} saved"),
                        "manage.counters.index")


@bp.post("/<int:counter_id>/<any(activate, deactivate):verb>")
@admin_only
def set_active(counter_id: int, verb: str):
    begin_write(db.session)
    counter = owned(Counter, counter_id)
    try:
        changes = set_counter_active(db.session, counter, verb == "activate")
    except AdminError as exc:
        db.session.rollback()
        return done(exc.message_th, exc.message_en, "manage.counters.index", category="error")
    commit_changes(f"counter.{verb}", counter.label, changes=changes)
    if verb == "activate":
        return done(f"เปิดช่องบริการ {counter.label} แล้ว", f"Counter {counter.label} is open",
                    "manage.counters.index")
    return done(f"ปิดช่องบริการ {counter.label} แล้ว", f"Counter {counter.label} closed",
                "manage.counters.index")
