"""Panels with several amount columns (issue 18, part 4): "Per 1 | Per 2 | Per 4 Softgels",
"Adults | Children 4-11 | Children 2-3", EU "per tablet | per daily dose (2 tablets)". The column
that counts (SPEC "Dose semantics": the serving size's, the adults', the daily dose's) is found
where the amounts stand down the rows, whatever the title line looks like; a wrong column doubles
or halves every dose, a silent error. Each label here reproduces a layout that was read from the
wrong column or not at all."""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from extract.document import extract_pdf

Text = tuple[float, float, str, str]  # x, baseline y, text, "l" (x is the left edge) or "r" (the right edge)


def _label(path: Path, texts: list[Text], width: float = 360, heading: str = "Supplement Facts") -> Path:
    pdf = FPDF(unit="pt", format=(width, 260))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.text(20, 30, heading)
    pdf.set_font("Helvetica", "", 8)
    for x, y, t, align in texts:
        pdf.text(x - pdf.get_string_width(t) if align == "r" else x, y, t)
    pdf.output(str(path))
    return path


def _rows(path: Path) -> dict[str, tuple]:
    (panel,) = extract_pdf(str(path)).panels
    assert panel.review == []
    return {r.label_text: (r.amount, r.unit, r.alt_amount) for r in panel.rows if r.amount is not None}


def _row(y: float, name: str, cells: list[tuple[float, str, str]]) -> list[Text]:
    return [(20, y, name, "l"), *((x, y, t, a) for x, t, a in cells)]


def test_a_column_title_not_understood_does_not_shift_the_adults_column(tmp_path: Path) -> None:
    # Three age columns, each with its %DV column; one title wraps mid-word ("Childre" / "n 4-11"),
    # the last is a word no title list holds ("Toddlers"): the title line reads two titles of three,
    # and the rows' last two amounts were taken for them (the children's amount read as the adults').
    texts: list[Text] = [(20, 45, "Serving Size Adults 2 Gummies; Children 1 Gummy", "l"),
                         (20, 55, "Amount Per Serving", "l")]
    for x, title in ((130, ("Adults &", "Children", "12+")), (200, ("Childre", "n 4-11", "")),
                     (270, ("Toddlers", "1-3 yrs", ""))):
        for k, t in enumerate(title):
            if t:
                texts.append((x, 64 + 6 * k, t, "l"))
        texts += [(x + 40, 67, "% Daily", "l"), (x + 40, 76, "Value", "l")]
    texts += _row(92, "Vitamin D3", [(130, "50 mcg", "l"), (170, "250%", "l"), (200, "25 mcg", "l"),
                                     (240, "125%", "l"), (270, "25 mcg", "l"), (310, "125%", "l")])
    texts += _row(102, "Magnesium", [(130, "200 mg", "l"), (170, "48%", "l"), (200, "100 mg", "l"),
                                     (240, "24%", "l"), (270, "100 mg", "l"), (310, "24%", "l")])
    rows = _rows(_label(tmp_path / "ages3.pdf", texts))
    assert rows == {"Vitamin D3": (50.0, "mcg", None), "Magnesium": (200.0, "mg", None)}


def test_stacked_quantity_titles_interleaved_with_dv_titles_take_the_serving_sizes_column(tmp_path: Path) -> None:
    # "1" / "Softgel" over the first column, "% Daily" / "Value*" beside each: read line by line the
    # titles are "1 % Daily 2 % Daily 4 Softgel Value* Softgels ...", no "Per 1 | Per 2" to be found.
    texts: list[Text] = [(20, 45, "Serving Size 1 Softgel", "l"), (20, 55, "Amount Per Serving", "l")]
    for x, q, unit in ((150, "1", "Softgel"), (215, "2", "Softgels"), (280, "4", "Softgels")):
        texts += [(x, 66, q, "l"), (x + 12, 66, "% Daily", "l"), (x - 10, 74, unit, "l"), (x + 16, 74, "Value*", "l")]
    texts += _row(88, "Vitamin D3 (as cholecalciferol)", [(170, "62.5 mcg", "r"), (200, "313%", "r"),
                                                          (235, "125 mcg", "r"), (265, "625%", "r"),
                                                          (300, "250 mcg", "r"), (335, "1,250%", "r")])
    rows = _rows(_label(tmp_path / "per_units3.pdf", texts))
    assert rows == {"Vitamin D3 (as cholecalciferol)": (62.5, "mcg", None)}


def test_right_aligned_cells_of_different_widths_make_one_column(tmp_path: Path) -> None:
    # Adults' amounts right-aligned: "4,000 IU (100 mcg)**" starts 40 pt left of "90 mcg**" under it.
    texts: list[Text] = [(20, 45, "Serving Size: 2 Tablets", "l"), (20, 55, "Amount Per Serving", "l"),
                         (200, 66, "Adults", "r"), (205, 66, "% DV", "l"), (300, 66, "Children 4 years & older", "r"),
                         (305, 66, "% DV", "l")]
    texts += _row(80, "Vitamin D3", [(200, "4,000 IU (100 mcg)**", "r"), (205, "500%", "l"),
                                     (300, "2,000 IU (50 mcg)**", "r"), (305, "250%", "l")])
    texts += _row(90, "Vitamin K1 (as phylloquinone)", [(200, "90 mcg**", "r"), (205, "75%", "l"),
                                                         (300, "45 mcg**", "r"), (305, "38%", "l")])
    rows = _rows(_label(tmp_path / "right.pdf", texts))
    assert rows == {"Vitamin D3": (4000.0, "IU", 100.0), "Vitamin K1 (as phylloquinone)": (90.0, "mcg", None)}


def test_cells_centred_at_different_heights_across_columns_read_as_one_row(tmp_path: Path) -> None:
    # The children's cells wrap ("1,000 IU (25" / "MCG)**") and the adults' does not: each is centred
    # in the row, so the adults' amount stands on a line of its own, between and under the others.
    texts: list[Text] = [(20, 45, "Serving Size Adults 2 Tablets; Children 1 Tablet", "l"),
                         (20, 55, "Amount Per Serving", "l"),
                         (140, 66, "Adults", "l"), (230, 66, "% DV", "l"), (260, 66, "Children", "l"),
                         (315, 66, "% DV", "l")]
    texts += [(20, 80, "Vitamin D (as D3", "l"), (260, 80, "1,000 IU (25", "l"),
              (140, 84.5, "2,000 IU (50 MCG)**", "l"), (230, 84.5, "250%", "l"), (315, 84.5, "125%", "l"),
              (20, 89, "cholecalciferol)", "l"), (260, 89, "MCG)**", "l")]
    rows = _rows(_label(tmp_path / "staggered.pdf", texts))
    assert rows == {"Vitamin D (as D3 cholecalciferol)": (2000.0, "IU", 50.0)}


def test_a_unit_wrapped_under_its_figure_past_the_neighbouring_columns_amounts(tmp_path: Path) -> None:
    # A narrow adults' column: "2000" / "I.U." with the children's one-line amount centred between.
    texts: list[Text] = [(20, 45, "Serving Size 2 Gummies (adults), 1 Gummy (children)", "l"),
                         (20, 55, "Amount Per Serving", "l"),
                         (150, 66, "Adults", "l"), (180, 66, "% DV", "l"), (230, 66, "Children", "l"),
                         (290, 66, "% DV", "l")]
    texts += [(20, 80, "Vitamin D3 (as", "l"), (150, 80, "2000", "l"),
              (180, 84, "250%", "l"), (230, 84, "1000 I.U.", "l"), (290, 84, "125%", "l"),
              (20, 88, "cholecalciferol)", "l"), (150, 88, "I.U.", "l")]
    rows = _rows(_label(tmp_path / "wrapped_unit.pdf", texts))
    assert rows == {"Vitamin D3 (as cholecalciferol)": (2000.0, "IU", None)}


def test_centred_second_units_wider_than_their_amount_are_cells_not_prose(tmp_path: Path) -> None:
    # Centred cells: "(1,000 IU)" under "25 MCG" starts left of it, across the amount column's edge,
    # like a line of prose under the table would; the magnesium row's name wraps above and below.
    texts: list[Text] = [(20, 45, "Serving Size: 1 Tablet", "l"), (20, 55, "Amount Per Serving", "l"),
                         (150, 66, "Per 1 Tablet", "l"), (230, 66, "Per 2 Tablets", "l"),
                         (310, 66, "Per 3 Tablets", "l")]
    for x, amount, iu, mg in ((160, "25 MCG", "(1,000 IU)", "120 MG"), (240, "50 MCG", "(2,000 IU)", "240 MG"),
                              (320, "75 MCG", "(3,000 IU)", "360 MG")):
        texts += [(x, 80, amount, "l"), (x - 9, 89, iu, "l"), (x, 106, mg, "l")]
    texts += [(20, 80, "VITAMIN D (AS", "l"), (20, 89, "CHOLECALCIFEROL)", "l"),
              (20, 101.5, "MAGNESIUM (FROM", "l"), (20, 110.5, "MAGNESIUM OXIDE)", "l")]
    rows = _rows(_label(tmp_path / "centred.pdf", texts, width=380))
    assert rows == {"VITAMIN D (AS CHOLECALCIFEROL)": (25.0, "mcg", 1000.0),
                    "MAGNESIUM (FROM MAGNESIUM OXIDE)": (120.0, "mg", None)}


def test_a_first_column_cell_wrapped_above_its_named_line_joins_its_row(tmp_path: Path) -> None:
    # "1,800 MCG" / "RAE" in the adults' column, centred: its first line stands above the row's name.
    texts: list[Text] = [(20, 45, "Serving Size 2 Tablets", "l"), (20, 55, "Amount Per Serving", "l"),
                         (150, 66, "Adults", "l"), (195, 66, "% DV", "l"), (230, 66, "Children 4+", "l"),
                         (290, 66, "% DV", "l")]
    texts += [(150, 79, "1,800 MCG", "l"), (20, 83.5, "Vitamin A (as retinyl palmitate)", "l"),
              (195, 83.5, "200%", "l"), (230, 83.5, "900 MCG RAE", "l"), (290, 83.5, "100%", "l"),
              (160, 88, "RAE", "l")]
    texts += _row(100, "Vitamin D3", [(150, "1000 I.U.", "l"), (195, "125%", "l"), (230, "500 I.U.", "l"),
                                      (290, "63%", "l")])
    rows = _rows(_label(tmp_path / "rae.pdf", texts))
    assert rows == {"Vitamin A (as retinyl palmitate)": (1800.0, "mcg RAE", None),
                    "Vitamin D3": (1000.0, "IU", None)}


def test_an_eu_daily_dose_column_titled_in_french_beside_its_nrv_title_is_the_one_read(tmp_path: Path) -> None:
    # "Par comprimé | % VNR* | Par dose journalière (2 comprimés) | % VNR*": the daily dose's column
    # counts (one serving of 2 a day), its title wrapped and set tight against the %NRV title.
    texts: list[Text] = [(150, 48, "Par comprimé", "l"), (200, 48, "% VNR*", "l"), (228, 48, "Par dose", "l"),
                         (228, 57, "journalière (2", "l"), (228, 66, "comprimés)", "l"), (300, 48, "% VNR*", "l")]
    texts += _row(82, "Vitamine D3", [(150, "50 µg", "l"), (200, "1000%", "l"), (228, "100 µg", "l"),
                                      (300, "2000%", "l")])
    (panel,) = extract_pdf(str(_label(tmp_path / "eu.pdf", texts, heading="Informations nutritionnelles"))).panels
    assert [(r.label_text, r.amount, r.unit) for r in panel.rows] == [("Vitamine D3", 100.0, "mcg")]
    assert panel.per_daily_dose


def test_a_serving_size_that_is_no_columns_quantity_goes_to_review(tmp_path: Path) -> None:
    # "Serving Size 3 Capsules" over "Per 1 Capsule | Per 2 Capsules": no column is the serving's, so
    # whichever is read, the dose is a guess; it says so rather than pass quietly.
    texts: list[Text] = [(20, 45, "Serving Size 3 Capsules", "l"), (20, 55, "Amount Per Serving", "l"),
                         (150, 66, "Per 1 Capsule", "l"), (250, 66, "Per 2 Capsules", "l")]
    texts += _row(80, "Vitamin D3", [(150, "50 mcg", "l"), (250, "100 mcg", "l")])
    (panel,) = extract_pdf(str(_label(tmp_path / "three.pdf", texts))).panels
    assert [(r.label_text, r.amount) for r in panel.rows] == [("Vitamin D3", 50.0)]
    assert any("serving size (3 Capsules)" in reason and "none of the amount columns" in reason
               for reason in panel.review), panel.review


def test_names_wrapped_around_staggered_cells_stay_with_their_own_rows(tmp_path: Path) -> None:
    # Every cell centred in its row: "VITAMIN D3" over "(CHOLECALCIFEROL FROM" beside the amounts,
    # "LANOLIN)" under; "VITAMIN K2 (AS" / "MENAQUINONE-7)" around the adults' amount, set between
    # the children's figures and their wrapped units; the magnesium row's amounts come next, nameless.
    texts: list[Text] = [(20, 45, "Serving Size Adults 2 Tablets; Children 1 Tablet", "l"),
                         (20, 55, "Amount Per Serving", "l"), (150, 66, "Adults", "l"), (200, 66, "% DV", "l"),
                         (235, 66, "Children 4-11", "l"), (300, 66, "% DV", "l")]
    texts += [(20, 78, "VITAMIN D3", "l"),
              (20, 87, "(CHOLECALCIFEROL FROM", "l"), (150, 87, "50 UG**", "l"), (200, 87, "250%", "l"),
              (245, 87, "25 UG**", "l"), (300, 87, "125%", "l"),
              (20, 96, "LANOLIN)", "l")]
    texts += [(20, 108, "VITAMIN K2 (AS", "l"), (245, 108, "22.5", "l"),
              (150, 112.5, "45 MCG**", "l"), (200, 112.5, "38%", "l"), (300, 112.5, "19%", "l"),
              (20, 117, "MENAQUINONE-7)", "l"), (245, 117, "MCG**", "l")]
    texts += [(20, 129, "MAGNESIUM (AS", "l"),
              (150, 133.5, "240 MG", "l"), (200, 133.5, "57%", "l"), (245, 133.5, "120 MG", "l"),
              (300, 133.5, "29%", "l"),
              (20, 138, "MAGNESIUM CITRATE)", "l")]
    rows = _rows(_label(tmp_path / "centred_names.pdf", texts))
    assert rows == {"VITAMIN D3 (CHOLECALCIFEROL FROM LANOLIN)": (50.0, "mcg", None),
                    "VITAMIN K2 (AS MENAQUINONE-7)": (45.0, "mcg", None),
                    "MAGNESIUM (AS MAGNESIUM CITRATE)": (240.0, "mg", None)}
