"""Managing sections: the catalog overview, create, edit, reorder."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin.manage.common import (
    admin_only,
    commit_changes,
    commit_saved,
    done,
    form_flag,
    form_text,
    owned,
)
from admin.manage.problems import form_errors
from models import Section, db
from models.base import begin_write
from models.catalog_edit import move_section, save_section
from models.catalog_export import section_json
from models.catalog_problems import CatalogError
from web.office import current_office

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

MOVES = {"up": -1, "down": 1}


def sections_with_services() -> list[Section]:
    return list(db.session.scalars(
        select(Section).where(Section.office_id == current_office().id)
        .options(selectinload(Section.services))
        .order_by(Section.sort_order, Section.id)))


@bp.get("/")
@admin_only
def index():
    return render_template("manage/catalog.html", sections=sections_with_services())


def _section_form() -> dict[str, Any]:
    prefix = form_text("queue_prefix_suggested").strip().upper()
    return {
        "code": form_text("code").strip().upper(),
        "name_th": form_text("name_th"),
        "name_en": form_text("name_en"),
        "role_th": form_text("role_th"),
        "role_en": form_text("role_en"),
        "queue_prefix_suggested": prefix or None,
        "pseudo_section": form_flag("pseudo_section"),
    }


def _render_form(section: Section | None, values: dict[str, Any], errors=None, status=200):
    return render_template("manage/section_form.html", section=section, values=values,
                           errors=errors or {}), status


@bp.get("/sections/new")
@admin_only
def new_section():
    return _render_form(None, {"pseudo_section": False})


@bp.get("/sections/<int:section_id>/edit")
@admin_only
def edit_section(section_id: int):
    section = owned(Section, section_id)
    return _render_form(section, section_json(section))


@bp.post("/sections/new")
@admin_only
def create_section():
    return _save(None)


@bp.post("/sections/<int:section_id>/edit")
@admin_only
def update_section(section_id: int):
    return _save(section_id)


def _save(section_id: int | None):
    raw = _section_form()
    begin_write(db.session)
    section = owned(Section, section_id) if section_id is not None else None
    try:
        section, changes = save_section(db.session, current_office(), section, raw)
    except CatalogError as exc:
        db.session.rollback()
        return _render_form(section, raw, form_errors(exc.problems), 422)
    return commit_saved("section", section.code, section_id is None, changes,
                        (f"เพิ่มฝ่าย {section.code} แล้ว", f"Section {section.code} added"),
                        (f"บันทึกฝ่าย {section.code} แล้ว", f"Section {section.code} saved"),
                        "manage.catalog.index")


@bp.post("/sections/<int:section_id>/move/<any(up, down):direction>")
@admin_only
def move(section_id: int, direction: str):
    begin_write(db.session)
    section = owned(Section, section_id)
    changes = move_section(db.session, current_office(), section, MOVES[direction])
    commit_changes("section.move", section.code, changes=changes)
    if request.headers.get("HX-Request"):
        return render_template("manage/_sections.html", sections=sections_with_services())
    return done(f"ย้ายฝ่าย {section.code} แล้ว", f"Section {section.code} moved",
                "manage.catalog.index")
