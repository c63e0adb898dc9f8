"""Print sampled labels (space.py) with several PDF producers; write the truth lines.

    from tests.labelgen.producers import render_space_catalog
    truth = render_space_catalog(labels, root)     # root/NNNN.pdf, one line per panel

Producers: reportlab and fpdf2 draw the same absolute layout (laid out here, measured with the
label's own font and letter-spacing); WeasyPrint and LibreOffice print an HTML/CSS rendering of
the label (their own line breaking, table layout and font embedding); "ghostscript" re-distils a
reportlab or fpdf2 file through Ghostscript's pdfwrite (re-encoded fonts, merged text runs).
LibreOffice converts every label of a catalog in one soffice run (it costs seconds to start).
"""
from __future__ import annotations

import html
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .records import fmt_num

# Carlito and Liberation carry a 1970-ish 'created' date that fontTools warns about on every
# fpdf2 label: noise in every accuracy run, nothing wrong with the PDF
logging.getLogger("fontTools.ttLib.tables._h_e_a_d").setLevel(logging.ERROR)

TTF = "/usr/share/fonts/truetype"
# font axis -> (regular file, bold file, CSS family); "helvetica" is reportlab's base-14 Helvetica
# (fpdf2 gets Liberation Sans, its metric twin, because fpdf2's core fonts are Latin-1 only: no †)
FONTS = {
    "helvetica": ("liberation/LiberationSans-Regular.ttf", "liberation/LiberationSans-Bold.ttf", "Helvetica"),
    "liberation_sans": ("liberation/LiberationSans-Regular.ttf", "liberation/LiberationSans-Bold.ttf",
                        "Liberation Sans"),
    "liberation_serif": ("liberation/LiberationSerif-Regular.ttf", "liberation/LiberationSerif-Bold.ttf",
                         "Liberation Serif"),
    "dejavu_sans": ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf", "DejaVu Sans"),
    "dejavu_condensed": ("dejavu/DejaVuSansCondensed.ttf", "dejavu/DejaVuSansCondensed-Bold.ttf",
                         "DejaVu Sans Condensed"),
    "liberation_mono": ("liberation/LiberationMono-Regular.ttf", "liberation/LiberationMono-Bold.ttf",
                        "Liberation Mono"),
    "liberation_narrow": ("liberation/LiberationSansNarrow-Regular.ttf", "liberation/LiberationSansNarrow-Bold.ttf",
                          "Liberation Sans Narrow"),
    "carlito": ("crosextra/Carlito-Regular.ttf", "crosextra/Carlito-Bold.ttf", "Carlito"),
}
FALLBACK = ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf")
TRACKING = {"none": 0.0, "tight": -0.18, "wide": 1.1}   # points of letter-spacing per point of size/8
NAME_FRAC = {"wide": 0.56, "medium": 0.42, "narrow": 0.28}


def _font_files(font):
    reg, bold, _ = FONTS[font]
    reg, bold = f"{TTF}/{reg}", f"{TTF}/{bold}"
    if not (Path(reg).exists() and Path(bold).exists()):
        reg, bold = (f"{TTF}/{f}" for f in FALLBACK)
    return reg, bold


def _rl_font(font, bold):
    """reportlab font name for a font axis value, registered on first use."""
    if font == "helvetica":
        return "Helvetica-Bold" if bold else "Helvetica"
    name = f"lg-{font}-{'b' if bold else 'r'}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, _font_files(font)[1 if bold else 0]))
    return name


class Style:
    def __init__(self, ax):
        self.font = ax["font"]
        self.base = float(ax["size"])
        self.cs = TRACKING[ax["tracking"]] * self.base / 8.0
        self.ax = ax

    def width(self, s, bold=False, size=None):
        size = size or self.base
        return pdfmetrics.stringWidth(s, _rl_font(self.font, bold), size) + self.cs * len(s)

    def wrap(self, text, width, bold=False, size=None):
        words, lines, cur = text.split(), [], ""
        for w in words:
            cand = f"{cur} {w}" if cur else w
            if not cur or self.width(cand, bold, size) <= width:
                cur = cand
            else:
                lines.append(cur)
                cur = w
        if cur:
            lines.append(cur)
        return lines or [""]


# ---------------------------------------------------------------- absolute layout (reportlab, fpdf2)

class Ops:
    def __init__(self):
        self.items = []

    def text(self, x, y, s, bold=False, size=8.0):
        if s:
            self.items.append(("text", x, y, s, bold, size))

    def line(self, x1, y1, x2, y2, w=0.5):
        self.items.append(("line", x1, y1, x2, y2, w))

    def rect(self, x, y, w, h, lw=1.0):
        self.items.append(("rect", x, y, w, h, lw))


def _aligned(st, ops, s, x0, width, align, y, bold=False, size=None):
    w = st.width(s, bold, size)
    x = x0 if align == "left" else (x0 + width - w if align == "right" else x0 + (width - w) / 2)
    ops.text(x, y, s, bold, size or st.base)


def panel_width(st, p):
    ncols = len(p["print"]["col_titles"] or [None])
    return min(480.0, st.base * (30 + 13 * ncols))


def layout_panel(ops, st, p, x, y, w):
    """The facts panel with its top-left corner at (x, y); returns its bottom y."""
    pr, ax = p["print"], st.ax
    b = st.base
    rules = ax["rules"]
    pad = 4.0 if rules == "ruled" else 0.0
    ix, iw = x + pad, w - 2 * pad
    top = y
    tsize = b * 2.2
    while st.width(pr["title"], True, tsize) > iw and tsize > b:
        tsize -= 0.5
    y += pad + tsize
    ops.text(ix, y, pr["title"], True, tsize)
    y += b * 0.3
    for ln in pr["head"]:
        for part in st.wrap(ln, iw):
            y += b * 1.25
            ops.text(ix, y, part, False, b)
    y += b * 0.5
    if rules != "borderless":
        y += 3
        ops.line(x, y, x + w, y, 6.0 if rules == "ruled" else 4.0)
        y += 3
    ncols = len(pr["col_titles"] or [None])
    frac = NAME_FRAC[ax["name_wrap"]] * (1.0 if ncols == 1 else 0.8)
    name_w = iw * frac
    col_w = (iw - name_w) / ncols
    has_dv = any(pr["dv_cols"])
    dv_w = (st.width("1250%*") + 2) if has_dv else 0.0
    dv_w = min(dv_w, col_w * 0.45)
    amt_w = col_w - dv_w - 3
    col_x = [ix + name_w + c * col_w for c in range(ncols)]
    hs = b * 0.92
    if pr["col_titles"]:
        if pr.get("amount_header"):
            y += b * 1.25
            ops.text(ix, y, pr["amount_header"], True, hs)
        y += b * 1.25
        extra = 0
        for c, t in enumerate(pr["col_titles"]):
            lines = st.wrap(t, amt_w, True, hs)
            for j, ln in enumerate(lines):
                _aligned(st, ops, ln, col_x[c], amt_w, ax["amount_align"], y + j * b * 1.1, True, hs)
            extra = max(extra, len(lines) - 1)
            if pr["dv_cols"][c] and pr.get("dv_header"):
                dv_lines = st.wrap(pr["dv_header"], dv_w + 2, True, hs * 0.9)
                for j, ln in enumerate(dv_lines):
                    _aligned(st, ops, ln, col_x[c] + amt_w + 3, dv_w, ax["dv_align"], y + j * b * 1.1, True, hs * 0.9)
                extra = max(extra, len(dv_lines) - 1)
        y += extra * b * 1.1
    else:
        y += b * 1.25
        if pr.get("amount_header") and pr.get("header_over_amount"):  # EU: "Per daily dose (2 capsules)"
            lines = st.wrap(pr["amount_header"], amt_w + dv_w * 0.5, True, hs)
            for j, ln in enumerate(lines):
                _aligned(st, ops, ln, col_x[0], amt_w, ax["amount_align"], y + j * b * 1.1, True, hs)
            y += (len(lines) - 1) * b * 1.1
        elif pr.get("amount_header"):
            ops.text(ix, y, pr["amount_header"], True, hs)
        if pr.get("dv_header") and has_dv:
            _aligned(st, ops, pr["dv_header"], col_x[0] + amt_w + 3 - 20, dv_w + 20, ax["dv_align"], y, True, hs)
    y += b * 0.45
    if rules == "ruled":
        ops.line(x, y, x + w, y, 1.5)
    lead = b * 1.22
    for i, row in enumerate(pr["rows"]):
        names = st.wrap(row["name"], name_w - 6)
        cells = []
        for a, d in row["cells"]:
            cells.append((st.wrap(a, amt_w), d))
        n = max([len(names)] + [len(a) for a, _ in cells])
        y += lead
        for j, ln in enumerate(names):
            ops.text(ix, y + j * lead, ln, False, b)
        for c, (alines, d) in enumerate(cells):
            for j, ln in enumerate(alines):
                _aligned(st, ops, ln, col_x[c], amt_w, ax["amount_align"], y + j * lead)
            if d and pr["dv_cols"][c]:
                _aligned(st, ops, d, col_x[c] + amt_w + 3, dv_w, ax["dv_align"], y)
        y += (n - 1) * lead + b * 0.45
        if rules == "ruled" and i < len(pr["rows"]) - 1:
            ops.line(ix, y, x + w - pad, y, 0.35)
    y += b * 0.3
    if rules != "borderless":
        y += 2.5
        ops.line(x, y, x + w, y, 5.0 if rules == "ruled" else 3.0)
        y += 2.5
    fs = b * 0.82
    for note in pr["foot"]:
        for ln in st.wrap(note, iw, size=fs):
            y += fs * 1.3
            ops.text(ix, y, ln, False, fs)
    y += pad + 2
    if rules == "ruled":
        ops.rect(x, top, w, y - top, 1.0)
    return y


def _directions_paras(p):
    pr = p["print"]
    out = []
    if p.get("directions"):
        d = f"{pr['directions_heading']} {p['directions']}"
        if pr.get("directions_fr"):
            d += f" {pr['directions_fr']}"
        out.append(d)
    return out + list(pr["other"])


def layout_paras(ops, st, paras, x, y, w, size=None):
    size = size or max(6.0, st.base * 0.9)
    for para in paras:
        for ln in st.wrap(para, w, size=size):
            y += size * 1.3
            ops.text(x, y, ln, False, size)
        y += size * 0.4
    return y


def _marketing(p):
    """Copy beside the panel that names doses too, as retail labels do."""
    claims = [f"{p['brand']}"]
    for n in p["nutrients"]:
        if n["nutrient"] == "vitamin_d":
            claims.append(f"{fmt_num(n['amount_canonical'] * 40)} IU of vitamin D per serving")
        elif n["nutrient"] == "vitamin_k":
            claims.append(f"With {fmt_num(n['amount_canonical'])} mcg vitamin K2")
        elif n["nutrient"] == "magnesium":
            claims.append(f"{fmt_num(n['amount_canonical'])} mg magnesium for calm and bones")
    claims += ["Supports healthy bones and immune function*", "Gluten free · Non-GMO · Third-party tested",
               "*These statements have not been evaluated by the Food and Drug Administration."]
    return claims


def _masthead(p, ax):
    """(text, bold, size) lines of the brand and product name, in the drawn order and weight."""
    b = float(ax["size"])
    m = ax["masthead"]
    if m == "brand_over_name":
        return [(p["brand"], True, b * 1.6), (p["product_name"], False, b * 1.25)]
    if m == "name_over_brand":
        return [(p["product_name"], True, b * 1.8), (p["brand"], False, b * 1.1)]
    return [(p["brand"], False, b * 1.0), (p["product_name"], True, b * 2.0)]  # brand_small


def _block(ops, st, p, x, y, w, pos):
    """Brand, product name, directions above or below, and the panel, in a column of width w."""
    b = st.base
    for text, bold, size in _masthead(p, st.ax):
        for ln in st.wrap(text, w, bold, size):
            y += size * 1.25
            ops.text(x, y, ln, bold, size)
    y += b * 0.8
    if pos == "above":
        y = layout_paras(ops, st, _directions_paras(p), x, y, w) + 4
    y = layout_panel(ops, st, p, x, y, w)
    if pos == "below":
        y = layout_paras(ops, st, _directions_paras(p), x, y + 2, w)
    return y


def layout_label(label):
    """(ops, page width, page height) in top-down points."""
    ax = label["axes"]
    st = Style(ax)
    ops = Ops()
    m = 16.0
    panels = label["panels"]
    pw = max(panel_width(st, p) for p in panels)
    lay = label["layout"]
    gut = float(lay["gutter"])
    if ax["arrangement"] == "side_by_side":
        ys = []
        for i, p in enumerate(panels):
            ys.append(_block(ops, st, p, m + i * (pw + gut), m, pw, ax["directions_pos"]))
        return ops, 2 * m + 2 * pw + gut, max(ys) + m
    p = panels[0]
    side_w = pw * 0.75
    cols = []  # (kind, width)
    if ax["arrangement"] == "text_beside":
        cols.append("market")
    cols.append("panel")
    if ax["directions_pos"] == "beside":
        cols.append("dirs")
    if ax["arrangement"] == "text_beside" and lay["beside_side"] == "right":
        cols = cols[1:] + cols[:1]
    x, ys = m, []
    for kind in cols:
        if kind == "panel":
            ys.append(_block(ops, st, p, x, m, pw, ax["directions_pos"]))
            x += pw + gut
        elif kind == "dirs":
            ys.append(layout_paras(ops, st, _directions_paras(p), x, m + st.base * 6, side_w))
            x += side_w + gut
        else:
            ys.append(layout_paras(ops, st, _marketing(p), x, m + st.base * 6, side_w, size=st.base * 1.05))
            x += side_w + gut
    return ops, x - gut + m, max(ys) + m


def _emit_reportlab(label, target):
    from reportlab.pdfgen import canvas

    ops, w, h = layout_label(label)
    st = Style(label["axes"])
    c = canvas.Canvas(str(target), pagesize=(w, h), invariant=1, pageCompression=1)
    c.setTitle(f"{label['panels'][0]['brand']}")
    for op in ops.items:
        if op[0] == "text":
            _, x, y, s, bold, size = op
            t = c.beginText(x, h - y)
            t.setFont(_rl_font(st.font, bold), size)
            if st.cs:
                t.setCharSpace(st.cs)
            t.textOut(s)
            c.drawText(t)
        elif op[0] == "line":
            _, x1, y1, x2, y2, lw = op
            c.setLineWidth(lw)
            c.line(x1, h - y1, x2, h - y2)
        else:
            _, x, y, rw, rh, lw = op
            c.setLineWidth(lw)
            c.rect(x, h - y - rh, rw, rh, stroke=1, fill=0)
    c.showPage()
    c.save()


def _emit_fpdf(label, target):
    from fpdf import FPDF

    ops, w, h = layout_label(label)
    st = Style(label["axes"])
    pdf = FPDF(unit="pt", format=(w, h))
    pdf.set_auto_page_break(False)
    reg, bold = _font_files(st.font)
    pdf.add_font("lg", "", reg)
    pdf.add_font("lg", "B", bold)
    pdf.add_page()
    for op in ops.items:
        if op[0] == "text":
            _, x, y, s, b, size = op
            pdf.set_font("lg", "B" if b else "", size)
            pdf.set_char_spacing(st.cs)
            pdf.text(x, y, s)
        elif op[0] == "line":
            _, x1, y1, x2, y2, lw = op
            pdf.set_line_width(lw)
            pdf.line(x1, y1, x2, y2)
        else:
            _, x, y, rw, rh, lw = op
            pdf.set_line_width(lw)
            pdf.rect(x, y, rw, rh)
    pdf.output(str(target))


# ---------------------------------------------------------------- HTML/CSS (WeasyPrint, LibreOffice)

def st_size(ax):
    return float(ax["size"])


def _panel_html(p, ax):
    e = html.escape
    pr = p["print"]
    ncols = len(pr["col_titles"] or [None])
    has_dv = any(pr["dv_cols"])
    span = 1 + ncols * (2 if has_dv else 1)
    rules = ax["rules"]
    thick = {"ruled": "6pt solid black", "half": "4pt solid black", "borderless": "none"}[rules]
    hair = "0.5pt solid black" if rules == "ruled" else "none"
    aa, da = ax["amount_align"], ax["dv_align"]
    frac = int(100 * NAME_FRAC[ax["name_wrap"]] * (1.0 if ncols == 1 else 0.8))
    out = [f"<table class='panel' cellspacing='0' cellpadding='1' "
           f"{'border=1' if rules == 'ruled' else ''} "
           f"style='border:{'1pt solid black' if rules == 'ruled' else 'none'}'>",
           f"<tr><td colspan='{span}'><b style='font-size:{st_size(ax) * 2.2:.1f}pt'>{e(pr['title'])}</b></td></tr>"]
    for ln in pr["head"]:
        out.append(f"<tr><td colspan='{span}'>{e(ln)}</td></tr>")
    out.append(f"<tr><td colspan='{span}' style='border-bottom:{thick};height:2pt'></td></tr>")
    if pr["col_titles"]:
        if pr.get("amount_header"):
            out.append(f"<tr><td colspan='{span}'><b>{e(pr['amount_header'])}</b></td></tr>")
        cells = [f"<td width='{frac}%'></td>"]
        for c, t in enumerate(pr["col_titles"]):
            cells.append(f"<td align='{aa}' style='text-align:{aa}'><b>{e(t)}</b></td>")
            if has_dv:
                dv_header = e(pr['dv_header'] or '') if pr['dv_cols'][c] else ''
                cells.append(f"<td align='{da}' style='text-align:{da}'><b>{dv_header}</b></td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    else:
        ah = f"<b>{e(pr.get('amount_header') or '')}</b>"
        cells = ([f"<td width='{frac}%'></td><td align='{aa}' style='text-align:{aa}'>{ah}</td>"]
                 if pr.get("header_over_amount") else [f"<td width='{frac}%'>{ah}</td><td></td>"])
        if has_dv:
            cells.append(f"<td align='{da}' style='text-align:{da}'><b>{e(pr.get('dv_header') or '')}</b></td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    for row in pr["rows"]:
        cells = [f"<td style='border-top:{hair}'>{e(row['name'])}</td>"]
        for c, (a, d) in enumerate(row["cells"]):
            cells.append(f"<td align='{aa}' style='text-align:{aa};border-top:{hair}'>{e(a)}</td>")
            if has_dv:
                cells.append(f"<td align='{da}' style='text-align:{da};border-top:{hair}' nowrap>"
                             f"{e(d) if pr['dv_cols'][c] else ''}</td>")
        out.append("<tr valign='top'>" + "".join(cells) + "</tr>")
    out.append(f"<tr><td colspan='{span}' style='border-top:{thick};height:2pt'></td></tr>")
    for note in pr["foot"]:
        out.append(f"<tr><td colspan='{span}'><span "
                   f"style='font-size:{st_size(ax) * 0.82:.1f}pt'>{e(note)}</span></td></tr>")
    out.append("</table>")
    return "\n".join(out)


def _column_html(p, ax, pos):
    e = html.escape
    paras = "".join(f"<p>{e(x)}</p>" for x in _directions_paras(p))
    head = "<p>" + "<br/>".join(
        f"<{'b' if bold else 'span'} style='font-size:{size:.1f}pt'>{e(text)}</{'b' if bold else 'span'}>"
        for text, bold, size in _masthead(p, ax)) + "</p>"
    return head + (paras if pos == "above" else "") + _panel_html(p, ax) + (paras if pos == "below" else "")


def label_html(label, page_size=True):
    ax = label["axes"]
    st = Style(ax)
    e = html.escape
    fam = FONTS[ax["font"]][2]
    pw = max(panel_width(st, p) for p in label["panels"])
    gut = label["layout"]["gutter"]
    cells = []
    pos = ax["directions_pos"]
    if ax["arrangement"] == "side_by_side":
        for i, p in enumerate(label["panels"]):
            if i:
                cells.append(f"<td style='width:{gut}pt'></td>")
            cells.append(f"<td valign='top' style='width:{pw}pt' "
                         f"width='{int(pw * 4 / 3)}'>{_column_html(p, ax, pos)}</td>")
    else:
        p = label["panels"][0]
        cols = ((["market"] if ax["arrangement"] == "text_beside" else []) + ["panel"]
                + (["dirs"] if pos == "beside" else []))
        if ax["arrangement"] == "text_beside" and label["layout"]["beside_side"] == "right":
            cols = cols[1:] + cols[:1]
        for k, kind in enumerate(cols):
            if k:
                cells.append(f"<td style='width:{gut}pt'></td>")
            if kind == "panel":
                cells.append(f"<td valign='top' style='width:{pw}pt' "
                             f"width='{int(pw * 4 / 3)}'>{_column_html(p, ax, pos)}</td>")
            elif kind == "dirs":
                cells.append("<td valign='top' class='side'>" +
                             "".join(f"<p>{e(x)}</p>" for x in _directions_paras(p)) + "</td>")
            else:
                cells.append("<td valign='top' class='side'>"
                             + "".join(f"<p>{e(x)}</p>" for x in _marketing(p)) + "</td>")
    total_w = 40 + pw * len(label["panels"]) + (pw * 0.75 + gut) * (len(cells) // 2 + 1 - len(label["panels"]))
    page = f"@page {{ size: {max(300, total_w + 40):.0f}pt 760pt; margin: 16pt }}" if page_size else ""
    ls = f"letter-spacing:{st.cs:.2f}pt;" if st.cs else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(label['panels'][0]['brand'])}</title>
<style>{page}
body {{ font-family: '{fam}'; font-size: {st.base}pt; {ls} }}
td, p {{ font-family: '{fam}'; font-size: {st.base}pt; {ls} }}
table.panel {{ border-collapse: collapse; width: 100%; }}
td.title {{ font-size: {st.base * 2.2:.1f}pt; font-weight: bold; }}
td.foot {{ font-size: {st.base * 0.82:.1f}pt; }}
td.side {{ width: {pw * 0.75:.0f}pt; }}
b.brand {{ font-size: {st.base * 1.6:.1f}pt; }} span.pname {{ font-size: {st.base * 1.25:.1f}pt; }}
p {{ margin: 2pt 0; }}
</style></head><body><table cellspacing='0' cellpadding='0'><tr>{''.join(cells)}</tr></table></body></html>"""


def _weasy(label, target):
    from weasyprint import HTML

    HTML(string=label_html(label)).write_pdf(str(target))


def soffice():
    return shutil.which("soffice") or shutil.which("libreoffice")


def _libreoffice(jobs, timeout=600):
    """[(label, target path)] converted in one soffice run."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice not found: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory(prefix="lg-lo-") as tmp:
        tmp = Path(tmp)
        files = []
        for label, target in jobs:
            f = tmp / f"{Path(target).stem}.html"
            f.write_text(label_html(label, page_size=False), encoding="utf-8")
            files.append(f)
        out = tmp / "out"
        subprocess.run([exe, f"-env:UserInstallation=file://{tmp / 'profile'}", "--headless",
                        "--infilter=HTML (StarWriter)", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out),
                        *map(str, files)], check=True, capture_output=True, timeout=timeout)
        for (_label, target), f in zip(jobs, files, strict=True):
            shutil.move(str(out / f"{f.stem}.pdf"), str(target))


def _ghostscript(label, target):
    """A reportlab or fpdf2 file re-distilled by Ghostscript's pdfwrite."""
    gs = shutil.which("gs")
    if gs is None:
        raise RuntimeError("Ghostscript not found: apt-get install ghostscript")
    with tempfile.TemporaryDirectory(prefix="lg-gs-") as tmp:
        src = Path(tmp) / "in.pdf"
        # reportlab's TrueType subsets lose their non-ASCII ToUnicode entries in pdfwrite ("Ingr(cid:1)dients"):
        # that would make a scan of the label, not a re-distilled one, so reportlab goes through gs with
        # its base-14 Helvetica only
        rl = label["layout"]["seed"] % 2 and label["axes"]["font"] == "helvetica"
        (_emit_reportlab if rl else _emit_fpdf)(label, src)
        subprocess.run([gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", "-dCompatibilityLevel=1.5",
                        f"-sOutputFile={target}", str(src)], check=True, capture_output=True, timeout=120)


def _templates(label, target):
    """The pre-existing templates, kept as a subset of the space."""
    from .regions import render_region_label
    from .render import render_label

    t = label["template"]
    if t["layout"] in ("two_column", "ca", "eu"):
        render_region_label(t["record"], target)
    else:
        render_label(t["record"], target, layout=t["layout"])


PRODUCERS = {"reportlab": _emit_reportlab, "fpdf2": _emit_fpdf, "weasyprint": _weasy, "ghostscript": _ghostscript,
             "templates": _templates}


NUTRIENT_TRUTH = ("nutrient", "form", "amount_canonical", "canonical_unit", "percent_dv", "percent_nrv", "label_text",
                  "amount_text")


def truth_lines(label, rel):
    out = []
    for i, p in enumerate(label["panels"]):
        t = {k: v for k, v in p.items() if k not in ("print", "axes")}
        t["nutrients"] = [{k: v for k, v in n.items() if k in NUTRIENT_TRUTH} for n in p["nutrients"]]
        t.update({"file": rel, "page": 1, "panel": i, "style": "space", "axes": {**label["axes"], **p["axes"]}})
        out.append(t)
    return out


def render_space_catalog(labels, root, names=None):
    """Write each label to root/<name>.pdf; returns the truth lines (one per panel)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    names = names or [f"{i:04d}" for i in range(len(labels))]
    truth, lo = [], []
    for label, name in zip(labels, names, strict=True):
        rel = f"{name}.pdf"
        prod = label["axes"]["producer"]
        if prod == "libreoffice":
            lo.append((label, root / rel))
        else:
            PRODUCERS[prod](label, root / rel)
        truth += truth_lines(label, rel)
    if lo:
        _libreoffice(lo)
    return truth


__all__ = ["FONTS", "PRODUCERS", "label_html", "layout_label", "render_space_catalog", "truth_lines"]
