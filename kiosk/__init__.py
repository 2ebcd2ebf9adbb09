"""Citizen-facing blueprints: catalog and manuals, signage, tickets and their status."""

from flask import Flask

from kiosk import board, catalog, complaints, rating, signage, tickets, transparency


def register(app: Flask) -> None:
    app.register_blueprint(catalog.bp)
    app.register_blueprint(signage.bp)
    app.register_blueprint(tickets.bp)
    app.register_blueprint(board.bp)
    app.register_blueprint(rating.bp)
    app.register_blueprint(complaints.bp)
    app.register_blueprint(transparency.bp)
