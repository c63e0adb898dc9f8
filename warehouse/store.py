"""The DuckDB warehouse file: opening, locking and atomic publication.

A run never writes the published file in place. It copies it (or starts a new one),
writes the copy, checkpoints, and publishes with ``os.replace``: a run that dies
part-way leaves the previous warehouse untouched, and an analyst's open read-only
session never blocks the audit (they keep the old file until they reopen).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
from importlib import resources
from pathlib import Path
from typing import Iterator

import duckdb

from labelaudit.contracts.errors import WarehouseBusy

# The duckdb shell from PyPI's duckdb-cli (1.5.x) cannot read files in the newest format.
STORAGE_VERSION = "v1.5.0"


def schema_sql() -> str:
    return resources.files("warehouse").joinpath("schema.sql").read_text("utf-8")


@contextlib.contextmanager
def writer_lock(db: Path, wait: bool = False) -> Iterator[None]:
    """One audit at a time per warehouse; a second one refuses (or waits) clearly."""
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
        yield
    finally:
        os.close(fd)


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
        con.execute(f"ATTACH '{stage}' AS wh (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("USE wh")
        con.execute(schema_sql())
        try:
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


def connect_read_only(db: Path) -> duckdb.DuckDBPyConnection:
    if not db.exists():
        raise FileNotFoundError(f"no warehouse at {db}: run `labelaudit audit CATALOG --db {db}` first")
    return duckdb.connect(str(db), read_only=True)


def cleanup_stale_stages(db: Path) -> None:
    """Remove staging copies left by a run that was killed."""
    for p in db.parent.glob(f".{db.name}.*.staging*"):
        with contextlib.suppress(OSError):
            p.unlink()
