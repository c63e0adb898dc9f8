"""Table geometry (issue 18): one generated label per failure class, audited with the plain
pipeline; every key nutrient of every panel must be read with its amount (no more, no fewer).

Each label was drawn from the sampled generator (tests/labelgen/space.py) and reproduced its failure
on the extractor before the fix; they stand for the class, not for their wording. Directions and
servings per day are another test's business: only the key-nutrient rows are scored here."""
from __future__ import annotations

import pytest

from flows.pipeline import audit_catalog
from tests.labelgen.measure import read_warehouse, score_panel
from tests.labelgen.producers import render_space_catalog
from tests.labelgen.space import draw_labels

# class name: (seed, labels drawn, index of the label in the draw, axes held while drawing)
CASES = {
    # two panels side by side whose headings stand at different heights (a masthead over one):
    # read left to right, as the truth numbers them
    "side_by_side_headings_at_different_heights": (4817, 300, 171, None),
    # "10,000 IU (250" / "mcg)": the amount cell wraps, the %DV sits on the first line
    "amount_cell_wrapped_in_its_row": (4817, 300, 25, None),
    # LibreOffice: "(25" and "125%" glued into one word, "mcg)" wrapped under it
    "libreoffice_alt_units_glued_to_percent": (4817, 300, 14, None),
    # LibreOffice: "1 / Tablet", "% DV", "2 / Tablets" titles over three lines, columns closer than a space
    "libreoffice_titles_over_three_lines": (4817, 300, 263, None),
    # LibreOffice: marketing text one point right of the panel's last column
    "libreoffice_text_beside_without_gutter": (4817, 300, 225, None),
    # Canadian panel with directions beside it that hold counts ("take 2 capsules", "NPN 8007...")
    "directions_beside_with_counts": (4817, 300, 40, None),
    # "% DV2 Veggie Capsules": titles of neighbouring columns glued across the column edge
    "titles_glued_across_column_edge": (4817, 300, 144, None),
    # "10000" / "I.U.": the unit wrapped under its figure, three columns
    "unit_wrapped_under_its_figure": (4817, 300, 158, None),
    # claims beside the panel that quote amounts ("1,000 IU of vitamin D per serving"): running
    # text, not a column of the table
    "claims_with_amounts_beside": (4817, 300, 39, None),
    # two Canadian panels side by side, each heading wrapped into its French line under it: two
    # headings, not four
    "bilingual_headings_side_by_side_wrapped": (4817, 300, 79, None),
    # "EACH DOSE (2 SOFTGELS)" / "CONTAINS / CHAQUE DOSE" / "CONTIENT :" in a narrow column
    "each_dose_contains_wrapped": (4817, 300, 193, None),
    # names wrapped around amounts centred between their lines ("CALCIUM (AS" / amounts /
    # "CALCIUM CITRATE)" / "CHOLECALCIFEROL" / amounts / "(VITAMIN D3)")
    "names_wrapped_around_centred_amounts": (4817, 300, 175, None),
    # one-row Canadian panel whose amount stands alone between the name and the text beside it
    # (read before; guards the gutter search against taking the amount's strip for text)
    "one_row_amount_alone_before_text_beside": (4817, 300, 226, None),
    # a one-line name centred beside an amount cell wrapped onto two lines ("2,000 IU (50" / name /
    # "mcg)"): the name starts inside the amount's first line, so it is that row's, not a loose line
    "name_centred_beside_wrapped_amount_cell": (51723, 100, 63, {"font": "liberation_mono"}),
    "name_centred_beside_wrapped_amount_cell_text_beside": (51723, 100, 69, {"font": "liberation_mono"}),
    # a name wrapped around amounts centred between its lines whose second line is a bracket
    # ("CHOLECALCIFEROL" / amounts / "(VITAMIN D3)") with the next row's name set tight under it:
    # the bracket qualifies the name above, it does not start the next row's
    "bracket_under_centred_amounts_before_next_name": (51723, 100, 87, {"font": "liberation_mono"}),
    # "750 mcg RAE 83% 1,500 mcg 167% ..." / "palmitate) RAE RAE": units wrapped under the figures of
    # the later columns end the row above, even where the next row's amounts stand nearer
    "unit_qualifier_wrapped_under_later_columns": (51724, 100, 91, {"product": "adk"}),
    # "* PERCENT DAILY VALUES ARE BASED ON A 2,000 CALORIE DIET." set tight under the last row, its
    # words leaving the amount column's edge in a word space: a footnote, not the row's
    "footnote_under_last_row_crossing_the_edge_in_a_word_space": (51726, 100, 28,
                                                                   {"columns": "ages3", "market": "us"}),
    # one row's cells at different heights: "900 mcg" / "RAE" set from the row's top, "100%  450 mcg RAE
    # 50%" centred a little lower; the lower line is the same row, not one with no name
    "row_cells_staggered_in_height": (51725, 100, 24, {"producer": "weasyprint"}),
}


@pytest.fixture(scope="module")
def audited(tmp_path_factory, ruleset):
    root = tmp_path_factory.mktemp("tables") / "catalog"
    labels, names = [], []
    for name, (seed, n, index, force) in CASES.items():
        labels.append(draw_labels(seed, n, force)[index])
        names.append(name)
    truth = render_space_catalog(labels, root, names)
    db = root.parent / "w.duckdb"
    audit_catalog(root, db, ruleset, workers=2)
    return truth, read_warehouse(db)


@pytest.mark.parametrize("case", list(CASES))
def test_table_geometry_class_reads_every_key_nutrient(audited, case):
    truth, wh = audited
    panels = [t for t in truth if t["file"] == f"{case}.pdf"]
    assert panels
    for t in panels:
        f = score_panel(t, wh)
        assert f.found == 1, (case, t["panel"], "panel not found")
        assert (f.fn, f.fp) == (0, 0), (case, t["panel"], f"{f.tp} key rows right, {f.fn} missed, {f.fp} wrong")
