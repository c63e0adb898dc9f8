"""The ``labelaudit`` command line.

Exit codes: see EXIT_CODES, which ``--help`` prints (tests/test_cli_help.py checks that
every code the command returns is there).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from labelaudit.contracts.errors import LabelAuditError
from labelaudit.contracts.limits import DEFAULT_FILE_TIMEOUT_S, DEFAULT_MAX_PAGES, DEFAULT_MEMORY_MB
from labelaudit.contracts.records import AuditRun

DEFAULT_DB = "labelaudit.duckdb"

EXIT_CODES = {
    0: "done (an audit that flags products still succeeded)",
    1: "unexpected failure: a bug, please report it with the output",
    2: "bad usage, or input that cannot work (no warehouse, unknown rule, bad SQL)",
    3: "extract: the PDF could not be read (the JSON says why); server status: no server runs",
    66: "catalog not found, or nothing in it to audit: no label PDF or image (EX_NOINPUT)",
    75: "warehouse busy: another audit holds it, try again later (EX_TEMPFAIL)",
    78: "a config file is wrong (EX_CONFIG)",
    130: "interrupted (Ctrl-C); the warehouse is left as it was",
    141: "the output was closed early (`| head`), as for any tool cut off by SIGPIPE",
}


def _exit_codes_help() -> str:
    return "Exit codes:\n" + "\n".join(f"  {code:>3}  {what}" for code, what in EXIT_CODES.items())


def _db_default() -> str:
    return os.environ.get("LABELAUDIT_DB", DEFAULT_DB)


class _WrappedDescription(argparse.HelpFormatter):
    """Wraps the description as usual but prints the epilog (a list) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="labelaudit",
        description="Audit dietary-supplement label PDFs: read every Supplement Facts panel, load a DuckDB "
        "warehouse you can query in SQL, and flag high-dose vitamin D3 products that lack vitamin K2 or magnesium.",
        epilog=_exit_codes_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    a = sub.add_parser("audit", help="audit a catalog folder of label PDFs",
                       description="Read every PDF below CATALOG (recursively; catalog.csv at its root adds sku, "
                       "brand, product_name, retailer), load the warehouse, apply the rules and write the reports. "
                       "Files whose bytes have not changed since the last audit are not read again.")
    a.add_argument("catalog", metavar="CATALOG", help="folder of label PDFs, or a URL such as s3://bucket/catalog")
    a.add_argument("--db", default=_db_default(),
                   help="DuckDB warehouse file (created if missing; default: %(default)s)")
    a.add_argument("--out", default="labelaudit-reports",
                   help="folder for the HTML and CSV reports (default: %(default)s)")
    a.add_argument("--config", help="TOML file overriding rule thresholds and switches (see rules/defaults.toml)")
    a.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 8),
                   help="extraction processes (default: %(default)s)")
    a.add_argument("--batch-size", type=int, default=100,
                   help="files a worker reads per job; smaller jobs balance better, larger ones cost less "
                   "(default: %(default)s)")
    a.add_argument("--file-timeout", type=float, default=DEFAULT_FILE_TIMEOUT_S, metavar="SECONDS",
                   help="stop reading a file after this long and record it as an error (default: %(default)s)")
    a.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB,
                   help="memory a worker process may use before its file is recorded as an error "
                   "(default: %(default)s)")
    a.add_argument("--total-memory-mb", type=int, default=None, metavar="MB",
                   help="bound for the whole process tree (this process and its workers): fewer workers, or less "
                   "memory each, so that it holds (default: no bound beyond --workers x --memory-mb + ~512)")
    a.add_argument("--max-pages", type=int, default=DEFAULT_MAX_PAGES,
                   help="pages read of one PDF; a longer file says in its status_detail that it was cut "
                   "(default: %(default)s)")
    a.add_argument("--dask-address", metavar="tcp://HOST:PORT",
                   help="run extraction on this existing Dask cluster (its workers must read CATALOG: a shared path "
                   "or a URL such as s3://bucket/catalog); the warehouse is written here")
    a.add_argument("--quiet", action="store_true", help="print only the final summary")

    e = sub.add_parser("extract",
                       help="print the panels read from one label PDF or image as JSON (no warehouse, no Prefect)")
    e.add_argument("file", metavar="FILE")
    e.add_argument("--normalised", action="store_true",
                   help="also print the warehouse rows (canonical units, daily dose)")

    from labelaudit.terminal import relations_help

    q = sub.add_parser("sql", help="run a SQL query against the warehouse and print a table",
                       description="Runs QUERY on the warehouse, read-only and with no access to other files or the "
                       "network (see --write, --allow-files), and prints the result as a table that wraps to the "
                       "terminal's width (COLUMNS), or as CSV. The tables and views QUERY can use are listed "
                       "below; DESCRIBE NAME lists one's columns.",
                       epilog=relations_help(), formatter_class=_WrappedDescription)
    q.add_argument("query", metavar="QUERY")
    q.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (default: %(default)s)")
    q.add_argument("--csv", action="store_true", help="print CSV instead of a table (every row)")
    q.add_argument("--max-rows", type=int, default=200, metavar="N",
                   help="print at most N rows of a table, 0 for all (default: %(default)s)")
    q.add_argument("--write", action="store_true",
                   help="open the warehouse read-write (fails while an analyst or another program has it open); "
                   "by default it is opened read-only")
    q.add_argument("--allow-files", action="store_true",
                   help="let QUERY read and write files and the network (read_csv, COPY, EXPORT, ATTACH, INSTALL); "
                   "by default it sees the warehouse and nothing else")

    rp = sub.add_parser("report", help="write the reports of an audit run (HTML, PDF, CSV, XLSX; no Prefect)",
                        description="Write the catalog summary and one report per retailer (or only --retailer's) for "
                        "an audit run: headline figures, charts, flagged products with image crops of the label rows "
                        "used, products needing review, and changes since the previous run of the same catalog.")
    rp.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (default: %(default)s)")
    rp.add_argument("--out", default="labelaudit-reports", help="folder for the reports (default: %(default)s)")
    rp.add_argument("--run", metavar="ID", help="audit run id (default: the latest run of the catalog)")
    rp.add_argument("--catalog",
                    help="catalog (folder or URL, as audited) whose latest run to report, when the warehouse holds "
                    "several")
    rp.add_argument("--retailer", metavar="NAME",
                    help="only this retailer's report (products.retailer, from the manifest)")
    rp.add_argument("--format", default="html,pdf,csv,xlsx", help="comma-separated formats (default: %(default)s)")
    rp.add_argument("--self-contained", action=argparse.BooleanOptionalAction, default=True,
                    help="the HTML as one file that can be mailed, crops inside it (default); --no-self-contained: "
                    "crops in a crops/ folder beside it")

    r = sub.add_parser("rules", help="list the rules with their severity, thresholds and rationale")
    r.add_argument("--config", help="TOML file overriding rule thresholds and switches")
    r.add_argument("--explain", metavar="ID", help="show one rule in full, with its SQL")

    sc = sub.add_parser("schedule", help="serve the audit as a Prefect deployment on a cron schedule",
                        description="Register the audit of CATALOG as a Prefect deployment with a cron schedule and "
                        "serve it: this process runs each scheduled audit until stopped (Ctrl-C). Point "
                        "PREFECT_API_URL "
                        "at a running `prefect server start` to see the deployment and its runs in the UI.")
    sc.add_argument("catalog", metavar="CATALOG")
    sc.add_argument("--cron", required=True, help='cron schedule, e.g. "0 2 * * *" for 02:00 every night')
    sc.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (default: %(default)s)")
    sc.add_argument("--out", default="labelaudit-reports", help="folder for the reports (default: %(default)s)")
    sc.add_argument("--config", help="TOML rules config")
    sc.add_argument("--name", default="nightly", help="deployment name (default: %(default)s)")
    sc.add_argument("--register-only", action="store_true", help="create or update the deployment and exit")

    sv = sub.add_parser("server", help="start, stop or check a local Prefect server that later audits use",
                        description="A Prefect server in the background, so that audits do not each start a "
                        "temporary one (10-20 s) and their runs stay in its UI. Its state (database, log) lives in "
                        "LABELAUDIT_HOME when set, else in .labelaudit/ beside the warehouse (--db); an audit of "
                        "that warehouse finds it there and connects. PREFECT_API_URL, when set, wins over it.")
    sv.add_argument("action", choices=("start", "stop", "status"),
                    help="start: in the background, and print its UI address; stop: stop it; status: say whether "
                    "it runs and where (exit 0 when it runs, 3 when not)")
    sv.add_argument("--db", default=_db_default(),
                    help="the warehouse whose audits use it: its state goes beside it (default: %(default)s)")
    sv.add_argument("--port", type=int, default=4200, help="port on 127.0.0.1 (default: %(default)s)")
    sv.add_argument("--timeout", type=float, default=180, metavar="SECONDS",
                    help="how long start waits for the server to answer (default: %(default)s)")

    ev = sub.add_parser("reevaluate", help="apply new or changed rules to the whole warehouse, reading no PDF",
                        description="Judge every catalog in the warehouse again with the current rules and --config: "
                        "a new audit run per catalog (kind 'reevaluate') with its flags and verdicts. No PDF is read.")
    ev.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (default: %(default)s)")
    ev.add_argument("--config", help="TOML file overriding rule thresholds and switches")
    ev.add_argument("--catalog",
                    help="only this catalog, a folder or URL as audited (default: every catalog in the warehouse)")

    wv = sub.add_parser("waive", help="accept a flag on a product while its label is unchanged",
                        description="Record that an analyst accepted RULE_ID on PRODUCT_KEY. The waiver holds across "
                        "runs while the label version is the same, and lapses when the label changes or it expires.")
    wv.add_argument("product_key", metavar="PRODUCT_KEY")
    wv.add_argument("rule_id", metavar="RULE_ID")
    wv.add_argument("--reason", required=True, help="why the flag is accepted")
    wv.add_argument("--by", required=True, help="who accepts it")
    wv.add_argument("--expires", required=True, metavar="YYYY-MM-DD", help="last day the waiver holds")
    wv.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (default: %(default)s)")
    wv.add_argument("--catalog", help="catalog (folder or URL, as audited), when the key is in several")
    wv.add_argument("--config", help="TOML rules config to judge with")
    wv.add_argument("--force", action="store_true",
                    help="waive a rule the product does not raise now (ahead of a flag)")

    wl = sub.add_parser("waivers", help="list waivers and whether they still hold")
    wl.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (default: %(default)s)")

    rv = sub.add_parser("review", help="list the products waiting for an analyst, most serious first",
                        description="The products in needs_review in the latest run of each catalog, with the flag "
                        "they would carry and why they wait. `labelaudit correct` settles them.")
    rv.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (default: %(default)s)")
    rv.add_argument("--catalog", help="only this catalog, a folder or URL as audited")
    rv.add_argument("--csv", action="store_true", help="print CSV instead of a table")

    co = sub.add_parser("correct", help="correct what was read off a label (one row, or servings per day)",
                        description="Set by hand what the label says where extraction read it wrong. The correction "
                        "holds for this label version while its value is read the same way, and lapses visibly (the "
                        "report lists it to redo) when the file or the reading changes. While an audit is writing "
                        "the warehouse the correction is queued and applied when the audit publishes.")
    co.add_argument("product_key", metavar="PRODUCT_KEY", nargs="?",
                    help="as `labelaudit review` and the reports show it")
    co.add_argument("--nutrient", metavar="NAME", help="the row's nutrient, e.g. vitamin_d")
    sel = co.add_mutually_exclusive_group()
    sel.add_argument("--form", metavar="F", help="pick the row by its form (D3, K2...); with --add, the new row's form")
    sel.add_argument("--row", metavar="TEXT",
                     help="pick the row by its name as printed; with --add, the new row's name")
    co.add_argument("--amount", type=float, metavar="X", help="the amount per serving the label prints")
    co.add_argument("--unit", metavar="U", help="mcg, mg, g, IU, mcg RAE, mcg DFE")
    co.add_argument("--set-form", metavar="F", help="the row's form as the label says it (D3, D2, K1, K2...)")
    act = co.add_mutually_exclusive_group()
    act.add_argument("--add", action="store_true", help="add a row extraction missed (--nutrient, --amount, --unit)")
    act.add_argument("--remove", action="store_true", help="drop a row that is not on the label")
    act.add_argument("--confirm", action="store_true",
                     help="accept the reading as it is (the row's, with --nutrient; else the whole product's)")
    act.add_argument("--servings-per-day", type=float, metavar="X", help="the daily servings the directions give")
    act.add_argument("--undo", metavar="ID", help="take back correction ID")
    co.add_argument("--reason", help="why: what the label shows")
    co.add_argument("--by", required=True, help="who")
    co.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (default: %(default)s)")
    co.add_argument("--catalog", help="catalog (folder or URL, as audited), when the key is in several")
    co.add_argument("--config", help="TOML rules config to judge with")

    cl = sub.add_parser("corrections", help="list corrections and whether they hold, lapsed or were taken back")
    cl.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (default: %(default)s)")

    ui = sub.add_parser("ui", help="serve the analyst's page on 127.0.0.1: review queue, label crops, corrections",
                        description="A local web page over the warehouse: the review queue, each product's label crop "
                        "beside its rows as read and in force, and forms to correct, confirm, undo and waive (the same "
                        "records as the CLI). Serves 127.0.0.1 only; stop it with Ctrl-C.")
    ui.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (default: %(default)s)")
    ui.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default: %(default)s)")
    ui.add_argument("--config", help="TOML rules config to judge corrections with")

    up = sub.add_parser("upgrade", help="bring a warehouse written by an older labelaudit to this one's schema",
                        description="Apply the schema migrations the warehouse lacks, keeping its runs, waivers and "
                        "history (any audit, reevaluate or waive does the same first). The file is replaced "
                        "atomically: a failed upgrade leaves it as it was.")
    up.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (default: %(default)s)")
    return p


def _catalog_id(catalog: str | None) -> str | None:
    """A catalog named on the command line as the warehouse names it (a folder's absolute path, or its URL)."""
    if catalog is None:
        return None
    from labelaudit.contracts.catalog import CatalogLocation

    return CatalogLocation.parse(catalog).id


def _missing_warehouse(db: Path) -> bool:
    """True, after saying what to do, when there is no warehouse file to work on."""
    if db.is_file():
        return False
    print(f"error: no warehouse at {db}; run `labelaudit audit CATALOG --db {db}` first", file=sys.stderr)
    return True


def run_counts(run: AuditRun) -> str:
    """A run's counts as the CLI prints them: products (one verdict each) apart from flags, in the
    words and numbers ``audit_runs``, ``verdicts`` and the reports use."""
    return (f"{run.products_ok} panels audited, {run.products_not_ok} files not readable; "
            f"{run.products_flagged} products flagged, {run.products_needing_review} products need review, "
            f"{run.products_passed} products pass, {run.products_waived} products with a waived flag; "
            f"flags: {run.flags_high} high, {run.flags_warning} warning, {run.flags_info} info "
            "(waived flags not counted)")


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cmd_audit(args: argparse.Namespace) -> int:
    from labelaudit import api

    t0 = time.perf_counter()
    # The same call a program makes, run as the Prefect flow so the UI shows it.
    result = api.audit(
        args.catalog, db=args.db, out=args.out, config=args.config, workers=args.workers, batch_size=args.batch_size,
        file_timeout=args.file_timeout, memory_mb=args.memory_mb, dask_address=args.dask_address,
        progress=None if args.quiet else _say, prefect=True,
        total_memory_mb=args.total_memory_mb, max_pages=max(1, args.max_pages),
    )
    run = result.run
    print(f"audit {run.audit_run_id} done in {time.perf_counter() - t0:.1f} s: "
          f"{run.files_seen} files ({run.files_read} read, {run.files_reused} unchanged), {run_counts(run)}")
    print(f"warehouse: {Path(args.db).resolve()}")
    for kind, path in sorted(result.reports.items()):
        print(f"report ({kind}): {Path(path).resolve()}")
    if result.run_url:
        print(f"Prefect run: {result.run_url}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from extract import EXTRACTOR_VERSION
    from extract.image import extract_label

    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path} is not a file", file=sys.stderr)
        return 2
    try:
        data = path.read_bytes()
    except OSError as e:
        print(f"error: {path} could not be read ({e.strerror or e})", file=sys.stderr)
        return 2
    ext = extract_label(data, path.name)
    out = ext.to_dict()
    if args.normalised:
        from flows.catalog import sha256_file
        from warehouse.normalise import normalise_file

        versions, nutrients = normalise_file(sha256_file(path), ext, EXTRACTOR_VERSION)
        out["warehouse_rows"] = {"label_versions": versions, "nutrients": nutrients}
    json.dump(out, sys.stdout, indent=2, ensure_ascii=False, default=str)
    print()
    return 0 if ext.status in ("ok", "no_panel") else 3


def cmd_sql(args: argparse.Namespace) -> int:
    if args.write:
        from warehouse.store import writer_lock

        # Writes must not race an audit, whose publish would silently replace them.
        with writer_lock(Path(args.db)):
            return _sql(args)
    return _sql(args)


# Statements whose whole point is a file, another database or an extension: refused by name,
# before DuckDB runs anything, unless --allow-files (DuckDB would refuse them too, less clearly).
_FILE_STATEMENTS = ("ATTACH", "DETACH", "COPY", "COPY_DATABASE", "EXPORT", "LOAD", "EXTENSION")
_ALLOW_FILES = "labelaudit sql reads the warehouse only; pass --allow-files to let the query use files or the network"


def _file_statements(query: str) -> list[str]:
    import duckdb

    try:
        kinds = [s.type.name for s in duckdb.extract_statements(query)]
    except (duckdb.Error, ValueError):
        return []  # unparsable here: DuckDB says why when it runs it, with file access still off
    return [k for k in kinds if k in _FILE_STATEMENTS]


def _sql(args: argparse.Namespace) -> int:
    import duckdb

    if not Path(args.db).is_file():
        print(f"error: no warehouse at {args.db}: run `labelaudit audit CATALOG --db {args.db}` first", file=sys.stderr)
        return 2
    if not args.allow_files and (refused := _file_statements(args.query)):
        print(f"error: {', '.join(sorted(set(refused)))} statement refused: {_ALLOW_FILES}", file=sys.stderr)
        return 2
    # DuckDB's own walls, for the whole database instance: no file or network access at all
    # (read_text, read_csv, COPY, EXPORT, ATTACH, INSTALL, httpfs), and the configuration locked so
    # the query cannot SET its way back (profiling_output, allowed_directories, temp_directory...).
    from warehouse.store import DuckDBConfig, connect_read_only

    config: DuckDBConfig = {} if args.allow_files else {"enable_external_access": False, "lock_configuration": True}

    try:
        # Read-only goes through the warehouse's own opener, which checks the schema version.
        con = (duckdb.connect(str(args.db), config=config) if args.write
               else connect_read_only(Path(args.db), config=config))
    except duckdb.IOException as e:
        print(f"error: cannot open {args.db} {'read-write' if args.write else 'read-only'} ({e}); if an old "
              "labelaudit or another program holds it, wait for it to finish", file=sys.stderr)
        return 75
    try:
        rel = con.sql(args.query)
        if rel is None:
            return 0
        if args.csv:
            df = rel.df()
            df.to_csv(sys.stdout, index=False)
        else:
            from labelaudit.terminal import format_table

            limit = args.max_rows if args.max_rows > 0 else None
            rows = (rel if limit is None else rel.limit(limit + 1)).fetchall()
            print(format_table(rel.columns, rows[:limit]))
            if limit is not None and len(rows) > limit:
                print(f"(the first {limit} rows; --max-rows 0 or --csv prints them all)")
    except duckdb.Error as e:
        msg = str(e)
        if "read-only" in msg.lower():
            msg += " (labelaudit sql opens the warehouse read-only; pass --write to change it)"
        elif isinstance(e, duckdb.PermissionException) or "configuration has been locked" in msg:
            msg += f" ({_ALLOW_FILES})"
        print(f"error: {msg}", file=sys.stderr)
        return 2
    finally:
        con.close()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    db = Path(args.db)
    if _missing_warehouse(db):
        return 2
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    from reports import FORMATS, write_reports

    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        print(f"error: unknown format {', '.join(bad) or '(none)'}; choose from {','.join(FORMATS)}", file=sys.stderr)
        return 2
    catalog = _catalog_id(args.catalog)
    try:
        paths = write_reports(db, args.run, Path(args.out), retailer=args.retailer, formats=formats, catalog=catalog,
                              self_contained=args.self_contained)
    except LookupError as e:
        print(f"error: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    for kind, path in paths.items():
        print(f"report ({kind}): {Path(path).resolve()}")
    return 0


def _print_sources(reference: str) -> None:
    from rules.sources import PAGE, cite

    print(f"Sources ({PAGE} in the labelaudit repository says what we take from each; the links):")
    for source in cite(reference):
        print(f"  {source.cited}: {source.location}")
        for label, url in source.links:
            print(f"    {label}\n      {url}")
    print()


def cmd_rules(args: argparse.Namespace) -> int:
    from labelaudit.api import load_rules

    rs = load_rules(args.config)
    if args.explain:
        match = [r for r in rs.rules if r.id == args.explain.upper()]
        if not match:
            print(f"error: no rule {args.explain}; known: {', '.join(r.id for r in rs.rules)}", file=sys.stderr)
            return 2
        r = match[0]
        print(f"{r.id} ({r.severity}{'' if r.enabled else ', disabled'}): {r.title}\n")
        print(f"Why: {r.rationale}\n")
        _print_sources(r.reference)
        print("Parameters:")
        for p in r.params:
            print(f"  {p} = {rs.params[p]:g}")
        print(f"\nLogic (SQL over the warehouse):\n{r.sql.strip()}")
        return 0
    print(f"rule set: {rs.version_label}")
    for r in rs.rules:
        params = ", ".join(f"{p}={rs.params[p]:g}" for p in r.params)
        state = "" if r.enabled else " [disabled]"
        print(f"\n{r.id}  [{r.severity}]{state}  {r.title}\n  thresholds: {params}\n  why: {r.rationale}")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from flows.settings import configure_prefect, state_dir_for

    db = Path(args.db).resolve()
    if api_url := configure_prefect(state_dir_for(db)):
        print(f"using Prefect server at {api_url.removesuffix('/api')}", file=sys.stderr)
    else:
        print("note: no Prefect server runs for this warehouse, so the schedule lives in a temporary local Prefect "
              "server and no UI shows it; start one with `labelaudit server start --db DB` (or set PREFECT_API_URL)",
              file=sys.stderr)
    catalog = _catalog_id(args.catalog)
    params = {"catalog": catalog, "db": str(db), "out": str(Path(args.out).resolve()), "config": args.config,
              "quiet": True}
    from prefect import serve

    from flows.audit import schedule_deployment

    deployment = schedule_deployment(args.name, args.cron, params)
    deployment_id = deployment.apply()
    print(f"deployment labelaudit-audit/{args.name} ({deployment_id}) audits {catalog} on cron {args.cron!r}")
    if args.register_only:
        return 0
    print("serving it: scheduled audits run in this process until you stop it (Ctrl-C)", flush=True)
    serve(deployment)
    return 0


def cmd_server(args: argparse.Namespace) -> int:
    from flows import server
    from flows.settings import state_dir_for

    state_dir = state_dir_for(Path(args.db))
    try:
        if args.action == "status":
            st, msg = server.status(state_dir)
            print(msg)
            return 0 if st is not None else 3
        if args.action == "stop":
            _, msg = server.stop(state_dir)
            print(msg)
            return 0
        old, msg = server.status(state_dir)  # says, and removes, a record its server did not outlive
        if old is None:
            if "stale" in msg:
                print(msg, file=sys.stderr)
            print(f"starting a Prefect server on port {args.port} (10-20 s the first time) ...", file=sys.stderr,
                  flush=True)
        st, started = server.start(state_dir, port=args.port, timeout=args.timeout)
    except server.ServerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not started:
        assert old is not None
        print(f"a Prefect server already runs for {state_dir}: {old.ui_url} (pid {old.pid})")
        return 0
    print(f"Prefect server running at {st.ui_url} (UI) after {st.startup_s:.0f} s; pid {st.pid}; state in {st.home}\n"
          f"audits of {Path(args.db).resolve()} use it; `labelaudit server stop` stops it")
    return 0


def cmd_reevaluate(args: argparse.Namespace) -> int:
    from labelaudit import api

    db = Path(args.db)
    if _missing_warehouse(db):
        return 2
    t0 = time.perf_counter()
    try:
        runs = api.reevaluate(db, config=args.config, catalog=args.catalog)
    except LookupError as e:
        print(f"error: {e.args[0]}", file=sys.stderr)
        return 2
    for run in runs:
        print(f"{run.catalog}: run {run.audit_run_id} with {run.ruleset_version}: {run_counts(run)}")
    print(f"re-evaluated in {time.perf_counter() - t0:.1f} s; no PDF was read")
    return 0


def cmd_waive(args: argparse.Namespace) -> int:
    from datetime import date

    from flows.pipeline import add_waiver
    from labelaudit.api import load_rules

    try:
        expires = date.fromisoformat(args.expires)
    except ValueError:
        print(f"error: --expires {args.expires!r} is not a date like 2027-06-30", file=sys.stderr)
        return 2
    if expires < date.today():
        print(f"error: --expires {expires} is in the past", file=sys.stderr)
        return 2
    db = Path(args.db)
    if _missing_warehouse(db):
        return 2
    ruleset = load_rules(args.config)
    try:
        wid, run = add_waiver(db, args.product_key, args.rule_id.upper(), args.reason, args.by, expires, ruleset,
                              _catalog_id(args.catalog), force=args.force)
    except LookupError as e:
        print(f"error: {e.args[0]}", file=sys.stderr)
        return 2
    print(f"waiver {wid}: {args.rule_id.upper()} accepted on {args.product_key} until {expires} "
          f"(lapses if the label changes); run {run.audit_run_id} re-judged in place, no new run recorded")
    return 0


def cmd_waivers(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.store import connect_read_only

    try:
        con = connect_read_only(Path(args.db))
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        con.sql(
            """SELECT w.waiver_id, w.product_key, p.product_name, p.brand, w.rule_id, w.analyst, w.expires_on, w.reason,
                      CASE WHEN w.revoked_at IS NOT NULL THEN 'revoked'
                           WHEN w.expires_on < current_date THEN 'expired'
                           WHEN p.product_id IS DISTINCT FROM w.product_id THEN 'lapsed: label changed'
                           WHEN NOT EXISTS (SELECT 1 FROM flags f JOIN latest_runs r USING (catalog, audit_run_id)
                                            WHERE f.catalog = w.catalog AND f.product_key = w.product_key
                                              AND f.rule_id = w.rule_id) THEN 'holds (the rule is not raised now)'
                           ELSE 'holds' END AS state
               FROM waivers w LEFT JOIN products p ON p.catalog = w.catalog AND p.product_key = w.product_key
               ORDER BY w.created_at"""
        ).show(max_width=200)
    except duckdb.Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        con.close()
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    import pandas as pd

    from flows.analyst import review_queue
    from warehouse.store import connect_read_only

    db = Path(args.db)
    if _missing_warehouse(db):
        return 2
    con = connect_read_only(db)
    try:
        rows = review_queue(con, _catalog_id(args.catalog))
    finally:
        con.close()
    cols = ["product_key", "product_name", "brand", "worst_flag", "flags", "reasons", "catalog"]
    df = pd.DataFrame(rows, columns=cols)
    if args.csv:
        from reports.cells import cell

        df.map(cell).to_csv(sys.stdout, index=False)
        return 0
    if df.empty:
        print("nothing waits for review in the latest run of any catalog")
        return 0
    print(f"{len(df)} products need review (most serious first):")
    for r in rows:
        name = " ".join(str(x) for x in (r["brand"], r["product_name"]) if x) or r["source_file"]
        worst = f" [would be flagged: {r['flags']} ({r['worst_flag']})]" if r["flags"] else ""
        print(f"\n{r['product_key']}  {name}{worst}\n  why: {r['reasons']}")
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    from flows.analyst import CorrectionRequest, correct, undo_correction
    from rules import load_ruleset

    db = Path(args.db)
    if _missing_warehouse(db):
        return 2
    ruleset = load_ruleset(Path(args.config) if args.config else None)
    if args.undo:
        out = undo_correction(db, args.undo, args.by, ruleset)
    else:
        if not args.product_key:
            print("error: name the PRODUCT_KEY to correct (or --undo ID)", file=sys.stderr)
            return 2
        req = CorrectionRequest(
            product_key=args.product_key, reason=args.reason or "", by=args.by, nutrient=args.nutrient, form=args.form,
            row=args.row, amount=args.amount, unit=args.unit, set_form=args.set_form,
            servings_per_day=args.servings_per_day, add=args.add, remove=args.remove, confirm=args.confirm,
            catalog=_catalog_id(args.catalog))
        out = correct(db, req, ruleset)
    print(out.message)
    if out.run is not None:
        print(f"{out.run.catalog}: run {out.run.audit_run_id} re-judged in place: {run_counts(out.run)}")
    return 0


def cmd_corrections(args: argparse.Namespace) -> int:
    from warehouse.store import connect_read_only

    db = Path(args.db)
    if _missing_warehouse(db):
        return 2
    con = connect_read_only(db)
    try:
        con.sql(
            """SELECT c.correction_id, c.product_key, p.product_name, c.nutrient, c.field, c.value_read, c.value_set,
                      c."by", c.reason,
                      CASE WHEN c.undone_at IS NOT NULL THEN 'taken back' || coalesce(' (' || c.undone_by || ')', '')
                           WHEN c.lapsed_in_run IS NOT NULL THEN 'lapsed: ' || c.lapse_reason || ' - redo it'
                           ELSE 'holds' END AS state
               FROM corrections c LEFT JOIN products p ON p.catalog = c.catalog AND p.product_key = c.product_key
               ORDER BY c."at" """).show(max_width=220)
    finally:
        con.close()
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from reports.page import serve

    db = Path(args.db)
    if _missing_warehouse(db):
        return 2
    print(f"the analyst's page: http://127.0.0.1:{args.port}/ (Ctrl-C stops it)", flush=True)
    serve(db, args.port, Path(args.config) if args.config else None)
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    from warehouse.store import upgrade

    db = Path(args.db)
    if _missing_warehouse(db):
        return 2
    before, after = upgrade(db)
    if before == after:
        print(f"{db}: warehouse schema version {after}, already current")
    else:
        print(f"{db}: warehouse schema version {before} -> {after}; runs, waivers and history kept")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"audit": cmd_audit, "extract": cmd_extract, "sql": cmd_sql, "rules": cmd_rules, "report": cmd_report,
                "reevaluate": cmd_reevaluate, "waive": cmd_waive, "waivers": cmd_waivers, "schedule": cmd_schedule,
                "upgrade": cmd_upgrade, "review": cmd_review, "correct": cmd_correct, "corrections": cmd_corrections,
                "ui": cmd_ui, "server": cmd_server}
    try:
        return handlers[args.command](args)
    except LabelAuditError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted: the warehouse was left as it was before this run", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`labelaudit sql ... | head`): end quietly as a Unix tool does.
        # Python flushes stdout again at exit; pointing it at /dev/null keeps that flush silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
