"""ESC/POS bytes for a ticket image, made by python-escpos, and the way back to an image.

The image goes out as `GS v 0` raster blocks (python-escpos splits tall images into blocks of at
most 960 lines, which every printer's buffer can take), framed by ESC @ (initialise) and a feed
past the cutter followed by a partial cut.
"""

from __future__ import annotations

from escpos.capabilities import get_profile
from escpos.printer import Dummy
from PIL import Image

INIT = b"\x1b@"
RASTER = b"\x1dv0"
FRAGMENT_LINES = 960


def _profile_for(width: int):
    # The default profile has no paper width: python-escpos would then print a notice on stdout
    # for every image. This copy knows the width of the image it is about to print.
    profile = get_profile()
    profile.profile_data = {
        **profile.profile_data,
        "media": {"dpi": 203, "width": {"mm": "Unknown", "pixels": width}},
    }
    return profile


def encode_escpos(image: Image.Image, *, cut: str = "PART") -> bytes:
    """Initialise, print the image in raster blocks, feed, cut ("PART" or "FULL")."""
    printer = Dummy()
    printer.profile = _profile_for(image.width)
    printer.hw("INIT")
    # Hand python-escpos one block at a time: given the whole ticket it converts the image
    # once, then each block again. The bytes are the same, in half the time.
    for top in range(0, image.height, FRAGMENT_LINES):
        block = image.crop((0, top, image.width, min(image.height, top + FRAGMENT_LINES)))
        printer.image(block, impl="bitImageRaster", fragment_height=FRAGMENT_LINES)
    printer.cut(mode=cut)
    return printer.output


def decode_raster(data: bytes) -> Image.Image:
    """The picture carried by the `GS v 0` blocks of an ESC/POS job, blocks stacked in order.

    Each block's pixel data is skipped as a whole, so bytes inside an image are never mistaken
    for a command. Raises ValueError when the data holds no complete raster block.
    """
    strips: list[Image.Image] = []
    position = 0
    while (start := data.find(RASTER, position)) != -1:
        header = data[start + 3:start + 8]
        if len(header) < 5:
            raise ValueError(f"truncated GS v 0 header at byte {start}")
        mode = header[0]
        width_bytes, height = header[1] | header[2] << 8, header[3] | header[4] << 8
        end = start + 8 + width_bytes * height
        if end > len(data):
            raise ValueError(f"GS v 0 block at byte {start} is cut short")
        # Set bits are printed dots: "1;I" reads them as black on white.
        strip = Image.frombytes("1", (width_bytes * 8, height), data[start + 8:end], "raw", "1;I")
        double_width, double_height = mode & 1, mode & 2
        if double_width or double_height:
            size = (strip.width * (2 if double_width else 1),
                    strip.height * (2 if double_height else 1))
            strip = strip.resize(size, Image.Resampling.NEAREST)
        strips.append(strip)
        position = end
    if not strips:
        raise ValueError("no GS v 0 raster image in the data")
    picture = Image.new("1", (max(s.width for s in strips), sum(s.height for s in strips)), 1)
    top = 0
    for strip in strips:
        picture.paste(strip, (0, top))
        top += strip.height
    return picture
