"""Glyph boxes of a page read through PDFium, in pdfplumber's char shape.

pdfplumber (pdfminer) builds a layout object per character in Python: about 25 ms for a
one-page label, most of what an audit spends. PDFium already holds the same glyph table in C
and hands it out in a few milliseconds. This module reads it and returns dicts with the keys
:func:`extract.layout.page_words` uses (``text``, ``x0``, ``top``, ``x1``, ``bottom``,
``matrix``, ``fontname``), in the same display axes pdfplumber uses (``/Rotate`` applied, y
down from the top of the page), measured from the corner of the crop box (what a viewer and
the evidence crops show; pdfplumber measures from the media box, the same on most labels), so the rest of the extract stage does not care which
reader produced them.

Boxes follow pdfminer's convention rather than PDFium's "loose" box: a glyph is exactly one
font size tall, from its descent line up. Layout thresholds (line grouping, heading sizes,
letter-spacing runs) were tuned on pdfminer boxes and stay valid.
"""
from __future__ import annotations

import ctypes
import math
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extract.layout import _direction

# Unicode values PDFium uses for what is not a printable glyph of the label's text. "\x02"
# is its mark for a hyphen at a line end.
_SKIP = {0, 0xFFFE, 0xFFFF}


def page_chars(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage | None = None) -> tuple[list[dict[str, Any]], float, float]:
    """Every glyph of ``page`` as a pdfplumber-style char dict, plus the displayed page's
    width and height in points."""
    rotation = page.get_rotation() % 360
    # The displayed box: evidence crops render it, so boxes are measured from its corner.
    left, bottom_, right, top_ = page.get_cropbox()
    w, h = right - left, top_ - bottom_
    dw, dh = (h, w) if rotation in (90, 270) else (w, h)
    quarter = rotation // 90
    own_tp = textpage is None
    tp = page.get_textpage() if own_tp else textpage
    try:
        raw = tp.raw
        n = pdfium_c.FPDFText_CountChars(raw)
        text = tp.get_text_range(0, n) if n > 0 else ""
        if len(text) != n:  # characters outside the BMP: index by PDFium's code units instead
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, i)) for i in range(n))
        rect = pdfium_c.FS_RECTF()
        m = pdfium_c.FS_MATRIX()
        buf = ctypes.create_string_buffer(256)
        loose_box, get_matrix = pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetMatrix
        font_size, font_info = pdfium_c.FPDFText_GetFontSize, pdfium_c.FPDFText_GetFontInfo
        hypot = math.hypot
        out: list[dict[str, Any]] = []
        for i, ch in enumerate(text):
            # PDFium's own spaces and line breaks ("generated" characters) are blanks too.
            if ch.isspace() or ord(ch) in _SKIP:
                continue
            if ch == "\x02":
                ch = "-"
            elif ch < " " or "\ud800" <= ch <= "\udfff":
                continue
            if not loose_box(raw, i, rect):
                continue
            get_matrix(raw, i, m)
            x0, x1 = rect.left - left, rect.right - left
            y0, y1 = rect.bottom - bottom_, rect.top - bottom_
            # Page space (y up) to pdfplumber's display space (y down, rotated, from the crop box's corner).
            if quarter == 0:
                box = (x0, h - y1, x1, h - y0)
            elif quarter == 1:  # shown turned clockwise: page up becomes display right
                box = (y0, x0, y1, x1)
            elif quarter == 2:
                box = (w - x1, y0, w - x0, y1)
            else:
                box = (h - y1, w - x1, h - y0, w - x0)
            a, b, c, d = _rotate_matrix(m.a, m.b, m.c, m.d, quarter)
            size = font_size(raw, i) * (hypot(m.c, m.d) or 1.0)
            box = _pdfminer_box(box, a, b, size)
            font_info(raw, i, buf, 256, None)
            out.append({
                "text": ch,
                "x0": box[0], "top": box[1], "x1": box[2], "bottom": box[3],
                "matrix": (a, b, c, d, 0.0, 0.0),
                "fontname": buf.value.decode("latin-1"),
                "size": size,
            })
        return out, dw, dh
    finally:
        if own_tp:
            tp.close()


def _rotate_matrix(a: float, b: float, c: float, d: float, quarter: int) -> tuple[float, float, float, float]:
    """The glyph matrix as the page is displayed: ``/Rotate`` turns it clockwise."""
    for _ in range(quarter):
        # A clockwise quarter turn in PDF's y-up space maps (x, y) to (y, -x).
        a, b, c, d = b, -a, d, -c
    return a, b, c, d


def _pdfminer_box(box: tuple[float, float, float, float], a: float, b: float, size: float):
    """Replace the loose box's extent across the baseline by pdfminer's: from the descent side
    (which PDFium's loose box shares within a few hundredths of an em) one font size up."""
    x0, top, x1, bottom = box
    if size <= 0:
        return box
    turns = _direction((a, b))
    if turns == 0:
        return (x0, bottom - size, x1, bottom)
    if turns == 2:
        return (x0, top, x1, top + size)
    if turns == 1:
        return (x0, top, x0 + size, bottom)
    return (x1 - size, top, x1, bottom)
