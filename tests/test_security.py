"""Security headers and cookies, unguessable ticket tokens, and status/rating pages that show
one visit only.

Deactivated staff are locked out at once: see test_console.py
(test_deactivated_staff_are_locked_out_at_once) and test_manage_staff.py
(test_deactivated_member_is_locked_out_at_once_and_their_tokens_stop), not repeated here.
"""

from __future__ import annotations

import base64
import html
import re
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app import create_app
from config import TestConfig
from kiosk.rating_rules import kiosk_reference
from models import Staff, db
from tests.queue_helpers import issue
from tests.staff_helpers import PASSWORD, add_staff, csrf, sign_in
from tests.visit_helpers import served_visit


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_every_kind_of_response_carries_the_security_headers(app, client):
    token = None
    with app.app_context():
        token = issue("REG-BIRTH").token
    responses = {
        "kiosk page": client.get("/"),
        "status page": client.get(f"/t/{token}"),
        "htmx fragment": client.get(f"/t/{token}", headers={"HX-Request": "true"}),
        "own script": client.get("/static/js/kiosk.js"),
        "htmx": client.get("/assets/vendor/htmx.min.js"),
        "font": client.get("/assets/fonts/regular.ttf"),
        "not found": client.get("/no-such-page"),
        "API JSON": client.get("/api/v1/services"),
        "API error": client.post("/api/v1/counters/1/call-next"),
        "staff redirect": client.get("/staff/console/"),
        "CSRF refusal": client.post("/complaints/"),
    }
    for what, response in responses.items():
        response.close()
        directives = csp_directives(response)
        assert directives["script-src"] == ["'self'"], what
        assert directives["default-src"] == ["'self'"], what
        assert directives["frame-ancestors"] == ["'none'"], what
        assert directives["object-src"] == ["'none'"], what
        assert "'unsafe-inline'" not in directives["style-src"], what
        assert response.headers["X-Content-Type-Options"] == "nosniff", what
        assert response.headers["X-Frame-Options"] == "DENY", what
        assert response.headers["Referrer-Policy"] == "same-origin", what


def test_the_board_stream_carries_them_too(client):
    response = client.get("/board/events")
    try:
        assert response.mimetype == "text/event-stream"
        assert csp_directives(response)["script-src"] == ["'self'"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        response.close()


def test_the_session_cookie_is_httponly_and_samesite(app):
    add_staff(app, "somchai")
    client = app.test_client()
    response = sign_in(client, "somchai")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on the office LAN unless told otherwise


def test_the_api_neither_reads_nor_sets_the_session_cookie(app):
    add_staff(app, "somchai")
    client = app.test_client()
    sign_in(client, "somchai")  # a signed-in browser
    assert client.get("/?lang=en").status_code == 200  # pages keep their cookie
    for response in (client.get("/api/v1/services?lang=en"),
                     client.post("/api/v1/tickets?lang=en", json={"service": "REG-BIRTH"}),
                     client.post("/api/v1/counters/1/call-next")):
        assert "Set-Cookie" not in response.headers
    # The page cookie is no key to the API's staff routes, and the language stayed as chosen.
    assert client.post("/api/v1/counters/1/call-next").status_code == 401
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)


def test_the_session_cookie_is_secure_when_set(app, tmp_path):
    secure = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI":
                                     app.config["SQLALCHEMY_DATABASE_URI"],
                                     "SESSION_COOKIE_SECURE": True})
    try:
        add_staff(secure, "somchai")
        client = secure.test_client()
        response = sign_in(client, "somchai")
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        with secure.app_context():
            db.engine.dispose()


def test_ticket_tokens_are_at_least_128_random_bits(app, client):
    with app.app_context():
        tickets = [issue("REG-BIRTH") for _ in range(40)]
    tokens = [ticket.token for ticket in tickets]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128, token
    # Neighbouring tickets share nothing guessable: no common prefix, most characters differ.
    for first, second in zip(tokens, tokens[1:], strict=False):
        assert first[:4] != second[:4]
        assert sum(a != b for a, b in zip(first, second, strict=True)) > len(first) // 2
    # Neither the number nor a near miss opens a ticket.
    assert client.get(f"/t/{tickets[0].number}").status_code == 404
    assert client.get(f"/t/{tokens[0][:-1]}").status_code == 404
    assert client.get(f"/t/{tokens[0]}").status_code == 200


def test_a_tampered_kiosk_rating_link_opens_nothing(app, client):
    with app.app_context(), app.test_request_context():
        ticket = served_visit("REG-BIRTH", [("1", "reg1")])
        reference = kiosk_reference(ticket)
    assert client.get(f"/rate/v/{reference}").status_code == 200
    forged = reference[:-2] + ("AA" if not reference.endswith("AA") else "BB")
    response = client.get(f"/rate/v/{forged}")
    assert response.status_code == 404
    assert ticket.number not in response.get_data(as_text=True)


def display_name(username: str) -> str:
    return db.session.scalar(select(Staff.display_name).where(Staff.username == username))


def test_status_and_rating_pages_show_one_visit_only(app, client):
    with app.app_context(), app.test_request_context():
        mine = served_visit("REG-BIRTH", [("1", "reg1")])
        theirs = served_visit("REV-SIGNTAX", [("4", "rev1")])
        waiting_mine = issue("REG-BIRTH")
        waiting_theirs = issue("REG-BIRTH")
        kiosk_form = f"/rate/v/{kiosk_reference(mine)}"
        my_staff, their_staff = display_name("reg1"), display_name("rev1")
    assert my_staff != their_staff
    others = [theirs.number, theirs.token, their_staff, waiting_theirs.number,
              waiting_theirs.token, waiting_mine.token]
    pages = {
        "status": (f"/t/{mine.token}", [mine.number]),
        "status fragment": (f"/t/{mine.token}", [mine.number]),
        "phone rating": (f"/t/{mine.token}/rate", [mine.number, my_staff]),
        "kiosk rating": (kiosk_form, [mine.number, my_staff]),
    }
    for what, (url, own) in pages.items():
        headers = {"HX-Request": "true"} if "fragment" in what else {}
        response = client.get(url, headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, what
        for mine_shown in own:
            assert mine_shown in html, (what, mine_shown)
        for other in others:
            assert other not in html, (what, other)
    # A waiting ticket's page gives a count of people ahead, never their numbers.
    waiting_page = client.get(f"/t/{waiting_theirs.token}").get_data(as_text=True)
    assert waiting_theirs.number in waiting_page
    for other in (waiting_mine.number, waiting_mine.token, mine.number, theirs.number,
                  my_staff, their_staff):
        assert other not in waiting_page, other


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "/\\/evil.example",
                                    "https://evil.example/", "/\t/evil.example", "/\n/evil"])
def test_signing_in_never_sends_the_browser_to_another_site(app, client, target):
    """Browsers read a backslash as a slash, and drop tabs and newlines from a URL: each of
    these would have led off the site after signing in."""
    add_staff(app, "clerk")
    answer = client.post(f"/staff/sign-in?next={quote(target)}", data={
        "csrf_token": csrf(client), "username": "clerk", "password": PASSWORD, "next": target})
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert location == "/staff/console/", location


def test_signing_in_goes_on_to_the_page_asked_for(app, client):
    add_staff(app, "clerk")
    answer = client.post("/staff/sign-in", data={
        "csrf_token": csrf(client), "username": "clerk", "password": PASSWORD,
        "next": "/staff/console/?x=1"})
    assert answer.headers["Location"] == "/staff/console/?x=1"


@pytest.mark.parametrize("query", ["endpoint=x", "code=x", "lang=en&_external=1",
                                   "_scheme=javascript", "view_args=1", "values=1"])
@pytest.mark.parametrize("path", ["/", "/services/REG-BIRTH", "/no-such-page"])
def test_any_query_string_leaves_the_language_links_working(client, path, query):
    """The language switch repeats the page's query: names that url_for() takes as its own
    arguments (endpoint, the route's code, _external...) used to raise, on the page and on
    its error page."""
    answer = client.get(f"{path}?{query}")
    assert answer.status_code in (200, 404), answer.status_code
    page = answer.get_data(as_text=True)
    links = re.findall(r'hreflang="(th|en)"|href="([^"]*)"[^>]*hreflang', page)
    switch = re.findall(r'<a href="([^"]*)" lang="(?:th|en)" hreflang', page)
    assert len(switch) == 2 and links, page[:500]
    for href in switch:
        href = html.unescape(href)
        assert href.startswith(path if answer.status_code == 200 else "/"), href
        assert "javascript" not in href.split("?")[0] and "//" not in href, href


def test_the_session_cookie_holds_nothing_of_the_password_hash(app, client):
    """The cookie is signed but readable: it keeps a keyed digest of the hash, which still
    ends the session when the password changes."""
    add_staff(app, "clerk")
    sign_in(client, "clerk")
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    with app.app_context():
        hashed = db.session.scalar(select(Staff.password_hash).where(Staff.username == "clerk"))
    for value in data.values():
        text = str(value)
        assert not any(hashed[i:i + 8] in text for i in range(len(hashed) - 8)), data
    assert client.get("/staff/console/").status_code == 200
    with app.app_context():  # the password changed elsewhere: this session ends
        db.session.scalar(select(Staff).where(Staff.username == "clerk")).set_password(
            "new-pass-2-long")
        db.session.commit()
    assert client.get("/staff/console/").status_code == 302


def test_signing_in_starts_a_fresh_session_that_keeps_the_chosen_language(app, client):
    """Nothing of the session before signing in is carried over (a planted value would
    survive into the staff session), except the language the clerk chose on the sign-in
    page: English chosen there stayed behind and the console came up in Thai."""
    add_staff(app, "clerk")
    client.get("/staff/sign-in?lang=en")
    with client.session_transaction() as before:
        before["planted"] = "x"
    sign_in(client, "clerk")
    with client.session_transaction() as after:
        assert "planted" not in after and after["lang"] == "en"
    assert "Choose your counter" in client.get("/staff/console/").get_data(as_text=True)
