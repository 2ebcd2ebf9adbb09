"""Every command: the happy path, and a clear non-zero exit on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from models import Counter, Role, Section, Service, Staff, db

NEW_CATALOG = {
    "sections": [
        {"code": "TOUR", "name_th": "ฝ่ายส่งเสริมการท่องเที่ยว", "name_en": "Tourism Section",
         "queue_prefix_suggested": "T"},
    ],
    "services": [
        {
            "code": "TOUR-GUIDE", "name_th": "การขอใบอนุญาตมัคคุเทศก์ท้องถิ่น",
            "name_en": "Local guide licence", "section": "TOUR", "channel": ["walk_in"],
            "fee_baht": 150, "fee_note_th": "ค่าธรรมเนียม 150 บาท",
            "conditions_th": "ผู้ขอต้องมีอายุไม่ต่ำกว่า 20 ปี",
            "steps": [
                {"name_th": "ตรวจเอกสาร", "name_en": "Check documents", "minutes": 10,
                 "type": "check"},
                {"name_th": "ชำระค่าธรรมเนียม", "name_en": "Pay the fee", "minutes": 5,
                 "type": "pay", "section": "TOUR"},
                {"name_th": "ออกใบอนุญาต", "name_en": "Issue licence", "days": 3, "minutes": 1440,
                 "type": "sign"},
            ],
            "documents": [
                {"name_th": "รูปถ่ายหน้าตรง 1 นิ้ว", "name_en": "1-inch photo", "original": 2,
                 "copies": 0, "issuer_th": "ผู้ขอ", "kind": "other", "required": True},
            ],
        },
    ],
}


def write_json(folder: Path, data, name: str = "catalog.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def table_counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (Section, Service, Staff, Counter))


def test_init_db_is_idempotent(empty_app):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "Database ready for office TEST" in second.output


def test_seed_demo_prints_passwords_once_and_they_work(empty_app):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "services 15 new" in first.output
    line = next(ln for ln in first.output.splitlines() if ln.strip().startswith("reg1 "))
    password = line.split()[-1]
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "passwords were not changed" in second.output and password not in second.output
    with empty_app.app_context():
        staff = db.session.scalar(select(Staff).where(Staff.username == "reg1"))
        assert staff.check_password(password) and staff.password_hash != password
        counters = db.session.scalars(select(Counter).order_by(Counter.sort_order)).all()
        assert len(counters) == 8
        assert {s.code for s in counters[0].services} >= {"REG-BIRTH", "REG-DEATH"}
    assert table_counts(empty_app)[1] == 15


def test_import_catalog_adds_new_services_shown_on_the_kiosk(app, tmp_path):
    path = write_json(tmp_path, NEW_CATALOG)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    assert result.exit_code == 0, result.output
    assert "services 1 new, 0 updated" in result.output

    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    assert "ฝ่ายส่งเสริมการท่องเที่ยว" in home and "การขอใบอนุญาตมัคคุเทศก์ท้องถิ่น" in home
    manual = client.get("/services/TOUR-GUIDE").get_data(as_text=True)
    assert "ผู้ขอต้องมีอายุไม่ต่ำกว่า 20 ปี" in manual
    assert "ค่าธรรมเนียม 150 บาท" in manual
    assert "3 วันทำการ" in manual and "10 นาที" in manual
    assert "รูปถ่ายหน้าตรง 1 นิ้ว" in manual and "ฉบับจริง 2 ฉบับ" in manual


def test_import_catalog_twice_changes_nothing_the_second_time(app, tmp_path):
    path = write_json(tmp_path, NEW_CATALOG)
    runner = app.test_cli_runner()
    runner.invoke(args=["import-catalog", str(path)])
    before = table_counts(app)
    again = runner.invoke(args=["import-catalog", str(path)])
    assert again.exit_code == 0 and "services 0 new, 1 updated" in again.output
    assert table_counts(app) == before


def test_malformed_catalog_is_refused_whole_and_nothing_is_written(app, tmp_path):
    bad = json.loads(json.dumps(NEW_CATALOG))
    bad["services"].append(dict(NEW_CATALOG["services"][0], code="TOUR-BAD"))
    bad["services"][1]["steps"] = [{"name_th": "x", "minutes": -3, "type": "check"}]
    path = write_json(tmp_path, bad)
    before = table_counts(app)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    assert result.exit_code != 0
    assert "nothing was written" in result.output
    assert "service TOUR-BAD: field 'steps[0].minutes': must be a whole number ≥ 0" in result.output
    assert table_counts(app) == before
    assert app.test_client().get("/services/TOUR-GUIDE").status_code == 404


def test_import_catalog_reports_invalid_json_and_missing_files(app, tmp_path):
    runner = app.test_cli_runner()
    broken = tmp_path / "broken.json"
    broken.write_text('{"services": [', encoding="utf-8")
    result = runner.invoke(args=["import-catalog", str(broken)])
    assert result.exit_code != 0 and "not valid JSON at line 1" in result.output
    missing = runner.invoke(args=["import-catalog", str(tmp_path / "nope.json")])
    assert missing.exit_code != 0 and "no such file" in missing.output
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"services": []}' + b"\xff")
    assert runner.invoke(args=["import-catalog", str(latin)]).exit_code != 0


def test_create_staff_asks_for_the_password_unseen_when_not_given(runner, app):
    result = runner.invoke(args=["create-staff", "somchai", "--role", "counter"],
                           input="s3cret-pass\ns3cret-pass\n")
    assert result.exit_code == 0, result.output
    assert "s3cret-pass" not in result.output  # typed, never echoed
    with app.app_context():
        staff = db.session.scalar(select(Staff).where(Staff.username == "somchai"))
        assert staff.check_password("s3cret-pass")


def test_create_staff_with_hashed_password(runner, app):
    result = runner.invoke(args=["create-staff", "somsri", "--role", "counter", "--password",
                                 "s3cret-pass", "--section", "REG", "--name", "สมศรี มีสุข"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        staff = db.session.scalar(select(Staff).where(Staff.username == "somsri"))
        assert staff.role is Role.COUNTER and staff.section.code == "REG"
        assert staff.display_name == "สมศรี มีสุข"
        assert "s3cret-pass" not in staff.password_hash and staff.check_password("s3cret-pass")


def test_create_staff_rejects_bad_input_clearly(runner, app):
    cases = [
        (["reg1", "--role", "counter", "--password", "s3cret-pass"], "is taken"),
        (["newbie", "--role", "boss", "--password", "s3cret-pass"], "Invalid value for '--role'"),
        (["newbie", "--role", "counter", "--password", "short1"], "at least 8 characters"),
        (["newbie", "--role", "counter", "--password", "onlyletters"], "mix letters"),
        (["newbie", "--role", "counter", "--password", "s3cret-pass", "--section", "XX"],
         "no section with code 'XX'"),
        (["newbie", "--role", "supervisor", "--password", "s3cret-pass"], "needs a section"),
        (["Bad Name", "--role", "counter", "--password", "s3cret-pass"], "username must be"),
        (["newbie", "--role", "counter"], "Aborted"),  # asked for, and nothing typed
        (["newbie", "--role", "counter", "--password", "s3cret-pass", "--name", "ก" * 201],
         "longer than 200 characters"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["create-staff", *args])
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    with app.app_context():
        assert db.session.scalar(select(Staff).where(Staff.username == "newbie")) is None


def test_commands_before_init_db_say_what_to_do(tmp_path):
    """A real process, as an administrator runs it, on a database that was never set up."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "SECRET_KEY": "x",
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "import-catalog",
         "config/demo_catalog.json"],
        capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode != 0
    assert "run `flask --app app init-db` first" in result.stderr


def test_serve_takes_the_startup_heap_out_of_the_collectors_view(runner, monkeypatch):
    """`flask serve` freezes the objects made at start before serving (cli/serve.settle_heap):
    otherwise every full collection walks them again, in every forked worker at once."""
    import gc

    import cli.serve as serve

    frozen: list[int] = []
    monkeypatch.setattr(serve, "run_single", lambda *args: frozen.append(gc.get_freeze_count()))
    try:
        gc.unfreeze()
        result = runner.invoke(args=["serve", "--workers", "1", "--port", "0"])
        assert result.exit_code == 0, result.output
        assert frozen and frozen[0] > 1000
    finally:
        gc.unfreeze()
