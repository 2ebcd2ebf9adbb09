"""Error pages in Thai and English; the database session is rolled back on a server error."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Flask, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from api.errors import database_busy_as_json, error_response, http_error_as_json, wants_json
from models import db
from web.office import OfficeNotSetUp

MESSAGES = {
    400: ("คำขอไม่ถูกต้อง", "Bad request"),
    403: ("ไม่มีสิทธิ์เข้าถึงหน้านี้", "You may not open this page"),
    404: ("ไม่พบหน้าที่ต้องการ", "Page not found"),
    405: ("ไม่รองรับคำขอนี้", "Method not allowed"),
    413: ("ข้อมูลที่ส่งมายาวเกินไป กรุณาย่อให้สั้นลงแล้วลองอีกครั้ง",
          "What you sent is too long. Please shorten it and try again"),
    500: ("ระบบขัดข้อง กรุณาลองใหม่หรือติดต่อเจ้าหน้าที่", "Something went wrong. Please try "
          "again or ask a staff member"),
    503: ("ระบบไม่ว่างชั่วคราว กรุณาลองใหม่อีกครั้ง", "The system is busy. Please try again"),
}


def error_page(status: int, th: str | None = None, en: str | None = None):
    default_th, default_en = MESSAGES.get(status, MESSAGES[500])
    return render_template("error.html", status=status, message_th=th or default_th,
                           message_en=en or default_en), status


def _http_error(error: HTTPException):
    if wants_json():
        return http_error_as_json(error)
    return error_page(error.code or 500)


def _not_set_up(error: OfficeNotSetUp):
    return error_page(503, "ระบบยังไม่ได้ตั้งค่า (ให้ผู้ดูแลระบบรัน flask init-db)",
                      "Khiu is not set up yet (an administrator must run flask init-db)")


def _database_busy(error: OperationalError | PoolTimeout):
    """A locked or unreachable database, or every pooled connection in use past pool_timeout:
    the transaction is undone, the request can be retried."""
    db.session.rollback()
    if wants_json():
        return database_busy_as_json(error)
    response = make_response(error_page(503))
    response.headers["Retry-After"] = "1"
    return response


def _csrf_error(error: CSRFError):
    return error_page(400, "หน้านี้หมดอายุแล้ว กรุณากลับไปหน้าเดิมแล้วลองอีกครั้ง",
                      "This page has expired. Please go back and try again")


def _server_error(error: Exception):
    db.session.rollback()
    if wants_json():
        return error_response(500, "server_error", "Unexpected server error")
    return error_page(500)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _unreadable(body: bytes) -> bool:
    """An url-encoded body whose escapes are not UTF-8 (Werkzeug would keep "%FF" as text)."""
    try:
        parse_qsl(body.decode("ascii"), encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        return True
    return False


def _refuse_unreadable_form():
    """Refuse a form holding bytes that are not UTF-8 rather than store them garbled."""
    if request.method != "POST" or request.mimetype not in FORM_TYPES:
        return None
    # Multipart values arrive decoded, with U+FFFD where bytes were not UTF-8.
    raw = request.get_data(cache=True) if request.mimetype == FORM_TYPES[0] else b""
    if _unreadable(raw) or any("\ufffd" in value for value in request.form.values()):
        return error_page(400, "ข้อมูลที่ส่งมามีอักขระที่อ่านไม่ได้ กรุณาพิมพ์ใหม่อีกครั้ง",
                          "What you sent contains characters that cannot be read. Please type "
                          "it again")
    return None


def init_app(app: Flask) -> None:
    # First of all hooks: the raw body must be read before anything (CSRF) parses the form.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_unreadable_form)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(OfficeNotSetUp, _not_set_up)
    app.register_error_handler(OperationalError, _database_busy)
    app.register_error_handler(PoolTimeout, _database_busy)
    app.register_error_handler(500, _server_error)
