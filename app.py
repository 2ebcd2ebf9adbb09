"""Khiu's application factory: the one place that wires settings, extensions, blueprints, CLI."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_htmx import HTMX
from flask_wtf.csrf import CSRFProtect

import admin
import api
import cli
import kiosk
from api.errors import wants_json
from config import Config, instance_secret_key
from kiosk.printing import raqm_available
from models import db
from models.hours import parse_hours
from web import assets, errors, i18n, issuers, qr, routing, security, thaitime

log = logging.getLogger("khiu")
htmx = HTMX()
csrf = CSRFProtect()


def create_app(config: type[Config] = Config, overrides: dict[str, Any] | None = None) -> Flask:
    """Settings come from `config`, then instance/config.py, then `overrides` (tests, tools)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(overrides or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'khiu.db'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)

    try:
        app.extensions["khiu_hours"] = parse_hours(app.config["OPENING_HOURS"])
    except ValueError as exc:
        raise RuntimeError(f"OPENING_HOURS: {exc}") from exc
    if not isinstance(app.config["COMPLAINT_CONTACT_DAYS"], int) \
            or app.config["COMPLAINT_CONTACT_DAYS"] < 1:
        raise RuntimeError("COMPLAINT_CONTACT_DAYS: a whole number of days, 1 or more")
    if not raqm_available():
        log.warning("Pillow has no RAQM layout: Thai tone marks on printed tickets may not "
                    "stack correctly (install a Pillow build with libraqm)")

    routing.init_app(app)
    db.init_app(app)
    htmx.init_app(app)
    csrf.init_app(app)
    for helper in (i18n, thaitime, qr, errors, security, issuers):
        helper.init_app(app)
    app.register_blueprint(assets.bp)
    kiosk.register(app)
    admin.register(app)
    api.init_app(app, csrf)
    cli.register(app)

    @app.context_processor
    def _settings() -> dict[str, Any]:
        keys = ("OFFICE_NAME", "OFFICE_NAME_EN", "KIOSK_IDLE_SECONDS", "BMA_OSS_URL",
                "SIGNAGE_INTERVAL_SECONDS")
        return {"settings": {key: app.config[key] for key in keys},
                "complaint_channels": app.config["COMPLAINT_CHANNELS"]}

    @app.after_request
    def _vary_on_htmx(response):
        # Pages answer htmx requests with fragments; the JSON API answers the same to all
        # (and skips the Vary header's parsing on its hot routes).
        if not wants_json():
            response.vary.add("HX-Request")
        return response

    for missing in assets.missing_assets(app):
        log.warning("front-end file missing: %s (run `npm ci` in the project folder)", missing)
    return app
