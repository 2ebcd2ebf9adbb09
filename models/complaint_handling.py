"""Complaints handled: filing one from the kiosk, a phone call or the API, moving it along its
statuses with notes and the reply, and the staff's list with its overdue count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.base import now_utc
from models.catalog import Office, Section, Service
from models.complaints import (
    MAX_CONTACT,
    MAX_TEXT,
    STATUS_LABELS,
    TRANSITIONS,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    ComplaintUpdate,
    new_complaint_code,
    reply_deadline,
)
from models.staff import Staff
from models.tickets import QueueError

# Where a complaint was filed from (the `channel` column).
FILING_CHANNELS = ("kiosk", "phone", "api")
CODE_ATTEMPTS = 5
STAFF_PAGE_SIZE = 50


class ComplaintError(QueueError):
    """A complaint the rules refuse: 422 for invalid input, 409 for a move the status forbids."""

    def __init__(self, code: str, message_th: str, message_en: str, status: int = 422):
        super().__init__(code, message_th, message_en)
        self.status = status


def _clean(value: str | None) -> str:
    """Browsers send textarea line breaks as CRLF; NUL is refused by PostgreSQL text columns."""
    return (value or "").replace("\r\n", "\n").replace("\x00", "").strip()


def _text(value: str | None, field_th: str, field_en: str, code: str) -> str:
    text = _clean(value)
    if len(text) > MAX_TEXT:
        raise ComplaintError(f"{code}_too_long",
                             f"{field_th}ยาวเกิน {MAX_TEXT:,} ตัวอักษร กรุณาย่อให้สั้นลง",
                             f"The {field_en} is longer than {MAX_TEXT:,} characters; "
                             "please shorten it")
    return text


def parse_category(value: ComplaintCategory | str | None) -> ComplaintCategory:
    try:
        return ComplaintCategory(value)
    except ValueError:
        raise ComplaintError("category_required", "กรุณาเลือกประเภทเรื่อง",
                             "Please choose what kind of message this is") from None


def _required_fields(category: ComplaintCategory | str, text: str) -> tuple:
    """The category and the text, both checked: a form missing both says so at once (it said
    only the first, and the citizen learnt of the second on sending again)."""
    problems = []
    try:
        category = parse_category(category)
    except ComplaintError as exc:
        problems.append(exc)
    text = _text(text, "ข้อความ", "text", "text")
    if not text:
        problems.append(ComplaintError("text_required", "กรุณาเขียนรายละเอียดเรื่องที่ต้องการแจ้ง",
                                       "Please write what you would like to tell us"))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ComplaintError("form_incomplete", " และ".join(p.message_th for p in problems),
                             ". ".join(p.message_en for p in problems))
    return category, text


def file_complaint(session: Session, office: Office, category: ComplaintCategory | str,
                   text: str, service: Service | None = None, section: Section | None = None,
                   contact: str = "", channel: str = "kiosk",
                   now: datetime | None = None, idempotency_key: str | None = None) -> Complaint:
    """File a complaint or suggestion with a fresh tracking code. Flushes; the caller commits.

    Call begin_write() first. A service given without a section also files it under the
    service's section, so staff can filter by section either way. With an idempotency_key
    (the form page's) seen before in the office, the complaint filed with it.
    """
    if idempotency_key:
        earlier = _filed_with(session, office, idempotency_key)
        if earlier is not None:
            return earlier
    category, text = _required_fields(category, text)
    contact = _clean(contact)
    if len(contact) > MAX_CONTACT:
        raise ComplaintError("contact_too_long",
                             f"ช่องทางติดต่อกลับยาวเกิน {MAX_CONTACT} ตัวอักษร",
                             f"The contact details are longer than {MAX_CONTACT} characters")
    if (service is not None and service.office_id != office.id) or \
            (section is not None and section.office_id != office.id):
        raise ComplaintError("unknown_subject", "ไม่พบงานบริการหรือฝ่ายที่เลือก",
                             "The chosen service or section was not found")
    if channel not in FILING_CHANNELS:
        raise ComplaintError("bad_channel", "ช่องทางการแจ้งเรื่องไม่ถูกต้อง",
                             "Unknown filing channel")
    if service is not None and section is None:
        section = service.section
    now = now or now_utc()
    for _ in range(CODE_ATTEMPTS):
        complaint = Complaint(
            office_id=office.id, code=new_complaint_code(), category=category,
            service=service, section=section, text=text, contact=contact, channel=channel,
            status=ComplaintStatus.RECEIVED, created_at=now, due_at=reply_deadline(now),
            idempotency_key=idempotency_key or None)
        complaint.history.append(ComplaintUpdate(status=ComplaintStatus.RECEIVED,
                                                 created_at=now))
        try:
            # A savepoint, so a clash on the UNIQUE code undoes only this attempt.
            with session.begin_nested():
                session.add(complaint)
                session.flush()
        except IntegrityError:
            # The same form sent at once on another connection (PostgreSQL: SQLite has
            # one writer) filed it first; else the tracking code clashed: draw another.
            earlier = _filed_with(session, office, idempotency_key) if idempotency_key else None
            if earlier is not None:
                return earlier
            continue
        return complaint
    raise ComplaintError("code_clash", "ระบบออกรหัสติดตามไม่ได้ กรุณาลองใหม่อีกครั้ง",
                         "No tracking code could be issued; please try again", status=503)


def _filed_with(session: Session, office: Office, key: str) -> Complaint | None:
    return session.scalar(select(Complaint).where(Complaint.office_id == office.id,
                                                  Complaint.idempotency_key == key))


def move_complaint(session: Session, complaint: Complaint, staff: Staff,
                   status: ComplaintStatus | str | None, note: str = "",
                   reply: str | None = None, now: datetime | None = None) -> ComplaintUpdate:
    """Move a complaint along TRANSITIONS, or add an internal note when status is unchanged.

    The reply is what the citizen sees on the lookup page; it is written only by a move to
    ANSWERED. answered_at keeps the first answer: the 15-day promise is about the first reply,
    and a reopened complaint answered again stays on time if its first answer was.
    Flushes; the caller commits (after begin_write()).
    """
    current = complaint.status
    try:
        target = ComplaintStatus(status) if status else current
    except ValueError:
        raise ComplaintError("bad_status", "สถานะไม่ถูกต้อง", "Unknown status") from None
    note = _text(note, "บันทึกภายใน", "internal note", "note")
    reply = _text(reply, "คำตอบ", "reply", "reply")
    if target == current:
        if not note:
            raise ComplaintError("note_required",
                                 "เลือกสถานะใหม่ หรือเขียนบันทึกภายในอย่างน้อยหนึ่งอย่าง",
                                 "Choose a new status or write an internal note")
        if reply and reply != complaint.reply:
            raise _reply_needs_answer()
    elif target not in TRANSITIONS[current]:
        th_from, en_from = STATUS_LABELS[current]
        th_to, en_to = STATUS_LABELS[target]
        raise ComplaintError("bad_transition",
                             f"เปลี่ยนสถานะจาก “{th_from}” เป็น “{th_to}” ไม่ได้",
                             f"A complaint cannot move from “{en_from}” to “{en_to}”",
                             status=409)
    elif target is ComplaintStatus.ANSWERED:
        if not reply:
            raise ComplaintError("reply_required",
                                 "กรุณาเขียนคำตอบถึงผู้แจ้งก่อนเปลี่ยนเป็น “ตอบกลับแล้ว”",
                                 "Write the reply to the citizen before marking it answered")
    elif reply and reply != complaint.reply:
        raise _reply_needs_answer()
    now = now or now_utc()
    if target is ComplaintStatus.ANSWERED and target != current:
        if complaint.reply and complaint.reply != reply:
            # The citizen saw the earlier reply: keep it in the internal history.
            note = (note + "\n\n" if note else "") + \
                f"คำตอบก่อนหน้า / Previous reply:\n{complaint.reply}"
        complaint.reply = reply
        if complaint.answered_at is None:
            complaint.answered_at = now
    if target is ComplaintStatus.CLOSED and target != current:
        complaint.closed_at = now
    complaint.status = target
    update = ComplaintUpdate(status=target, staff_id=staff.id, note=note, created_at=now)
    complaint.history.append(update)
    session.flush()
    return update


def _reply_needs_answer() -> ComplaintError:
    return ComplaintError("reply_needs_answered",
                          "คำตอบถึงผู้แจ้งจะบันทึกเมื่อเปลี่ยนสถานะเป็น “ตอบกลับแล้ว” เท่านั้น",
                          "A reply to the citizen is saved only with the status “Answered”")


def overdue_clause(now: datetime):
    return and_(Complaint.answered_at.is_(None), Complaint.due_at < now)


def staff_complaints(office: Office, *, status: ComplaintStatus | None = None,
                     category: ComplaintCategory | None = None, overdue: bool = False,
                     now: datetime | None = None) -> Select:
    """The staff list: unanswered first, nearest deadline first; then the rest, newest first."""
    query = select(Complaint).where(Complaint.office_id == office.id)
    if status is not None:
        query = query.where(Complaint.status == status)
    if category is not None:
        query = query.where(Complaint.category == category)
    if overdue:
        query = query.where(overdue_clause(now or now_utc()))
    waiting = case((Complaint.answered_at.is_(None), 0), else_=1)
    return query.order_by(waiting, case((Complaint.answered_at.is_(None), Complaint.due_at)),
                          Complaint.created_at.desc(), Complaint.id.desc())


def count_overdue(session: Session, office: Office, now: datetime | None = None) -> int:
    return session.scalar(select(func.count(Complaint.id)).where(
        Complaint.office_id == office.id, overdue_clause(now or now_utc()))) or 0
