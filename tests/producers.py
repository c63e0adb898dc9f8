"""One label record, printed by the programs label PDFs come from, each by its simplest route.

    from tests.producers import PRODUCERS, produce
    data = produce("libreoffice-carlito", record, tmp_dir)   # PDF bytes

Each producer embeds its fonts its own way (reportlab: unembedded Type 1; fpdf2: TrueType
subsets; LibreOffice: TrueType with /Ascent 0 /Descent 0; WeasyPrint: TrueType or CFF;
Ghostscript: re-distilled, CFF (Type 1C) or TrueType; matplotlib: Type 3), which is what the glyph readers
must agree on. Layout is deliberately plain: the layout-sampling generator lives in
tests/labelgen; this module only varies the program and the font.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.labelgen import render as R
from tests.labelgen import render_label_bytes
from tests.labelgen.typography import label_html, soffice

FONT_DIRS = ("/usr/share/fonts/truetype", "/usr/share/fonts/opentype", "/usr/local/share/fonts")
PRODUCERS = ("reportlab", "fpdf2-liberation", "fpdf2-dejavu", "libreoffice-liberation", "libreoffice-carlito",
             "weasyprint-dejavu", "weasyprint-carlito", "ghostscript-cff", "ghostscript-truetype", "matplotlib-type3")


def font_file(name: str) -> Path:
    for d in FONT_DIRS:
        hits = sorted(Path(d).rglob(name)) if Path(d).is_dir() else []
        if hits:
            return hits[0]
    raise FileNotFoundError(f"font {name} not installed: bash scripts/system-deps.sh --test")


def _html(rec: dict, family: str) -> str:
    return label_html(rec).replace("'Liberation Sans',Arial,sans-serif", family)


def produce(producer: str, rec: dict, workdir: Path) -> bytes:
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if producer == "reportlab":
        return render_label_bytes(rec)
    if producer.startswith("fpdf2-"):
        return _fpdf2(rec, producer.split("-", 1)[1])
    if producer.startswith("libreoffice-"):
        family = {"liberation": "'Liberation Sans'", "carlito": "Carlito"}[producer.split("-", 1)[1]]
        src = workdir / f"{producer}.html"
        src.write_text(_html(rec, family), encoding="utf-8")
        return _soffice(src, workdir)
    if producer.startswith("weasyprint-"):
        from weasyprint import HTML

        family = {"dejavu": "'DejaVu Sans'", "carlito": "Carlito"}[producer.split("-", 1)[1]]
        return HTML(string=_html(rec, family)).write_pdf()
    if producer.startswith("ghostscript-"):
        # Re-distilled with every font embedded: reportlab's Helvetica comes out as CFF (Type 1C),
        # LibreOffice's Liberation as TrueType with the font descriptor Ghostscript writes.
        first = (render_label_bytes(rec) if producer == "ghostscript-cff"
                 else produce("libreoffice-liberation", rec, workdir))
        src, out = workdir / "gs-in.pdf", workdir / "gs-out.pdf"
        src.write_bytes(first)
        subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", "-dPDFSETTINGS=/prepress",
                        f"-sOutputFile={out}", str(src)], check=True, capture_output=True, timeout=120)
        return out.read_bytes()
    if producer == "matplotlib-type3":
        return _matplotlib(rec)
    raise ValueError(f"unknown producer {producer!r}")


def _soffice(src: Path, outdir: Path) -> bytes:
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice not found: bash scripts/system-deps.sh --test")
    subprocess.run([exe, f"-env:UserInstallation=file://{(outdir / '_lo').resolve()}", "--headless",
                    "--infilter=HTML (StarWriter)", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outdir),
                    str(src)], check=True, capture_output=True, timeout=180)
    return (outdir / (src.stem + ".pdf")).read_bytes()


def _lines(rec: dict) -> list[tuple[str, str, str, bool]]:
    """(name, amount, %DV, bold) for every printed line of the panel, top to bottom."""
    out = [("Supplement Facts", "", "", True), (f"Serving Size {rec['serving_size']}", "", "", False),
           (f"Servings Per Container {rec['servings_per_container']}", "", "", False),
           ("Amount Per Serving", "", "% Daily Value", True)]
    for n in R._rows(rec):
        name = " ".join(n["name_lines"]) if n.get("name_lines") else n["label_text"]
        out.append((name, n["amount_text"], n["dv_text"], False))
        if n.get("sub_text"):
            out.append((n["sub_text"], "", "", False))
    marks = "".join(n["amount_text"] + n["dv_text"] for n in R._rows(rec))
    if "*" in marks:
        out.append(("* Percent Daily Values are based on a 2,000 calorie diet.", "", "", False))
    if "†" in marks:
        out.append(("† Daily Value not established.", "", "", False))
    return out


def _below(rec: dict) -> list[str]:
    below = [f"Other ingredients: {rec['other_ingredients']}"]
    if rec.get("directions"):
        below.append(f"{rec['directions_heading']} {rec['directions']}")
    return [*below, rec["warnings"]]


def _fpdf2(rec: dict, family: str, compress: bool = True) -> bytes:
    from fpdf import FPDF

    files = {"liberation": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
             "dejavu": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")}[family]
    pdf = FPDF(unit="pt", format=(320, 720))
    pdf.set_auto_page_break(False)
    pdf.set_compression(compress)
    pdf.add_font("Body", "", str(font_file(files[0])))
    pdf.add_font("Body", "B", str(font_file(files[1])))
    pdf.add_page()
    pdf.set_font("Body", "B", 13)
    pdf.set_xy(18, 18)
    pdf.cell(280, 16, rec["brand"])
    pdf.set_font("Body", "", 9)
    pdf.set_xy(18, 36)
    pdf.cell(280, 12, f"{rec['product_name']} – {rec['container_count']}")
    y = 60.0
    for name, amount, dv, bold in _lines(rec):
        size = 16 if name == "Supplement Facts" else 8
        pdf.set_font("Body", "B" if bold else "", size)
        pdf.set_xy(18, y)
        pdf.cell(170, size + 3, name)
        pdf.set_xy(190, y)
        pdf.cell(60, size + 3, amount)
        pdf.set_xy(250, y)
        pdf.cell(50, size + 3, dv, align="R")
        y += size + 4
        pdf.line(18, y - 0.5, 302, y - 0.5)
    y += 8
    pdf.set_font("Body", "", 7.5)
    for para in _below(rec):
        pdf.set_xy(18, y)
        pdf.multi_cell(284, 9, para)
        y = pdf.get_y() + 4
    return bytes(pdf.output())


def _matplotlib(rec: dict) -> bytes:
    """matplotlib's PDF backend writes its fonts as Type 3 (pdf.fonttype 3, its default)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    lines = _lines(rec)
    below = _below(rec)
    with matplotlib.rc_context({"pdf.fonttype": 3, "font.family": "DejaVu Sans"}):
        fig = plt.figure(figsize=(320 / 72, 720 / 72))
        y = 700.0
        fig.text(18 / 320, y / 720, rec["brand"], fontsize=13, weight="bold")
        y -= 16
        fig.text(18 / 320, y / 720, f"{rec['product_name']} – {rec['container_count']}", fontsize=9)
        y -= 22
        for name, amount, dv, bold in lines:
            size = 16 if name == "Supplement Facts" else 8
            w = "bold" if bold else "normal"
            fig.text(18 / 320, y / 720, name, fontsize=size, weight=w)
            fig.text(190 / 320, y / 720, amount, fontsize=size, weight=w)
            fig.text(300 / 320, y / 720, dv, fontsize=size, weight=w, ha="right")
            y -= size + 5
        y -= 8
        for para in below:
            for chunk in R.wrap(para, R.REG, 7.5, 284):
                fig.text(18 / 320, y / 720, chunk, fontsize=7.5)
                y -= 10
        buf = io.BytesIO()
        fig.savefig(buf, format="pdf")
        plt.close(fig)
    return buf.getvalue()


def garbled(rec: dict) -> bytes:
    """A label that prints fine but whose text layer maps every glyph to a private-use code (a
    broken ToUnicode CMap, as some PDF tools write): the text does not read as words."""
    import re

    data = _fpdf2(rec, "liberation", compress=False)
    # Same byte length, so the cross-reference table stays valid.
    return re.sub(rb"(<[0-9A-Fa-f]{4}> )<00([0-9A-Fa-f]{2})>", rb"\1<E0\2>", data)


def have_tools() -> list[str]:
    """What is missing for the producers (the tests install it: scripts/system-deps.sh --test)."""
    missing = [t for t in ("gs",) if shutil.which(t) is None]
    if soffice() is None:
        missing.append("soffice")
    for f in ("LiberationSans-Regular.ttf", "Carlito-Regular.ttf", "DejaVuSans.ttf"):
        try:
            font_file(f)
        except FileNotFoundError:
            missing.append(f)
    return missing


__all__ = ["PRODUCERS", "font_file", "have_tools", "produce"]
