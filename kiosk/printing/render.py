"""The whole ticket drawn as one black-and-white image, ready for a thermal printer.

Printers' built-in fonts have no Thai (or place tone marks wrongly), so every word is drawn here
with the Sarabun font and, when Pillow has it, the Raqm layout engine, which shapes Thai: tone
marks stack above upper vowels and shift left over tall consonants.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import qrcode
from PIL import Image, ImageDraw, ImageFont, features

from kiosk.printing.qr_mask import QRCode
from kiosk.printing.slip import TicketSlip
from kiosk.printing.wrap import wrap_text
from web.assets import font_path
from web.thaitime import format_date, format_minutes, format_time

PAPER_80MM = 576
PAPER_58MM = 384
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
Box = tuple[int, int, int, int]

# Measured on Sarabun: stacked marks (ปั้) reach 1.22 em above the baseline and below-vowels
# (ผู) 0.33 em below it, more than the font's ascent and descent, so lines get room for both.
ABOVE_BASELINE = 1.24
LINE_HEIGHT = 1.62
# Below about 2.2 mm (18 dots at 203 dpi) thin Thai strokes break up on thermal paper.
MIN_TEXT_DOTS = 18
# Grey edge pixels at least this dark print black: a little bolder than 50 %, so the thin strokes
# of small Thai letters survive the change to two colours.
INK_THRESHOLD = 160


def raqm_available() -> bool:
    """Whether Thai is shaped properly; without Raqm marks may overlap (the app logs it)."""
    return bool(features.check("raqm"))


def layout_engine() -> ImageFont.Layout:
    return ImageFont.Layout.RAQM if raqm_available() else ImageFont.Layout.BASIC


@lru_cache(maxsize=64)
def _font(weight: str, size: int, engine: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(weight)), size, layout_engine=engine)


def font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    # The engine is part of the cache key, so asking for BASIC never reuses a RAQM font.
    return _font(weight, size, layout_engine())


@dataclass(frozen=True)
class RenderedTicket:
    """The ticket image and where its key parts are (for tests and the staff preview)."""

    image: Image.Image
    number_box: Box
    qr_box: Box  # the QR symbol itself, without its quiet zone


def qr_image(data: str, size: int) -> Image.Image:
    """A QR symbol (no quiet zone) about `size` dots square, in whole dots per module."""
    code = QRCode(error_correction=QR_ERROR_CORRECTION, border=0)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    symbol = Image.new("L", (modules, modules), 255)
    symbol.putdata([0 if dark else 255 for row in matrix for dark in row])
    scale = max(1, round(size / modules))
    return symbol.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


@dataclass(frozen=True)
class TextBlock:
    """Centred lines drawn once: their ink as a mask (255 full ink), with `slack` rows above
    and below the block for marks that reach past its lines, and the block's own height."""

    ink: Image.Image
    slack: int
    height: int


@lru_cache(maxsize=128)
def text_block(text: str, size: int, weight: str, width: int, room: int,
               engine: ImageFont.Layout) -> TextBlock:
    """The lines of text wrapped to `room` dots and centred across the paper, as ink. Most of
    a ticket's lines are the same on every ticket of an office (its name, the headings, the
    services' names and fees, the footer), so each is drawn once, and later tickets put
    their ink on the paper as drawing it would (never changed: only read)."""
    face = _font(weight, size, engine)
    lines = wrap_text(text, face.getlength, room)
    height = round(face.size * LINE_HEIGHT)
    slack = face.size
    ink = Image.new("L", (width, height * len(lines) + 2 * slack), 0)
    draw = ImageDraw.Draw(ink)
    for n, line in enumerate(lines):
        draw.text((width / 2, slack + n * height + round(face.size * ABOVE_BASELINE)), line,
                  font=face, fill=255, anchor="ms",
                  language="th" if engine == ImageFont.Layout.RAQM else None)
    return TextBlock(ink, slack, height * len(lines))


class _Sheet:
    """A strip of paper drawn top to bottom, centred text, growing as needed."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.unit = width / PAPER_80MM
        self.margin = self.px(16)
        self.image = Image.new("L", (width, self.px(1400)), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.y = self.margin

    def px(self, dots: float) -> int:
        return max(1, round(dots * self.unit))

    def _room(self, height: int) -> None:
        if self.y + height <= self.image.height:
            return
        taller = Image.new("L", (self.width, self.y + height + self.px(400)), 255)
        taller.paste(self.image, (0, 0))
        self.image = taller
        self.draw = ImageDraw.Draw(self.image)

    def text(self, text: str, size: int, weight: str = "regular", *,
             inverse: bool = False) -> None:
        """Centred lines; inverse draws white on a black bar (the priority mark)."""
        pad = self.px(8) if inverse else 0
        block = text_block(text, max(self.px(size), MIN_TEXT_DOTS), weight, self.width,
                           self.width - 2 * (self.margin + pad), layout_engine())
        self._room(block.height + 3 * pad + block.slack)  # the bar, its gap, the marks below
        if inverse:
            self.draw.rectangle((self.margin, self.y, self.width - self.margin - 1,
                                 self.y + block.height + 2 * pad), fill=0)
            self.y += pad
        # Ink through the mask: the same pixels as drawing the text here (marks reaching
        # past the block's lines included, on whatever is already drawn).
        self.image.paste(255 if inverse else 0, (0, self.y - block.slack), block.ink)
        self.y += block.height + (2 * pad if inverse else 0)

    def number(self, number: str) -> Box:
        """The ticket number as large as fits the paper."""
        inner = self.width - 2 * self.margin
        size = self.px(190)
        natural = font("bold", size).getlength(number)
        if natural > inner:
            size = int(size * inner / natural)
        face = font("bold", size)
        left, top, right, bottom = face.getbbox(number, anchor="ms")
        self._room(bottom - top + self.px(8))
        origin = (self.width // 2, self.y - top)
        self.draw.text(origin, number, font=face, fill=0, anchor="ms")
        box = (origin[0] + left, origin[1] + top, origin[0] + right, origin[1] + bottom)
        self.y = box[3] + self.px(12)
        return box

    def rule(self) -> None:
        self._room(self.px(20))
        middle = self.y + self.px(8)
        dash = self.px(10)
        for x in range(self.margin, self.width - self.margin, 2 * dash):
            self.draw.line((x, middle, min(x + dash, self.width - self.margin), middle),
                           fill=0, width=self.px(2))
        self.y += self.px(20)

    def gap(self, dots: int) -> None:
        self.y += self.px(dots)

    def picture(self, picture: Image.Image) -> Box:
        self._room(picture.height)
        left = (self.width - picture.width) // 2
        self.image.paste(picture, (left, self.y))
        box = (left, self.y, left + picture.width, self.y + picture.height)
        self.y += picture.height
        return box

    def finish(self) -> Image.Image:
        used = self.image.crop((0, 0, self.width, self.y + self.margin))
        # A plain threshold, not dithering: grey anti-aliased edges become crisp black or white.
        return used.point(lambda grey: 255 if grey > INK_THRESHOLD else 0, mode="1")


def draw_ticket(slip: TicketSlip, width_dots: int = PAPER_80MM) -> RenderedTicket:
    if width_dots < 256 or width_dots % 8:
        raise ValueError("width_dots must be a multiple of 8, at least 256 (576 or 384)")
    sheet = _Sheet(width_dots)
    sheet.text(slip.office_name, 30, "semibold")
    if slip.office_name_en:
        sheet.text(slip.office_name_en, 21)
    sheet.rule()
    sheet.text("หมายเลขคิว / Queue number", 22)
    sheet.gap(6)
    number_box = sheet.number(slip.number)
    if slip.priority:
        sheet.text("คิวพิเศษ / Priority", 32, "bold", inverse=True)
    sheet.text(slip.service_name_th, 34, "semibold")
    if slip.service_name_en:
        sheet.text(slip.service_name_en, 23)
    sheet.rule()
    if slip.people_ahead:
        sheet.text(f"รออีก {slip.people_ahead} คิว", 36, "bold")
        sheet.text(f"ประมาณ {format_minutes(slip.eta_minutes, 'th')}", 30)
        sheet.text(f"{slip.people_ahead} ahead of you, about "
                   f"{format_minutes(slip.eta_minutes, 'en')}", 21)
    else:
        sheet.text("ไม่มีคิวรอก่อนหน้า", 36, "bold")
        sheet.text("You are next", 21)
    if slip.counters_th:
        sheet.text(f"เรียกที่ช่อง {slip.counters_th}", 26, "semibold")
        sheet.text(f"Called to counter {slip.counters_en or slip.counters_th}", 20)
    sheet.text(f"{format_date(slip.issued_at, 'th')}  เวลา {format_time(slip.issued_at, 'th')}",
               24)
    sheet.text(f"{format_date(slip.issued_at, 'en')}, {format_time(slip.issued_at, 'en')}", 20)
    sheet.text(slip.fee_line, 26, "semibold")
    if slip.fee_line_en:
        sheet.text(slip.fee_line_en, 20)
    sheet.gap(10)
    # About 29 mm on 80 mm paper; not under 24 mm on 58 mm paper, or phones struggle to focus.
    qr_box = sheet.picture(qr_image(slip.status_url, max(sheet.px(240), 192)))
    sheet.gap(4)
    sheet.text("สแกนเพื่อดูสถานะคิว", 22)
    sheet.text("Scan for your queue status", 20)
    sheet.rule()
    sheet.text(slip.complaint_line, 22)
    if slip.complaint_line_en:
        sheet.text(slip.complaint_line_en, 19)
    return RenderedTicket(sheet.finish(), number_box, qr_box)


def render_ticket(slip: TicketSlip, width_dots: int = PAPER_80MM) -> Image.Image:
    """The ticket as a mode "1" image exactly width_dots wide (576 for 80 mm, 384 for 58 mm)."""
    return draw_ticket(slip, width_dots).image
