"""Handling complaints: the list with filters and overdue flags, a complaint's history, moves.

Supervisors and admins handle every complaint of the office: a citizen need not name a
section, so scoping by section would leave unassigned complaints with nobody. Counter staff
get 403.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from admin.auth import role_required
from models import Complaint, ComplaintUpdate, Role, db
from models.base import begin_write, now_utc
from models.complaint_handling import (
    STAFF_PAGE_SIZE,
    ComplaintError,
    count_overdue,
    move_complaint,
    staff_complaints,
)
from models.complaint_privacy import contacts_due, erase_due_contacts
from models.complaints import (
    CATEGORY_LABELS,
    MAX_TEXT,
    STATUS_LABELS,
    TRANSITIONS,
    ComplaintCategory,
    ComplaintStatus,
)
from models.writer import DatabaseBusy
from web.office import current_office
from web.routing import page_number

bp = Blueprint("complaints_staff", __name__, url_prefix="/staff/complaints")

HANDLERS = (Role.SUPERVISOR, Role.ADMIN)


@bp.context_processor
def _labels() -> dict:
    return {"category_labels": CATEGORY_LABELS, "status_labels": STATUS_LABELS,
            "max_text": MAX_TEXT}


def _erase_due_contacts() -> None:
    """Contacts kept past their time never reach a staff page (models/complaint_privacy): when
    any is due, they are erased in a write of their own before the page reads. A busy
    database leaves them to the next page view."""
    office_id, now = current_office().id, now_utc()
    days = current_app.config["COMPLAINT_CONTACT_DAYS"]
    if not contacts_due(db.session, office_id, now, days):
        return
    try:
        begin_write(db.session)
    except DatabaseBusy:
        return
    erase_due_contacts(db.session, office_id, now, days)
    db.session.commit()


def _enum_arg(name: str, kind):
    """A filter value from the query string; an unknown value means no filter."""
    try:
        return kind(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/")
@role_required(*HANDLERS)
def index():
    _erase_due_contacts()
    office = current_office()
    now = now_utc()
    filters = {"status": _enum_arg("status", ComplaintStatus),
               "category": _enum_arg("category", ComplaintCategory),
               "overdue": request.args.get("overdue") == "1"}
    page = page_number()
    query = staff_complaints(office, now=now, **filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(
        query.options(selectinload(Complaint.service), selectinload(Complaint.section))
        .limit(STAFF_PAGE_SIZE).offset((page - 1) * STAFF_PAGE_SIZE)).all()
    return render_template(
        "complaints_staff/list.html", complaints=rows, filters=filters, now=now, page=page,
        total=total, pages=max((total + STAFF_PAGE_SIZE - 1) // STAFF_PAGE_SIZE, 1),
        overdue_count=count_overdue(db.session, office, now),
        statuses=list(ComplaintStatus), categories=list(ComplaintCategory))


def _complaint(complaint_id: int) -> Complaint:
    complaint = db.session.scalar(
        select(Complaint).where(Complaint.id == complaint_id)
        .options(selectinload(Complaint.history).selectinload(ComplaintUpdate.staff)))
    if complaint is None or complaint.office_id != current_office().id:
        abort(404)
    return complaint


def _detail(complaint: Complaint, form: dict | None = None,
            error: ComplaintError | None = None, status: int = 200):
    now = now_utc()
    return render_template(
        "complaints_staff/detail.html", complaint=complaint, now=now,
        overdue=complaint.overdue(now), error=error,
        moves=sorted(TRANSITIONS[complaint.status], key=list(ComplaintStatus).index),
        form=form or {"status": "", "reply": complaint.reply, "note": ""}), status


@bp.get("/<int:complaint_id>")
@role_required(*HANDLERS)
def detail(complaint_id: int):
    _erase_due_contacts()
    return _detail(_complaint(complaint_id))


@bp.post("/<int:complaint_id>")
@role_required(*HANDLERS)
def move(complaint_id: int):
    form = {key: request.form.get(key, "") for key in ("status", "reply", "note")}
    begin_write(db.session)
    complaint = _complaint(complaint_id)
    try:
        move_complaint(db.session, complaint, g.staff, form["status"] or None,
                       note=form["note"], reply=form["reply"])
    except ComplaintError as exc:
        db.session.rollback()
        return _detail(_complaint(complaint_id), form, exc, exc.status)
    db.session.commit()
    return redirect(url_for("complaints_staff.detail", complaint_id=complaint_id), code=303)
