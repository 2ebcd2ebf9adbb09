"""Citizen-facing blueprints: catalog and manuals, signage (later: tickets, status, rating...)."""

from flask import Flask

from kiosk import catalog, signage


def register(app: Flask) -> None:
    app.register_blueprint(catalog.bp)
    app.register_blueprint(signage.bp)
