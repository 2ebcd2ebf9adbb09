"""erase-complaint-contacts: the contact details of complaints closed COMPLAINT_CONTACT_DAYS
ago and more are erased (models/complaint_privacy.py). The staff pages do it as they open; this
is for an office that wants it on a schedule (cron) too."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from cli.common import configured_office, require_current_schema
from models import db
from models.base import begin_write, now_utc
from models.complaint_privacy import erase_due_contacts


@click.command("erase-complaint-contacts")
@with_appcontext
def erase_contacts_command() -> None:
    """Erase the contacts of complaints closed COMPLAINT_CONTACT_DAYS ago or more."""
    require_current_schema()
    office = configured_office()
    days = current_app.config["COMPLAINT_CONTACT_DAYS"]
    begin_write(db.session)
    erased = erase_due_contacts(db.session, office.id, now_utc(), days)
    db.session.commit()
    click.echo(f"Erased the contact details of {erased} complaint(s) closed {days} days ago "
               "or more.")


COMMANDS = [erase_contacts_command]
