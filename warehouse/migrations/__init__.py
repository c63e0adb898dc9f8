"""Schema versions of the warehouse, and the migrations that carry an older one forward.

A warehouse records its schema version in ``schema_info`` (one row per step applied;
the highest ``version`` counts). Version 1 is every warehouse written before versioning
existed: labelaudit tables, no ``schema_info``. Version N (N >= 2) is what the migration
file numbered N produces: ``0002_schema_info.sql`` brings any version-1 warehouse to the
layout of 3a9f3f8 and adds ``schema_info``.

Opening a warehouse for writing (``warehouse.store.staged_write``) applies the migrations
it lacks, in order, to the private staging copy, then runs ``schema.sql`` (which recreates
the views) and publishes; a migration that fails leaves the published file as it was.
A new warehouse is built from ``schema.sql`` alone and stamped with the current version.

Adding a migration (one file, plus schema.sql):

1. Change ``warehouse/schema.sql`` so that a *new* warehouse gets the new layout: a new
   table, a column at the end of its ``CREATE TABLE`` (or an ``ALTER TABLE ... ADD COLUMN
   IF NOT EXISTS`` line), a view.
2. Add ``warehouse/migrations/NNNN_what_it_does.sql``, NNNN being the highest number here
   plus one, that turns a warehouse of version NNNN-1 into that layout: ``CREATE TABLE IF
   NOT EXISTS``, ``ALTER TABLE ... ADD COLUMN IF NOT EXISTS``, ``UPDATE`` to backfill, and
   ``DROP VIEW IF EXISTS`` for a view schema.sql no longer defines. Where SQL is not
   enough, ``NNNN_what_it_does.py`` with ``def upgrade(con)`` (``con`` is a DuckDB
   connection whose default database is the staging copy). Write it against version
   NNNN-1's layout and keep it safe to run twice. Never edit a migration that has been
   merged: add another one.
3. If readers (``labelaudit sql``, ``waivers``, reports) cannot work on version NNNN-1,
   raise ``OLDEST_READABLE`` to NNNN: opening an older warehouse read-only then says to
   run ``labelaudit upgrade``.

tests/test_schema_migrations.py upgrades the version-1 fixture with the migrations alone
and checks it ends with the same tables and columns, in the same order, as a new
warehouse made from schema.sql; it also checks the numbers run 2, 3, ... without a gap
or a duplicate (two branches that both added a 0003 must renumber one when merging).
"""
from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import duckdb

# Readers of this labelaudit can query warehouses of this version and newer. Version 1
# only lacks schema_info, which no reader uses.
OLDEST_READABLE = 1

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.(sql|py)$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str                      # the file name, recorded in schema_info.migration
    apply: Callable[[duckdb.DuckDBPyConnection], None]


def _sql_step(text: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def step(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(text)

    return step


def discover(folder: Traversable | None = None, package: str = __name__) -> list[Migration]:
    """The migrations in ``folder`` (this package by default), ordered, numbered 2, 3, ...
    without a gap: a gap or a duplicate number is a merge mistake, caught on import."""
    folder = folder or resources.files(package)
    found: list[Migration] = []
    for entry in folder.iterdir():
        m = _NAME.match(entry.name)
        if not m:
            continue
        version = int(m.group(1))
        if m.group(2) == "sql":
            step = _sql_step(entry.read_text("utf-8"))
        else:
            step = importlib.import_module(f"{package}.{entry.name[:-3]}").upgrade
        found.append(Migration(version, entry.name, step))
    found.sort(key=lambda mig: (mig.version, mig.name))
    versions = [mig.version for mig in found]
    if versions != list(range(2, 2 + len(found))):
        names = ", ".join(mig.name for mig in found)
        raise RuntimeError(f"warehouse migrations must be numbered 0002, 0003, ... once each; found: {names}")
    return found


MIGRATIONS = discover()
CURRENT_VERSION = MIGRATIONS[-1].version if MIGRATIONS else 1


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and refuses the
    # connection's next query, and callers hand this connection on.
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = current_schema() AND table_name = ?", [name]
    ).fetchall()[0][0])


def version_of(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of the connection's current database: 0 for one that holds no
    warehouse yet, 1 for a warehouse from before versioning."""
    if _has_table(con, "schema_info"):
        # An empty schema_info (a crash cannot leave one: it is created and stamped in one
        # staged write) would still be a labelaudit layout from before any later step.
        return con.execute("SELECT coalesce(max(version), 1) FROM schema_info").fetchall()[0][0]
    return 1 if _has_table(con, "audit_runs") else 0


def pending(version: int) -> list[Migration]:
    return [m for m in MIGRATIONS if m.version > version]


def stamp(con: duckdb.DuckDBPyConnection, version: int, migration: str) -> None:
    from labelaudit import __version__
    from warehouse.load import now

    con.execute("INSERT INTO schema_info (version, applied_at, migration, labelaudit_version) VALUES (?, ?, ?, ?)",
                [version, now(), migration, __version__])


def apply_pending(con: duckdb.DuckDBPyConnection, version: int) -> list[Migration]:
    """Run the migrations after ``version`` in order, recording each in schema_info.
    Only ever on a staging copy: a failure part-way is discarded with the copy."""
    steps = pending(version)
    for m in steps:
        m.apply(con)
        stamp(con, m.version, m.name)
    return steps
