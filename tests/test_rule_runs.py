"""Rules across runs: re-evaluation without extraction, config changes, waivers, verdicts."""
from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

import flows.pipeline as pipeline
from flows.executor import Extractor
from flows.pipeline import add_waiver, audit_catalog, reevaluate
from rules import load_ruleset
from tests.conftest import query as q
from tests.labelgen import random_product, render_label

KEY = "d3.pdf#1#0"




def latest_flags(db: Path, key: str = KEY) -> dict[str, bool]:
    return dict(q(db, "SELECT rule_id, waived FROM flagged_products WHERE product_key = ?", [key]))


def _label(path: Path, seed: int, **over) -> None:
    render_label(random_product(random.Random(seed), **over), path)


@pytest.fixture
def catalog(tmp_path, ruleset):
    root = tmp_path / "cat"
    root.mkdir()
    _label(root / "d3.pdf", 11, kind="d3_only", d_iu=5000, directions_style="daily")
    _label(root / "plain.pdf", 12, kind="d3_only", d_iu=1000, directions_style="none")
    db = tmp_path / "w.duckdb"
    audit_catalog(root, db, ruleset)
    return root, db


def test_reevaluation_with_a_changed_threshold_reads_no_pdf(catalog, tmp_path, monkeypatch):
    _root, db = catalog
    assert "D3_HIGH_NO_K2" in latest_flags(db)
    reads = []
    monkeypatch.setattr(Extractor, "__enter__", lambda *a, **k: reads.append(a))  # any pool of PDF readers
    monkeypatch.setattr(pipeline, "plan_reads", lambda *a, **k: reads.append(a))
    cfg = tmp_path / "strict.toml"
    cfg.write_text("[params]\nhigh_dose_vitamin_d_mcg = 150\n")
    runs = reevaluate(db, load_ruleset(cfg))
    assert reads == []
    assert runs[0]["files_read"] == 0 and runs[0]["kind"] == "reevaluate"
    assert "D3_HIGH_NO_K2" not in latest_flags(db)
    stored = q(db, "SELECT rule_params FROM audit_runs WHERE audit_run_id = ?", [runs[0]["audit_run_id"]])[0][0]
    assert '"high_dose_vitamin_d_mcg": 150.0' in stored
    reevaluate(db, load_ruleset())
    assert "D3_HIGH_NO_K2" in latest_flags(db)


def test_a_config_file_can_add_a_rule_without_code(catalog, tmp_path):
    _, db = catalog
    cfg = tmp_path / "extra.toml"
    cfg.write_text('''
[params]
vitamin_d_review_mcg = 100
[rules.D_ANY_OVER_REVIEW]
title = "Any vitamin D form at or above a review level"
severity = "info"
params = ["vitamin_d_review_mcg"]
sql = """SELECT product_key, product_id, daily_d_mcg FROM product_summary
         WHERE sig6(daily_d_mcg) >= $vitamin_d_review_mcg"""
message = "Daily vitamin D {daily_d_mcg:g} mcg is at or above {vitamin_d_review_mcg:g} mcg."
''')
    reevaluate(db, load_ruleset(cfg))
    assert "D_ANY_OVER_REVIEW" in latest_flags(db)


def test_a_waiver_holds_across_runs_and_lapses_when_the_label_changes(catalog, ruleset):
    root, db = catalog
    add_waiver(db, KEY, "D3_HIGH_NO_MG", "sold with a magnesium product", "A. Analyst",
               date.today() + timedelta(days=30), ruleset)
    assert latest_flags(db)["D3_HIGH_NO_MG"] is True
    assert latest_flags(db)["D3_HIGH_NO_K2"] is False
    audit_catalog(root, db, ruleset)  # unchanged label: the waiver holds
    assert latest_flags(db)["D3_HIGH_NO_MG"] is True
    run = q(db, "SELECT products_waived FROM audit_runs ORDER BY finished_at DESC LIMIT 1")[0][0]
    assert run == 1
    _label(root / "d3.pdf", 13, kind="d3_only", d_iu=6000, directions_style="daily")  # a new label version
    audit_catalog(root, db, ruleset)
    assert latest_flags(db)["D3_HIGH_NO_MG"] is False


def test_a_waiver_lapses_when_it_expires(catalog, ruleset, monkeypatch):
    root, db = catalog
    add_waiver(db, KEY, "D3_HIGH_NO_K2", "reviewed", "A. Analyst", date.today(), ruleset)
    assert latest_flags(db)["D3_HIGH_NO_K2"] is True
    import rules.verdicts as verdicts

    real = verdicts.apply_waivers
    monkeypatch.setattr(pipeline, "apply_waivers",
                        lambda con, cat, flags, today=None: real(con, cat, flags, date.today() + timedelta(days=1)))
    audit_catalog(root, db, ruleset)
    assert latest_flags(db)["D3_HIGH_NO_K2"] is False


def test_verdicts_pass_flag_or_send_to_review_with_reasons(catalog):
    _, db = catalog
    rows = dict(q(db, """SELECT product_key, verdict || ': ' || coalesce(reasons, '') FROM verdicts
                        WHERE audit_run_id = (SELECT max(audit_run_id) FROM audit_runs)"""))
    assert rows[KEY].startswith("flagged: ") and "D3_HIGH_NO_K2" in rows[KEY]
    assert rows["plain.pdf#1#0"].startswith("needs_review: ") and "assumed" in rows["plain.pdf#1#0"]


def test_a_vitamin_d_row_without_an_amount_needs_review(ruleset):
    from rules.verdicts import verdicts
    from tests.rulekit import panel
    from warehouse.load import insert_label_versions
    from warehouse.normalise import normalise_panel
    from warehouse.store import schema_sql

    p = panel(["Bone Blend 500 mg †", "Vitamin D3 (as cholecalciferol)"], "Take 1 capsule daily.")
    version, nutrients = normalise_panel("abc", p, "t")
    con = duckdb.connect()
    con.execute(schema_sql())
    insert_label_versions(con, [version], nutrients)
    con.execute("INSERT INTO products (catalog, product_key, product_id, status, servings_per_day_assumed) "
                "SELECT 'c', 'k', product_id, 'ok', false FROM label_versions")
    v = verdicts(con, "c", [], 0.8)
    assert v[0]["verdict"] == "needs_review" and "no amount" in v[0]["reasons"]


def test_an_ocr_row_whose_figures_disagree_sends_the_product_to_review_not_to_a_verdict(ruleset):
    from rules.verdicts import verdicts
    from tests.rulekit import panel
    from warehouse.load import insert_label_versions
    from warehouse.normalise import normalise_panel
    from warehouse.store import schema_sql

    p = panel(["Vitamin D3 725 mcg (5,000 IU) 625%"], "Take 1 capsule daily.")  # 725 misread for 125
    for row in p.rows:
        row.read_method = "ocr"
        row.confidence = 0.95
    version, nutrients = normalise_panel("ocr", p, "t")
    assert nutrients[0]["figures_consistent"] is False and nutrients[0]["confidence"] < 0.5
    con = duckdb.connect()
    con.execute(schema_sql())
    insert_label_versions(con, [version], nutrients)
    con.execute("INSERT INTO products (catalog, product_key, product_id, status, servings_per_day_assumed) "
                "SELECT 'c', 'k', product_id, 'ok', false FROM label_versions")
    flags = [{"product_key": "k", "product_id": version["product_id"], "rule_id": "D3_HIGH_NO_K2",
              "severity": "high", "waived": False}]
    v = verdicts(con, "c", flags, 0.8)[0]
    assert v["verdict"] == "needs_review"
    assert "own figures disagree" in v["reasons"] and "would be flagged D3_HIGH_NO_K2" in v["reasons"]
