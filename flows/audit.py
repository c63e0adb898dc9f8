"""The audit as a Prefect flow: discover -> plan -> extract (batched, in processes) ->
load + rules (one staged write, published atomically) -> reports."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from flows.settings import importing_prefect, prefect_run_defaults, run_settings

prefect_run_defaults()
with importing_prefect():
    from prefect import Flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.utilities.annotations import quote

    # What every flow run imports on its first call anyway: imported here, with the rest.
    import prefect.flow_engine  # noqa: F401
    import prefect.task_engine  # noqa: F401
    import prefect.utilities.visualization  # noqa: F401  (Flow.__call__)

from flows import pipeline
from flows.catalog import discover
from flows.catalog import catalog_id
from flows.executor import DEFAULT_FILE_TIMEOUT_S, DEFAULT_MEMORY_MB, ExtractedRows, Extractor, FileJob, extract_batch
from rules import load_ruleset
from warehouse.load import now
from warehouse.store import cleanup_stale_stages, writer_lock


@dataclass
class AuditResult:
    run: dict[str, Any]
    reports: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


_EXTRACTOR: Extractor | None = None


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_batch_task(
    jobs: list[FileJob], file_timeout: float = DEFAULT_FILE_TIMEOUT_S, pool_batch: int = 0,
) -> ExtractedRows:
    # Locally, batches share one pool of isolated, spawned workers (flows/executor.py): a
    # fork inside a running flow can deadlock, and Prefect's own process runner would start
    # a temporary server in every worker. The task's files go to the pool in jobs of
    # ``pool_batch`` files, the plain pipeline's batches. On a Dask cluster (no local pool)
    # the Dask worker process reads the batch itself; only small row dicts travel back to
    # the one writer.
    if _EXTRACTOR is not None:
        return _EXTRACTOR.run(pipeline.batches(jobs, pool_batch or len(jobs)))
    return extract_batch(jobs, file_timeout=0)


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


@task(name="load-and-judge", cache_policy=NO_CACHE)
def load_task(db: str, catalog: str, run_id: str, started_at, entries, rows, ruleset, reused: int) -> dict:
    return pipeline.load_and_judge(Path(db), catalog, run_id, started_at, entries, rows, ruleset, reused)


@task(name="reports", cache_policy=NO_CACHE)
def report_task(db: str, run_id: str, out: str) -> dict[str, str]:
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    from reports import summary_markdown, write_reports

    paths = write_reports(Path(db), run_id, Path(out))
    try:
        s = summary_markdown(paths, Path(db), run_id)
        create_markdown_artifact(key=s["artifact_key"] + "-summary", markdown=s["markdown"],
                                 description=f"Label audit {run_id}: headline figures and report files")
        create_table_artifact(key=s["artifact_key"] + "-flagged", table=s["table"] or [{"flagged": "none"}],
                              description=f"Label audit {run_id}: flagged products")
    except Exception as e:  # artifacts are a convenience: the reports are written either way
        print(f"warning: could not publish the Prefect artifacts: {e}", file=sys.stderr)
    return {k: str(v) for k, v in paths.items()}


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


_JSON_SCALARS = (str, int, float, bool, type(None))


class _InProcessFlow(Flow):
    """A flow whose in-process calls (``audit_flow(...)``: the CLI, tests, benchmarks) run
    under :func:`flows.settings.run_settings`; deployment runs call the engine directly."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with run_settings():
            return super().__call__(*args, **kwargs)

    def serialize_parameters(self, parameters: dict[str, Any]) -> dict[str, Any]:
        # Prefect's own imports FastAPI (0.1 s, nothing else here needs it) for its
        # jsonable_encoder, which returns JSON scalars unchanged; the audit's are all scalars.
        if all(type(v) in _JSON_SCALARS for v in parameters.values()):
            return dict(parameters)
        return super().serialize_parameters(parameters)


def _flow(**options: Any) -> Callable[[Callable[..., Any]], Flow]:
    """``@flow(**options)``, making an :class:`_InProcessFlow`."""
    return lambda fn: _InProcessFlow(fn, **options)


@_flow(name="labelaudit-audit", log_prints=False, validate_parameters=False)
def audit_flow(
    catalog: str, db: str, out: str | None = None, config: str | None = None,
    workers: int = 2, batch_size: int = 100, quiet: bool = False,
    file_timeout: float = DEFAULT_FILE_TIMEOUT_S, memory_mb: int = DEFAULT_MEMORY_MB,
    remote_extraction: bool = False,
) -> AuditResult:
    """Audit CATALOG (a folder, or an fsspec URL every worker can read) into the warehouse DB.
    With ``remote_extraction`` the extract tasks run where the flow's task runner sends them
    (a Dask cluster, see :func:`audit_on_dask`); loading stays here, the single writer."""
    say: Callable[[str], None] = (lambda m: None) if quiet else _say
    global _EXTRACTOR
    started = now()
    root = catalog if "://" in catalog else Path(catalog)
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
        rows = ExtractedRows()
        if jobs and remote_extraction:
            parts = pipeline.batches(jobs, pipeline.batch_size_for(len(jobs), workers, batch_size))
            for fut in [extract_batch_task.submit(part, file_timeout) for part in parts]:
                rows.merge(fut.result())
                say(f"  read {rows.files}/{len(jobs)} files")
        elif jobs:
            with Extractor(workers=workers, file_timeout=file_timeout, memory_mb=memory_mb) as ex:
                _EXTRACTOR = ex
                try:
                    # The pool reads the plain pipeline's batches; the UI shows 2 extract tasks
                    # per worker, each a share of them. A task run costs ~7 ms here and ~30 ms
                    # of server CPU, on the cores the extraction needs: one task per batch (20
                    # for 2,000 labels) added ~0.3 s to the audit, 4 tasks add under 0.1 s.
                    size = pipeline.batch_size_for(len(jobs), workers, batch_size)
                    shares = task_shares(pipeline.batches(jobs, size), 2 * workers)
                    futures = [extract_batch_task.submit(quote(share), pool_batch=size) for share in shares]
                    for fut in futures:
                        rows.merge(fut.result())
                        say(f"  read {rows.files}/{len(jobs)} files")
                finally:
                    _EXTRACTOR = None
        say(f"loading the warehouse and applying {len(ruleset.enabled_rules())} rules ({ruleset.version_label})")
        # quote(): Prefect would otherwise walk every row dict to find futures in the inputs.
        run = load_task(str(db_path), catalog_id(root), run_id, started, quote(entries), quote(rows), ruleset, reused)
    result = AuditResult(run=run, warnings=warnings)
    if out:
        result.reports = report_task(str(db_path), run_id, out)
    return result


def audit_on_dask(address: str, **params: Any) -> AuditResult:
    """Run the audit with extraction on an existing Dask cluster (``tcp://host:8786``).
    Every worker must be able to read the catalog: a path they all see, or a URL."""
    from prefect_dask import DaskTaskRunner

    dask_flow = audit_flow.with_options(task_runner=DaskTaskRunner(address=address))  # a plain Flow again
    with run_settings():
        return dask_flow(remote_extraction=True, **params)


def schedule_deployment(name: str, cron: str, parameters: dict[str, Any]):
    """The audit flow as a deployment on a cron schedule (see README "Scheduled audits")."""
    return audit_flow.to_deployment(
        name=name, cron=cron, parameters=parameters,
        description="labelaudit: audit a catalog of label PDFs on a schedule",
        tags=["labelaudit"],
    )
