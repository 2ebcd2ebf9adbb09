"""Staff account commands: create-staff, and the demo accounts used by seed-demo."""

from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from cli.common import configured_office, require_current_schema
from models import Office, Role, Section, Staff, audit, db
from models.staff import StaffError, create_api_token, create_staff, revoke_api_tokens

# username: (display name, role, section code)
DEMO_STAFF: dict[str, tuple[str, Role, str | None]] = {
    "admin": ("ผู้ดูแลระบบ (Administrator)", Role.ADMIN, None),
    "supervisor": ("นางสาวพรทิพย์ ศรีสุข", Role.SUPERVISOR, "REG"),
    "reg1": ("นายสมชาย ใจดี", Role.COUNTER, "REG"),
    "reg2": ("นางสาวสุดา แก้วมณี", Role.COUNTER, "REG"),
    "reg3": ("นายวิชัย ทองคำ", Role.COUNTER, "REG"),
    "rev1": ("นางมาลี รุ่งเรือง", Role.COUNTER, "REV"),
    "pw1": ("นายประเสริฐ มั่นคง", Role.COUNTER, "PW"),
    "env1": ("นางสาวกมลา สะอาด", Role.COUNTER, "ENV"),
    "cd1": ("นางบุญเรือน เอื้ออารี", Role.COUNTER, "CD"),
    "adm1": ("นายธนา ยุติธรรม", Role.COUNTER, "ADMIN"),
}


def create_demo_staff(session, office: Office) -> dict[str, str]:
    """Create the demo accounts that do not exist yet; returns their new passwords."""
    sections = {s.code: s for s in session.scalars(
        select(Section).where(Section.office_id == office.id))}
    passwords = {}
    for username, (name, role, section_code) in DEMO_STAFF.items():
        if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
            continue
        section = sections.get(section_code) if section_code else None
        if section_code and section is None:
            continue
        password = "khiu-" + secrets.token_urlsafe(9)
        create_staff(session, office, username, role, password, name, section)
        passwords[username] = password
    return passwords


@click.command("create-staff")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 8 characters, not only letters or only digits. Asked for, "
              "unseen, when not given: a password on the command line stays in the shell's "
              "history and shows in the process list.")
@click.option("--section", "section_code", default=None, help="Section code, e.g. REG.")
@click.option("--name", "display_name", default="", help="Name shown to citizens.")
@with_appcontext
def create_staff_command(username: str, role: str, password: str, section_code: str | None,
                         display_name: str) -> None:
    """Create a staff account (counter, supervisor or admin)."""
    require_current_schema()
    office = configured_office()
    section = None
    if section_code:
        section = db.session.scalar(select(Section).where(
            Section.office_id == office.id, Section.code == section_code))
        if section is None:
            raise click.ClickException(f"no section with code {section_code!r} in office "
                                       f"{current_app.config['OFFICE_CODE']}")
    try:
        staff = create_staff(db.session, office, username, Role(role), password,
                             display_name, section)
    except StaffError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    audit(db.session, office.id, None, "staff.create", staff.username, via="cli", changes={
        "username": [None, staff.username], "display_name": [None, staff.display_name],
        "role": [None, staff.role.value], "section": [None, section.code if section else None]})
    db.session.commit()
    click.echo(f"Created {staff.role.value} {staff.username} ({staff.display_name}).")


def _existing_staff(username: str) -> Staff:
    require_current_schema()
    staff = db.session.scalar(select(Staff).where(Staff.username == username))
    if staff is None:
        raise click.ClickException(f"no staff member {username!r}")
    return staff


@click.command("create-token")
@click.argument("username")
@with_appcontext
def create_token_command(username: str) -> None:
    """Create an API bearer token for a staff member; the token is printed once, last."""
    staff = _existing_staff(username)
    if not staff.active:
        raise click.ClickException(f"{username!r} is deactivated")
    token = create_api_token(db.session, staff)
    audit(db.session, staff.office_id, None, "staff.create_token", staff.username, via="cli")
    db.session.commit()
    click.echo(f"API token for {staff.username} ({staff.role.value}); it is not stored, keep it:")
    click.echo(token)


@click.command("revoke-tokens")
@click.argument("username")
@with_appcontext
def revoke_tokens_command(username: str) -> None:
    """Revoke every API token of a staff member."""
    staff = _existing_staff(username)
    revoked = revoke_api_tokens(db.session, staff)
    audit(db.session, staff.office_id, None, "staff.revoke_tokens", staff.username, via="cli",
          revoked=revoked)
    db.session.commit()
    click.echo(f"Revoked {revoked} token(s) of {username}.")


COMMANDS = [create_staff_command, create_token_command, revoke_tokens_command]
