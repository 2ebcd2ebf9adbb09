"""The display board in a real Chromium: each call shows, flashes and is announced in turn."""

from __future__ import annotations

import pytest

from models import db
from models.base import begin_write
from models.calling import call_next
from models.counter_actions import finish
from tests.queue_helpers import counter, issue, staff

pytestmark = pytest.mark.browser


def call_and_finish(app, label: str, finish_it: bool = True) -> str:
    with app.app_context():
        begin_write(db.session)
        ticket = call_next(db.session, counter(label), staff("reg1"))
        number = ticket.number
        if finish_it:
            finish(db.session, ticket)
        db.session.commit()
    return number


def test_board_shows_and_announces_every_call_in_order(app, live_server, browser, artifacts):
    with app.app_context():
        for _ in range(3):
            issue("REG-BIRTH")
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/board/")
    page.wait_for_selector('#board[data-live="1"]', timeout=10_000)
    page.screenshot(path=str(artifacts / "01-board-idle.png"))
    # Tapping "turn on the sound" takes the button away (a button's display style kept it on
    # screen over the last calls, so staff could not tell the sound was on).
    page.click("#sound-on")
    page.wait_for_selector("#sound-on", state="hidden", timeout=3_000)

    first = call_and_finish(app, "1", finish_it=False)
    tile = page.locator('.tile[data-counter="1"] .tile-number')
    tile.wait_for(state="visible")
    page.wait_for_function(
        "n => document.querySelector('.tile[data-counter=\"1\"] .tile-number').textContent === n",
        arg=first, timeout=3_000)
    page.wait_for_selector("#call-flash:not([hidden])", timeout=3_000)
    assert page.locator("#call-flash").inner_text() == f"{first} → ช่อง 1\nCounter 1"
    page.screenshot(path=str(artifacts / "02-first-call.png"))

    # Two calls in quick succession queue behind the first announcement; none is cut or lost.
    finish_first = call_and_finish  # the counter must finish before calling again
    with app.app_context():
        begin_write(db.session)
        from sqlalchemy import select

        from models import Ticket
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == first))
        finish(db.session, ticket)
        db.session.commit()
    page.evaluate("""() => {
        const box = document.getElementById('call-flash');
        window.flashLog = [];
        new MutationObserver(() => window.flashLog.push(
            [performance.now(), box.hidden, box.textContent])).observe(
            box, {attributes: true, childList: true, characterData: true, subtree: true});
    }""")
    second = finish_first(app, "2")
    third = finish_first(app, "3")
    page.wait_for_function("() => document.getElementById('board').dataset.announced === '3'",
                           timeout=20_000)
    calls = page.locator(".last-calls .call-number").all_inner_texts()
    assert calls[:3] == [third, second, first]
    page.screenshot(path=str(artifacts / "03-three-calls.png"))
    # Each queued call keeps the flash on screen until the next one takes it over: an
    # earlier call's timer used to hide a later call's flash a second into its turn (the
    # board's only sign of the call where there is no Thai voice).
    page.wait_for_selector("#call-flash[hidden]", state="attached", timeout=10_000)
    log = page.evaluate("window.flashLog")
    shown = [(at, text) for at, hidden, text in log if not hidden]
    hidden_at = [at for at, hidden, _ in log if hidden]
    starts = {text: min(at for at, t in shown if t == text)
              for text in (f"{second} → ช่อง 2\nCounter 2", f"{third} → ช่อง 3\nCounter 3")}
    begin, last = sorted(starts.values())
    assert not [at for at in hidden_at if begin < at < last], log
    assert min(at for at in hidden_at if at > last) - last >= 3_000, log
    assert errors == []
    context.close()
