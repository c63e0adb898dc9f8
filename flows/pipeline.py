"""The audit's steps as plain functions; flows/run.py's run_audit puts them in order (and
flows/audit.py's Prefect flow runs that, with some steps as tasks).

Extraction is CPU-bound pdfplumber work: it runs in spawned worker processes, files
batched per task so orchestration stays cheap (../shared/notes/stack-facts.md).
"""
from __future__ import annotations

import difflib
import os
import uuid
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import duckdb

from extract.version import EXTRACTOR_VERSION
from flows.executor import (
    DEFAULT_FILE_TIMEOUT_S,
    DEFAULT_MAX_PAGES,
    DEFAULT_MEMORY_MB,
    ExtractedRows,
    FileJob,
    cut_version,
    extract_batch,
)
from labelaudit.contracts.catalog import CatalogLocation
from labelaudit.contracts.records import AuditRun, Flag
from rules import RuleSet, evaluate
from rules.verdicts import apply_waivers, verdicts
from warehouse.corrections import apply_to_products, lapse
from warehouse.load import (
    CatalogEntry,
    insert_label_versions,
    known_versions,
    now,
    publish_products,
    record_flags,
    record_run,
    record_verdicts,
)
from warehouse.store import cleanup_stale_stages, connect_read_only, staged_write, writer_lock


def pause_point(name: str) -> None:
    """Fault injection for the crash-safety and hostile-catalog tests: with
    LABELAUDIT_PAUSE_AT=<name>[,<name>...] the run announces itself on stderr and waits here, so a
    test can SIGKILL it at that moment, or change the catalog under it. It waits
    LABELAUDIT_PAUSE_SECONDS, or with LABELAUDIT_PAUSE_RESUME=stdin until a line arrives on
    stdin: the test says when to go on, no timing involved."""
    if name in os.environ.get("LABELAUDIT_PAUSE_AT", "").split(","):
        import sys
        import time

        print(f"labelaudit: paused at {name}", file=sys.stderr, flush=True)
        if os.environ.get("LABELAUDIT_PAUSE_RESUME") == "stdin":
            sys.stdin.readline()
        else:
            time.sleep(float(os.environ.get("LABELAUDIT_PAUSE_SECONDS", "120")))


def batches(jobs: list[FileJob], size: int) -> list[list[FileJob]]:
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


def batch_size_for(n_jobs: int, workers: int, batch_size: int) -> int:
    """Files per task: at most ``batch_size``, but enough tasks to keep every worker busy."""
    return max(1, min(batch_size, -(-n_jobs // max(1, workers * 2))))


def plan_reads(db: Path, entries: list[CatalogEntry], catalog_root: str | Path | CatalogLocation,
               max_pages: int = DEFAULT_MAX_PAGES) -> tuple[list[FileJob], int]:
    """Jobs for the files whose bytes this extractor version (with this page limit, for files
    longer than it) has not read yet."""
    where = CatalogLocation.parse(catalog_root)
    known: set[str] = set()
    if db.exists():
        con = connect_read_only(db)
        try:
            known = known_versions(con, sorted({e.sha256 for e in entries if e.sha256}),
                                   [EXTRACTOR_VERSION, cut_version(max_pages)])
        except Exception:
            known = set()  # an older or foreign file: read everything
        finally:
            con.close()
    jobs: list[FileJob] = []
    seen: set[str] = set()
    for e in entries:
        if e.sha256 is None or e.sha256 in known or e.sha256 in seen:
            continue  # None: discovery could not read it, it is rowed as unread
        seen.add(e.sha256)
        jobs.append(FileJob(catalog=where, source_file=e.source_file, sha256=e.sha256, link=e.link))
    reused = len({e.sha256 for e in entries} & known)
    return jobs, reused


def new_run_id() -> str:
    return now().strftime("%Y%m%dT%H%M%S%f")[:-3] + "-" + uuid.uuid4().hex[:6]


def load_and_judge(
    db: Path, catalog: str, run_id: str, started_at: datetime, entries: list[CatalogEntry], rows: ExtractedRows,
    ruleset: RuleSet, files_reused: int,
) -> AuditRun:
    """Write the run into a staged copy of the warehouse, judge it, publish atomically."""
    from flows.analyst import apply_journal, journal_done, rejudge

    with staged_write(db) as con:
        insert_label_versions(con, rows.versions, rows.nutrients)
        publish_products(con, run_id, catalog, entries)
        handled, _ = apply_journal(con, db)  # corrections queued since the last write
        run = replace(judge(con, catalog, run_id, started_at, ruleset, kind="audit"),
                      files_seen=len(entries), files_read=rows.files, files_reused=files_reused)
        record_run(con, run)
        pause_point("load")  # everything written to the staging copy, nothing published yet
        # Corrections queued while this audit ran: applied as it publishes, never left waiting.
        late, changed = apply_journal(con, db)
        handled += late
        if catalog in changed:
            judged = rejudge(con, catalog, ruleset)
            run = replace(run, **{k: getattr(judged, k) for k in (
                "flags_high", "flags_warning", "flags_info", "products_flagged", "products_needing_review",
                "products_waived")})
    journal_done(db, handled)
    return run


def judge(con: duckdb.DuckDBPyConnection, catalog: str, run_id: str, started_at: datetime, ruleset: RuleSet,
          kind: str) -> AuditRun:
    """Rules, waivers and verdicts for a catalog's current products; the run's counts.

    Products are counted from their verdicts (one each) and flags from the unwaived flags, so
    the run record, the ``verdicts`` table and the reports count alike."""
    lapse(con, catalog, run_id)
    apply_to_products(con, catalog)
    # Products whose file could not be read this time keep their last flags (never silently gone).
    flags = evaluate(con, ruleset, catalog) + last_flags(con, catalog)
    apply_waivers(con, catalog, flags)
    record_flags(con, run_id, catalog, flags)
    vs = verdicts(con, catalog, flags, ruleset.params.get("review_min_ocr_confidence", 0.8))
    record_verdicts(con, run_id, catalog, vs)
    counts = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE status = 'ok') FROM products WHERE catalog = ?", [catalog]
    ).fetchall()[0]
    live = [f for f in flags if not f.waived]
    return AuditRun(
        audit_run_id=run_id, kind=kind, started_at=started_at, finished_at=now(), catalog=catalog,
        ruleset_version=ruleset.version_label, rule_params=ruleset.record(), extractor_version=EXTRACTOR_VERSION,
        products=counts[0], products_ok=counts[1], products_not_ok=counts[0] - counts[1],
        flags_high=sum(f.severity == "high" for f in live),
        flags_warning=sum(f.severity == "warning" for f in live),
        flags_info=sum(f.severity == "info" for f in live),
        products_flagged=sum(v["verdict"] == "flagged" for v in vs),
        products_needing_review=sum(v["verdict"] == "needs_review" for v in vs),
        products_waived=len({f.product_key for f in flags if f.waived}),
    )


def last_flags(con: duckdb.DuckDBPyConnection, catalog: str) -> list[Flag]:
    """The flags of the catalog's previous run on products kept from their last reading because
    their file could not be read this time (an ``error`` row with a page: warehouse.load
    _unread_rows). Rules judge readable labels only; these keep their flags, and their verdict
    goes to review (rules.verdicts), so a flagged product never drops out of flagged_products
    because a file share's permissions changed."""
    rows = con.execute(
        """SELECT f.rule_id, f.severity, f.product_key, f.product_id, f.message, f.evidence
           FROM flags f
           JOIN latest_runs r ON r.catalog = f.catalog AND r.audit_run_id = f.audit_run_id
           JOIN products p ON p.catalog = f.catalog AND p.product_key = f.product_key AND p.product_id = f.product_id
           WHERE f.catalog = ? AND p.status = 'error' AND p.page IS NOT NULL
           ORDER BY f.product_key, f.rule_id""", [catalog]).fetchall()
    return [Flag(rule_id=r[0], severity=r[1], product_key=r[2], product_id=r[3], message=r[4], evidence=r[5])
            for r in rows]


def reevaluate(db: Path, ruleset: RuleSet, catalog: str | None = None) -> list[AuditRun]:
    """Apply the (new or changed) rules to what the warehouse holds: a new run per catalog,
    reading no PDF."""
    from flows.analyst import analyst_write

    runs = []
    with analyst_write(db) as con:
        catalogs = [r[0] for r in con.execute(
            "SELECT DISTINCT catalog FROM products WHERE $c IS NULL OR catalog = $c ORDER BY 1", {"c": catalog}
        ).fetchall()]
        if not catalogs:
            raise LookupError(f"the warehouse holds no catalog{' ' + catalog if catalog else ''}")
        for cat in catalogs:
            run = judge(con, cat, new_run_id(), now(), ruleset, kind="reevaluate")
            record_run(con, run)
            runs.append(run)
    return runs


__all__ = [
    "ExtractedRows",
    "FileJob",
    "cleanup_stale_stages",
    "extract_batch",
    "load_and_judge",
    "new_run_id",
    "plan_reads",
    "writer_lock",
]


def audit_catalog(
    root: Path, db: Path, ruleset: RuleSet, workers: int = 2, batch_size: int = 100,
    file_timeout: float = DEFAULT_FILE_TIMEOUT_S, memory_mb: int = DEFAULT_MEMORY_MB,
) -> tuple[AuditRun, list[str]]:
    """Deprecated: call :func:`flows.run.run_audit`, which this is, returning (run, warnings)."""
    from flows.run import run_audit

    result = run_audit(root, db, ruleset=ruleset, workers=workers, batch_size=batch_size, file_timeout=file_timeout,
                       memory_mb=memory_mb)
    return result.run, result.warnings


def add_waiver(
    db: Path, product_key: str, rule_id: str, reason: str, analyst: str, expires_on: date, ruleset: RuleSet,
    catalog: str | None = None, force: bool = False,
) -> tuple[str, AuditRun]:
    """Accept one flag on one product's current label, then re-judge its catalog in place (no new
    audit run: the next report still compares with the previous audit) so reports show the flag
    as waived at once. Returns (waiver id, the latest run as re-judged).

    A waiver of a rule the product does not raise is refused unless ``force`` (a waiver made
    ahead of a flag): accepting a risk nobody was shown is more likely a wrong key or rule."""
    from flows.analyst import AnalystInputError, analyst_write, find_product, rejudge

    with analyst_write(db) as con:
        p = find_product(con, product_key, catalog)
        cat, pid = p["catalog"], p["product_id"]
        if rule_id not in {r.id for r in ruleset.rules}:
            near = difflib.get_close_matches(rule_id, [r.id for r in ruleset.rules], n=3)
            hint = "; did you mean " + " or ".join(near) + "?" if near else ""
            raise AnalystInputError(f"no rule {rule_id!r}{hint}; `labelaudit rules` lists them")
        raised = [r[0] for r in con.execute(
            """SELECT DISTINCT f.rule_id FROM flags f JOIN latest_runs r USING (catalog, audit_run_id)
               WHERE f.catalog = ? AND f.product_key = ? ORDER BY 1""", [cat, product_key]).fetchall()]
        if rule_id not in raised and not force:
            raise AnalystInputError(
                f"{rule_id} is not raised on {product_key} in the latest run "
                f"(it raises: {', '.join(raised) or 'no flag'}); "
                "pass --force to waive it ahead of a flag")
        waiver_id = "w-" + uuid.uuid4().hex[:10]
        con.execute(
            "INSERT INTO waivers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [waiver_id, cat, product_key, rule_id, pid, reason, analyst, now(), expires_on],
        )
        run = rejudge(con, cat, ruleset)
    assert run is not None, "a product found in the warehouse belongs to a catalog with an audit run"
    return waiver_id, run
