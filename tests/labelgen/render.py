"""Render product records (see records.py) to Supplement Facts label PDFs with reportlab.

Everything is vector text in the standard Helvetica / Helvetica-Bold fonts (WinAnsi encoding,
which has µ, †, ® and the en dash; bullets are drawn, see _BULLET_NOTE). Layout is done top-down
into a list of drawing ops, so a page can be sized to its content before the canvas exists.

Public: ``render_label(record, path, layout="ruled")``,
``render_catalog(records, path, per_page=1, cover=True, retailer=..., title=...)``,
``render_label_bytes(record, layout)`` and ``LAYOUTS``.
"""
from __future__ import annotations

import io
import random
import zlib
from dataclasses import dataclass, field

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas

LAYOUTS = ("ruled", "borderless", "retail")
# Rotated labels (see _write_rotated): "rotated_page" has /Rotate 90|270 and reads upright when
# displayed; "sideways_text" has /Rotate 0 and the label drawn with a turned text matrix (a viewer
# shows it sideways); "rotated_mixed" has both, drawn independently (upright or upside down).
ROTATED_LAYOUTS = ("rotated_page", "sideways_text", "rotated_mixed")
ALL_LAYOUTS = LAYOUTS + ROTATED_LAYOUTS

# _BULLET_NOTE: reportlab writes U+2022 BULLET as WinAnsi code 0x7F, which pdfminer/pdfplumber
# returns as "(cid:127)" (poppler reads it fine), so bullets are drawn as dots, never as text.
REG = "Helvetica"
BOLD = "Helvetica-Bold"
PALETTE = [Color(0.13, 0.36, 0.55), Color(0.55, 0.23, 0.16), Color(0.18, 0.45, 0.32),
           Color(0.42, 0.26, 0.52), Color(0.72, 0.47, 0.10)]


# ---------------------------------------------------------------- tiny layout engine

@dataclass
class Ops:
    """Drawing ops in top-down coordinates (y grows downwards from the page top)."""
    items: list = field(default_factory=list)

    def text(self, x, y, s, font=REG, size=8.0, align="left", color=black):
        self.items.append(("text", x, y, s, font, size, align, color))

    def line(self, x1, y1, x2, y2, width=0.5):
        self.items.append(("line", x1, y1, x2, y2, width))

    def rect(self, x, y, w, h, width=1.0, fill=None):
        self.items.append(("rect", x, y, w, h, width, fill))

    def dot(self, x, y, r):
        self.items.append(("dot", x, y, r))

    def emit(self, c, page_h):
        for op in self.items:
            kind = op[0]
            if kind == "text":
                _, x, y, s, font, size, align, color = op
                c.setFont(font, size)
                c.setFillColor(color)
                yy = page_h - y
                if align == "right":
                    c.drawRightString(x, yy, s)
                elif align == "center":
                    c.drawCentredString(x, yy, s)
                else:
                    c.drawString(x, yy, s)
                c.setFillColor(black)
            elif kind == "dot":
                _, x, y, r = op
                c.circle(x, page_h - y, r, stroke=0, fill=1)
            elif kind == "line":
                _, x1, y1, x2, y2, width = op
                c.setLineWidth(width)
                c.line(x1, page_h - y1, x2, page_h - y2)
            elif kind == "rect":
                _, x, y, w, h, width, fill = op
                c.setLineWidth(width)
                if fill is not None:
                    c.setFillColor(fill)
                    c.rect(x, page_h - y - h, w, h, stroke=0, fill=1)
                    c.setFillColor(black)
                else:
                    c.rect(x, page_h - y - h, w, h, stroke=1, fill=0)


# Character spacing (reportlab text objects' setCharSpace) that text is measured with while a
# typography render is laid out (tests/labelgen/typography.py); 0 for every other render.
_CHAR_SPACE = 0.0


def text_width(s, font, size):
    """Rendered width of ``s``, with the current character spacing."""
    w = stringWidth(s, font, size)
    return w + _CHAR_SPACE * len(s) if _CHAR_SPACE else w


def wrap(text, font, size, width):
    """Greedy word wrap by rendered width."""
    words = text.split()
    lines, cur = [], ""
    for w in words:
        cand = f"{cur} {w}" if cur else w
        if not cur or text_width(cand, font, size) <= width:
            cur = cand
        else:
            lines.append(cur)
            cur = w
    if cur:
        lines.append(cur)
    return lines or [""]


def _new_canvas(target, size, encrypt=None):
    c = rl_canvas.Canvas(target, pagesize=size, invariant=1, pageCompression=1, encrypt=encrypt)
    c.setAuthor("labelgen")
    c.setTitle("Supplement label")
    c.setCreator("labelaudit tests.labelgen")
    return c


# ---------------------------------------------------------------- panel pieces

def layout_panel(ops, rec, x, y, w, ruled=True, base=8.0):
    """Draw the Supplement Facts panel with its top-left corner at (x, y); return its bottom y."""
    st = rec.get("style", {})
    pad = 4.0 if ruled else 0.0
    ix, iw = x + pad, w - 2 * pad
    top = y
    # title, as large as fits
    tsize = min(base * 2.6, 22.0)
    while text_width(st.get("title", "Supplement Facts"), BOLD, tsize) > iw and tsize > 8:
        tsize -= 0.5
    y += pad + tsize * 0.9
    ops.text(ix, y, st.get("title", "Supplement Facts"), BOLD, tsize)
    y += base * 0.6
    colon = ":" if st.get("serving_colon") else ""
    y += base * 1.2
    ops.text(ix, y, f"Serving Size{colon} {rec['serving_size']}", REG, base)
    y += base * 1.2
    ops.text(ix, y, f"Servings Per Container{colon} {rec['servings_per_container']}", REG, base)
    y += base * 0.5
    if ruled:
        y += 3.5
        ops.line(x, y, x + w, y, 7.0)
        y += 3.5
    else:
        y += base * 0.9
    # column geometry: name | amount (left aligned) | %DV (right aligned)
    dv_right = ix + iw
    dv_w = max(text_width("% Daily Value", BOLD, base * 0.9), text_width("6250%", REG, base),
               text_width(st.get("dv_header", ""), BOLD, base * 0.9)) + 2
    frac = st.get("name_frac", 0.5)
    widest = max([text_width(r["amount_text"], REG, base) for r in _rows(rec)] + [0])
    amount_x = min(ix + iw * frac, dv_right - dv_w - widest - 2)  # keep amounts on one line
    amount_w = dv_right - dv_w - amount_x
    name_w = amount_x - ix - 6
    hsize = base * 0.9
    y += hsize * 1.2
    ops.text(ix, y, st.get("amount_header", "Amount Per Serving"), BOLD, hsize)
    ops.text(dv_right, y, st.get("dv_header", "% Daily Value"), BOLD, hsize, "right")
    y += base * 0.45
    if ruled:
        ops.line(x, y, x + w, y, 1.5)
    lead = base * 1.22
    rows = _rows(rec)
    for i, row in enumerate(rows):
        # (text, x offset, size) per name line; plain rows exactly as before the extensions
        ind = 8 if row.get("indent") else 0
        if row.get("name_lines"):  # a name over several lines, the later ones indented ("from natto")
            parts = row["name_lines"]
            names = [(ln, ind, base) for ln in wrap(parts[0], REG, base, name_w - ind)]
            for part in parts[1:]:
                names += [(ln, ind + 6, base) for ln in wrap(part, REG, base, name_w - ind - 6)]
        else:
            names = [(ln, ind, base) for ln in wrap(row["label_text"], REG, base, name_w - ind)]
        if row.get("sub_text"):
            names += [(ln, ind + 4, base * 0.9) for ln in wrap(row["sub_text"], REG, base * 0.9, name_w - ind - 6)]
        if row.get("amount_note"):  # "500 mg (providing 100 mg elemental magnesium)", wrapped in the column
            amounts = wrap(f"{row['amount_text']} {row['amount_note']}", REG, base, amount_w + 1)
        elif row["amount_text"]:
            amounts = wrap(row["amount_text"], REG, base, amount_w + 1)
        else:
            amounts = []  # a blend member: no amount
        if row.get("amount_note_below"):
            amounts += wrap(row["amount_note_below"], REG, base, amount_w + 1)
        n = max(len(names), len(amounts))
        y += lead
        for j, (ln, dx, size) in enumerate(names):
            ops.text(ix + dx, y + j * lead, ln, REG, size)
        for j, ln in enumerate(amounts):
            ops.text(amount_x, y + j * lead, ln, REG, base)
        if row["dv_text"]:
            ops.text(dv_right, y, row["dv_text"], REG, base, "right")
        y += (n - 1) * lead + base * 0.45
        if ruled and i < len(rows) - 1:
            ops.line(ix, y, x + w - pad, y, 0.35)
    y += base * 0.3
    if ruled:
        y += 2.5
        ops.line(x, y, x + w, y, 5.0)
        y += 2.5
    else:
        y += base * 0.5
    fsize = base * 0.82
    notes = []
    marks = "".join(r["dv_text"] + r["amount_text"] for r in rows) + st.get("dv_header", "")
    if st.get("calorie_footnote") or "*" in marks:
        notes.append("* Percent Daily Values are based on a 2,000 calorie diet.")
    if "†" in marks:
        notes.append("† Daily Value not established.")
    for note in notes:
        for ln in wrap(note, REG, fsize, iw):
            y += fsize * 1.25
            ops.text(ix, y, ln, REG, fsize)
    y += pad + 2
    if ruled:
        ops.rect(x, top, w, y - top, 1.0)
    return y


def _rows(rec):
    if rec.get("layout_rows"):  # panel order of nutrients ("n", i) and other rows ("o", i)
        return [rec["nutrients"][i] if k == "n" else rec["other_rows"][i] for k, i in rec["layout_rows"]]
    return list(rec["nutrients"]) + list(rec.get("other_rows", []))


def layout_below(ops, rec, x, y, w, size=7.5):
    """Other ingredients, directions and warnings under a panel; return the bottom y."""
    lead = size * 1.25
    paras = [("Other ingredients: ", rec.get("other_ingredients"))]
    if rec.get("directions"):
        paras.append((rec.get("directions_heading", "Suggested Use:") + " ", rec["directions"]))
    paras.append(("", rec.get("warnings")))
    y += size * 0.4
    for head, body in paras:
        if not body:
            continue
        lines = wrap(head + body, REG, size, w)
        for ln in lines:
            y += lead
            ops.text(x, y, ln, REG, size)
        y += size * 0.35
    return y


# ---------------------------------------------------------------- single labels

def _label_ops(rec, layout):
    ops = Ops()
    if layout in ("ruled", "borderless"):
        page_w = 4.2 * 72
        m = 18
        w = page_w - 2 * m
        y = m + 13
        ops.text(m, y, rec["brand"], BOLD, 13)
        for ln in wrap(f"{rec['product_name']} – {rec['container_count']}", REG, 9.5, w):
            y += 13
            ops.text(m, y, ln, REG, 9.5)
        y += 12
        y = layout_panel(ops, rec, m, y, w, ruled=(layout == "ruled"))
        y += 6
        y = layout_below(ops, rec, m, y, w)
        return ops, (page_w, y + m)
    if layout == "retail":
        page_w = 9 * 72
        m = 14
        third = (page_w - 2 * m) / 3
        # right third: ruled facts panel + small print
        px, pw = m + 2 * third + 6, third - 6
        y = layout_panel(ops, rec, px, m, pw, ruled=True, base=7.0)
        y = layout_below(ops, rec, px, y + 3, pw, size=6.3)
        page_h = max(4 * 72, y + m)
        # centre third: coloured front panel
        cx0, cw = m + third + 4, third - 8
        color = PALETTE[sum(map(ord, rec["brand"])) % len(PALETTE)]
        front = Ops()
        front.rect(cx0, m, cw, page_h - 2 * m, fill=color)
        mid = cx0 + cw / 2
        yy = m + 40
        front.text(mid, yy, rec["brand"].upper(), BOLD, 12, "center", white)
        yy += 34
        nsize = 20
        lines = wrap(rec["product_name"], BOLD, nsize, cw - 16)
        while len(lines) > 3 and nsize > 12:
            nsize -= 2
            lines = wrap(rec["product_name"], BOLD, nsize, cw - 16)
        for ln in lines:
            front.text(mid, yy, ln, BOLD, nsize, "center", white)
            yy += nsize * 1.15
        front.text(mid, page_h - m - 36, "DIETARY SUPPLEMENT", BOLD, 9, "center", white)
        front.text(mid, page_h - m - 20, rec["container_count"], REG, 10, "center", white)
        # left third: claims
        lx, lw = m, third - 10
        yy = m + 14
        left = Ops()
        left.text(lx, yy, "WHY YOU'LL LOVE IT", BOLD, 10)
        yy += 8
        for claim in rec.get("claims", []):
            lines = wrap(claim, REG, 8.5, lw - 10)
            yy += 14
            left.dot(lx + 2.5, yy - 2.8, 1.6)  # drawn, not a text bullet (see _BULLET_NOTE)
            for j, ln in enumerate(lines):
                left.text(lx + 9, yy + j * 10.5, ln, REG, 8.5)
            yy += (len(lines) - 1) * 10.5
        yy += 16
        for ln in wrap("*These statements have not been evaluated by the Food and Drug Administration. This "
                       "product is not intended to diagnose, treat, cure, or prevent any disease.", REG, 6.5, lw):
            left.text(lx, yy, ln, REG, 6.5)
            yy += 8
        yy += 6
        for ln in wrap(rec.get("manufacturer", ""), REG, 6.5, lw):
            left.text(lx, yy, ln, REG, 6.5)
            yy += 8
        ops.items = front.items + left.items + ops.items
        return ops, (page_w, page_h)
    raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")


def rotation_for(rec, layout, page_rotate=None, text_turn=None):
    """(page /Rotate, content turn anticlockwise) in degrees for a rotated layout; what is not given
    is drawn at random from the record, so a record renders the same bytes every time."""
    r = random.Random(zlib.crc32(f"{layout}|{rec.get('sku')}|{rec.get('brand')}|{rec.get('product_name')}".encode()))
    if layout == "rotated_page":
        page_rotate = r.choice([90, 270]) if page_rotate is None else page_rotate
        text_turn = page_rotate if text_turn is None else text_turn
    elif layout == "sideways_text":
        page_rotate = 0 if page_rotate is None else page_rotate
        text_turn = r.choice([90, 270]) if text_turn is None else text_turn
    elif layout == "rotated_mixed":
        pr, tt = r.choice([90, 270]), r.choice([90, 270])
        page_rotate = pr if page_rotate is None else page_rotate
        text_turn = tt if text_turn is None else text_turn
    else:
        raise ValueError(f"not a rotated layout: {layout!r}")
    if page_rotate % 90 or text_turn % 90:
        raise ValueError("page_rotate and text_turn must be multiples of 90")
    return page_rotate % 360, text_turn % 360


def _turn_matrix(turn, w, h):
    """Map a w x h label (PDF axes) into its media box turned ``turn`` degrees anticlockwise."""
    return {0: (1, 0, 0, 1, 0, 0), 90: (0, 1, -1, 0, h, 0), 180: (-1, 0, 0, -1, w, h),
            270: (0, -1, 1, 0, 0, w)}[turn]


def _write_rotated(rec, target, layout, encrypt=None, page_rotate=None, text_turn=None, base_layout="ruled"):
    page_rotate, turn = rotation_for(rec, layout, page_rotate, text_turn)
    ops, (w, h) = _label_ops(rec, base_layout)
    media = (h, w) if turn in (90, 270) else (w, h)
    # reportlab writes MediaBox [0 0 height width] for a page with /Rotate 90 or 270: pass it swapped
    c = _new_canvas(target, media[::-1] if page_rotate in (90, 270) else media, encrypt=encrypt)
    c.setTitle(f"{rec['brand']} {rec['product_name']}")
    if page_rotate:
        c.setPageRotation(page_rotate)
    c.saveState()
    c.transform(*_turn_matrix(turn, w, h))
    ops.emit(c, h)
    c.restoreState()
    c.showPage()
    c.save()


def _write_label(rec, target, layout, encrypt=None, **rot):
    if layout in ROTATED_LAYOUTS:
        return _write_rotated(rec, target, layout, encrypt=encrypt, **rot)
    if any(v is not None for v in rot.values()):
        raise ValueError(f"page_rotate/text_turn/base_layout apply to {ROTATED_LAYOUTS} only")
    ops, (w, h) = _label_ops(rec, layout)
    c = _new_canvas(target, (w, h), encrypt=encrypt)
    c.setTitle(f"{rec['brand']} {rec['product_name']}")
    ops.emit(c, h)
    c.showPage()
    c.save()


def _rot_kwargs(layout, page_rotate, text_turn, base_layout):
    if layout in ROTATED_LAYOUTS:
        return {"page_rotate": page_rotate, "text_turn": text_turn, "base_layout": base_layout or "ruled"}
    return {"page_rotate": page_rotate, "text_turn": text_turn, "base_layout": base_layout}


def render_label(record: dict, path, layout: str = "ruled", *, page_rotate: int | None = None,
                 text_turn: int | None = None, base_layout: str | None = None) -> None:
    """Write one label (one page, one panel) to ``path``.

    For the ROTATED_LAYOUTS: ``page_rotate`` (the page's /Rotate, 0/90/180/270), ``text_turn`` (the
    content turned anticlockwise in the media box) and ``base_layout`` (the label drawn turned,
    default "ruled"); rotations not given are drawn at random from the record (see rotation_for).
    """
    _write_label(record, str(path), layout, **_rot_kwargs(layout, page_rotate, text_turn, base_layout))


def render_label_bytes(record: dict, layout: str = "ruled", encrypt=None, *, page_rotate: int | None = None,
                       text_turn: int | None = None, base_layout: str | None = None) -> bytes:
    buf = io.BytesIO()
    _write_label(record, buf, layout, encrypt=encrypt, **_rot_kwargs(layout, page_rotate, text_turn, base_layout))
    return buf.getvalue()


# ---------------------------------------------------------------- catalogs

def _catalog_block(ops, rec, x, y, w):
    """Heading, facts panel and directions for one catalog product; return bottom y."""
    y += 16
    for ln in wrap(rec["product_name"], BOLD, 14, w):
        ops.text(x, y, ln, BOLD, 14)
        y += 17
    y -= 17
    y += 14
    ops.text(x, y, f"{rec['brand']} | {rec['container_count']} | SKU {rec['sku']}", REG, 9)
    y += 14
    pw = min(w, 300)
    y = layout_panel(ops, rec, x, y, pw, ruled=True, base=7.5)
    y += 4
    return layout_below(ops, rec, x, y, pw, size=7.2)


def render_catalog(records: list, path, per_page: int = 1, cover: bool = True,
                   retailer: str = "Corner Pharmacy", title: str | None = None, columns: int | None = None) -> list:
    """A retailer catalog on letter pages; returns [{"page": 1-based, "panel": 0-based}] per record.

    ``per_page`` 1 or 2 (side by side) as always; 3 to 6 fill a grid of ``columns`` (default 2) in
    rows top to bottom (3: two panels, then one under them; 4: two rows of two). ``columns=1``
    stacks the panels vertically. A grid page is letter width and as tall as its content needs
    (at least letter height); panel indices follow the SPEC's reading order.
    """
    if columns is not None or per_page not in (1, 2):
        return _render_catalog_grid(records, path, per_page, cover, retailer, title, columns)
    if per_page not in (1, 2):
        raise ValueError("per_page must be 1 or 2")
    title = title or f"{retailer} – Vitamin & Supplement Catalog"
    pw, ph = letter
    m = 42
    c = _new_canvas(str(path), letter)
    c.setTitle(title)
    page = 0
    out = []

    def header(ops, pno):
        ops.text(m, m, title, BOLD, 10)
        ops.text(pw - m, m, f"Page {pno}", REG, 9, "right")
        ops.line(m, m + 5, pw - m, m + 5, 0.5)

    if cover:
        page += 1
        ops = Ops()
        ops.text(pw / 2, 250, retailer, BOLD, 30, "center")
        ops.text(pw / 2, 290, "Vitamin & Supplement Catalog", REG, 20, "center")
        ops.text(pw / 2, 330, "Prices valid while supplies last. Ask our pharmacists about vitamin D, "
                 "K2 and magnesium.", REG, 10, "center")
        ops.text(pw / 2, 350, f"{len(records)} products inside", REG, 10, "center")
        ops.emit(c, ph)
        c.showPage()
    for i in range(0, len(records), per_page):
        page += 1
        ops = Ops()
        header(ops, page)
        group = records[i:i + per_page]
        if per_page == 1:
            _catalog_block(ops, group[0], m, m + 30, pw - 2 * m)
            out.append({"page": page, "panel": 0})
        else:
            colw = (pw - 2 * m - 24) / 2
            for j, rec in enumerate(group):
                _catalog_block(ops, rec, m + j * (colw + 24), m + 30, colw)
                out.append({"page": page, "panel": j})
        ops.emit(c, ph)
        c.showPage()
    c.save()
    return out


def _render_catalog_grid(records, path, per_page, cover, retailer, title, columns):
    if not 1 <= per_page <= 6:
        raise ValueError("per_page must be 1 to 6")
    columns = columns or (1 if per_page == 1 else 2)
    if columns not in (1, 2):
        raise ValueError("columns must be 1 or 2")
    title = title or f"{retailer} – Vitamin & Supplement Catalog"
    pw, ph = letter
    m = 42
    gap = 24
    c = _new_canvas(str(path), letter)
    c.setTitle(title)
    page = 0
    out = []
    if cover:
        page += 1
        ops = Ops()
        ops.text(pw / 2, 250, retailer, BOLD, 30, "center")
        ops.text(pw / 2, 290, "Vitamin & Supplement Catalog", REG, 20, "center")
        ops.text(pw / 2, 350, f"{len(records)} products inside", REG, 10, "center")
        ops.emit(c, ph)
        c.showPage()
    colw = (pw - 2 * m - gap * (columns - 1)) / columns
    for i in range(0, len(records), per_page):
        page += 1
        ops = Ops()
        group = records[i:i + per_page]
        y = m + 30
        for r0 in range(0, len(group), columns):
            bottoms = []
            for j, rec in enumerate(group[r0:r0 + columns]):
                bottoms.append(_catalog_block(ops, rec, m + j * (colw + gap), y, colw))
                out.append({"page": page, "panel": r0 + j})
            y = max(bottoms) + 14
            if r0 + columns < len(group):
                ops.line(m, y, pw - m, y, 0.5)  # a rule between rows of products
                y += 16
        page_h = max(ph, y + m)
        ops.text(m, m, title, BOLD, 10)
        ops.text(pw - m, m, f"Page {page}", REG, 9, "right")
        ops.line(m, m + 5, pw - m, m + 5, 0.5)
        c.setPageSize((pw, page_h))
        ops.emit(c, page_h)
        c.showPage()
    c.save()
    return out
