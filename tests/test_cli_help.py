"""The command as a Unix tool: --help tells every relation `sql` can query and every exit
code; `sql` tables wrap at word boundaries to the terminal."""
from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from labelaudit.cli import EXIT_CODES
from labelaudit.contracts.errors import LabelAuditError
from labelaudit.terminal import TABLES, VIEWS, format_table
from tests.conftest import ROOT

CLI = [sys.executable, "-m", "labelaudit"]
MESSAGE = ("Vitamin D3 at 125 mcg a day (5,000 IU) with no vitamin K2 declared: high-dose D3 raises calcium "
           "absorption, and K2 activates the proteins that keep calcium in bone")


def run(*args, env=None):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """A warehouse as the code creates it, with one flag whose message is long."""
    from warehouse.store import staged_write

    db = tmp_path_factory.mktemp("help") / "w.duckdb"
    with staged_write(db) as con:
        con.execute("INSERT INTO flags (audit_run_id, catalog, product_key, rule_id, severity, message) VALUES "
                    "('r1', 'c', 'kestrel/d3-5000.pdf#1#1', 'D3_HIGH_NO_K2', 'high', ?), "
                    "('r1', 'c', 'kestrel/d3-1000.pdf#1#1', 'D_UNIT_MISMATCH', 'warning', 'short')", [MESSAGE])
    return db


def test_sql_help_lists_every_table_and_view_of_a_real_warehouse(warehouse):
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    found = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables "
                             "WHERE table_schema = 'main'").fetchall())
    con.close()
    assert {n for n, t in found.items() if t == "BASE TABLE"} == set(TABLES)
    assert {n for n, t in found.items() if t == "VIEW"} == set(VIEWS)
    out = run("sql", "--help")
    assert out.returncode == 0
    listed = {line.split()[0] for line in out.stdout.splitlines() if line.startswith("  ") and line.split()}
    assert set(found) <= listed


def _codes_the_command_returns() -> set[int]:
    """Every literal `return N` in the CLI's source, every exit_code of the error tree, and the
    exit an uncaught exception gives."""
    import extract.errors  # noqa: F401  (their subclasses join the tree)
    import flows.executor  # noqa: F401

    tree = ast.parse((ROOT / "labelaudit" / "cli.py").read_text())
    codes = {1}
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and node.value is not None:
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, int):
                codes.add(node.value.value)
            elif isinstance(node.value, ast.BinOp):  # 128 + signal.SIGPIPE
                codes.add(141)
            elif isinstance(node.value, ast.IfExp):
                codes |= {n.value for n in (node.value.body, node.value.orelse)
                          if isinstance(n, ast.Constant) and isinstance(n.value, int)}
    todo: list[type[LabelAuditError]] = [LabelAuditError]
    while todo:
        cls = todo.pop()
        codes.add(cls.exit_code)
        todo += cls.__subclasses__()
    return codes


def test_help_lists_every_exit_code_the_command_can_return():
    codes = _codes_the_command_returns()
    assert {0, 2, 3, 66, 75, 78, 130, 141} <= codes  # the walk above found what it should
    assert codes <= set(EXIT_CODES), f"undocumented exit codes: {codes - set(EXIT_CODES)}"
    out = run("--help")
    assert out.returncode == 0
    listed = {int(line.split()[0]) for line in out.stdout.split("Exit codes:")[1].splitlines() if line.strip()}
    assert listed == set(EXIT_CODES)


def test_tables_wrap_at_word_boundaries_within_the_width():
    text = format_table(["product_key", "severity", "message"],
                        [("kestrel/d3-5000.pdf#1#1", "high", MESSAGE), ("b", "info", None)], width=70)
    lines = text.splitlines()
    assert max(map(len, lines)) <= 70
    assert len(lines) > 4  # the message did wrap
    message_column = [line.split(" | ")[2].strip() for line in lines[2:] if line.count(" | ") == 2]
    # Joined back, the wrapped pieces are the message: no word was cut or lost.
    assert " ".join(p for p in message_column if p != "NULL") == MESSAGE
    assert "NULL" in text


def test_number_columns_align_right():
    text = format_table(["rule_id", "n"], [("D3_HIGH_NO_K2", 12), ("MG_OVER_UL", 3)], width=80)
    assert text.splitlines()[3].endswith(" 3") and text.splitlines()[2].endswith("12")


def test_sql_prints_a_wrapped_table_to_the_terminal_width(warehouse):
    out = run("sql", "SELECT product_key, rule_id, message FROM flags ORDER BY rule_id", "--db", warehouse,
              env={"COLUMNS": "64"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert max(map(len, lines)) <= 64
    words = out.stdout.replace("|", " ").split()
    assert all(word in words for word in MESSAGE.split())
    out = run("sql", "SELECT * FROM flags", "--db", warehouse, "--max-rows", "1")
    assert out.returncode == 0 and "the first 1 rows" in out.stdout


def test_numbers_keep_their_digits():
    text = format_table(["mcg"], [(1234567.0,), (0.1 + 0.2,), (125.5,)], width=80)
    assert "1234567" in text and "e+" not in text  # not 1.23457e+06
    assert "0.3\n" in text + "\n" and " 125.5" in text
