"""Command-line changes land in the audit log like the management pages' ones: via "cli", no
staff member, in the same transaction, and never the password or the token."""

from __future__ import annotations

from sqlalchemy import select

from models import AuditEntry, db
from tests.manage_helpers import MANAGE, admin_client
from tests.test_cli import NEW_CATALOG, write_json


def entries(app) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_create_staff_is_audited_without_the_password(runner, app):
    result = runner.invoke(args=["create-staff", "somsri", "--role", "supervisor", "--password",
                                 "s3cret-pass", "--section", "REG", "--name", "สมศรี มีสุข"])
    assert result.exit_code == 0, result.output
    [entry] = entries(app)
    assert (entry.action, entry.target, entry.staff_id) == ("staff.create", "somsri", None)
    assert entry.detail["via"] == "cli"
    assert entry.detail["changes"]["role"] == [None, "supervisor"]
    assert entry.detail["changes"]["section"] == [None, "REG"]
    assert "s3cret-pass" not in repr(entry.detail)


def test_refused_command_writes_no_audit_entry(runner, app):
    result = runner.invoke(args=["create-staff", "reg1", "--role", "counter", "--password",
                                 "s3cret-pass"])
    assert result.exit_code != 0
    bad = runner.invoke(args=["import-catalog", "/nonexistent/catalog.json"])
    assert bad.exit_code != 0
    assert entries(app) == []


def test_tokens_created_and_revoked_are_audited_without_the_token(runner, app):
    created = runner.invoke(args=["create-token", "reg1"])
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    revoked = runner.invoke(args=["revoke-tokens", "reg1"])
    assert revoked.exit_code == 0
    made, gone = entries(app)
    assert (made.action, made.target, made.detail) == (
        "staff.create_token", "reg1", {"via": "cli"})
    assert (gone.action, gone.target, gone.detail) == (
        "staff.revoke_tokens", "reg1", {"via": "cli", "revoked": 1})
    assert token not in repr(made.detail) + repr(gone.detail)


def test_import_catalog_is_audited_and_shown_on_the_audit_page(runner, app, tmp_path):
    path = write_json(tmp_path, NEW_CATALOG, "tourism.json")
    assert runner.invoke(args=["import-catalog", str(path)]).exit_code == 0
    [entry] = entries(app)
    assert (entry.action, entry.target, entry.staff_id) == ("catalog.import", "tourism.json",
                                                            None)
    assert entry.detail == {"via": "cli", "sections_created": 1, "sections_updated": 0,
                            "services_created": 1, "services_updated": 0,
                            "services": ["TOUR-GUIDE"]}
    page = admin_client(app).get(f"{MANAGE}/audit/?lang=en").get_data(as_text=True)
    assert "Catalog imported" in page and "tourism.json" in page and "cli" in page
