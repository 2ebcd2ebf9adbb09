"""Bad input on the public and sign-in forms: a clear message in Thai and English, never a 500.

Each form gets oversized, malformed, wrong-type (repeated field, a file where text belongs) and
wrong-encoding (bytes that are not UTF-8, NUL) input, posted as a browser would, in both
languages of the page.
"""

from __future__ import annotations

import re
from io import BytesIO
from urllib.parse import quote_from_bytes

import pytest
from sqlalchemy import func, select

from models import Complaint, Rating, Ticket, db
from tests.visit_helpers import served_visit

THAI = re.compile(r"[\u0e01-\u0e5b]")
BIG = "ก" * 300_000  # 900 KB of UTF-8: more than any form takes
FILE = object()  # a file upload where text belongs
BIG_MULTIPART = object()  # BIG sent as multipart/form-data (Flask caps these at 500 KB)


def form_fields(client, url: str) -> dict[str, str]:
    page = client.get(url).get_data(as_text=True)
    return {name: value for name, value in
            re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)}


def rate_url(app) -> str:
    with app.app_context():
        return f"/t/{served_visit('REG-BIRTH', [('1', 'reg1')]).token}/rate"


# form: (page with the form, where it posts, the fields a good submission sends)
FORMS = {
    "ticket": (lambda app: "/services/REG-BIRTH", lambda app, page: "/services/REG-BIRTH/ticket",
               {"priority": ""}),
    "sign-in": (lambda app: "/staff/sign-in", lambda app, page: "/staff/sign-in",
                {"username": "reg1", "password": "not-the-password-1"}),
    "rating": (rate_url, lambda app, page: page,
               {"score": "5", "extra_payment": "no", "comment": "ดีมาก"}),
    "rating-lookup": (lambda app: "/rate/", lambda app, page: "/rate/", {"code": "A001"}),
    "complaint": (lambda app: "/complaints/", lambda app, page: "/complaints/",
                  {"category": "service", "about": "",
                   "text": "เจ้าหน้าที่ไม่อยู่ที่ช่องบริการนานมาก"}),
}

# form, field, bad value
CASES = [
    ("ticket", "priority", "vip"), ("ticket", "priority", BIG), ("ticket", "priority", b"\xff"),
    ("ticket", "priority", "\x00"), ("ticket", "priority", "1"),
    ("sign-in", "username", BIG), ("sign-in", "username", b"\xc3\x28"),
    ("sign-in", "username", "reg1\x00"), ("sign-in", "password", ["a", "b"]),
    ("sign-in", "password", FILE),
    ("rating", "score", "abc"), ("rating", "score", "9"), ("rating", "score", b"\xff\xfe"),
    ("rating", "score", "4\x00"), ("rating", "score", "4.5"), ("rating", "comment", BIG),
    ("rating", "clarity", "-1"), ("rating", "extra_payment", "maybe"),
    ("rating", "score", FILE),
    ("rating-lookup", "code", BIG), ("rating-lookup", "code", b"\xff"),
    ("rating-lookup", "code", "A0\x0001"), ("rating-lookup", "code", "'; DROP TABLE ticket;--"),
    ("complaint", "category", "spam"), ("complaint", "text", BIG),
    ("complaint", "text", BIG_MULTIPART), ("rating", "comment", BIG_MULTIPART),
    ("complaint", "text", b"\xff\xfe\xfd"),
    ("complaint", "text", "\x00" * 40), ("complaint", "contact", "0" * 5000),
    ("complaint", "category", ["spam", "service"]),  # a repeated field: the first counts
]


def post(client, url: str, fields: dict, field: str, value) -> object:
    if value is BIG_MULTIPART:
        # Encoded here: the test client would spool it to a file it never closes.
        body = b"".join(f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                        .encode() for k, v in {**fields, field: BIG}.items()) + b"--b--\r\n"
        return client.post(url, data=body, content_type="multipart/form-data; boundary=b")
    if value is FILE:
        data = {**fields, field: (BytesIO(b"5"), "x.bin")}
        return client.post(url, data=data, content_type="multipart/form-data")
    if isinstance(value, bytes | list):
        values = value if isinstance(value, list) else [value]
        pairs = [(k, v.encode()) for k, v in fields.items() if k != field]
        pairs += [(field, v.encode() if isinstance(v, str) else v) for v in values]
        body = "&".join(f"{quote_from_bytes(k.encode())}={quote_from_bytes(v)}"
                        for k, v in pairs)
        return client.post(url, data=body, content_type="application/x-www-form-urlencoded")
    return client.post(url, data={**fields, field: value})


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize(("form", "field", "value"), CASES,
                         ids=lambda v: {id(FILE): "file", id(BIG_MULTIPART): "big-multipart"}
                         .get(id(v), repr(v)[:16]))
def test_bad_input_gets_a_clear_message_never_a_server_error(app, form, field, value, lang):
    page_of, action_of, good = FORMS[form]
    client = app.test_client()
    page = page_of(app)
    client.get(f"{page}?lang={lang}")
    fields = {**form_fields(client, page), **good}
    response = post(client, action_of(app, page), fields, field, value)
    text = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, (response.status_code, text[:300])
    alert = re.search(r'<section[^>]*role="alert"[^>]*>(.*?)</section>', text, re.DOTALL) \
        or re.search(r'<p[^>]*role="alert"[^>]*>(.*?)</p>', text, re.DOTALL)
    assert alert, text[:500]
    message = re.sub(r"<[^>]+>", " ", alert[1])
    assert "ระบบขัดข้อง" not in message and "Something went wrong" not in message  # the 500 text
    # Some refusals show both languages at once; at least the page's own must be there.
    if lang == "th":
        assert THAI.search(message), message
    else:
        assert re.search(r"[A-Z][a-z]+ [a-z]{2,} [a-z]{2,}", message), message
    with app.app_context():  # nothing was stored from bad input
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
        assert db.session.scalar(select(func.count()).select_from(Rating)) == 0
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == \
            (1 if form == "rating" else 0)
