"""A cheap first look with PDFium: which pages can hold a panel at all.

pdfplumber spends ~30 ms laying out a page; PDFium reads its text in ~1 ms. Pages whose
text names no panel heading are skipped before pdfplumber parses anything, and pages with
no text but with images or vector paths are marked for OCR.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# Heading words of the label conventions we read, compared with spaces removed so
# letter-spaced and sideways-drawn headings ("S u p p l e m e n t") still match.
# A label page holds a few thousand characters; pdfplumber keeps a dict per character, so a
# page of millions would exhaust memory before it could be read.
MAX_CHARS_PER_PAGE = 100_000
PANEL_MARKERS = ("supplementfacts", "medicinalingredients", "ingrédientsmédicinaux", "ingredientsmedicinaux", "nrv",
                 "perdailydose", "perdailyportion", "nutritioninformation", "nutritionalinformation")
_SPACE = re.compile(r"\s+")


@dataclass
class PagePlan:
    page_count: int
    panel_pages: list[int] = field(default_factory=list)     # 0-based, worth a pdfplumber parse
    no_text_pages: list[int] = field(default_factory=list)   # no text layer but graphics: OCR candidates
    flooded_pages: list[int] = field(default_factory=list)   # too much text to be a label: not read


def _has_marker(text: str) -> bool:
    flat = _SPACE.sub("", text).lower()
    return any(m in flat or m[::-1] in flat for m in PANEL_MARKERS)


PageReader = Callable[[int, pdfium.PdfPage, pdfium.PdfTextPage], None]


def plan_pages(data: bytes | pdfium.PdfDocument, max_pages: int, read: PageReader | None = None) -> PagePlan:
    """Raises pypdfium2's PdfiumError for files PDFium cannot open (the caller classifies).

    ``read`` is called with each panel page while its text page is still open, so a caller
    reading glyphs through PDFium loads every page once."""
    own = not isinstance(data, pdfium.PdfDocument)
    doc = pdfium.PdfDocument(data) if own else data
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


def _has_graphics(page: pdfium.PdfPage) -> bool:
    for obj in page.get_objects(max_depth=2):
        if obj.type in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH):
            return True
    return False
