"""What a report shows, read from the warehouse (no rendering here)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import duckdb


@dataclass
class ReportData:
    run: dict[str, Any]
    rules: list[dict[str, Any]]
    brands: list[dict[str, Any]]
    flagged: list[dict[str, Any]]
    not_ok: list[dict[str, Any]]
    daily_d: list[float] = field(default_factory=list)
    retailer: str | None = None


def _q(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    # DuckDB refuses named parameters a statement does not use.
    return _dicts(con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}))


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def load_report_data(con: duckdb.DuckDBPyConnection, run_id: str, retailer: str | None = None) -> ReportData:
    runs = _dicts(con.execute("SELECT * FROM audit_runs WHERE audit_run_id = ?", [run_id]))
    if not runs:
        raise LookupError(f"no audit run {run_id} in the warehouse")
    run = runs[0]
    where = "p.catalog = $cat" + (" AND p.retailer = $ret" if retailer else "")
    params: dict[str, Any] = {"cat": run["catalog"], "run": run_id}
    if retailer:
        params["ret"] = retailer
    flag_rows = _q(con, 
        f"""SELECT p.product_key, p.product_id, p.brand, p.product_name, p.sku, p.retailer, p.source_file,
                   p.page, p.panel, p.serving_size, p.servings_per_day, p.servings_per_day_assumed,
                   f.rule_id, f.severity, f.message, f.evidence
            FROM flags f JOIN products p ON p.catalog = f.catalog AND p.product_key = f.product_key
            WHERE f.audit_run_id = $run AND {where}
            ORDER BY CASE f.severity WHEN 'high' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, p.brand, p.product_name, f.rule_id""",
        params,
    )
    by_product: dict[str, dict[str, Any]] = {}
    for fr in flag_rows:
        p = by_product.setdefault(fr["product_key"], {
            k: fr[k] for k in ("product_key", "product_id", "brand", "product_name", "sku", "retailer", "source_file",
                               "page", "panel", "serving_size", "servings_per_day", "servings_per_day_assumed")
        } | {"flags": [], "evidence_rows": {}})
        ev = json.loads(fr["evidence"]) if fr["evidence"] else {}
        p["flags"].append({"rule_id": fr["rule_id"], "severity": fr["severity"], "message": fr["message"], "evidence": ev})
        for r in ev.get("rows", []):
            p["evidence_rows"][(r["label_text"], r["amount_text"])] = r
    flagged = list(by_product.values())
    for p in flagged:
        p["evidence_rows"] = list(p["evidence_rows"].values())
        p["daily"] = _dicts(con.execute(
            """SELECT nutrient, sum(daily_amount_canonical) AS daily, any_value(canonical_unit) AS unit
               FROM nutrients WHERE product_id = ? AND nutrient IN ('vitamin_d','vitamin_k','magnesium','calcium')
               GROUP BY nutrient""", [p["product_id"]]))
        p["rule_ids"] = sorted({f["rule_id"] for f in p["flags"]})
    rules = _q(con, 
        f"""SELECT f.rule_id, any_value(f.severity) AS severity, count(DISTINCT f.product_key) AS products
            FROM flags f JOIN products p ON p.catalog = f.catalog AND p.product_key = f.product_key
            WHERE f.audit_run_id = $run AND {where} GROUP BY f.rule_id ORDER BY products DESC, rule_id""", params)
    brands = _q(con, 
        f"""SELECT coalesce(p.brand, '(unknown brand)') AS brand, count(*) AS products,
                   count(DISTINCT f.product_key) AS flagged,
                   count(DISTINCT f.product_key) FILTER (WHERE f.severity = 'high') AS flagged_high
            FROM products p LEFT JOIN flags f
              ON f.catalog = p.catalog AND f.product_key = p.product_key AND f.audit_run_id = $run
            WHERE {where} AND p.status = 'ok' GROUP BY ALL ORDER BY flagged DESC, brand""", params)
    not_ok = _q(con, 
        f"""SELECT p.source_file, p.product_key, p.status, p.status_detail FROM products p
            WHERE {where} AND p.status <> 'ok' ORDER BY p.source_file""", params)
    daily_d = [r["daily"] for r in _q(con,
        f"""SELECT sum(n.daily_amount_canonical) AS daily FROM products p JOIN nutrients n ON n.product_id = p.product_id
            WHERE {where} AND n.nutrient = 'vitamin_d' GROUP BY p.product_key""", params) if r["daily"] is not None]
    return ReportData(run=run, rules=rules, brands=brands, flagged=flagged, not_ok=not_ok, daily_d=daily_d, retailer=retailer)
