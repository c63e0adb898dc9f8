"""The labelaudit command as a user runs it: exit codes, messages, outputs."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import SAMPLE

EXE = [sys.executable, "-m", "labelaudit"]


def run(*args, cwd=None, timeout=300):
    return subprocess.run([*EXE, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ})


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    root = tmp / "catalog"
    shutil.copytree(SAMPLE, root)
    out = run("audit", root, "--db", tmp / "w.duckdb", "--out", tmp / "reports", "--workers", "2")
    return tmp, root, out


@pytest.mark.prefect
def test_audit_exits_zero_and_says_where_things_are(audited, sample_truth):
    tmp, _root, out = audited
    assert out.returncode == 0, out.stderr[-3000:]
    assert "products flagged" in out.stdout
    assert f"warehouse: {(tmp / 'w.duckdb').resolve()}" in out.stdout
    assert "report (html)" in out.stdout
    assert "starting a temporary Prefect server" in out.stderr and "to read" in out.stderr
    flagged_truth = {t["file"] + f"#{t['page']}#{t['panel']}" for t in sample_truth if t.get("flags")}
    with open(tmp / "reports" / "summary-flagged.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    spec_rows = [r for r in rows if {"D3_HIGH_NO_K2", "D3_HIGH_NO_MG"} & set(r["rules"].split(";"))]
    assert len(spec_rows) == len(flagged_truth)
    assert all(r["reasons"] and r["rules"] for r in rows)


@pytest.mark.prefect
def test_sql_prints_a_table_and_refuses_writes(audited):
    tmp, _, _ = audited
    out = run("sql", "SELECT rule_id, count(*) AS n FROM flagged_products GROUP BY 1 ORDER BY 1", "--db",
              tmp / "w.duckdb")
    assert out.returncode == 0, out.stderr
    assert "D3_HIGH_NO_K2" in out.stdout and "D3_HIGH_NO_MG" in out.stdout
    out = run("sql", "DELETE FROM products", "--db", tmp / "w.duckdb")
    assert out.returncode == 2 and "read-only" in out.stderr
    out = run("sql", "SELECT * FROM no_such_table", "--db", tmp / "w.duckdb")
    assert out.returncode == 2 and "no_such_table" in out.stderr


def test_sql_without_a_warehouse_says_what_to_do(tmp_path):
    out = run("sql", "SELECT 1", "--db", tmp_path / "missing.duckdb")
    assert out.returncode == 2 and "labelaudit audit" in out.stderr


def test_extract_prints_panels_as_json():
    pdf = next(p for p in sorted((SAMPLE / "kestrel-health").glob("*.pdf")))
    out = run("extract", pdf)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["status"] == "ok" and data["panels"][0]["rows"]
    bad = run("extract", SAMPLE / "inbox" / "label-upload-0412.pdf")
    assert bad.returncode == 3 and json.loads(bad.stdout)["status"] == "error"


def test_audit_of_a_missing_catalog_fails_clearly(tmp_path):
    out = run("audit", tmp_path / "nope", "--db", tmp_path / "w.duckdb")
    assert out.returncode == 66 and "not a folder" in out.stderr


def test_audit_with_a_bad_config_fails_before_reading(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[params]\nhigh_dose_vitamin_d_mcg = 'x'\n")
    out = run("audit", SAMPLE, "--db", tmp_path / "w.duckdb", "--config", cfg, "--quiet")
    assert out.returncode == 78, out.stderr[-2000:]
    assert "must be a number" in out.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_rules_lists_and_explains():
    out = run("rules")
    assert out.returncode == 0 and "D3_HIGH_NO_K2" in out.stdout and "high_dose_vitamin_d_mcg=100" in out.stdout
    out = run("rules", "--explain", "D3_HIGH_NO_MG")
    assert out.returncode == 0 and "SELECT" in out.stdout and "magnesium" in out.stdout.lower()


def test_help_explains_commands_and_exit_codes():
    out = run("--help")
    assert out.returncode == 0
    for word in ("audit", "extract", "sql", "rules", "Exit codes"):
        assert word in out.stdout


def test_output_into_a_closed_pipe_ends_quietly():
    # `labelaudit extract FILE | head -c 0`: the reader is gone before the first byte is written.
    proc = subprocess.Popen([*EXE, "extract", SAMPLE / "catalogs" / "greenmart-catalog.pdf"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141  # 128 + SIGPIPE, what a shell shows for a C tool cut off by head
    assert "Traceback" not in err and "BrokenPipe" not in err, err
