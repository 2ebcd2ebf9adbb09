"""People and places that serve visitors: counters (ช่องบริการ) and staff accounts."""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import Base, UTCDateTime, now_utc, str_enum
from models.catalog import Office, Section, Service
from models.sql import Prepared, Sql

MIN_PASSWORD_LENGTH = 8


class Role(enum.StrEnum):
    COUNTER = "counter"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


# Every role may work a counter; supervisors and admins see more elsewhere.
STAFF_ROLES = (Role.COUNTER, Role.SUPERVISOR, Role.ADMIN)


counter_service = Table(
    "counter_service",
    Base.metadata,
    Column("counter_id", ForeignKey("counter.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
)


def called_in_turn_with(service_id):
    """The services whose tickets are called in one calling order with a ticket of
    `service_id`: its own, and every service of a counter that serves it (call-next takes the
    first waiting ticket of all the counter's services, models/calling.py)."""
    mine, other = counter_service.alias("mine"), counter_service.alias("other")
    return select(service_id.label("id")).union(
        select(other.c.service_id.label("id"))
        .join(mine, mine.c.counter_id == other.c.counter_id)
        .where(mine.c.service_id == service_id))


class Counter(Base):
    __tablename__ = "counter"
    __table_args__ = (UniqueConstraint("office_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    label: Mapped[str] = mapped_column(String(16))
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # Who is signed in at this window now, and whether they paused calling.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    office: Mapped[Office] = relationship()
    section: Mapped[Section] = relationship()
    staff: Mapped[Staff | None] = relationship(foreign_keys=[staff_id])
    services: Mapped[list[Service]] = relationship(
        secondary=counter_service, order_by="Service.sort_order"
    )


class PasswordRuleError(ValueError):
    pass


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRuleError(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters"
        )
    if password.isdigit() or password.isalpha():
        raise PasswordRuleError("password must mix letters with digits or symbols")


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "staff_role"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    office: Mapped[Office] = relationship()
    section: Mapped[Section | None] = relationship()

    def set_password(self, password: str) -> None:
        check_password_rules(password)
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


class StaffError(ValueError):
    pass


def create_staff(
    session: Session,
    office: Office,
    username: str,
    role: Role,
    password: str,
    display_name: str = "",
    section: Section | None = None,
) -> Staff:
    """A new staff account. Flushes; the caller commits."""
    if not USERNAME_RE.match(username):
        raise StaffError(
            "username must be 3-64 characters: lower-case letters, digits, '.', '_' or '-'"
        )
    if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise StaffError(f"username {username!r} is taken")
    if len(display_name.strip()) > 200:
        raise StaffError("the display name is longer than 200 characters")
    if role is Role.SUPERVISOR and section is None:
        raise StaffError("a supervisor needs a section (--section CODE)")
    staff = Staff(office_id=office.id, username=username, role=role,
                  display_name=display_name.strip() or username, section=section)
    try:
        staff.set_password(password)
    except PasswordRuleError as exc:
        raise StaffError(str(exc)) from exc
    session.add(staff)
    session.flush()
    return staff


# The demo office's windows: registration is the busiest section and gets three.
DEMO_COUNTER_PLAN = [("1", "REG"), ("2", "REG"), ("3", "REG"), ("4", "REV"), ("5", "PW"),
                     ("6", "ENV"), ("7", "CD"), ("8", "ADMIN")]


def ensure_demo_counters(session: Session, office: Office) -> list[Counter]:
    """The demo counters, serving every active service of their section; re-running adds none."""
    existing = {c.label: c for c in session.scalars(
        select(Counter).where(Counter.office_id == office.id))}
    sections = {s.code: s for s in session.scalars(
        select(Section).where(Section.office_id == office.id))}
    counters = []
    for order, (label, section_code) in enumerate(DEMO_COUNTER_PLAN):
        section = sections.get(section_code)
        if section is None:
            continue
        counter = existing.get(label)
        if counter is None:
            counter = Counter(office_id=office.id, label=label, section=section,
                              sort_order=order,
                              services=[s for s in section.services if s.active])
            session.add(counter)
        counters.append(counter)
    session.flush()
    return counters


class ApiToken(Base):
    """A bearer token for the JSON API. Only its SHA-256 is stored; revoking is immediate."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[Staff] = relationship()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, staff: Staff) -> str:
    """A new token for staff; returns the token itself, which is not stored anywhere."""
    token = "khiu_" + secrets.token_urlsafe(32)
    session.add(ApiToken(staff_id=staff.id, token_hash=hash_token(token)))
    session.flush()
    return token


# Every API call with a bearer token starts here: one Core query, no ORM object.
STAFF_BY_TOKEN = Prepared(
    select(Staff.__table__.c.id, Staff.__table__.c.office_id, Staff.__table__.c.username,
           Staff.__table__.c.display_name, Staff.__table__.c.role,
           Staff.__table__.c.section_id)
    .join(ApiToken.__table__, ApiToken.__table__.c.staff_id == Staff.__table__.c.id)
    .where(ApiToken.__table__.c.token_hash == bindparam("token_hash"),
           ApiToken.__table__.c.revoked_at.is_(None), Staff.__table__.c.active.is_(True)))


def staff_for_token(session: Session | Sql, token: str):
    """The active staff member of an unrevoked token (a row: id, office_id, username,
    display_name, role, section_id), or None."""
    if not token or len(token) > 200:
        return None
    return Sql.of(session).first(STAFF_BY_TOKEN, {"token_hash": hash_token(token)})


def revoke_api_tokens(session: Session, staff: Staff) -> int:
    tokens = session.scalars(select(ApiToken).where(ApiToken.staff_id == staff.id,
                                                    ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = now_utc()
    return len(tokens)


# The active counters that call a service's tickets, in the board's order (a paused one too:
# it calls them again when it resumes).
CALLING_COUNTERS = (select(Counter.label)
                    .join(counter_service, counter_service.c.counter_id == Counter.id)
                    .where(counter_service.c.service_id == bindparam("service_id"),
                           Counter.active.is_(True))
                    .order_by(Counter.sort_order))


def calling_counters(session: Session, service_id: int) -> list[str]:
    """The labels of the counters that will call a waiting ticket of the service."""
    return list(session.scalars(CALLING_COUNTERS, {"service_id": service_id}))
