"""Throttling guesses: failed attempts are rows, so every worker process sees the same count.

Two kinds of attempt are counted, each on its own (a kind column keeps them apart):

- Sign-in: 5 failures for one username, or 20 from one address, within 15 minutes lock further
  sign-ins (for that username, or from that address) for 15 minutes after the failure that
  reached the limit, even with the right password. A successful sign-in clears that
  username's failures (not the address's: one good account must not reset a guessing
  machine's count).
- Rating by typed ticket number: numbers are sequential and shown on the board, so a phone
  could walk A001…A999. 10 failed lookups from one address within 15 minutes lock typing from
  it for 15 minutes; scanning the QR (an unguessable token) is never throttled.

Refused attempts are not recorded, so the table holds at most a limit's worth of rows per key,
and someone who keeps trying cannot keep the real owner locked out beyond 15 minutes of their
last counted failure.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, now_utc, str_enum

WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
MAX_PER_USERNAME = 5
MAX_PER_ADDRESS = 20
MAX_NUMBER_LOOKUPS = 10
ADDRESS_LENGTH = 45


def _address(remote_addr: str) -> str:
    return remote_addr[:ADDRESS_LENGTH]


class AttemptKind(enum.StrEnum):
    SIGN_IN = "sign_in"
    RATING_NUMBER = "rating_number"


class FailedAttempt(Base):
    __tablename__ = "sign_in_failure"  # its name from before it counted rating lookups too
    __table_args__ = (
        Index("ix_sign_in_failure_username", "office_id", "username", "created_at"),
        Index("ix_sign_in_failure_address", "remote_addr", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AttemptKind] = mapped_column(str_enum(AttemptKind, "attempt_kind"),
                                              default=AttemptKind.SIGN_IN,
                                              server_default=AttemptKind.SIGN_IN.value)
    # Usernames are unique per office, so the count is too (several offices on one database).
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    # Sign-in: lowercased as typed, whether or not such a staff member exists; else empty.
    username: Mapped[str] = mapped_column(String(64))
    # IPv6 text form is at most 45 characters (longer values, a zone suffix or whatever a
    # proxy sends, are cut to that: see _address).
    remote_addr: Mapped[str] = mapped_column(String(ADDRESS_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


@dataclass(frozen=True)
class Lockout:
    until: datetime

    def minutes_left(self, now: datetime) -> int:
        return max(1, -(-int((self.until - now).total_seconds()) // 60))


def locked_until(session: Session, kind: AttemptKind, limit: int, now: datetime, *,
                 office_id: int | None = None, username: str | None = None,
                 remote_addr: str | None = None) -> datetime | None:
    """The end of the lockout that the failures of `kind` matching the given keys impose, or
    None: locked when the last `limit` of them fit in one window, until LOCKOUT after the
    newest."""
    query = select(FailedAttempt.created_at).where(
        FailedAttempt.kind == kind, FailedAttempt.created_at > now - WINDOW - LOCKOUT)
    for column, value in ((FailedAttempt.office_id, office_id),
                          (FailedAttempt.username, username),
                          (FailedAttempt.remote_addr, remote_addr)):
        if value is not None:
            query = query.where(column == value)
    times = session.scalars(query.order_by(FailedAttempt.created_at.desc()).limit(limit)).all()
    if len(times) < limit or times[0] - times[limit - 1] > WINDOW:
        return None
    until = times[0] + LOCKOUT
    return until if until > now else None


def lockout(session: Session, office_id: int, username: str, remote_addr: str,
            now: datetime | None = None) -> Lockout | None:
    """The lockout this sign-in falls under, if any (checked before the password is)."""
    now = now or now_utc()
    ends = [end for end in (
        locked_until(session, AttemptKind.SIGN_IN, MAX_PER_USERNAME, now, office_id=office_id,
                     username=username),
        locked_until(session, AttemptKind.SIGN_IN, MAX_PER_ADDRESS, now,
                     remote_addr=_address(remote_addr))) if end is not None]
    return Lockout(max(ends)) if ends else None


def number_lookup_lockout(session: Session, office_id: int, remote_addr: str,
                          now: datetime | None = None) -> Lockout | None:
    """The lockout typing a ticket number from this address falls under, if any."""
    until = locked_until(session, AttemptKind.RATING_NUMBER, MAX_NUMBER_LOOKUPS,
                         now or now_utc(), office_id=office_id,
                         remote_addr=_address(remote_addr))
    return Lockout(until) if until is not None else None


def record_failure(session: Session, office_id: int, username: str, remote_addr: str,
                   now: datetime | None = None,
                   kind: AttemptKind = AttemptKind.SIGN_IN) -> None:
    """Count a failed attempt. Call inside a write transaction; the caller commits."""
    now = now or now_utc()
    # Rows older than any rule looks at are dropped on the way, so the table stays small.
    session.execute(delete(FailedAttempt)
                    .where(FailedAttempt.created_at <= now - WINDOW - LOCKOUT))
    session.add(FailedAttempt(kind=kind, office_id=office_id, username=username,
                              remote_addr=_address(remote_addr), created_at=now))
    session.flush()


def record_number_lookup_failure(session: Session, office_id: int, remote_addr: str,
                                 now: datetime | None = None) -> None:
    record_failure(session, office_id, "", remote_addr, now, AttemptKind.RATING_NUMBER)


def clear_failures(session: Session, office_id: int, username: str) -> None:
    """A successful sign-in forgets that username's failed sign-ins."""
    session.execute(delete(FailedAttempt).where(FailedAttempt.kind == AttemptKind.SIGN_IN,
                                                FailedAttempt.office_id == office_id,
                                                FailedAttempt.username == username))
