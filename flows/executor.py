"""Extraction in isolated worker processes.

PDF parsing is CPU-bound pure Python, so threads do not help (GIL); a hostile page can
also loop for minutes or allocate gigabytes. Each worker is a spawned process with an
address-space limit; each file has a time limit inside the worker (SIGALRM), and each
batch has a hard limit outside it (pebble kills the worker). A batch whose worker was
killed or died is re-run one file at a time, so only the culprit gets an error row.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from pebble import ProcessExpired, ProcessFuture, ProcessPool

from extract.records import FileExtraction
from extract.version import EXTRACTOR_VERSION
from labelaudit.contracts.catalog import CatalogLocation, unreadable
from labelaudit.contracts.errors import TerminalError
from labelaudit.contracts.limits import DEFAULT_FILE_TIMEOUT_S, DEFAULT_MAX_PAGES, DEFAULT_MEMORY_MB
from warehouse.normalise import LabelVersionRow, NutrientRow, normalise_file

# Transient failures are not remembered as "read": the next run reads the file again.
RETRY_NEXT_RUN = "retry"


@dataclass
class FileJob:
    catalog: CatalogLocation
    source_file: str
    sha256: str                # as hashed at discovery; the reading is stored under what the worker read
    link: bool = False         # a symlink at discovery: the only kind of file a worker follows a link for

    @property
    def path(self) -> str:
        return self.catalog.where(self.source_file)


@dataclass
class ExtractedRows:
    versions: list[LabelVersionRow] = field(default_factory=list)
    nutrients: list[NutrientRow] = field(default_factory=list)
    files: int = 0
    # source_file -> sha256 of the bytes actually read, where they are not the bytes hashed at
    # discovery (the file changed in between): the reading is stored under these.
    read_as: dict[str, str] = field(default_factory=dict)
    # source_file -> why it could not be read this time (gone, locked, changing, a link swapped in)
    failed: dict[str, str] = field(default_factory=dict)

    def merge(self, other: ExtractedRows) -> None:
        self.versions.extend(other.versions)
        self.nutrients.extend(other.nutrients)
        self.files += other.files
        self.read_as.update(other.read_as)
        self.failed.update(other.failed)


class WorkersUnavailable(TerminalError):
    """No worker process could start: nothing can be extracted in this run."""


class FileTimeout(BaseException):
    """Raised by SIGALRM inside a worker. A BaseException, so the reader's broad
    ``except Exception`` clauses cannot mistake it for a malformed file."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise FileTimeout()


def cut_version(max_pages: int) -> str:
    """The extractor version stored for a file longer than ``max_pages``: it counts as read only
    by runs with the same page limit, so raising --max-pages reads it again."""
    return f"{EXTRACTOR_VERSION}/max-pages={max_pages}"


def _rows_for(job: FileJob, ext: FileExtraction, sha256: str | None = None,
              max_pages: int = DEFAULT_MAX_PAGES) -> ExtractedRows:
    """Rows stored under ``sha256``, the hash of the bytes the reader got (SPEC "Bad input":
    what is stored under a sha256 is the reading of those bytes); a transient failure is
    stored under the discovery hash but never counts as read."""
    sha = sha256 or job.sha256
    version = EXTRACTOR_VERSION if (ext.page_count or 0) <= max_pages else cut_version(max_pages)
    v, n = normalise_file(sha, ext, version if not ext.transient else RETRY_NEXT_RUN)
    out = ExtractedRows(versions=v, nutrients=n, files=1)
    if ext.transient:
        out.failed[job.source_file] = ext.status_detail or "could not be read"
    if sha != job.sha256:
        out.read_as[job.source_file] = sha
    return out


def extract_one(job: FileJob, file_timeout: float, max_pages: int = DEFAULT_MAX_PAGES) -> ExtractedRows:
    """Runs in a worker: one file, bounded in time; never raises for bad input."""
    import extract.document

    extract.document.MAX_PAGES = max_pages  # read at call time by the reader; one setting per run
    use_alarm = file_timeout > 0 and hasattr(signal, "setitimer")
    if use_alarm:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, file_timeout)
    sha = None
    try:
        sha, ext = _extract(job)
        if ext.transient:  # vanished, locked or changing while we looked: one more try
            sha, ext = _extract(job)
    except FileTimeout:
        ext = FileExtraction(status="error", status_detail=(
            f"reading took longer than {file_timeout:g} s and was stopped (a pathological page?); "
            "raise --file-timeout to give it more time"))
    except MemoryError:
        ext = FileExtraction(status="error", status_detail=(
            "reading needed more memory than a worker may use and was stopped; raise --memory-mb to allow more"))
    except RecursionError:
        ext = FileExtraction(status="error", status_detail="the PDF's objects nest too deeply to read (a PDF bomb?)")
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    return _rows_for(job, ext, sha, max_pages)


def _extract(job: FileJob) -> tuple[str | None, FileExtraction]:
    """(sha256 of the bytes read, their reading). The bytes are read once, checked for change
    while they were read, hashed, and parsed from memory: the hash always names what was parsed."""
    try:
        data = job.catalog.read_checked(job.source_file, follow_link=job.link)
    except OSError as e:  # gone, locked, changing, a link swapped in: the next run tries again
        return None, FileExtraction(status="error", status_detail=unreadable(e), transient=True)
    # imported here, in the worker: the parent only plans and loads, and the readers cost it ~0.2-0.45 s
    from extract.image import extract_label

    return hashlib.sha256(data).hexdigest(), extract_label(data, job.source_file)


def extract_batch(jobs: list[FileJob], file_timeout: float = DEFAULT_FILE_TIMEOUT_S,
                  max_pages: int = DEFAULT_MAX_PAGES) -> ExtractedRows:
    out = ExtractedRows()
    for job in jobs:
        out.merge(extract_one(job, file_timeout, max_pages))
    return out


def _init_worker(memory_mb: int) -> None:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # Tesseract would start threads of its own
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@dataclass
class Extractor:
    """A pool of isolated workers for one run."""

    workers: int = 2
    file_timeout: float = DEFAULT_FILE_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    max_pages: int = DEFAULT_MAX_PAGES
    _pool: ProcessPool | None = None

    def __enter__(self) -> Extractor:
        self._pool = ProcessPool(
            max_workers=max(1, self.workers), context=multiprocessing.get_context("spawn"),
            initializer=_init_worker, initargs=(self.memory_mb,),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._pool is not None
        self._pool.stop() if exc[0] else self._pool.close()
        self._pool.join()

    def _hard_limit(self, n: int) -> float | None:
        return None if self.file_timeout <= 0 else self.file_timeout * n + 30.0

    def submit(self, jobs: list[FileJob]) -> ProcessFuture:
        assert self._pool is not None
        return self._pool.schedule(extract_batch, args=(jobs, self.file_timeout, self.max_pages),
                                   timeout=self._hard_limit(len(jobs)))

    def collect(self, future: ProcessFuture, jobs: list[FileJob]) -> ExtractedRows:
        """The batch's rows; a batch whose worker was killed is re-read file by file."""
        try:
            return future.result()
        except BrokenProcessPool as e:
            raise WorkersUnavailable(
                "the extraction worker processes could not start (when labelaudit is driven from Python, run it "
                "from a script file or `python -m`, not from stdin or an interactive prompt)") from e
        except (FutureTimeout, ProcessExpired, MemoryError) as e:
            if len(jobs) == 1:
                return _rows_for(jobs[0], _failure(e, self.file_timeout))
            out = ExtractedRows()
            singles = [(job, self.submit([job])) for job in jobs]
            for job, fut in singles:
                out.merge(self.collect(fut, [job]))
            return out

    def run(self, batches: list[list[FileJob]], progress: Callable[[int], None] | None = None) -> ExtractedRows:
        """Every batch's rows, in order; ``progress`` gets the number of files of each batch done."""
        futures = [(b, self.submit(b)) for b in batches]
        total = ExtractedRows()
        for jobs, fut in futures:
            rows = self.collect(fut, jobs)
            total.merge(rows)
            if progress:
                progress(rows.files)
        return total


def _failure(e: BaseException, file_timeout: float) -> FileExtraction:
    if isinstance(e, FutureTimeout):
        detail = (f"reading did not finish within {file_timeout:g} s and the reader was stopped "
                  "(a pathological page?); raise --file-timeout to give it more time")
    elif isinstance(e, ProcessExpired):
        detail = (f"the PDF reader crashed on this file (exit code {e.exitcode}): it is malformed or needs more "
                  "memory than a worker may use (--memory-mb)")
    else:
        detail = "reading needed more memory than a worker may use"
    return FileExtraction(status="error", status_detail=detail)


class DaskExtractor:
    """Extraction on an existing Dask cluster (``tcp://host:8786``), with the same ``run`` as
    :class:`Extractor`. Each Dask worker reads its batch by the catalog's path or URL (so it
    must see the same folder, or reach the same storage) and sends back only row dicts.
    A file's time limit is not enforced there: Dask runs tasks in threads, where SIGALRM
    cannot reach them; the cluster's own worker limits apply."""

    def __init__(self, address: str, max_pages: int = DEFAULT_MAX_PAGES):
        self.address = address
        self.max_pages = max_pages
        self._client: Any = None

    def __enter__(self) -> DaskExtractor:
        try:
            from distributed import Client
        except ImportError as e:
            raise TerminalError("--dask-address needs Dask's client, an optional part of labelaudit: "
                                "pip install 'labelaudit[dask]'") from e

        # Not the process's default scheduler: this run's batches go here, nothing else.
        self._client = Client(self.address, set_as_default=False)
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def run(self, batches: list[list[FileJob]], progress: Callable[[int], None] | None = None) -> ExtractedRows:
        futures = [self._client.submit(extract_batch, b, 0, self.max_pages, pure=False) for b in batches]
        total = ExtractedRows()
        for fut in futures:
            rows = fut.result()
            total.merge(rows)
            if progress:
                progress(rows.files)
        return total
