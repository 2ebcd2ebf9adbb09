"""Sign-in throttling: failed sign-ins are rows, so every worker process sees the same count.

Rule: 5 failures for one username, or 20 from one address, within 15 minutes lock further
sign-ins (for that username, or from that address) for 15 minutes after the failure that
reached the limit — even with the right password. Refused attempts are not recorded, so the
table holds at most a limit's worth of rows per username and address, and an attacker who keeps
trying cannot keep the real owner locked out beyond 15 minutes of their last counted failure.
A successful sign-in clears that username's failures (not the address's: one good account must
not reset a guessing machine's count).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, now_utc

WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
MAX_PER_USERNAME = 5
MAX_PER_ADDRESS = 20


class SignInFailure(Base):
    __tablename__ = "sign_in_failure"
    __table_args__ = (
        Index("ix_sign_in_failure_username", "office_id", "username", "created_at"),
        Index("ix_sign_in_failure_address", "remote_addr", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Usernames are unique per office, so the count is too (several offices on one database).
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    # Lowercased as typed, whether or not such a staff member exists.
    username: Mapped[str] = mapped_column(String(64))
    # IPv6 text form is at most 45 characters.
    remote_addr: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


@dataclass(frozen=True)
class Lockout:
    until: datetime

    def minutes_left(self, now: datetime) -> int:
        return max(1, -(-int((self.until - now).total_seconds()) // 60))


def _locked_until(times: list[datetime], limit: int) -> datetime | None:
    """`times` newest first: locked when the last `limit` failures fit in one window."""
    if len(times) < limit:
        return None
    newest, oldest = times[0], times[limit - 1]
    if newest - oldest > WINDOW:
        return None
    return newest + LOCKOUT


def lockout(session: Session, office_id: int, username: str, remote_addr: str,
            now: datetime | None = None) -> Lockout | None:
    """The lockout this attempt falls under, if any (checked before the password is)."""
    now = now or now_utc()
    since = now - WINDOW - LOCKOUT
    by_name = session.scalars(
        select(SignInFailure.created_at)
        .where(SignInFailure.office_id == office_id, SignInFailure.username == username,
               SignInFailure.created_at > since)
        .order_by(SignInFailure.created_at.desc()).limit(MAX_PER_USERNAME)).all()
    by_address = session.scalars(
        select(SignInFailure.created_at)
        .where(SignInFailure.remote_addr == remote_addr, SignInFailure.created_at > since)
        .order_by(SignInFailure.created_at.desc()).limit(MAX_PER_ADDRESS)).all()
    ends = [end for end in (_locked_until(list(by_name), MAX_PER_USERNAME),
                            _locked_until(list(by_address), MAX_PER_ADDRESS))
            if end is not None and end > now]
    return Lockout(max(ends)) if ends else None


def record_failure(session: Session, office_id: int, username: str, remote_addr: str,
                   now: datetime | None = None) -> None:
    now = now or now_utc()
    # Rows older than any rule looks at are dropped on the way, so the table stays small.
    session.execute(delete(SignInFailure)
                    .where(SignInFailure.created_at <= now - WINDOW - LOCKOUT))
    session.add(SignInFailure(office_id=office_id, username=username, remote_addr=remote_addr,
                              created_at=now))
    session.flush()


def clear_failures(session: Session, office_id: int, username: str) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.office_id == office_id,
                                                SignInFailure.username == username))
