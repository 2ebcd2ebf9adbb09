"""The exit rating in a real headless Chromium: the kiosk by touch (keypad and scanner) and the
phone from the ticket's status page. Screenshots go to the `artifacts` folder."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import Rating, RatingChannel, RatingCredit, Staff, db
from tests.queue_helpers import issue
from tests.test_browser import MIN_TOUCH_PX, PHONE, PORTRAIT, kiosk_page, path_of, shot
from tests.visit_helpers import served_visit

pytestmark = pytest.mark.browser


def transferred_visit(app) -> tuple[str, str]:
    with app.app_context():
        ticket = served_visit("REV-SIGNTAX", [("4", "rev1"), ("2", "reg2")],
                              transfers_to=["REG-MOVE-IN"])
        return ticket.token, ticket.number


def the_rating(app) -> tuple[Rating, list[str]]:
    """The one stored rating (fails if there are more) and the usernames it credits."""
    with app.app_context():
        [rating] = db.session.scalars(select(Rating)).all()
        credited = db.session.scalars(
            select(Staff.username).join(RatingCredit, RatingCredit.staff_id == Staff.id)
            .where(RatingCredit.rating_id == rating.id).order_by(RatingCredit.id)).all()
        return rating, list(credited)


def too_small(page: Page, selector: str) -> list[str]:
    """Elements under the 48 px touch minimum (as 'text: WxH')."""
    small = []
    for element in page.locator(selector).all():
        box = element.bounding_box()
        if box and (box["width"] < MIN_TOUCH_PX or box["height"] < MIN_TOUCH_PX):
            small.append(f"{element.inner_text()!r}: {box['width']:.0f}x{box['height']:.0f}")
    return small


def overflows(page: Page) -> bool:
    """Wider than the screen: something would be cut off or need sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_kiosk_rating_by_touch_keypad(browser, live_server, app, artifacts):
    _, number = transferred_visit(app)
    assert number == "D001"
    with kiosk_page(browser, PORTRAIT, has_touch=True) as page:
        page.goto(live_server + "/")
        shot(page, artifacts, "01-home.png")
        page.locator("a.rate-home").tap()
        page.wait_for_url("**/rate/")
        field = page.locator("#rate-code")
        expect(field).to_be_focused()
        assert too_small(page, ".key, .find-form button[type=submit]") == []
        shot(page, artifacts, "02-find.png")

        keypad = page.locator("[data-keypad]")
        # A letter goes in front, replacing any letter already there: 1, A, D, 9 is D19.
        for key in ("1", "A", "D", "9"):
            keypad.locator(f"button[data-prefix='{key}'], button[data-key='{key}']").tap()
        expect(field).to_have_value("D19")
        keypad.locator("button[data-action=back]").tap()
        expect(field).to_have_value("D1")
        expect(field).to_be_focused()
        shot(page, artifacts, "03-typed.png")
        page.locator(".find-form button[type=submit]").tap()

        page.wait_for_url("**/rate/v/**")
        expect(page.locator(".rate-number")).to_have_text("D001")
        served = page.locator(".served-by li")
        expect(served).to_have_count(2)
        expect(served.nth(0)).to_contain_text("นางมาลี รุ่งเรือง")
        expect(served.nth(0)).to_contain_text("ฝ่ายรายได้ · ช่องบริการ 4")
        expect(served.nth(1)).to_contain_text("นางสาวสุดา แก้วมณี")
        expect(served.nth(1)).to_contain_text("ฝ่ายทะเบียน · ช่องบริการ 2")
        expect(page.locator(".face-word")).to_have_text(
            ["มากที่สุด", "มาก", "ปานกลาง", "น้อย", "น้อยที่สุด"])
        assert too_small(page, ".face-choice, .choice, .rate-submit") == []
        shot(page, artifacts, "04-form.png", full_page=True)

        page.locator(".face-choice.score-4").tap()
        expect(page.locator("input[name=score][value='4']")).to_be_checked()
        expect(page.locator(".rate-submit")).to_be_in_viewport()  # "send" never scrolls away
        shot(page, artifacts, "05-face-chosen.png")
        page.locator("fieldset.aspect", has_text="ความรวดเร็ว").locator(".choice.score-3").tap()
        page.locator("fieldset.aspect", has_text="ความสุภาพ").locator(".choice.score-5").tap()
        page.locator(".choice.extra-no").tap()
        expect(page.locator("input[name=extra_payment][value=no]")).to_be_checked()
        page.locator("#comment").fill("เจ้าหน้าที่อธิบายชัดเจน")
        shot(page, artifacts, "06-answered.png")
        page.locator(".rate-submit").tap()

        page.wait_for_url("**/rate/thanks")
        expect(page.locator("h1")).to_have_text("ขอบคุณที่ประเมินความพึงพอใจ")
        shot(page, artifacts, "07-thanks.png")

    rating, credited = the_rating(app)
    assert (rating.score, rating.clarity, rating.speed, rating.courtesy) == (4, None, 3, 5)
    assert rating.extra_payment_asked is False and rating.comment == "เจ้าหน้าที่อธิบายชัดเจน"
    assert rating.channel == RatingChannel.KIOSK
    assert credited == ["rev1", "reg2"]


def test_scanner_lands_in_the_field_and_a_double_tap_rates_once(browser, live_server, app,
                                                                artifacts):
    token, _ = transferred_visit(app)
    with app.app_context():
        waiting = issue("REG-BIRTH").token
    with kiosk_page(browser, PORTRAIT, has_touch=True) as page:
        page.goto(live_server + "/rate/")
        # Taps elsewhere take the focus; the next scan must still reach the field.
        page.locator("[data-keypad] button[data-key='5']").tap()
        page.locator("[data-keypad] button[data-action=clear]").tap()
        page.locator("h1").tap()
        page.keyboard.type(f"{live_server}/t/{waiting}")
        page.keyboard.press("Enter")
        alert = page.locator(".rate-problem")
        expect(alert).to_contain_text("บัตรคิวนี้ยังรอเรียกอยู่")
        expect(alert).to_contain_text("still waiting to be called")
        expect(page.locator("#rate-code")).to_be_focused()
        expect(page.locator("#rate-code")).to_have_value("")
        shot(page, artifacts, "01-not-finished.png")

        page.keyboard.type(f"{live_server}/t/{token}")
        page.keyboard.press("Enter")
        page.wait_for_url("**/rate/v/**")
        assert token not in page.url
        page.locator(".face-choice.score-1").tap()
        page.locator(".choice.extra-yes").tap()
        page.locator(".rate-submit").dblclick()
        page.wait_for_url("**/rate/thanks")
        shot(page, artifacts, "02-thanks-after-double-tap.png")

    rating, _ = the_rating(app)  # exactly one, or the_rating fails
    assert (rating.score, rating.extra_payment_asked) == (1, True)


def test_phone_rates_from_the_status_page(browser, live_server, app, artifacts):
    token, _ = transferred_visit(app)
    with kiosk_page(browser, PHONE, has_touch=True, is_mobile=True) as page:
        page.goto(f"{live_server}/t/{token}")
        invite = page.locator(".rate-invite a")
        expect(invite).to_have_text("ประเมินความพึงพอใจ")
        shot(page, artifacts, "01-status-finished.png", full_page=True)
        invite.tap()
        page.wait_for_url(f"**/t/{token}/rate")
        assert page.evaluate("document.body.hasAttribute('data-idle-seconds')") is False
        faces = page.locator(".face-choice")
        boxes = [faces.nth(i).bounding_box() for i in range(5)]
        assert all(box["width"] <= PHONE["width"] for box in boxes)
        assert too_small(page, ".face-choice, .choice, .rate-submit") == []
        assert not overflows(page)
        shot(page, artifacts, "02-phone-form.png")
        page.goto(f"{live_server}/t/{token}/rate?lang=en")  # longer words, same width
        assert not overflows(page)
        shot(page, artifacts, "02-phone-form-en.png")
        page.goto(f"{live_server}/t/{token}/rate?lang=th")
        # Sent without a face: the page's own large message in both languages, not the
        # browser's small bubble in its own language.
        page.locator(".rate-submit").tap()
        expect(page.locator(".rate-problem")).to_contain_text("Please tap the face")
        expect(page.locator(".rate-problem")).to_contain_text("กรุณาแตะใบหน้า")
        shot(page, artifacts, "02-phone-no-face.png")
        page.locator(".face-choice.score-5").tap()
        expect(page.locator(".rate-submit")).to_be_in_viewport()
        shot(page, artifacts, "03-phone-face-chosen.png")
        page.locator(".rate-submit").tap()
        page.wait_for_url(f"**/t/{token}/rate/thanks")
        shot(page, artifacts, "04-phone-thanks.png")
        page.locator(".rate-thanks a").tap()
        page.wait_for_url(f"**/t/{token}")
        expect(page.locator(".rated-note")).to_contain_text("ท่านประเมินการมาติดต่อครั้งนี้แล้ว")
        assert path_of(page) == f"/t/{token}"
        shot(page, artifacts, "05-status-rated.png")

    rating, _ = the_rating(app)
    assert (rating.score, rating.channel) == (5, RatingChannel.PHONE)
