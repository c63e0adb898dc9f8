"""Finding Supplement Facts panels on a page and reading their rows.

A page's text interleaves panels, marketing copy and the panels of neighbouring
products, so each panel is first given a region (from its heading to the next heading
below it, and between the headings beside it), and rows are read inside that region only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from extract.amounts import apply_providing, parse_row_text, split_note
from extract.layout import Line, Word, group_lines, union
from extract.records import PanelRecord, RowRecord

_BULLETS = re.compile(r"\(cid:\d+\)|[•●▪■◆]")
HEADING_RE = re.compile(r"^supplement$", re.IGNORECASE)
SERVING_SIZE_RE = re.compile(r"serving\s+size\s*:?\s*(?P<v>.*?)\s*(?:servings?\s+per\s+container.*)?$", re.IGNORECASE)
SERVINGS_PER_CONTAINER_RE = re.compile(r"servings\s+per\s+container\s*:?\s*(?P<v>[\w.,~ ]+?)\s*$", re.IGNORECASE)
HEADER_RE = re.compile(r"amount\s+per|per\s+serving|%\s*daily\s+value|%\s*dv\b", re.IGNORECASE)
# Lines that close the panel's table: footnotes, ingredient lists, directions.
END_RE = re.compile(
    r"^(?:[*†‡]\s*)?(?:percent\s+daily|daily\s+values?\s+(?:not|are)|other\s+ingredients|ingredients\s*:|"
    r"suggested\s+us|recommended\s+us|directions|caution|warning)",
    re.IGNORECASE,
)


@dataclass
class Heading:
    x0: float
    top: float
    x1: float
    bottom: float


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", _BULLETS.sub(" ", text)).strip()


def find_headings(words: list[Word]) -> list[Heading]:
    heads: list[Heading] = []
    for i, w in enumerate(words):
        if not HEADING_RE.match(w.text):
            continue
        for nxt in words[i + 1 : i + 4]:
            same_line = abs(nxt.top - w.top) < max(2.0, w.size * 0.3)
            if same_line and nxt.text.lower().startswith("facts") and 0 <= nxt.x0 - w.x1 < w.size * 1.5:
                heads.append(Heading(w.x0, min(w.top, nxt.top), nxt.x1, max(w.bottom, nxt.bottom)))
                break
    return heads


def reading_order(heads: list[Heading]) -> list[Heading]:
    """Rows of panels top to bottom, left to right within a row (SPEC ``panel``)."""
    rows: list[list[Heading]] = []
    for h in sorted(heads, key=lambda h: h.top):
        if rows and abs(rows[-1][0].top - h.top) < 20:
            rows[-1].append(h)
        else:
            rows.append([h])
    return [h for row in rows for h in sorted(row, key=lambda h: h.x0)]


def panel_regions(heads: list[Heading], width: float, height: float) -> list[tuple[float, float, float, float]]:
    """A (left, top, right, bottom) box per heading, not overlapping its neighbours."""
    regions = []
    for h in heads:
        left = h.x0 - 8
        right = width
        bottom = height
        for o in heads:
            if o is h:
                continue
            side_by_side = abs(o.top - h.top) < 60
            if side_by_side and o.x0 > h.x0:
                right = min(right, o.x0 - 4)
            elif side_by_side and o.x0 < h.x0:
                left = max(left, h.x0 - 8)
            elif o.top > h.top and o.x0 < right and o.x1 > left:
                bottom = min(bottom, o.top - 2)
        regions.append((max(0.0, left), h.top - 2, right, bottom))
    return regions


def _inside(w: Word, box: tuple[float, float, float, float]) -> bool:
    left, top, right, bottom = box
    return w.x0 >= left and w.x1 <= right + 1 and w.top >= top and w.bottom <= bottom + 1


def read_panel(words: list[Word], box: tuple[float, float, float, float], page: int, index: int) -> tuple[PanelRecord, float]:
    """Read one panel. Returns the record and where its table ends (frame y)."""
    lines = group_lines([w for w in words if _inside(w, box)])
    rec = PanelRecord(page=page, panel=index)
    rows: list[tuple[RowRecord, list[Line]]] = []
    state = "head"
    pending: list[Line] = []
    end_y = box[1]
    raw_tail = ""  # text of a "(providing ...)" note under the last row, while it is open
    amount_x: float | None = None  # where the amount column starts, learnt from the first row

    def flush_pending() -> None:
        # A name line with no amount of its own and not the head of the next row: a row
        # printed without an amount (a blend member, a "Proprietary Blend" heading).
        if pending:
            rows.append((RowRecord(label_text=clean(" ".join(l.text for l in pending))), list(pending)))
            pending.clear()
    for line in lines:
        text = clean(line.text)
        if not text:
            continue
        if state == "head":
            m = SERVING_SIZE_RE.search(text)
            if m and rec.serving_size is None:
                rec.serving_size = m.group("v").strip(" :") or None
            m2 = SERVINGS_PER_CONTAINER_RE.search(text)
            if m2:
                rec.servings_per_container = m2.group("v").strip()
            if HEADER_RE.search(text) and not m:
                state = "rows"
            elif m2 or m:
                continue
            elif rec.serving_size and parse_row_text(text):
                state = "rows"  # no header line: rows follow the serving lines
            else:
                continue
            if state == "rows" and HEADER_RE.search(text):
                end_y = line.bottom
                continue
        if rows and line.top - end_y > max(30.0, 3.5 * line.size):
            break  # a wide gap: the table is over
        if END_RE.match(text):
            break
        row = parse_row_text(text)
        if row is None and pending:
            # A name on earlier lines, its amount on this one; a note may sit inside the name.
            name_text, note, _ = split_note(clean(" ".join(l.text for l in pending)))
            row = parse_row_text(name_text + " " + text)
            if row is not None:
                if note:
                    row.note = note
                    apply_providing(row, note)
                rows.append((row, pending + [line]))
                pending.clear()
                raw_tail = note
                end_y = line.bottom
                continue
        if row is not None:
            if pending and not _is_prefix(clean(" ".join(l.text for l in pending))):
                flush_pending()
            if pending:
                row.label_text = clean(" ".join(l.text for l in pending) + " " + row.label_text)
                row_lines = pending + [line]
                pending.clear()
            else:
                row_lines = [line]
            rows.append((row, row_lines))
            raw_tail = row.note or ""
            x = _amount_start(line, row.amount_text)
            if x is not None:
                amount_x = x if amount_x is None else min(amount_x, x)
            end_y = line.bottom
            continue
        note_part = [w for w in line.words if amount_x is not None and w.x1 >= amount_x - 2]
        note_text = clean(" ".join(w.text for w in note_part))
        if rows and note_part and (raw_tail.count("(") > raw_tail.count(")") or split_note(note_text)[1]):
            # A note in the amount column ("(providing 200 mg" / "elemental magnesium)"), while
            # the name may wrap beside it in the name column.
            name_part = [w for w in line.words if w.x1 < amount_x - 2]
            prev, plines = rows[-1]
            if note_part:
                raw_tail += " " + " ".join(w.text for w in note_part)
                apply_providing(prev, raw_tail)
                prev.note = clean(raw_tail)
            plines.append(line)
            end_y = line.bottom
            if name_part:
                name_text = clean(" ".join(w.text for w in name_part))
                if _continues(prev.label_text, name_text):
                    prev.label_text = clean(prev.label_text + " " + name_text)
            continue
        if rows and not pending and (split_note(text)[1] or raw_tail.count("(") > raw_tail.count(")")):
            # "(providing 100 mg elemental magnesium)", possibly wrapped: not part of the name
            prev, plines = rows[-1]
            raw_tail += " " + text
            apply_providing(prev, raw_tail)
            prev.note = clean(raw_tail)
            plines.append(line)
            end_y = line.bottom
            continue
        if not pending and rows and _continues(rows[-1][0].label_text, text, line, rows[-1][1]):
            prev, plines = rows[-1]
            prev.label_text = clean(prev.label_text + " " + text)
            plines.append(line)
            end_y = line.bottom
            continue
        if pending and _continues(clean(" ".join(l.text for l in pending)), text):
            pending.append(line)
        else:
            flush_pending()
            pending.append(line)  # a name whose amount comes on a later line, or an amountless row
        end_y = line.bottom
    flush_pending()
    for row, rlines in rows:
        row.bbox = union(l.orig_bbox() for l in rlines)
        # OCR's word confidences weighted by word length (1.0 from a text layer).
        ws = [w for l in rlines for w in l.words]
        row.confidence = round(sum(w.confidence * len(w.text) for w in ws) / max(1, sum(len(w.text) for w in ws)), 3)
        rec.rows.append(row)
    all_lines = [l for _, ls in rows for l in ls] or lines[:1]
    if all_lines:
        rec.bbox = union([l.orig_bbox() for l in lines if l.top <= end_y] or [all_lines[0].orig_bbox()])
    return rec, end_y


def _continues(prev: str, text: str, line: Line | None = None, prev_lines: list[Line] | None = None) -> bool:
    """Is ``text`` the wrapped tail of the row name ``prev``?"""
    if prev.count("(") > prev.count(")"):
        return True
    if line is not None and prev_lines:
        last = prev_lines[-1]
        # Set tight under the row and flush with its name: a wrap. Blend members are indented.
        if line.top - last.bottom < 0.6 * line.size and abs(line.x0 - prev_lines[0].x0) < 2.5:
            return True
    if prev.rstrip().endswith((",", "-", "/", "&", " as", " and", " from", " of")):
        return True
    return text[:1].islower() or text.startswith(("(", "["))


def _amount_start(line: Line, amount_text: str) -> float | None:
    """x where the row's amount begins on its line (the amount column's left edge)."""
    texts = [w.text for w in line.words]
    for i in range(1, len(texts)):
        if " ".join(texts[i:]).startswith(amount_text.split(" ")[0]) and " ".join(texts[i:]).startswith(amount_text[:3]):
            if texts[i][:1].isdigit() or texts[i][:1] in "<.":
                return line.words[i].x0
    return None


def _is_prefix(text: str) -> bool:
    """A name line that cannot stand alone: its amount comes on the next line."""
    return text.count("(") > text.count(")") or text.rstrip().endswith((",", "-", "/", "&", " as", " and", " from", " of"))
