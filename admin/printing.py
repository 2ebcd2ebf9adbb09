"""Print jobs for staff: what printed, what failed and why, reprint, and the preview images."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, redirect, render_template, send_file, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin.auth import role_required
from kiosk.printing.jobs import preview_dir, reprint
from models import PrintJob, PrintStatus, Ticket, db
from models.base import now_utc
from models.staff import STAFF_ROLES
from models.tickets import business_day
from web.office import current_office

bp = Blueprint("printing", __name__, url_prefix="/staff/printing")


def _job(job_id: int) -> PrintJob:
    job = db.session.get(PrintJob, job_id)
    if job is None or job.ticket.office_id != current_office().id:
        abort(404)
    return job


@bp.get("/")
@role_required(*STAFF_ROLES)
def jobs():
    today = business_day(now_utc())
    rows = db.session.scalars(
        select(PrintJob).join(Ticket, Ticket.id == PrintJob.ticket_id)
        .where(Ticket.office_id == current_office().id, Ticket.business_day == today)
        .options(selectinload(PrintJob.ticket).selectinload(Ticket.service))
        .order_by(PrintJob.id.desc()).limit(300)).all()
    failed = [j for j in rows if j.status is not PrintStatus.PRINTED]
    return render_template("printing/jobs.html", jobs=rows, failed=failed)


@bp.post("/<int:job_id>/reprint")
@role_required(*STAFF_ROLES)
def reprint_job(job_id: int):
    reprint(_job(job_id).ticket)
    return redirect(url_for("printing.jobs"), code=303)


@bp.get("/<int:job_id>/preview.png")
@role_required(*STAFF_ROLES)
def preview(job_id: int):
    job = _job(job_id)
    if not job.destination.endswith(".bin"):
        abort(404)
    folder = preview_dir().resolve()
    image = Path(job.destination).with_suffix(".png").resolve()
    if image.parent != folder or not image.exists():
        abort(404)
    return send_file(image, mimetype="image/png", max_age=0)
