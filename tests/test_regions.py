"""Two amount columns, Canadian bilingual panels and EU "%NRV" panels: each kind rendered a couple of
dozen times at random (tests/labelgen/regions.py), audited with the plain pipeline and scored."""
from __future__ import annotations

import random

import pytest

from extract.amounts import parse_number, parse_row_columns
from flows.pipeline import audit_catalog
from tests.conftest import query
from tests.labelgen.regions import REGION_KINDS, region_product, render_region_label
from tests.scoring import assert_meets, render_styles, score

SEED = 20261215
N = 24


@pytest.fixture(scope="module")
def audited(tmp_path_factory, ruleset):
    root = tmp_path_factory.mktemp("regions") / "catalog"
    root.mkdir()
    rng = random.Random(SEED)
    truth = render_styles(root, rng, REGION_KINDS, N, region_product, render_region_label)
    db = root.parent / "w.duckdb"
    audit_catalog(root, db, ruleset, workers=2)
    regions = dict(query(db, "SELECT source_file, region FROM products WHERE catalog = ?", [str(root.resolve())]))
    nrv = query(db, "SELECT p.source_file, n.nutrient, n.percent_dv, n.percent_nrv FROM nutrients n JOIN products p "
                    "USING (product_id) WHERE p.catalog = ? AND n.nutrient IS NOT NULL", [str(root.resolve())])
    return truth, score(db, str(root.resolve()), truth), regions, nrv


@pytest.mark.parametrize("kind", REGION_KINDS)
def test_region_kind_round_trips(audited, capsys, kind):
    truth, scores, regions, _ = audited
    s = scores[kind]
    mine = [t for t in truth if t["style"] == kind]
    wrong_region = [(t["file"], regions.get(t["file"]),
                     t["region"]) for t in mine if regions.get(t["file"]) != t["region"]]
    with capsys.disabled():
        print(f"\n  {s.line(kind)}  region right {len(mine) - len(wrong_region)}/{len(mine)}")
        for m in s.misses[:40]:
            print("    miss:", m)
    assert s.panels == len(mine) > 0
    assert not wrong_region, wrong_region
    assert_meets(s)


def test_eu_rows_keep_nrv_apart_from_dv(audited):
    truth, _, _, nrv = audited
    want = {(t["file"], n["nutrient"]): n["percent_nrv"] for t in truth if t["region"] == "eu" for n in t["nutrients"]}
    got = {(f, n): (dv, pn) for f, n, dv, pn in nrv if f.startswith("eu/")}
    assert want
    for key, pct in want.items():
        assert got[key] == (None, pct), key
    assert all(dv is None for f, _, dv, _ in nrv if f.startswith("eu/"))


def test_decimal_comma_reading():
    assert parse_number("1,000") == 1000.0                       # US / Canada: thousands
    assert parse_number("12,5", decimal_comma=True) == 12.5      # EU decimal comma
    assert parse_number("0,125", decimal_comma=True) == 0.125
    assert parse_number("1,000", decimal_comma=True) == 1000.0   # ambiguous: thousands unless %NRV says otherwise
    row = parse_row_columns("Vitamin D3 25 mcg (1,000 IU) 125% 50 mcg (2,000 IU) 250%", 2, 1)
    assert (row.label_text, row.amount, row.alt_amount, row.percent_dv) == ("Vitamin D3", 50.0, 2000.0, 250.0)
    row = parse_row_columns("Vitamin D3 25 mcg (1,000 IU) 125% 50 mcg (2,000 IU) 250%", 2, 0)
    assert (row.amount, row.percent_dv) == (25.0, 125.0)


def test_eu_ambiguous_comma_follows_the_nrv():
    from extract.records import RowRecord
    from warehouse.normalise import eu_decimal_comma

    row = RowRecord(label_text="Magnesium", amount_text="1,500 mg", amount=1500.0, unit="mg", percent_nrv=0.4)
    assert eu_decimal_comma("magnesium", row).amount == 1.5
    row = RowRecord(label_text="Calcium", amount_text="1,200 mg", amount=1200.0, unit="mg", percent_nrv=150.0)
    assert eu_decimal_comma("calcium", row).amount == 1200.0
