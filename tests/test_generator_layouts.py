"""The generator's extended layouts and wordings, each rendered a few dozen times, audited and scored.

One catalog holds every feature (one folder each); it is audited once with the plain pipeline and
scored per feature ("style"). Each feature's test asserts the round-trip thresholds of
test_roundtrip.py on its own labels and prints its figures and misses.
"""
from __future__ import annotations

import io
import random

import pdfplumber
import pytest

from flows.pipeline import audit_catalog
from tests.labelgen import (
    DIRECTIONS_STYLES_NEW,
    LAYOUTS,
    ROTATED_LAYOUTS,
    expected_flags,
    random_product,
    render_catalog,
    render_label,
    render_label_bytes,
    rotation_for,
)
from tests.scoring import assert_meets, score, show

SEED = 20261201
N = 22  # labels per single-label feature

# The directions wordings of the brief, verbatim: (directions, serving unit, serving qty, servings/day)
DIRECTIONS_EXEMPLARS = [
    ("Take two to six lozenges daily.", "lozenge", 2, 3.0),
    ("Take one to two capsules daily.", "capsule", 1, 2.0),
    ("1 or 2 softgels daily.", "softgel", 1, 2.0),
    ("Take 1 capsule 1 to 4 times daily.", "capsule", 1, 4.0),
    ("Take 1 tablet twice daily.", "tablet", 1, 2.0),
    ("Take 1 capsule three times daily.", "capsule", 1, 3.0),
    ("Take 1 capsule with each meal.", "capsule", 1, 3.0),
    ("Take 1 softgel every other day.", "softgel", 1, 0.5),
    ("Take 1 softgel once a week.", "softgel", 1, round(1 / 7, 6)),
    ("Take 1 capsule weekly.", "capsule", 1, round(1 / 7, 6)),
    ("Adults: take 2 gummies daily. Children 4 years and older: take 1 gummy daily.", "gummy", 2, 1.0),
    ("Adults and children 12 years and older: take 1 capsule twice daily.", "capsule", 1, 2.0),
    ("Take 1 capsule as needed. Do not exceed 4 capsules per day.", "capsule", 1, 4.0),
]


def _singles(rng, n, layout_of, **gen):
    out = []
    for i in range(n):
        out.append((random_product(rng, **gen), layout_of(i)))
    return out


def _build(root):
    """Render every feature under root/<feature>/; return the truth lines."""
    rng = random.Random(SEED)
    truth = []

    def add(feature, rec, rel, page=1, panel=0):
        truth.append({**rec, "file": rel, "page": page, "panel": panel, "style": feature,
                      "flags": expected_flags(rec)})

    def singles(feature, items):
        (root / feature).mkdir()
        for i, (rec, layout) in enumerate(items):
            rel = f"{feature}/{i:03d}-{layout}.pdf"
            render_label(rec, root / rel, layout=layout)
            add(feature, rec, rel)

    any_layout = lambda i: LAYOUTS[i % 3]  # noqa: E731
    # 1. rotated pages: /Rotate with upright content, sideways text, both
    for layout in ROTATED_LAYOUTS:
        singles(layout, _singles(rng, N, lambda i, L=layout: L))
    # 2. many pages per file: grids of 3 and 4 panels a page, and a 23-page catalog
    (root / "catalog_grid").mkdir()
    for per_page, n in ((3, 12), (4, 12)):
        recs = [random_product(rng) for _ in range(n)]
        rel = f"catalog_grid/grid-{per_page}up.pdf"
        for rec, w in zip(recs, render_catalog(recs, root / rel, per_page=per_page), strict=True):
            add("catalog_grid", rec, rel, **w)
    (root / "catalog_long").mkdir()
    recs = [random_product(rng) for _ in range(22)]
    for rec, w in zip(recs, render_catalog(recs, root / "catalog_long/long.pdf", per_page=1), strict=True):
        add("catalog_long", rec, "catalog_long/long.pdf", **w)
    # 3-7. panel wordings, each on its own, across the three plain layouts
    for feature in ("headers", "footnotes", "blend", "sub_rows", "names", "elemental"):
        singles(feature, _singles(rng, N, any_layout, variants=(feature,)))
    # 5. directions: every new wording at random, then the brief's exemplars verbatim
    items = []
    for i in range(N):
        items.append((random_product(rng, directions_style=DIRECTIONS_STYLES_NEW[i % len(DIRECTIONS_STYLES_NEW)]),
                      any_layout(i)))
    for i, (text, unit, qty, spd) in enumerate(DIRECTIONS_EXEMPLARS):
        kind = rng.choice(["d3_only", "d3_k2", "d3_mg"])
        rec = random_product(rng, kind=kind, serving_unit=unit, serving_qty=qty, directions_style="daily",
                             directions=text, servings_per_day=spd, servings_per_day_assumed=False)
        items.append((rec, any_layout(i)))
    singles("directions", items)
    return truth


@pytest.fixture(scope="module")
def audited(tmp_path_factory, ruleset):
    root = tmp_path_factory.mktemp("genlayouts") / "catalog"
    root.mkdir()
    truth = _build(root)
    db = root.parent / "w.duckdb"
    audit_catalog(root, db, ruleset, workers=2)
    scores = score(db, str(root.resolve()), truth)
    return truth, scores


def _check(audited, capsys, feature):
    truth, scores = audited
    s = scores[feature]
    with capsys.disabled():
        print()
        print("  " + s.line(feature))
        for m in s.misses[:60]:
            print("    miss:", m)
        if len(s.misses) > 60:
            print(f"    ... {len(s.misses) - 60} more")
    assert s.panels == sum(1 for t in truth if t["style"] == feature) > 0
    assert_meets(s)


@pytest.mark.parametrize("layout", ROTATED_LAYOUTS)
def test_rotated_labels_round_trip(audited, capsys, layout):
    _check(audited, capsys, layout)


def test_multi_panel_grid_catalog_round_trips(audited, capsys):
    _check(audited, capsys, "catalog_grid")


def test_twenty_plus_page_catalog_round_trips(audited, capsys):
    truth, _ = audited
    assert max(t["page"] for t in truth if t["style"] == "catalog_long") >= 21
    _check(audited, capsys, "catalog_long")


def test_panel_header_variants_round_trip(audited, capsys):
    _check(audited, capsys, "headers")


def test_footnote_marks_round_trip(audited, capsys):
    _check(audited, capsys, "footnotes")


def test_proprietary_blend_rows_round_trip(audited, capsys):
    _check(audited, capsys, "blend")


def test_indented_sub_row_names_round_trip(audited, capsys):
    _check(audited, capsys, "sub_rows")


def test_directions_wordings_round_trip(audited, capsys):
    _check(audited, capsys, "directions")


def test_vitamin_name_variants_and_lookalikes_round_trip(audited, capsys):
    _check(audited, capsys, "names")


def test_elemental_mineral_notes_round_trip(audited, capsys):
    _check(audited, capsys, "elemental")


def test_all_generated_layouts_together_meet_the_thresholds(audited, capsys):
    """Every feature's figures side by side, and the thresholds over all of them at once."""
    truth, scores = audited
    show(scores, capsys, max_misses=0)
    assert scores["all"].panels == len(truth)
    assert_meets(scores["all"])


# ---------------------------------------------------------------- generator-only checks (no audit)

def test_rotated_layouts_have_the_rotation_they_promise():
    rng = random.Random(7)
    recs = [random_product(rng, kind=k) for k in ("d3_only", "d3_k2", "multi", "mg_only")]  # short and tall
    for layout in ROTATED_LAYOUTS:
        for rec in recs:
            page_rotate, turn = rotation_for(rec, layout)
            data = render_label_bytes(rec, layout)
            assert data == render_label_bytes(rec, layout)  # same record, same bytes
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                assert len(pdf.pages) == 1
                page = pdf.pages[0]
                assert page.rotation == page_rotate
                assert "Supplement" in "".join(c["text"] for c in page.chars)
                # every glyph on the page, none clipped by the media box
                assert all(c["x0"] >= -0.5 and c["x1"] <= page.width + 0.5 and c["top"] >= -0.5
                           and c["bottom"] <= page.height + 0.5 for c in page.chars)
            if layout == "rotated_page":
                assert page_rotate in (90, 270) and turn == page_rotate
            elif layout == "sideways_text":
                assert page_rotate == 0 and turn in (90, 270)
            else:
                assert page_rotate in (90, 270) and turn in (90, 270)
    assert rotation_for(recs[0], "rotated_mixed", 270, 90) == (270, 90)


def test_extended_records_are_exact_ground_truth():
    rng = random.Random(11)
    for _ in range(200):
        rec = random_product(rng, variants=True)
        for row in rec["nutrients"] + rec["other_rows"]:
            if row.get("name_lines"):
                assert row["label_text"] == " ".join(row["name_lines"])
        if rec.get("layout_rows"):
            order = rec["layout_rows"]
            assert sorted(i for k, i in order if k == "n") == list(range(len(rec["nutrients"])))
            assert sorted(i for k, i in order if k == "o") == list(range(len(rec["other_rows"])))
        assert rec["servings_per_day"] > 0
    # the brief's examples, drawn by the generator itself
    rec = random_product(random.Random(1), directions_style="adults_children", serving_unit="gummy", kind="d3_only")
    assert rec["serving_size"] == "2 Gummies" and rec["servings_per_day"] in (1.0, 2.0)
    rec = random_product(random.Random(2), kind="d3_only", amount_header="per_qty", serving_qty=2,
                         serving_unit="capsule", directions_style="daily")
    assert rec["style"]["amount_header"] == "Amount Per 2 Capsules"


def test_plain_generation_is_untouched_by_the_extensions():
    """Without the new options random_product draws no new fields (existing seeds keep their bytes)."""
    rng = random.Random(3)
    for _ in range(200):
        rec = random_product(rng)
        assert "amount_header" not in rec["style"] and "layout_rows" not in rec
        assert rec["kind"] not in ("adk", "lookalike") and rec["serving_unit"] != "lozenge"
        for row in rec["nutrients"] + rec["other_rows"]:
            assert not ({"name_lines", "indent", "amount_note", "amount_note_below"} & set(row))
