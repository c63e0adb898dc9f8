"""The ``labelaudit`` command line.

Exit codes: 0 the command did its work (an audit that flags products still succeeded);
2 bad usage or input that cannot work (bad config, missing catalog); 66 no such
catalog; 75 the warehouse is busy (another audit holds it): try again later; 78 a
config file is wrong; 1 an unexpected failure (a bug: please report it with the output).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from labelaudit.errors import LabelAuditError

DEFAULT_DB = "labelaudit.duckdb"


def _db_default() -> str:
    return os.environ.get("LABELAUDIT_DB", DEFAULT_DB)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="labelaudit",
        description="Audit dietary-supplement label PDFs: read every Supplement Facts panel, load a DuckDB "
        "warehouse you can query in SQL, and flag high-dose vitamin D3 products that lack vitamin K2 or magnesium.",
        epilog="Exit codes: 0 done (flags or not), 2 usage or input error, 66 catalog not found, "
        "75 warehouse busy (retry later), 78 bad config, 1 unexpected error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    a = sub.add_parser("audit", help="audit a catalog folder of label PDFs",
                       description="Read every PDF below CATALOG (recursively; catalog.csv at its root adds sku, brand, "
                       "product_name, retailer), load the warehouse, apply the rules and write the reports. Files whose "
                       "bytes have not changed since the last audit are not read again.")
    a.add_argument("catalog", metavar="CATALOG", help="folder of label PDFs")
    a.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (created if missing; default: %(default)s)")
    a.add_argument("--out", default="labelaudit-reports", help="folder for the HTML and CSV reports (default: %(default)s)")
    a.add_argument("--config", help="TOML file overriding rule thresholds and switches (see rules/defaults.toml)")
    a.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 8), help="extraction processes (default: %(default)s)")
    a.add_argument("--batch-size", type=int, default=100, help="files per extraction task (default: %(default)s)")
    a.add_argument("--quiet", action="store_true", help="print only the final summary")

    e = sub.add_parser("extract", help="print the panels read from one PDF as JSON (no warehouse, no Prefect)")
    e.add_argument("file", metavar="FILE.pdf")
    e.add_argument("--normalised", action="store_true", help="also print the warehouse rows (canonical units, daily dose)")

    q = sub.add_parser("sql", help="run a SQL query against the warehouse and print a table",
                       description="Runs QUERY on the warehouse, read-only. Relations: products, nutrients, flags, "
                       "flagged_products, product_versions, audit_runs, label_versions.")
    q.add_argument("query", metavar="QUERY")
    q.add_argument("--db", default=_db_default(), help="DuckDB warehouse file (default: %(default)s)")
    q.add_argument("--csv", action="store_true", help="print CSV instead of a table")

    r = sub.add_parser("rules", help="list the rules with their severity, thresholds and rationale")
    r.add_argument("--config", help="TOML file overriding rule thresholds and switches")
    r.add_argument("--explain", metavar="ID", help="show one rule in full, with its SQL")
    return p


def cmd_audit(args: argparse.Namespace) -> int:
    from flows.settings import configure_prefect, state_dir_for

    db = Path(args.db)
    configure_prefect(state_dir_for(db))
    catalog = Path(args.catalog)
    if not catalog.is_dir():
        print(f"error: catalog {catalog} is not a folder; pass the folder that holds the label PDFs", file=sys.stderr)
        return 66
    if not args.quiet:
        where = os.environ.get("PREFECT_API_URL") or "a temporary local server (set PREFECT_API_URL to use a running one)"
        print(f"starting Prefect on {where} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    from flows.audit import audit_flow

    result = audit_flow(
        catalog=str(catalog), db=str(db), out=args.out, config=args.config,
        workers=max(1, args.workers), batch_size=max(1, args.batch_size), quiet=args.quiet,
    )
    run = result.run
    print(
        f"audit {run['audit_run_id']} done in {time.perf_counter() - t0:.1f} s: "
        f"{run['files_seen']} files ({run['files_read']} read, {run['files_reused']} unchanged), "
        f"{run['products_ok']} panels audited, {run['products_not_ok']} files not readable, "
        f"{run['products_flagged']} products flagged "
        f"({run['flags_high']} high, {run['flags_warning']} warning, {run['flags_info']} info)"
    )
    print(f"warehouse: {db.resolve()}")
    for kind, path in sorted(result.reports.items()):
        print(f"report ({kind}): {Path(path).resolve()}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from extract import EXTRACTOR_VERSION, extract_pdf

    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path} is not a file", file=sys.stderr)
        return 2
    ext = extract_pdf(path)
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
    import duckdb

    from warehouse.store import connect_read_only

    try:
        con = connect_read_only(Path(args.db))
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except duckdb.IOException as e:
        print(f"error: cannot open {args.db} read-only ({e}); if an old labelaudit or another program holds "
              "it for writing, wait for it to finish", file=sys.stderr)
        return 75
    try:
        rel = con.sql(args.query)
        if rel is None:
            return 0
        if args.csv:
            df = rel.df()
            df.to_csv(sys.stdout, index=False)
        else:
            rel.show(max_width=200, max_rows=200)
    except duckdb.Error as e:
        msg = str(e)
        if "read-only" in msg.lower():
            msg += " (labelaudit sql opens the warehouse read-only)"
        print(f"error: {msg}", file=sys.stderr)
        return 2
    finally:
        con.close()
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from rules import load_ruleset

    rs = load_ruleset(Path(args.config) if args.config else None)
    if args.explain:
        match = [r for r in rs.rules if r.id == args.explain.upper()]
        if not match:
            print(f"error: no rule {args.explain}; known: {', '.join(r.id for r in rs.rules)}", file=sys.stderr)
            return 2
        r = match[0]
        print(f"{r.id} ({r.severity}{'' if r.enabled else ', disabled'}): {r.title}\n")
        print(f"Why: {r.rationale}\nSource: {r.reference}\n")
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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"audit": cmd_audit, "extract": cmd_extract, "sql": cmd_sql, "rules": cmd_rules}
    try:
        return handlers[args.command](args)
    except LabelAuditError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted: the warehouse was left as it was before this run", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
