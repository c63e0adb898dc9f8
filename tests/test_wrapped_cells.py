"""A row whose name and amount both wrap in narrow columns: "Vitamin D (as" / "cholecalciferol)"
beside "50 mcg (2,000" / "IU)". Read line by line the two columns interleave and the row had no
amount (a missed vitamin D flag); it must read as the name and the figures it prints."""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from extract.document import extract_pdf

Cell = tuple[float, str, str]  # x, text, "l" (x is the left edge) or "r" (x is the right edge)


def _label(path: Path, head: list[str], rows: list[list[list[Cell]]]) -> Path:
    pdf = FPDF(unit="pt", format=(320, 300))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.text(20, 30, "Supplement Facts")
    pdf.set_font("Helvetica", "", 8)
    y = 45.0
    for t in head:
        pdf.text(20, y, t)
        y += 10
    for row in rows:
        for line in row:
            for x, t, align in line:
                pdf.text(x - pdf.get_string_width(t) if align == "r" else x, y, t)
            y += 9
        y += 2
    pdf.output(str(path))
    return path


def _rows(path: Path) -> dict[str, tuple]:
    (panel,) = extract_pdf(str(path)).panels
    assert panel.review == []
    return {r.label_text: (r.amount, r.unit, r.alt_amount, r.percent_dv) for r in panel.rows}


def test_wrapped_name_and_wrapped_amount_read_as_one_row(tmp_path):
    pdf = _label(tmp_path / "us.pdf", ["Serving Size 1 Softgel", "Amount Per Serving   % Daily Value"], [
        [[(20, "Vitamin D (as", "l"), (170, "50 mcg (2,000", "r"), (210, "250%", "r")],
         [(20, "cholecalciferol)", "l"), (170, "IU)", "r")]],
        [[(20, "Vitamin K2 (as MK-7)", "l"), (170, "100 mcg", "r"), (210, "83%", "r")]],
    ])
    assert _rows(pdf) == {"Vitamin D (as cholecalciferol)": (50.0, "mcg", 2000.0, 250.0),
                          "Vitamin K2 (as MK-7)": (100.0, "mcg", None, 83.0)}


def test_wrapped_amounts_in_several_columns_go_back_to_their_own_column(tmp_path):
    # Per capsule and per serving, each with its IU wrapped under it: the serving's column decides.
    pdf = _label(tmp_path / "two.pdf", ["Serving Size 3 Capsules",
                                        "Per 1 Capsule   %DV   Per 3 Capsules   %DV"], [
        [[(20, "Vitamin D3", "l"), (150, "100 mcg", "r"), (185, "500%", "r"), (255, "300 mcg (12,000", "r"),
          (295, "1500%", "r")],
         [(20, "(cholecalciferol)", "l"), (150, "(4,000 IU)", "r"), (255, "IU)", "r")]],
    ])
    ((name, (amount, unit, alt, _dv)),) = _rows(pdf).items()
    assert name == "Vitamin D3 (cholecalciferol)"
    assert (amount, unit, alt) == (300.0, "mcg", 12000.0)


def test_a_wrapped_name_beside_a_one_line_amount_still_reads_as_before(tmp_path):
    pdf = _label(tmp_path / "name.pdf", ["Serving Size 1 Softgel", "Amount Per Serving   % Daily Value"], [
        [[(20, "Vitamin D (as", "l"), (170, "50 mcg", "r"), (210, "250%", "r")],
         [(20, "cholecalciferol)", "l")]],
    ])
    assert _rows(pdf) == {"Vitamin D (as cholecalciferol)": (50.0, "mcg", None, 250.0)}


def test_cells_centred_in_a_taller_row_read_as_one_row(tmp_path):
    # Each cell centred in its row: the name on two lines beside "100" / "mcg" with the %DV
    # half a line lower than the first; then a one-line name between "120" above and "mcg" below.
    pdf = FPDF(unit="pt", format=(320, 300))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.text(20, 30, "Supplement Facts")
    pdf.set_font("Helvetica", "", 8)
    for y, x, t in [(45, 20, "Serving Size 1 Softgel"), (55, 20, "Amount Per Serving"), (55, 200, "% Daily Value"),
                    (68, 20, "Vitamin D3 (cholecalciferol from"), (68, 160, "100"), (72.5, 200, "500%"),
                    (77, 20, "lanolin)"), (77, 160, "mcg"),
                    (88, 160, "120"), (92.5, 20, "Vitamin K2 (as menatetrenone)"), (92.5, 200, "100%"),
                    (97, 160, "mcg")]:
        pdf.text(x, y, t)
    pdf.output(str(tmp_path / "centred.pdf"))
    assert _rows(tmp_path / "centred.pdf") == {
        "Vitamin D3 (cholecalciferol from lanolin)": (100.0, "mcg", None, 500.0),
        "Vitamin K2 (as menatetrenone)": (120.0, "mcg", None, 100.0)}


def test_a_parenthesised_name_set_tight_against_its_amount_splits_from_it(tmp_path):
    # A narrow name column: "(colecalciferol)" ends less than the word gap before "0,3 mg".
    pdf = FPDF(unit="pt", format=(320, 300))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.text(20, 30, "Supplement Facts")
    pdf.set_font("Helvetica", "", 8)
    pdf.text(20, 45, "Serving Size 1 Softgel")
    pdf.text(20, 55, "Amount Per Serving")
    pdf.text(200, 55, "% Daily Value")
    pdf.text(20, 68, "Vitamin D3")
    x = 20 + pdf.get_string_width("Vitamin D3 ")
    pdf.text(x, 68, "(cholecalciferol)")
    pdf.text(x + pdf.get_string_width("(cholecalciferol)") + 0.5, 68, "0.3 mg")
    pdf.text(200, 68, "1500%")
    pdf.output(str(tmp_path / "tight.pdf"))
    assert _rows(tmp_path / "tight.pdf") == {"Vitamin D3 (cholecalciferol)": (0.3, "mg", None, 1500.0)}


def test_a_thousands_figure_run_into_a_name_is_doubted_not_cut_at_its_comma():
    # Column titles the reader could not tell apart: the adults' "2,000 IU 250%" ran into the
    # name and the children's 1,000 IU was read. The name's higher figure must send it to review
    # (the comma in "2,000" is no source separator that ends the name's head).
    from extract.checks import panel_problems
    from extract.records import RowRecord

    row = RowRecord(label_text="CHOLECALCIFEROL 2,000 IU 250% (VITAMIN D3)", amount_text="1,000 IU", dv_text="125%",
                    amount=1000.0, unit="IU", percent_dv=125.0)
    assert panel_problems([row]) == [
        "CHOLECALCIFEROL 2,000 IU 250% (VITAMIN D3): its name holds a higher amount (2000 IU) than the one read "
        "(1,000 IU, 125% DV)"]
