"""labelaudit's public API: the names it exports, and that a program calling them gets what
the ``labelaudit`` command gives."""
from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest

import labelaudit
from labelaudit.cli import run_counts
from labelaudit.contracts.errors import ConfigError
from tests.conftest import ROOT, SAMPLE, query, warehouse_contents

# The API. A name added or removed here is a release-note change: edit this list on purpose.
PUBLIC_API = [
    "AuditResult",
    "AuditRun",
    "CatalogError",
    "ConfigError",
    "FileExtraction",
    "LabelAuditError",
    "PanelRecord",
    "RowRecord",
    "SchemaVersionError",
    "TerminalError",
    "TransientError",
    "WarehouseBusy",
    "__version__",
    "audit",
    "connect",
    "load_rules",
    "reevaluate",
    "reference",
]

CLI = [sys.executable, "-m", "labelaudit"]


def test_the_exported_names_are_pinned_and_each_resolves():
    assert labelaudit.__all__ == PUBLIC_API
    assert sorted(dir(labelaudit)) == sorted(PUBLIC_API)
    for name in PUBLIC_API:
        assert getattr(labelaudit, name) is not None, name
    for name in ("audit", "connect", "reevaluate", "load_rules"):
        fn = getattr(labelaudit, name)
        assert callable(fn) and fn.__doc__ and len(fn.__doc__) > 80, f"{name} needs a docstring"
    with pytest.raises(AttributeError):
        labelaudit.audit_catalog  # noqa: B018  (the old internal entry point is not API)


def test_reaching_the_api_loads_no_stage():
    # An embedding program pays for the stages when it calls, not when it looks the names up.
    code = ("import sys, labelaudit; labelaudit.audit, labelaudit.connect, labelaudit.reevaluate; "
            "print(sorted({m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    loaded = set(eval(out.stdout))
    assert loaded.isdisjoint({"extract", "warehouse", "rules", "reports", "flows", "duckdb", "pandas", "prefect"})


def test_a_bad_config_fails_before_prefect_is_imported(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[params]\nhigh_dose_vitamin_d_mcg = 'x'\n")
    code = ("import sys, labelaudit\n"
            "try:\n"
            f"    labelaudit.audit({str(SAMPLE)!r}, db={str(tmp_path / 'w.duckdb')!r}, config={str(bad)!r}, "
            "prefect=True)\n"
            "except labelaudit.ConfigError as e:\n"
            "    print('ConfigError', e)\n"
            "print('prefect' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.stdout.splitlines()[-1] == "False", out.stdout + out.stderr
    assert "ConfigError" in out.stdout and "must be a number" in out.stdout
    assert not (tmp_path / "w.duckdb").exists()

    cli = subprocess.run([*CLI, "audit", SAMPLE, "--db", tmp_path / "w.duckdb", "--config", bad],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert cli.returncode == 78 and "must be a number" in cli.stderr
    assert "Traceback" not in cli.stderr and "starting Prefect" not in cli.stderr, cli.stderr


def test_a_missing_catalog_is_a_catalog_error(tmp_path):
    with pytest.raises(labelaudit.CatalogError, match="not a folder"):
        labelaudit.audit(tmp_path / "nope", db=tmp_path / "w.duckdb")
    assert not (tmp_path / "w.duckdb").exists()


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The sample catalog audited by the command and, separately, through labelaudit.audit."""
    tmp = tmp_path_factory.mktemp("api")
    root = tmp / "catalog"
    shutil.copytree(SAMPLE, root)
    cli = subprocess.run([*CLI, "audit", root, "--db", tmp / "cli.duckdb", "--out", tmp / "cli-out",
                          "--workers", "2", "--quiet"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert cli.returncode == 0, cli.stderr[-3000:]
    lines: list[str] = []
    result = labelaudit.audit(root, db=tmp / "api.duckdb", out=tmp / "api-out", workers=2, progress=lines.append)
    return tmp, result, lines


RUN_COUNTS = ("SELECT kind, catalog, ruleset_version, rule_params, extractor_version, products, products_ok, "
              "products_not_ok, flags_high, flags_warning, flags_info, products_flagged, products_needing_review, "
              "products_waived, files_seen, files_read, files_reused FROM audit_runs ORDER BY finished_at")


@pytest.mark.prefect
def test_labelaudit_audit_builds_the_same_warehouse_as_the_cli(both):
    tmp, result, lines = both
    assert warehouse_contents(tmp / "api.duckdb") == warehouse_contents(tmp / "cli.duckdb")
    assert query(tmp / "api.duckdb", RUN_COUNTS) == query(tmp / "cli.duckdb", RUN_COUNTS)
    run = result.run
    assert isinstance(run, labelaudit.AuditRun) and run.files_read == run.files_seen > 0
    assert run.products_flagged > 0
    assert (run.audit_run_id,) in query(tmp / "api.duckdb", "SELECT audit_run_id FROM audit_runs")
    assert any("to read" in line for line in lines)
    assert sorted(p.name for p in (tmp / "api-out").iterdir()) == sorted(p.name for p in (tmp / "cli-out").iterdir())
    assert set(result.reports) >= {"html", "csv"} and all(p.exists() for p in result.reports.values())


@pytest.mark.prefect
def test_connect_is_read_only(both):
    tmp, result, _ = both
    with labelaudit.connect(tmp / "api.duckdb") as con:
        n = con.execute("SELECT count(*) FROM verdicts WHERE audit_run_id = ? AND verdict = 'flagged'",
                        [result.run.audit_run_id]).fetchone()
        assert n is not None and n[0] == result.run.products_flagged > 0
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM products")
    with pytest.raises(FileNotFoundError):
        labelaudit.connect(tmp / "missing.duckdb")


@pytest.mark.prefect
def test_reevaluate_matches_the_cli(both, tmp_path):
    tmp, result, _ = both
    stricter = tmp_path / "stricter.toml"
    stricter.write_text("[params]\nhigh_dose_vitamin_d_mcg = 25\n")
    runs = labelaudit.reevaluate(tmp / "api.duckdb", config=stricter)
    cli = subprocess.run([*CLI, "reevaluate", "--db", tmp / "cli.duckdb", "--config", stricter],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert [r.kind for r in runs] == ["reevaluate"]
    assert run_counts(runs[0]) in cli.stdout
    # A lower threshold flags more: the config reached the rules.
    assert runs[0].products_flagged > result.run.products_flagged
    assert query(tmp / "api.duckdb", RUN_COUNTS) == query(tmp / "cli.duckdb", RUN_COUNTS)
    assert warehouse_contents(tmp / "api.duckdb") == warehouse_contents(tmp / "cli.duckdb")
    with pytest.raises(LookupError):
        labelaudit.reevaluate(tmp / "api.duckdb", catalog=tmp / "never-audited")
    with pytest.raises(ConfigError):
        labelaudit.reevaluate(tmp / "api.duckdb", config=tmp_path / "missing.toml")
