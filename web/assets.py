"""Front-end files that come from packages, served by the app and never committed.

- Thai font: Sarabun from the PyPI package fontpkg-sarabun (OFL), so a kiosk needs no system
  Thai font.
- htmx 2.0.x and its SSE extension from npm (package.json pins them exactly; `npm ci`).
"""

from __future__ import annotations

from pathlib import Path

import fontpkg_sarabun
from flask import Blueprint, Flask, Response, abort, current_app, render_template, send_file

bp = Blueprint("assets", __name__, url_prefix="/assets")

FONT_DIR = Path(fontpkg_sarabun.ROOT) / "files"
FONT_FILES = {
    # (CSS weight, file)
    "regular": (400, "Sarabun-Regular.ttf"),
    "semibold": (600, "Sarabun-SemiBold.ttf"),
    "bold": (700, "Sarabun-Bold.ttf"),
}
VENDOR_FILES = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "htmx-ext-sse.js": "htmx-ext-sse/dist/sse.min.js",
}
ONE_WEEK = 7 * 24 * 3600


def font_path(weight: str = "regular") -> Path:
    return FONT_DIR / FONT_FILES[weight][1]


def vendor_path(name: str) -> Path:
    return Path(current_app.config["NODE_MODULES"]) / VENDOR_FILES[name]


@bp.get("/fonts/<weight>.ttf")
def font(weight: str) -> Response:
    if weight not in FONT_FILES:
        abort(404)
    return send_file(font_path(weight), mimetype="font/ttf", max_age=ONE_WEEK)


@bp.get("/fonts.css")
def fonts_css() -> Response:
    css = render_template("fonts.css", fonts=FONT_FILES)
    response = Response(css, mimetype="text/css")
    response.cache_control.max_age = ONE_WEEK
    return response


@bp.get("/vendor/<name>")
def vendor(name: str) -> Response:
    if name not in VENDOR_FILES:
        abort(404)
    path = vendor_path(name)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="text/javascript", max_age=ONE_WEEK)


def missing_assets(app: Flask) -> list[str]:
    with app.app_context():
        missing = [str(vendor_path(n)) for n in VENDOR_FILES if not vendor_path(n).exists()]
    missing += [str(font_path(w)) for w in FONT_FILES if not font_path(w).exists()]
    return missing
