"""Managing staff accounts: create, edit name/role/section, reset password, (de)activate."""

from __future__ import annotations

from flask import Blueprint, g, make_response, render_template, request, session
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin.auth import session_check
from admin.manage.catalog import sections_with_services
from admin.manage.common import (
    admin_only,
    commit_audited,
    commit_changes,
    done,
    field_errors,
    form_flag,
    form_text,
    owned,
)
from models import Role, Section, Staff, db
from models.base import begin_write
from models.office_admin import (
    AdminError,
    add_staff,
    reset_password,
    set_staff_active,
    temporary_password,
    update_staff,
)
from web.office import current_office

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@admin_only
def index():
    people = db.session.scalars(
        select(Staff).where(Staff.office_id == current_office().id)
        .options(selectinload(Staff.section))
        .order_by(Staff.active.desc(), Staff.role, Staff.username)).all()
    return render_template("manage/staff.html", people=people)


def _form() -> dict:
    return {"username": form_text("username", 64).strip().lower(),
            "display_name": form_text("display_name", 200),
            "role": request.form.get("role", ""), "section": request.form.get("section", "")}


def _role_and_section(values: dict) -> tuple[Role, Section | None]:
    try:
        role = Role(values["role"])
    except ValueError:
        raise AdminError("role", "เลือกบทบาท", "Choose a role") from None
    section = None
    if values["section"]:
        section = db.session.scalar(select(Section).where(
            Section.office_id == current_office().id, Section.code == values["section"]))
        if section is None:
            raise AdminError("section", "ไม่มีฝ่ายนี้", "There is no such section")
    return role, section


def _render_form(person: Staff | None, values: dict, error: AdminError | None = None,
                 status: int = 200):
    return render_template("manage/staff_form.html", person=person, values=values,
                           errors=field_errors(error),
                           sections=sections_with_services()), status


def shown_once(person: Staff, password: str):
    """The one page that shows a new password. It answers the POST itself instead of
    redirecting, so the password never travels in a cookie or a URL; nothing caches it."""
    response = make_response(render_template("manage/password_shown.html", person=person,
                                             password=password))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/new")
@admin_only
def new():
    return _render_form(None, {"role": Role.COUNTER.value, "section": ""})


@bp.post("/new")
@admin_only
def create():
    values = _form()
    typed = request.form.get("password", "")[:200]
    password = typed or temporary_password()
    begin_write(db.session)
    try:
        role, section = _role_and_section(values)
        person = add_staff(db.session, current_office(), values["username"], role, password,
                           values["display_name"], section)
    except AdminError as exc:
        db.session.rollback()
        return _render_form(None, values, exc, 422)
    commit_audited("staff.create", person.username, changes={
        "username": [None, person.username], "display_name": [None, person.display_name],
        "role": [None, role.value], "section": [None, section.code if section else None]},
        password_generated=not typed)
    if not typed:
        return shown_once(person, password)
    return done(f"เพิ่มบัญชี {person.username} แล้ว", f"Account {person.username} added",
                "manage.staff.index")


@bp.get("/<int:staff_id>/edit")
@admin_only
def edit(staff_id: int):
    person = owned(Staff, staff_id)
    return _render_form(person, {"username": person.username,
                                 "display_name": person.display_name, "role": person.role.value,
                                 "section": person.section.code if person.section else ""})


@bp.post("/<int:staff_id>/edit")
@admin_only
def update(staff_id: int):
    values = _form()
    begin_write(db.session)
    person = owned(Staff, staff_id)
    values["username"] = person.username
    try:
        role, section = _role_and_section(values)
        changes = update_staff(db.session, g.staff, person, values["display_name"], role,
                               section)
    except AdminError as exc:
        db.session.rollback()
        return _render_form(person, values, exc, 422)
    commit_changes("staff.update", person.username, changes=changes)
    return done(f"บันทึกบัญชี {person.username} แล้ว", f"Account {person.username} saved",
                "manage.staff.index")


@bp.post("/<int:staff_id>/password")
@admin_only
def password(staff_id: int):
    typed = request.form.get("password", "")[:200]
    # An unticked checkbox sends nothing, so absence means "keep the tokens".
    revoke_tokens = form_flag("revoke_tokens")
    begin_write(db.session)
    person = owned(Staff, staff_id)
    try:
        new_password, revoked = reset_password(db.session, person, typed or None,
                                               revoke_tokens=revoke_tokens)
    except AdminError as exc:
        db.session.rollback()
        return _render_form(person, {"username": person.username,
                                     "display_name": person.display_name,
                                     "role": person.role.value,
                                     "section": person.section.code if person.section else "",
                                     "revoke_tokens": revoke_tokens},
                            exc, 422)
    detail: dict = {"password_generated": not typed, "revoke_api_tokens": revoke_tokens}
    if revoked is not None:
        detail["api_tokens_revoked"] = revoked
    commit_audited("staff.reset_password", person.username, **detail)
    if person.id == g.staff.id:
        # A new password ends every session of the account (admin.auth) except this one.
        session["staff_check"] = session_check(person)
    if not typed:
        return shown_once(person, new_password)
    if revoked is not None:
        return done(f"ตั้งรหัสผ่านใหม่ของ {person.username} แล้ว "
                    f"และเพิกถอนโทเค็น API {revoked} รายการ",
                    f"New password set for {person.username}; {revoked} API token(s) revoked",
                    "manage.staff.index")
    return done(f"ตั้งรหัสผ่านใหม่ของ {person.username} แล้ว",
                f"New password set for {person.username}", "manage.staff.index")


@bp.post("/<int:staff_id>/<any(activate, deactivate):verb>")
@admin_only
def set_active(staff_id: int, verb: str):
    begin_write(db.session)
    person = owned(Staff, staff_id)
    try:
        changes = set_staff_active(db.session, g.staff, person, verb == "activate")
    except AdminError as exc:
        db.session.rollback()
        return done(exc.message_th, exc.message_en, "manage.staff.index", category="error")
    commit_changes(f"staff.{verb}", person.username, changes=changes)
    if verb == "activate":
        return done(f"เปิดใช้บัญชี {person.username} แล้ว",
                    f"Account {person.username} is active again", "manage.staff.index")
    return done(f"ปิดบัญชี {person.username} แล้ว (ออกจากระบบทันที)",
                f"Account {person.username} deactivated (signed out at once)",
                "manage.staff.index")
