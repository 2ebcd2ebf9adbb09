"""What every management page shares: the admin check, the audited commit, flash + redirect."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response

from admin.auth import role_required
from models import Role, audit, db
from web.office import current_office

admin_only = role_required(Role.ADMIN)

# Long free text (conditions, notes) and the one-line fields, cut the same way for every form.
LONG_TEXT = 4000


def form_text(name: str, limit: int = LONG_TEXT) -> str:
    # A little over the limit, so the catalog rules still report "too long" instead of the
    # form silently cutting what the admin typed.
    return request.form.get(name, "")[: limit + 1]


# Nine digits fit every INTEGER column; longer "numbers" are refused rather than overflowing.
MAX_DIGITS = 9


def whole_number(text: str | None) -> int | None:
    """ASCII digits only: '²'.isdigit() and '٣'.isdigit() are True, but int('²') fails."""
    if text and text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS:
        return int(text)
    return None


def form_flag(name: str) -> bool:
    return request.form.get(name) == "on"


def owned(model: type, object_id: int) -> Any:
    """A row of this office, or 404."""
    row = db.session.get(model, object_id)
    if row is None or row.office_id != current_office().id:
        abort(404)
    return row


def commit_audited(action: str, target: str, **detail: Any) -> None:
    """Write the audit entry in the same transaction as the change, then commit both."""
    audit(db.session, current_office().id, g.staff, action, target, **detail)
    db.session.commit()


def commit_changes(action: str, target: str, *, changes: dict[str, Any], **detail: Any) -> None:
    """Commit a change with its audit entry; an edit that changed nothing writes nothing."""
    if changes:
        commit_audited(action, target, changes=changes, **detail)
    else:
        db.session.rollback()


def commit_saved(kind: str, target: str, created: bool, changes: dict[str, Any],
                 added: tuple[str, str], saved: tuple[str, str], endpoint: str,
                 **values: Any) -> Response:
    """Finish a create-or-edit form: a creation or a real change is committed with its audit
    entry ("<kind>.create" / "<kind>.update"); an edit that changed nothing writes nothing."""
    if created:
        commit_audited(f"{kind}.create", target, changes=changes)
    else:
        commit_changes(f"{kind}.update", target, changes=changes)
    message_th, message_en = added if created else saved
    return done(message_th, message_en, endpoint, **values)


def done(message_th: str, message_en: str, endpoint: str, *, category: str = "ok",
         **values: Any) -> Response:
    """POST-redirect-GET with a message shown once on the next page ("ok" or "error")."""
    flash((message_th, message_en), category)
    return redirect(url_for(endpoint, **values), code=303)


def field_errors(error: Any) -> dict[str, Any]:
    """One AdminError as the {field: problem} mapping the form templates show."""
    return {error.field or "form": error} if error is not None else {}


def is_htmx() -> bool:
    return bool(request.headers.get("HX-Request"))
