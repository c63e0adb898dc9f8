"""Issue 18: footnote numbers set as superscripts, a smaller digit raised off the baseline, as
layout programs set them (not the Unicode "¹"). Read as plain digits they ran into the name
("Vitamin D3" + "1" read "Vitamin D31") or the unit ("100 mg" + "3": no amount could be read).
They are told by size and rise; a smaller figure beside a title on its own raised line is text."""
from __future__ import annotations

from pathlib import Path

from reportlab.pdfgen import canvas

from extract.document import extract_pdf


def _label(path: Path, rows, title: tuple[str, str] | None = None) -> Path:
    c = canvas.Canvas(str(path), pagesize=(320, 260), invariant=1)

    def raised(x: float, y: float, text: str, mark: str, size: float = 8.0, scale: float = 0.6,
               rise: float = 0.38) -> None:
        c.setFont("Helvetica", size)
        c.drawString(x, y, text)
        if mark:
            c.setFont("Helvetica", size * scale)
            c.drawString(x + c.stringWidth(text, "Helvetica", size) + 0.3, y + size * rise, mark)

    if title:  # a title in large type with a smaller figure set top-aligned beside it
        raised(20, 236, title[0], title[1], size=18, scale=0.5, rise=0.5)
    c.setFont("Helvetica-Bold", 15)
    c.drawString(20, 210, "Supplement Facts")
    c.setFont("Helvetica", 8)
    c.drawString(20, 194, "Serving Size 1 Softgel")
    c.drawString(20, 178, "Amount Per Serving")
    c.drawRightString(290, 178, "% Daily Value")
    for k, (name, m1, amount, m2, dv) in enumerate(rows):
        y = 164 - 13 * k
        raised(20, y, name, m1)
        raised(160, y, amount, m2)
        c.setFont("Helvetica", 8)
        c.drawRightString(290, y, dv)
    c.setFont("Helvetica", 6)
    c.drawString(20, 100, "1 As cholecalciferol.  2 From chickpea.  3 As magnesium citrate.")
    c.drawString(20, 90, "Suggested Use: Take 1 softgel daily with a meal.")
    c.showPage()
    c.save()
    return path


def test_raised_footnote_numbers_are_marks_not_digits_of_the_name_or_the_amount(tmp_path):
    path = _label(tmp_path / "marks.pdf", [("Vitamin D3", "1", "125 mcg", "", "625%"),
                                           ("Vitamin K2 (as MK-7)", "2", "100 mcg", "", "83%"),
                                           ("Magnesium", "", "100 mg", "3", "24%"),
                                           ("Vitamin A", "", "900 mcg RAE", "12", "100%")])
    (panel,) = extract_pdf(path).panels
    assert panel.review == []
    rows = {r.label_text: (r.amount, r.unit, r.percent_dv) for r in panel.rows if r.amount is not None}
    assert rows == {"Vitamin D3¹": (125.0, "mcg", 625.0), "Vitamin K2 (as MK-7)²": (100.0, "mcg", 83.0),
                    "Magnesium": (100.0, "mg", 24.0), "Vitamin A": (900.0, "mcg RAE", 100.0)}


def test_a_smaller_figure_raised_beside_a_title_stays_a_figure(tmp_path):
    import pypdfium2 as pdfium

    from extract.chars import page_chars

    path = _label(tmp_path / "title.pdf", [("Vitamin D3", "", "125 mcg", "", "625%")], title=("Vitamin D3", "5000 IU"))
    doc = pdfium.PdfDocument(str(path))
    try:
        chars, _, _ = page_chars(doc[0])
    finally:
        doc.close()
    text = "".join(c["text"] for c in chars)
    assert "5000IU" in text and "D3" in text
