"""Daily roll-up of closed business days, so a fiscal-year report reads ~260 rows a day's keys
instead of re-timing 100,000 calls.

The rows are exactly the two passes of sql.py grouped by day, staff, section and service, with
every visit-counting flag: report_call_day holds leg_sums' sums, report_rating_day credit_sums'
counts per score. The report queries read the rolled days from here and run live over the days
after them; both give rows with the same labels, which queries.roll_up adds up alike.

A day is closed, and rolled up, once nothing can change it any more: calls happen on the
ticket's own business day, and a rating comes at most RATING_WINDOW_HOURS after the visit, so
days up to two days before (now − window) are final. The judged/within-standard counts depend
on the manual's standards; the roll-up remembers a fingerprint of them and is dropped and
rebuilt when a standard changes.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, delete, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, begin_write
from models.catalog import Office, ServiceStep
from models.queue import Ticket
from models.reports.periods import DateRange, Every
from models.reports.sql import BUCKETS, credit_sums, leg_sums
from models.tickets import business_day
from models.writer import DatabaseBusy

KEYS = ("bucket", "staff_id", "section_id", "service_id")
KINDS = ("staff", "section", "service", "visit")
STEP_DAYS = 14  # days rolled up per catch_up, i.e. per report request
CALL_SUMS = ("no_shows", "wait_n", "wait_sum", "service_n", "service_sum", "judged_n",
             "standard_sum", "within_n")


class _DayKey:
    """What a rolled-up row is of: one office's closed day, per staff member, section and
    service."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    business_day: Mapped[date] = mapped_column(Date)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    section_id: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[int] = mapped_column(Integer)


class ReportCallDay(_DayKey, Base):
    """leg_sums of one closed day, per staff member, section and service."""

    __tablename__ = "report_call_day"
    __table_args__ = (Index("ix_report_call_day_office_day", "office_id", "business_day"),)

    v_staff: Mapped[int] = mapped_column(Integer)
    v_section: Mapped[int] = mapped_column(Integer)
    v_service: Mapped[int] = mapped_column(Integer)
    v_visit: Mapped[int] = mapped_column(Integer)
    no_shows: Mapped[int] = mapped_column(Integer)
    wait_n: Mapped[int] = mapped_column(Integer)
    wait_sum: Mapped[float | None] = mapped_column(Float)
    service_n: Mapped[int] = mapped_column(Integer)
    service_sum: Mapped[float | None] = mapped_column(Float)
    judged_n: Mapped[int] = mapped_column(Integer)
    standard_sum: Mapped[float | None] = mapped_column(Float)
    within_n: Mapped[int] = mapped_column(Integer)


class ReportRatingDay(_DayKey, Base):
    """credit_sums of one closed day, per staff member, section, service and score."""

    __tablename__ = "report_rating_day"
    __table_args__ = (Index("ix_report_rating_day_office_day", "office_id", "business_day"),)

    score: Mapped[int] = mapped_column(Integer)
    n_staff: Mapped[int] = mapped_column(Integer)
    n_section: Mapped[int] = mapped_column(Integer)
    n_service: Mapped[int] = mapped_column(Integer)
    n_visit: Mapped[int] = mapped_column(Integer)
    x_staff: Mapped[int] = mapped_column(Integer)
    x_section: Mapped[int] = mapped_column(Integer)
    x_service: Mapped[int] = mapped_column(Integer)
    x_visit: Mapped[int] = mapped_column(Integer)


class ReportRollup(Base):
    """How far an office's days are rolled up, and with which standards."""

    __tablename__ = "report_rollup"

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    through: Mapped[date | None] = mapped_column(Date)
    standards: Mapped[str] = mapped_column(String(64))


def closed_through(now: datetime, window_hours: int) -> date:
    """The last business day no call or rating can still change."""
    return business_day(now - timedelta(hours=window_hours)) - timedelta(days=2)


def standards_fingerprint(session: Session) -> str:
    rows = session.execute(select(ServiceStep.service_id, ServiceStep.id, ServiceStep.minutes)
                           .order_by(ServiceStep.service_id, ServiceStep.id)).all()
    return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()


def rolled_through(session: Session, office_id: int) -> date | None:
    """The last day the report queries may read from the roll-up (None: read nothing)."""
    state = session.get(ReportRollup, office_id)
    if state is None or state.through is None or \
            state.standards != standards_fingerprint(session):
        return None
    return state.through


def behind(session: Session, office_id: int, now: datetime, window_hours: int) -> bool:
    """Whether catch_up has closed days (or new standards) to roll up."""
    state = session.get(ReportRollup, office_id)
    return state is None or state.standards != standards_fingerprint(session) or \
        state.through is None or state.through < closed_through(now, window_hours)


def start_catch_up(session: Session, office_id: int, now: datetime, window_hours: int) -> bool:
    """Roll up newly closed days if there are any; True when the caller must commit.

    Once a day a report page pays for it (one day: a few milliseconds). The first time, or after
    a standard changed, each report request rolls up STEP_DAYS more (about 4,000 visits of a
    big office: ~150 ms on SQLite) and reads the days not rolled up yet live.
    """
    if not behind(session, office_id, now, window_hours):
        return False
    try:
        begin_write(session)
    except DatabaseBusy:
        return False  # the report reads those days live this time; the next one rolls up
    catch_up(session, office_id, now, window_hours)
    return True


def catch_up(session: Session, office_id: int, now: datetime, window_hours: int) -> int:
    """Roll up the next STEP_DAYS closed days not rolled up yet; returns how many were added.

    Call inside begin_write: the office row is locked so two workers do not add a day twice.
    """
    session.scalar(select(Office.id).where(Office.id == office_id).with_for_update())
    last = closed_through(now, window_hours)
    fingerprint = standards_fingerprint(session)
    state = session.get(ReportRollup, office_id)
    if state is None:
        state = ReportRollup(office_id=office_id, through=None, standards=fingerprint)
        session.add(state)
    if state.standards != fingerprint:
        for table in (ReportCallDay, ReportRatingDay):
            session.execute(delete(table).where(table.office_id == office_id))
        state.through, state.standards = None, fingerprint
    start = state.through + timedelta(days=1) if state.through is not None else \
        session.scalar(select(func.min(Ticket.business_day))
                       .where(Ticket.office_id == office_id))
    if start is None or start > last:
        if state.through is None:
            # Nothing up to last, and never will be: a new ticket gets today's business day.
            state.through = last
        session.flush()
        return 0
    # A step at a time: on SQLite the write lock is held meanwhile, and a kiosk issuing a
    # ticket must not wait seconds after a standard change dropped years of rows.
    period = DateRange(start, min(last, start + timedelta(days=STEP_DAYS - 1)))
    calls = [{"office_id": office_id, "business_day": row.bucket, "staff_id": row.staff_id,
              "section_id": row.section_id, "service_id": row.service_id,
              **{f"v_{kind}": getattr(row, f"v_{kind}") or 0 for kind in KINDS},
              **{name: _number(getattr(row, name)) for name in CALL_SUMS}}
             for row in session.execute(leg_sums(office_id, period, KEYS, KINDS, [], Every.DAY))]
    credits = [{"office_id": office_id, "business_day": row.bucket, "staff_id": row.staff_id,
                "section_id": row.section_id, "service_id": row.service_id, "score": row.score,
                **{f"{flag}_{kind}": getattr(row, f"{flag}_{kind}") or 0
                   for flag in "nx" for kind in KINDS}}
               for row in session.execute(credit_sums(office_id, period, KEYS, KINDS, [],
                                                      Every.DAY))]
    for table, rows in ((ReportCallDay, calls), (ReportRatingDay, credits)):
        if rows:
            session.execute(insert(table), rows)
    state.through = period.end
    session.flush()
    return period.days


def _number(value):
    # PostgreSQL sums NUMERIC (Decimal); the roll-up keeps floats, as roll_up() adds them.
    return float(value) if value is not None and not isinstance(value, int) else value


def _bucket(table, every: Every):
    return BUCKETS[every](table.business_day).label("bucket")


def _keys(table, keys: tuple[str, ...], every: Every) -> list:
    return [_bucket(table, every) if key == "bucket" else getattr(table, key) for key in keys]


def rolled_leg_sums(office_id: int, period: DateRange, keys: tuple[str, ...],
                    kinds: tuple[str, ...], conditions: list, every: Every):
    """leg_sums' rows for rolled-up days (conditions filter ReportCallDay columns)."""
    table, group = ReportCallDay, _keys(ReportCallDay, keys, every)
    return (select(*group, *[func.sum(getattr(table, f"v_{kind}")).label(f"v_{kind}")
                             for kind in kinds],
                   *[func.sum(getattr(table, name)).label(name) for name in CALL_SUMS])
            .where(table.office_id == office_id,
                   table.business_day.between(period.start, period.end), *conditions)
            .group_by(*group))


def rolled_credit_sums(office_id: int, period: DateRange, keys: tuple[str, ...],
                       kinds: tuple[str, ...], conditions: list, every: Every):
    """credit_sums' rows for rolled-up days (conditions filter ReportRatingDay columns)."""
    table, group = ReportRatingDay, _keys(ReportRatingDay, keys, every)
    counts = [func.sum(getattr(table, f"{flag}_{kind}")).label(f"{flag}_{kind}")
              for kind in kinds for flag in "nx"]
    return (select(*group, table.score, *counts)
            .where(table.office_id == office_id,
                   table.business_day.between(period.start, period.end), *conditions)
            .group_by(*group, table.score))
