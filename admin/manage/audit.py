"""The audit log: who changed what and when, newest first, filtered by action and staff."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from admin.manage.common import admin_only, whole_number
from models import AuditEntry, Staff, db
from web.office import current_office
from web.routing import page_number

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 50

# What each action means, for the filter and the list; unknown actions show their code.
ACTIONS: dict[str, tuple[str, str]] = {
    "section.create": ("เพิ่มฝ่าย", "Section added"),
    "section.update": ("แก้ไขฝ่าย", "Section edited"),
    "section.move": ("เรียงลำดับฝ่าย", "Section moved"),
    "service.create": ("เพิ่มงานบริการ", "Service added"),
    "service.update": ("แก้ไขคู่มืองานบริการ", "Service manual edited"),
    "service.activate": ("เปิดงานบริการ", "Service activated"),
    "service.deactivate": ("ปิดงานบริการ", "Service deactivated"),
    "step.create": ("เพิ่มขั้นตอน", "Step added"),
    "step.update": ("แก้ไขขั้นตอน", "Step edited"),
    "step.delete": ("ลบขั้นตอน", "Step deleted"),
    "step.move": ("เรียงลำดับขั้นตอน", "Step moved"),
    "document.create": ("เพิ่มเอกสาร", "Document added"),
    "document.update": ("แก้ไขเอกสาร", "Document edited"),
    "document.delete": ("ลบเอกสาร", "Document deleted"),
    "document.move": ("เรียงลำดับเอกสาร", "Document moved"),
    "counter.create": ("เพิ่มช่องบริการ", "Counter added"),
    "counter.update": ("แก้ไขช่องบริการ", "Counter edited"),
    "counter.activate": ("เปิดช่องบริการ", "Counter opened"),
    "counter.deactivate": ("ปิดช่องบริการ", "Counter closed"),
    "staff.create": ("เพิ่มบัญชีเจ้าหน้าที่", "Staff account added"),
    "staff.update": ("แก้ไขบัญชีเจ้าหน้าที่", "Staff account edited"),
    "staff.reset_password": ("ตั้งรหัสผ่านใหม่", "Password reset"),
    "staff.activate": ("เปิดใช้บัญชี", "Account reactivated"),
    "staff.deactivate": ("ปิดบัญชี", "Account deactivated"),
    "staff.create_token": ("ออกโทเค็น API", "API token created"),
    "staff.revoke_tokens": ("เพิกถอนโทเค็น API", "API tokens revoked"),
    "hours.update": ("แก้ไขเวลาทำการ", "Opening hours edited"),
    "catalog.import": ("นำเข้าแคตตาล็อก", "Catalog imported"),
    "counter.take_over": ("รับช่องบริการต่อจากเจ้าหน้าที่อื่น", "Counter taken over"),
    "complaint.contacts_erased": ("ลบข้อมูลติดต่อของเรื่องร้องเรียนที่ครบกำหนด",
                                  "Complaint contacts erased (retention)"),
}


def _positive(name: str) -> int | None:
    value = whole_number(request.args.get(name))
    return value if value else None


@bp.get("/")
@admin_only
def entries():
    office_id = current_office().id
    action = request.args.get("action", "")[:40]
    staff_id = _positive("staff")
    page = page_number()
    query = select(AuditEntry).where(AuditEntry.office_id == office_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if staff_id:
        query = query.where(AuditEntry.staff_id == staff_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.options(selectinload(AuditEntry.staff))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    actions = sorted(set(ACTIONS) | set(db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.office_id == office_id).distinct())))
    people = db.session.scalars(
        select(Staff).where(Staff.id.in_(select(AuditEntry.staff_id).where(
            AuditEntry.office_id == office_id))).order_by(Staff.username)).all()
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("manage/audit.html", rows=rows, total=total, page=page, pages=pages,
                           action=action, staff_id=staff_id, actions=actions, people=people,
                           labels=ACTIONS)
