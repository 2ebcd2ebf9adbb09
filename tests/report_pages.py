"""Reading the report screen and its exports back, for the report HTTP and API tests."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import openpyxl

from models import Role, db
from tests.queue_helpers import staff
from tests.staff_helpers import PASSWORD, add_staff, sign_in

RANGE = "from=2026-11-10&to=2026-11-10"


class TableReader(HTMLParser):
    """{row data-key: {data-col: text}} of the table with the given id."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside, self.rows = table_id, False, {}
        self.row = self.col = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.inside = attrs.get("id") == self.table_id
        elif self.inside and tag == "tr" and "data-key" in attrs:
            self.row = self.rows.setdefault(attrs["data-key"], {})
        elif self.inside and tag == "td" and self.row is not None and "data-col" in attrs:
            self.col = attrs["data-col"]
            self.row[self.col] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self.col = None
        elif tag == "table":
            self.inside, self.row = False, None

    def handle_data(self, data):
        if self.col is not None:
            self.row[self.col] += data.strip()


def screen_table(page: str, table_id: str) -> dict[str, dict[str, str]]:
    reader = TableReader(table_id)
    reader.feed(page)
    return reader.rows


def xlsx_table(data: bytes, sheet: str, key_header: str) -> dict[str, dict[str, object]]:
    """Rows of a sheet by the value under key_header; the header row is the one naming it."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = list(book[sheet].iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if key_header in row)
    header = rows[header_at]
    return {row[header.index(key_header)]: dict(zip(header, row, strict=True))
            for row in rows[header_at + 1:]}


def csv_table(data: bytes, key_header: str) -> dict[str, dict[str, str]]:
    text = data.decode("utf-8-sig")
    return {row[key_header]: row for row in csv.DictReader(io.StringIO(text))}


def people(app) -> None:
    """An admin, a supervisor of each section, and known passwords for the demo counter staff."""
    add_staff(app, "boss", Role.ADMIN)
    add_staff(app, "regsup", Role.SUPERVISOR, "REG")
    add_staff(app, "revsup", Role.SUPERVISOR, "REV")
    with app.app_context():
        for username in ("reg1", "reg2", "rev1"):
            staff(username).set_password(PASSWORD)
        db.session.commit()


def signed_in(app, username: str):
    client = app.test_client()
    assert sign_in(client, username).status_code == 303
    return client
