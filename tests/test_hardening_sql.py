"""Issue 22, item 5: `labelaudit sql` reads the warehouse and nothing else unless --allow-files.

Every case runs the real command in its own process: DuckDB refuses to open one file twice in a
process with different configurations, and the command opens it with file access off."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from tests.conftest import SAMPLE

SECRET = "hunter2-not-for-sql"


def sql(db, query, *flags):
    return subprocess.run([sys.executable, "-m", "labelaudit", "sql", query, "--db", str(db), *flags],
                          capture_output=True, text=True, timeout=120, env={**os.environ})


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, ruleset):
    from flows.pipeline import audit_catalog

    tmp = tmp_path_factory.mktemp("sql-hardening")
    (tmp / "catalog").mkdir()
    shutil.copyfile(SAMPLE / "kestrel-health/vitamin-d3.pdf", tmp / "catalog" / "vitamin-d3.pdf")
    db = tmp / "w.duckdb"
    audit_catalog(tmp / "catalog", db, ruleset, workers=1)
    return db


@pytest.fixture
def other(warehouse, tmp_path):
    """Another team's warehouse, and a file the query must not read."""
    path = tmp_path / "other.duckdb"
    shutil.copyfile(warehouse, path)
    (tmp_path / "secret.txt").write_text(SECRET)
    (tmp_path / "secret.csv").write_text(f"password\n{SECRET}\n")
    return path


def products_in(db) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT count(*) FROM products").fetchone()
        assert row is not None
        return row[0]
    finally:
        con.close()


def refused(out) -> bool:
    return out.returncode == 2 and "--allow-files" in out.stderr and "Traceback" not in out.stderr


def test_copy_to_a_file_writes_nothing(warehouse, tmp_path):
    target = tmp_path / "dump.csv"
    assert refused(sql(warehouse, f"COPY (SELECT * FROM products) TO '{target}'"))
    assert not target.exists()
    assert sql(warehouse, f"COPY (SELECT * FROM products) TO '{target}'", "--allow-files").returncode == 0
    assert target.exists()  # the same statement does write when asked to: the refusal is what stopped it


def test_export_database_writes_nothing(warehouse, tmp_path):
    assert refused(sql(warehouse, f"EXPORT DATABASE '{tmp_path / 'exp'}'"))
    assert not (tmp_path / "exp").exists()


def test_attach_read_write_cannot_delete_rows_of_another_warehouse(warehouse, other):
    n = products_in(other)
    attack = f"ATTACH '{other}' AS o (READ_WRITE); DELETE FROM o.products"
    assert refused(sql(warehouse, attack))
    assert refused(sql(warehouse, attack, "--write"))  # --write is about this warehouse only
    assert products_in(other) == n > 0
    assert sql(warehouse, attack, "--allow-files").returncode == 0
    assert products_in(other) == 0  # the control: the attack was real


def test_copy_onto_another_warehouse_leaves_it_intact(warehouse, other):
    n = products_in(other)
    assert refused(sql(warehouse, f"COPY products TO '{other}' (FORMAT csv)"))
    assert products_in(other) == n > 0


@pytest.mark.parametrize("query", [
    "SELECT content FROM read_text('{secret}')",
    "SELECT * FROM read_csv('{secret}', header = false)",
    "SELECT * FROM '{dir}/secret.csv'",  # a replacement scan: no function named
    "SELECT * FROM glob('{dir}/*')",
    "SELECT content FROM read_text('/etc/shadow')",
])
def test_reading_files_outside_the_warehouse_is_refused(warehouse, other, query):
    q = query.format(secret=other.parent / "secret.txt", dir=other.parent)
    out = sql(warehouse, q)
    assert refused(out) and SECRET not in out.stdout and "disabled by configuration" in out.stderr, out.stderr
    if "secret" in query:
        allowed = sql(warehouse, q, "--allow-files")
        assert allowed.returncode == 0 and SECRET in allowed.stdout, allowed.stderr


@pytest.mark.parametrize("query", ["INSTALL httpfs", "LOAD httpfs", "SELECT * FROM read_csv('https://example.com/x.csv')"])
def test_extensions_and_the_network_are_refused(warehouse, query):
    assert refused(sql(warehouse, query))


# (SET enable_external_access = true is refused by DuckDB itself once the database is running.)
@pytest.mark.parametrize("query", [
    "SET lock_configuration = false",
    "RESET lock_configuration",
    "SET allowed_directories = ['/']",
    "SET profiling_output = '{tmp}/profile.txt'",  # would write the file on the next query
])
def test_the_query_cannot_switch_the_protections_off(warehouse, tmp_path, query):
    q = query.format(tmp=tmp_path)
    assert refused(sql(warehouse, q))
    assert sql(warehouse, q, "--allow-files").returncode == 0  # the control: only the lock refused it


def test_queries_and_writes_to_the_warehouse_still_work(warehouse, tmp_path):
    out = sql(warehouse, "SELECT count(*) AS n FROM products", "--csv")
    assert out.returncode == 0 and out.stdout.split() == ["n", "1"], out.stderr
    out = sql(warehouse, "DELETE FROM waivers")
    assert out.returncode == 2 and "read-only" in out.stderr
    copy = tmp_path / "mine.duckdb"
    shutil.copyfile(warehouse, copy)
    assert sql(copy, "CREATE TABLE notes AS SELECT 1 AS x", "--write").returncode == 0
    assert sql(copy, "SELECT x FROM notes", "--csv").stdout.split() == ["x", "1"]
