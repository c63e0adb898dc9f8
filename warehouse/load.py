"""Rows in, warehouse out: one run's writes, inside a staged (atomic) connection."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from labelaudit.contracts.records import AuditRun, Flag
from warehouse.brands import one_spelling

if TYPE_CHECKING:  # annotations only: importing normalise loads the extract stage's checks
    from warehouse.normalise import LabelVersionRow, NutrientRow

LABEL_VERSION_COLS = [
    "product_id", "sha256", "page", "panel", "region", "label_brand", "label_product_name", "serving_size",
    "servings_per_container", "servings_per_day", "servings_per_day_assumed", "directions", "status",
    "status_detail", "extractor_version", "page_count", "x0", "top", "x1", "bottom",
    "fine_print", "child_servings_per_day", "child_min_age_years",
]
NUTRIENT_COLS = [
    "product_id", "row_index", "nutrient", "form", "form_detail", "label_text", "amount", "unit", "alt_amount",
    "alt_unit", "amount_text", "dv_text", "amount_canonical", "canonical_unit", "daily_amount_canonical", "percent_dv",
    "percent_nrv", "page", "x0", "top", "x1", "bottom", "read_method", "confidence", "figures_consistent",
]


@dataclass
class CatalogEntry:
    """One file of the catalog as the run found it."""

    source_file: str                     # relative to the catalog root, '/' separators, as displayed
    sha256: str | None                   # of the bytes read; None when the file could not be read
    sku: str | None = None
    brand: str | None = None
    product_name: str | None = None
    retailer: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    link: bool = False                   # a symlink (inside the catalog) when the catalog was listed
    problem: str | None = None           # why the file has no reading in this run (status_detail)


def known_versions(con: duckdb.DuckDBPyConnection, sha256s: list[str], extractor_version: str | list[str]) -> set[str]:
    """The file hashes already read by this extractor version (or any of a list): they need no new read."""
    if not sha256s:
        return set()
    accepted = [extractor_version] if isinstance(extractor_version, str) else list(extractor_version)
    rows = con.execute(
        "SELECT DISTINCT sha256 FROM label_versions "
        "WHERE list_contains(?, extractor_version) AND list_contains(?, sha256)",
        [accepted, sha256s],
    ).fetchall()
    return {r[0] for r in rows}


def insert_label_versions(con: duckdb.DuckDBPyConnection, versions: Sequence[LabelVersionRow],
                          nutrients: Sequence[NutrientRow]) -> None:
    if not versions:
        return
    vdf = pd.DataFrame(versions, columns=LABEL_VERSION_COLS)
    shas = sorted(set(vdf["sha256"]))
    # A re-read (new extractor version) replaces what the old one stored for those bytes.
    old = [r[0] for r in con.execute("SELECT product_id FROM label_versions WHERE list_contains(?, sha256)",
                                     [shas]).fetchall()]
    if old:
        con.execute("DELETE FROM nutrients_as_read WHERE list_contains(?, product_id)", [old])
        con.execute("DELETE FROM label_versions WHERE list_contains(?, product_id)", [old])
    vdf = vdf.drop_duplicates("product_id")
    con.register("_new_versions", vdf)
    con.execute("INSERT INTO label_versions BY NAME SELECT * FROM _new_versions")
    con.unregister("_new_versions")
    if nutrients:
        ndf = pd.DataFrame(nutrients, columns=NUTRIENT_COLS).drop_duplicates(["product_id", "row_index"])
        con.register("_new_nutrients", ndf)
        con.execute("INSERT INTO nutrients_as_read BY NAME SELECT * FROM _new_nutrients")
        con.unregister("_new_nutrients")


def product_key(entry: CatalogEntry, page: int | None, panel: int | None, panels_in_file: int) -> str:
    """SPEC: the manifest's sku where given, else ``source_file#page#panel``."""
    if page is None:
        return entry.sku or entry.source_file
    if entry.sku:
        return entry.sku if panels_in_file == 1 else f"{entry.sku}#{page}#{panel}"
    return f"{entry.source_file}#{page}#{panel}"


def publish_products(con: duckdb.DuckDBPyConnection, run_id: str, catalog: str, entries: list[CatalogEntry]) -> int:
    """Replace this catalog's ``products`` with what the run found; track versions."""
    shas = sorted({e.sha256 for e in entries if e.sha256})
    vdf = con.execute(
        f"SELECT {', '.join(LABEL_VERSION_COLS)} FROM label_versions WHERE list_contains(?, sha256) "
        "ORDER BY page, panel",
        [shas],
    ).df()
    by_sha: dict[str, list[dict]] = {}
    for rec in vdf.to_dict("records"):
        by_sha.setdefault(rec["sha256"], []).append(rec)
    rows = []
    unread = {id(e) for e in entries if e.problem or e.sha256 not in by_sha}
    last = _last_products(con, catalog, [e.source_file for e in entries if id(e) in unread])
    for e in entries:
        if id(e) in unread:
            rows.extend(_unread_rows(e, catalog, run_id, last.get(e.source_file, [])))
            continue
        versions = by_sha.get(e.sha256, []) if e.sha256 is not None else []
        for v in versions:
            page = None if pd.isna(v["page"]) else int(v["page"])
            panel = None if pd.isna(v["panel"]) else int(v["panel"])
            rows.append({
                "catalog": catalog, "product_key": product_key(e, page, panel, len(versions)),
                "product_id": v["product_id"], "source_file": e.source_file, "page": page, "panel": panel,
                "sha256": e.sha256, "region": v["region"],
                "brand": e.brand or _none(v["label_brand"]),
                "product_name": e.product_name or _none(v["label_product_name"]),
                "sku": e.sku, "retailer": e.retailer, "serving_size": _none(v["serving_size"]),
                "servings_per_day": _none(v["servings_per_day"]),
                "servings_per_day_assumed": _none(v["servings_per_day_assumed"]),
                "directions": _none(v["directions"]), "status": v["status"], "status_detail": _none(v["status_detail"]),
                "attributes": json.dumps(e.attributes, sort_keys=True) if e.attributes else None,
                "audit_run_id": run_id, "_manifest_brand": bool(e.brand),
            })
    # a brand read off its labels in several hands is one brand (warehouse/brands.py)
    for row, brand in zip(rows, one_spelling([(r["brand"], bool(r["_manifest_brand"])) for r in rows]), strict=True):
        row["brand"] = brand
    pdf = pd.DataFrame(rows, columns=PRODUCT_COLS).drop_duplicates(["catalog", "product_key"])
    con.execute("DELETE FROM products WHERE catalog = ?", [catalog])
    con.register("_products", pdf)
    con.execute("INSERT INTO products BY NAME SELECT * FROM _products")
    con.unregister("_products")
    _track_versions(con, run_id, catalog)
    return len(pdf)


PRODUCT_COLS = [
    "catalog", "product_key", "product_id", "source_file", "page", "panel", "sha256", "region", "brand",
    "product_name", "sku", "retailer", "serving_size", "servings_per_day", "servings_per_day_assumed",
    "directions", "status", "status_detail", "attributes", "audit_run_id",
]


def _last_products(con: duckdb.DuckDBPyConnection, catalog: str, files: list[str]) -> dict[str, list[dict]]:
    if not files:
        return {}
    df = con.execute(f"SELECT {', '.join(PRODUCT_COLS)} FROM products "
                     "WHERE catalog = ? AND list_contains(?, source_file) ORDER BY page, panel", [catalog, files]).df()
    out: dict[str, list[dict]] = {}
    for rec in df.to_dict("records"):
        out.setdefault(rec["source_file"], []).append({k: _none(v) for k, v in rec.items()})
    return out


def _unread_rows(e: CatalogEntry, catalog: str, run_id: str, last: list[dict]) -> list[dict]:
    """A file the run could not read: status ``error`` with the reason, counted as not readable.
    Where the catalog had products from it, they stay (same key, last label version) for a
    person to look at, with the flags of that last reading (pipeline.judge): a file that turns
    unreadable must not look like a product taken off sale."""
    problem = e.problem or "changed while being read; it is read again on the next audit"
    last = [r for r in last if r["sha256"] is not None]  # not a file row of an earlier failure
    if last:
        return [{**r, "status": "error", "audit_run_id": run_id, "_manifest_brand": bool(e.brand),
                 "status_detail": f"{problem}; its last reading is kept for review"} for r in last]
    return [{
        "catalog": catalog, "product_key": product_key(e, None, None, 0),
        # No bytes to name this version by: an id from where the file is, the same on every run.
        "product_id": hashlib.sha256(f"unread#{catalog}#{e.source_file}".encode()).hexdigest()[:20],
        "source_file": e.source_file, "page": None, "panel": None, "sha256": e.sha256, "region": None,
        "brand": e.brand, "product_name": e.product_name, "sku": e.sku, "retailer": e.retailer,
        "serving_size": None, "servings_per_day": None, "servings_per_day_assumed": None, "directions": None,
        "status": "error", "status_detail": problem,
        "attributes": json.dumps(e.attributes, sort_keys=True) if e.attributes else None, "audit_run_id": run_id,
        "_manifest_brand": bool(e.brand),
    }]


def _track_versions(con: duckdb.DuckDBPyConnection, run_id: str, catalog: str) -> None:
    con.execute(
        """
        UPDATE product_versions v SET last_seen_run = $run, removed_in_run = NULL, superseded_by = NULL
        FROM products p
        WHERE p.catalog = $cat AND v.catalog = p.catalog AND v.product_key = p.product_key
          AND v.product_id = p.product_id
        """,
        {"run": run_id, "cat": catalog},
    )
    con.execute(
        """
        INSERT INTO product_versions
        SELECT p.catalog, p.product_key, p.product_id, p.source_file, p.sha256, $run, $run, NULL, NULL
        FROM products p
        WHERE p.catalog = $cat AND NOT EXISTS (
            SELECT 1 FROM product_versions v
            WHERE v.catalog = p.catalog AND v.product_key = p.product_key AND v.product_id = p.product_id)
        """,
        {"run": run_id, "cat": catalog},
    )
    # Versions no longer in the catalog: removed, or replaced by a new label under the same key.
    con.execute(
        """
        UPDATE product_versions v SET removed_in_run = $run,
            superseded_by = (SELECT p.product_id FROM products p
                             WHERE p.catalog = v.catalog AND p.product_key = v.product_key)
        WHERE v.catalog = $cat AND v.removed_in_run IS NULL AND v.last_seen_run <> $run
        """,
        {"run": run_id, "cat": catalog},
    )


def record_flags(con: duckdb.DuckDBPyConnection, run_id: str, catalog: str, flags: list[Flag]) -> None:
    if not flags:
        return
    df = pd.DataFrame(flags)
    df["audit_run_id"] = run_id
    df["catalog"] = catalog
    con.register("_flags", df)
    if "waived" not in df:
        df["waived"] = False
        df["waiver_id"] = None
    con.execute("INSERT INTO flags BY NAME SELECT audit_run_id, catalog, product_key, product_id, rule_id, severity, "
                "message, evidence, waived, waiver_id FROM _flags")
    con.unregister("_flags")


def record_verdicts(con: duckdb.DuckDBPyConnection, run_id: str, catalog: str, verdicts: list[dict]) -> None:
    if not verdicts:
        return
    df = pd.DataFrame(verdicts, columns=["product_key", "product_id", "verdict", "reasons"])
    df["audit_run_id"] = run_id
    df["catalog"] = catalog
    con.register("_verdicts", df)
    con.execute("INSERT INTO verdicts BY NAME SELECT * FROM _verdicts")
    con.unregister("_verdicts")


def record_run(con: duckdb.DuckDBPyConnection, run: AuditRun) -> None:
    row = run.as_row()
    con.execute("DELETE FROM audit_runs WHERE audit_run_id = ?", [run.audit_run_id])
    con.execute(
        f"INSERT INTO audit_runs ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
        list(row.values()),
    )


def _none(v: Any) -> Any:
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v.item() if hasattr(v, "item") else v


def now() -> datetime:
    return datetime.now()
