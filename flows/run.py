"""The audit, once: lock -> discover -> plan -> extract -> load and judge -> reports.

Everything that audits a catalog calls :func:`run_audit`: the CLI (through the Prefect flow),
the tests, the benchmarks, anyone embedding labelaudit. The Prefect flow (flows/audit.py) is a
thin wrapper that passes :class:`Steps` of its own, which run extraction, loading and reports
as Prefect tasks; here they are plain calls. Nothing in this module imports Prefect.
"""
from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flows.catalog import discover
from flows.executor import (
    DEFAULT_FILE_TIMEOUT_S,
    DEFAULT_MEMORY_MB,
    DaskExtractor,
    ExtractedRows,
    Extractor,
    FileJob,
)
from flows.pipeline import batch_size_for, batches, load_and_judge, new_run_id, pause_point, plan_reads
from labelaudit.contracts.catalog import CatalogLocation
from labelaudit.contracts.records import AuditRun
from rules import RuleSet, load_ruleset
from warehouse.load import now
from warehouse.store import cleanup_stale_stages, writer_lock

Progress = Callable[[str], None]


@dataclass
class AuditResult:
    """What an audit returns: the run's summary (its ``audit_runs`` row), the reports written
    (kind -> path) and the catalog problems that did not stop it."""

    run: AuditRun
    reports: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class Steps:
    """How the audit's steps run. Here: plain calls, in this process, one after another."""

    def extract_shares(self, workers: int) -> int:
        """Into how many shares the extraction batches are dealt: one here, so the worker pool
        gets every batch at once and never idles between shares."""
        return 1

    def extract(self, shares: list[list[FileJob]],
                read: Callable[[list[FileJob]], ExtractedRows]) -> Iterable[ExtractedRows]:
        for share in shares:
            yield read(share)

    def load(self, load: Callable[[], AuditRun]) -> AuditRun:
        return load()

    def reports(self, write: Callable[[], dict[str, Path]], db: Path, run_id: str) -> dict[str, Path]:
        return write()


def task_shares(parts: list[list[FileJob]], n: int) -> list[list[FileJob]]:
    """``parts`` (in order) dealt into at most ``n`` contiguous shares of whole parts."""
    n = max(1, min(n, len(parts)))
    k, extra = divmod(len(parts), n)
    shares, i = [], 0
    for s in range(n):
        j = i + k + (s < extra)
        shares.append([job for part in parts[i:j] for job in part])
        i = j
    return shares


def extractor(workers: int = 2, file_timeout: float = DEFAULT_FILE_TIMEOUT_S, memory_mb: int = DEFAULT_MEMORY_MB,
              dask_address: str | None = None) -> Extractor | DaskExtractor:
    """Where files are read: this machine's pool of isolated worker processes, or a Dask cluster."""
    if dask_address:
        return DaskExtractor(dask_address)
    return Extractor(workers=max(1, workers), file_timeout=file_timeout, memory_mb=memory_mb)


def run_audit(
    catalog: str | os.PathLike[str] | CatalogLocation,
    db: str | os.PathLike[str],
    *,
    ruleset: RuleSet | None = None,
    config: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    report_formats: Sequence[str] | None = None,
    workers: int = 2,
    batch_size: int = 100,
    file_timeout: float = DEFAULT_FILE_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    dask_address: str | None = None,
    progress: Progress | None = None,
    steps: Steps | None = None,
) -> AuditResult:
    """Audit ``catalog`` (a folder, or a URL such as ``file:///...`` or ``s3://bucket/catalog``)
    into the warehouse ``db``; with ``out``, write the run's reports there (``report_formats``,
    default all). ``ruleset``, else ``config`` (a TOML file), else the default rules.
    Extraction runs in ``workers`` isolated processes here, or on the Dask cluster at
    ``dask_address``. ``progress`` receives one line of text per step and per batch read."""
    say: Progress = progress or (lambda msg: None)
    steps = steps or Steps()
    started = now()
    where = CatalogLocation.parse(catalog)
    db = Path(db)
    # A bad config fails the run before a single PDF is read.
    if ruleset is None:
        ruleset = load_ruleset(Path(config) if config else None)
    with writer_lock(db):
        cleanup_stale_stages(db)
        entries, warnings = discover(where)
        for w in warnings:
            say(f"warning: {w}")
        jobs, reused = plan_reads(db, entries, where)
        say(f"{len(entries)} PDF files in {where}; {len(jobs)} to read, {reused} unchanged since the last audit")
        run_id = new_run_id()
        rows = ExtractedRows()
        if jobs:
            size = batch_size_for(len(jobs), workers, batch_size)
            shares = task_shares(batches(jobs, size), steps.extract_shares(workers))
            done, lock = [0], threading.Lock()

            def on_batch(files: int) -> None:
                pause_point("extract")
                with lock:  # Prefect's extract tasks finish batches from several threads
                    done[0] += files
                    n = done[0]
                say(f"  read {n}/{len(jobs)} files")

            with extractor(workers, file_timeout, memory_mb, dask_address) as ex:
                for part in steps.extract(shares, lambda share: ex.run(batches(share, size), on_batch)):
                    rows.merge(part)
        say(f"loading the warehouse and applying {len(ruleset.enabled_rules())} rules ({ruleset.version_label})")
        run = steps.load(lambda: load_and_judge(db, where.id, run_id, started, entries, rows, ruleset, reused))
    result = AuditResult(run=run, warnings=warnings)
    if out is not None:
        def write() -> dict[str, Path]:
            from reports import FORMATS, write_reports

            return write_reports(db, run_id, Path(out), formats=report_formats or FORMATS)

        result.reports = steps.reports(write, db, run_id)
    return result


def say_on_stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
