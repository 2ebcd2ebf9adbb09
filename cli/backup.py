"""backup DEST and restore SRC: a consistent copy of the live SQLite database, and back.

The copy uses SQLite's online backup API, so it can run while the server writes (WAL mode): it
reads one snapshot, as any reader does, and never sees half a transaction. PostgreSQL has its
own tools (pg_dump / pg_restore); the commands say so instead of pretending.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from models import db

PG_GUIDANCE = (
    "this installation uses PostgreSQL: back it up with its own tool, e.g.\n"
    "  pg_dump --format=custom --file=khiu-$(date +%F).dump \"$DATABASE_URL\"\n"
    "and restore into an empty database with\n"
    "  pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" khiu-DATE.dump\n"
    "(stop the Khiu server first; see README, Backup & restore)"
)

# In WAL mode every open connection holds a shared POSIX lock on this byte of the -shm file
# (SQLite's "DMS" slot) for as long as it stays open; a server with pooled connections does.
_SHM_DMS_BYTE = 128


def sqlite_path() -> Path:
    """The live SQLite file; refuses PostgreSQL (with pg_dump guidance) and in-memory databases."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(PG_GUIDANCE)
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise click.ClickException("an in-memory database cannot be backed up or restored")
    return Path(url.database)


def copy_database(source: Path, target: Path) -> None:
    """Online-backup source into target (a new file), then check the copy and make it one file."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # A plain connection, not mode=ro: a read-only one could not recover a WAL left by a crash.
    reader = sqlite3.connect(source, timeout=30)
    writer = sqlite3.connect(partial)
    try:
        # pages=-1: one step, one read snapshot, however much the server writes meanwhile.
        reader.backup(writer, pages=-1)
        # A backup is a single self-contained file: no -wal beside it.
        writer.execute("PRAGMA journal_mode=DELETE")
        check_integrity(writer, partial)
    finally:
        writer.close()
        reader.close()
    partial.replace(target)


def check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise click.ClickException(f"{path}: integrity check failed: {'; '.join(result[:5])}")
    tables = {row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"alembic_version", "ticket"} <= tables:
        raise click.ClickException(f"{path} is not a Khiu database")


def database_in_use(path: Path) -> bool:
    """Whether any other process has the database open (a running server keeps it open)."""
    shm = path.with_name(path.name + "-shm")
    try:
        descriptor = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return False  # the last connection to close removes it
    try:
        fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE)
    except OSError:
        return True
    else:
        fcntl.lockf(descriptor, fcntl.LOCK_UN, 1, _SHM_DMS_BYTE)
        return False
    finally:
        os.close(descriptor)


def count_rows(path: Path) -> tuple[int, int]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tickets = connection.execute("SELECT count(*) FROM ticket").fetchone()[0]
        ratings = connection.execute("SELECT count(*) FROM rating").fetchone()[0]
    finally:
        connection.close()
    return tickets, ratings


@click.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Copy the live SQLite database to DEST (safe while the server runs)."""
    source = sqlite_path()
    if dest.exists():
        raise click.ClickException(f"{dest} exists; choose a new file name")
    if dest.resolve() == source.resolve():
        raise click.ClickException("DEST is the live database itself")
    copy_database(source, dest)
    tickets, ratings = count_rows(dest)
    click.echo(f"backed up {source} to {dest}: {tickets} tickets, {ratings} ratings, "
               "integrity ok")


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(src: Path) -> None:
    """Replace the live SQLite database with the backup SRC (stop the server first).

    The database being replaced is kept beside it as a backup of its own.
    """
    target = sqlite_path()
    db.engine.dispose()  # this process's own pooled connections are not "another user"
    checker = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        check_integrity(checker, src)
    finally:
        checker.close()
    if database_in_use(target):
        raise click.ClickException(f"{target} is in use: stop the Khiu server (and anything "
                                   "else that has it open), then run restore again")
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        copy_database(target, kept)
        click.echo(f"the replaced database is kept as {kept}")
    reader = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        # Written through SQLite, in one transaction: a crash here leaves the old database.
        reader.backup(writer, pages=-1)
        writer.execute("PRAGMA journal_mode=WAL")
        check_integrity(writer, target)
    finally:
        writer.close()
        reader.close()
    tickets, ratings = count_rows(target)
    click.echo(f"restored {src} into {target}: {tickets} tickets, {ratings} ratings")


COMMANDS = [backup_command, restore_command]
