"""PDF in, records out: the extract stage's entry point."""
from __future__ import annotations

import io
import os
import statistics
from itertools import pairwise
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pypdfium2 import PdfiumError

from extract.chars import page_chars
from extract.checks import (
    key_nutrient,
    key_row_text,
    lost_panel_problems,
    panel_problems,
    stated_d_doses,
    stated_dose_problem,
    vitamin_d_dose_named,
)
from extract.errors import CorruptPdf, EmptyFile, EncryptedPdf, ExtractError, NotAPdf, TruncatedPdf
from extract.identity import find_identity
from extract.labeltext import assign_directions, directions_blocks, find_directions
from extract.layout import Line, Word, group_lines, page_words
from extract.ocr import ocr_available, ocr_page
from extract.panel import Heading, clean, find_headings, panel_regions, read_panel, reading_order
from extract.prepass import MAX_CHARS_PER_PAGE, PagePlan, plan_pages
from extract.records import FileExtraction, PanelRecord
from labelaudit.contracts.limits import DEFAULT_MAX_PAGES

MAX_PAGES = DEFAULT_MAX_PAGES  # the audit sets it per run from --max-pages (flows/executor.py)


def extract_pdf(source: str | Path | bytes) -> FileExtraction:
    """Read every Supplement Facts panel of one PDF. Never raises for bad input (a bad
    ``LABELAUDIT_CHAR_READER`` setting is not input: it raises ValueError)."""
    reader = char_reader()
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except FileNotFoundError:
        return FileExtraction(status="error", status_detail="file not found (removed during the audit?)",
                              transient=True)
    except PermissionError:
        return FileExtraction(status="error", status_detail="permission denied reading the file", transient=True)
    try:
        return _page_limit_said(_extract(data, reader))
    except ExtractError as e:
        return FileExtraction(status="error", status_detail=e.detail)
    except (MemoryError, RecursionError):
        raise  # limits: the worker records them (flows/executor.py)
    except Exception as e:  # malformed input surfaces anywhere in pdfminer
        try:
            return FileExtraction(status="error", status_detail=_classify(data, e).detail)
        except (MemoryError, RecursionError):
            raise


def _classify(data: bytes, exc: BaseException) -> ExtractError:
    if isinstance(exc, (MemoryError, RecursionError)):
        raise exc  # the worker reports these as limits reached, not as a broken file
    msg = f"{type(exc).__name__}: {exc}"
    if b" obj" not in data and b"\nobj" not in data:
        return CorruptPdf("the file starts like a PDF but holds no PDF objects (damaged, or not a PDF)")
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, PDFPasswordIncorrect) or isinstance(cause, PDFPasswordIncorrect) or "PDFPassword" in msg:
        return EncryptedPdf()
    if b"%%EOF" not in data[-2048:] or "PSEOF" in msg or "Unexpected EOF" in msg:
        return TruncatedPdf()
    return CorruptPdf(f"unreadable PDF ({msg[:160]})")


CHAR_READERS = ("pdfium", "pdfplumber")


def char_reader() -> str:
    """Which library reads glyph boxes off text pages: PDFium (default, ~8x faster) or
    pdfplumber/pdfminer (``LABELAUDIT_CHAR_READER=pdfplumber``). Both feed the same layout code;
    pdfplumber is also what reads files PDFium cannot open."""
    name = os.environ.get("LABELAUDIT_CHAR_READER", "pdfium").strip().lower() or "pdfium"
    if name not in CHAR_READERS:
        raise ValueError(f"LABELAUDIT_CHAR_READER must be one of {', '.join(CHAR_READERS)}, not {name!r}")
    return name


def _extract(data: bytes, reader: str) -> FileExtraction:
    if not data:
        raise EmptyFile()
    if b"%PDF-" not in data[:1024]:
        raise NotAPdf()
    use_pdfium = reader == "pdfium"
    panels: list[PanelRecord] = []
    ocr_left = [MAX_OCR_PAGES]  # OCR in the fallback chain, at most this many pages a file

    def read(index: int, page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> None:
        chars, width, height = page_chars(page, textpage)
        got = read_page(chars, width, height, index + 1) if chars else []
        panels.extend(settle(data, index, "pdfium", got, ocr_left))

    try:
        doc = pdfium.PdfDocument(data)
    except PdfiumError as e:
        if "password" in str(e).lower():
            raise EncryptedPdf() from e
        doc = None  # let pdfminer say what is wrong with it
    plan = None
    if doc is not None:
        try:
            plan = plan_pages(doc, MAX_PAGES, read if use_pdfium else None)
        finally:
            doc.close()
    if plan is not None and plan.no_text_pages and ocr_available() is None:
        text_panels = panels if use_pdfium else _read_with_pdfplumber(data, plan.panel_pages)
        return _extract_by_ocr(data, plan, text_panels)
    if plan is not None and not plan.panel_pages:
        if plan.flooded_pages:
            return FileExtraction(status="error", page_count=plan.page_count, status_detail=(
                f"page {plan.flooded_pages[0] + 1} holds more than {MAX_CHARS_PER_PAGE:,} characters, far more than a "
                "label; it was not read (a text flood?)"))
        return _no_panel(plan.page_count, len(plan.no_text_pages))
    if plan is not None and use_pdfium:
        return _finish(FileExtraction(status="ok", page_count=plan.page_count, panels=panels), len(plan.no_text_pages))
    return _extract_with_pdfplumber(data, plan, ocr_left)


PAST_EDGE = "runs past the page's edge: part of it is not printed, and what was read beyond the edge may be incomplete"


def _failing(panels: list[PanelRecord]) -> bool:
    """A page reading that does not pass its own checks: no panel at all although the page's text
    names one (the caller only reads such pages), a panel set as one with no rows, a key
    nutrient without an amount, figures that disagree. (A panel that runs past the page's edge is
    doubted whichever reader reads it: no other reader can do better.)"""
    return not any(p.rows for p in panels) or any(
        [r for r in p.review if not r.endswith(PAST_EDGE)] or panel_problems(p.rows) for p in panels)


def _past_edge(first: list[PanelRecord], kept: list[PanelRecord]) -> list[PanelRecord]:
    """The text layer's doubt that a panel runs past the page's edge, kept on the reading that
    replaces it (OCR sees only the printed part)."""
    said = {p.panel: r for p in first for r in p.review if r.endswith(PAST_EDGE)}
    for p in kept:
        if p.panel in said and said[p.panel] not in p.review:
            p.review.append(said[p.panel])
    return kept


def _key_values(panels: list[PanelRecord]) -> list[str]:
    # Compared as text: any of the figures may be missing (None), and None does not order with numbers.
    return sorted(repr((key_nutrient(r.label_text) or "", r.amount, r.unit, r.alt_amount, r.percent_dv))
                  for p in panels for r in p.rows if key_nutrient(r.label_text))


def _other_reading(data: bytes, index: int, method: str) -> list[PanelRecord]:
    if method == "pdfplumber":
        return _read_with_pdfplumber(data, [index])
    doc = pdfium.PdfDocument(data)
    try:
        page = doc[index]
        if method == "OCR":
            w, h = page.get_size()
            page.close()
            return read_by_ocr(data, index, float(w), float(h))
        try:
            chars, width, height = page_chars(page)
        finally:
            page.close()
        return read_page(chars, width, height, index + 1) if chars else []
    finally:
        doc.close()


_READER_NAMES = {"pdfium": "PDFium", "pdfplumber": "pdfplumber", "OCR": "OCR"}


def settle(data: bytes, index: int, first: str, panels: list[PanelRecord],
           ocr_left: list[int] | None = None) -> list[PanelRecord]:
    """The fallback chain for one page: when the text layer's reading fails its checks (see
    ``_failing``), read the page with the other glyph reader, then by OCR, and keep the first
    reading that passes. When none passes, keep the one that read the most, with its problems
    (and the readers' disagreement) as review reasons on its panels: never silently.
    ``ocr_left`` is the file's remaining budget of OCR'd pages, shared across its pages."""
    if not _failing(panels):
        return panels
    readings = [(first, panels)]
    # A reading that passes its checks by seeing fewer panels (OCR often merges or drops one of
    # two panels set side by side) would hide a product: it must see at least as many.
    seen = _panels_seen(panels)
    for method in ("pdfplumber" if first == "pdfium" else "pdfium", "OCR"):
        # OCR costs ~1 s a page: only once a reader has found a panel (rows, or a heading set as
        # one), not for a page whose text merely names a panel in a sentence.
        if method == "OCR" and (ocr_available() is not None or (ocr_left is not None and ocr_left[0] <= 0)
                                or not any(p.rows or p.review for _, ps in readings for p in ps)):
            break
        if method == "OCR" and ocr_left is not None:
            ocr_left[0] -= 1
        try:
            got = _other_reading(data, index, method)
        except (MemoryError, RecursionError):
            raise
        except Exception:  # a reader that cannot read the page gives no reading
            continue
        if not _failing(got) and _panels_seen(got) >= seen:
            return _past_edge(panels, got)
        readings.append((method, got))

    def rank(item: tuple[int, tuple[str, list[PanelRecord]]]) -> tuple[int, int, int, int]:
        order, (_, ps) = item
        read = sum(r.amount is not None for p in ps for r in p.rows)
        # A reading that saw fewer panels hides a product, however many amounts it read (OCR
        # merges two panels side by side into one): the one that saw the most comes first.
        found = _panels_seen(ps)
        problems = sum(len(p.review) + len(panel_problems(p.rows)) for p in ps)
        return (-found, -read, problems, order)

    method, best = min(enumerate(readings), key=rank)[1]
    with_rows = [(m, ps) for m, ps in readings if any(p.rows for p in ps)]
    disagree = len({repr(_key_values(ps)) for _, ps in with_rows}) > 1
    for p in best:
        if not p.rows and not p.review:
            continue  # a mention, not a panel
        p.review.extend(panel_problems(p.rows))
        if disagree and (why := _disagreement(p, best, with_rows)) is not None:
            p.review.append(why)
    return _past_edge(panels, best)


def _panels_seen(panels: list[PanelRecord]) -> int:
    return sum(bool(p.rows or p.review) for p in panels)


def _key_rows(panels: list[PanelRecord]) -> dict[str, list[tuple[float | None, str | None, float | None]]]:
    """Each key nutrient's amounts as a reader read them, in reading order: what decides the
    flags (a %DV read on one reader's row and on the next row by another does not)."""
    out: dict[str, list[tuple[float | None, str | None, float | None]]] = {}
    for p in panels:
        for r in p.rows:
            key = key_nutrient(r.label_text)
            if key:
                out.setdefault(key, []).append((r.amount, (r.unit or "").lower() or None, r.alt_amount))
    return out


def _key_texts(panels: list[PanelRecord], key: str) -> str:
    """A key nutrient's rows as printed, for a reason: amount and %DV."""
    out = []
    for p in panels:
        for r in p.rows:
            if key_nutrient(r.label_text) == key:
                dv = r.dv_text.strip()
                out.append(" ".join(x for x in (r.amount_text.strip(), dv and f"{dv} DV") if x) or "no amount")
    return ", ".join(out)


def _short(text: str, most: int = 40) -> str:
    # OCR noise makes a row's text run on: the reason names the row, it does not reprint it.
    text = " ".join(text.split())
    return text if len(text) <= most else text[:most - 1].rstrip() + "…"


def _disagreement(panel: PanelRecord, best: list[PanelRecord],
                 readings: list[tuple[str, list[PanelRecord]]]) -> str | None:
    """Where the readers read this panel's key rows differently: one plain sentence and the first
    such row (not every reader's whole page: OCR noise made that reason run to hundreds of
    characters). A reader that did not see a row of this panel does not disagree on it (OCR often
    drops a row the text layer holds); one that read a key row this panel lacks, or read it with
    other figures or none, does. None when every reader agrees on this panel, as on a clean panel
    beside one that failed its checks."""
    mine = _key_rows([panel])
    seen_best = [q for q in best if q.rows]
    at = next((i for i, q in enumerate(seen_best) if q is panel), None)
    best_keys = set(_key_rows(best))
    views: list[tuple[str, list[PanelRecord]]] = []
    differ: list[str] = []
    for method, ps in readings:
        seen = [q for q in ps if q.rows]
        aligned = at is not None and len(seen) == len(seen_best)
        view = [seen[at]] if aligned and at is not None else ps
        theirs = _key_rows(view)
        views.append((method, view))
        for key, rows in theirs.items():
            if key in mine:
                if (rows != mine[key]) if aligned else any(x not in rows for x in mine[key]):
                    differ.append(key)
            elif aligned or key not in best_keys:
                differ.append(key)
    if not differ:
        return None
    first = next((k for k in mine if k in differ), differ[0])
    names = {key_nutrient(r.label_text): r.label_text for _, ps in reversed(readings) for q in ps for r in q.rows}
    names.update({key_nutrient(r.label_text): r.label_text for r in panel.rows})
    what = " vs ".join(f"{_READER_NAMES[m]} {_short(_key_texts(v, first)) or 'no such row'}" for m, v in views)
    return f"the readers disagree on its figures, first on {_short(names.get(first) or first)} ({what})"


def _finish(out: FileExtraction, image_only_pages: int) -> FileExtraction:
    # A heading with no rows under it and not set as a heading is a mention ("see Supplement
    # Facts"), not a panel; one set as a heading stays, for review (its ``review`` says why).
    headed = [p for p in out.panels if not p.rows]
    out.panels = [p for p in out.panels if p.rows or p.review]
    if not out.panels and headed and not image_only_pages:
        return FileExtraction(status="no_panel", page_count=out.page_count, status_detail=(
            f"a panel heading on page {headed[0].page} but no nutrient rows under it"))
    if not out.panels:
        return _no_panel(out.page_count, image_only_pages)
    return out


def _page_limit_said(out: FileExtraction) -> FileExtraction:
    """Whatever was found, a file longer than the page limit says so: a panel on page 501 of a
    catalog is otherwise a silent ``no_panel`` (MAX_PAGES is the audit's --max-pages)."""
    if out.page_count and out.page_count > MAX_PAGES:
        note = f"read the first {MAX_PAGES:,} of {out.page_count:,} pages; raise --max-pages to read more"
        out.status_detail = "; ".join(filter(None, [out.status_detail, note]))
    return out


def _read_with_pdfplumber(data: bytes, page_indexes: list[int]) -> list[PanelRecord]:
    panels: list[PanelRecord] = []
    if not page_indexes:
        return panels
    try:
        with pdfplumber.open(io.BytesIO(data), pages=[i + 1 for i in page_indexes]) as pdf:
            # strict=False: pdfplumber may find fewer pages in a damaged file than pdfium planned
            for index, page in zip(page_indexes, pdf.pages, strict=False):
                panels.extend(read_page(page.chars, float(page.width), float(page.height), index + 1))
                page.close()
    except Exception as e:
        raise _classify(data, e) from e
    return panels


def _extract_with_pdfplumber(data: bytes, plan: PagePlan | None, ocr_left: list[int] | None = None) -> FileExtraction:
    """The whole file through pdfminer: for files PDFium cannot open, or by choice."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as e:  # pdfminer raises a zoo of types on malformed input
        raise _classify(data, e) from e
    with pdf:
        try:
            pages = pdf.pages
        except Exception as e:
            raise _classify(data, e) from e
        out = FileExtraction(status="ok", page_count=len(pages))
        wanted = plan.panel_pages if plan is not None else range(min(len(pages), MAX_PAGES))
        image_only_pages = len(plan.no_text_pages) if plan is not None else 0
        for index in wanted:
            page = pages[index]
            try:
                chars = page.chars
            except Exception as e:
                raise _classify(data, e) from e
            if not any(c.get("text", "").strip() for c in chars):
                if plan is None and (page.images or page.curves or page.rects):
                    image_only_pages += 1
                continue
            got = read_page(chars, float(page.width), float(page.height), index + 1)
            page.close()  # drop the page's layout objects: a 500-page catalog must not hold them all
            out.panels.extend(settle(data, index, "pdfplumber", got, ocr_left))
        return _finish(out, image_only_pages)


MAX_OCR_PAGES = 20  # OCR costs ~1 s a page: a 5,000-page scan is a catalog, not a label


def _extract_by_ocr(data: bytes, plan: PagePlan, text_panels: list[PanelRecord]) -> FileExtraction:
    """Pages with a text layer read as usual (``text_panels``), image-only pages through OCR."""
    out = FileExtraction(status="ok", page_count=plan.page_count, panels=list(text_panels))
    doc = pdfium.PdfDocument(data)
    try:
        sizes = {i: doc[i].get_size() for i in plan.no_text_pages[:MAX_OCR_PAGES]}
    finally:
        doc.close()
    for index, (w, h) in sizes.items():
        out.panels.extend(read_by_ocr(data, index, float(w), float(h)))
    out.panels = sorted((p for p in out.panels if p.rows), key=lambda p: (p.page, p.panel))
    if not out.panels:
        return FileExtraction(status="no_panel", page_count=plan.page_count,
                              status_detail="no Supplement Facts panel found "
                                            f"(text layer and OCR of {len(sizes)} page(s))")
    if len(plan.no_text_pages) > MAX_OCR_PAGES:
        out.status_detail = (f"only the first {MAX_OCR_PAGES} of {len(plan.no_text_pages)} image-only pages "
                             "were read by OCR")
    return out


def _no_panel(page_count: int, image_only_pages: int) -> FileExtraction:
    if image_only_pages:
        return FileExtraction(
            status="needs_ocr", page_count=page_count,
            status_detail=(f"{image_only_pages} page(s) have no readable text layer (a scan, outlined text, or text "
                           "that does not read as words) and no OCR "
                           f"engine is available: {ocr_available() or 'OCR found no panel'}"),
        )
    return FileExtraction(status="no_panel", page_count=page_count,
                          status_detail="no Supplement Facts panel found in the text of the PDF")


def read_page(chars: list[dict], width: float, height: float, number: int) -> list[PanelRecord]:
    words, turns = page_words(chars, width, height)
    fw, fh = (height, width) if turns in (1, 3) else (width, height)
    if not words:
        return []
    # A layout wider or longer than its page (LibreOffice lets a table run past the page's edge)
    # still has some of its text in the file: the panel's region reaches as far as its words.
    page = (fw, fh)
    fw, fh = max(fw, max(w.x1 for w in words)), max(fh, max(w.bottom for w in words))
    return read_words(words, fw, fh, number, page=page)


def read_words(words: list[Word], width: float, height: float, number: int,
               read_method: str = "text", page: tuple[float, float] | None = None) -> list[PanelRecord]:
    """Panels from words in the page's reading frame (``width`` x ``height`` points), whether
    they came from the text layer or from OCR. ``page``: the printed page's own size, where the
    words run past it."""
    heads = reading_order(find_headings(words))
    if not heads:
        return _unread_headings(words, number)
    head_boxes = [(h.x0, h.top, h.x1, h.bottom) for h in heads]
    # Directions paragraphs first: set beside a panel, their lines are no part of its rows. (The
    # regions' gutters are still found among all the words: a paragraph's lines under a panel keep
    # a strip between its names and its amounts from passing for a gutter.)
    blocks = directions_blocks(words, head_boxes)
    table_words = _outside(words, [b.box for b in blocks])
    regions = panel_regions(heads, width, height, words)
    body_size = statistics.median([w.size for w in words]) if words else 8.0
    panels: list[PanelRecord] = []
    tables: list[tuple[float, float, float, float]] = []
    for index, (head, region) in enumerate(zip(heads, regions, strict=True)):
        rec, end_y = read_panel(table_words, region, number, index, region=head.region)
        left, top, right, bottom = region
        below = group_lines([w for w in words if w.x0 >= left - 4 and w.x1 <= right + 1 and end_y < w.top <= bottom])
        tables.append(_table_box(table_words, region, end_y))
        if page is not None and any(w.x0 + w.x1 > 2 * page[0] or w.top + w.bottom > 2 * page[1] for w in table_words
                                    if left <= w.x0 and w.x1 <= right + 1 and top <= w.top <= end_y):
            # what the file holds of the table past the page's edge (a word half past it, not a
            # glyph box that overhangs it; fine print under the table does not count) is not
            # printed, and may be only part of it
            rec.review.append(f"the panel on page {number} {PAST_EDGE}")
        # The label's other words (cautions, claims) for rules that read them: the column
        # under the panel, or the whole page outside the table when it holds one panel.
        if len(heads) == 1:
            outside = [w for w in words if not (left <= w.x0 and w.x1 <= right + 1 and top <= w.top <= end_y)]
            fine = group_lines(outside)
        else:
            fine = below
        rec.fine_print = clean(" ".join(line.text for line in fine))[:4000] or None
        context = _context_lines(words, heads, head, region)
        rec.brand, rec.product_name = find_identity(
            context, body_size, panel_text=" ".join(r.label_text for r in rec.rows),
            anchor=(head.x0, head.top, head.x1), fine_print=fine)
        label_text = " ".join([*(line.text for line in context), rec.fine_print or ""])
        if rec.rows and not any(key_nutrient(r.label_text) == "vitamin_d" for r in rec.rows) and vitamin_d_dose_named(
                label_text):
            rec.review.append("the label states a vitamin D dose but its panel was read without a vitamin D row")
        elif (stated := stated_dose_problem(stated_d_doses(label_text), rec.rows)) is not None:
            rec.review.append(stated)
        rec.read_method = read_method
        for row in rec.rows:
            row.read_method = read_method
        if not rec.rows and (head.bold or head.size >= 1.15 * body_size):
            # Set like a panel's heading (bold or larger than the text), not a mention in a
            # sentence ("see Supplement Facts"): a panel whose rows were not read.
            rec.review.append(f"a {_HEADING_NAMES[head.region]} heading on page {number} but no nutrient rows "
                              "could be read under it")
        panels.append(rec)
    # Directions wherever they stand on the label: under, above or beside their panel.
    for rec, directions in zip(panels, assign_directions(words, head_boxes, tables, blocks), strict=True):
        rec.directions = directions
    if len(panels) == 1 and panels[0].directions is None:
        panels[0].directions = find_directions(group_lines(words))
    _say_lost_panels(words, heads, panels, _outside(table_words, tables), body_size, number)
    return panels


def _row_outside(ws: list[Word], body_size: float) -> str | None:
    """The text of a panel row standing on a line (``ws``), if one does: it opens a column (at the
    line's start or after a gutter), in the text's own size, a key nutrient's name and then its
    amount in a column of its own (past a gap wider than a space: a product name such as
    "Magnesium Citrate 200 mg - 180 Capsules" runs on with single spaces)."""
    for k, w in enumerate(ws):
        if (k and w.x0 - ws[k - 1].x1 < max(4.0, w.size)) or w.size > 1.15 * body_size:
            continue
        for j in range(k + 1, min(len(ws), k + 12)):
            if ws[j].text[:1].isdigit() and ws[j].x0 - ws[j - 1].x1 > 0.6 * ws[j].size:
                text = clean(" ".join(x.text for x in ws[k:j + 4]))
                if key_row_text(text):
                    return text
                break
    return None


def _overlap(a: Heading, b: Heading) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.top < b.bottom and b.top < a.bottom


def _unread_headings(words: list[Word], number: int) -> list[PanelRecord]:
    """A page where no heading was taken as a panel's, though one is set as a heading (bold or large,
    say beside marketing copy): a record for review, never nothing."""
    marks = find_headings(words, loose=True)
    if not marks:
        return []
    rec = PanelRecord(page=number, panel=0, region=marks[0].region)
    rec.review.append(f"page {number} shows {len(marks)} {_HEADING_NAMES[marks[0].region]} heading"
                      f"{'s' if len(marks) > 1 else ''} but no panel could be read under "
                      f"{'them' if len(marks) > 1 else 'it'}")
    return [rec]


def _say_lost_panels(words: list[Word], heads: list[Heading], panels: list[PanelRecord], loose: list[Word],
                     body_size: float, number: int) -> None:
    """Never silent about a panel the page shows and the reader lost: a heading set as one that no
    panel was read under, or a key nutrient's row (``loose``: the words outside every panel's
    table and directions) standing outside every panel. Every panel of the page says so."""
    read = [p for p in panels if p.rows]
    lost = [m for m in find_headings(words, loose=True) if not any(_overlap(m, h) for h in heads)]
    shown = len(read) + len(lost)
    outside = []
    for line in group_lines(loose):
        text = _row_outside(line.words, body_size)
        if text:
            outside.append(text)
    region = lost[0].region if lost else heads[0].region
    problems = lost_panel_problems(number, shown, len(read), _HEADING_NAMES[region], outside)
    for p in panels:
        if p.rows or p.review:
            p.review.extend(problems)


def _outside(words: list[Word], boxes: list[tuple[float, float, float, float]]) -> list[Word]:
    """The words that stand in none of ``boxes``."""
    if not boxes:
        return words
    return [w for w in words if not any(x0 - 1 <= w.x0 and w.x1 <= x1 + 1 and top - 1 <= w.top
                                        and w.bottom <= bottom + 1 for x0, top, x1, bottom in boxes)]


def _table_box(words: list[Word], region: tuple[float, float, float, float],
               end_y: float) -> tuple[float, float, float, float]:
    """Where a panel's table stands: its heading to its last row, as wide as its words."""
    left, top, right, _bottom = region
    inside = [w for w in words if w.x0 >= left and w.x1 <= right + 1 and top <= w.top <= end_y]
    if not inside:
        return left, top, right, end_y
    return min(w.x0 for w in inside), top, max(w.x1 for w in inside), end_y


_HEADING_NAMES = {"us": "Supplement Facts", "ca": "Medicinal Ingredients", "eu": "Nutrition Information"}


def read_by_ocr(data: bytes, page_index: int, width: float, height: float) -> list[PanelRecord]:
    page = ocr_page(data, page_index, width, height)
    return read_words(page.words, page.width, page.height, page_index + 1, read_method="ocr")


def _context_lines(words: list[Word], heads: list[Heading], head: Heading,
                   region: tuple[float, float, float, float]) -> list[Line]:
    """Lines outside every panel table that could name this panel's product."""
    left, top, right, _bottom = region
    # Where the panels' columns start: a line that runs from one column into the next (two mastheads
    # side by side, copy beside the panel, with a gutter hardly wider than a word space) is two
    # things, and only the part standing in this panel's column names its product.
    starts = sorted({h.x0 for h in heads})
    if len(heads) == 1:
        pool = [w for w in words if not (w.x0 >= left and w.top >= top)]
        return [part for line in group_lines(pool) for part in _cut_at_columns(line, starts, False)]
    above = [h.top for h in heads if h.top < head.top - 20 and h.x0 < right and h.x1 > left]
    ceiling = max(above) + 20 if above else -1.0
    after = min((x for x in starts if x > head.x0 + 10), default=1e9) - 2.5
    out = []
    # cut whole lines (their word spaces measured across the page), then keep what stands in this column
    for line in group_lines([w for w in words if ceiling < w.top < head.top]):
        parts = _cut_at_columns(line, starts, True)
        if len(parts) > 1:
            out += [part for part in parts if head.x0 - 2.5 <= part.x0 < after]
        # by the word's middle: a neighbour's name set wide runs a word or two into this column's
        # masthead line, and this one's into the neighbour's (LibreOffice text frames)
        elif mine := [w for w in line.words if left - 30 < (w.x0 + w.x1) / 2 < right]:
            out.append(Line(mine))
    return out


def _cut_at_columns(line: Line, starts: list[float], side_by_side: bool) -> list[Line]:
    """A line cut before a word that starts a column (where a panel's heading starts), when the
    word before it ends short of the column and stands further from it than the line's word
    spaces (side by side panels: however close, as LibreOffice sets a masthead run up to the next
    column); before a word further into the column, when the gap is clearly wider than a space."""
    gaps = [b.x0 - a.x1 for a, b in pairwise(line.words)]
    if not gaps:
        return [line]
    space = max(min(gaps), 0.2 * line.size)
    at_start = 0.5 if side_by_side else 1.15 * space + 0.5
    parts: list[list[Word]] = [[line.words[0]]]
    for gap, (a, b) in zip(gaps, pairwise(line.words), strict=True):
        if any(a.x1 < x - 1.0 and ((abs(b.x0 - x) <= 2.5 and gap > at_start)
                                   or (b.x0 >= x - 2.5 and gap > 1.6 * space)) for x in starts):
            parts.append([b])
        else:
            parts[-1].append(b)
    return [Line(p) for p in parts]
