"""Command line: flask --app app init-db | seed-demo | import-catalog | create-staff | serve |
backup | restore | erase-complaint-contacts."""

from flask import Flask

from cli import backup, catalog, privacy, serve, staff


def register(app: Flask) -> None:
    for module in (catalog, staff, serve, backup, privacy):
        for command in module.COMMANDS:
            app.cli.add_command(command)
