"""The SQLAlchemy handle, the declarative base and engine tuning per database."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Enum, Index, MetaData, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

from models.writer import give_back_writer_slot, take_writer_slot

# Stable constraint names keep Alembic batch migrations on SQLite predictable.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# A session lives for one request; re-reading every object after its commit only repeats
# the rows the request just wrote.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def postgresql_only(index: Index) -> Index:
    """An index created on PostgreSQL only, and marked so (info["only_on"]) for the schema
    comparison (models/schema.on_this_database), which cannot read ddl_if."""
    index.info["only_on"] = "postgresql"
    return index.ddl_if(dialect="postgresql")


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value in a plain string column (portable, no native ENUM type)."""
    return Enum(cls, name=name, native_enum=False, length=16,
                values_callable=lambda members: [m.value for m in members])


# The business day and every displayed time are in Bangkok; storage is UTC.
BANGKOK = ZoneInfo("Asia/Bangkok")


def local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BANGKOK)


def day_start(day: date) -> datetime:
    """The first moment of a business day (Bangkok midnight)."""
    return datetime.combine(day, time(), BANGKOK)


def now_utc() -> datetime:
    return datetime.now(UTC)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record) -> None:
    """WAL lets readers run beside the single writer; foreign keys are off by default in SQLite."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    # The driver must not open transactions behind SQLAlchemy's back: _begin_sqlite does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection) -> None:
    """BEGIN, or BEGIN IMMEDIATE for a transaction that will write (see begin_write)."""
    if connection.dialect.name != "sqlite":
        return
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write(session: Session | scoped_session) -> None:
    """Start the session's transaction as a writer.

    On SQLite the write lock is taken at BEGIN (IMMEDIATE), so two writers queue instead of one
    failing when it upgrades a read lock. On PostgreSQL this is a plain transaction; races there
    are settled by row locks (FOR UPDATE SKIP LOCKED) and UPSERTs.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        session.commit()
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.info["khiu_writer"] = take_writer_slot(bind.url.database)
    try:
        session.connection(execution_options={"sqlite_immediate": True})
    except BaseException:
        _release_writer(session)
        raise


def _release_writer(session: Session) -> None:
    if "khiu_writer" in session.info:
        give_back_writer_slot(session.info.pop("khiu_writer"))


@event.listens_for(Session, "after_transaction_end")
def _end_of_write(session: Session, transaction) -> None:
    if transaction.parent is None:
        _release_writer(session)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back an aware datetime, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
