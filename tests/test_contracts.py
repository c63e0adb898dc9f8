"""The shared contracts (labelaudit/contracts): one definition of each reference value, imported
from one place; one set of counts per run, whichever output says them; thresholds that move the
charts and the flags together."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from labelaudit.contracts import reference
from labelaudit.contracts.records import AuditRun, RowRecord

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "catalog"
STAGES = ["extract", "warehouse", "rules", "reports", "flows", "labelaudit/cli.py"]
CODE = (".py", ".sql", ".toml", ".j2")


def _stage_files():
    for stage in STAGES:
        path = REPO / stage
        for f in ([path] if path.is_file() else sorted(path.rglob("*"))):
            if f.suffix in CODE and "__pycache__" not in f.parts:
                yield f


# ---------------------------------------------------------------- one definition

def test_no_stage_repeats_the_iu_factor_or_a_daily_value_table():
    factor = rf"{reference.IU_PER_MCG_VITAMIN_D:g}(?:\.0*)?"
    # the factor in arithmetic ("* 40", "/ 40.0", "40 *") or given a name ("IU_PER_MCG = 40.0")
    arithmetic = re.compile(rf"[*/]\s*{factor}\b|\b{factor}\s*[*/]|^\s*\w+\s*=\s*{factor}\s*$")
    # a nutrient's value as a number: "vitamin_d": [(20.0, ... (Python) or vitamin_d = 20.0 (TOML)
    nutrients = "|".join(sorted({n for values in reference.DAILY_VALUES.values() for n in values} | set(reference.NRV)))
    table = re.compile(rf"[\"'](?:{nutrients})[\"']\s*:\s*[\[(]*\s*\d|^\s*(?:{nutrients})\s*=\s*\d")
    found = []
    for f in _stage_files():
        for i, line in enumerate(f.read_text("utf-8").splitlines(), 1):
            code = line.split("#")[0] if f.suffix in (".py", ".toml") else line
            if arithmetic.search(code) or table.search(code):
                found.append(f"{f.relative_to(REPO)}:{i}: {line.strip()}")
    assert found == [], "reference values belong in labelaudit/contracts/reference.toml:\n" + "\n".join(found)


def test_every_stage_converts_and_compares_with_the_shared_values(tmp_path):
    from extract.checks import DAILY_VALUES_CHECKED, _in, dv_consistent
    from rules.engine import load_daily_values, load_ruleset
    from warehouse.store import schema_sql
    from warehouse.units import canonical_amount

    iu = 5000.0
    amount, unit = canonical_amount("vitamin_d", RowRecord(label_text="Vitamin D3", amount=iu, unit="IU"))
    assert (amount, unit) == (iu / reference.IU_PER_MCG_VITAMIN_D, "mcg")
    dv = reference.DAILY_VALUES["current"]["vitamin_d"]
    assert dv_consistent("vitamin_d", dv, "mcg", 100.0) and not dv_consistent("vitamin_d", dv, "mcg", 150.0)
    # extraction checks a %DV in the unit the label printed it in (pre-2016: IU), the same value
    in_canonical = {n: [pytest.approx(_in(v, u, reference.CANONICAL_UNITS[n], n)) for v, u in dvs]
                    for n, dvs in DAILY_VALUES_CHECKED.items()}
    assert in_canonical == {n: [reference.DAILY_VALUES["current"][n], reference.DAILY_VALUES["pre2016"][n]]
                            for n in reference.KEY_NUTRIENTS}
    assert DAILY_VALUES_CHECKED["vitamin_d"][1] == (
        reference.DAILY_VALUES["pre2016"]["vitamin_d"] * reference.IU_PER_MCG_VITAMIN_D, "IU")

    con = duckdb.connect()
    con.execute(schema_sql())
    load_daily_values(con)
    rows = {(n, b): a for n, b, a in con.execute("SELECT nutrient, basis, amount FROM daily_values").fetchall()}
    assert rows == {(n, b): a for n, b, a in reference.daily_values_rows()}

    params = load_ruleset().params
    assert params["high_dose_vitamin_d_mcg"] == reference.UPPER_LIMITS["vitamin_d_adult_mcg"]
    assert params["noael_vitamin_d_mcg"] == reference.UPPER_LIMITS["vitamin_d_noael_mcg"]


def test_importing_the_contracts_imports_no_stage():
    code = ("import sys, labelaudit, labelaudit.contracts.errors, labelaudit.contracts.records, "
            "labelaudit.contracts.reference; labelaudit.AuditRun; labelaudit.reference.NRV; "
            "print(sorted({m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(eval(out))  # our own print of a list of names
    assert loaded.isdisjoint({"extract", "warehouse", "rules", "reports", "flows", "duckdb", "pandas", "prefect"})


# ---------------------------------------------------------------- one set of counts

@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    from flows.pipeline import audit_catalog
    from rules import load_ruleset

    tmp = tmp_path_factory.mktemp("contracts")
    root = tmp / "catalog"
    shutil.copytree(SAMPLE, root)
    db = tmp / "w.duckdb"
    run, _ = audit_catalog(root, db, load_ruleset(), workers=2)
    return db, run


def _ints(text: str, pattern: str) -> int:
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not in {text!r}"
    return int(m.group(1))


def test_every_output_gives_the_same_counts(audited):
    from labelaudit.cli import run_counts
    from reports.data import load_report_data
    from reports.render import summary_markdown

    db, run = audited
    assert isinstance(run, AuditRun)
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute("SELECT * FROM audit_runs WHERE audit_run_id = ?", [run.audit_run_id])
        stored = dict(zip([c[0] for c in cur.description], cur.fetchall()[0], strict=True))
        verdicts = dict(con.execute("SELECT verdict, count(*) FROM verdicts WHERE audit_run_id = ? GROUP BY 1",
                                    [run.audit_run_id]).fetchall())
        flags = dict(con.execute(
            "SELECT severity, count(*) FROM flags WHERE audit_run_id = ? AND NOT waived GROUP BY 1",
            [run.audit_run_id]).fetchall())
        flagged_verdicts = {k for (k,) in con.execute(
            "SELECT product_key FROM verdicts WHERE audit_run_id = ? AND verdict = 'flagged'",
            [run.audit_run_id]).fetchall()}
        data = load_report_data(con, run.audit_run_id)
    finally:
        con.close()
    # The sample catalog has products whose only flags are information: counting products with any
    # flag as flagged would differ from the verdicts, so this catalog tells the two apart.
    assert run.flags_info > 0 and data.noted

    counts = {"flagged": run.products_flagged, "review": run.products_needing_review, "pass": run.products_passed,
              "high": run.flags_high, "warning": run.flags_warning, "info": run.flags_info}
    assert {k: stored[k] for k in run.as_row() if k.startswith(("products", "flags"))} == \
        {k: v for k, v in run.as_row().items() if k.startswith(("products", "flags"))}
    assert counts == {"flagged": verdicts.get("flagged", 0), "review": verdicts.get("needs_review", 0),
                      "pass": verdicts.get("pass", 0), "high": flags.get("high", 0),
                      "warning": flags.get("warning", 0), "info": flags.get("info", 0)}

    h = data.headline
    assert {"flagged": h["flagged"], "review": h["needs_review"], "pass": h["passed"],
            **h["flags_by_severity"]} == counts
    assert (h["products"], h["files_not_read"]) == (run.products_ok, run.products_not_ok)
    assert {p.product_key for p in data.flagged} == flagged_verdicts

    cli = run_counts(run)
    assert {"flagged": _ints(cli, r"(\d+) products flagged"), "review": _ints(cli, r"(\d+) products need review"),
            "pass": _ints(cli, r"(\d+) products pass"), "high": _ints(cli, r"flags: (\d+) high"),
            "warning": _ints(cli, r"(\d+) warning"), "info": _ints(cli, r"(\d+) info")} == counts

    art = summary_markdown({}, db, run.audit_run_id)
    md = art["markdown"]
    assert {"flagged": _ints(md, r"\*\*(\d+)\*\* products flagged"),
            "review": _ints(md, r"\*\*(\d+)\*\* products needing review"), "pass": _ints(md, r"(\d+) products pass"),
            "high": _ints(md, r"Flags: (\d+) high"), "warning": _ints(md, r"Flags: \d+ high, (\d+) warning"),
            "info": _ints(md, r"(\d+) info")} == counts
    assert len(art["table"]) == run.products_flagged


# ---------------------------------------------------------------- thresholds

def _coverage_and_flags(db: Path, run_id: str):
    from reports.data import load_report_data
    from reports.render import _charts

    con = duckdb.connect(str(db), read_only=True)
    try:
        data = load_report_data(con, run_id)
        by_rule: dict[str, set[str]] = {}
        for key, rule in con.execute("SELECT product_key, rule_id FROM flags WHERE audit_run_id = ?",
                                     [run_id]).fetchall():
            by_rule.setdefault(rule, set()).add(key)
    finally:
        con.close()
    return data, by_rule, _charts(data)["dose"]


def test_a_changed_threshold_moves_the_charts_and_the_flags_together(audited, tmp_path):
    from flows.pipeline import reevaluate
    from reports.charts import threshold_label
    from rules import load_ruleset

    db, run = audited
    before, flags_before, chart_before = _coverage_and_flags(db, run.audit_run_id)
    name = before.param_names["high_dose_vitamin_d_mcg"]
    doses = sorted({p.daily_d_mcg for p in before.flagged + before.noted
                    if {"D3_HIGH_NO_K2", "D3_HIGH_NO_MG"} & set(p.rule_ids)})
    assert len(doses) >= 2, "the sample catalog needs high-dose products at two doses at least"
    new = doses[1]  # the lowest high dose falls below it; "at or above" keeps the next one in
    cfg = tmp_path / "stricter.toml"
    cfg.write_text(f"[params]\nhigh_dose_vitamin_d_mcg = {new!r}\n")
    (rerun,) = reevaluate(db, load_ruleset(cfg))
    after, flags_after, chart_after = _coverage_and_flags(db, rerun.audit_run_id)

    for data, by_rule in ((before, flags_before), (after, flags_after)):
        no_k2, no_mg = by_rule.get("D3_HIGH_NO_K2", set()), by_rule.get("D3_HIGH_NO_MG", set())
        # The coverage chart (the reports) and the flags (the rules) say the same about every product.
        assert data.high_dose["neither"] == len(no_k2 & no_mg)
        assert data.high_dose["K2 only"] == len(no_mg - no_k2)
        assert data.high_dose["magnesium only"] == len(no_k2 - no_mg)
        high = {p.product_key for p in data.flagged + data.noted if p.high_dose}
        assert no_k2 | no_mg <= high
    assert after.headline["high_dose"] < before.headline["high_dose"]
    assert flags_after.get("D3_HIGH_NO_K2", set()) | flags_after.get("D3_HIGH_NO_MG", set()) < \
        flags_before.get("D3_HIGH_NO_K2", set()) | flags_before.get("D3_HIGH_NO_MG", set())

    old = before.params["high_dose_vitamin_d_mcg"]
    assert threshold_label(old, name) in chart_before and threshold_label(old, name) not in chart_after
    assert threshold_label(new, name) in chart_after and threshold_label(new, name) not in chart_before
    assert all(f"{new * reference.IU_PER_MCG_VITAMIN_D:,.0f} IU {name}" in p.reason
               for p in after.flagged if {"D3_HIGH_NO_K2", "D3_HIGH_NO_MG"} & set(p.rule_ids))
