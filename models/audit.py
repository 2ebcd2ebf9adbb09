"""Who changed what and when, for every management action (kept, never edited)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, UTCDateTime, now_utc
from models.staff import Staff


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_office_created", "office_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # e.g. "service.update", "staff.deactivate", "catalog.import"
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    staff: Mapped[Staff | None] = relationship()


def audit(session: Session, office_id: int, staff: Staff | None, action: str, target: str = "",
          **detail) -> AuditEntry:
    entry = AuditEntry(office_id=office_id, staff_id=staff.id if staff else None,
                       action=action, target=target, detail=detail)
    session.add(entry)
    return entry
