"""The audit as a Prefect flow: discover -> plan -> extract (batched, in processes) ->
load + rules (one staged write, published atomically) -> reports."""
from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows import pipeline
from flows.catalog import discover
from rules import load_ruleset
from warehouse.load import now
from warehouse.store import cleanup_stale_stages, writer_lock


@dataclass
class AuditResult:
    run: dict[str, Any]
    reports: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


_POOL: ProcessPoolExecutor | None = None


def _pool(workers: int) -> ProcessPoolExecutor:
    # One spawned pool per flow run, shared by the batch tasks: a fork inside a running
    # flow can deadlock, and Prefect's own process runner starts a server per worker.
    global _POOL
    if _POOL is None:
        _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    return _POOL


@task(name="extract-batch", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def extract_batch_task(jobs: list[pipeline.FileJob], workers: int) -> pipeline.ExtractedRows:
    if workers <= 1:
        return pipeline.extract_batch(jobs)
    return _pool(workers).submit(pipeline.extract_batch, jobs).result()


@task(name="load-and-judge", cache_policy=NO_CACHE)
def load_task(db: str, catalog: str, run_id: str, started_at, entries, rows, ruleset, reused: int) -> dict:
    return pipeline.load_and_judge(Path(db), catalog, run_id, started_at, entries, rows, ruleset, reused)


@task(name="reports", cache_policy=NO_CACHE)
def report_task(db: str, run_id: str, out: str) -> dict[str, str]:
    from reports import write_reports

    return {k: str(v) for k, v in write_reports(Path(db), run_id, Path(out)).items()}


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@flow(name="labelaudit-audit", log_prints=False, validate_parameters=False)
def audit_flow(
    catalog: str, db: str, out: str | None = None, config: str | None = None,
    workers: int = 2, batch_size: int = 100, quiet: bool = False,
) -> AuditResult:
    say: Callable[[str], None] = (lambda m: None) if quiet else _say
    global _POOL
    started = now()
    root = Path(catalog)
    db_path = Path(db)
    # Fail on a bad config before reading a single PDF.
    ruleset = load_ruleset(Path(config) if config else None)
    with writer_lock(db_path):
        cleanup_stale_stages(db_path)
        entries, warnings = discover(root)
        for w in warnings:
            say(f"warning: {w}")
        jobs, reused = pipeline.plan_reads(db_path, entries, root)
        say(f"{len(entries)} PDF files in {root}; {len(jobs)} to read, {reused} unchanged since the last audit")
        run_id = pipeline.new_run_id()
        rows = pipeline.ExtractedRows()
        try:
            parts = pipeline.batches(jobs, max(1, min(batch_size, -(-len(jobs) // max(1, workers)))))
            use_workers = workers if len(jobs) > 4 else 1
            futures = [extract_batch_task.submit(part, use_workers) for part in parts]
            for fut in futures:
                r = fut.result()
                rows.versions.extend(r.versions)
                rows.nutrients.extend(r.nutrients)
                rows.files += r.files
                say(f"  read {rows.files}/{len(jobs)} files")
        finally:
            if _POOL is not None:
                _POOL.shutdown(cancel_futures=True)
                _POOL = None
        say(f"loading the warehouse and applying {len(ruleset.enabled_rules())} rules ({ruleset.version_label})")
        run = load_task(str(db_path), str(root.resolve()), run_id, started, entries, rows, ruleset, reused)
    result = AuditResult(run=run, warnings=warnings)
    if out:
        result.reports = report_task(str(db_path), run_id, out)
    return result
