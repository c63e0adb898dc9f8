"""Schema versions: a warehouse written before versioning (the 3a9f3f8 fixture) opens,
upgrades and keeps its runs, waivers and history; a newer one is refused; a failed
migration leaves the file as it was."""
from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import flows.run
from flows.pipeline import audit_catalog, reevaluate
from labelaudit import cli
from labelaudit.contracts.errors import SchemaVersionError
from tests.conftest import SAMPLE
from warehouse import migrations
from warehouse.store import connect_read_only, prepare, staged_write

FIXTURE = Path(__file__).parent / "fixtures" / "warehouse" / "v1-3a9f3f8.duckdb.gz"
FIXTURE_CATALOG = "/tmp/labelaudit-fixture/catalog"  # where it was audited (fixture README)
TABLES = ("audit_runs", "waivers", "product_versions", "products", "flags", "verdicts", "nutrients",
          "label_versions", "daily_values")
PER_CATALOG = ("audit_runs", "waivers", "product_versions", "products", "flags", "verdicts")


@pytest.fixture
def v1(tmp_path) -> Path:
    db = tmp_path / "v1.duckdb"
    with gzip.open(FIXTURE) as src, open(db, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return db


def sha(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def version(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return migrations.version_of(con)
    finally:
        con.close()


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def v1_columns(db: Path) -> dict[str, str]:
    """Each table's column list as the fixture has it: later migrations may add columns,
    and what must survive is every value the old warehouse held."""
    found: dict[str, list[str]] = {}
    for t, c in rows(db, "SELECT table_name, column_name FROM duckdb_columns() ORDER BY table_name, column_index"):
        found.setdefault(t, []).append(f'"{c}"')
    return {t: ", ".join(cols) for t, cols in found.items()}


def snapshot(db: Path, cols: dict[str, str], tables=TABLES, where: str = "true") -> dict[str, list[tuple]]:
    return {t: sorted(rows(db, f"SELECT {cols[t]} FROM {t} WHERE {where}"), key=repr) for t in tables}


def layout(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every table's columns in order, with types and defaults, and its constraints."""
    cols = con.execute(
        "SELECT table_name, column_name, data_type, column_default FROM duckdb_columns() "
        "WHERE database_name = current_database() ORDER BY table_name, column_index").fetchall()
    keys = con.execute(
        "SELECT table_name, constraint_type, constraint_column_names FROM duckdb_constraints() "
        "WHERE database_name = current_database() ORDER BY ALL").fetchall()
    out: dict[str, list[tuple]] = {}
    for t, *rest in cols + keys:
        out.setdefault(t, []).append(tuple(rest))
    return out


def sorted_tables_layout(con) -> dict[str, list[tuple]]:
    views = {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE database_name = current_database()").fetchall()}
    return {t: v for t, v in layout(con).items() if t not in views}


def test_the_fixture_is_a_version_1_warehouse_with_history(v1):
    # The fixture is what the other tests lean on: if it were regenerated with schema_info
    # or without its waiver and removed product, they would pass without testing anything.
    assert version(v1) == 1
    assert rows(v1, "SELECT kind, count(*) FROM audit_runs GROUP BY 1 ORDER BY 1") == [
        ("audit", 2), ("reevaluate", 1), ("waiver", 1)]
    assert rows(v1, "SELECT waiver_id, product_key, rule_id FROM waivers") == [
        ("w-bee9cb405e", "KH-71859", "D3_HIGH_NO_K2")]
    assert rows(v1, "SELECT product_key FROM product_versions WHERE removed_in_run IS NOT NULL") == [
        ("inbox/d3-k2-mk-7.pdf",)]


def test_the_fixture_reads_read_only_without_an_upgrade(v1, capsys):
    before = sha(v1)
    con = connect_read_only(v1)
    try:
        assert con.execute("SELECT count(*) FROM flagged_products").fetchall()[0][0] == 28
    finally:
        con.close()
    assert cli.main(["waivers", "--db", str(v1)]) == 0
    assert "w-bee9cb405e" in capsys.readouterr().out
    assert sha(v1) == before and version(v1) == 1


def test_upgrade_keeps_every_row_and_stamps_the_version(v1, capsys):
    cols = v1_columns(v1)
    before = snapshot(v1, cols)
    assert cli.main(["upgrade", "--db", str(v1)]) == 0
    assert f"version 1 -> {migrations.CURRENT_VERSION}" in capsys.readouterr().out
    assert snapshot(v1, cols) == before
    assert version(v1) == migrations.CURRENT_VERSION
    steps = rows(v1, "SELECT version, migration FROM schema_info ORDER BY version")
    assert steps == [(m.version, m.name) for m in migrations.MIGRATIONS]
    upgraded = sha(v1)
    assert cli.main(["upgrade", "--db", str(v1)]) == 0
    assert "already current" in capsys.readouterr().out
    assert sha(v1) == upgraded  # nothing to do: the file is not rewritten


def test_reevaluate_upgrades_it_and_the_old_waiver_still_holds(v1, ruleset):
    cols = v1_columns(v1)
    runs_before = rows(v1, f"SELECT {cols['audit_runs']} FROM audit_runs ORDER BY audit_run_id")
    history = rows(v1, f"SELECT {cols['product_versions']} FROM product_versions ORDER BY ALL")
    [run] = reevaluate(v1, ruleset)
    assert version(v1) == migrations.CURRENT_VERSION
    assert rows(v1, f"SELECT {cols['audit_runs']} FROM audit_runs WHERE audit_run_id <> '{run['audit_run_id']}' "
                    "ORDER BY audit_run_id") == runs_before
    assert rows(v1, f"SELECT {cols['product_versions']} FROM product_versions ORDER BY ALL") == history
    assert run["catalog"] == FIXTURE_CATALOG and run["products_waived"] == 1
    assert rows(v1, f"SELECT product_key, rule_id, waiver_id FROM flags WHERE audit_run_id = '{run['audit_run_id']}' "
                    "AND waived") == [("KH-71859", "D3_HIGH_NO_K2", "w-bee9cb405e")]


def test_an_audit_upgrades_it_and_keeps_the_other_catalogs_history(v1, tmp_path, ruleset):
    root = tmp_path / "small"
    (root / "kestrel-health").mkdir(parents=True)
    shutil.copy(SAMPLE / "kestrel-health" / "vitamin-d3.pdf", root / "kestrel-health")
    cols = v1_columns(v1)
    mine = f"catalog = '{FIXTURE_CATALOG}'"
    labels = "SELECT DISTINCT product_id FROM label_versions"
    before, read = snapshot(v1, cols, PER_CATALOG, mine), set(rows(v1, labels))
    run, _ = audit_catalog(root, v1, ruleset, workers=1)
    assert version(v1) == migrations.CURRENT_VERSION
    assert run["products"] == 1 and run["catalog"] != FIXTURE_CATALOG
    assert snapshot(v1, cols, PER_CATALOG, mine) == before
    assert read <= set(rows(v1, labels))


def test_migrations_alone_bring_version_1_to_the_layout_of_a_new_warehouse(v1, tmp_path):
    # schema.sql runs after the migrations and would paper over a migration a branch
    # forgot; the layouts are compared without it. Column order matters too: inserts
    # such as `INSERT INTO waivers VALUES (...)` are positional.
    con = duckdb.connect(str(v1))
    try:
        migrations.apply_pending(con, migrations.version_of(con))
        upgraded = sorted_tables_layout(con)
    finally:
        con.close()
    new = duckdb.connect(str(tmp_path / "new.duckdb"))
    try:
        prepare(new, tmp_path / "new.duckdb")
        fresh = sorted_tables_layout(new)
        fresh_views = new.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
    finally:
        new.close()
    assert upgraded == fresh
    assert "schema_info" in fresh
    assert upgraded["schema_info"] == fresh["schema_info"]
    # ... and the views schema.sql defines are all there after the full upgrade.
    cli.main(["upgrade", "--db", str(v1)])
    assert rows(v1, "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1") == fresh_views


def test_a_new_warehouse_starts_at_the_current_version(tmp_path):
    db = tmp_path / "new.duckdb"
    with staged_write(db):
        pass
    assert rows(db, "SELECT version, migration FROM schema_info") == [(migrations.CURRENT_VERSION, "schema.sql")]


def _future(tmp_path) -> Path:
    db = tmp_path / "future.duckdb"
    with staged_write(db) as con:
        con.execute("INSERT INTO schema_info VALUES (?, now(), '0999_from_the_future.sql', '9.9')",
                    [migrations.CURRENT_VERSION + 1])
    return db


def test_a_warehouse_newer_than_the_code_is_refused_and_left_as_it_was(tmp_path, ruleset, monkeypatch, capsys):
    db = _future(tmp_path)
    before = sha(db)
    newer = f"schema version {migrations.CURRENT_VERSION + 1}, newer than this labelaudit writes"
    with pytest.raises(SchemaVersionError, match=newer), staged_write(db):
        pass
    with pytest.raises(SchemaVersionError, match=newer):
        reevaluate(db, ruleset)

    # An audit refuses before reading a single PDF.
    def no_extraction(*a, **k):
        raise AssertionError("extraction started on a warehouse the audit cannot write")

    monkeypatch.setattr(flows.run, "extractor", no_extraction)
    with pytest.raises(SchemaVersionError, match=newer):
        audit_catalog(SAMPLE, db, ruleset, workers=1)

    assert cli.main(["upgrade", "--db", str(db)]) == SchemaVersionError.exit_code == 2
    assert newer in capsys.readouterr().err
    assert sha(db) == before
    assert not list(tmp_path.glob(".*staging*"))
    con = connect_read_only(db)  # reading a newer warehouse still works
    con.close()


def test_a_failing_migration_leaves_the_file_as_it_was(v1, ruleset, monkeypatch):
    def deletes_then_fails(con):
        con.execute("DELETE FROM waivers")
        con.execute("ALTER TABLE flags DROP COLUMN waived")
        con.execute("SELECT no_such_function()")

    broken = migrations.Migration(migrations.CURRENT_VERSION + 1, "9999_broken.py", deletes_then_fails)
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, broken])
    monkeypatch.setattr(migrations, "CURRENT_VERSION", broken.version)
    before = sha(v1)
    with pytest.raises(duckdb.Error, match="no_such_function"):
        reevaluate(v1, ruleset)
    assert sha(v1) == before
    assert version(v1) == 1 and len(rows(v1, "SELECT * FROM waivers")) == 1
    assert not list(v1.parent.glob(".*staging*"))


def test_a_warehouse_older_than_readers_accept_says_what_to_run(v1, monkeypatch, capsys):
    monkeypatch.setattr(migrations, "OLDEST_READABLE", 2)
    with pytest.raises(SchemaVersionError, match=rf"run `labelaudit upgrade --db {v1}`"):
        connect_read_only(v1)
    assert cli.main(["sql", "--db", str(v1), "SELECT count(*) FROM audit_runs"]) == 2
    assert "labelaudit upgrade" in capsys.readouterr().err
    assert cli.main(["upgrade", "--db", str(v1)]) == 0
    capsys.readouterr()
    assert cli.main(["sql", "--db", str(v1), "--csv", "SELECT count(*) FROM audit_runs"]) == 0
    assert capsys.readouterr().out.split() == ["count_star()", "4"]


def test_an_audit_upgrades_a_warehouse_too_old_to_read(v1, tmp_path, ruleset, monkeypatch):
    # The audit reads the old warehouse (which labels it knows) before its staged write
    # migrates it: that read must not send the user off to run `labelaudit upgrade`.
    monkeypatch.setattr(migrations, "OLDEST_READABLE", 2)
    root = tmp_path / "small"
    root.mkdir()
    shutil.copy(SAMPLE / "kestrel-health" / "vitamin-d3.pdf", root)
    run, _ = audit_catalog(root, v1, ruleset, workers=1)
    assert run["products"] == 1 and version(v1) == migrations.CURRENT_VERSION
    connect_read_only(v1).close()


def test_the_upgraded_fixture_opens_in_the_duckdb_shell(v1):
    cli.main(["upgrade", "--db", str(v1)])
    shell = Path(sys.executable).with_name("duckdb")
    assert shell.exists(), "duckdb-cli (the dev extra) provides the duckdb shell"
    out = subprocess.run(
        [str(shell), "-readonly", "-csv", "-noheader", str(v1), "-c",
         "SELECT max(version) FROM schema_info; SELECT count(*) FROM flagged_products;"],
        capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(migrations.CURRENT_VERSION), "28"]


def test_migration_numbers_must_run_from_2_without_gaps_or_duplicates(tmp_path):
    assert [m.version for m in migrations.MIGRATIONS] == list(range(2, migrations.CURRENT_VERSION + 1))
    for names in (["0002_a.sql", "0002_b.sql"], ["0002_a.sql", "0004_b.sql"], ["0003_a.sql"]):
        folder = tmp_path / "-".join(names)
        folder.mkdir()
        for n in names:
            (folder / n).write_text("SELECT 1;")
        with pytest.raises(RuntimeError, match="numbered 0002, 0003"):
            migrations.discover(folder)


def test_a_python_migration_runs_its_upgrade_function(tmp_path, monkeypatch):
    pkg = tmp_path / "fake_migrations"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "0002_first.sql").write_text("CREATE TABLE a (x INTEGER);")
    (pkg / "0003_backfill.py").write_text(
        "def upgrade(con):\n    con.execute('INSERT INTO a SELECT range FROM range(3)')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = migrations.discover(pkg, package="fake_migrations")
    assert [(m.version, m.name) for m in found] == [(2, "0002_first.sql"), (3, "0003_backfill.py")]
    con = duckdb.connect()
    for m in found:
        m.apply(con)
    assert con.execute("SELECT sum(x) FROM a").fetchall() == [(3,)]
