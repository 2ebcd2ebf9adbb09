"""Command line: flask --app app init-db | seed-demo | import-catalog | create-staff | serve."""

from flask import Flask

from cli import catalog, serve, staff


def register(app: Flask) -> None:
    for module in (catalog, staff, serve):
        for command in module.COMMANDS:
            app.cli.add_command(command)
