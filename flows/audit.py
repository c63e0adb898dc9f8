"""The audit as a Prefect flow: a thin wrapper over :func:`flows.run.run_audit` whose steps
(extraction shares, load and judge, reports) run as Prefect tasks, so the UI shows them and
the run's summary is published as artifacts.

Importing this module imports Prefect and nothing else: the environment Prefect reads at
import is set by whoever starts the process (the CLI: flows.settings.configure_prefect);
the per-run defaults that keep a run cheap are applied around each in-process run
(flows.settings.run_settings).
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from flows.settings import importing_prefect, run_settings

with importing_prefect():
    # flow_engine, task_engine and visualization (Flow.__call__): what every flow run imports
    # on its first call anyway, imported here with the rest.
    import prefect.flow_engine
    import prefect.task_engine
    import prefect.utilities.visualization  # noqa: F401
    from prefect import Flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.utilities.annotations import quote

from flows.executor import DEFAULT_FILE_TIMEOUT_S, DEFAULT_MAX_PAGES, DEFAULT_MEMORY_MB, ExtractedRows, FileJob
from flows.run import AuditResult, Steps, run_audit, say_on_stderr, task_shares
from labelaudit.contracts.records import AuditRun

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["AuditResult", "PrefectSteps", "audit_flow", "schedule_deployment", "task_shares"]


# The tasks receive the step to run as a callable (a closure over this run's extractor and
# rows): nothing is handed over through module state, and with NO_CACHE Prefect neither
# hashes nor walks it.
@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_task(read: Callable[[list[FileJob]], ExtractedRows], share: list[FileJob]) -> ExtractedRows:
    return read(share)


@task(name="load-and-judge", cache_policy=NO_CACHE)
def load_task(load: Callable[[], AuditRun]) -> AuditRun:
    return load()


@task(name="reports", cache_policy=NO_CACHE)
def report_task(write: Callable[[], dict[str, Path]], db: str, run_id: str) -> dict[str, Path]:
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    from reports import summary_markdown

    paths = write()
    try:
        s = summary_markdown(paths, Path(db), run_id)
        create_markdown_artifact(key=s["artifact_key"] + "-summary", markdown=s["markdown"],
                                 description=f"Label audit {run_id}: headline figures and report files")
        create_table_artifact(key=s["artifact_key"] + "-flagged", table=s["table"] or [{"flagged": "none"}],
                              description=f"Label audit {run_id}: flagged products")
    except Exception as e:  # artifacts are a convenience: the reports are written either way
        print(f"warning: could not publish the Prefect artifacts: {e}", file=sys.stderr)
    return paths


class PrefectSteps(Steps):
    """run_audit's steps as Prefect tasks.

    The extraction batches are dealt into 2 tasks per worker, submitted together (Prefect's
    thread runner), all feeding the run's one pool of isolated workers. A task run costs ~7 ms
    here and ~30 ms of server CPU, on the cores the extraction needs: one task per batch (20
    for 2,000 labels) added ~0.3 s to the audit, 4 tasks add under 0.1 s.
    """

    def extract_shares(self, workers: int) -> int:
        return 2 * max(1, workers)

    def extract(self, shares: list[list[FileJob]],
                read: Callable[[list[FileJob]], ExtractedRows]) -> Iterable[ExtractedRows]:
        # quote(): Prefect would otherwise walk every job to find futures in the inputs.
        # quote() is unwrapped by Prefect before the task runs: the task receives the list.
        futures = [extract_task.submit(read, cast(list[FileJob], quote(share))) for share in shares]
        for fut in futures:
            yield fut.result()

    def load(self, load: Callable[[], AuditRun]) -> AuditRun:
        return load_task(load)

    def reports(self, write: Callable[[], dict[str, Path]], db: Path, run_id: str) -> dict[str, Path]:
        return report_task(write, str(db), run_id)


_JSON_SCALARS = (str, int, float, bool, type(None))


class _InProcessFlow(Flow[P, R]):
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


def _flow(**options: Any) -> Callable[[Callable[P, R]], _InProcessFlow[P, R]]:
    """``@flow(**options)``, making an :class:`_InProcessFlow`."""
    return lambda fn: _InProcessFlow(fn, **options)


@_flow(name="labelaudit-audit", log_prints=False, validate_parameters=False)
def audit_flow(
    catalog: str, db: str, out: str | None = None, config: str | None = None,
    workers: int = 2, batch_size: int = 100, quiet: bool = False,
    file_timeout: float = DEFAULT_FILE_TIMEOUT_S, memory_mb: int = DEFAULT_MEMORY_MB,
    dask_address: str | None = None, report_formats: list[str] | None = None,
    total_memory_mb: int | None = None, max_pages: int = DEFAULT_MAX_PAGES,
) -> AuditResult:
    """Audit CATALOG (a folder, or a URL such as s3://bucket/catalog) into the warehouse DB.
    With ``dask_address`` (``tcp://host:8786``) extraction runs on that Dask cluster, whose
    workers must read the catalog (a path they all see, or a URL); loading stays here."""
    return run_audit(
        catalog, db, config=config, out=out, workers=workers, batch_size=batch_size, file_timeout=file_timeout,
        memory_mb=memory_mb, total_memory_mb=total_memory_mb, max_pages=max_pages, dask_address=dask_address,
        report_formats=report_formats, progress=None if quiet else say_on_stderr,
        steps=PrefectSteps(),
    )


def schedule_deployment(name: str, cron: str, parameters: dict[str, Any]) -> RunnerDeployment:
    """The audit flow as a deployment on a cron schedule (see README "Scheduled audits")."""
    from prefect.deployments.runner import RunnerDeployment

    deployment = audit_flow.to_deployment(
        name=name, cron=cron, parameters=parameters,
        description="labelaudit: audit a catalog of label PDFs on a schedule",
        tags=["labelaudit"],
    )
    # to_deployment is awaitable only when called from async code; here it has run.
    assert isinstance(deployment, RunnerDeployment)
    return deployment
