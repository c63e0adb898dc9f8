"""The warehouse contract: identity across runs, no duplicates, atomic runs, plain-SQL file."""
from __future__ import annotations

import hashlib
import random
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from flows import pipeline
from flows.pipeline import audit_catalog
from labelaudit.contracts.errors import WarehouseBusy
from tests.conftest import SAMPLE
from tests.conftest import query as q
from tests.labelgen import random_product, render_label
from warehouse.store import writer_lock

COUNTED = ("products", "nutrients", "label_versions", "product_versions")


def counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in (*COUNTED, "audit_runs")}
    finally:
        con.close()




@pytest.fixture
def sample_copy(tmp_path):
    root = tmp_path / "catalog"
    shutil.copytree(SAMPLE, root)
    return root


def test_a_rerun_adds_a_run_and_no_rows(sample_copy, tmp_path, ruleset):
    db = tmp_path / "w.duckdb"
    run1, _ = audit_catalog(sample_copy, db, ruleset)
    first = counts(db)
    run2, _ = audit_catalog(sample_copy, db, ruleset)
    second = counts(db)
    assert {t: second[t] for t in COUNTED} == {t: first[t] for t in COUNTED}
    assert second["audit_runs"] == first["audit_runs"] + 1
    assert run2["files_read"] == 0 and run2["files_reused"] == run1["files_seen"]
    flags = q(db, "SELECT audit_run_id, count(*) FROM flags GROUP BY 1 ORDER BY 1")
    assert [c for _, c in flags] == [run1["flags_high"] + run1["flags_warning"] + run1["flags_info"]] * 2


def test_manifest_values_win_and_sku_is_the_product_key(sample_copy, tmp_path, ruleset, sample_truth):
    db = tmp_path / "w.duckdb"
    audit_catalog(sample_copy, db, ruleset)
    manifest = {t["file"]: t for t in sample_truth if t.get("sku") and t.get("retailer")}
    assert manifest
    rows = {r[0]: r[1:] for r in q(db, "SELECT source_file, product_key, sku, brand, retailer FROM products")}
    import csv

    with open(sample_copy / "catalog.csv", newline="") as fh:
        for m in csv.DictReader(fh):
            key, sku, brand, retailer = rows[m["file"]]
            assert (key, sku, brand, retailer) == (m["sku"], m["sku"], m["brand"], m["retailer"])
    # Files outside the manifest are keyed by where the panel stands.
    keys = {r[0] for r in q(db, "SELECT product_key FROM products WHERE source_file LIKE 'catalogs/%'")}
    assert all(k.startswith("catalogs/") and k.count("#") == 2 for k in keys)


def _label(path: Path, seed: int, **over) -> dict:
    rec = random_product(random.Random(seed), **over)
    render_label(rec, path)
    return rec


def test_a_reformulated_label_keeps_its_key_and_its_flag_resolves(tmp_path, ruleset):
    root = tmp_path / "cat"
    root.mkdir()
    _label(root / "d3.pdf", 1, kind="d3_only", d_iu=5000, directions_style="daily")
    _label(root / "other.pdf", 2, kind="mg_only")
    db = tmp_path / "w.duckdb"
    run1, _ = audit_catalog(root, db, ruleset)
    before = q(db, "SELECT product_key, product_id FROM products WHERE source_file = 'd3.pdf'")
    assert {r[0] for r in q(db, "SELECT rule_id FROM flagged_products WHERE source_file = 'd3.pdf' AND rule_id LIKE "
                                "'D3_HIGH_NO_%'")} == {"D3_HIGH_NO_K2", "D3_HIGH_NO_MG"}
    _label(root / "d3.pdf", 1, kind="d3_k2", d_iu=5000, directions_style="daily")
    (root / "other.pdf").unlink()
    run2, _ = audit_catalog(root, db, ruleset)
    after = q(db, "SELECT product_key, product_id FROM products WHERE source_file = 'd3.pdf'")
    assert after[0][0] == before[0][0] == "d3.pdf#1#0"
    assert after[0][1] != before[0][1]
    assert run2["files_read"] == 1
    versions = q(db, "SELECT product_id, first_seen_run, removed_in_run, superseded_by FROM product_versions WHERE "
                     "product_key = 'd3.pdf#1#0' ORDER BY first_seen_run")
    assert versions == [
        (before[0][1], run1["audit_run_id"], run2["audit_run_id"], after[0][1]),
        (after[0][1], run2["audit_run_id"], None, None),
    ]
    assert {r[0] for r in q(db, "SELECT rule_id FROM flagged_products WHERE source_file = 'd3.pdf' AND rule_id LIKE "
                                "'D3_HIGH_NO_%'")} == {"D3_HIGH_NO_MG"}
    removed = q(db, "SELECT removed_in_run, superseded_by FROM product_versions WHERE source_file = 'other.pdf'")
    assert removed == [(run2["audit_run_id"], None)]
    assert q(db, "SELECT count(*) FROM products WHERE source_file = 'other.pdf'") == [(0,)]


def test_a_run_that_fails_midway_leaves_the_warehouse_as_it_was(sample_copy, tmp_path, ruleset, monkeypatch):
    db = tmp_path / "w.duckdb"
    audit_catalog(sample_copy, db, ruleset)
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    before = counts(db)
    _label(sample_copy / "new.pdf", 7, kind="d3_only")

    def boom(*a, **k):
        raise RuntimeError("killed while judging")

    monkeypatch.setattr(pipeline, "evaluate", boom)
    with pytest.raises(RuntimeError):
        audit_catalog(sample_copy, db, ruleset)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    assert counts(db) == before
    assert not list(tmp_path.glob(".w.duckdb.*"))
    monkeypatch.undo()
    _run, _ = audit_catalog(sample_copy, db, ruleset)
    assert counts(db)["products"] == before["products"] + 1


def test_a_second_audit_on_the_same_warehouse_refuses_clearly(tmp_path, ruleset):
    db = tmp_path / "w.duckdb"
    with writer_lock(db), pytest.raises(WarehouseBusy, match="another audit"):
        audit_catalog(SAMPLE, db, ruleset)


def test_an_open_reader_does_not_block_the_audit(sample_copy, tmp_path, ruleset):
    db = tmp_path / "w.duckdb"
    audit_catalog(sample_copy, db, ruleset)
    reader = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb,sys,time; c=duckdb.connect(sys.argv[1], read_only=True); c.execute('select 1').fetchall(); "
         "print('open', flush=True); time.sleep(30)", str(db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        _label(sample_copy / "new.pdf", 8, kind="d3_only")
        run, _ = audit_catalog(sample_copy, db, ruleset)
        assert run["files_read"] == 1
    finally:
        reader.kill()
        reader.wait()


def test_the_warehouse_opens_read_only_in_the_duckdb_shell(sample_copy, tmp_path, ruleset):
    db = tmp_path / "w.duckdb"
    audit_catalog(sample_copy, db, ruleset)
    cli = Path(sys.executable).with_name("duckdb")
    assert cli.exists(), "duckdb-cli (the dev extra) provides the duckdb shell"
    out = subprocess.run(
        [str(cli), "-readonly", "-csv", str(db), "-c",
         "SELECT count(*) FROM flagged_products; SELECT count(*) FROM products; SELECT version();"],
        capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split()
    want_flags = q(db, "SELECT count(*) FROM flagged_products")[0][0]
    assert str(want_flags) in lines and want_flags > 0


def test_every_bad_file_kind_gets_a_row_with_a_reason_and_the_rest_is_audited(tmp_path, ruleset):
    from tests.labelgen import write_bad_files
    from tests.labelgen.badfiles import BAD_FILE_STATUS

    root = tmp_path / "cat"
    (root / "inbox").mkdir(parents=True)
    expected = write_bad_files(root / "inbox")
    _label(root / "good.pdf", 3, kind="d3_only")
    db = tmp_path / "w.duckdb"
    run, _ = audit_catalog(root, db, ruleset)
    rows = {r[0]: r[1:] for r in q(db, "SELECT source_file, status, status_detail, page FROM products")}
    assert rows["good.pdf"][0] == "ok"
    for name, keyword in expected.items():
        status, detail, page = rows[f"inbox/{name}"]
        assert status == BAD_FILE_STATUS[name], name
        assert page is None
        assert keyword.replace("_", " ").split()[0].lower() in detail.lower().replace("_", " "), (name, detail)
    assert run["products_ok"] == 1 and run["products_not_ok"] == len(expected)
