"""labelaudit's public functions: what the ``labelaudit`` command runs, for a program to call.

    import labelaudit

    result = labelaudit.audit("labels/", db="audit.duckdb", out="reports/")
    print(result.run.products_flagged, result.reports["html"])
    with labelaudit.connect("audit.duckdb") as con:
        con.sql("SELECT brand, product_name, rule_id FROM flagged_products").show()

The stages load inside each call, not at import: ``import labelaudit`` stays cheap
(see labelaudit/__init__.py).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from labelaudit.contracts.limits import DEFAULT_FILE_TIMEOUT_S, DEFAULT_MAX_PAGES, DEFAULT_MEMORY_MB

if TYPE_CHECKING:
    import duckdb

    from flows.run import AuditResult
    from labelaudit.contracts.records import AuditRun
    from rules import RuleSet

DEFAULT_DB = "labelaudit.duckdb"
DEFAULT_WORKERS = 2
DEFAULT_BATCH_SIZE = 100

StrPath = str | os.PathLike[str]


def load_rules(config: StrPath | None = None) -> RuleSet:
    """The rule set: the shipped rules with ``config`` (a TOML file, see rules/defaults.toml)
    applied over their defaults. Raises :class:`labelaudit.ConfigError` (the CLI's exit 78)
    naming the key when the file is wrong."""
    from rules import load_ruleset

    return load_ruleset(Path(config) if config is not None else None)


def audit(
    catalog: StrPath,
    db: StrPath = DEFAULT_DB,
    out: StrPath | None = None,
    config: StrPath | None = None,
    *,
    workers: int = DEFAULT_WORKERS,
    batch_size: int = DEFAULT_BATCH_SIZE,
    file_timeout: float = DEFAULT_FILE_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    total_memory_mb: int | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    dask_address: str | None = None,
    report_formats: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    prefect: bool = False,
) -> AuditResult:
    """Audit ``catalog`` into the DuckDB warehouse ``db`` and return the run's summary.

    ``catalog`` is a folder of label PDFs and images (read recursively; a ``catalog.csv`` at its root adds
    sku, brand, product name and retailer) or a URL such as ``s3://bucket/catalog``. Files whose
    bytes an earlier audit of ``db`` already read are not read again. With ``out``, the
    reports (``report_formats``, default all of html, pdf, csv, xlsx) are written there.
    ``config`` is a TOML file overriding rule thresholds and switches.

    Extraction runs in ``workers`` isolated processes, ``batch_size`` files per job, each file
    stopped after ``file_timeout`` seconds or ``memory_mb`` of memory and recorded as an
    error, the whole process tree held within ``total_memory_mb`` when given, at most
    ``max_pages`` pages read of one file (a longer one says so); or on the Dask cluster at
    ``dask_address`` (needs the ``dask`` extra).
    ``progress`` receives one line of text per step. With ``prefect``, the audit runs as the
    Prefect flow ``labelaudit-audit`` (as the CLI does: on ``PREFECT_API_URL`` when set, else
    on the server ``labelaudit server start`` runs for this warehouse, else on a temporary local
    server), and progress goes to stderr (a bar on a terminal) unless ``progress`` is None.

    Returns an :class:`AuditResult`: ``.run`` (an :class:`AuditRun`, the ``audit_runs`` row:
    files read, products flagged, flag counts...), ``.reports`` (kind -> path) and
    ``.warnings`` (catalog problems that did not stop the run).

    Raises :class:`labelaudit.ConfigError` for a bad ``config`` and
    :class:`labelaudit.CatalogError` for a catalog that is not there, both before anything
    is read or started; :class:`labelaudit.WarehouseBusy` while another audit writes ``db``.
    """
    # Both checks take milliseconds; a Prefect server takes seconds to start and a worker pool
    # most of one, so a wrong argument is reported before either.
    from flows.catalog import label_files
    from labelaudit.contracts.catalog import CatalogLocation

    ruleset = load_rules(config)
    where = CatalogLocation.parse(catalog)
    label_files(where)  # a folder that is not there, or holds nothing to audit
    workers, batch_size = max(1, workers), max(1, batch_size)
    if prefect:
        from flows.settings import configure_prefect, state_dir_for, temporary_server_wait

        state_dir = state_dir_for(Path(db))
        api_url = configure_prefect(state_dir)
        if api_url:
            from flows.server import healthy
            from labelaudit.contracts.errors import TransientError

            if not healthy(api_url, timeout=5.0):
                raise TransientError(f"no Prefect server answers at {api_url} (PREFECT_API_URL, or the one "
                                     f"`labelaudit server start` recorded in {state_dir}); start it, or unset "
                                     "PREFECT_API_URL to let the audit start a temporary one")
        if progress is not None:
            if api_url:
                progress(f"using Prefect server at {api_url.removesuffix('/').removesuffix('/api')}")
            else:
                progress(f"starting a temporary Prefect server (about {temporary_server_wait(state_dir)} s; "
                         "`labelaudit server start` keeps one running for later audits) ...")
        from flows.audit import audit_flow

        # The flow's parameters are what a deployment stores and the UI shows: plain values only.
        result: AuditResult = audit_flow(
            catalog=where.id, db=str(db), out=None if out is None else str(out),
            config=None if config is None else str(config), workers=workers, batch_size=batch_size,
            quiet=progress is None, file_timeout=file_timeout, memory_mb=memory_mb, dask_address=dask_address,
            report_formats=report_formats, total_memory_mb=total_memory_mb, max_pages=max_pages,
        )
        return result
    from flows.run import run_audit

    return run_audit(where, db, ruleset=ruleset, out=out, report_formats=report_formats, workers=workers,
                     batch_size=batch_size, file_timeout=file_timeout, memory_mb=memory_mb,
                     total_memory_mb=total_memory_mb, max_pages=max_pages, dask_address=dask_address,
                     progress=progress)


def reevaluate(db: StrPath = DEFAULT_DB, config: StrPath | None = None, catalog: StrPath | None = None,
               ) -> list[AuditRun]:
    """Judge what the warehouse ``db`` holds again with the current rules and ``config``,
    reading no PDF: one new run (kind ``reevaluate``) per catalog, or only for ``catalog``
    (the folder or URL as it was audited). Returns the runs, as :func:`audit` returns one.

    Raises :class:`FileNotFoundError` when there is no warehouse at ``db``,
    :class:`LookupError` when it holds no such catalog, :class:`labelaudit.ConfigError` for a
    bad ``config``."""
    from flows.pipeline import reevaluate as reevaluate_catalogs
    from labelaudit.contracts.catalog import CatalogLocation

    path = Path(db)
    if not path.is_file():
        raise FileNotFoundError(f"no warehouse at {path}: run `labelaudit audit CATALOG --db {path}` first")
    ruleset = load_rules(config)
    catalog_id = None if catalog is None else CatalogLocation.parse(catalog).id
    return reevaluate_catalogs(path, ruleset, catalog_id)


def connect(db: StrPath = DEFAULT_DB) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection to the warehouse ``db``, for queries (the relations are
    listed by ``labelaudit sql --help``). An audit never writes the open file, it replaces it
    when done, so an open connection keeps seeing the warehouse as it was: reconnect to see
    a later run. Close it when done (it is a context manager).

    Raises :class:`FileNotFoundError` when there is no warehouse at ``db``, and
    :class:`labelaudit.SchemaVersionError` for one too old to read (``labelaudit upgrade``)."""
    from warehouse.store import connect_read_only

    return connect_read_only(Path(db))


__all__ = ["DEFAULT_DB", "audit", "connect", "load_rules", "reevaluate"]
