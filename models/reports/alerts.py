"""The supervisor's alert panel: open alerts of a section (or the office) and acknowledging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models.alerts import Alert, AlertKind
from models.base import now_utc
from models.catalog import Section
from models.staff import Counter, Staff

# Acknowledged alerts stay listed (greyed) this long, so a colleague sees who took it.
RECENT = timedelta(hours=12)
LIMIT = 50

KIND_LABELS = {
    AlertKind.UNHAPPY_STAFF: ("ผู้รับบริการไม่พอใจเจ้าหน้าที่ติดต่อกันหลายราย",
                              "A run of unhappy ratings for a staff member"),
    AlertKind.UNHAPPY_COUNTER: ("ผู้รับบริการไม่พอใจช่องบริการติดต่อกันหลายราย",
                                "A run of unhappy ratings at a counter"),
    AlertKind.EXTRA_PAYMENT: ("มีผู้ตอบว่าถูกเรียกรับเงินหรือสิ่งอื่นนอกเหนือค่าธรรมเนียม",
                              "A citizen answered they were asked for more than the fee"),
}


@dataclass
class AlertRow:
    id: int
    kind: AlertKind
    created_at: datetime
    staff: str
    counter: str
    section_th: str
    section_en: str
    unhappy: int | None
    ratings: int | None
    acknowledged_at: datetime | None
    acknowledged_by: str
    minutes: int = 15  # the rule's window when the alert was raised

    @property
    def label(self) -> tuple[str, str]:
        return KIND_LABELS[self.kind]


def _in_scope(statement, office_id: int, section_id: int | None):
    statement = statement.where(Alert.office_id == office_id)
    if section_id is not None:
        statement = statement.where(Alert.section_id == section_id)
    return statement


def alert_rows(session: Session, office_id: int, section_id: int | None,
               now: datetime | None = None) -> list[AlertRow]:
    """Open alerts first (newest first), then the ones acknowledged in the last RECENT."""
    now = now or now_utc()
    acknowledger = Staff.__table__.alias("acknowledger")
    statement = _in_scope(
        select(Alert, Staff.display_name, Counter.label, Section.name_th, Section.name_en,
               acknowledger.c.display_name)
        .outerjoin(Staff, Staff.id == Alert.staff_id)
        .outerjoin(Counter, Counter.id == Alert.counter_id)
        .outerjoin(Section, Section.id == Alert.section_id)
        .outerjoin(acknowledger, acknowledger.c.id == Alert.acknowledged_by_id)
        .where(or_(Alert.acknowledged_at.is_(None), Alert.acknowledged_at > now - RECENT))
        .order_by(Alert.acknowledged_at.is_not(None), Alert.created_at.desc(), Alert.id.desc())
        .limit(LIMIT), office_id, section_id)
    rows = []
    for alert, staff, counter, section_th, section_en, by in session.execute(statement):
        data = alert.data or {}
        rows.append(AlertRow(alert.id, alert.kind, alert.created_at, staff or "", counter or "",
                             section_th or "", section_en or section_th or "",
                             data.get("unhappy"), data.get("ratings"), alert.acknowledged_at,
                             by or "", data.get("minutes", 15)))
    return rows


def open_alert_count(session: Session, office_id: int, section_id: int | None) -> int:
    """Every open alert in scope, also those past the panel's LIMIT."""
    return session.scalar(_in_scope(select(func.count(Alert.id))
                                    .where(Alert.acknowledged_at.is_(None)),
                                    office_id, section_id)) or 0


def alert_in_scope(session: Session, alert_id: int, office_id: int,
                   section_id: int | None) -> Alert | None:
    return session.scalar(_in_scope(select(Alert).where(Alert.id == alert_id), office_id,
                                     section_id))


def acknowledge(alert: Alert, staff: Staff, now: datetime | None = None) -> bool:
    """Mark the alert seen; False if someone already did (the first acknowledgement stays)."""
    if alert.acknowledged_at is not None:
        return False
    alert.acknowledged_at = now or now_utc()
    alert.acknowledged_by_id = staff.id
    return True
