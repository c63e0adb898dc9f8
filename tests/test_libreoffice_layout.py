"""Issue 18: LibreOffice-made labels and tracked text, each failure class on a label that reproduces
its geometry.

LibreOffice sets a label as a layout table: a cell's padding is about a word space, so column titles,
a name and its amount, or two mastheads side by side stand hardly further apart than the words of
one phrase; a table too wide for the page runs on past its edge; tracking moves word spaces below
the word extractor's fixed tolerance, or three short words to look like a letter-spaced one.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from extract.document import extract_pdf


def _draw(path: Path, items: list[tuple], size: tuple[float, float] = (320, 320)) -> Path:
    """Text items (x, y from the top, text, size[, font, char spacing, align]) on one page; ``align``
    "r" puts x at the text's right edge."""
    w, h = size
    c = canvas.Canvas(str(path), pagesize=(w, h), invariant=1)
    for x, y, text, sz, *rest in items:
        font = rest[0] if rest else "Helvetica"
        spacing = rest[1] if len(rest) > 1 else 0.0
        if len(rest) > 2 and rest[2] == "r":
            x -= stringWidth(text, font, sz) + spacing * len(text)
        t = c.beginText(x, h - y)
        t.setFont(font, sz)
        t.setCharSpace(spacing)
        t.textLine(text)
        c.drawText(t)
    c.save()
    return path


def _panel(path: Path):
    (panel,) = extract_pdf(str(path)).panels
    return panel


def _amounts(panel) -> dict[str, tuple]:
    return {r.label_text: (r.amount, r.unit) for r in panel.rows if r.amount is not None}


def test_short_words_at_the_lines_word_spacing_are_not_joined_as_a_letter_spaced_word(tmp_path):
    # "Vitamin D & K" in a serif face with tight tracking: its word spaces are narrower than a
    # Helvetica space, and "D", "&", "K" looked like the letters of one spaced-out word ("D&K").
    pdf = _draw(tmp_path / "dk.pdf", [
        (20, 20, "Alder Organics", 9), (20, 40, "Vitamin D & K", 14, "Times-Roman", -0.5),
        (20, 70, "Supplement Facts", 14, "Helvetica-Bold"), (20, 85, "Serving Size 1 Gummy", 8),
        (20, 97, "Amount Per Serving", 8), (290, 97, "% Daily Value", 8, "Helvetica", 0, "r"),
        (20, 110, "Vitamin D3", 8), (200, 110, "25 mcg", 8, "Helvetica", 0, "r"),
        (290, 110, "125%", 8, "Helvetica", 0, "r"),
        (20, 121, "Vitamin K (as phytonadione)", 8), (200, 121, "200 mcg", 8, "Helvetica", 0, "r"),
        (290, 121, "167%", 8, "Helvetica", 0, "r"),
    ])
    assert _panel(pdf).product_name == "Vitamin D & K"


def test_words_whose_spaces_tracking_narrowed_below_the_extractors_tolerance_come_apart(tmp_path):
    # Tight tracking at a small size leaves "D3 + K2" with spaces of 1.3 pt: the extractor joined
    # "D3+K2" into one word, half of whose gaps are spaces.
    pdf = _draw(tmp_path / "dk2.pdf", [
        (20, 20, "Ferncroft Organics", 9), (20, 40, "D3 + K2", 9, "Times-Roman", -0.65),
        (20, 70, "Supplement Facts", 14, "Helvetica-Bold"), (20, 85, "Serving Size 1 Softgel", 8),
        (20, 97, "Amount Per Serving", 8), (290, 97, "% Daily Value", 8, "Helvetica", 0, "r"),
        (20, 110, "Vitamin D3", 8), (200, 110, "125 mcg", 8, "Helvetica", 0, "r"),
        (290, 110, "625%", 8, "Helvetica", 0, "r"),
        (20, 121, "Vitamin K2 (as MK-7)", 8), (200, 121, "100 mcg", 8, "Helvetica", 0, "r"),
    ])
    assert _panel(pdf).product_name == "D3 + K2"


def _per_units_label(path: Path, gap: float) -> Path:
    """Per 1 / 2 / 4 softgels, each title over two lines right-aligned with its figures, the %DV
    titles ``gap`` points after the amount column's cells (a cell's padding)."""
    f, sz = "Helvetica", 6.5
    items: list[tuple] = [(20, 20, "Saltmarsh Apothecary", 9), (20, 36, "Vitamin D & K", 14),
                          (20, 60, "Supplement Facts", 14, "Helvetica-Bold"), (20, 74, "Serving Size 1 Softgel", sz),
                          (20, 84, "Amount Per Serving", sz)]
    x = 120.0
    cols = []
    for n, unit in (("1", "Softgel"), ("2", "Softgels"), ("4", "Softgels")):
        amount_r = x + stringWidth(unit, f, sz)
        dv_r = amount_r + gap + stringWidth("% Daily", f, sz)
        items += [(amount_r, 94, n, sz, f, 0, "r"), (amount_r, 101, unit, sz, f, 0, "r"),
                  (dv_r, 94, "% Daily", sz, f, 0, "r"), (dv_r, 101, "Value*", sz, f, 0, "r")]
        cols.append((amount_r, dv_r))
        x = dv_r + gap
    for y, name, per_one, dv in ((113, "Vitamin D3", 62.5, 313), (124, "Vitamin K1", 50, 42)):
        items.append((20, y, name, sz))
        for k, (amount_r, dv_r) in enumerate(cols):
            times = (1, 2, 4)[k]
            items += [(amount_r, y, f"{per_one * times:g} mcg", sz, f, 0, "r"),
                      (dv_r, y, f"{dv * times:,}%", sz, f, 0, "r")]
    return _draw(path, items, size=(400, 200))


def test_column_titles_a_word_space_apart_stack_by_their_cells_alignment(tmp_path):
    # Cell paddings a word space wide: "1 % Daily" read as one phrase and the three columns' titles
    # ran together, so the per-softgel column the serving size names was not found (4x the dose).
    f, sz = "Helvetica", 6.5
    panel = _panel(_per_units_label(tmp_path / "per.pdf", stringWidth(" ", f, sz) + 0.4))
    assert _amounts(panel) == {"Vitamin D3": (62.5, "mcg"), "Vitamin K1": (50.0, "mcg")}


def test_a_column_title_broken_mid_word_in_its_cell_joins_within_its_own_column():
    # "Childre" / "n 2-3" beside "% Daily" / "Value", a word space apart: the broken word's last
    # letter went to the neighbouring title ("% Dailyn").
    from extract.layout import Line, Word
    from extract.table import reline

    def w(text: str, x0: float, top: float, width: float) -> Word:
        return Word(text, x0, top, x0 + width, top + 10, 10, False, (x0, top, x0 + width, top + 10))

    lines = [
        Line([w("Amount", 58, 252, 44), w("Per", 105.7, 252, 19), w("Serving", 128.2, 252, 43)]),
        Line([w("Childre", 231.8, 272, 40.2), w("%", 275.5, 272, 10), w("Daily", 289, 272, 28.4)]),
        Line([w("n", 236.4, 284, 7.1), w("2-3", 247, 284, 24.9), w("Value", 286, 284, 31.4)]),
        Line([w("Vitamin", 56.8, 303, 38.5), w("D3", 98.5, 303, 18), w("25", 235.9, 303, 12.7),
              w("mcg", 251.8, 303, 21.5), w("125%", 289.2, 303, 28.6)]),
        Line([w("Vitamin", 56.8, 338, 38.5), w("K2", 98.5, 338, 12.8), w("22.5", 226.4, 338, 22.2),
              w("mcg", 251.8, 338, 21.5), w("19%", 295.6, 338, 22.2)]),
    ]
    assert [line.text for line in reline(lines)][1] == "Children 2-3 % Daily Value"


def test_a_table_that_runs_past_the_pages_edge_is_read_and_sent_to_review(tmp_path):
    # LibreOffice lets a table too wide for the page run on past its edge: the units and the %DV
    # are in the file but not on the printed page. They are read, and the panel is doubted.
    pdf = _draw(tmp_path / "edge.pdf", [
        (20, 20, "Upland Naturals", 9), (20, 36, "Magnesium + D3", 14),
        (20, 60, "Supplement Facts", 14, "Helvetica-Bold"), (20, 74, "Serving Size 2 Tablets", 8),
        (20, 86, "Amount Per Serving", 8), (330, 86, "% Daily Value", 8, "Helvetica", 0, "r"),
        (20, 100, "Vitamin D3", 8), (190, 100, "25", 8), (200, 100, "mcg", 8),
        (330, 100, "125%", 8, "Helvetica", 0, "r"),
        (20, 111, "Magnesium", 8), (190, 111, "300", 8), (204, 111, "mg", 8), (330, 111, "71%", 8, "Helvetica", 0, "r"),
    ], size=(198, 200))
    panel = _panel(pdf)
    assert _amounts(panel) == {"Vitamin D3": (25.0, "mcg"), "Magnesium": (300.0, "mg")}
    assert any("runs past the page's edge" in r for r in panel.review)


def test_a_footnote_set_tight_under_the_last_row_is_no_part_of_it(tmp_path):
    # "*VNR : valeurs nutritionnelles de référence" half a line under the last row: its words
    # fell between the columns and were gathered into the row ("Magnésium *VNR : valeurs 150 mg").
    sz = 10.0
    items: list[tuple] = [
        (20, 20, "Oakhollow & Co.", 9), (20, 36, "Vitamine D3 + Magnésium", 14),
        (20, 60, "Composition", 14, "Helvetica-Bold"),
        (130, 75, "Par comprimé", sz), (200, 75, "Par dose journalière", sz), (300, 75, "% VNR*", sz),
        (20, 90, "Vitamine D3", sz), (130, 90, "20 µg", sz), (200, 90, "40 µg", sz), (300, 90, "800%", sz),
        (20, 103, "Magnésium", sz), (130, 103, "150 mg", sz), (200, 103, "300 mg", sz), (300, 103, "80%", sz),
        (20, 112, "*VNR : valeurs", 8.2), (131, 112, "nutritionnelles", 8.2), (202, 112, "de", 8.2),
        (214, 112, "référence", 8.2),
    ]
    panel = _panel(_draw(tmp_path / "note.pdf", items, size=(360, 200)))
    amounts = _amounts(panel)
    assert amounts["Magnésium"] == (300.0, "mg")
    assert not any("VNR" in name for name in amounts)


def test_a_name_that_fills_its_cell_up_to_the_amount_comes_apart_from_it(tmp_path):
    # Wide tracking: "(as" ends 0.3 pt short of the amount cell's "300", and the two read as one
    # word "(as300"; the amounts' left edge down the rows is where the name ends.
    f, sz, sp = "Helvetica", 7.5, 1.0
    x = 20 + stringWidth("Magnesium ", f, sz) + sp * 10
    amount_x = x + stringWidth("(as", f, sz) + sp * 3 + 0.3 - sp
    pdf = _draw(tmp_path / "glued.pdf", [
        (20, 20, "Cobalt Botanicals", 9), (20, 36, "Bone Support", 14),
        (20, 60, "Supplement Facts", 14, "Helvetica-Bold"), (20, 74, "Serving Size 1 Tablet", sz, f, sp),
        (20, 86, "Amount Per Serving", sz, f, sp), (280, 86, "% DV", sz, f, sp),
        (20, 100, "Vitamin D3", sz, f, sp), (amount_x, 100, "2000 I.U.", sz, f, sp), (280, 100, "250%", sz, f, sp),
        (20, 111, "Magnesium", sz, f, sp), (x, 111, "(as", sz, f, sp), (amount_x, 111, "300 mg", sz, f, sp),
        (280, 111, "71%", sz, f, sp),
        (20, 120, "magnesium citrate)", sz, f, sp),
    ])
    assert _amounts(_panel(pdf)) == {"Vitamin D3": (2000.0, "IU"), "Magnesium (as magnesium citrate)": (300.0, "mg")}


@pytest.mark.parametrize("gutter", [9.0, 4.5])
def test_mastheads_side_by_side_a_gutter_apart_name_their_own_panels(tmp_path, gutter):
    # Two panels side by side, their 17 pt names on one line with a gutter hardly wider than the
    # word spaces wide tracking set, or narrower (LibreOffice runs a masthead up to the next
    # column): "D3 K2 Magnesium Magnesium" and "Magnesium Magnesium Glycinate".
    f, sp = "Helvetica", 1.6
    left_name = "D3 K2 Magnesium"
    x2 = 20 + stringWidth(left_name, f, 17) + sp * len(left_name) + gutter
    items: list[tuple] = [(20, 20, "Birchfield Supply Co.", 8.5, f, sp), (x2, 20, "Saltmarsh Pharma", 8.5, f, sp),
                          (20, 42, left_name, 17, f, sp), (x2, 42, "Magnesium Glycinate", 17, f, sp)]
    for x0 in (20, x2):
        items += [(x0 + 1, 70, "Supplement Facts", 16, "Helvetica-Bold"), (x0 + 1, 84, "Serving Size 1 Softgel", 7.5),
                  (x0 + 1, 95, "Amount Per Serving", 7.5), (x0, 108, "Magnesium", 7.5), (x0 + 110, 108, "100 mg", 7.5)]
    items.append((20, 119, "Vitamin D3", 7.5))
    items.append((130, 119, "25 mcg", 7.5))
    panels = extract_pdf(str(_draw(tmp_path / "two.pdf", items, size=(560, 200)))).panels
    assert [(p.brand, p.product_name) for p in panels] == [("Birchfield Supply Co.", "D3 K2 Magnesium"),
                                                           ("Saltmarsh Pharma", "Magnesium Glycinate")]


def test_figures_of_neighbouring_cells_set_with_no_gap_under_wide_tracking_come_apart(tmp_path):
    # Wide tracking in a monospaced face: the amount "50" ends where the %DV "250%" starts, and
    # "(AS" runs into "120": closer than any two glyphs of one word stand, yet within the word
    # tolerance ("50250%", "(AS120").
    f, sz, sp = "Courier", 10.0, 1.4

    def right(text: str, x1: float) -> float:
        return x1 - stringWidth(text, f, sz) - sp * (len(text) - 1)

    as_end = 20 + stringWidth("VITAMIN K2 ", f, sz) + sp * 11 + stringWidth("(AS", f, sz) + sp * 2
    pdf = _draw(tmp_path / "wide.pdf", [
        (20, 20, "SORREL & CO.", 9, f, sp), (20, 38, "VITAMIN D & K", 14, f, sp),
        (20, 62, "SUPPLEMENT FACTS", 14, "Courier-Bold"), (20, 78, "SERVING SIZE 1 SOFTGEL", sz, f, sp),
        (20, 92, "AMOUNT PER SERVING", sz, f, sp), (200, 92, "% DV", sz, f, sp),
        (20, 106, "VITAMIN D3", sz, f, sp), (right("50", 200), 106, "50", sz, f, sp), (200, 106, "250%", sz, f, sp),
        (right("MCG", 200), 117, "MCG", sz, f, sp),
        (20, 130, "VITAMIN K2 (AS", sz, f, sp), (as_end + 0.6, 130, "120", sz, f, sp), (200, 130, "100%", sz, f, sp),
        (20, 141, "MK-7)", sz, f, sp), (as_end + 0.6, 141, "MCG", sz, f, sp),
    ], size=(320, 200))
    rows = {r.label_text: (r.amount, r.unit, r.percent_dv) for r in _panel(pdf).rows if r.amount is not None}
    assert rows == {"VITAMIN D3": (50.0, "mcg", 250.0), "VITAMIN K2 (AS MK-7)": (120.0, "mcg", 100.0)}


def test_a_title_word_that_ends_where_figures_end_by_chance_stays_in_its_title():
    # Monospaced type lines words up with the figures under them: "DOSE" of "PAR DOSE JOURNALIÈRE (2"
    # ends where "1000 MG" ends, yet what follows it stands over no column further right.
    from extract.layout import Line, Word
    from extract.table import reline

    def w(text: str, x0: float, x1: float, top: float) -> Word:
        return Word(text, x0, top, x1, top + 7.5, 7.5, False, (x0, top, x1, top + 7.5))

    lines = [
        Line([w("PAR", 542.1, 554.5, 81.6), w("CAPSULE", 558.6, 587.6, 81.6), w("MOLLE", 591.8, 612.5, 81.6),
              w("PAR", 705.0, 717.5, 81.6), w("DOSE", 721.6, 738.2, 81.6), w("JOURNALIÈRE", 742.3, 787.8, 81.6),
              w("(2", 792.0, 800.3, 81.6), w("%", 845.6, 849.4, 81.6), w("VNR*", 853.1, 868.0, 81.6)]),
        Line([w("CAPSULES", 705.0, 738.2, 89.8), w("MOLLES)", 742.3, 771.3, 89.8)]),
        Line([w("CALCIUM", 448.0, 479.5, 101.7), w("500", 542.1, 555.6, 101.7), w("MG", 560.1, 569.1, 101.7),
              w("1000", 705.0, 723.0, 101.7), w("MG", 727.5, 736.5, 101.7), w("125%", 850.0, 868.0, 101.7)]),
        Line([w("VITAMINE", 448.0, 484.0, 123.4), w("D3", 488.5, 497.5, 123.4), w("0,025", 542.1, 564.6, 123.4),
              w("MG", 569.1, 578.1, 123.4), w("0,05", 705.0, 723.0, 123.4), w("MG", 727.5, 736.5, 123.4),
              w("1000%", 845.5, 868.0, 123.4)]),
    ]
    assert reline(lines)[0].text == "PAR CAPSULE MOLLE PAR DOSE JOURNALIÈRE (2 CAPSULES MOLLES) % VNR*"


def test_the_lone_letter_of_a_title_broken_mid_word_stays_with_its_column():
    # "PER 2" / "CHEWABL" / "E TABLETS": the broken word's "E" stands out left of the amount
    # column's edge and was taken for a column of its own ("% DV E PER 2 CHEWABL TABLETS").
    from extract.layout import Line, Word
    from extract.table import reline

    def w(text: str, x0: float, x1: float, top: float) -> Word:
        return Word(text, x0, top, x1, top + 8.5, 8.5, False, (x0, top, x1, top + 8.5))

    lines = [
        Line([w("PER", 400.6, 420.3, 135.7), w("1", 425.0, 429.7, 135.7), w("PER", 496.0, 515.7, 135.7),
              w("2", 520.4, 525.1, 135.7)]),
        Line([w("CHEWABL", 379.4, 429.6, 145.5), w("%", 444.2, 451.8, 145.5), w("DV", 452.9, 465.8, 145.5),
              w("CHEWABL", 474.8, 525.0, 145.5), w("%", 539.6, 547.2, 145.5), w("DV", 548.3, 561.2, 145.5)]),
        Line([w("E", 380.1, 385.8, 155.3), w("TABLET", 390.4, 429.6, 155.3), w("E", 468.7, 474.4, 155.3),
              w("TABLETS", 479.0, 525.0, 155.3)]),
        Line([w("VITAMIN", 322.7, 364.0, 166.5), w("D3", 368.0, 380.0, 166.5), w("250", 387.9, 404.3, 166.5),
              w("MCG", 409.0, 431.1, 166.5), w("1,250%", 432.7, 467.2, 166.5), w("500", 483.3, 499.7, 166.5),
              w("MCG", 504.4, 526.5, 166.5), w("2,500%", 528.1, 562.6, 166.5)]),
        Line([w("VITAMIN", 322.7, 364.0, 176.5), w("K2", 368.0, 380.0, 176.5), w("1,500", 473.9, 499.7, 176.5),
              w("MCG", 504.3, 526.4, 176.5), w("50", 393.7, 404.3, 176.5), w("MCG", 408.9, 431.1, 176.5),
              w("42%", 448.0, 467.2, 176.5), w("167%", 537.5, 562.6, 176.5)]),
    ]
    lines[-1] = Line(sorted(lines[-1].words, key=lambda x: x.x0))
    assert reline(lines)[0].text == "PER 1 CHEWABLE TABLET % DV PER 2 CHEWABLE TABLETS % DV"
