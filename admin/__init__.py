"""Staff-facing blueprints: sign-in, counter console, print jobs (reports and management follow)."""

from flask import Flask

from admin import auth, complaints, console, manage, printing


def register(app: Flask) -> None:
    app.register_blueprint(auth.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(printing.bp)
    app.register_blueprint(complaints.bp)
    app.register_blueprint(manage.bp)
