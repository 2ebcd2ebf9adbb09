"""Serve the app with waitress: many threads, because event streams hold a thread each."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 to serve the office LAN.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", type=int, default=None,
              help="Worker threads (default: SERVER_THREADS setting).")
@with_appcontext
def serve_command(host: str, port: int, threads: int | None) -> None:
    """Run Khiu with the waitress production server."""
    import waitress

    app = current_app._get_current_object()
    threads = threads or app.config["SERVER_THREADS"]
    click.echo(f"Khiu on http://{host}:{port}/ ({threads} threads)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="khiu")


COMMANDS = [serve_command]
