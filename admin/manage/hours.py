"""The office's opening hours: the kiosk issues tickets only within them (web.office)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from admin.manage.common import (
    admin_only,
    commit_changes,
    done,
    field_errors,
    form_text,
)
from models import db
from models.base import begin_write, now_utc
from models.office_admin import AdminError, set_opening_hours
from web.office import current_office, opening_hours

bp = Blueprint("hours", __name__, url_prefix="/hours")


def _render(value: str, error: AdminError | None = None, status: int = 200):
    return render_template("manage/hours.html", value=value, errors=field_errors(error),
                           setting=current_app.config["OPENING_HOURS"],
                           hours=opening_hours(), is_open=opening_hours().is_open(now_utc()),
                           stored=current_office().opening_hours), status


@bp.get("/")
@admin_only
def show():
    return _render(current_office().opening_hours or "")


@bp.post("/")
@admin_only
def save():
    spec = form_text("opening_hours", 300)
    begin_write(db.session)
    office = current_office()
    try:
        changes = set_opening_hours(office, spec)
    except AdminError as exc:
        db.session.rollback()
        return _render(spec, exc, 422)
    commit_changes("hours.update", office.code, changes=changes)
    return done("บันทึกเวลาทำการแล้ว ตู้บริการใช้เวลาใหม่ทันที",
                "Opening hours saved; the kiosk follows them at once", "manage.hours.show")
