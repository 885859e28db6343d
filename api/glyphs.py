"""MapLibre glyph PBFs (signed distance fields of 256 code points) rendered from Roboto, on this machine.

MapLibre draws text only from SDF glyphs it downloads from the style's ``glyphs`` URL (it renders locally
only CJK ideographs), and a glyph server on the internet is not an option: we render them from the
Roboto font of the ``font-roboto`` PyPI package (Apache 2.0) with Pillow, the way fontnik/TinySDF do:
24 px em, a 3 px buffer, an 8 px radius and a 0.25 cutoff, encoded as the ``glyphs.proto`` message.
The distance field is computed at 4x resolution (scipy's exact Euclidean distance transform) and
sampled at pixel centres, so edges stay smooth without anti-aliasing tricks.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import font_roboto
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy.ndimage import distance_transform_edt

from layers.mapstyle import FONT

FONT_NAME = FONT
SIZE = 24  # px per em, as MapLibre expects (ONE_EM)
BUFFER = 3  # px of distance field around each glyph (GLYPH_PBF_BORDER)
RADIUS = 8.0
CUTOFF = 0.25
SCALE = 4  # supersampling of the distance transform
TOP_ADJUSTMENT = 27  # MapLibre's own baseline offset for locally rendered glyphs (glyph_manager.ts)
_RANGE = re.compile(r"([0-9]{1,5})-([0-9]{1,5})")
MAX_CODE_POINT = 65535


def parse_range(text: str) -> int | None:
    """The first code point of a glyph range ``"<start>-<start+255>"`` (start a multiple of 256), or None."""
    m = _RANGE.fullmatch(text)
    if not m:
        return None
    start, end = int(m.group(1)), int(m.group(2))
    return start if start % 256 == 0 and end == start + 255 and end <= MAX_CODE_POINT else None


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont:
    # one glyph at a time needs no text shaping; the basic engine also behaves the same with or without libraqm
    # (raqm fails on format characters such as U+2028-U+202E)
    return ImageFont.truetype(font_roboto.font_files["Roboto"], SIZE * SCALE, layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=1)
def _missing_mask() -> bytes:
    """The bitmap of a code point the font lacks (its .notdef glyph)."""
    return bytes(_font().getmask("\uffff"))


@lru_cache(maxsize=64)
def glyph_pbf(start: int) -> bytes:
    """The glyph PBF of code points ``start`` .. ``start + 255`` (an empty fontstack where the font has none)."""
    glyphs = [g for cp in range(start, start + 256) if (g := _glyph(cp)) is not None]
    stack = _string(1, FONT_NAME) + _string(2, f"{start}-{start + 255}") + b"".join(_message(3, g) for g in glyphs)
    return _message(1, stack)


def _glyph(cp: int) -> bytes | None:
    """One glyph message, or None for control characters and code points the font does not have."""
    if cp < 32 or 0xD800 <= cp <= 0xDFFF or (0x7F <= cp < 0xA0):
        return None
    font, ch = _font(), chr(cp)
    advance = round(font.getlength(ch) / SCALE)
    left, top, right, bottom = font.getbbox(ch, anchor="ls")
    if right <= left or bottom <= top:  # whitespace: metrics only
        return _varint_field(1, cp) + _varint_field(3, 0) + _varint_field(4, 0) + _sint_field(5, 0) + \
            _sint_field(6, -TOP_ADJUSTMENT) + _varint_field(7, advance)
    if bytes(font.getmask(ch)) == _missing_mask() and ch != "\uffff":
        return None
    x0, y0 = math.floor(left / SCALE), math.ceil(-top / SCALE)  # bitmap left and top, from the pen at baseline
    width, height = math.ceil(right / SCALE) - x0, y0 + math.ceil(bottom / SCALE)
    bitmap = _sdf(ch, x0, y0, width, height)
    return (_varint_field(1, cp) + _bytes_field(2, bitmap) + _varint_field(3, width) + _varint_field(4, height)
            + _sint_field(5, x0) + _sint_field(6, y0 - TOP_ADJUSTMENT) + _varint_field(7, advance))


def _sdf(ch: str, x0: int, y0: int, width: int, height: int) -> bytes:
    """The (width + 2 BUFFER) x (height + 2 BUFFER) distance field of ``ch``, one byte per pixel."""
    w, h = (width + 2 * BUFFER) * SCALE, (height + 2 * BUFFER) * SCALE
    image = Image.new("L", (w, h), 0)
    origin = ((BUFFER - x0) * SCALE, (BUFFER + y0) * SCALE)
    ImageDraw.Draw(image).text(origin, ch, fill=255, font=_font(), anchor="ls")
    inside = np.asarray(image) > 127
    signed = distance_transform_edt(~inside) - distance_transform_edt(inside)  # > 0 outside the glyph
    centres = signed[SCALE // 2::SCALE, SCALE // 2::SCALE] / SCALE
    values = np.clip(255 - 255 * (centres / RADIUS + CUTOFF), 0, 255)
    return bytes(np.round(values).astype(np.uint8).tobytes())


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _sint_field(number: int, value: int) -> bytes:
    return _varint_field(number, (value << 1) ^ (value >> 31))  # zigzag (sint32)


def _bytes_field(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _string(number: int, text: str) -> bytes:
    return _bytes_field(number, text.encode())


def _message(number: int, body: bytes) -> bytes:
    return _bytes_field(number, body)
