"""A complaint's contact details are kept while a reply may need them, then erased (PDPA).

The citizen gives a phone number or an e-mail only to be answered. Once the complaint has been
closed for COMPLAINT_CONTACT_DAYS the contact is erased: the complaint, its text, its history
and its figures stay (the transparency page and the reports count them), and the record says
when the contact went. The staff complaint pages erase what is due before they read, so an
office needs no scheduled job; `flask --app app erase-complaint-contacts` does the same from
cron.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from models.audit import audit
from models.complaints import Complaint, ComplaintStatus


def _due(office_id: int, now: datetime, days: int):
    cutoff = now - timedelta(days=days)
    return (Complaint.office_id == office_id, Complaint.status == ComplaintStatus.CLOSED,
            Complaint.closed_at < cutoff, Complaint.contact != "")


def contacts_due(session: Session, office_id: int, now: datetime, days: int) -> bool:
    """Whether any contact's time is up: a read (almost always nothing is due)."""
    return bool(session.scalar(select(exists().where(*_due(office_id, now, days)))))


def erase_due_contacts(session: Session, office_id: int, now: datetime, days: int) -> int:
    """Erase the contacts whose time is up (in the caller's write transaction): how many."""
    erased = session.execute(
        update(Complaint).where(*_due(office_id, now, days))
        .values(contact="", contact_erased_at=now)
        .execution_options(synchronize_session="fetch")).rowcount
    if erased:
        audit(session, office_id, None, "complaint.contacts_erased", count=erased, days=days)
    return erased
