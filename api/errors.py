"""JSON errors: {"error": code, "message": text} with a proper status.

An error a device may show a citizen as it is (an unknown service, the office closed, a busy
database, a refused queue action) also carries "message_th", the same in Thai.
"""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from models import db
from models.tickets import QueueError

API_PREFIX = "/api/"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, message_th: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.message_th = message_th


def error_response(status: int, code: str, message: str, message_th: str | None = None):
    body = {"error": code, "message": message}
    if message_th:
        body["message_th"] = message_th
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="khiu"'
    return response


HTTP_CODES = {400: "malformed", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large",
              415: "unsupported_media_type", 422: "invalid", 500: "server_error"}


def wants_json() -> bool:
    return request.path.startswith(API_PREFIX)


def http_error_as_json(error: HTTPException):
    status = error.code or 500
    response = error_response(status, HTTP_CODES.get(status, "error"), error.description or "")
    # Keep what the error says besides its text, e.g. a 405's Allow header (RFC 9110).
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def queue_error_as_json(error: QueueError):
    """A request the queue cannot honour (a transition its state forbids, an unknown counter,
    a rating refused...), raised by the domain: its status, code and English message."""
    db.session.rollback()
    return error_response(error.status, error.code, error.message_en, error.message_th)


def database_busy_as_json(error: Exception):
    db.session.rollback()
    response = error_response(503, "database_busy", "The database is busy; retry the request",
                              "ระบบไม่ว่างชั่วคราว กรุณาลองใหม่อีกครั้ง")
    response.headers["Retry-After"] = "1"
    return response
