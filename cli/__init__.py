"""Command line: flask --app app init-db | seed-demo | import-catalog | create-staff | serve |
backup | restore."""

from flask import Flask

from cli import backup, catalog, serve, staff


def register(app: Flask) -> None:
    for module in (catalog, staff, serve, backup):
        for command in module.COMMANDS:
            app.cli.add_command(command)
