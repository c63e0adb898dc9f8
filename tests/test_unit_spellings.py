"""Issue 18, class 6: units as real labels print them. Vitamin D's second units after a slash, an
equals sign or in square brackets ("125 mcg/5,000 IU", "5,000 IU = 125 mcg", "125 mcg [5,000 IU]"),
and units spelt out ("5,000 International Units", "125 micrograms", "100 milligrams"). Before, the
slash form read no amount at all (the row was lost) and the others put the first amount into the
row's name or read none."""
from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from extract.amounts import parse_row_text
from extract.document import extract_pdf


@pytest.mark.parametrize(("text", "want"), [
    ("Vitamin D3 125 mcg/5,000 IU 625%", (125.0, "mcg", 5000.0, "IU", 625.0)),
    ("Vitamin D3 125 mcg / 5,000 IU 625%", (125.0, "mcg", 5000.0, "IU", 625.0)),
    ("Vitamin D3 5,000 IU = 125 mcg 625%", (5000.0, "IU", 125.0, "mcg", 625.0)),
    ("Vitamin D3 125 mcg [5,000 IU] 625%", (125.0, "mcg", 5000.0, "IU", 625.0)),
    ("Vitamin A 900 mcg RAE / 3,000 IU 100%", (900.0, "mcg RAE", 3000.0, "IU", 100.0)),
    ("Vitamin D3 5,000 International Units 625%", (5000.0, "IU", None, None, 625.0)),
    ("Vitamin D3 125 micrograms 625%", (125.0, "mcg", None, None, 625.0)),
    ("Magnesium 100 milligrams 24%", (100.0, "mg", None, None, 24.0)),
    ("Vitamin D3 / Vitamine D3 25 mcg / 1,000 IU", (25.0, "mcg", 1000.0, "IU", None)),
])
def test_second_units_after_a_slash_or_in_brackets_and_units_spelt_out(text, want):
    row = parse_row_text(text)
    assert row is not None
    assert row.label_text in {"Vitamin D3", "Vitamin A", "Magnesium", "Vitamin D3 / Vitamine D3"}
    assert (row.amount, row.unit, row.alt_amount, row.alt_unit, row.percent_dv) == want


def test_two_masses_apart_by_a_slash_are_not_taken_for_a_conversion():
    # "125 mcg / 250 mcg" is two amount columns run together, not one amount in two units: the
    # slash pairs a mass with IU only, and the row reads as before (its last amount)
    row = parse_row_text("Vitamin D3 125 mcg / 250 mcg 625%")
    assert row is not None and row.alt_amount is None and (row.amount, row.unit) == (250.0, "mcg")


def test_a_label_printing_vitamin_d_with_a_slash_reads_its_row(tmp_path: Path):
    path = tmp_path / "slash.pdf"
    c = canvas.Canvas(str(path), pagesize=(320, 240), invariant=1)
    c.setFont("Helvetica-Bold", 15)
    c.drawString(20, 210, "Supplement Facts")
    c.setFont("Helvetica", 8)
    c.drawString(20, 194, "Serving Size 1 Softgel")
    c.drawString(20, 178, "Amount Per Serving")
    c.drawRightString(290, 178, "% Daily Value")
    for k, (name, amount, dv) in enumerate((("Vitamin D3 (as cholecalciferol)", "125 mcg/5,000 IU", "625%"),
                                             ("Vitamin K2 (as MK-7)", "100 micrograms", "83%"),
                                             ("Magnesium (as magnesium citrate)", "100 milligrams", "24%"))):
        c.drawString(20, 164 - 13 * k, name)
        c.drawString(160, 164 - 13 * k, amount)
        c.drawRightString(290, 164 - 13 * k, dv)
    c.drawString(20, 110, "Suggested Use: Take 1 softgel daily with a meal.")
    c.showPage()
    c.save()
    (panel,) = extract_pdf(path).panels
    assert panel.review == []
    assert {r.label_text: (r.amount, r.unit, r.alt_amount) for r in panel.rows} == {
        "Vitamin D3 (as cholecalciferol)": (125.0, "mcg", 5000.0),
        "Vitamin K2 (as MK-7)": (100.0, "mcg", None),
        "Magnesium (as magnesium citrate)": (100.0, "mg", None),
    }
