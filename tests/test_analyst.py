"""The analyst's loop (issue 20): review queue, corrections that hold and lapse, waivers that
make sense, and corrections made while an audit holds the warehouse."""
from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from flows.analyst import CorrectionRequest, correct, undo_correction
from flows.pipeline import add_waiver, audit_catalog, reevaluate
from labelaudit import cli
from tests.conftest import ROOT
from tests.conftest import query as q
from tests.labelgen import random_product, render_label
from warehouse.store import staged_write

D3 = "d3.pdf#1#0"        # 5,000 IU (125 mcg) D3 daily, no K2, no magnesium: flagged
PLAIN = "plain.pdf#1#0"  # 1,000 IU, no directions: in review (servings per day assumed)


def _label(path: Path, seed: int, **over) -> None:
    render_label(random_product(random.Random(seed), **over), path)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, ruleset):
    root = tmp_path_factory.mktemp("analyst") / "cat"
    root.mkdir()
    _label(root / "d3.pdf", 11, kind="d3_only", d_iu=5000, directions_style="daily")
    _label(root / "plain.pdf", 12, kind="d3_only", d_iu=1000, directions_style="none")
    db = root.parent / "pristine.duckdb"
    audit_catalog(root, db, ruleset, workers=1)
    return root, db


@pytest.fixture
def wh(pristine, tmp_path):
    """A private copy of the audited catalog and its warehouse."""
    root = tmp_path / "cat"
    shutil.copytree(pristine[0], root)
    db = tmp_path / "w.duckdb"
    shutil.copyfile(pristine[1], db)
    # The warehouse names the catalog by its absolute path: re-audits must find the same one.
    with staged_write(db) as con:
        for table in ("products", "product_versions", "flags", "verdicts", "audit_runs", "waivers", "corrections"):
            con.execute(f"UPDATE {table} SET catalog = ?", [str(root.resolve())])
    return root, db


def flags(db: Path, key: str) -> set[str]:
    return {r[0] for r in q(db, "SELECT rule_id FROM flagged_products WHERE product_key = ? AND NOT waived", [key])}


def verdict(db: Path, key: str) -> str:
    return q(db, """SELECT v.verdict FROM verdicts v JOIN latest_runs r USING (catalog, audit_run_id)
                    WHERE v.product_key = ?""", [key])[0][0]


def fix_d(db, ruleset, amount=25.0, unit="mcg", **kw):
    return correct(db, CorrectionRequest(D3, reason="label prints 25 mcg", by="A. Analyst", nutrient="vitamin_d",
                                         amount=amount, unit=unit, **kw), ruleset)


def test_a_correction_clears_the_flags_it_decided_and_shows_both_values(wh, ruleset):
    _root, db = wh
    assert {"D3_HIGH_NO_K2", "D3_HIGH_NO_MG"} <= flags(db, D3)
    runs_before = q(db, "SELECT count(*) FROM audit_runs")[0][0]
    out = fix_d(db, ruleset)
    assert not out.queued
    # Re-judged in place: the flags went at once, and no run was recorded for it.
    assert not {"D3_HIGH_NO_K2", "D3_HIGH_NO_MG"} & flags(db, D3)
    assert q(db, "SELECT count(*) FROM audit_runs")[0][0] == runs_before
    reevaluate(db, ruleset)
    assert not {"D3_HIGH_NO_K2", "D3_HIGH_NO_MG"} & flags(db, D3)
    pid = q(db, "SELECT product_id FROM products WHERE product_key = ?", [D3])[0][0]
    assert q(db, "SELECT amount, unit, daily_amount_canonical, corrected FROM nutrients WHERE product_id = ? "
                 "AND nutrient = 'vitamin_d'", [pid]) == [(25.0, "mcg", 25.0, True)]
    assert q(db, "SELECT amount, unit FROM nutrients_as_read WHERE product_id = ? AND nutrient = 'vitamin_d'",
             [pid]) == [(125.0, "mcg")]
    assert q(db, "SELECT corrected FROM products WHERE product_key = ?", [D3]) == [(True,)]
    assert q(db, 'SELECT field, value_read, value_set, "by" FROM corrections') == [
        ("amount", "125 mcg", "25 mcg", "A. Analyst")]


def test_a_servings_per_day_correction_raises_flags(wh, ruleset):
    _root, db = wh
    assert verdict(db, PLAIN) == "needs_review" and not flags(db, PLAIN)
    correct(db, CorrectionRequest(PLAIN, reason="directions: 5 softgels daily", by="B", servings_per_day=5), ruleset)
    reevaluate(db, ruleset)
    # 25 mcg x 5 a day = 125 mcg: high-dose now, and no longer an assumed figure.
    assert {"D3_HIGH_NO_K2", "D3_HIGH_NO_MG"} <= flags(db, PLAIN)
    assert verdict(db, PLAIN) == "flagged"
    assert q(db, "SELECT servings_per_day, servings_per_day_assumed, corrected FROM products WHERE product_key = ?",
             [PLAIN]) == [(5.0, False, True)]


def test_a_correction_survives_a_reaudit_and_lapses_when_the_file_changes(wh, ruleset):
    root, db = wh
    fix_d(db, ruleset)
    audit_catalog(root, db, ruleset, workers=1)  # same bytes
    assert not {"D3_HIGH_NO_K2"} & flags(db, D3)
    assert q(db, "SELECT lapsed_in_run FROM corrections") == [(None,)]
    _label(root / "d3.pdf", 13, kind="d3_only", d_iu=5000, directions_style="daily")  # a new label version
    audit_catalog(root, db, ruleset, workers=1)
    assert "D3_HIGH_NO_K2" in flags(db, D3)
    (lapsed, why), = q(db, "SELECT lapsed_in_run, lapse_reason FROM corrections")
    assert lapsed == q(db, "SELECT audit_run_id FROM latest_runs")[0][0] and "label changed" in why


def test_a_correction_lapses_when_the_value_read_changes(wh, ruleset):
    _root, db = wh
    fix_d(db, ruleset)
    # A new extractor reads the same bytes as 100 mcg: the correction was of 125 mcg, so it lapses.
    with staged_write(db) as con:
        con.execute("UPDATE nutrients_as_read SET amount = 100, amount_canonical = 100, daily_amount_canonical = 100 "
                    "WHERE nutrient = 'vitamin_d' AND amount = 125")
    reevaluate(db, ruleset)
    assert "D3_HIGH_NO_K2" in flags(db, D3)
    (why,) = q(db, "SELECT lapse_reason FROM corrections WHERE lapsed_in_run IS NOT NULL")[0]
    assert "read differently" in why and "125 mcg" in why


def test_confirm_empties_the_queue_entry_and_undo_restores_it(wh, ruleset, capsys):
    _root, db = wh
    assert cli.main(["review", "--db", str(db), "--csv"]) == 0
    assert PLAIN in capsys.readouterr().out
    out = correct(db, CorrectionRequest(PLAIN, reason="label has no directions; 1 a day is right", by="C",
                                        confirm=True), ruleset)
    assert verdict(db, PLAIN) == "pass"
    assert cli.main(["review", "--db", str(db), "--csv"]) == 0
    assert PLAIN not in capsys.readouterr().out
    assert cli.main(["correct", "--undo", out.correction_id, "--by", "C", "--db", str(db)]) == 0
    assert verdict(db, PLAIN) == "needs_review"
    assert cli.main(["review", "--db", str(db)]) == 0
    assert PLAIN in capsys.readouterr().out


def test_undo_restores_the_value_read_and_its_flags(wh, ruleset):
    _root, db = wh
    out = fix_d(db, ruleset)
    undo_correction(db, out.correction_id, "A. Analyst", ruleset)
    assert {"D3_HIGH_NO_K2", "D3_HIGH_NO_MG"} <= flags(db, D3)
    assert q(db, "SELECT amount, n.corrected FROM nutrients n JOIN products p USING (product_id) "
                 "WHERE p.product_key = ? AND nutrient = 'vitamin_d'", [D3]) == [(125.0, False)]


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.parametrize("args, message", [
    (["nope.pdf#1#0", "--nutrient", "vitamin_d", "--amount", "25", "--unit", "mcg"], "no product with key"),
    (["d3.pdf", "--nutrient", "vitamin_d", "--amount", "25", "--unit", "mcg"], "did you mean 'd3.pdf#1#0'"),
    ([D3, "--nutrient", "vitamin_q", "--amount", "25", "--unit", "mcg"], "unknown nutrient 'vitamin_q'"),
    ([D3, "--nutrient", "vitamin_d", "--amount", "-25", "--unit", "mcg"], "zero or more"),
    ([D3, "--nutrient", "vitamin_d", "--amount", "25", "--unit", "mcg RAE"], "not a unit for vitamin_d"),
    ([D3, "--nutrient", "vitamin_d", "--amount", "25", "--unit", "furlongs"], "unknown unit"),
    ([D3, "--nutrient", "magnesium", "--amount", "25", "--unit", "mg"], "has no magnesium row"),
])
def test_bad_input_exits_2_with_a_clear_message_and_changes_nothing(wh, capsys, args, message):
    _root, db = wh
    before = _sha(db)
    assert cli.main(["correct", *args, "--reason", "x", "--by", "y", "--db", str(db)]) == 2
    assert message in capsys.readouterr().err
    assert _sha(db) == before


def test_an_ambiguous_row_is_refused_with_the_rows_listed(wh, ruleset, capsys):
    _root, db = wh
    correct(db, CorrectionRequest(D3, reason="a D2 row the reader missed", by="A", nutrient="vitamin_d", add=True,
                                  amount=10, unit="mcg", form="D2"), ruleset)
    before = _sha(db)
    assert cli.main(["correct", D3, "--nutrient", "vitamin_d", "--amount", "25", "--unit", "mcg", "--reason", "x",
                     "--by", "y", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "several vitamin_d rows" in err and "D2" in err and "125 mcg" in err and "--row" in err
    assert _sha(db) == before
    # A selector settles it.
    assert cli.main(["correct", D3, "--nutrient", "vitamin_d", "--form", "D3", "--amount", "25", "--unit", "mcg",
                     "--reason", "x", "--by", "y", "--db", str(db)]) == 0
    pid = q(db, "SELECT product_id FROM products WHERE product_key = ?", [D3])[0][0]
    assert sorted(q(db, "SELECT form, amount, corrected FROM nutrients WHERE product_id = ? AND nutrient = 'vitamin_d'",
                    [pid])) == [("D2", 10.0, True), ("D3", 25.0, True)]


def test_remove_drops_a_row_that_is_not_on_the_label(wh, ruleset):
    _root, db = wh
    correct(db, CorrectionRequest(D3, reason="no vitamin D on this label", by="A", nutrient="vitamin_d", remove=True),
            ruleset)
    assert not {"D3_HIGH_NO_K2", "D3_HIGH_NO_MG"} & flags(db, D3)
    assert q(db, "SELECT count(*) FROM nutrients n JOIN products p USING (product_id) WHERE p.product_key = ? "
                 "AND nutrient = 'vitamin_d'", [D3]) == [(0,)]


def test_a_correction_made_while_an_audit_holds_the_lock_is_applied_when_it_ends(wh, ruleset, capsys):
    root, db = wh
    script = ("import sys; from pathlib import Path; from flows.run import run_audit; "
              "run_audit(Path(sys.argv[1]), Path(sys.argv[2]), workers=1)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LABELAUDIT_PAUSE_AT": "load", "LABELAUDIT_PAUSE_SECONDS": "4"}
    audit = subprocess.Popen([sys.executable, "-c", script, str(root), str(db)], env=env, stderr=subprocess.PIPE,
                             text=True)
    try:
        for line in audit.stderr:  # the audit holds the writer lock and has judged, not yet published
            if "paused at load" in line:
                break
        t0 = time.monotonic()
        assert cli.main(["correct", D3, "--nutrient", "vitamin_d", "--amount", "25", "--unit", "mcg", "--reason",
                         "label prints 25 mcg", "--by", "A", "--db", str(db)]) == 0
        assert time.monotonic() - t0 < 3  # queued, not waiting for the lock
        assert "queued" in capsys.readouterr().out
        assert "D3_HIGH_NO_K2" in flags(db, D3)  # not applied yet: the audit has not published
        assert audit.wait(timeout=120) == 0
    finally:
        audit.kill()
    assert not {"D3_HIGH_NO_K2", "D3_HIGH_NO_MG"} & flags(db, D3)
    assert q(db, "SELECT count(*) FROM corrections WHERE lapsed_in_run IS NULL AND undone_at IS NULL") == [(1,)]
    assert not (db.parent / (db.name + ".journal")).read_text().strip()


def test_waivers_refuse_a_rule_not_raised_and_record_no_run(wh, ruleset, capsys):
    _root, db = wh
    expires = date.today() + timedelta(days=30)
    with pytest.raises(LookupError, match=re.escape("not raised on plain.pdf#1#0")):
        add_waiver(db, PLAIN, "D3_HIGH_NO_K2", "r", "a", expires, ruleset)
    with pytest.raises(LookupError, match=re.escape("did you mean 'd3.pdf#1#0'")):
        add_waiver(db, "d3.pdf", "D3_HIGH_NO_K2", "r", "a", expires, ruleset)
    runs = q(db, "SELECT count(*) FROM audit_runs")[0][0]
    add_waiver(db, D3, "D3_HIGH_NO_MG", "sold with magnesium", "a", expires, ruleset)
    assert q(db, "SELECT count(*) FROM audit_runs")[0][0] == runs
    assert q(db, "SELECT waived FROM flagged_products WHERE product_key = ? AND rule_id = 'D3_HIGH_NO_MG'",
             [D3]) == [(True,)]
    add_waiver(db, PLAIN, "D3_HIGH_NO_K2", "ahead of a reformulation", "a", expires, ruleset, force=True)
    assert cli.main(["waivers", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Vitamin D3" in out and "not raised now" in out


def _report(db: Path, out: Path) -> str:
    from reports import write_reports

    paths = write_reports(db, None, out, formats=["html"])
    return Path(paths["html"]).read_text("utf-8")


def test_reports_show_keys_corrections_with_who_and_why_and_those_to_redo(wh, ruleset, tmp_path):
    root, db = wh
    fix_d(db, ruleset)
    html = _report(db, tmp_path / "r1")
    assert '<code class="key">d3.pdf#1#0</code>' in html and '<code class="key">plain.pdf#1#0</code>' in html
    assert "1 in force, 0 to redo" in html and "label prints 25 mcg" in html and "A. Analyst" in html
    assert "1 products still need review" in html
    _label(root / "d3.pdf", 13, kind="d3_only", d_iu=5000, directions_style="daily")
    audit_catalog(root, db, ruleset, workers=1)
    html = _report(db, tmp_path / "r2")
    assert "0 in force, 1 to redo" in html and "Corrections to redo" in html and "the label changed" in html


def test_the_queue_puts_the_most_serious_first(wh):
    from flows.analyst import review_queue

    _root, db = wh
    # A misread by OCR keeps a flagged product in review (rules.verdicts): stand that in for D3.
    with staged_write(db) as con:
        con.execute("UPDATE verdicts SET verdict = 'needs_review', reasons = 'Vitamin D3: read by OCR, and its own "
                    "figures disagree; would be flagged D3_HIGH_NO_K2' WHERE product_key = ?", [D3])
        queue = review_queue(con)
    assert [r["product_key"] for r in queue] == [D3, PLAIN]
    assert queue[0]["worst_flag"] == "high" and "D3_HIGH_NO_K2" in queue[0]["flags"]
    assert queue[1]["worst_flag"] == "" and "servings per day assumed" in queue[1]["reasons"]
