"""Small helpers shared by the queue tests: run a domain operation in its own transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from models import Counter, Service, Staff, db
from models.base import begin_write, day_start, now_utc
from models.tickets import business_day, issue_ticket
from web.office import current_office


def minutes_ago_today(minutes: int) -> datetime:
    """`minutes` ago, or the start of today's business day (Bangkok midnight) if that was
    yesterday's: the queue is a day's, and a ticket issued before midnight is not called
    after it."""
    return max(now_utc() - timedelta(minutes=minutes), day_start(business_day(now_utc())))


def need_minutes_of_today(minutes: int) -> None:
    """Skip a test of what happened `minutes` ago today when today (Bangkok time) is younger
    than that: such a moment does not exist yet."""
    if now_utc() - timedelta(minutes=minutes) < day_start(business_day(now_utc())):
        pytest.skip(f"needs {minutes} minutes of today's business day behind it")


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
