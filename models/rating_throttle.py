"""Throttling typed ticket numbers on the rating page, per remote address.

Ticket numbers are sequential and shown on the board, so a phone could walk A001…A999. Failed
number lookups are kept in the sign-in throttle's table (every worker process sees them, and no
new table is needed): the username column holds "rate-lookup:<address>" and remote_addr a
marker no request carries. So these rows never count towards a sign-in lockout of that address,
and a failed sign-in typed with such a username never counts here. The timing rule is the
sign-in one: 10 failures within 15 minutes lock typing for 15 minutes after the 10th.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import now_utc
from models.throttle import LOCKOUT, WINDOW, Lockout, SignInFailure, _locked_until, record_failure

MAX_FAILURES = 10
MARKER = "rate-lookup"


def _key(remote_addr: str) -> str:
    return f"{MARKER}:{remote_addr}"[:64]


def number_lookup_lockout(session: Session, office_id: int, remote_addr: str,
                          now: datetime | None = None) -> Lockout | None:
    """The lockout typing from this address falls under, if any (checked before the lookup)."""
    now = now or now_utc()
    times = session.scalars(
        select(SignInFailure.created_at)
        .where(SignInFailure.office_id == office_id, SignInFailure.username == _key(remote_addr),
               SignInFailure.remote_addr == MARKER,
               SignInFailure.created_at > now - WINDOW - LOCKOUT)
        .order_by(SignInFailure.created_at.desc()).limit(MAX_FAILURES)).all()
    until = _locked_until(list(times), MAX_FAILURES)
    return Lockout(until) if until is not None and until > now else None


def record_number_lookup_failure(session: Session, office_id: int, remote_addr: str,
                                 now: datetime | None = None) -> None:
    """Call inside a write transaction; the caller commits."""
    record_failure(session, office_id, _key(remote_addr), MARKER, now)
