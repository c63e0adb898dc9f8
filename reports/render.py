"""Reports from the warehouse: a catalog summary and one report per retailer, each as one
self-contained HTML file (charts as inline SVG, evidence crops as data URIs), a PDF of the
same HTML (WeasyPrint), and the flagged products as CSV and XLSX.

No Prefect here: flows/audit.py's report_task calls :func:`write_reports`.
"""
from __future__ import annotations

import base64
import csv
import io
import re
import sys
from pathlib import Path
from typing import Any, Iterable

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape

from reports.charts import brand_flag_share, daily_vitamin_d_histogram, high_dose_coverage
from reports.crops import DPI, evidence_crop
from reports.data import ReportData, fmt_amount, rule_titles, servings_text, load_report_data, resolve_run, retailers_of

FORMATS = ("html", "pdf", "csv", "xlsx")
CSV_COLUMNS = [
    "brand", "product_name", "sku", "retailer", "source_file", "page", "panel", "product_key",
    "daily_vitamin_d3_mcg", "daily_vitamin_d3_iu", "daily_vitamin_k2_mcg", "daily_magnesium_mg",
    "servings_per_day", "servings_per_day_assumed", "rules", "severity", "waived", "reason", "reasons",
]


def _env() -> Environment:
    return Environment(loader=PackageLoader("reports", "templates"), autoescape=select_autoescape(["html", "j2"]))


def slug(name: str) -> str:
    return re.sub(r"-+", "-", "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower())).strip("-") or "unnamed"


def title_for(data: ReportData) -> str:
    return f"Supplement label audit: {data.retailer}" if data.retailer else "Supplement label audit: catalog summary"


def attach_crops(data: ReportData, cache_dir: Path) -> None:
    """Give every flagged product a PNG crop of its panel with the evidence rows highlighted."""
    catalog = Path(data.catalog)
    for p in data.flagged:
        rows = [r for r in p["evidence_rows"] if r.get("x0") is not None]
        page = (rows[0].get("page") if rows else None) or p.get("page")
        boxes = [(r["x0"], r["top"], r["x1"], r["bottom"]) for r in rows if (r.get("page") or page) == page]
        crop = evidence_crop(catalog / p["source_file"], page, p["product_id"], p.get("panel_box"), boxes, cache_dir)
        p["crop_png"] = crop.png
        p["crop_note"] = crop.note
        p["crop_uri"] = "data:image/png;base64," + base64.b64encode(crop.png).decode("ascii") if crop.png else None
        if crop.png:
            from PIL import Image

            with Image.open(io.BytesIO(crop.png)) as im:
                p["crop_width_pt"] = round(min(im.width * 72.0 / DPI, 300.0), 1)


def _panel_boxes(con: duckdb.DuckDBPyConnection, data: ReportData) -> None:
    ids = [p["product_id"] for p in data.flagged]
    if not ids:
        return
    boxes = {r[0]: r[1:] for r in con.execute(
        "SELECT product_id, x0, top, x1, bottom FROM label_versions WHERE list_contains(?, product_id)", [ids]).fetchall()}
    for p in data.flagged:
        b = boxes.get(p["product_id"])
        p["panel_box"] = tuple(b) if b and all(v is not None for v in b) else None


# WeasyPrint lays out every crop: a PDF with a thousand evidence cards took minutes and
# gigabytes. The PDF carries the most serious ones; the HTML and XLSX carry every one.
PDF_EVIDENCE_LIMIT = 60


def render_html(data: ReportData, evidence_limit: int | None = None) -> str:
    limit = data.params.get("high_dose_vitamin_d_mcg", 100.0)
    charts = {
        "dose": daily_vitamin_d_histogram(data.daily_d, ul_mcg=limit),
        "coverage": high_dose_coverage(data.high_dose, limit_mcg=limit),
        "brands": brand_flag_share(data.brands) if data.brands else "",
    }
    html = _env().get_template("summary.html.j2").render(
        title=title_for(data), run=data.run, prev=data.previous_run, retailer=data.retailer, retailers=data.retailers,
        h=data.headline, hd=data.high_dose, brands=data.brands, limit_mcg=limit, charts=charts, flagged=data.flagged,
        needs_review=data.needs_review, changes=data.changes, rules=data.rules, fmt=fmt_amount, servings=servings_text, titles=rule_titles(),
        evidence=data.flagged if evidence_limit is None else data.flagged[:evidence_limit],
    )
    # Every attribute in the template is double-quoted, so an apostrophe needs no escaping: "Women's" stays
    # searchable as written.
    return html.replace("&#39;", "'")


def render_pdf(html: str, path: Path) -> Path:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as e:  # OSError: pango missing (apt-get install libpango-1.0-0 libpangoft2-1.0-0)
        raise RuntimeError(f"PDF reports need WeasyPrint and Pango ({e}); install them or ask for "
                           "--format html,csv,xlsx") from e
    HTML(string=html, base_url=str(path.parent)).write_pdf(str(path))
    return path


def flagged_rows(data: ReportData) -> list[dict[str, Any]]:
    rows = []
    for p in data.flagged:
        d3 = p.get("d3_mcg")
        rows.append({
            "brand": p["brand"], "product_name": p["product_name"], "sku": p["sku"], "retailer": p["retailer"],
            "source_file": p["source_file"], "page": p["page"], "panel": p["panel"], "product_key": p["product_key"],
            "daily_vitamin_d3_mcg": _r(d3), "daily_vitamin_d3_iu": _r(d3 * 40.0) if d3 is not None else None,
            "daily_vitamin_k2_mcg": _r(p.get("k2_mcg") or 0.0), "daily_magnesium_mg": _r(p.get("mg_mg") or 0.0),
            "servings_per_day": _r(p.get("servings_per_day")), "servings_per_day_assumed": bool(p.get("servings_per_day_assumed")),
            "rules": ";".join(p["rule_ids"]), "severity": p["severity"],
            "waived": ";".join(f["rule_id"] for f in p["flags"] if f.get("waived")),
            "reason": p["reason"], "reasons": " | ".join(f["message"] for f in p["flags"]),
        })
    return rows


def _r(v: float | None) -> float | None:
    return None if v is None else float(f"{v:.6g}")


def render_csv(data: ReportData, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows(flagged_rows(data))
    return path


XLSX_WIDTHS = {"brand": 22, "product_name": 34, "sku": 12, "retailer": 16, "source_file": 34, "product_key": 20,
               "rules": 28, "reason": 70, "reasons": 90}


def render_xlsx(data: ReportData, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "Flagged products"
    ws.append(CSV_COLUMNS)
    for c in ws[1]:
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor="34495E")
        c.alignment = Alignment(vertical="top", wrap_text=True)
    fills = {"high": "F6D5D1", "warning": "FBE8C8"}
    for row in flagged_rows(data):
        ws.append([row[c] for c in CSV_COLUMNS])
        sev = ws.cell(row=ws.max_row, column=CSV_COLUMNS.index("severity") + 1)
        if row["severity"] in fills:
            sev.fill = PatternFill("solid", fgColor=fills[row["severity"]])
    for i, col in enumerate(CSV_COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = XLSX_WIDTHS.get(col, 14)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    info = wb.create_sheet("About")
    for k, v in [("report", title_for(data)), ("audit run", data.run["audit_run_id"]),
                 ("finished", str(data.run["finished_at"])), ("catalog", data.catalog),
                 ("rules", data.run["ruleset_version"]), ("products audited", data.headline["products"]),
                 ("products flagged", data.headline["flagged"]), ("needing review", data.headline["needs_review"])]:
        info.append([k, v])
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 70
    wb.save(path)
    return path


def write_report(con: duckdb.DuckDBPyConnection, run_id: str | None, out_dir: Path, retailer: str | None = None,
                 formats: Iterable[str] = FORMATS, cache_dir: Path | None = None, catalog: str | None = None) -> dict[str, Path]:
    """One report (the catalog summary, or one retailer's) in the formats asked for."""
    formats = [f for f in FORMATS if f in set(formats)]
    data = load_report_data(con, run_id, retailer, catalog=catalog)
    stem = f"retailer-{slug(retailer)}" if retailer else "summary"
    out: dict[str, Path] = {}
    html = None
    if "html" in formats or "pdf" in formats:
        _panel_boxes(con, data)
        attach_crops(data, cache_dir or out_dir / ".cache" / "crops")
        html = render_html(data)
    if "html" in formats:
        out["html"] = out_dir / f"{stem}.html"
        out["html"].write_text(html, encoding="utf-8")
    if "pdf" in formats:
        try:
            pdf_html = html if len(data.flagged) <= PDF_EVIDENCE_LIMIT else render_html(data, PDF_EVIDENCE_LIMIT)
            out["pdf"] = render_pdf(pdf_html, out_dir / f"{stem}.pdf")
        except RuntimeError as e:  # no PDF engine on this machine: the other formats still get written
            if list(formats) == ["pdf"]:
                raise
            print(f"warning: {e}", file=sys.stderr)
    if "csv" in formats:
        out["csv"] = render_csv(data, out_dir / f"{stem}-flagged.csv")
    if "xlsx" in formats:
        out["xlsx"] = render_xlsx(data, out_dir / f"{stem}-flagged.xlsx")
    return out


def write_reports(db: Path, run_id: str | None, out_dir: Path, retailer: str | None = None,
                  formats: Iterable[str] = FORMATS, catalog: str | None = None,
                  cache_dir: Path | None = None) -> dict[str, Path]:
    """The catalog summary and every retailer's report (or only ``retailer``'s).

    Keys: ``html``, ``pdf``, ``csv``, ``xlsx`` for the summary; ``<retailer>: <format>`` for a retailer.
    """
    formats = list(formats)
    bad = sorted(set(formats) - set(FORMATS))
    if bad:
        raise ValueError(f"unknown report format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=True)
    try:
        run = resolve_run(con, run_id, catalog)
        run_id = run["audit_run_id"]
        if retailer:
            known = retailers_of(con, run)
            if retailer not in known:
                raise LookupError(f"no products of retailer {retailer!r} in run {run_id}; "
                                  f"retailers: {', '.join(known) or 'none (the catalog has no manifest retailer)'}")
            return {f"{retailer}: {k}": v for k, v in write_report(con, run_id, out_dir, retailer, formats, cache_dir).items()}
        paths = write_report(con, run_id, out_dir, None, formats, cache_dir)
        for r in retailers_of(con, run):
            paths.update({f"{r}: {k}": v for k, v in write_report(con, run_id, out_dir, r, formats, cache_dir).items()})
        return paths
    finally:
        con.close()


def summary_markdown(paths: dict[str, Path], db: Path, run_id: str | None = None) -> dict[str, Any]:
    """A short markdown summary and table rows of a run's flagged products (for Prefect artifacts)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        data = load_report_data(con, run_id)
    finally:
        con.close()
    h = data.headline
    lines = [
        f"# Label audit {data.run['audit_run_id']}",
        "",
        f"Catalog `{data.catalog}`: **{h['products']}** products audited, **{h['flagged']}** flagged "
        f"({h['flagged_by_severity']['high']} high, {h['flagged_by_severity']['warning']} warning), "
        f"**{h['needs_review']}** needing review, {h['waived']} waived, {h['files_not_read']} file(s) not readable.",
    ]
    if data.changes:
        c = data.changes
        lines.append(f"Since run {data.previous_run['audit_run_id']}: {len(c['new_flags'])} new flag(s), "
                     f"{len(c['resolved_flags'])} resolved, {len(c['new_products'])} new product(s), "
                     f"{len(c['removed_products'])} removed, {len(c['reformulated'])} reformulated.")
    lines += ["", "| report | file |", "|---|---|"] + [f"| {k} | `{v}` |" for k, v in sorted(paths.items())]
    table = [{k: r[k] for k in ("brand", "product_name", "sku", "retailer", "daily_vitamin_d3_iu", "daily_vitamin_k2_mcg",
                                "daily_magnesium_mg", "rules", "severity")} for r in flagged_rows(data)]
    return {"markdown": "\n".join(lines), "table": table, "catalog": data.catalog,
            "artifact_key": "labelaudit-" + slug(Path(data.catalog).name)[:40]}
