"""Staff-facing blueprints: sign-in, counter console, print jobs (reports and management follow)."""

from flask import Flask

from admin import alerts, auth, complaints, console, manage, printing, reports, reports_export


def register(app: Flask) -> None:
    app.register_blueprint(auth.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(printing.bp)
    app.register_blueprint(complaints.bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(reports_export.bp)
    app.register_blueprint(alerts.bp)
