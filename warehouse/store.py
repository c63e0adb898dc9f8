"""The DuckDB warehouse file: opening, locking and atomic publication.

A run never writes the published file in place. It copies it (or starts a new one),
writes the copy, checkpoints, and publishes with ``os.replace``: a run that dies
part-way leaves the previous warehouse untouched, and an analyst's open read-only
session never blocks the audit (they keep the old file until they reopen).

Opening for writing also brings an older warehouse to this code's schema version (see
warehouse/migrations/__init__.py), inside the same staged copy, and refuses a newer one.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import duckdb

from labelaudit.contracts.errors import SchemaVersionError, WarehouseBusy
from warehouse import migrations

# The duckdb shell from PyPI's duckdb-cli (1.5.x) cannot read files in the newest format.
STORAGE_VERSION = "v1.5.0"

# Warehouses this process holds the writer lock of: the run will migrate them, so its own
# reads before that (an audit's look at which labels are known) may see an older layout.
_WRITING: set[Path] = set()


def schema_sql() -> str:
    return resources.files("warehouse").joinpath("schema.sql").read_text("utf-8")


@contextlib.contextmanager
def writer_lock(db: Path, wait: bool = False) -> Iterator[None]:
    """One audit at a time per warehouse; a second one refuses (or waits) clearly. So does
    an audit of a warehouse whose schema is newer than this code."""
    db.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db.with_name(db.name + ".lock")
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise WarehouseBusy(
                f"another audit is writing {db} (lock {lock_path} is held); wait for it to finish and run again"
            ) from None
        refuse_newer(db)
        _WRITING.add(db.resolve())
        try:
            yield
        finally:
            _WRITING.discard(db.resolve())
    finally:
        os.close(fd)


def _too_new(db: Path, version: int) -> SchemaVersionError:
    return SchemaVersionError(
        f"{db} has warehouse schema version {version}, newer than this labelaudit writes "
        f"(version {migrations.CURRENT_VERSION}): a newer labelaudit wrote it. Install that version to write "
        "to it; reading it (labelaudit sql, report) still works"
    )


def refuse_newer(db: Path) -> None:
    """Refuse, before an audit reads any PDF, to write a warehouse newer than this code.
    staged_write checks again on its copy; this early look only spares the wasted work, so a
    file it cannot open now (another program writing it) is left to that check."""
    if not db.is_file():
        return
    try:
        con = duckdb.connect(str(db), read_only=True)
        try:
            version = migrations.version_of(con)
        finally:
            con.close()
    except duckdb.Error:
        return
    if version > migrations.CURRENT_VERSION:
        raise _too_new(db, version)


def prepare(con: duckdb.DuckDBPyConnection, db: Path) -> tuple[int, int]:
    """Bring the connection's current database to this code's schema: create it, or apply the
    migrations it lacks, then schema.sql (tables it already has, views recreated).
    Returns (version found, version now); version 0 is a new warehouse."""
    found = migrations.version_of(con)
    if found > migrations.CURRENT_VERSION:
        raise _too_new(db, found)
    if found == 0:
        con.execute(schema_sql())
        migrations.stamp(con, migrations.CURRENT_VERSION, "schema.sql")
    else:
        migrations.apply_pending(con, found)
        # After the migrations, so views are rebuilt on the columns they now have.
        con.execute(schema_sql())
    return found, migrations.CURRENT_VERSION


@contextlib.contextmanager
def staged_write(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a private copy of the warehouse, published only if the block succeeds."""
    stage = db.with_name(f".{db.name}.{uuid.uuid4().hex[:8]}.staging")
    try:
        if db.exists():
            shutil.copyfile(db, stage)
            wal = db.with_name(db.name + ".wal")
            if wal.exists():
                shutil.copyfile(wal, stage.with_name(stage.name + ".wal"))
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH '{stage}' AS wh (STORAGE_VERSION '{STORAGE_VERSION}')")
            con.execute("USE wh")
            prepare(con, db)
            yield con
            con.execute("CHECKPOINT")
        finally:
            con.close()
        with open(stage, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(stage, db)
        dir_fd = os.open(db.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        for leftover in (stage, stage.with_name(stage.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


# DuckDB's connection settings, as duckdb.connect takes them.
DuckDBConfig = dict[str, str | bool | int | float | list[str]]


def connect_read_only(db: Path, config: DuckDBConfig | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection, for a warehouse of a schema version this code can query.
    ``config`` is DuckDB's (e.g. external access off, for `labelaudit sql`)."""
    if not db.exists():
        raise FileNotFoundError(f"no warehouse at {db}: run `labelaudit audit CATALOG --db {db}` first")
    con = duckdb.connect(str(db), read_only=True, config=config or {})
    try:
        version = migrations.version_of(con)
    except BaseException:
        con.close()
        raise
    if 0 < version < migrations.OLDEST_READABLE and db.resolve() not in _WRITING:
        con.close()
        raise SchemaVersionError(
            f"{db} has warehouse schema version {version}, older than this labelaudit reads "
            f"(version {migrations.OLDEST_READABLE} or later): run `labelaudit upgrade --db {db}` "
            "(or any audit, reevaluate or waive on it) to upgrade it, keeping its runs, waivers and history"
        )
    # Newer versions are read as they are: changes add columns and relations, and a query
    # that needs a renamed one fails with DuckDB's own message.
    return con


def upgrade(db: Path) -> tuple[int, int]:
    """``labelaudit upgrade``: apply pending migrations now rather than on the next write.
    Returns (version before, version after); the file is not rewritten when already current."""
    if not db.is_file():
        raise FileNotFoundError(f"no warehouse at {db}")
    with writer_lock(db):
        cleanup_stale_stages(db)
        con = duckdb.connect(str(db), read_only=True)
        try:
            before = migrations.version_of(con)
        finally:
            con.close()
        if before == migrations.CURRENT_VERSION:
            return before, before
        with staged_write(db):
            pass
    return before, migrations.CURRENT_VERSION


def cleanup_stale_stages(db: Path) -> None:
    """Remove staging copies left by a run that was killed."""
    for p in db.parent.glob(f".{db.name}.*.staging*"):
        with contextlib.suppress(OSError):
            p.unlink()
