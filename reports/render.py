"""Reports from the warehouse: one self-contained HTML summary and a CSV of flagged products."""
from __future__ import annotations

import csv
from pathlib import Path

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape

from reports.charts import daily_vitamin_d_histogram
from reports.data import ReportData, load_report_data

CSV_COLUMNS = [
    "brand", "product_name", "sku", "retailer", "source_file", "page", "panel", "product_key",
    "daily_vitamin_d_mcg", "daily_vitamin_k2_mcg", "daily_magnesium_mg", "rules", "severity", "reasons",
]


def _env() -> Environment:
    return Environment(loader=PackageLoader("reports", "templates"), autoescape=select_autoescape(["html", "j2"]))


def render_html(data: ReportData, path: Path, ul_mcg: float = 100.0) -> Path:
    title = f"Supplement label audit{' for ' + data.retailer if data.retailer else ''}"
    html = _env().get_template("summary.html.j2").render(
        title=title, run=data.run, rules=data.rules, brands=data.brands, flagged=data.flagged, not_ok=data.not_ok,
        n_products=data.run["products_ok"], n_high=sum(any(f["severity"] == "high" for f in p["flags"]) for p in data.flagged),
        chart=daily_vitamin_d_histogram(data.daily_d, ul_mcg=ul_mcg),
    )
    path.write_text(html, encoding="utf-8")
    return path


def render_csv(data: ReportData, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        w.writeheader()
        for p in data.flagged:
            ev_values: dict = {}
            for f in p["flags"]:
                ev_values.update(f["evidence"].get("values", {}))
            daily = {d["nutrient"]: d["daily"] for d in p["daily"]}
            k2 = sum(r["daily_amount_canonical"] or 0 for r in p["evidence_rows"] if r["nutrient"] == "vitamin_k" and r["form"] == "K2")
            sev = "high" if any(f["severity"] == "high" for f in p["flags"]) else (
                "warning" if any(f["severity"] == "warning" for f in p["flags"]) else "info")
            w.writerow({
                "brand": p["brand"], "product_name": p["product_name"], "sku": p["sku"], "retailer": p["retailer"],
                "source_file": p["source_file"], "page": p["page"], "panel": p["panel"], "product_key": p["product_key"],
                "daily_vitamin_d_mcg": ev_values.get("daily_d_mcg", daily.get("vitamin_d")),
                "daily_vitamin_k2_mcg": k2, "daily_magnesium_mg": daily.get("magnesium") or 0,
                "rules": ";".join(p["rule_ids"]), "severity": sev,
                "reasons": " | ".join(f["message"] for f in p["flags"]),
            })
    return path


def write_reports(db: Path, run_id: str, out_dir: Path, retailer: str | None = None) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=True)
    try:
        data = load_report_data(con, run_id, retailer)
    finally:
        con.close()
    stem = "summary" if not retailer else "retailer-" + "".join(c if c.isalnum() else "-" for c in retailer.lower())
    return {
        "html": render_html(data, out_dir / f"{stem}.html"),
        "csv": render_csv(data, out_dir / f"{stem}-flagged.csv"),
    }
