"""QR codes as inline SVG (crisp at any size, no image request) and absolute links for phones."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from flask import current_app, url_for
from markupsafe import Markup


def public_url(endpoint: str, **values) -> str:
    """An address a phone can open: PUBLIC_URL when set (the kiosk may be on 127.0.0.1)."""
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def qr_svg(data: str, label: str = "QR code") -> Markup:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(data)
    svg = code.make_image().to_string(encoding="unicode")
    svg = svg.split("?>", 1)[-1].strip() if svg.startswith("<?xml") else svg
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1)
    return Markup(svg)


def init_app(app) -> None:
    app.jinja_env.globals.update(qr_svg=qr_svg, public_url=public_url)
