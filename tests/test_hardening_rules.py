"""Issue 22, item 4: rule SQL cannot change the warehouse or touch files; a rule that tries, or
that does not return what a flag needs, is exit 78 naming the rule."""
from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest

from labelaudit.cli import main
from tests.conftest import SAMPLE

FILES = ["kestrel-health/vitamin-d3.pdf", "kestrel-health/d3-k2.pdf"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, ruleset):
    from flows.pipeline import audit_catalog

    tmp = tmp_path_factory.mktemp("rules-hardening")
    for f in FILES:
        (tmp / "catalog" / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLE / f, tmp / "catalog" / f)
    db = tmp / "w.duckdb"
    audit_catalog(tmp / "catalog", db, ruleset, workers=1)
    return db


def _counts(db) -> tuple[int, int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM nutrients), "
                          "(SELECT count(*) FROM audit_runs)").fetchone()
        assert row is not None
        return row
    finally:
        con.close()


def _rule_config(tmp_path, sql: str, message: str = "x") -> str:
    cfg = tmp_path / "rule.toml"
    cfg.write_text(f'[rules.MY_RULE]\nseverity = "info"\nsql = """{sql}"""\nmessage = "{message}"\n', encoding="utf-8")
    return str(cfg)


@pytest.mark.parametrize("sql, says", [
    ("DELETE FROM products RETURNING product_key, product_id", "must be a SELECT query, not DELETE"),
    ("DROP TABLE products", "must be a SELECT query, not DROP"),
    ("SELECT product_key, product_id FROM products; DELETE FROM products", "one query"),
    ("COPY products TO '{tmp}/stolen.csv'", "not COPY"),
    ("ATTACH '{tmp}/other.duckdb' AS other", "not ATTACH"),
    ("INSTALL httpfs", "not LOAD"),
    # The parser calls these SELECTs: the read-only transaction and the file switch stop them.
    ("WITH gone AS (DELETE FROM products RETURNING product_key, product_id) SELECT * FROM gone",
     "tries to change the warehouse"),
    ("SELECT product_key, product_id, content FROM product_summary, read_text('{tmp}/secret.txt')",
     "reads a file or the network"),
    ("SELECT product_key, product_id FROM product_summary, read_csv('{tmp}/secret.txt')", "reads a file"),
    ("SELECT product_id FROM product_summary", "lacks product_key"),
    ("SELEC product_key, product_id FROM product_summary", "does not parse"),
    ("SELECT product_key, product_id FROM no_such_table", "no_such_table"),
])
def test_a_rule_that_is_not_a_read_only_query_is_exit_78_and_changes_nothing(warehouse, tmp_path, capsys, sql, says):
    (tmp_path / "secret.txt").write_text("password,hunter2\n")
    before = _counts(warehouse)
    cfg = _rule_config(tmp_path, sql.format(tmp=tmp_path))
    assert main(["reevaluate", "--db", str(warehouse), "--config", cfg]) == 78
    err = capsys.readouterr().err
    assert "MY_RULE" in err and says in err, err
    assert "hunter2" not in err
    assert _counts(warehouse) == before
    assert not (tmp_path / "stolen.csv").exists() and not (tmp_path / "other.duckdb").exists()


def test_the_same_rule_shape_that_reads_the_warehouse_still_works(warehouse, tmp_path, capsys):
    """The control for the test above: a plain query in the same config flags and exits 0."""
    cfg = _rule_config(tmp_path, "SELECT product_key, product_id, daily_d_mcg FROM product_summary "
                                 "WHERE daily_d_mcg > 0", "D {daily_d_mcg:g} mcg ({daily_d_iu:,.0f} IU)")
    assert main(["reevaluate", "--db", str(warehouse), "--config", cfg]) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM flagged_products WHERE rule_id = 'MY_RULE'").fetchone()[0]
    finally:
        con.close()
    assert n == len(FILES)


def test_a_message_naming_a_column_the_rule_does_not_return_is_caught_even_with_no_flags(warehouse, tmp_path, capsys):
    cfg = _rule_config(tmp_path, "SELECT product_key, product_id FROM product_summary WHERE false", "{dose_mcg:g}")
    assert main(["reevaluate", "--db", str(warehouse), "--config", cfg]) == 78
    assert "MY_RULE" in (err := capsys.readouterr().err) and "dose_mcg" in err


def test_a_dropping_rule_is_a_clear_exit_78_not_a_traceback(warehouse, tmp_path):
    cfg = _rule_config(tmp_path, "DROP TABLE products")
    out = subprocess.run([sys.executable, "-m", "labelaudit", "reevaluate", "--db", str(warehouse), "--config", cfg],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 78 and "Traceback" not in out.stderr and "MY_RULE" in out.stderr


def test_the_rules_connection_has_no_file_access_afterwards(ruleset, tmp_path):
    """evaluate() switches file access off for the connection it is given, and locks it off."""
    from rules import evaluate
    from warehouse.store import schema_sql

    (tmp_path / "f.txt").write_text("x")
    con = duckdb.connect()
    try:
        con.execute(schema_sql())
        assert con.execute(f"SELECT content FROM read_text('{tmp_path}/f.txt')").fetchone() == ("x",)
        evaluate(con, ruleset, "c")
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"SELECT content FROM read_text('{tmp_path}/f.txt')")
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute("SET allowed_directories = ['/']")
        con.execute("INSERT INTO daily_values VALUES ('x', 'current', 1.0, NULL)")  # the audit still writes its rows
    finally:
        con.close()


@pytest.mark.prefect
def test_an_audit_with_a_deleting_rule_is_exit_78_and_publishes_nothing(warehouse, tmp_path):
    """The issue's reproduction through `labelaudit audit`: it used to exit 0 with an empty catalog."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(warehouse, db)
    before = _counts(db)
    cfg = _rule_config(tmp_path, "DELETE FROM products RETURNING product_key, product_id")
    out = subprocess.run([sys.executable, "-m", "labelaudit", "audit", str(warehouse.parent / "catalog"), "--db",
                          str(db),
                          "--out", str(tmp_path / "reports"), "--config", cfg, "--quiet", "--workers", "1"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 78 and "MY_RULE" in out.stderr.splitlines()[-1], out.stderr[-2000:]
    assert _counts(db) == before
