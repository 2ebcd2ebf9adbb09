"""JSON API v1 for other devices and integrations (OpenAPI at /api/openapi.json)."""

from __future__ import annotations

from flask import Flask

from api import openapi, ratings, reports, v1
from api.errors import ApiError, error_response
from models import db


def init_app(app: Flask, csrf) -> None:
    csrf.exempt(v1.bp)
    app.register_blueprint(v1.bp)
    csrf.exempt(ratings.bp)
    app.register_blueprint(ratings.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(openapi.bp)

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        db.session.rollback()
        return error_response(error.status, error.code, error.message, error.message_th)


