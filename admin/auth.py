"""Staff sign-in and the role check every staff route goes through."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select, update

from models import Counter, Role, Staff, db, throttle
from models.base import begin_write, now_utc
from models.writer import DatabaseBusy
from web.office import current_office

bp = Blueprint("auth", __name__, url_prefix="/staff")


def signed_in_staff() -> Staff | None:
    """The staff member of this session, re-read every request: deactivation bites at once."""
    if "staff" not in g:
        staff = None
        staff_id = session.get("staff_id")
        if staff_id is not None:
            staff = db.session.get(Staff, staff_id)
            if staff is None or not staff.active or not hmac.compare_digest(
                    session_check(staff), str(session.get("staff_check", ""))):
                session.pop("staff_id", None)
                staff = None
        g.staff = staff
    return g.staff


def role_required(*roles: Role) -> Callable:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            staff = signed_in_staff()
            if staff is None:
                return redirect(url_for("auth.sign_in", next=request.full_path))
            if roles and staff.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def session_check(staff: Staff) -> str:
    """What a session keeps of its account's password: a keyed digest of the hash, so a
    password change or reset ends every other session. (The cookie is signed, not secret: it
    held the hash's last 16 characters.)"""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, staff.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def _safe_next(target: str | None) -> str:
    """The page to go on to after signing in: a path of this site, else the counters. Browsers
    read a backslash as a slash and drop tabs and newlines, so "/\\host" or "/<tab>/host"
    would lead to another site."""
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target and all(ord(char) >= 32 for char in target):
        return target
    return url_for("console.choose")


@bp.get("/sign-in")
def sign_in():
    return render_template("auth/sign_in.html", next=request.args.get("next", ""))


@bp.post("/sign-in")
def sign_in_post():
    username = request.form.get("username", "").strip().lower()[:64]
    password = request.form.get("password", "")[:200]
    office_id = current_office().id
    address = request.remote_addr or "unknown"
    locked = throttle.lockout(db.session, office_id, username, address)
    if locked is not None:
        # Refused before the password is looked at, so guessing on learns nothing.
        minutes = locked.minutes_left(now_utc())
        response = make_response(render_template(
            "auth/sign_in.html", next=request.form.get("next", ""), username=username,
            locked_minutes=minutes), 429)
        response.headers["Retry-After"] = str(minutes * 60)
        return response
    staff = db.session.scalar(select(Staff).where(Staff.username == username,
                                                  Staff.office_id == office_id))
    if staff is None or not staff.active or not staff.check_password(password):
        begin_write(db.session)
        throttle.record_failure(db.session, office_id, username, address)
        db.session.commit()
        return render_template("auth/sign_in.html", next=request.form.get("next", ""),
                               username=username, failed=True), 401
    begin_write(db.session)
    throttle.clear_failures(db.session, office_id, username)
    db.session.commit()
    language = session.get("lang")
    session.clear()  # nothing of the session before signing in is carried over ...
    if language is not None:
        session["lang"] = language  # ... but the language the clerk chose on this page
    session["staff_id"] = staff.id
    # A password change or reset ends every other session of that account.
    session["staff_check"] = session_check(staff)
    return redirect(_safe_next(request.form.get("next")), code=303)


def _leave_counters(staff_id: int, counter_ids: list) -> None:
    """Signing out frees the counters this session worked at (not another device's of the same
    clerk): the counter list then shows them free, not "in use by" somebody gone home. A busy
    database leaves them held; the next clerk takes them over as usual."""
    ids = [i for i in counter_ids if isinstance(i, int)]
    if not ids:
        return
    try:
        begin_write(db.session)
    except DatabaseBusy:
        return
    db.session.execute(update(Counter).where(Counter.id.in_(ids), Counter.staff_id == staff_id)
                       .values(staff_id=None))
    db.session.commit()


@bp.post("/sign-out")
def sign_out():
    staff = signed_in_staff()
    counter_ids = session.pop("counters", [])
    session.pop("staff_id", None)  # signed out whatever happens next (the language stays)
    session.pop("staff_check", None)
    if staff is not None and isinstance(counter_ids, list):
        _leave_counters(staff.id, counter_ids)
    return redirect(url_for("auth.sign_in"), code=303)
