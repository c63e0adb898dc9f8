"""Rows whose name wraps round its amount, as HTML-to-PDF engines (WeasyPrint) set a table cell:
the name's two lines stand in their cell from the top while the amount is centred beside them,
half a line lower than the name's first line ("VITAMIN D3" / "1,250 mcg" / "(cholecalciferol)"), or
the name's bracket shares the amount's baseline under a first line of its own ("Vitamin D3" /
"(cholecalciferol from lanolin) 250 mcg"). Read line by line the name's first line was a row of
its own without an amount, and the vitamin D row lost its name (a missed flag, or a review)."""
from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from fpdf import FPDF

from extract.chars import page_chars
from extract.document import extract_pdf
from extract.layout import group_lines, page_words
from extract.table import reline

Cell = tuple[float, float, str, str]  # y offset, x, text, "l" (x is the left edge) or "r" (x is the right edge)


def _label(path: Path, head: list[str], rows: list[list[Cell]], row_height: float = 16.0, size: float = 8.0) -> Path:
    pdf = FPDF(unit="pt", format=(320, 300))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.text(20, 30, "Supplement Facts")
    pdf.set_font("Helvetica", "", size)
    y = 45.0
    for t in head:
        pdf.text(20, y, t)
        y += 10
    for row in rows:
        for dy, x, t, align in row:
            pdf.text(x - pdf.get_string_width(t) if align == "r" else x, y + dy, t)
        y += row_height
    pdf.output(str(path))
    return path


def _rows(path: Path) -> dict[str, tuple]:
    (panel,) = extract_pdf(str(path)).panels
    assert panel.review == []
    return {r.label_text: (r.amount, r.unit, r.percent_dv) for r in panel.rows}


def test_a_name_wrapped_round_a_right_aligned_amount_centred_beside_it_reads_as_one_row(tmp_path):
    # The amount is the row's only figure on its baseline and, right-aligned, starts left of the
    # next row's shorter amount: it is still the row's cell, and both name lines are its name.
    pdf = _label(tmp_path / "centred.pdf", ["Serving Size 1 Capsule", "Amount Per Serving   % Daily Value"], [
        [(0, 20, "VITAMIN D3", "l"), (4.8, 170, "1,250 MCG", "r"), (4.8, 210, "6250%", "r"),
         (9.6, 20, "(CHOLECALCIFEROL)", "l")],
        [(4.8, 20, "MAGNESIUM", "l"), (4.8, 170, "20 MG", "r"), (4.8, 210, "5%", "r")],
    ], row_height=20.0)
    assert _rows(pdf) == {"VITAMIN D3 (CHOLECALCIFEROL)": (1250.0, "mcg", 6250.0),
                          "MAGNESIUM": (20.0, "mg", 5.0)}


def test_a_name_whose_bracket_shares_the_amounts_baseline_keeps_its_first_line(tmp_path):
    pdf = _label(tmp_path / "bracket.pdf", ["Serving Size 1 Capsule", "Amount Per Serving   % Daily Value"], [
        [(0, 20, "Vitamin D3", "l"), (9, 20, "(cholecalciferol from lanolin)", "l"), (9, 200, "250 mcg", "r"),
         (9, 240, "1250%", "r")],
        [(4, 20, "Vitamin K2 (as MK-7)", "l"), (4, 200, "100 mcg", "r"), (4, 240, "83%", "r")],
    ], row_height=22.0)
    assert _rows(pdf) == {"Vitamin D3 (cholecalciferol from lanolin)": (250.0, "mcg", 1250.0),
                          "Vitamin K2 (as MK-7)": (100.0, "mcg", 83.0)}


def test_a_one_line_name_centred_between_the_lines_of_its_wrapped_amount_reads_as_one_row(tmp_path):
    # "5,000 IU (125" / "Vitamin D (as cholecalciferol)  625%" / "mcg)": the name and the %DV stand
    # on the middle line, the amount's two halves above and below it; the rows around it wrap their
    # names round their one-line amounts
    pdf = _label(tmp_path / "between.pdf", ["Serving Size 1 Tablet", "Amount Per Serving   % Daily Value"], [
        [(0, 20, "Vitamin A (as retinyl", "l"), (5.7, 215, "450 mcg RAE", "r"), (5.7, 260, "50%", "r"),
         (11.4, 20, "palmitate)", "l")],
        [(0, 215, "5,000 IU (125", "r"), (5.7, 20, "Vitamin D (as cholecalciferol)", "l"), (5.7, 260, "625%", "r"),
         (11.4, 215, "mcg)", "r")],
        [(0, 20, "Vitamin K2 (as MK-7 from", "l"), (5.7, 215, "22.5 mcg", "r"), (5.7, 260, "19%", "r"),
         (11.4, 20, "natto)", "l")],
    ], row_height=24.3, size=10.0)
    assert _rows(pdf) == {"Vitamin A (as retinyl palmitate)": (450.0, "mcg RAE", 50.0),
                          "Vitamin D (as cholecalciferol)": (5000.0, "IU", 625.0),
                          "Vitamin K2 (as MK-7 from natto)": (22.5, "mcg", 19.0)}
    # gathered by the table's geometry, not left for the row reader to piece together from three
    # lines (which it cannot where column titles or copy beside the panel interleave with them)
    doc = pdfium.PdfDocument(str(pdf))
    try:
        chars, width, height = page_chars(doc[0])
    finally:
        doc.close()
    lines = [line.text for line in reline(group_lines(page_words(chars, width, height)[0]))]
    assert "Vitamin D (as cholecalciferol) 5,000 IU (125 mcg) 625%" in lines
