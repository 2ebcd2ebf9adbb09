"""Admin changes to the office's people, windows and hours: staff accounts, counters, opening hours.

Functions flush, never commit, raise AdminError (Thai and English, naming the form field) for
anything a form should refuse, and return the changed fields as {field: [old, new]} for the
audit log. Passwords never appear in what they return.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.calling import current_ticket
from models.catalog import Office, Section, Service
from models.catalog_edit import Changes, assign
from models.hours import parse_hours
from models.staff import (
    MIN_PASSWORD_LENGTH,
    Counter,
    PasswordRuleError,
    Role,
    Staff,
    StaffError,
    create_staff,
    revoke_api_tokens,
)

LABEL_MAX = 16


class AdminError(ValueError):
    def __init__(self, field: str, message_th: str, message_en: str):
        super().__init__(message_en)
        self.field = field
        self.message_th = message_th
        self.message_en = message_en


# The rules of models.staff speak English (they serve the CLI too); the same rules in Thai.
_STAFF_RULES = [
    ("password must be at least", "password",
     f"รหัสผ่านต้องยาวอย่างน้อย {MIN_PASSWORD_LENGTH} ตัวอักษร",
     f"The password needs at least {MIN_PASSWORD_LENGTH} characters"),
    ("password must mix", "password", "รหัสผ่านต้องมีทั้งตัวอักษรและตัวเลขหรือสัญลักษณ์",
     "The password must mix letters with digits or symbols"),
    ("username must be", "username",
     "ชื่อผู้ใช้ยาว 3-64 ตัว ใช้ได้เฉพาะตัวอักษรอังกฤษพิมพ์เล็ก ตัวเลข '.', '_' หรือ '-'",
     "The username needs 3-64 characters: lower-case letters, digits, '.', '_' or '-'"),
    ("is taken", "username", "ชื่อผู้ใช้นี้มีผู้ใช้แล้ว", "This username is taken"),
    ("display name is longer", "display_name", "ชื่อที่แสดงยาวเกิน 200 ตัวอักษร",
     "The display name is longer than 200 characters"),
    ("supervisor needs a section", "section", "หัวหน้างานต้องสังกัดฝ่าย",
     "A supervisor needs a section"),
]


def _translated(error: ValueError) -> AdminError:
    text = str(error)
    for fragment, field, thai, english in _STAFF_RULES:
        if fragment in text:
            return AdminError(field, thai, english)
    # A rule with no Thai text here yet: say so in Thai rather than show English in its place.
    return AdminError("", "ข้อมูลบัญชีไม่ผ่านเงื่อนไขของระบบ กรุณาตรวจสอบแล้วลองอีกครั้ง "
                      "(ดูรายละเอียดในหน้าภาษาอังกฤษ)", f"The account was refused: {text}")


def add_staff(session: Session, office: Office, username: str, role: Role, password: str,
              display_name: str, section: Section | None) -> Staff:
    try:
        return create_staff(session, office, username, role, password, display_name, section)
    except StaffError as exc:
        raise _translated(exc) from exc


def _active_admins(session: Session, office_id: int) -> int:
    return session.scalar(select(func.count(Staff.id)).where(
        Staff.office_id == office_id, Staff.role == Role.ADMIN, Staff.active.is_(True))) or 0


def _keep_an_admin(session: Session, staff: Staff) -> None:
    if staff.role is Role.ADMIN and staff.active and _active_admins(session, staff.office_id) <= 1:
        raise AdminError("role", "ต้องมีผู้ดูแลระบบที่ใช้งานได้อย่างน้อยหนึ่งคน",
                         "The office needs at least one active administrator")


def update_staff(session: Session, actor: Staff, staff: Staff, display_name: str, role: Role,
                 section: Section | None) -> Changes:
    display_name = display_name.strip() or staff.username
    if len(display_name) > 200:
        raise _translated(StaffError("the display name is longer than 200 characters"))
    if role is Role.SUPERVISOR and section is None:
        raise _translated(StaffError("a supervisor needs a section"))
    if role is not staff.role:
        if staff.id == actor.id:
            raise AdminError("role", "เปลี่ยนบทบาทของตัวเองไม่ได้ ให้ผู้ดูแลระบบคนอื่นเปลี่ยนให้",
                             "You cannot change your own role; ask another administrator")
        if role is not Role.ADMIN:
            _keep_an_admin(session, staff)
    changes = assign(staff, {"display_name": display_name, "role": role})
    if staff.section_id != (section.id if section else None):
        changes["section"] = [staff.section.code if staff.section else None,
                              section.code if section else None]
        staff.section = section
    session.flush()
    return changes


def set_staff_active(session: Session, actor: Staff, staff: Staff, active: bool) -> Changes:
    """Deactivation locks the account out at once: its sessions on their next request (the
    sign-in check reads `active`), its API tokens revoked so reactivation does not revive them."""
    if not active:
        if staff.id == actor.id:
            raise AdminError("active", "ปิดบัญชีของตัวเองไม่ได้",
                             "You cannot deactivate your own account")
        _keep_an_admin(session, staff)
    changes = assign(staff, {"active": active})
    if changes and not active:
        changes["api_tokens_revoked"] = [None, revoke_api_tokens(session, staff)]
    session.flush()
    return changes


def temporary_password() -> str:
    # The "khiu-" part guarantees the mix of letters and symbols the rules ask for.
    return "khiu-" + secrets.token_urlsafe(9)


def reset_password(session: Session, staff: Staff, password: str | None, *,
                   revoke_tokens: bool) -> tuple[str, int | None]:
    """Sets password (or a new temporary one); returns it and how many API tokens were revoked
    (None when they were kept). The stored hash changes, which ends every signed-in session of
    the account (admin.auth compares it); API tokens are separate and live on unless revoked."""
    password = password or temporary_password()
    try:
        staff.set_password(password)
    except PasswordRuleError as exc:
        raise _translated(exc) from exc
    revoked = revoke_api_tokens(session, staff) if revoke_tokens else None
    session.flush()
    return password, revoked


def save_counter(session: Session, office: Office, counter: Counter | None, label: str,
                 section: Section, services: list[Service]) -> tuple[Counter, Changes]:
    label = label.strip()
    if not 1 <= len(label) <= LABEL_MAX:
        raise AdminError("label", f"ชื่อช่องบริการต้องมี 1-{LABEL_MAX} ตัวอักษร",
                         f"The counter label needs 1-{LABEL_MAX} characters")
    taken = session.scalar(select(Counter.id).where(Counter.office_id == office.id,
                                                    Counter.label == label))
    if taken is not None and (counter is None or taken != counter.id):
        raise AdminError("label", f"มีช่องบริการ {label} อยู่แล้ว",
                         f"Counter {label} exists already")
    changes: Changes = {}
    if counter is None:
        last = session.scalar(select(func.max(Counter.sort_order))
                              .where(Counter.office_id == office.id))
        counter = Counter(office_id=office.id, label=label, section=section,
                          sort_order=(last if last is not None else -1) + 1)
        session.add(counter)
        changes["label"] = [None, label]
        changes["section"] = [None, section.code]
    else:
        changes.update(assign(counter, {"label": label}))
        if counter.section_id != section.id:
            changes["section"] = [counter.section.code, section.code]
            counter.section = section
    old = sorted(s.code for s in counter.services)
    new = sorted(s.code for s in services)
    if old != new:
        changes["services"] = [old, new]
        counter.services = list(services)
    session.flush()
    return counter, changes


def set_counter_active(session: Session, counter: Counter, active: bool) -> Changes:
    """Closing refuses while a ticket is called or served there: the console of a closed
    window is gone, so nobody could finish, transfer or no-show that ticket."""
    if not active and counter.active:
        ticket = current_ticket(session, counter)
        if ticket is not None:
            raise AdminError("active",
                             f"ปิดช่องบริการ {counter.label} ไม่ได้ ยังมีคิว {ticket.number} "
                             "ที่เรียกหรือกำลังให้บริการอยู่ ให้จบงาน ส่งต่อ หรือบันทึกว่าไม่มา"
                             "ก่อน",
                             f"Counter {counter.label} cannot be closed: ticket {ticket.number} "
                             "is called or being served there; finish, transfer or mark it "
                             "as a no-show first")
    changes = assign(counter, {"active": active})
    if changes and not active:
        # Nobody works at a closed window; the console refuses it from now on.
        counter.staff_id = None
    return changes


def set_opening_hours(office: Office, spec: str) -> Changes:
    """Blank clears the office's own hours (the OPENING_HOURS setting applies again)."""
    spec = " ".join(spec.split())
    if spec:
        try:
            parse_hours(spec)
        except ValueError as exc:
            raise AdminError("opening_hours",
                             "อ่านเวลาทำการไม่ได้ ให้เขียนเช่น 'mon-fri 08:00-16:00; sat "
                             "09:00-12:00' หรือ 'always'", str(exc)) from exc
        if len(spec) > 300:
            raise AdminError("opening_hours", "เวลาทำการยาวเกิน 300 ตัวอักษร",
                             "The opening hours are longer than 300 characters")
    return assign(office, {"opening_hours": spec or None})
