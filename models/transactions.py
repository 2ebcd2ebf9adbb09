"""Transactions of the hot paths, and who hears of the queue events they commit.

transaction() runs Sql statements (models/sql.py) on a pooled driver connection, for the API's
hot routes, which need no ORM object at all. It takes the same writer slot and BEGIN IMMEDIATE
as begin_write() does for a session (models/base.py), and both tell the same listeners
(on_events_committed) which kinds of queue event a commit wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models.sql import _KEY, _KINDS, Sql, _as_sqlalchemy_error
from models.writer import give_back_writer_slot, take_writer_slot

_listeners: list[Callable[[set[str]], None]] = []


def on_events_committed(listener: Callable[[set[str]], None]) -> Callable[[set[str]], None]:
    """Register listener(kinds), called in this process after a commit that wrote events."""
    _listeners.append(listener)
    return listener


def _tell_listeners(kinds: set[str] | None) -> None:
    if kinds:
        for listener in _listeners:
            listener(kinds)


@event.listens_for(Session, "after_commit")
def _session_committed(session: Session) -> None:
    _tell_listeners(session.info.pop(_KINDS, None))


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction) -> None:
    """The session's transaction is over (committed above, or rolled back): its connection
    goes back to the pool and the kinds of a rolled-back transaction are dropped. A savepoint
    rolled back inside it drops nothing: a listener told of an event that did not happen only
    reads again, one not told would leave a board behind."""
    if transaction.parent is None:
        session.info.pop(_KEY, None)
        session.info.pop(_KINDS, None)


@contextmanager
def transaction(engine: Engine, *, write: bool = False, one_statement: bool = False,
                connection=None) -> Iterator[Sql]:
    """A transaction on a pooled driver connection, committed when the block ends without an
    exception and rolled back otherwise. A write on SQLite first takes the writer slot and
    begins IMMEDIATE, as begin_write() does for a session.

    A read on PostgreSQL runs without a transaction block (autocommit): at READ COMMITTED
    each statement takes its own snapshot inside a block too, so BEGIN and COMMIT would only
    add two round trips. Such a block must not write, and Sql refuses to (read_only).

    one_statement: a write whose work is one statement on PostgreSQL (call-next and the
    actions of models/one_statement.py) runs without a block too, the statement being its
    own transaction: one round trip instead of three. Sql refuses a second statement there.
    On SQLite it is an ordinary write.

    connection: a connection of engine.raw_connection() to run on and leave open (a caller
    with several transactions in a row); without it one is taken from the pool and given back.
    """
    sqlite = engine.dialect.name == "sqlite"
    slot = take_writer_slot(engine.url.database) if write and sqlite else None
    unblocked = not sqlite and (not write or one_statement)
    sql = None
    try:
        pooled = connection if connection is not None else engine.raw_connection()
        try:
            raw = pooled.dbapi_connection
            if sqlite:  # the driver leaves transactions to us (models/base.py)
                begin = "BEGIN IMMEDIATE" if write else "BEGIN"
                with _as_sqlalchemy_error(engine.dialect, begin, (), raw):
                    raw.execute(begin)
            elif unblocked:
                raw.autocommit = True
            sql = Sql(raw, engine, set(), read_only=not write)
            if write and unblocked:
                sql.statements_left = 1
            elif write and not sqlite:
                sql.at_commit = []  # the queue events, written last (see Sql.at_commit)
            yield sql
            for prepared, values in sql.at_commit or ():
                sql.execute(prepared, values)
            with _as_sqlalchemy_error(engine.dialect, "COMMIT", (), raw):
                raw.commit()
        except BaseException as error:
            if getattr(error, "connection_invalidated", False):
                pooled.invalidate()  # the server is gone: the pool makes a new connection
            else:
                try:
                    raw.rollback()
                except engine.dialect.loaded_dbapi.Error:
                    pooled.invalidate()  # and the original error is the one raised
            raise
        finally:
            if unblocked and pooled.is_valid:
                try:
                    raw.autocommit = False  # as the pool and the next writer expect
                except engine.dialect.loaded_dbapi.Error:
                    pooled.invalidate()
            if connection is None:
                pooled.close()
    finally:
        if write and sqlite:
            give_back_writer_slot(slot)
    _tell_listeners(sql.kinds)
