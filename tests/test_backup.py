"""backup and restore: a consistent copy of the live database, taken even while a server writes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import select

from app import create_app
from config import TestConfig
from models import Rating, Ticket, db
from models.base import begin_write
from models.ratings import rate_visit
from scripts.khiu_process import ROOT, demo_environment, flask, prepare, serving
from tests.load_helpers import Client
from tests.queue_helpers import issue
from tests.visit_helpers import served_visit


def rows(path: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def test_backup_then_restore_brings_back_every_ticket_and_rating(app, runner, tmp_path):
    with app.app_context():
        visits = [served_visit("REG-BIRTH", [("1", "reg1")]),
                  served_visit("REV-SIGNTAX", [("4", "rev1"), ("2", "reg2")],
                               transfers_to=["REG-BIRTH"])]
        for visit, score in zip(visits, (5, 2), strict=True):
            begin_write(db.session)
            rate_visit(db.session, visit, score, comment=f"visit {visit.number}")
            db.session.commit()
        waiting = [issue("REG-MOVE-IN").number for _ in range(3)]
        before = sorted(db.session.execute(select(Ticket.number, Ticket.token)).all())
        ratings = sorted(db.session.execute(select(Rating.score, Rating.comment)).all())
    copy = tmp_path / "backup" / "khiu-copy.db"
    copy.parent.mkdir()

    result = runner.invoke(args=["backup", str(copy)])
    assert result.exit_code == 0, result.output
    assert "5 tickets, 2 ratings, integrity ok" in result.output
    assert not Path(f"{copy}-wal").exists()  # one self-contained file

    with app.app_context():  # work after the backup is lost by the restore, nothing else
        late = issue("REG-MOVE-IN").number
    result = runner.invoke(args=["restore", str(copy)])
    assert result.exit_code == 0, result.output
    assert "5 tickets, 2 ratings" in result.output

    with app.app_context():
        assert sorted(db.session.execute(select(Ticket.number, Ticket.token)).all()) == before
        assert sorted(db.session.execute(select(Rating.score, Rating.comment)).all()) == ratings
        assert late not in [number for number, _ in before]
        assert {n for n, _ in before} >= set(waiting)
        # The office carries on from the restored numbers: no number is issued twice.
        assert issue("REG-MOVE-IN").number == late
    kept = list(tmp_path.glob("khiu.db.before-restore-*"))
    assert len(kept) == 1 and rows(kept[0], "SELECT count(*) FROM ticket") == [(6,)]


def test_backup_refuses_to_overwrite_and_restore_refuses_a_non_khiu_file(runner, tmp_path):
    existing = tmp_path / "there.db"
    existing.write_bytes(b"keep me")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "exists" in result.output
    assert existing.read_bytes() == b"keep me"

    other = tmp_path / "other.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.commit()
    connection.close()
    result = runner.invoke(args=["restore", str(other)])
    assert result.exit_code != 0 and "not a Khiu database" in result.output


def test_postgresql_backup_is_refused_with_pg_dump_guidance(tmp_path):
    app = create_app(TestConfig, {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://khiu@127.0.0.1:9/khiu"})
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.db")])
    assert result.exit_code != 0
    assert "pg_dump" in result.output and "pg_restore" in result.output
    assert not (tmp_path / "x.db").exists()


def test_backup_while_the_server_issues_tickets_is_consistent(tmp_path):
    env = demo_environment(str(tmp_path))
    prepare(env)
    live = tmp_path / "khiu.db"
    acknowledged: list[str] = []
    errors: list[str] = []
    stop = threading.Event()

    def kiosk(index: int) -> None:
        client = Client(base)
        try:
            n = 0
            while not stop.is_set():
                status, data = client.post("/api/v1/tickets", {
                    "service": "REG-BIRTH", "idempotency_key": f"b{index}-{n}"})
                if status != 201:
                    errors.append(f"{status} {data}")
                else:
                    acknowledged.append(data["number"])
                n += 1
        finally:
            client.close()

    with serving(env, threads=8) as base:
        kiosks = [threading.Thread(target=kiosk, args=(i,)) for i in range(3)]
        for thread in kiosks:
            thread.start()
        try:
            copies = []
            for index in range(3):
                while len(acknowledged) < 20 * (index + 1):
                    stop.wait(0.05)
                copies.append(tmp_path / f"copy{index}.db")
                flask(["backup", str(copies[-1])], env)
        finally:
            stop.set()
            for thread in kiosks:
                thread.join(timeout=30)
        # The server is still up: restore must refuse to pull the database from under it.
        refused = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "restore", str(copies[0])],
            cwd=ROOT, env=env, capture_output=True, text=True)
        assert refused.returncode != 0 and "in use" in refused.stderr

    assert errors == []
    final = dict(rows(live, "SELECT number, token FROM ticket"))
    counts = []
    for copy in copies:
        assert rows(copy, "PRAGMA integrity_check") == [("ok",)]
        numbers = rows(copy, "SELECT number, token FROM ticket")
        assert len({n for n, _ in numbers}) == len(numbers), "a number repeats in the backup"
        # A snapshot: numbers 1..n with no hole, each the same ticket as in the live database.
        assert sorted(int(n[1:]) for n, _ in numbers) == list(range(1, len(numbers) + 1))
        assert all(final[n] == token for n, token in numbers)
        # Every ticket has its "issued" event: no half-written transaction was copied.
        assert rows(copy, "SELECT count(*) FROM ticket t WHERE NOT EXISTS (SELECT 1 FROM "
                          "queue_event e WHERE e.ticket_id = t.id)") == [(0,)]
        counts.append(len(numbers))
    assert counts == sorted(counts) and counts[0] >= 20
    assert len(final) == len(acknowledged)
