"""Labels from the project's generator round-trip: generate, audit, compare to the record."""
from __future__ import annotations

import random

import duckdb
import pytest

from flows.pipeline import audit_catalog
from tests.labelgen import expected_flags, random_product, render_catalog, render_label
from tests.scoring import assert_meets, score, show

LAYOUTS = ("ruled", "borderless", "retail")
PER_LAYOUT = 30


@pytest.fixture(scope="module")
def generated(tmp_path_factory, ruleset):
    root = tmp_path_factory.mktemp("gen") / "catalog"
    root.mkdir()
    rng = random.Random(20261123)
    truth = []
    for layout in LAYOUTS:
        for i in range(PER_LAYOUT):
            rec = random_product(rng)
            rel = f"{layout}/{i:03d}.pdf"
            (root / layout).mkdir(exist_ok=True)
            render_label(rec, root / rel, layout=layout)
            truth.append({**rec, "file": rel, "page": 1, "panel": 0, "style": layout, "flags": expected_flags(rec)})
    recs = [random_product(rng) for _ in range(9)]
    where = render_catalog(recs, root / "catalog-2up.pdf", per_page=2)
    for rec, w in zip(recs, where, strict=True):
        truth.append({**rec, "file": "catalog-2up.pdf", **w, "style": "catalog2", "flags": expected_flags(rec)})
    db = root.parent / "w.duckdb"
    run, _ = audit_catalog(root, db, ruleset, workers=2)
    return root, db, truth, run


def test_generated_labels_round_trip_key_nutrients_doses_and_flags(generated, capsys):
    root, db, truth, _ = generated
    scores = score(db, str(root.resolve()), truth)
    show(scores, capsys)
    assert_meets(scores["all"])


def test_generated_labels_round_trip_printed_text(generated):
    """Serving size, directions and key-row names come through exactly as printed."""
    _root, db, truth, _ = generated
    con = duckdb.connect(str(db), read_only=True)
    prods = {(r[0], r[1], r[2]): r[3:] for r in con.execute(
        "SELECT source_file, page, panel, serving_size, directions, servings_per_day_assumed, product_id FROM products"
    ).fetchall()}
    names = {}
    for pid, label in con.execute("SELECT product_id, label_text FROM nutrients").fetchall():
        names.setdefault(pid, []).append(label)
    con.close()
    wrong = []
    for t in truth:
        serving, directions, assumed, pid = prods[(t["file"], t["page"], t["panel"])]
        if serving != t["serving_size"]:
            wrong.append((t["file"], "serving", serving, t["serving_size"]))
        if directions != t["directions"]:
            wrong.append((t["file"], "directions", directions, t["directions"]))
        if assumed != t["servings_per_day_assumed"]:
            wrong.append((t["file"], "assumed", assumed, t["servings_per_day_assumed"]))
        for n in t["nutrients"]:
            if n["label_text"] not in names.get(pid, []):
                wrong.append((t["file"], "label_text", n["label_text"], names.get(pid)))
    assert wrong == []


def test_generated_labels_have_boxes_on_the_page_for_every_row(generated):
    _root, db, _, _ = generated
    con = duckdb.connect(str(db), read_only=True)
    bad = con.execute(
        "SELECT count(*) FROM nutrients WHERE x0 IS NULL OR x1 <= x0 OR bottom <= top OR x0 < 0 OR top < 0"
    ).fetchall()[0][0]
    con.close()
    assert bad == 0
