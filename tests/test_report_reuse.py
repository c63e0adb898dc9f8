"""No work twice: report files whose inputs are unchanged are kept, counted by the renders made.

One catalog, two retailers, audited once with reports; then an unchanged re-audit, a waiver on a
product of one retailer, a correction on a product of the other. Each step records the report files
rendered (reports.render.RENDERED), not how long it took.
"""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

import reports.render as render
from flows.analyst import CorrectionRequest, correct
from flows.pipeline import add_waiver
from flows.run import run_audit
from reports import write_reports
from tests.test_reports import FIRST, _write, _write_manifest_only

FORMATS = ("html", "pdf", "csv", "xlsx")


def _files(stem: str) -> set[str]:
    return {f"{stem}.html", f"{stem}.pdf", f"{stem}-flagged.csv", f"{stem}-flagged.xlsx"}


SUMMARY, ACME, BOLT = _files("summary"), _files("retailer-acme-drug"), _files("retailer-bolt-mart")


def _key(db: Path, source_file: str) -> tuple[str, str]:
    """(product_key, a rule it is flagged by) of the product read from ``source_file``."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("""SELECT product_key, rule_id FROM flagged_products WHERE source_file = ?
                              ORDER BY rule_id LIMIT 1""", [source_file]).fetchall()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    from rules import load_ruleset

    tmp = tmp_path_factory.mktemp("reuse")
    root, db, out = tmp / "catalog", tmp / "w.duckdb", tmp / "out"
    root.mkdir()
    _write(root, FIRST)
    _write_manifest_only(root, FIRST)
    ruleset = load_ruleset()
    seen: dict[str, object] = {}

    def rendered_by(step: str, do) -> object:
        render.RENDERED.clear()
        got = do()
        seen[step] = set(render.RENDERED)
        return got

    first = rendered_by("first", lambda: run_audit(root, db, ruleset=ruleset, workers=1, out=out))
    seen["first_paths"] = {k: v.read_bytes() for k, v in first.reports.items()}
    again = rendered_by("unchanged", lambda: run_audit(root, db, ruleset=ruleset, workers=1, out=out))
    seen["runs"] = (first.run["audit_run_id"], again.run["audit_run_id"])
    seen["again_bytes"] = {k: v.read_bytes() for k, v in again.reports.items()}
    seen["index_after_unchanged"] = json.loads((out / ".cache" / "parts.json").read_text())["parts"]
    key, rule = _key(db, "alpha.pdf")  # Acme Drug's
    add_waiver(db, key, rule, "reviewed with the brand", "A. Analyst", date.today() + timedelta(days=30), ruleset)
    drawn: list[str] = []
    originals = {n: getattr(render, n) for n in ("daily_vitamin_d_histogram", "high_dose_coverage")}
    for n, fn in originals.items():
        setattr(render, n, lambda *a, _n=n, _fn=fn, **k: drawn.append(_n) or _fn(*a, **k))
    try:
        rendered_by("waiver", lambda: write_reports(db, None, out))
    finally:
        for n, fn in originals.items():
            setattr(render, n, fn)
    seen["charts_drawn_for_waiver"] = drawn
    key, _rule = _key(db, "bravo.pdf")  # Bolt Mart's
    correct(db, CorrectionRequest(key, reason="label prints 25 mcg", by="A. Analyst", nutrient="vitamin_d",
                                  amount=25.0, unit="mcg"), ruleset)
    rendered_by("correction", lambda: write_reports(db, None, out))
    (out / "retailer-bolt-mart-flagged.csv").write_text("edited by hand\n")
    rendered_by("edited", lambda: write_reports(db, None, out))
    return {"seen": seen, "out": out, "db": db, "tmp": tmp}


def test_the_first_audit_renders_every_report_file(steps):
    assert steps["seen"]["first"] == SUMMARY | ACME | BOLT


def test_an_unchanged_reaudit_renders_nothing_and_says_no_changes_since_the_first_run(steps):
    seen = steps["seen"]
    assert seen["unchanged"] == set()
    run1, run2 = seen["runs"]
    assert run1 != run2
    # Every file is still returned, and all but the HTML are the very bytes of the first run.
    before = seen["first_paths"]
    assert set(seen["again_bytes"]) == set(before)
    for kind, data in seen["again_bytes"].items():
        if not kind.endswith("html"):
            assert data == before[kind], kind
    html = seen["again_bytes"]["html"].decode("utf-8")
    banner = re.search(r'<div id="labelaudit-unchanged"[^>]*>(.*?)</div>', html)
    assert banner and f"No changes since run {run1}" in banner.group(1) and run2 in banner.group(1)
    assert html.count('id="labelaudit-unchanged"') == 1
    index = seen["index_after_unchanged"]
    assert {e["rendered_in"] for e in index.values()} == {run1}
    assert {e["run"] for e in index.values()} == {run2}


def test_a_waiver_rerenders_the_summary_and_its_retailers_report_only(steps):
    assert steps["seen"]["waiver"] == SUMMARY | ACME


def test_a_correction_rerenders_the_summary_and_its_retailers_report_only(steps):
    assert steps["seen"]["correction"] == SUMMARY | BOLT


def test_a_report_file_changed_by_hand_is_rendered_again(steps):
    assert steps["seen"]["edited"] == {"retailer-bolt-mart-flagged.csv"}
    assert "edited by hand" not in (steps["out"] / "retailer-bolt-mart-flagged.csv").read_text()


def test_a_rerendered_html_carries_no_stale_no_changes_banner(steps):
    # The summary was rendered again for the waiver and the correction: it is that run's report.
    assert 'id="labelaudit-unchanged"' not in (steps["out"] / "summary.html").read_text(encoding="utf-8")


def test_the_html_can_link_its_crops_from_a_folder_beside_it(steps, tmp_path):
    folder = tmp_path / "linked"
    paths = write_reports(steps["db"], None, folder, formats=["html"], self_contained=False)
    html = paths["html"].read_text(encoding="utf-8")
    linked = re.findall(r'src="(crops/[^"]+\.png)"', html)
    assert linked and "data:image/png;base64" not in html
    assert all((folder / src).is_file() for src in linked)
    mailed = steps["out"] / "summary.html"
    assert paths["html"].stat().st_size < mailed.stat().st_size


def test_charts_whose_data_a_waiver_leaves_alone_are_read_back_not_drawn(steps):
    # A waiver changes flags, not daily doses or K2/magnesium coverage: those charts come from the cache.
    assert steps["seen"]["charts_drawn_for_waiver"] == []
    assert list((steps["out"] / ".cache" / "charts").glob("dose-*.svg"))
