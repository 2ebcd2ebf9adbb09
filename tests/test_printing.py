"""Ticket printing: Thai rendering, the QR, and the ESC/POS bytes (delivery: test_printers.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import qrcode
from PIL import Image, ImageDraw, ImageFont

from kiosk.printing import (
    TicketSlip,
    decode_raster,
    draw_ticket,
    encode_escpos,
    raqm_available,
    render_ticket,
)
from kiosk.printing.render import (
    ABOVE_BASELINE,
    LINE_HEIGHT,
    MIN_TEXT_DOTS,
    _Sheet,
    font,
    text_block,
)
from kiosk.printing.wrap import JOINS_NEXT, JOINS_PREVIOUS, clusters, wrap_text

SERVICE_TH = "การขอมีบัตรประจำตัวประชาชนใหม่ กรณีบัตรหายหรือถูกทำลาย"
SLIP = TicketSlip(
    office_name="สำนักงานเขตบางรัก",
    office_name_en="Bang Rak District Office",
    number="A001",
    service_name_th=SERVICE_TH,
    service_name_en="New national ID card (card lost or destroyed)",
    priority=False,
    people_ahead=3,
    eta_minutes=15,
    issued_at=datetime(2026, 11, 24, 7, 30, tzinfo=UTC),
    fee_line="ค่าธรรมเนียม 100 บาท",
    status_url="http://192.168.1.10:5000/status/DEMO/A001",
    complaint_line="ร้องเรียน/แนะนำบริการ: สายด่วน 1555",
    fee_line_en="Fee 100 baht",
    complaint_line_en="Complaints and suggestions: Bangkok hotline 1555",
)
needs_raqm = pytest.mark.skipif(not raqm_available(),
                                reason="Pillow was built without Raqm: Thai is not shaped")


def ink(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> float:
    """Share of printed (black) dots."""
    part = image.crop(box) if box else image
    return part.convert("L").histogram()[0] / (part.width * part.height)


def ink_box(text: str, face: ImageFont.FreeTypeFont) -> tuple[int, int, int, int]:
    canvas = Image.new("L", (face.size * (len(text) + 2), face.size * 3), 255)
    ImageDraw.Draw(canvas).text((face.size, face.size * 2), text, font=face, fill=0, anchor="ls")
    return canvas.point(lambda grey: 255 - grey).getbbox()


# --- rendering ---------------------------------------------------------------------------------

@pytest.mark.parametrize("width", [576, 384])
def test_ticket_is_a_black_and_white_strip_as_wide_as_the_paper(width):
    ticket = draw_ticket(SLIP, width)
    assert ticket.image.mode == "1"
    assert ticket.image.width == width
    assert 1.4 * width < ticket.image.height < 3.5 * width
    assert 0.04 < ink(ticket.image) < 0.5
    # The number is the biggest thing on the ticket and solidly printed.
    left, top, right, bottom = ticket.number_box
    assert right - left > width * 0.6 and bottom - top > width * 0.15
    assert ink(ticket.image, ticket.number_box) > 0.3
    assert render_ticket(SLIP, width).tobytes() == ticket.image.tobytes()


def test_qr_on_the_ticket_encodes_the_status_url():
    ticket = draw_ticket(SLIP)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(SLIP.status_url)
    code.make(fit=True)
    expected = code.get_matrix()
    symbol = ticket.image.crop(ticket.qr_box)
    assert symbol.width == symbol.height >= 200
    cell = symbol.width / len(expected)
    printed = [[symbol.getpixel((int((col + 0.5) * cell), int((row + 0.5) * cell))) == 0
                for col in range(len(expected))] for row in range(len(expected))]
    assert printed == expected


def test_priority_ticket_carries_a_black_priority_bar():
    def full_black_rows(image: Image.Image) -> int:
        return sum(ink(image, (40, y, image.width - 40, y + 1)) == 1 for y in range(image.height))

    plain = render_ticket(SLIP)
    priority = render_ticket(replace(SLIP, priority=True))
    assert full_black_rows(plain) == 0
    assert full_black_rows(priority) > 30
    assert priority.height > plain.height


def test_ticket_without_anyone_ahead_and_with_a_long_number_still_fits():
    image = render_ticket(replace(SLIP, number="AB12345", people_ahead=0, eta_minutes=0), 384)
    assert image.width == 384


def test_rendering_without_raqm_falls_back_quietly(monkeypatch):
    # Pillow warns when Raqm is asked for but missing; pytest turns warnings into errors here.
    monkeypatch.setattr("kiosk.printing.render.raqm_available", lambda: False)
    assert font("regular", 30).layout_engine == ImageFont.Layout.BASIC
    assert render_ticket(SLIP).width == 576


def test_the_fee_date_and_complaint_lines_are_printed_in_english_too():
    """Every other line of the ticket has its English: the fee, the date and time and the
    complaint channel did not (Thai only). Each English line adds a line's height."""
    thai_only = render_ticket(replace(SLIP, fee_line_en="", complaint_line_en=""))
    both = render_ticket(SLIP)
    line = font("regular", 20).size
    # The fee and the complaint channel, and the date in English (always printed).
    assert both.height - thai_only.height >= 2 * line
    assert lines_of(both) - lines_of(thai_only) >= 2


def lines_of(image: Image.Image) -> int:
    """The runs of printed rows from top to bottom (text lines, the number, the QR, rules)."""
    rows = [image.crop((0, y, image.width, y + 1)).convert("L").histogram()[0] > 0
            for y in range(image.height)]
    return sum(1 for above, row in zip([False, *rows[:-1]], rows, strict=True)
               if row and not above)


def test_the_kiosks_ticket_names_its_fee_and_complaint_channel_in_both_languages(app):
    from kiosk.printing.jobs import slip_for
    from models import Ticket, db
    from tests.queue_helpers import issue

    with app.test_request_context():
        ticket = db.session.get(Ticket, issue("REG-BIRTH").id)
        slip = slip_for(ticket)
    assert slip.fee_line.startswith(("ค่าธรรมเนียม", "ไม่มีค่าธรรมเนียม"))
    assert slip.fee_line_en.startswith(("Fee", "No fee"))
    assert slip.complaint_line_en == "Complaints and suggestions: Bangkok hotline 1555"
    # The paper says where the visitor will be called, as the screen does.
    assert (slip.counters_th, slip.counters_en) == ("1, 2 หรือ 3", "1, 2 or 3")


def test_the_counters_that_will_call_are_printed_in_both_languages():
    without = render_ticket(SLIP)
    with_counters = render_ticket(replace(SLIP, counters_th="1, 2 หรือ 3",
                                          counters_en="1, 2 or 3"))
    assert lines_of(with_counters) - lines_of(without) >= 2  # (marks above may add a run)
    assert with_counters.height - without.height >= 2 * font("regular", 20).size


def test_naive_issue_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        replace(SLIP, issued_at=datetime(2026, 11, 24, 14, 30))


# --- Thai shaping and line breaking ------------------------------------------------------------

@needs_raqm
def test_thai_marks_combine_with_their_consonant():
    face = font("regular", 96)
    assert face.layout_engine == ImageFont.Layout.RAQM
    whole = ink_box("ผู้", face)
    parts = [ink_box(char, face) for char in "ผู้"]
    assert whole[2] - whole[0] < sum(box[2] - box[0] for box in parts) * 0.6


@needs_raqm
def test_tone_mark_stacks_above_an_upper_vowel():
    face = font("regular", 96)
    with_vowel_and_tone, with_vowel = ink_box("ที่", face), ink_box("ที", face)
    # Without shaping the tone mark is drawn on top of sara ii, at the same height.
    assert with_vowel_and_tone[1] < with_vowel[1] - 10


def test_clusters_keep_marks_and_leading_vowels_with_their_consonant():
    assert clusters("ผู้") == ["ผู้"]
    assert clusters("เก่า") == ["เก่า"]
    assert clusters("ประจำตัว") == ["ป", "ระ", "จำ", "ตั", "ว"]
    assert clusters("ใหม่") == ["ให", "ม่"]
    assert clusters("ดีๆ") == ["ดีๆ"]


@pytest.mark.parametrize("width", range(40, 620, 13))
def test_wrapped_lines_never_start_with_a_thai_mark(width):
    face = font("semibold", 34)
    lines = wrap_text(SERVICE_TH, face.getlength, width)
    assert "".join(lines).replace(" ", "") == SERVICE_TH.replace(" ", "")
    for line in lines:
        assert line and line[0] not in JOINS_PREVIOUS and line[-1] not in JOINS_NEXT
        assert face.getlength(line) <= width or len(clusters(line)) == 1


def test_wrapping_breaks_at_spaces_when_it_can():
    face = font("regular", 22)
    first, second = "ร้องเรียน/แนะนำบริการ:", "สายด่วน 1555"
    width = face.getlength(first) + 5
    assert wrap_text(f"{first} {second}", face.getlength, width) == [first, second]


# --- ESC/POS -----------------------------------------------------------------------------------

@pytest.mark.parametrize("width", [576, 384])
def test_escpos_job_initialises_prints_the_ticket_and_cuts(width):
    image = render_ticket(SLIP, width)
    data = encode_escpos(image)
    assert data.startswith(b"\x1b@")
    assert b"\x1dv0" in data
    assert data[-3:-1] == b"\x1dV" and data[-1] in (0, 1, 48, 49)
    decoded = decode_raster(data)
    assert decoded.size == image.size
    assert decoded.tobytes() == image.tobytes()


def test_tall_ticket_goes_out_in_several_raster_blocks():
    tall = replace(SLIP, service_name_th=SERVICE_TH * 8, priority=True)
    image = render_ticket(tall)
    assert image.height > 960
    data = encode_escpos(image)
    assert data.count(b"\x1dv0") >= 2
    assert decode_raster(data).tobytes() == image.tobytes()


def test_decode_raster_refuses_bytes_without_an_image():
    with pytest.raises(ValueError, match="no GS v 0"):
        decode_raster(b"\x1b@hello\x1dV\x01")


# --- printers ----------------------------------------------------------------------------------

def drawn_directly(sheet: _Sheet, text: str, size: int, weight: str, inverse: bool) -> None:
    """What _Sheet.text drew before its lines were drawn once and reused: the reference."""
    face = font(weight, max(sheet.px(size), MIN_TEXT_DOTS))
    pad = sheet.px(8) if inverse else 0
    lines = wrap_text(text, face.getlength, sheet.width - 2 * (sheet.margin + pad))
    height = round(face.size * LINE_HEIGHT)
    sheet._room(height * len(lines) + 2 * pad)
    if inverse:
        sheet.draw.rectangle((sheet.margin, sheet.y, sheet.width - sheet.margin - 1,
                              sheet.y + height * len(lines) + 2 * pad), fill=0)
        sheet.y += pad
    for line in lines:
        sheet.draw.text((sheet.width / 2, sheet.y + round(face.size * ABOVE_BASELINE)), line,
                        font=face, fill=255 if inverse else 0, anchor="ms",
                        language="th" if raqm_available() else None)
        sheet.y += height
    sheet.y += 2 * pad if inverse else 0


@pytest.mark.parametrize("width", [576, 384, 256])
def test_lines_drawn_once_put_the_same_ink_on_the_paper_as_drawing_them(width):
    """Each block of text is drawn once and its ink reused on later tickets
    (render.text_block): every dot is the one drawing it there gives, marks that reach past
    the lines and the gap under the priority bar included, on any paper."""
    blocks = [("สำนักงานเขตบางรัก", 30, "semibold", False),
              ("คิวพิเศษ / Priority", 32, "bold", True),
              ("ปั้นฟื้นฟูบัตรประจำตัวประชาชน ฎุ ฏู ป๋ี บุญ ฟุ้ง ปี้", 34, "semibold", False),
              ("ฟื้นฟู", 21, "regular", True),
              ("ร้องเรียน/แนะนำบริการ: สายด่วน 1555", 22, "regular", False)]
    for _ in range(2):  # drawn, then reused
        cached, reference = _Sheet(width), _Sheet(width)
        for text, size, weight, inverse in blocks:
            cached.text(text, size, weight, inverse=inverse)
            drawn_directly(reference, text, size, weight, inverse)
        assert cached.y == reference.y
        assert cached.image.tobytes() == reference.image.tobytes()


def test_a_ticket_drawn_after_others_is_the_ticket_drawn_first():
    first = render_ticket(SLIP).tobytes()
    other = render_ticket(replace(SLIP, number="A002", people_ahead=4, priority=True))
    assert other.tobytes() != first
    assert render_ticket(SLIP).tobytes() == first
    text_block.cache_clear()
    assert render_ticket(SLIP).tobytes() == first


def test_the_qr_mask_scores_as_qrcode_scores_it_and_the_symbol_is_the_same():
    """kiosk/printing/qr_mask.py scores the eight masks faster than qrcode: the score of every
    mask of symbols of many sizes and error levels is qrcode's own, and so is the symbol."""
    import random
    import secrets

    from qrcode import util

    from kiosk.printing.qr_mask import QRCode, lost_points

    chooser = random.Random(20261201)
    levels = (qrcode.constants.ERROR_CORRECT_L, qrcode.constants.ERROR_CORRECT_M,
              qrcode.constants.ERROR_CORRECT_H)
    for n in range(60):
        data = (f"http://192.168.{chooser.randint(0, 255)}.{chooser.randint(1, 254)}:5000/t/"
                + secrets.token_urlsafe(chooser.choice([1, 8, 24, 40, 90, 200])))
        level = levels[n % 3]
        theirs = qrcode.QRCode(error_correction=level, border=0)
        theirs.add_data(data)
        theirs.make(fit=True)
        ours = QRCode(error_correction=level, border=0)
        ours.add_data(data)
        ours.make(fit=True)
        assert ours.get_matrix() == theirs.get_matrix(), data
        for mask in range(8):
            theirs.makeImpl(True, mask)
            assert lost_points(theirs.modules) == util.lost_point(theirs.modules), (data, mask)


def test_a_number_stays_with_the_word_after_it():
    """"...ภายในกำหนด 15" / "วัน)" on a ticket: the number is read with its unit."""
    assert wrap_text("aaaa 15 days", len, 7) == ["aaaa", "15 days"]
    assert wrap_text("aa 100 baht fee", len, 11) == ["aa 100 baht", "fee"]
    # Too wide together, they part at their space, never inside the number.
    assert wrap_text("12345 days", len, 6) == ["12345", "days"]
