"""Hot-path statements: compiled by SQLAlchemy once per database, run on the driver's cursor.

Kiosks issue and counters call all morning, and every request runs about ten statements
inside or next to the single write slot. SQLAlchemy's execution machinery costs some 25 µs
of Python per statement; the driver's own execute costs 2. So the statements of those paths
are Core constructs as everywhere else, compiled for the session's database the first time
they run; the parameters and result columns go through the same type processors SQLAlchemy
would apply (dates, UTC datetimes, enums, JSON), and a driver error is raised as SQLAlchemy's
exception, so callers and error handlers see what they would have seen.

They run on the connection of the session's transaction (same transaction, same locks), or
in a transaction() of their own on a pooled connection (models/transactions.py).
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

# psycopg's placeholders as SQLAlchemy writes them, and a literal % (doubled in that style).
_PYFORMAT = re.compile(r"%%|%\(([^)]+)\)s")


class _Form:
    """One statement compiled for one database."""

    __slots__ = ("sql", "writes", "names", "fixed", "binders", "row", "readers", "native",
                 "order")

    def __init__(self, statement: ClauseElement, dialect: Dialect,
                 keys: Iterable[str] | None) -> None:
        compiled = statement.compile(dialect=dialect,
                                     column_keys=list(keys) if keys is not None else None)
        self.sql = str(compiled)
        first_word = self.sql.lstrip().split(None, 1)[0].upper()
        self.writes = compiled.isinsert or compiled.isupdate or compiled.isdelete or \
            first_word in ("INSERT", "UPDATE", "DELETE") or \
            (first_word == "WITH" and any(word in self.sql.upper()
                                          for word in ("INSERT ", "UPDATE ", "DELETE ")))
        if "POSTCOMPILE" in self.sql:
            # An IN list expanded at execution: write the values out as comparisons instead.
            raise ValueError(f"statement needs expanding at execution: {self.sql}")
        if compiled.insert_prefetch or compiled.update_prefetch:
            # A column left to its Python-side default, which SQLAlchemy would compute.
            missing = [c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            raise ValueError(f"give {', '.join(missing)} with the parameters: {self.sql}")
        self.names = tuple(compiled.positiontup) if compiled.positional else None
        self.native, self.order = _native(self.sql) if dialect.driver == "psycopg" and \
            self.names is None else (None, None)
        binders: dict[str, Callable] = {}
        for name, bind in compiled.binds.items():
            if name.startswith("%("):  # SQLAlchemy's anonymous alias of a bind named below
                continue
            binder = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if binder is not None:
                binders[name] = binder
        self.binders = binders
        # Values compiled into the statement (a LIMIT, a status constant), processed once.
        self.fixed = {}
        for name, value in compiled.params.items():
            if compiled.binds[name].required:
                continue  # given at execution
            binder = binders.get(name)
            self.fixed[name] = binder(value) if binder is not None and value is not None \
                else value
        columns = _result_columns(statement)
        self.row = namedtuple("Row", [key for key, _ in columns], rename=True) \
            if columns else None
        readers = tuple(column_type.dialect_impl(dialect).result_processor(dialect, None)
                        for _, column_type in columns)
        self.readers = readers if any(readers) else None

    def parameters(self, given: dict[str, Any]) -> dict[str, Any] | tuple:
        values = dict(self.fixed)
        binders = self.binders
        for name, value in given.items():
            binder = binders.get(name)
            values[name] = binder(value) if binder is not None and value is not None else value
        if self.order is not None:
            try:
                return [values[name] for name in self.order]
            except KeyError as missing:
                raise KeyError(f"no value for the parameter {missing}: {self.sql}") from None
        if self.names is None:
            return values
        return tuple(values.get(name) for name in self.names)

    def cursor(self, raw):
        """A cursor of the driver connection `raw` that runs this form's SQL."""
        if self.native is None:
            return raw.cursor()
        import psycopg

        return psycopg.RawCursor(raw)

    def make_row(self, raw: tuple, cursor):
        if self.row is None:  # (psycopg builds cursor.description anew at every access)
            self.row = namedtuple("Row", [column[0] for column in cursor.description],
                                  rename=True)
        if self.readers is not None:
            raw = [value if reader is None or value is None else reader(value)
                   for reader, value in zip(self.readers, raw, strict=True)]
        return self.row._make(raw)


def _native(sql: str) -> tuple[str, list[str]]:
    """The statement with PostgreSQL's own placeholders ($1, $2...; a name used twice is one
    placeholder), and the parameters' names in their order. psycopg converts its %(name)s
    placeholders at every execution of a statement longer than 4 kB (it caches shorter ones):
    0.5 ms of Python for call-next's. Converted once here, the statement runs on a
    psycopg.RawCursor, which sends it as it is."""
    order: list[str] = []
    numbers: dict[str, int] = {}

    def placeholder(match: re.Match) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in numbers:
            order.append(name)
            numbers[name] = len(order)
        return f"${numbers[name]}"

    return _PYFORMAT.sub(placeholder, sql), order


def _result_columns(statement: ClauseElement) -> list[tuple[str, Any]]:
    """(key, type) of the columns the statement returns: a SELECT's, or RETURNING's."""
    columns = getattr(statement, "selected_columns", None)
    if columns is None:  # an INSERT, UPDATE or DELETE: its RETURNING columns, if any
        columns = getattr(statement, "exported_columns", None)
    if columns is None:  # text(): the names the driver reports, values as they come
        return []
    return [(key, column.type) for key, column in columns.items()]


class Prepared:
    """A Core statement to run with run()/first()/one()/scalar()/all().

    For an INSERT or UPDATE whose values come with the parameters, the statement is compiled
    for the set of parameter names it is given (as SQLAlchemy itself does).
    """

    __slots__ = ("statement", "values_from_parameters", "_forms")

    def __init__(self, statement: ClauseElement, *, values_from_parameters: bool = False):
        self.statement = statement
        self.values_from_parameters = values_from_parameters
        self._forms: dict[tuple, _Form] = {}

    def form(self, dialect: Dialect, given: dict[str, Any]) -> _Form:
        keys = frozenset(given) if self.values_from_parameters else None
        key = (dialect.name, dialect.driver, keys)
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = _Form(self.statement, dialect, keys)
        return form


class Sql:
    """A driver connection inside a transaction, the dialect to compile for, and the queue
    event kinds the transaction wrote (told to the on_events_committed listeners at COMMIT).

    Either under an ORM session's transaction (Sql.of(session)) or on a pooled connection of
    its own (transaction(), for the API's hot routes, which need no ORM object at all).
    """

    __slots__ = ("raw", "dialect", "engine", "kinds", "session", "read_only", "at_commit",
                 "statements_left", "documents")

    def __init__(self, raw, engine: Engine, kinds: set[str],
                 session: Session | None = None, read_only: bool = False) -> None:
        self.raw = raw
        self.engine = engine
        self.dialect = engine.dialect
        self.kinds = kinds
        self.session = session
        self.read_only = read_only  # a read transaction(): no slot (SQLite), no block (PG)
        # A write that is one statement on PostgreSQL runs without a block: a statement after
        # the one that succeeded would be a transaction of its own, so it is refused
        # (transaction(one_statement=True)).
        self.statements_left: int | None = None
        # Ticket documents a one-statement action returned (models/one_statement.py), by
        # ticket id: the answer needs no read after it.
        self.documents: dict = {}
        # Statements held back to the end of a write transaction() on PostgreSQL: its queue
        # events, whose office lock then lasts from the last statement to COMMIT instead of
        # from the event through the answer's reads (record_event; 296-316 -> 324-327 calls/s).
        self.at_commit = None

    @property
    def alone(self) -> bool:
        """A write of one statement that is its own transaction (PostgreSQL, no block)."""
        return self.statements_left is not None

    @classmethod
    def of(cls, session: Session | Sql) -> Sql:
        """The Sql of a session's current transaction (begun now if there is none); an Sql
        is returned as it is, so the queue's functions take either."""
        if isinstance(session, Sql):
            return session
        sql = session.info.get(_KEY)
        if sql is None:
            connection = session.connection()
            sql = session.info[_KEY] = cls(
                connection.connection.dbapi_connection, connection.engine,
                session.info.setdefault(_KINDS, set()), session)
        return sql

    def run(self, prepared: Prepared, parameters: dict[str, Any] | None = None):
        """Execute; returns (the driver's cursor, the compiled form)."""
        given = parameters or {}
        form = prepared.form(self.dialect, given)
        if self.read_only and form.writes:
            raise RuntimeError(f"a read transaction() must not write: {form.sql}")
        if self.statements_left == 0:
            raise RuntimeError(f"a one-statement write ran a second one: {form.sql}")
        values = form.parameters(given)
        cursor = form.cursor(self.raw)
        with _as_sqlalchemy_error(self.dialect, form.sql, values, self.raw):
            cursor.execute(form.native or form.sql, values)
        if self.statements_left is not None:  # one that failed wrote nothing: it counts not
            self.statements_left -= 1
        return cursor, form

    def execute(self, prepared: Prepared, parameters: dict[str, Any] | None = None) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        cursor, _ = self.run(prepared, parameters)
        count = cursor.rowcount
        cursor.close()
        return count

    def first(self, prepared: Prepared, parameters: dict[str, Any] | None = None):
        cursor, form = self.run(prepared, parameters)
        raw = cursor.fetchone()
        row = None if raw is None else form.make_row(raw, cursor)
        cursor.close()
        return row

    def one(self, prepared: Prepared, parameters: dict[str, Any] | None = None):
        row = self.first(prepared, parameters)
        if row is None:
            raise LookupError("the statement returned no row")
        return row

    def scalar(self, prepared: Prepared, parameters: dict[str, Any] | None = None):
        row = self.first(prepared, parameters)
        return None if row is None else row[0]

    def all(self, prepared: Prepared, parameters: dict[str, Any] | None = None) -> list:
        cursor, form = self.run(prepared, parameters)
        rows = [form.make_row(raw, cursor) for raw in cursor.fetchall()]
        cursor.close()
        return rows


@contextmanager
def _as_sqlalchemy_error(dialect: Dialect, statement: str, parameters,
                         raw) -> Iterator[None]:
    """A driver error raised as SQLAlchemy's (IntegrityError, OperationalError, ...)."""
    try:
        yield
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            statement, parameters, error, dialect.loaded_dbapi.Error, dialect=dialect,
            connection_invalidated=dialect.is_disconnect(error, raw, None)) from error


def violates(error: DBAPIError, constraint: str) -> bool:
    """Whether PostgreSQL refused the statement for that constraint (index) by name."""
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None) == constraint


def orm_session(session: Session | Sql) -> Session | None:
    """The ORM session behind session, if any (a transaction() has none)."""
    return session.session if isinstance(session, Sql) else session


def flush(session: Session | Sql) -> None:
    """ORM changes made before (a pause, a new object) are what the next statements see."""
    orm = orm_session(session)
    if orm is not None:
        orm.flush()


_KEY = "khiu_sql"
_KINDS = "khiu_event_kinds"
