"""The citizen-manual catalog: office, sections, services, their steps and required documents.

The layout follows the manual required by the Licensing Facilitation Act B.E. 2558 s.7:
conditions, steps with time limits, and the complete list of documents.
"""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, str_enum


class StepKind(enum.StrEnum):
    CHECK = "check"
    CONSIDER = "consider"
    SIGN = "sign"
    PROCESS = "process"
    PAY = "pay"


class DocumentKind(enum.StrEnum):
    IDENTITY = "identity"
    OTHER = "other"


class Office(Base):
    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    # Set by an admin in management; None falls back to the OPENING_HOURS setting.
    opening_hours: Mapped[str | None] = mapped_column(String(300))

    sections: Mapped[list[Section]] = relationship(
        back_populates="office", order_by="Section.sort_order, Section.id"
    )


class Section(Base):
    """A ฝ่าย of the office, or a service point such as the OSS counter (is_service_point)."""

    __tablename__ = "section"
    __table_args__ = (UniqueConstraint("office_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    role_th: Mapped[str] = mapped_column(Text, default="")
    role_en: Mapped[str] = mapped_column(Text, default="")
    ticket_prefix: Mapped[str | None] = mapped_column(String(2))
    is_service_point: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    office: Mapped[Office] = relationship(back_populates="sections")
    services: Mapped[list[Service]] = relationship(
        back_populates="section",
        order_by="Service.sort_order, Service.id",
        foreign_keys="Service.section_id",
    )


class Service(Base):
    """A กระบวนงาน with its citizen manual."""

    __tablename__ = "service"
    __table_args__ = (
        UniqueConstraint("office_id", "code"),
        CheckConstraint("fee_baht IS NULL OR fee_baht >= 0", name="fee_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str] = mapped_column(String(40), default="")
    conditions_th: Mapped[str] = mapped_column(Text, default="")
    conditions_en: Mapped[str] = mapped_column(Text, default="")
    legal_basis_th: Mapped[str] = mapped_column(Text, default="")
    legal_basis_en: Mapped[str] = mapped_column(Text, default="")
    # None means the fee varies (tax or ordinance-based); the note then says how it is set.
    fee_baht: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    fee_note_th: Mapped[str] = mapped_column(Text, default="")
    fee_note_en: Mapped[str] = mapped_column(Text, default="")
    walk_in: Mapped[bool] = mapped_column(Boolean, default=True)
    bma_oss: Mapped[bool] = mapped_column(Boolean, default=False)
    online_other_th: Mapped[str] = mapped_column(Text, default="")
    online_other_en: Mapped[str] = mapped_column(Text, default="")
    ticket_prefix: Mapped[str] = mapped_column(String(2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    section: Mapped[Section] = relationship(back_populates="services", foreign_keys=[section_id])
    steps: Mapped[list[ServiceStep]] = relationship(
        back_populates="service", order_by="ServiceStep.position",
        cascade="all, delete-orphan",
    )
    documents: Mapped[list[RequiredDocument]] = relationship(
        back_populates="service", order_by="RequiredDocument.position",
        cascade="all, delete-orphan",
    )

    @property
    def is_free(self) -> bool:
        return self.fee_baht is not None and self.fee_baht == 0

    @property
    def same_day(self) -> bool:
        return all(step.working_days is None for step in self.steps)

    @hybrid_property
    def total_minutes(self) -> int:
        """Handling time of the same-day steps."""
        return sum(step.minutes or 0 for step in self.steps)

    @total_minutes.inplace.expression
    @classmethod
    def _total_minutes_in_sql(cls):
        """The same sum in SQL, for a query that reads no step objects (waiting estimates)."""
        return (select(func.coalesce(func.sum(ServiceStep.minutes), 0))
                .where(ServiceStep.service_id == cls.id).scalar_subquery())

    @property
    def total_working_days(self) -> int:
        return sum(step.working_days or 0 for step in self.steps)

    @property
    def identity_documents(self) -> list[RequiredDocument]:
        return [d for d in self.documents if d.kind is DocumentKind.IDENTITY]

    @property
    def other_documents(self) -> list[RequiredDocument]:
        return [d for d in self.documents if d.kind is not DocumentKind.IDENTITY]


class ServiceStep(Base):
    """One step of a service: either minutes at the counter or working days in the back office."""

    __tablename__ = "service_step"
    __table_args__ = (
        UniqueConstraint("service_id", "position"),
        CheckConstraint(
            "(minutes IS NULL) <> (working_days IS NULL)", name="minutes_xor_days"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[StepKind] = mapped_column(str_enum(StepKind, "step_kind"))
    minutes: Mapped[int | None] = mapped_column(Integer)
    working_days: Mapped[int | None] = mapped_column(Integer)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"))

    service: Mapped[Service] = relationship(back_populates="steps")
    section: Mapped[Section] = relationship()


class RequiredDocument(Base):
    __tablename__ = "required_document"
    __table_args__ = (
        UniqueConstraint("service_id", "position"),
        CheckConstraint("originals >= 0 AND copies >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name_th: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, "document_kind"))
    originals: Mapped[int] = mapped_column(Integer, default=1)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    issuer_th: Mapped[str] = mapped_column(String(300), default="")
    issuer_en: Mapped[str] = mapped_column(String(300), default="")
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    note_th: Mapped[str] = mapped_column(Text, default="")
    note_en: Mapped[str] = mapped_column(Text, default="")

    service: Mapped[Service] = relationship(back_populates="documents")


def ensure_office(session: Session, code: str, name_th: str, name_en: str) -> Office:
    """The office row for this installation, created on first use; names follow the settings."""
    office = session.scalar(select(Office).where(Office.code == code))
    if office is None:
        office = Office(code=code)
        session.add(office)
    office.name_th = name_th
    office.name_en = name_en
    session.flush()
    return office
