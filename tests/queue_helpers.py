"""Small helpers shared by the queue tests: run a domain operation in its own transaction."""

from __future__ import annotations

from sqlalchemy import select

from models import Counter, Service, Staff, db
from models.base import begin_write
from models.tickets import issue_ticket
from web.office import current_office


def service(code: str) -> Service:
    return db.session.scalar(select(Service).where(Service.code == code))


def counter(label: str) -> Counter:
    return db.session.scalar(select(Counter).where(Counter.label == label))


def staff(username: str) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.username == username))


def issue(code: str, **options):
    begin_write(db.session)
    ticket, _ = issue_ticket(db.session, current_office(), service(code), **options)
    db.session.commit()
    return ticket
