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
    DEFAULT_MAX_PAGES,
    DEFAULT_MEMORY_MB,
    RETRY_NEXT_RUN,
    DaskExtractor,
    ExtractedRows,
    Extractor,
    FileJob,
)
from flows.pipeline import batch_size_for, batches, load_and_judge, new_run_id, pause_point, plan_reads
from labelaudit.contracts.catalog import CatalogLocation, label_kind
from labelaudit.contracts.records import AuditRun
from rules import RuleSet, load_ruleset
from warehouse.load import CatalogEntry, now
from warehouse.store import cleanup_stale_stages, writer_lock

Progress = Callable[[str], None]


class AuditEvents:
    """What :func:`run_audit` tells as it goes. Here each event becomes a line of text for
    ``say`` (what a plain ``progress`` callable receives); a display for a person
    (flows/progress.py) or the Prefect flow's run log (flows/audit.py) overrides what it shows
    otherwise. ``read`` may come from another thread than the audit's (a Steps that runs
    extraction shares concurrently)."""

    def __init__(self, say: Progress | None = None) -> None:
        self.say: Progress = say or (lambda msg: None)

    def note(self, msg: str) -> None:
        """A step, a warning or a decision, in words."""
        self.say(msg)

    def planned(self, entries: list[CatalogEntry], to_read: int) -> None:
        """The catalog is listed: ``to_read`` of its files will be read (the rest are unchanged)."""

    def read(self, done: int, total: int) -> None:
        """``done`` of the ``total`` files to read have been read."""
        self.say(f"  read {done}/{total} files")


@dataclass
class AuditResult:
    """What an audit returns: the run's summary (its ``audit_runs`` row), the reports written
    (kind -> path), the catalog problems that did not stop it and, for a run a standing Prefect
    server shows, the run's page in its UI."""

    run: AuditRun
    reports: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    run_url: str | None = None


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
              dask_address: str | None = None, max_pages: int = DEFAULT_MAX_PAGES) -> Extractor | DaskExtractor:
    """Where files are read: this machine's pool of isolated worker processes, or a Dask cluster."""
    if dask_address:
        return DaskExtractor(dask_address, max_pages=max_pages)
    return Extractor(workers=max(1, workers), file_timeout=file_timeout, memory_mb=memory_mb, max_pages=max_pages)


# A worker's start costs as much CPU as reading dozens of labels (measured here: a spawned interpreter importing
# the reader 0.7-1.0 s, a label 17-25 ms). A second worker halves the wall time only of the reading itself, so
# a run starts one worker per FILES_PER_WORKER files to read, up to --workers: a 10-label audit starts one.
WORKER_START_CPU_S = 0.85
LABEL_CPU_S = 0.021
FILES_PER_WORKER = round(WORKER_START_CPU_S / LABEL_CPU_S)


def workers_for(jobs: int, workers: int) -> int:
    """How many of ``workers`` processes to start for ``jobs`` files (at least one)."""
    return max(1, min(workers, jobs // FILES_PER_WORKER))


# What the audit's own process may take besides its workers: Python, DuckDB and the rows of the
# files read. An allowance, not a limit: 186 MB peak RSS measured auditing 3 labels here, and it
# grows with the rows a run holds; reserved out of --total-memory-mb.
MAIN_PROCESS_MB = 512
# The least a worker is given: it read ordinary labels at 384 MB of address space here.
MIN_WORKER_MB = 384


def fit_workers(workers: int, memory_mb: int, total_memory_mb: int | None) -> tuple[int, int, str | None]:
    """(workers, memory_mb per worker) so that the process tree stays within ``total_memory_mb``:
    this process's allowance plus each worker's address-space limit. Fewer workers first, then
    a lower per-worker limit for the one left; a note when either was lowered."""
    if not total_memory_mb or total_memory_mb <= 0:
        return workers, memory_mb, None
    share = total_memory_mb - MAIN_PROCESS_MB
    fit = min(workers, max(1, share // max(1, memory_mb)))
    per = memory_mb if fit * memory_mb <= share else max(MIN_WORKER_MB, share)
    if (fit, per) == (workers, memory_mb):
        return workers, memory_mb, None
    short = "" if per <= share else f"; the least one worker can have, so the bound is exceeded by {per - share} MB"
    return fit, per, (f"--total-memory-mb {total_memory_mb}: {fit} worker(s) of {per} MB each "
                      f"(asked: {workers} of {memory_mb} MB), {MAIN_PROCESS_MB} MB kept for the audit itself{short}")


def run_audit(
    catalog: str | os.PathLike[str] | CatalogLocation,
    db: str | os.PathLike[str],
    *,
    ruleset: RuleSet | None = None,
    config: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    report_formats: Sequence[str] | None = None,
    self_contained: bool = True,
    workers: int = 2,
    batch_size: int = 100,
    file_timeout: float = DEFAULT_FILE_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    total_memory_mb: int | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    dask_address: str | None = None,
    progress: Progress | AuditEvents | None = None,
    steps: Steps | None = None,
) -> AuditResult:
    """Audit ``catalog`` (a folder, or a URL such as ``file:///...`` or ``s3://bucket/catalog``)
    into the warehouse ``db``; with ``out``, write the run's reports there (``report_formats``,
    default all; the HTML linking its crops when not ``self_contained``). ``ruleset``, else ``config``
    (a TOML file), else the default rules.
    Extraction runs in ``workers`` isolated processes here, or on the Dask cluster at
    ``dask_address``. ``progress`` receives one line of text per step and per batch read
    (or, an :class:`AuditEvents`, the events themselves).
    Memory: each worker may use ``memory_mb``; ``total_memory_mb`` bounds the whole process
    tree (fewer workers, see :func:`fit_workers`). ``max_pages``: pages read of one PDF."""
    events = progress if isinstance(progress, AuditEvents) else AuditEvents(progress)
    say = events.note
    steps = steps or Steps()
    started = now()
    where = CatalogLocation.parse(catalog)
    db = Path(db)
    # A bad config fails the run before a single PDF is read.
    if ruleset is None:
        ruleset = load_ruleset(Path(config) if config else None)
    workers, memory_mb, note = fit_workers(workers, memory_mb, None if dask_address else total_memory_mb)
    if note:
        say(note)
    with writer_lock(db):
        cleanup_stale_stages(db)
        entries, warnings = discover(where)
        for w in warnings:
            say(f"warning: {w}")
        jobs, reused = plan_reads(db, entries, where, max_pages)
        images = sum(label_kind(e.source_file) == "image" for e in entries)
        kinds = f"{len(entries) - images} PDF files" + (f" and {images} label images" if images else "")
        say(f"{kinds} in {where}; {len(jobs)} to read, {reused} unchanged since the last audit")
        events.planned(entries, len(jobs))
        pause_point("discovered")  # files listed and hashed, none read yet
        run_id = new_run_id()
        rows = ExtractedRows()
        if out is not None and jobs:
            # Report code loads (about a second) while the workers read and this process waits.
            threading.Thread(target=_prepare_reports, daemon=True, name="prepare-reports").start()
        if jobs:
            size = batch_size_for(len(jobs), workers, batch_size)
            done, lock = [0], threading.Lock()

            def on_batch(files: int) -> None:
                pause_point("extract")
                with lock:  # Prefect's extract tasks finish batches from several threads
                    done[0] += files
                    n = done[0]
                events.read(n, len(jobs))

            def read(todo: list[FileJob]) -> ExtractedRows:
                shares = task_shares(batches(todo, size), steps.extract_shares(workers))
                got = ExtractedRows()
                for part in steps.extract(shares, lambda share: ex.run(batches(share, size), on_batch)):
                    got.merge(part)
                return got

            pool = workers if dask_address else workers_for(len(jobs), workers)
            with extractor(pool, file_timeout, memory_mb, dask_address, max_pages) as ex:
                rows.merge(read(jobs))
                again = changed_files(entries, jobs, rows)
                if again:  # changed since discovery: read once more, and keep only a reading that holds
                    say(f"  {len(again)} file(s) changed during the audit; reading them again")
                    settle_changed(entries, again, read(again), rows)
            mark_unread(entries, rows)
        say(f"loading the warehouse and applying {len(ruleset.enabled_rules())} rules ({ruleset.version_label})")
        run = steps.load(lambda: load_and_judge(db, where.id, run_id, started, entries, rows, ruleset, reused))
    result = AuditResult(run=run, warnings=warnings)
    if out is not None:
        say(f"writing the reports to {out}")

        def write() -> dict[str, Path]:
            from reports import FORMATS, write_reports

            return write_reports(db, run_id, Path(out), formats=report_formats or FORMATS,
                                 self_contained=self_contained)

        result.reports = steps.reports(write, db, run_id)
    return result


def _prepare_reports() -> None:
    try:
        from reports.render import prepare

        prepare()
    except Exception:  # only a head start: writing the reports imports the same and says why
        pass


def changed_files(entries: list[CatalogEntry], jobs: list[FileJob], rows: ExtractedRows) -> list[FileJob]:
    """Files to read again: those whose bytes when read were not the bytes hashed at discovery
    (they changed, and may have changed back), and those that shared a discovery hash with a
    file that changed or failed (one job reads a hash for all its files: it did not read theirs)."""
    read_shas = {v["sha256"] for v in rows.versions if v["extractor_version"] != RETRY_NEXT_RUN}
    wanted = {j.sha256 for j in jobs}
    tried = {j.source_file for j in jobs}
    again = []
    for e in entries:
        if e.sha256 is None or e.sha256 not in wanted:
            continue
        if e.source_file in rows.read_as or (e.sha256 not in read_shas and e.source_file not in tried):
            again.append(FileJob(catalog=jobs[0].catalog, source_file=e.source_file, sha256=e.sha256, link=e.link))
    return again


def settle_changed(entries: list[CatalogEntry], again: list[FileJob], second: ExtractedRows,
                   rows: ExtractedRows) -> None:
    """Point each re-read file's entry at the bytes of its second reading, when that reading is
    the same bytes as the first one or as discovery (the file has settled); a file that gave
    other bytes on each look is ``error`` "changed while being read" for this run. Readings are
    kept under their own hashes either way: they are true of those bytes."""
    rows.merge(ExtractedRows(versions=second.versions, nutrients=second.nutrients, failed=second.failed))
    by_file = {e.source_file: e for e in entries}
    first = dict(rows.read_as)
    for job in again:
        e = by_file[job.source_file]
        now_sha = second.read_as.get(job.source_file, job.sha256)
        if now_sha in (job.sha256, first.get(job.source_file, job.sha256)):
            e.sha256 = now_sha
        else:
            e.problem = "changed while being read; it is read again on the next audit"


def mark_unread(entries: list[CatalogEntry], rows: ExtractedRows) -> None:
    """A file a worker could not read (gone, locked, a link swapped in) is unread in this run,
    like one discovery could not read: its products stay for review (warehouse.load)."""
    for e in entries:
        if e.problem is None and e.source_file in rows.failed:
            e.problem = rows.failed[e.source_file]
    # A hash one file failed on and another read (same bytes) keeps the reading only.
    read = {v["sha256"] for v in rows.versions if v["extractor_version"] != RETRY_NEXT_RUN}
    failed_ids = {v["product_id"] for v in rows.versions
                  if v["extractor_version"] == RETRY_NEXT_RUN and v["sha256"] in read}
    rows.versions = [v for v in rows.versions
                     if v["product_id"] not in failed_ids or v["extractor_version"] != RETRY_NEXT_RUN]


def say_on_stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
