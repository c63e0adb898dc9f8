"""The audit as a Prefect flow: a thin wrapper over :func:`flows.run.run_audit` whose steps
(extraction, load and judge, reports) run as three Prefect tasks, so the UI shows them.

What the Prefect UI tells of a run: its name (the catalog and the date), tags (``labelaudit``,
the catalog, its retailers), the run's progress and summary in its log, and two artifacts: the
headline figures and the flagged products (product, brand, retailer, rule, reason, file, page).

Importing this module imports Prefect and nothing else: the environment Prefect reads at
import is set by whoever starts the process (the CLI: flows.settings.configure_prefect);
the per-run defaults that keep a run cheap are applied around each in-process run
(flows.settings.run_settings).
"""
from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import datetime
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
from flows.run import AuditEvents, AuditResult, Steps, run_audit, task_shares
from labelaudit.contracts.records import AuditRun

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments.runner import RunnerDeployment

    from warehouse.load import CatalogEntry

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["AuditResult", "PrefectSteps", "audit_flow", "flagged_table", "schedule_deployment", "task_shares"]


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
    return write()


class PrefectSteps(Steps):
    """run_audit's steps as three Prefect tasks: extraction (one task: every batch goes to the
    run's one pool of isolated workers), load and judge, reports.

    A task run costs 4-7 ms here plus ~30 ms of server CPU, on the cores the extraction needs;
    a task per batch or per file would show nothing the run's log does not (progress is
    logged per batch) and cost that for each (benchmarks/orchestration.py measures it).
    """

    def extract(self, shares: list[list[FileJob]],
                read: Callable[[list[FileJob]], ExtractedRows]) -> Iterable[ExtractedRows]:
        # quote(): Prefect would otherwise walk every job to find futures in the inputs; it is
        # unwrapped before the task runs, so the task receives the list. Called, not submitted:
        # no thread runner, and progress reaches the display from this thread.
        for share in shares:
            yield extract_task(read, cast(list[FileJob], quote(share)))

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


def catalog_label(catalog: str) -> str:
    """A catalog as a person names it: a folder below the working directory relative to it
    (``examples/catalog``), anything else as audited (an absolute path, a URL)."""
    if "://" in catalog:
        return catalog
    try:
        return Path(catalog).resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except (ValueError, OSError):
        return catalog


def run_name() -> str:
    """``audit examples/catalog 2026-11-25 15:04``: the flow run's name, from its parameters
    (a deployment's runs too), in local time."""
    from prefect.runtime import flow_run

    catalog = str(flow_run.parameters.get("catalog") or "catalog")
    return f"audit {catalog_label(catalog)} {datetime.now():%Y-%m-%d %H:%M}"


# Tags are for filtering runs in the UI; a catalog of many retailers keeps the first ones.
MAX_RETAILER_TAGS = 20
# Rows of the flagged-products artifact; the reports list every one.
MAX_ARTIFACT_ROWS = 1000


class RunLog(AuditEvents):
    """run_audit's events in the flow run's log (the UI's Logs tab) and on the display, and the
    run's tags once the catalog is listed (its retailers are in its manifest).

    The log lines go through a logger of their own with Prefect's API handler only: Prefect's
    ``prefect.flow_runs`` logger also prints to the console, which has the display already."""

    def __init__(self, flow_run: FlowRun, catalog: str, display: AuditEvents | None) -> None:
        super().__init__()
        self.flow_run, self.catalog = flow_run, catalog
        self.display = display or AuditEvents()
        self.log = run_logger(flow_run)

    def note(self, msg: str) -> None:
        self.display.note(msg)
        self.log.info(msg.strip())

    def planned(self, entries: list[CatalogEntry], to_read: int) -> None:
        self.display.planned(entries, to_read)
        retailers = sorted({e.retailer.strip() for e in entries if e.retailer and e.retailer.strip()})
        tags = ["labelaudit", f"catalog:{catalog_label(self.catalog)}"]
        tags += [f"retailer:{r}" for r in retailers[:MAX_RETAILER_TAGS]]
        if len(retailers) > MAX_RETAILER_TAGS:
            tags.append(f"retailers:+{len(retailers) - MAX_RETAILER_TAGS} more")
        try:
            from prefect.context import FlowRunContext

            ctx = FlowRunContext.get()
            if ctx is not None and ctx.client is not None:
                ctx.client.update_flow_run(self.flow_run.id, tags=sorted({*(self.flow_run.tags or []), *tags}))
        except Exception as e:  # tags are a convenience: the audit goes on without them
            self.log.warning(f"could not tag the run: {e}")

    def read(self, done: int, total: int) -> None:
        self.display.read(done, total)
        self.log.info(f"read {done}/{total} files")


def run_logger(flow_run: FlowRun) -> logging.LoggerAdapter[logging.Logger]:
    from prefect.logging.handlers import APILogHandler

    logger = logging.getLogger("labelaudit.audit")
    if not any(isinstance(h, APILogHandler) for h in logger.handlers):
        logger.addHandler(APILogHandler())
        logger.setLevel(logging.INFO)
        logger.propagate = False
    # The run's id on every record: lines logged from the extract tasks' threads still belong to it.
    return logging.LoggerAdapter(logger, {"flow_run_id": str(flow_run.id)})


def flagged_table(db: str | Path, run_id: str) -> tuple[list[dict[str, Any]], int]:
    """The run's flagged products (verdict ``flagged``, as the run counts them), one row each,
    in plain column names, most serious first: (at most MAX_ARTIFACT_ROWS rows, how many there
    are). Waived flags are left out, as the reports count them; a column empty in every row
    (no manifest retailers) is left out. Products in review are in the reports."""
    from warehouse.store import connect_read_only

    con = connect_read_only(Path(db))
    try:
        rows = con.execute(
            """SELECT any_value(p.product_name), any_value(p.brand), any_value(p.retailer),
                      string_agg(f.rule_id, '; ' ORDER BY f.rule_id), string_agg(f.message, ' ' ORDER BY f.rule_id),
                      any_value(p.source_file), any_value(p.page),
                      min(CASE f.severity WHEN 'high' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END) AS worst
               FROM flags f JOIN products p ON p.catalog = f.catalog AND p.product_key = f.product_key
               JOIN verdicts v ON v.audit_run_id = f.audit_run_id AND v.product_key = f.product_key
               WHERE f.audit_run_id = ? AND v.verdict = 'flagged' AND NOT coalesce(f.waived, false)
               GROUP BY f.product_key
               ORDER BY worst, 2 NULLS LAST, 1 NULLS LAST, 6""", [run_id]).fetchall()
    finally:
        con.close()
    table = [{"Product": r[0] or "(no name read)", "Brand": r[1], "Retailer": r[2],
              "Severity": ("high", "warning", "info")[r[7]], "Rule": r[3], "Reason": r[4], "File": r[5], "Page": r[6]}
             for r in rows[:MAX_ARTIFACT_ROWS]]
    empty = [c for c in ("Brand", "Retailer") if table and all(row[c] in (None, "") for row in table)]
    return [{k: v for k, v in row.items() if k not in empty} for row in table], len(rows)


def summary_markdown(result: AuditResult, catalog: str, flagged: int, shown: int) -> str:
    run = result.run
    lines = [
        f"# Label audit {run.audit_run_id}",
        "",
        f"Catalog `{catalog_label(catalog)}`: {run.files_seen} files ({run.files_read} read, "
        f"{run.files_reused} unchanged since the last audit).",
        "",
        f"**{run.products_flagged}** products flagged, **{run.products_needing_review}** need review, "
        f"{run.products_passed} pass, {run.products_waived} with a waived flag; {run.products_not_ok} file(s) "
        f"not readable. Flags: {run.flags_high} high, {run.flags_warning} warning, {run.flags_info} info "
        "(waived flags not counted).",
    ]
    if flagged:
        more = f" (the first {shown} of {flagged}; the reports list every one)" if shown < flagged else ""
        lines += ["", f"The flagged products, with the reason and the file: the table artifact{more}."]
    if result.reports:
        lines += ["", "| report | file |", "|---|---|"]
        lines += [f"| {k} | `{Path(v).resolve()}` |" for k, v in sorted(result.reports.items())]
    return "\n".join(lines)


def publish_artifacts(result: AuditResult, catalog: str, db: str, log: logging.LoggerAdapter[logging.Logger]) -> None:
    """The run's summary and flagged products as artifacts of the flow run (keys per catalog,
    so the UI's Artifacts page keeps each catalog's history)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    run_id = result.run.audit_run_id
    key = "labelaudit-" + (re.sub(r"[^a-z0-9]+", "-", Path(catalog.rstrip("/")).name.lower()).strip("-")[:40]
                           or "catalog")
    table, flagged = flagged_table(db, run_id)
    create_markdown_artifact(key=key + "-summary", markdown=summary_markdown(result, catalog, flagged, len(table)),
                             description=f"Label audit {run_id}: headline figures and report files")
    create_table_artifact(key=key + "-flagged", table=table or [{"Product": "no product flagged"}],
                          description=f"Label audit {run_id}: flagged products, the reason and the file")
    log.info(f"artifacts {key}-summary and {key}-flagged: {flagged} flagged product(s)")


def ui_url_of(flow_run: FlowRun) -> str | None:
    """The run's page in the Prefect UI, when the run is on a standing server (a temporary
    server's UI is off and goes away with this process)."""
    if not os.environ.get("PREFECT_API_URL"):
        return None
    from prefect.utilities.urls import url_for

    try:
        return url_for("flow-run", obj_id=flow_run.id)
    except Exception:
        return None


@_flow(name="labelaudit-audit", flow_run_name=run_name, log_prints=False, validate_parameters=False)
def audit_flow(
    catalog: str, db: str, out: str | None = None, config: str | None = None,
    workers: int = 2, batch_size: int = 100, quiet: bool = False,
    file_timeout: float = DEFAULT_FILE_TIMEOUT_S, memory_mb: int = DEFAULT_MEMORY_MB,
    dask_address: str | None = None, report_formats: list[str] | None = None,
    total_memory_mb: int | None = None, max_pages: int = DEFAULT_MAX_PAGES,
) -> AuditResult:
    """Audit CATALOG (a folder, or a URL such as s3://bucket/catalog) into the warehouse DB.
    With ``dask_address`` (``tcp://host:8786``) extraction runs on that Dask cluster, whose
    workers must read the catalog (a path they all see, or a URL); loading stays here.
    Progress goes to the run's log, and to stderr unless ``quiet`` (a bar on a terminal)."""
    from prefect.context import FlowRunContext

    from flows.progress import display_for

    ctx = FlowRunContext.get()
    assert ctx is not None and ctx.flow_run is not None  # the engine runs this body inside its run
    display = None if quiet else display_for(sys.stderr)
    events = RunLog(ctx.flow_run, catalog, display)
    url = ui_url_of(ctx.flow_run)
    if url:
        events.note(f"this run in the Prefect UI: {url}")
    with display or nullcontext():
        result = run_audit(
            catalog, db, config=config, out=out, workers=workers, batch_size=batch_size, file_timeout=file_timeout,
            memory_mb=memory_mb, total_memory_mb=total_memory_mb, max_pages=max_pages, dask_address=dask_address,
            report_formats=report_formats, progress=events, steps=PrefectSteps(),
        )
    result.run_url = url
    run = result.run
    events.log.info(f"audit {run.audit_run_id} done: {run.files_seen} files ({run.files_read} read, "
                    f"{run.files_reused} unchanged); {run.products_flagged} products flagged, "
                    f"{run.products_needing_review} need review, {run.products_passed} pass; flags: "
                    f"{run.flags_high} high, {run.flags_warning} warning, {run.flags_info} info")
    try:
        publish_artifacts(result, catalog, db, events.log)
    except Exception as e:  # artifacts are a convenience: the warehouse and reports are written either way
        events.log.warning(f"could not publish the artifacts: {e}")
        print(f"warning: could not publish the Prefect artifacts: {e}", file=sys.stderr)
    return result


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
