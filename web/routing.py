"""URL converters: an <int:...> of a route is a row's id, so it stops where the ids do."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

# PostgreSQL's INTEGER, the ids' type; SQLite's own limit is higher. A larger number in a URL
# names no row: the route does not match (404), rather than overflow in the driver (500).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Before any route is added: the converters are taken when a rule is. <any_int:...> is
    for a route that answers a number past MAX_ID itself, after what it checks first (the
    API's call-next: a bad token's 401 or 403 before an unknown counter's 404)."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["any_int"] = IntegerConverter


MAX_PAGE = 1_000_000  # of a listing: its offset stays far inside the database's integers


def page_number() -> int:
    """The request's ?page=: 1 for anything that is not a page number, at most MAX_PAGE."""
    text = request.args.get("page", "")
    if not (text.isascii() and text.isdigit()):
        return 1
    # (int() refuses a text of more than 4,300 digits: a longer one is past MAX_PAGE anyway.)
    return min(max(int(text), 1), MAX_PAGE) if len(text) <= 12 else MAX_PAGE


def id_header(name: str) -> int | None:
    """A request header holding a row's id (Last-Event-ID): None unless 0..MAX_ID."""
    text = request.headers.get(name, "").strip()
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)):
        value = int(text)
        return value if value <= MAX_ID else None
    return None
