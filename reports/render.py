"""Reports from the warehouse: a catalog summary and one report per retailer, each as one
self-contained HTML file (charts as inline SVG, evidence crops as data URIs), a PDF with the
same content and every evidence card (Typst, :mod:`reports.typeset`), and the flagged products
as CSV and XLSX.

The run is read once (:func:`reports.data.load_snapshot`, a few queries instead of one per
product) and each report cut from it; each evidence crop is rendered once, into the crop
cache, and the HTML reads it back as a data URI while it streams to disk; the PDF embeds the
cached files.

No Prefect here: flows/audit.py's report_task calls :func:`write_reports`.
"""
from __future__ import annotations

import base64
import csv
import dataclasses
import datetime as dt
import functools
import hashlib
import html as html_escape
import json
import multiprocessing
import os
import re
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from labelaudit.contracts.catalog import CatalogLocation
from labelaudit.contracts.reference import IU_PER_MCG_VITAMIN_D, UPPER_LIMITS
from reports.cells import cell, name_stem
from reports.charts import brand_chart_title as _brand_title
from reports.charts import brand_flag_share, daily_vitamin_d_histogram, high_dose_coverage
from reports.crops import DPI, Crop, cached_crop, crop_file, png_size
from reports.data import (
    ReportData,
    ReportProduct,
    RunSnapshot,
    fmt_amount,
    load_snapshot,
    report_data,
    resolve_run,
    rule_sources,
    rule_titles,
    servings_text,
)

FORMATS = ("html", "pdf", "csv", "xlsx")
CSV_COLUMNS = [
    "brand", "product_name", "sku", "retailer", "source_file", "page", "panel", "product_key",
    "daily_vitamin_d3_mcg", "daily_vitamin_d3_iu", "daily_vitamin_k2_mcg", "daily_magnesium_mg",
    "servings_per_day", "servings_per_day_assumed", "rules", "severity", "waived", "reason", "reasons",
]
_ENV: Environment | None = None


def _env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = Environment(loader=PackageLoader("reports", "templates"), autoescape=select_autoescape(["html", "j2"]))
        _ENV.filters["breakable"] = breakable
    return _ENV


def breakable(text: Any) -> Markup:
    """``text`` escaped, with a line-break opportunity after each underscore: a rule id such as
    K_NO_ANTICOAGULANT_CAUTION wraps inside its column instead of running over the next one."""
    return Markup(str(escape(text)).replace("_", "_<wbr>"))


def prepare() -> None:
    """Import what writing reports needs (matplotlib, the templates, openpyxl): called on a thread while the
    extraction workers read, when this process only waits, so that the reports start at once."""
    import openpyxl  # noqa: F401

    _env().get_template("summary.html.j2")


def slug(name: str) -> str:
    dashed = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower())
    return re.sub(r"-+", "-", dashed).strip("-") or "unnamed"


def title_for(data: ReportData) -> str:
    return f"Supplement label audit: {data.retailer}" if data.retailer else "Supplement label audit: catalog summary"


class _Crops:
    """Each flagged product's evidence crop, rendered at most once for all the reports of a run."""

    def __init__(self, catalog: str, cache_dir: Path):
        self.catalog = CatalogLocation.parse(catalog)
        self.cache_dir = cache_dir
        self.done: dict[tuple, tuple[Path | None, str | None, float | None]] = {}

    def _job(self, p: ReportProduct) -> tuple[tuple, tuple]:
        rows = [r for r in p.evidence_rows if r.get("x0") is not None]
        page = (rows[0].get("page") if rows else None) or p.page
        boxes = [(r["x0"], r["top"], r["x1"], r["bottom"]) for r in rows if (r.get("page") or page) == page]
        key = (p.source_file, p.product_id, page, p.panel_box, tuple(boxes))
        # The id names the cached image; a flagged product always has one (the key is a fallback).
        args = (self.catalog, p.source_file, page, p.product_id or p.product_key, p.panel_box, boxes, self.cache_dir)
        return key, args

    def _keep(self, key: tuple, crop: Crop) -> None:
        width = None
        if crop.path:
            w, _h = png_size(crop.path)
            width = round(min(w * 72.0 / DPI, 300.0), 1)
        self.done[key] = (crop.path, crop.note, width)

    def prefetch(self, products: Iterable[ReportProduct]) -> int:
        """Cut the crops of ``products`` that are not in the cache yet, in parallel when there are many
        (a first audit of a big catalog); returns how many were cut."""
        todo: dict[tuple, tuple] = {}
        for p in products:
            key, args = self._job(p)
            if key in self.done or key in todo:
                continue
            where = cached_crop(*args[2:])
            if where is None or not where.exists():
                todo[key] = args
        if len(todo) < CROP_POOL_MIN or CROP_PROCESSES < 2:
            for key, args in todo.items():
                self._keep(key, crop_file(*args))
            return len(todo)
        try:
            with ProcessPoolExecutor(max_workers=min(CROP_PROCESSES, os.cpu_count() or 1),
                                     mp_context=multiprocessing.get_context("spawn")) as pool:
                keys = list(todo)
                chunk = max(1, len(keys) // (4 * CROP_PROCESSES))
                for key, crop in zip(keys, pool.map(_crop_job, [todo[k] for k in keys], chunksize=chunk), strict=True):
                    self._keep(key, crop)
        except (OSError, RuntimeError, BrokenProcessPool) as e:  # no processes here (a daemon): cut them in this one
            print(f"warning: evidence crops are cut in this process ({e})", file=sys.stderr)
            for key, args in todo.items():
                if key not in self.done:
                    self._keep(key, crop_file(*args))
        return len(todo)

    def attach(self, p: ReportProduct) -> None:
        key, args = self._job(p)
        if key not in self.done:
            self._keep(key, crop_file(*args))
        p.crop_path, p.crop_note, p.crop_width_pt = self.done[key]
        p.cropped = True


# Crops cut by a pool of spawned processes once there are this many to cut. Starting the pool costs about
# 1.4 s of CPU (two interpreters importing pypdfium2, Pillow and fsspec); a crop, 15-20 ms. At 96 crops the pool
# was 2x slower than one process here (7.9-11.4 s against 4.6-6.3 s wall, a loaded machine); from a few hundred,
# on a second core that is free, it halves the wait.
CROP_POOL_MIN = 400
CROP_PROCESSES = 2


def _crop_job(args: tuple) -> Crop:
    return crop_file(*args)


def attach_crops(data: ReportData, cache_dir: Path, products: Iterable[ReportProduct] | None = None,
                 crops: _Crops | None = None) -> None:
    """Give flagged products (all, or ``products``) a PNG crop of their panel with the evidence rows
    highlighted: ``crop_path`` (in the cache), ``crop_width_pt``, or ``crop_note`` saying why there is none."""
    crops = crops or _Crops(data.catalog, cache_dir)
    for p in data.flagged if products is None else products:
        if not p.cropped:
            crops.attach(p)


def _data_uri(p: ReportProduct) -> str | None:
    path = p.crop_path
    if not path:
        return None
    try:
        return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")
    except OSError:
        return None


def _panel_boxes_of(con: duckdb.DuckDBPyConnection, snap: RunSnapshot) -> dict[str, tuple | None]:
    keys = {f["product_key"] for f in snap.flags}
    ids = [p.product_id for p in snap.products if p.product_key in keys]
    if not ids:
        return {}
    rows = con.execute(
        "SELECT product_id, x0, top, x1, bottom FROM label_versions WHERE product_id IN (SELECT unnest(?::VARCHAR[]))",
        [ids]).fetchall()
    return {r[0]: (tuple(r[1:]) if all(v is not None for v in r[1:]) else None) for r in rows}


# The vitamin D thresholds of the run the dose chart draws, each labelled with its own name.
CHART_THRESHOLDS = ("high_dose_vitamin_d_mcg", "noael_vitamin_d_mcg")


def thresholds(data: ReportData) -> list[dict[str, Any]]:
    """The run's vitamin D thresholds as the charts and the text show them: parameter, name, mcg, IU."""
    return [{"param": k, "name": data.param_names.get(k, k), "mcg": data.params[k],
             "iu": data.params[k] * IU_PER_MCG_VITAMIN_D} for k in CHART_THRESHOLDS]


def brand_chart_title(data: ReportData) -> str:
    return _brand_title(data.brands)


def _charts(data: ReportData, cache_dir: Path | None = None) -> dict[str, str]:
    """The report's charts as SVG, drawn once for its HTML and PDF; with ``cache_dir``, a chart whose data
    was drawn before (another report, an earlier run) is read back instead of drawn (0.2-0.4 s each)."""
    charts = data.chart_svgs
    if charts is None:
        limit = data.params["high_dose_vitamin_d_mcg"]
        lines = [(t["mcg"], t["name"]) for t in thresholds(data)]
        draw: dict[str, tuple[Callable[[], str], Any]] = {
            "dose": (lambda: daily_vitamin_d_histogram(data.daily_d, lines), (data.daily_d, lines)),
            "coverage": (lambda: high_dose_coverage(data.high_dose, limit_mcg=limit), (data.high_dose, limit)),
            "brands": (lambda: brand_flag_share(data.brands) if data.brands else "", data.brands),
        }
        charts = {}
        for name, (fn, inputs) in draw.items():
            if cache_dir is None:
                charts[name] = fn()
                continue
            key = hashlib.sha256(json.dumps([name, _canon(inputs), _code_version()], sort_keys=True,
                                            default=str).encode()).hexdigest()[:24]
            path = cache_dir / f"{name}-{key}.svg"
            try:
                charts[name] = path.read_text(encoding="utf-8")
            except OSError:
                charts[name] = fn()
                cache_dir.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
                tmp.write_text(charts[name], encoding="utf-8")
                tmp.replace(path)
        data.chart_svgs = charts
    return charts


def _html_chunks(data: ReportData, evidence_limit: int | None = None,
                 crop_src: Callable[[ReportProduct], str | None] | None = None) -> Iterable[str]:
    limit = data.params["high_dose_vitamin_d_mcg"]
    chunks = _env().get_template("summary.html.j2").generate(
        title=title_for(data), run=data.run, prev=data.previous_run, retailer=data.retailer, retailers=data.retailers,
        h=data.headline, hd=data.high_dose, brands=data.brands, limit_mcg=limit, charts=_charts(data),
        flagged=data.flagged,
        noted=data.noted, thresholds=thresholds(data), iu_per_mcg=IU_PER_MCG_VITAMIN_D,
        adult_ul_mcg=UPPER_LIMITS["vitamin_d_adult_mcg"],
        needs_review=data.needs_review, changes=data.changes, rules=data.rules, fmt=fmt_amount, servings=servings_text,
        titles=rule_titles(), sources=rule_sources(),
        corrections=data.corrections, corrections_by_id={c["correction_id"]: c for c in data.corrections},
        evidence=data.flagged if evidence_limit is None else data.flagged[:evidence_limit],
        crop_src=crop_src or _data_uri, brand_title=brand_chart_title(data),
    )
    # Every attribute in the template is double-quoted, so an apostrophe needs no escaping: "Women's" stays
    # searchable as written. (An escaped value comes out of the template in one piece, never split; str.replace,
    # because a chunk may be a Markup, whose replace would escape its arguments.)
    for chunk in chunks:
        yield str.replace(chunk, "&#39;", "'")


def render_html(data: ReportData, evidence_limit: int | None = None) -> str:
    """The report as one HTML string (crops as data URIs)."""
    return "".join(_html_chunks(data, evidence_limit))


CROPS_FOLDER = "crops"  # beside the HTML reports written with self_contained=False


def _beside(path: Path) -> Callable[[ReportProduct], str | None]:
    """Crop sources for an HTML file that links its crops: each is linked (or copied) from the cache into
    the ``crops`` folder beside ``path``, and referred to by a relative URL."""
    folder = path.parent / CROPS_FOLDER

    def src(p: ReportProduct) -> str | None:
        if not p.crop_path:
            return None
        there = folder / Path(p.crop_path).name
        if not there.exists():
            folder.mkdir(exist_ok=True)
            try:
                os.link(p.crop_path, there)
            except OSError:  # another file system, or no hard links: a copy
                import shutil

                shutil.copyfile(p.crop_path, there)
        return f"{CROPS_FOLDER}/{there.name}"

    return src


def write_html(data: ReportData, path: Path, self_contained: bool = True) -> Path:
    """The HTML report, streamed to ``path``: self-contained (each crop read and encoded as its card is
    written, so the whole page is never held in memory), or linking its crops in a ``crops`` folder beside it."""
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        for chunk in _html_chunks(data, crop_src=None if self_contained else _beside(path)):
            fh.write(chunk)
    tmp.replace(path)
    return path


def render_pdf(data: ReportData, path: Path) -> Path:
    """The report as a PDF at ``path``: the HTML report's content, every evidence card (Typst, reports.typeset)."""
    from reports.typeset import write_pdf

    return write_pdf(pdf_document(data), path)


def pdf_document(data: ReportData) -> dict[str, Any]:
    """What the PDF of ``data`` shows, as the data Typst lays out (no Python objects left: it can be laid
    out on another thread while ``data`` is freed)."""
    from reports.typeset import document

    return document(data, title_for(data), _charts(data), thresholds(data), brand_chart_title(data))


def flagged_rows(data: ReportData) -> list[dict[str, Any]]:
    rows = []
    for p in data.flagged:
        d3 = p.daily_d_mcg
        rows.append({
            "brand": p.brand, "product_name": p.product_name, "sku": p.sku, "retailer": p.retailer,
            "source_file": p.source_file, "page": p.page, "panel": p.panel, "product_key": p.product_key,
            "daily_vitamin_d3_mcg": _r(d3),
            "daily_vitamin_d3_iu": _r(d3 * IU_PER_MCG_VITAMIN_D) if d3 is not None else None,
            "daily_vitamin_k2_mcg": _r(p.k2_mcg or 0.0), "daily_magnesium_mg": _r(p.mg_mg or 0.0),
            "servings_per_day": _r(p.servings_per_day), "servings_per_day_assumed": bool(p.servings_per_day_assumed),
            "rules": ";".join(p.rule_ids), "severity": p.severity,
            "waived": ";".join(f["rule_id"] for f in p.flags if f.get("waived")),
            "reason": p.reason, "reasons": " | ".join(f["message"] for f in p.flags),
        })
    return rows


def _r(v: float | None) -> float | None:
    return None if v is None else float(f"{v:.6g}")


def render_csv(data: ReportData, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        w.writeheader()
        w.writerows({k: cell(v) for k, v in row.items()} for row in flagged_rows(data))
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
    fills = {"high": PatternFill("solid", fgColor="F6D5D1"), "warning": PatternFill("solid", fgColor="FBE8C8")}
    sev_col = CSV_COLUMNS.index("severity") + 1
    for n, row in enumerate(flagged_rows(data), start=2):  # (ws.max_row scans every row: quadratic)
        ws.append([cell(row[c]) for c in CSV_COLUMNS])
        if row["severity"] in fills:
            ws.cell(row=n, column=sev_col).fill = fills[row["severity"]]
    for i, col in enumerate(CSV_COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = XLSX_WIDTHS.get(col, 14)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    info = wb.create_sheet("About")
    for k, v in [("report", title_for(data)), ("audit run", data.run["audit_run_id"]),
                 ("finished", str(data.run["finished_at"])), ("catalog", data.catalog),
                 ("rules", data.run["ruleset_version"]), ("products audited", data.headline["products"]),
                 ("products flagged", data.headline["flagged"]), ("needing review", data.headline["needs_review"])]:
        info.append([k, cell(v)])
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 70
    wb.save(path)
    return path


# ------------------------------------------------------------------ no work twice

# The file names of the report parts this process rendered (not reused), in order: how tests count renders.
RENDERED: list[str] = []
# Beside the reports: each part's fingerprint, the run that rendered it and the latest run it holds for.
PARTS_INDEX = Path(".cache") / "parts.json"
# What names a run rather than what a report shows about it: left out of the fingerprints.
_RUN_IDENTITY = frozenset({"audit_run_id"})
_DERIVED = frozenset({"cropped", "crop_path", "crop_note", "crop_width_pt", "chart_svgs"})


@functools.lru_cache(maxsize=1)
def _code_version() -> str:
    """A hash of the reports package's code and templates: a new renderer renders every part again."""
    h = hashlib.sha256()
    root = Path(__file__).parent
    for f in sorted([*root.glob("*.py"), *(root / "templates").rglob("*")]):
        if f.is_file():
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


# The fields a dataclass contributes to a fingerprint, per class (dataclasses.fields() is slow to ask each time).
_CANON_FIELDS: dict[type, tuple[str, ...]] = {}


def _canon(v: Any) -> Any:
    """``v`` as plain JSON, the same for the same content whichever run it was read in."""
    # The exact types first: a 2,000-label catalog's fingerprints walk half a million values.
    t = type(v)
    if t is str or t is int or t is bool or v is None:
        return v
    if t is float:
        return float(f"{v:.10g}")
    if t is list or t is tuple:
        return [_canon(x) for x in v]
    if t is dict:
        return {str(k): _canon(x) for k, x in v.items() if k not in _RUN_IDENTITY}
    names = _CANON_FIELDS.get(t)
    if names is None and dataclasses.is_dataclass(v) and not isinstance(v, type):
        names = _CANON_FIELDS[t] = tuple(f.name for f in dataclasses.fields(v) if f.name not in _DERIVED)
    if names is not None:
        return {n: _canon(getattr(v, n)) for n in names}
    if isinstance(v, dict):
        return {str(k): _canon(x) for k, x in v.items() if k not in _RUN_IDENTITY}
    if isinstance(v, (list, tuple, set, frozenset)):
        items = [_canon(x) for x in v]
        return sorted(items, key=repr) if isinstance(v, (set, frozenset)) else items
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, float):
        # DuckDB sums in parallel on a big warehouse, in no fixed order: the same doses differ in the last
        # bits from run to run. Ten significant digits are more than any report prints.
        return float(f"{v:.10g}")
    if v is None or isinstance(v, (bool, int, str)):
        return v
    return str(v)


def scope_fingerprint(snap: RunSnapshot, data: ReportData) -> str:
    """What one report's files show, hashed: its products and their flags, verdicts, doses and label rows,
    the waivers and corrections that touch them, the run's rules and thresholds, the changes since the
    previous run, and the renderer's code. Not which run it is: an unchanged re-audit gets the same hash."""
    keys = {p.product_key for p in data.flagged + data.noted + data.needs_review}
    changes = data.changes if any(data.changes.values()) else {}
    content = {
        "catalog": data.run.get("catalog"), "ruleset": data.run.get("ruleset_version"),
        "rule_params": data.run.get("rule_params"), "params": data.params, "param_names": data.param_names,
        "retailer": data.retailer, "retailers": data.retailers, "headline": data.headline,
        "flagged": data.flagged, "noted": data.noted, "needs_review": data.needs_review, "brands": data.brands,
        "rules": data.rules, "daily_d": data.daily_d, "high_dose": data.high_dose, "changes": changes,
        "corrections": data.corrections, "waivers": [w for w in snap.waivers if w.get("product_key") in keys],
        "crop_dpi": DPI, "code": _code_version(),
    }
    blob = json.dumps(_canon(content), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class _Parts:
    """The report files already in ``out_dir`` and what they were rendered from (``.cache/parts.json``)."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.path = out_dir / PARTS_INDEX
        try:
            self.index: dict[str, dict[str, Any]] = json.loads(self.path.read_text(encoding="utf-8"))["parts"]
        except (OSError, ValueError, KeyError, TypeError):  # none yet, or unreadable: render everything
            self.index = {}

    def reusable(self, name: str, fingerprint: str) -> dict[str, Any] | None:
        e = self.index.get(name)
        f = self.out_dir / name
        if not e or e.get("fingerprint") != fingerprint or not f.is_file() or f.stat().st_size != e.get("size"):
            return None  # changed inputs, or a file removed or edited since: render it again
        return e

    def record(self, name: str, fingerprint: str, run: dict[str, Any], rendered_in: dict[str, Any]) -> None:
        self.index[name] = {"fingerprint": fingerprint, "size": (self.out_dir / name).stat().st_size,
                            "rendered_in": rendered_in["audit_run_id"],
                            "rendered_at": str(rendered_in.get("finished_at") or ""),
                            "run": run["audit_run_id"]}

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"parts": self.index}, indent=1, sort_keys=True), encoding="utf-8")
        tmp.replace(self.path)


_BANNER = re.compile(rb'<div id="labelaudit-unchanged".*?</div>\n?', re.S)


def mark_unchanged(path: Path, since: dict[str, Any], run: dict[str, Any]) -> None:
    """Say at the top of a reused HTML report that run ``run`` changed nothing it shows since run ``since``
    (whose report it is); a banner from an earlier reuse is replaced. A byte copy, no rendering."""
    def when(r: dict[str, Any]) -> str:
        at = r.get("finished_at") or r.get("rendered_at") or ""
        return f" of {str(at)[:16]}" if at else ""

    text = (f"No changes since run {since['audit_run_id']}{when(since)}: audit run {run['audit_run_id']}"
            f"{when(run)} found the same products, flags, verdicts, waivers and corrections, so this report, "
            f"written for run {since['audit_run_id']}, stands unchanged.")
    banner = ('<div id="labelaudit-unchanged" style="background:#e8f4ea;border:1px solid #7fb08a;padding:6px 10px;'
              f'margin:0 0 10px 0;font:13px sans-serif">{html_escape.escape(text)}</div>\n').encode()
    body = path.read_bytes()
    body = _BANNER.sub(b"", body, count=1)
    at = re.search(rb"<body[^>]*>", body)
    cut = at.end() if at else 0
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(body[:cut] + banner + body[cut:])
    tmp.replace(path)


def _write(snap: RunSnapshot, scopes: list[str | None], out_dir: Path, formats: list[str], cache_dir: Path,
           panel_boxes: dict[str, tuple | None], self_contained: bool = True) -> list[dict[str, Path]]:
    """Every report of ``scopes`` (None: the catalog summary) in ``formats``; one dict of paths per scope.
    A file whose inputs are those it was last rendered from (its fingerprint) is kept, not rendered again."""
    stems = [f"retailer-{name_stem(r)}" if r else "summary" for r in scopes]
    if len(set(stems)) < len(stems):  # a 40-bit hash collision: refuse rather than overwrite a report
        raise RuntimeError(f"two retailers' reports would share a file name: {sorted(r for r in scopes if r)}")
    datas = [report_data(snap, r) for r in scopes]
    visual = "html" in formats or "pdf" in formats
    crops = _Crops(snap.run["catalog"], cache_dir)
    if visual:
        for data in datas:
            for p in data.flagged:
                p.panel_box = panel_boxes.get(p.product_id or "")
    parts = _Parts(out_dir)
    ext = {"html": ".html", "pdf": ".pdf", "csv": "-flagged.csv", "xlsx": "-flagged.xlsx"}
    opts = {"html": f"self_contained={self_contained}"}
    todo: list[list[str]] = []  # per scope: the formats to render
    out: list[dict[str, Path]] = [{} for _ in scopes]
    fps: list[str] = []
    for i, data in enumerate(datas):
        fp = scope_fingerprint(snap, data)
        fps.append(fp)
        todo.append([])
        for f in formats:
            name = stems[i] + ext[f]
            part_fp = hashlib.sha256(f"{fp}:{f}:{opts.get(f, '')}".encode()).hexdigest()
            e = parts.reusable(name, part_fp)
            if f == "html" and not self_contained and not (out_dir / CROPS_FOLDER).is_dir():
                e = None  # its crops were removed: they are linked again
            if e is None:
                todo[i].append(f)
                continue
            out[i][f] = out_dir / name
            if f == "html" and e.get("run") != snap.run["audit_run_id"]:
                mark_unchanged(out_dir / name, {"audit_run_id": e["rendered_in"], "rendered_at": e.get("rendered_at")},
                               snap.run)
            parts.record(name, part_fp, snap.run, {"audit_run_id": e["rendered_in"],
                                                   "finished_at": e.get("rendered_at")})

    def done(i: int, f: str) -> None:
        name = stems[i] + ext[f]
        RENDERED.append(name)
        parts.record(name, hashlib.sha256(f"{fps[i]}:{f}:{opts.get(f, '')}".encode()).hexdigest(), snap.run, snap.run)

    if visual:  # every crop the parts to render need, cut once, in parallel when there are many
        crops.prefetch(p for i, data in enumerate(datas) if {"html", "pdf"} & set(todo[i]) for p in data.flagged)
    # Each PDF is laid out by a Typst child process (reports.typeset) that a thread here waits for: it uses the
    # second core while this one writes the HTML, CSV and XLSX (after extraction nothing else runs). One PDF at
    # a time: each holds its whole layout in memory.
    layout = ThreadPoolExecutor(1, thread_name_prefix="typst") if any("pdf" in t for t in todo) else None
    pdfs: list[tuple[int, Future[Path]]] = []
    try:
        for i, data in enumerate(datas):
            if {"html", "pdf"} & set(todo[i]):
                # Charts scope by scope, not all first: the PDF thread starts on the summary while the
                # retailers' charts are drawn.
                _charts(data, cache_dir.parent / "charts")
                attach_crops(data, cache_dir, None, crops)
            if "pdf" in todo[i] and layout is not None:
                from reports.typeset import write_pdf

                pdfs.append((i, layout.submit(write_pdf, pdf_document(data), out_dir / f"{stems[i]}.pdf")))
            if "html" in todo[i]:
                out[i]["html"] = write_html(data, out_dir / f"{stems[i]}.html", self_contained)
                done(i, "html")
            if "csv" in todo[i]:
                out[i]["csv"] = render_csv(data, out_dir / f"{stems[i]}-flagged.csv")
                done(i, "csv")
            if "xlsx" in todo[i]:
                out[i]["xlsx"] = render_xlsx(data, out_dir / f"{stems[i]}-flagged.xlsx")
                done(i, "xlsx")
            datas[i] = None  # type: ignore[call-overload]  # done with it: free it before the next report
    finally:
        failed: BaseException | None = None
        for i, fut in pdfs:  # in scope order
            try:
                out[i]["pdf"] = fut.result()
                done(i, "pdf")
            except BaseException as e:  # re-raised below, once every other PDF is known
                failed = failed or e
        if layout is not None:
            layout.shutdown()
        parts.save()  # what was rendered before a failure stays known
    if failed is not None:
        raise failed
    return [{f: o[f] for f in FORMATS if f in o} for o in out]


def write_report(con: duckdb.DuckDBPyConnection, run_id: str | None, out_dir: Path, retailer: str | None = None,
                 formats: Iterable[str] = FORMATS, cache_dir: Path | None = None, catalog: str | None = None,
                 ) -> dict[str, Path]:
    """One report (the catalog summary, or one retailer's) in the formats asked for."""
    formats = [f for f in FORMATS if f in set(formats)]
    out_dir = Path(out_dir)
    snap = load_snapshot(con, run_id, catalog, details="html" in formats or "pdf" in formats)
    boxes = _panel_boxes_of(con, snap) if ("html" in formats or "pdf" in formats) else {}
    return _write(snap, [retailer], out_dir, formats, cache_dir or out_dir / ".cache" / "crops", boxes)[0]


def write_reports(db: Path, run_id: str | None, out_dir: Path, retailer: str | None = None,
                  formats: Iterable[str] = FORMATS, catalog: str | None = None,
                  cache_dir: Path | None = None, self_contained: bool = True) -> dict[str, Path]:
    """The catalog summary and every retailer's report (or only ``retailer``'s). The HTML is one file
    that can be mailed (``self_contained``), or links its evidence crops in a ``crops`` folder beside it.
    Files whose inputs have not changed since they were written are kept (see :func:`scope_fingerprint`).

    Keys: ``html``, ``pdf``, ``csv``, ``xlsx`` for the summary; ``<retailer>: <format>`` for a retailer.
    """
    formats = list(formats)
    bad = sorted(set(formats) - set(FORMATS))
    if bad:
        raise ValueError(f"unknown report format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    formats = [f for f in FORMATS if f in set(formats)]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    visual = "html" in formats or "pdf" in formats
    con = duckdb.connect(str(db), read_only=True)
    try:
        run = resolve_run(con, run_id, catalog)
        snap = load_snapshot(con, run["audit_run_id"], details=visual)
        boxes = _panel_boxes_of(con, snap) if visual else {}
    finally:
        con.close()
    run_id = run["audit_run_id"]
    if retailer:
        if retailer not in snap.retailers:
            known = ", ".join(snap.retailers) or "none (the catalog has no manifest retailer)"
            raise LookupError(f"no products of retailer {retailer!r} in run {run_id}; retailers: {known}")
        scopes: list[str | None] = [retailer]
    else:
        scopes = [None, *snap.retailers]
    results = _write(snap, scopes, out_dir, formats, cache_dir or out_dir / ".cache" / "crops", boxes, self_contained)
    paths: dict[str, Path] = {}
    for r, res in zip(scopes, results, strict=True):
        paths.update({(f"{r}: {k}" if r else k): v for k, v in res.items()})
    return paths


def summary_markdown(paths: dict[str, Path], db: Path, run_id: str | None = None) -> dict[str, Any]:
    """A short markdown summary and table rows of a run's flagged products (for Prefect artifacts)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        data = report_data(load_snapshot(con, run_id, details=False))  # no label rows: none are shown here
    finally:
        con.close()
    h = data.headline
    fl = h["flags_by_severity"]
    lines = [
        f"# Label audit {data.run['audit_run_id']}",
        "",
        f"Catalog `{data.catalog}`: **{h['products']}** products audited, {h['files_not_read']} file(s) not readable; "
        f"**{h['flagged']}** products flagged (most serious flag: {h['flagged_by_severity']['high']} high, "
        f"{h['flagged_by_severity']['warning']} warning), **{h['needs_review']}** products needing review, "
        f"{h['passed']} products pass, {h['products_waived']} products with a waived flag. "
        f"Flags: {fl['high']} high, {fl['warning']} warning, {fl['info']} info (waived flags not counted; "
        f"{h['flags_waived']} waived).",
    ]
    if data.changes and data.previous_run is not None:
        c = data.changes
        lines.append(f"Since run {data.previous_run['audit_run_id']}: {len(c['new_flags'])} new flag(s), "
                     f"{len(c['resolved_flags'])} resolved, {len(c['new_products'])} new product(s), "
                     f"{len(c['removed_products'])} removed, {len(c['reformulated'])} reformulated.")
    lines += ["", "| report | file |", "|---|---|"] + [f"| {k} | `{v}` |" for k, v in sorted(paths.items())]
    columns = ("brand", "product_name", "sku", "retailer", "daily_vitamin_d3_iu", "daily_vitamin_k2_mcg",
               "daily_magnesium_mg", "rules", "severity")
    table = [{k: r[k] for k in columns} for r in flagged_rows(data)]
    return {"markdown": "\n".join(lines), "table": table, "catalog": data.catalog,
            "artifact_key": "labelaudit-" + slug(Path(data.catalog).name)[:40]}
