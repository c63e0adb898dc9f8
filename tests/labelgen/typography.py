"""Hostile typography: ALL-CAPS panels, 6 pt text, wide letter-spacing, one drawString per glyph (in
any order), footnote marks glued to amounts, a blend whose nested rows carry vitamin K2, and labels
that LibreOffice prints from an HTML table.

    from tests.labelgen.typography import TYPO_FEATURES, typography_product, render_typography
    from tests.labelgen.typography import soffice, render_libreoffice

Records come from records.random_product (exact ground truth) with a ``typography`` dict the
renderer reads. New module: existing renders are untouched (render.text_width is only wider while
a spaced render is laid out).
"""
from __future__ import annotations

import html
import random
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

from reportlab.pdfbase.pdfmetrics import stringWidth

from . import render as R
from .records import K_WARNING, expected_flags, random_product

TYPO_FEATURES = ("caps", "tiny", "spaced", "glyphs", "marks", "blend_k2")


def _upper(s: str) -> str:
    return s.replace("µg", "mcg").upper()


def typography_product(rng: random.Random, feature: str) -> dict:
    if feature not in (*TYPO_FEATURES, "libreoffice"):
        raise ValueError(f"unknown typography feature {feature!r}")
    t = {"caps": False, "base": 8.0, "char_space": 0.0, "glyphs": False, "shuffle": False, "brand_space": 0.0}
    if feature == "caps":
        rec = random_product(rng, variants=rng.choice([(), ("names",), ("headers",), ("elemental",)]) or None)
        t["caps"] = True
    elif feature == "tiny":
        rec = random_product(rng, variants=rng.choice([None, ("sub_rows",), ("footnotes",)]))
        t["base"] = 6.0
    elif feature == "spaced":
        rec = random_product(rng)
        t["char_space"] = rng.choice([0.8, 1.2, 1.6, 2.0])
        t["brand_space"] = rng.choice([2.0, 3.0])
    elif feature == "glyphs":
        rec = random_product(rng, variants=rng.choice([None, ("names",)]))
        t["glyphs"] = True
        t["shuffle"] = rng.random() < 0.5
    elif feature == "marks":
        rec = random_product(rng, variants=("footnotes",))
        for n in rec["nutrients"]:
            if not n.get("amount_note") and rng.random() < 0.5:
                n["amount_text"] += rng.choice(["**", "‡", "*", "†"])
    elif feature == "blend_k2":
        rec = random_product(rng, kind=rng.choice(["d3_only", "d3_only", "d3_mg"]),
                             d_iu=rng.choice([2000, 5000, 10000]))
        _blend_with_k2(rng, rec)
    else:  # libreoffice
        rec = random_product(rng, variants=rng.choice([None, ("names",), ("footnotes",)]))
    rec["typography"] = t
    rec["flags"] = expected_flags(rec)
    if t["caps"]:
        for n in rec["nutrients"] + rec["other_rows"]:
            for k in ("label_text", "amount_text", "dv_text", "sub_text", "amount_note", "amount_note_below"):
                if n.get(k):
                    n[k] = _upper(n[k])
            if n.get("name_lines"):
                n["name_lines"] = [_upper(x) for x in n["name_lines"]]
        for k in ("serving_size", "directions", "product_name"):
            if rec.get(k):
                rec[k] = _upper(rec[k])
    return rec


def _blend_with_k2(rng, rec):
    """ "Bone Blend 300 mg" with indented members, one of them "Vitamin K2 (as MK-7) 100 mcg"."""
    nuts, others = rec["nutrients"], rec["other_rows"]
    order = [["n", i] for i in range(len(nuts))]
    others.append({"label_text": rng.choice(["Bone Blend", "Bone & Heart Blend", "Proprietary K Blend"]),
                   "amount_text": f"{rng.choice([150, 300, 500])} mg", "dv_text": "†", "blend": True})
    members = [["o", len(others) - 1]]
    for m in rng.sample(["Horsetail (stem) extract", "Natto powder", "Boron (as boron glycinate)",
                         "Silica (from bamboo extract)"], 2):
        others.append({"label_text": m, "amount_text": "", "dv_text": "", "indent": True})
        members.append(["o", len(others) - 1])
    mcg = rng.choice([45, 90, 100, 120])
    nuts.append({"label_text": rng.choice(["Vitamin K2 (as MK-7)", "Vitamin K2 (as menaquinone-7)"]),
                 "amount_text": f"{mcg} mcg", "dv_text": f"{round(mcg / 1.2)}%", "nutrient": "vitamin_k", "form": "K2",
                 "amount_canonical": float(mcg), "canonical_unit": "mcg", "percent_dv": float(round(mcg / 1.2)),
                 "indent": True})
    members.insert(rng.randint(1, len(members)), ["n", len(nuts) - 1])
    rec["layout_rows"] = order + members
    rec["warnings"] = K_WARNING


@contextmanager
def _measured(char_space: float):
    old = R._CHAR_SPACE
    R._CHAR_SPACE = char_space
    try:
        yield
    finally:
        R._CHAR_SPACE = old


def _typo_ops(rec):
    t = rec["typography"]
    base = t["base"]
    ops = R.Ops()
    page_w = 4.8 * 72 if t["char_space"] or t["caps"] else 4.2 * 72
    m = 18
    w = page_w - 2 * m
    y = m + 13
    ops.text(m, y, rec["brand"].upper() if t["brand_space"] else rec["brand"], R.BOLD, 13)
    brand_op = len(ops.items) - 1
    # caps are wider than the lower case they were measured as: measure with extra spacing
    with _measured(t["char_space"] + (0.2 * base if t["caps"] else 0.0)):
        for ln in R.wrap(f"{rec['product_name']} – {rec['container_count']}", R.REG, 9.5, w):
            y += 13
            ops.text(m, y, ln, R.REG, 9.5)
        y += 12
        y = R.layout_panel(ops, rec, m, y, w, ruled=True, base=base)
        y += 6
        y = R.layout_below(ops, rec, m, y, w, size=max(6.0, base - 0.5))
    return ops, (page_w, y + m), brand_op


def _emit(ops, c, page_h, t, brand_op, rng):
    for k, op in enumerate(ops.items):
        if op[0] != "text":
            continue
        _, x, y, s, font, size, align, color = op
        if t["caps"]:
            s = _upper(s)
        cs = t["brand_space"] if k == brand_op and t["brand_space"] else t["char_space"]
        width = stringWidth(s, font, size) + cs * len(s)
        if align == "right":
            x -= width
        elif align == "center":
            x -= width / 2
        c.setFont(font, size)
        c.setFillColor(color)
        yy = page_h - y
        if t["glyphs"]:
            pos, cx = [], x
            for ch in s:
                pos.append((cx, ch))
                cx += stringWidth(ch, font, size) + cs
            if t["shuffle"]:
                rng.shuffle(pos)
            for cx, ch in pos:
                if ch.strip():
                    c.drawString(cx, yy, ch)
        elif cs:
            to = c.beginText(x, yy)
            to.setFont(font, size)
            to.setCharSpace(cs)
            to.textOut(s)
            c.drawText(to)
        else:
            c.drawString(x, yy, s)
    other = R.Ops([op for op in ops.items if op[0] != "text"])
    other.emit(c, page_h)


def render_typography(rec: dict, path) -> None:
    ops, (w, h), brand_op = _typo_ops(rec)
    c = R._new_canvas(str(path), (w, h))
    c.setTitle(f"{rec['brand']} {rec['product_name']}")
    _emit(ops, c, h, rec["typography"], brand_op, random.Random(rec["sku"]))
    c.showPage()
    c.save()


# ---------------------------------------------------------------- LibreOffice (HTML table -> PDF)

def soffice() -> str | None:
    """The LibreOffice binary, or None (Debian: apt-get install libreoffice-writer-nogui)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def label_html(rec: dict) -> str:
    e = html.escape
    rows = []
    for n in R._rows(rec):
        name = " ".join(n["name_lines"]) if n.get("name_lines") else n["label_text"]
        pad = "padding-left:10pt;" if n.get("indent") else ""
        sub = f"<br/>{e(n['sub_text'])}" if n.get("sub_text") else ""
        rows.append(f"<tr valign='top'><td style='{pad}'>{e(name)}{sub}</td><td nowrap>{e(n['amount_text'])}</td>"
                    f"<td align='right' nowrap>{e(n['dv_text'])}</td></tr>")
    marks = "".join(n["amount_text"] + n["dv_text"] for n in R._rows(rec))
    foot = []
    if "*" in marks:
        foot.append("* Percent Daily Values are based on a 2,000 calorie diet.")
    if "†" in marks:
        foot.append("† Daily Value not established.")
    below = [f"Other ingredients: {rec['other_ingredients']}"]
    if rec.get("directions"):
        below.append(f"{rec['directions_heading']} {rec['directions']}")
    below.append(rec["warnings"])
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{e(rec['brand'])}</title>
<style>body{{font-family:'Liberation Sans',Arial,sans-serif;font-size:9pt}} td{{font-size:9pt}}</style></head><body>
<p><b style="font-size:14pt">{e(rec['brand'])}</b><br/>{e(rec['product_name'])} – {e(rec['container_count'])}</p>
<table border="1" cellspacing="0" cellpadding="2" width="420">
<tr><td colspan="3"><b style="font-size:18pt">Supplement Facts</b></td></tr>
<tr><td colspan="3">Serving Size {e(rec['serving_size'])}<br/>\
Servings Per Container {rec['servings_per_container']}</td></tr>
<tr><td width="55%"><b>Amount Per Serving</b></td><td width="28%"></td>\
<td width="17%" align="right" nowrap><b>% Daily Value</b></td></tr>
{''.join(rows)}
<tr><td colspan="3">{'<br/>'.join(e(f) for f in foot)}</td></tr>
</table>
{''.join(f'<p>{e(b)}</p>' for b in below)}
</body></html>"""


def render_libreoffice(records: list[dict], outdir: Path, names: list[str], timeout: float = 180) -> list[Path]:
    """Write each record as HTML and convert them all to PDF in one LibreOffice run."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice not found: apt-get install libreoffice-writer-nogui")
    outdir = Path(outdir)
    src = outdir / "_html"
    src.mkdir(parents=True, exist_ok=True)
    files = []
    for rec, name in zip(records, names, strict=True):
        f = src / f"{name}.html"
        f.write_text(label_html(rec), encoding="utf-8")
        files.append(f)
    profile = outdir / "_lo_profile"
    subprocess.run([exe, f"-env:UserInstallation=file://{profile.resolve()}", "--headless",
                    "--infilter=HTML (StarWriter)", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir),
                    *map(str, files)],
                   check=True, capture_output=True, timeout=timeout)
    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(profile, ignore_errors=True)
    return [outdir / f"{name}.pdf" for name in names]
