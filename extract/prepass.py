"""A cheap first look with PDFium: which pages can hold a panel at all.

pdfplumber spends ~30 ms laying out a page; PDFium reads its text in ~1 ms. Pages whose
text names no panel heading are skipped before pdfplumber parses anything, and pages with
no text but with images or vector paths are marked for OCR.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extract import vocab

# Heading words of the label conventions we read, compared with spaces removed so
# letter-spaced and sideways-drawn headings ("S u p p l e m e n t") still match.
# A label page holds a few thousand characters; pdfplumber keeps a dict per character, so a
# page of millions would exhaust memory before it could be read.
MAX_CHARS_PER_PAGE = 100_000
# Every convention's headings and EU column titles in the languages (extract/vocab.toml), folded
# to lower case without accents.
PANEL_MARKERS = vocab.page_markers()
_SPACE = re.compile(r"\s+")


@dataclass
class PagePlan:
    page_count: int
    panel_pages: list[int] = field(default_factory=list)     # 0-based, worth a pdfplumber parse
    no_text_pages: list[int] = field(default_factory=list)   # no usable text layer but graphics: OCR candidates
    garbled_pages: list[int] = field(default_factory=list)   # of those, a text layer that does not read as words
    flooded_pages: list[int] = field(default_factory=list)   # too much text to be a label: not read


def _has_marker(text: str) -> bool:
    flat = _SPACE.sub("", text).lower()
    if not flat.isascii():
        flat = vocab.fold(flat)
    return any(m in flat or m[::-1] in flat for m in PANEL_MARKERS)


PageReader = Callable[[int, pdfium.PdfPage, pdfium.PdfTextPage], None]


def plan_pages(data: bytes | pdfium.PdfDocument, max_pages: int, read: PageReader | None = None) -> PagePlan:
    """Raises pypdfium2's PdfiumError for files PDFium cannot open (the caller classifies).

    ``read`` is called with each panel page while its text page is still open, so a caller
    reading glyphs through PDFium loads every page once."""
    own = not isinstance(data, pdfium.PdfDocument)
    doc = data if isinstance(data, pdfium.PdfDocument) else pdfium.PdfDocument(data)
    try:
        plan = PagePlan(page_count=len(doc))
        for i in range(min(len(doc), max_pages)):
            page = doc[i]
            try:
                tp = page.get_textpage()
                try:
                    n = tp.count_chars()
                    text = tp.get_text_range() if 0 < n <= MAX_CHARS_PER_PAGE else ""
                    if n > MAX_CHARS_PER_PAGE:
                        plan.flooded_pages.append(i)
                    elif n and text.strip():
                        if _has_marker(text):
                            plan.panel_pages.append(i)
                            if read is not None:
                                read(i, page, tp)
                        elif not reads_as_words(text):
                            # Glyphs drawn fine but mapped to the wrong characters (a broken
                            # ToUnicode, a font with private codes): only OCR can read the page.
                            plan.no_text_pages.append(i)
                            plan.garbled_pages.append(i)
                    elif _has_graphics(page):
                        plan.no_text_pages.append(i)
                finally:
                    tp.close()
            finally:
                page.close()
        return plan
    finally:
        if own:
            doc.close()


_TOKEN = re.compile(r"[^\W\d_]{4,}")
_VOWEL = re.compile(r"[aeiouyàâäéèêëîïôöùûüáíóúñ]", re.IGNORECASE)


def reads_as_words(text: str) -> bool:
    """Does a page's text read as words of a language? False for a text layer of private-use
    or control codes, or letters that form no words (a cipher-like wrong mapping). Short texts
    pass: too little to judge."""
    chars = [c for c in text if not c.isspace()]
    if len(chars) < 40:
        return True
    plain = sum(c.isalnum() or c in ".,;:%()-/&'\"*†‡®™µ°+" for c in chars if not ("\ue000" <= c <= "\uf8ff"))
    if plain < 0.6 * len(chars):
        return False
    tokens = _TOKEN.findall(text)
    if len(tokens) < 8:
        return True
    return sum(bool(_VOWEL.search(t)) for t in tokens) >= 0.6 * len(tokens)


def _has_graphics(page: pdfium.PdfPage) -> bool:
    for obj in page.get_objects(max_depth=2):
        if obj.type in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH):
            return True
    return False
