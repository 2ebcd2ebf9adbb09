"""Staff-facing blueprints: sign-in and the counter console (reports and management follow)."""

from flask import Flask

from admin import auth, console


def register(app: Flask) -> None:
    app.register_blueprint(auth.bp)
    app.register_blueprint(console.bp)
