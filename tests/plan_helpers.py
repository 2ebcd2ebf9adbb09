"""PostgreSQL query plans for the plan tests: EXPLAIN's JSON, its nodes, the rows they read."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

from psycopg.sql import Literal
from sqlalchemy import text

# PostgreSQL's types of the values a prepared statement is given, by their Python type (exact:
# a datetime is also a date). A NULL is typed as text, as the statements cast it.
_TYPES = {int: "integer", str: "text", datetime: "timestamptz", date: "date",
          type(None): "text"}


# The columns a seeded ticket always sets, in this order (insert_tickets).
TICKET_COLUMNS = ("office_id, token, business_day, number, service_id, first_service_id, "
                  "status, issued_at, queued_at, to_front")


def insert_tickets(session, rows: str, parameters: dict, *also: str) -> None:
    """INSERT INTO ticket the rows of `rows` (a SELECT of TICKET_COLUMNS, then the columns
    named in `also`)."""
    columns = ", ".join([TICKET_COLUMNS, *also])
    session.execute(text(f"INSERT INTO ticket ({columns}) {rows}"), parameters)


def json_plan(cursor, statement: str, parameters=None, *, analyze: bool = False,
              buffers: bool = False) -> dict:
    """EXPLAIN (FORMAT JSON) of statement on a DB-API cursor: the plan's root document (with
    "Plan"); with analyze, run for real and with the actual rows, and with buffers also the
    pages each node read ("Shared Hit Blocks", "Shared Read Blocks")."""
    options = ", ".join([*(["ANALYZE"] if analyze else []), *(["BUFFERS"] if buffers else []),
                         "FORMAT JSON"])
    cursor.execute(f"EXPLAIN ({options}) {statement}", parameters)
    [[document]] = cursor.fetchall()
    return (document if isinstance(document, list) else json.loads(document))[0]


def plan_nodes(node: dict, above: tuple[str, ...] = ()) -> list[tuple[dict, tuple[str, ...]]]:
    """Every node of a PostgreSQL plan with the types of the nodes above it."""
    found = [(node, above)]
    for child in node.get("Plans", []):
        found += plan_nodes(child, above + (node["Node Type"],))
    return found


def rows_read(nodes: Iterable[dict]) -> int:
    """The rows these nodes of an analysed plan read: those they returned and those they
    filtered out, over all their loops."""
    return sum(node["Actual Loops"] * (node["Actual Rows"]
                                       + node.get("Rows Removed by Filter", 0)
                                       + node.get("Rows Removed by Index Recheck", 0))
               for node in nodes)


@contextmanager
def prepared(sql, statement, given: dict, name: str) -> Iterator[tuple]:
    """PREPARE `name` as the statement's compiled form (models/sql.Prepared.form) on the Sql's
    connection, typed by the values given: yields (cursor, the EXECUTE of it with those
    values), and DEALLOCATEs it after. EXPLAIN EXECUTE takes no bound parameters, so the
    values are written out as literals. With plan_cache_mode = force_generic_plan its first
    EXECUTE makes the generic plan, which later ones reuse."""
    form = statement.form(sql.dialect, given)
    values = form.parameters(given)
    cursor = form.cursor(sql.raw)
    types = ", ".join(_TYPES[type(value)] for value in values)
    cursor.execute(f"PREPARE {name} ({types}) AS {form.native}")
    arguments = ", ".join(Literal(value).as_string(sql.raw) for value in values)
    yield cursor, f"EXECUTE {name}({arguments})"
    cursor.execute(f"DEALLOCATE {name}")


# The plan nodes that read a whole table to join it: a hash of it, or both sides sorted.
WHOLE_TABLE_JOINS = ("Hash", "Hash Join", "Merge Join")


def whole_table_joins(root: dict) -> list[dict]:
    """The nodes of a plan (json_plan's root) that join by a hash or a merge."""
    return [node for node, _ in plan_nodes(root["Plan"])
            if node["Node Type"] in WHOLE_TABLE_JOINS]


def without_statistics(session, table: str, *, generic: bool = True) -> None:
    """As if `table`'s columns had never been analysed: its statistics deleted, in the
    session's transaction (which the test rolls back). With generic, the transaction's
    prepared statements take their generic plans from the first run (plan_cache_mode), as a
    pooled connection's do after its first runs."""
    session.execute(text(f"DELETE FROM pg_statistic WHERE starelid = '{table}'::regclass"))
    if generic:
        session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
