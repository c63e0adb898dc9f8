"""Glyph boxes of a page read through PDFium, in pdfplumber's char shape.

pdfplumber (pdfminer) builds a layout object per character in Python: about 25 ms for a
one-page label, most of what an audit spends. PDFium already holds the same glyph table in C
and hands it out in a few milliseconds. This module reads it and returns dicts with the keys
:func:`extract.layout.page_words` uses (``text``, ``x0``, ``top``, ``x1``, ``bottom``,
``matrix``, ``fontname``), in the same display axes pdfplumber uses (``/Rotate`` applied, y
down from the top of the page), measured from the corner of the crop box (what a viewer and
the evidence crops show; pdfplumber measures from the media box, the same on most labels), so the
rest of the extract stage does not care which reader produced them.

Boxes are built from what defines a line, never from a glyph's ink: along the baseline, from the
glyph's origin over its advance (PDFium's loose box); across it, from the baseline origin
(``FPDFText_GetCharOrigin``, the same point for every glyph of a line) down to the font's
descent and one font size up from there, which is pdfminer's convention. PDFium's own loose box
cannot be used across the baseline: for embedded TrueType fonts whose descriptor gives no
ascent and descent (LibreOffice writes /Ascent 0 /Descent 0) it falls back to the ink box, so
"g", "p" and "y" sit 2 pt lower than their neighbours and a word splits across two lines.
The font's descent comes from the font object (descriptor, else the font program), read once
per font; it is the same for every font program PDFs carry (Type 1, TrueType, CFF, Type 3).
Layout thresholds (line grouping, heading sizes, letter-spacing runs) were tuned on pdfminer
boxes and stay valid.
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


def page_chars(page: pdfium.PdfPage,
               textpage: pdfium.PdfTextPage | None = None) -> tuple[list[dict[str, Any]], float, float]:
    """Every glyph of ``page`` as a pdfplumber-style char dict, plus the displayed page's
    width and height in points."""
    rotation = page.get_rotation() % 360
    # The displayed box (crop box within the media box): evidence crops render it, so boxes are
    # measured from its corner. get_bbox, unlike get_cropbox, inherits the boxes a page tree
    # node sets for all its pages (fpdf2 writes them there).
    left, bottom_, right, top_ = page.get_bbox()
    w, h = right - left, top_ - bottom_
    dw, dh = (h, w) if rotation in (90, 270) else (w, h)
    quarter = rotation // 90
    own_tp = textpage is None
    tp = page.get_textpage() if textpage is None else textpage
    try:
        raw = tp.raw
        n = pdfium_c.FPDFText_CountChars(raw)
        text = tp.get_text_range(0, n) if n > 0 else ""
        if len(text) != n:  # characters outside the BMP: index by PDFium's code units instead
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(raw, i)) for i in range(n))
        rect = pdfium_c.FS_RECTF()
        m = pdfium_c.FS_MATRIX()
        buf = ctypes.create_string_buffer(256)
        ox, oy = ctypes.c_double(), ctypes.c_double()
        loose_box, get_matrix = pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetMatrix
        font_size, font_info = pdfium_c.FPDFText_GetFontSize, pdfium_c.FPDFText_GetFontInfo
        get_origin, text_object = pdfium_c.FPDFText_GetCharOrigin, pdfium_c.FPDFText_GetTextObject
        object_font = pdfium_c.FPDFTextObj_GetFont
        descents: dict[bytes, float] = {}
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
            if not loose_box(raw, i, rect) or not get_origin(raw, i, ox, oy):
                continue
            get_matrix(raw, i, m)
            font_info(raw, i, buf, 256, None)
            fontname = buf.value
            # Keyed by name (subset prefixes tell embedded fonts apart): asking for each glyph's
            # font object would cost a third of the reader's time.
            descent = descents.get(fontname) if fontname else None
            if descent is None:  # a font with no name is asked for each glyph: names cannot tell them apart
                descent = descents[fontname] = _descent(object_font(text_object(raw, i)))
            x0, x1 = rect.left - left, rect.right - left
            y0, y1 = rect.bottom - bottom_, rect.top - bottom_
            px, py = ox.value - left, oy.value - bottom_
            # Page space (y up) to pdfplumber's display space (y down, rotated, from the crop box's corner).
            if quarter == 0:
                box, origin = (x0, h - y1, x1, h - y0), (px, h - py)
            elif quarter == 1:  # shown turned clockwise: page up becomes display right
                box, origin = (y0, x0, y1, x1), (py, px)
            elif quarter == 2:
                box, origin = (w - x1, y0, w - x0, y1), (w - px, py)
            else:
                box, origin = (h - y1, w - x1, h - y0, w - x0), (h - py, w - px)
            a, b, c, d = _rotate_matrix(m.a, m.b, m.c, m.d, quarter)
            size = font_size(raw, i) * (hypot(m.c, m.d) or 1.0)
            box = _line_box(box, origin, a, b, size, descent)
            out.append({
                "text": ch,
                "x0": box[0], "top": box[1], "x1": box[2], "bottom": box[3],
                "matrix": (a, b, c, d, 0.0, 0.0),
                "fontname": fontname.decode("latin-1"),
                "size": size,
                "origin": origin,
            })
        return _superscripts(out), dw, dh
    finally:
        if own_tp:
            tp.close()


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _superscripts(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Footnote numbers set as superscripts (one or two digits in smaller type, raised off the
    baseline of the glyph they follow) as the superscript digits they are: "Vitamin D3" + a raised
    "1" would read "Vitamin D31", and "100 mg" + a raised "3" an amount with no unit. Told by size
    and rise (what a superscript is), never by which digit or where on the label; smaller text that
    goes on after the digits on their raised line ("5000 IU" set top-aligned beside a title) is
    text, not a mark. Unicode superscripts ("D3¹") are already marks to the readers."""
    origins = [ch.pop("origin") for ch in chars]
    base = -1
    run: list[int] = []

    def raised(i: int) -> bool:
        b, ch = chars[base], chars[i]
        if not (ch["size"] < 0.8 * b["size"] and (turns := _direction(ch["matrix"])) == _direction(b["matrix"])):
            return False
        (bx, by), (cx, cy) = origins[base], origins[i]
        # how far the glyph's baseline is raised, and how far along the line it stands after its base
        rise, gap = {0: (by - cy, ch["x0"] - b["x1"]), 2: (cy - by, b["x0"] - ch["x1"]),
                     1: (cx - bx, ch["top"] - b["bottom"]), 3: (bx - cx, b["top"] - ch["bottom"])}[turns]
        return 0.2 * b["size"] < rise < 0.8 * b["size"] and -0.3 * b["size"] < gap < 0.5 * b["size"] + 0.6 * len(run) \
            * ch["size"]

    def settle(next_i: int | None) -> None:
        # the run stands alone on its raised line: what follows is not more of that small text
        goes_on = next_i is not None and base >= 0 and chars[next_i]["text"] not in ",.;" and raised(next_i)
        if run and len(run) <= 2 and not goes_on:
            for k in run:
                chars[k]["text"] = chars[k]["text"].translate(_SUPERSCRIPT)
        run.clear()

    for i, ch in enumerate(chars):
        if base >= 0 and ch["text"].isascii() and ch["text"].isdigit() and len(run) < 3 and raised(i):
            run.append(i)
            continue
        settle(i if run else None)
        base = i
    settle(None)
    return chars


def _rotate_matrix(a: float, b: float, c: float, d: float, quarter: int) -> tuple[float, float, float, float]:
    """The glyph matrix as the page is displayed: ``/Rotate`` turns it clockwise."""
    for _ in range(quarter):
        # A clockwise quarter turn in PDF's y-up space maps (x, y) to (y, -x).
        a, b, c, d = b, -a, d, -c
    return a, b, c, d


# A Type 3 font has no font-wide descent for PDFium to report: it gives the lowest glyph drawn
# so far, which differs between two subsets of one font on one page, so lines mixing them would
# split. A typical text face's descent (Helvetica, Liberation, DejaVu, Carlito: 0.21-0.25 em)
# keeps every glyph of a Type 3 line on one baseline-defined box.
TYPE3_DESCENT = -0.22


def _descent(font: pdfium_c.FPDF_FONT) -> float:
    """The font's descent in ems, below the baseline (<= 0). A descriptor that gives it with the
    wrong sign is read as pdfminer reads it (negated); an absurd one (beyond an em) is ignored."""
    if not font:
        return 0.0
    program = ctypes.c_size_t()
    if pdfium_c.FPDFFont_GetIsEmbedded(font) and pdfium_c.FPDFFont_GetFontData(font, None, 0, program) \
            and program.value == 0:
        return TYPE3_DESCENT  # embedded yet no font program: glyphs drawn by content streams (Type 3)
    value = ctypes.c_float()
    if not pdfium_c.FPDFFont_GetDescent(font, ctypes.c_float(1.0), value):
        return 0.0
    d = -abs(float(value.value))
    return d if d > -1.0 else 0.0


def _line_box(box: tuple[float, float, float, float], origin: tuple[float, float], a: float, b: float,
              size: float, descent: float) -> tuple[float, float, float, float]:
    """Keep the loose box along the baseline; across it, from the descent line (``descent`` ems
    below the baseline through ``origin``, in display space) one font size up."""
    x0, top, x1, bottom = box
    if size <= 0:
        return box
    ox, oy = origin
    turns = _direction((a, b))
    if turns == 0:  # glyph up is display up
        low = oy - descent * size
        return (x0, low - size, x1, low)
    if turns == 2:  # upside down: the descent side is above the baseline
        high = oy + descent * size
        return (x0, high, x1, high + size)
    if turns == 1:  # baseline runs down the page, glyph up points right
        left = ox + descent * size
        return (left, top, left + size, bottom)
    right = ox - descent * size  # baseline runs up the page, glyph up points left
    return (right - size, top, right, bottom)
