"""Who acts, when that is the holder of an API token (a Bearer), and the rule it must pass:
an active staff member of the office, with a role that may work a counter, holding a token
that is not revoked.

On PostgreSQL a counter action is one statement (models/one_statement.py), and with a Bearer
that statement checks the token too (BEARER, MAY_ACT): it acts only when the check passes, so
a request is one round trip instead of two (the check, then the action). Step by step (SQLite)
the token is read first (staff_id_of). Either way an action refused for its token wrote
nothing and raises BearerRefused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, exists, or_, select

from models.sql import Sql
from models.staff import STAFF_BY_TOKEN, STAFF_ROLES, hash_token
from models.tickets import QueueError

MAX_TOKEN_LENGTH = 200  # a longer one is no token of ours (and is not hashed)


@dataclass(frozen=True)
class Bearer:
    """The holder of an API token, by the token's hash (only the hash is stored)."""

    token_hash: str

    @classmethod
    def of(cls, token: str) -> Bearer:
        return cls(hash_token(token))


class BearerRefused(QueueError):
    status = 401

    def __init__(self):
        super().__init__("unauthorized", "โทเค็นนี้ใช้ไม่ได้ หรือไม่มีสิทธิ์ทำรายการที่นี่",
                         "The token is unknown, revoked, or may not act here")


def may_act(staff, office_id: int) -> bool:
    """Whether a token's staff member (a STAFF_BY_TOKEN row) may act in the office."""
    return staff.office_id == office_id and staff.role in STAFF_ROLES


def staff_id_of(sql: Sql, by: Bearer | int | None, office_id: int) -> int | None:
    """The acting staff member's id: a Bearer's by reading its token (BearerRefused when
    it may not act); an id or None as it is."""
    if not isinstance(by, Bearer):
        return by
    staff = sql.first(STAFF_BY_TOKEN, {"token_hash": by.token_hash})
    if staff is None or not may_act(staff, office_id):
        raise BearerRefused()
    return staff.id


# The same rule in SQL, for a statement's conditions: the staff member of the token
# `token_hash`, and whether they may act in the office `at_office`. (The roles are written out
# as comparisons: SQLAlchemy expands an IN list at each run, and a Prepared compiles once.)
BEARER = STAFF_BY_TOKEN.statement.cte("bearer")
MAY_ACT = exists(select(BEARER.c.id).where(
    BEARER.c.office_id == bindparam("at_office"),
    or_(*(BEARER.c.role == role for role in STAFF_ROLES))))
