"""How long the PDF summary of a catalog takes, every evidence card included (issue target: <= 10 s at
N = 2,000), and the same content through WeasyPrint for comparison.

    .venv/bin/python benchmarks/pdf_report.py [--n 2000] [--weasyprint-n 100] [--repeat 3] [--out DIR]

The catalog (benchmarks/bench.py's generator, cached under DIR) is audited once (no Prefect, no
reports) into a warehouse kept beside it. Then, in this process:

  crops       every flagged product's evidence crop rendered into an empty crop cache (not PDF work:
              the HTML needs them too; reported so the PDF figure can be read without them)
  pdf         reports.render.render_pdf of the catalog summary: the report's data to JSON, the three
              charts, Typst's layout and the PDF written (crops from the cache)
  typst only  the Typst compile of the same JSON document (no charts, no data building)
  weasyprint  (--weasyprint-n N > 0) the HTML report of the first N labels' catalog, with every card
              and its crops as file URIs, through WeasyPrint (70, in one pass), against Typst's PDF of
              the same report. Skipped when WeasyPrint is not installed (it is a dev dependency).

:func:`measure_pdf` is what benchmarks/bench.py can call for its table.

Measured 2026-11-25 on the 2-core machine with a load average of 12-16 (other jobs): N = 2,000, 926
flagged, 425 pages, 35 MB: PDF summary 4.6 s CPU (18.9 s wall at load 16), of which Typst 4.4 s CPU;
peak RSS 1.26 GB; crops 23 s apart. N = 100 (53 cards), the same report: WeasyPrint 5.0 s CPU
(16.9 s wall) against Typst 0.6 s (2.1 s wall), 8x.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def audited(out: Path, n: int, seed: int) -> tuple[Path, Path]:
    """(catalog, warehouse) of ``n`` generated labels, audited once; both cached under ``out``."""
    from benchmarks.bench import generate_catalog

    cat = generate_catalog(out, n, seed)
    db = out / f"pdf-report-n{n}-seed{seed}.duckdb"
    done = db.with_name(db.name + ".complete")
    if not done.exists():
        from flows.run import run_audit

        t0 = time.perf_counter()
        db.unlink(missing_ok=True)
        run_audit(cat, db, workers=2)
        done.touch()
        print(f"audited {n} labels in {time.perf_counter() - t0:.1f} s -> {db}", file=sys.stderr, flush=True)
    return cat, db


def _summary_data(db: Path, cache: Path) -> Any:
    import duckdb

    from reports.data import load_snapshot, report_data
    from reports.render import _Crops, _panel_boxes_of, attach_crops

    con = duckdb.connect(str(db), read_only=True)
    try:
        snap = load_snapshot(con, None, details=True)
        boxes = _panel_boxes_of(con, snap)
    finally:
        con.close()
    data = report_data(snap, None)
    for p in data.flagged:
        p.panel_box = boxes.get(p.product_id or "")
    t0 = time.perf_counter()
    attach_crops(data, cache, None, _Crops(snap.run["catalog"], cache))
    return data, time.perf_counter() - t0


def _cpu() -> float:
    import resource

    # this process, all its threads, and its finished children: Typst lays each PDF out in a child process
    r, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def _one_pdf(db: str, cache: str, out: str) -> dict[str, float]:
    """In a fresh process (Typst memoises layout within a process: a second compile of the same report
    is several times faster, which no audit sees): the summary PDF, timed alone, and its Typst compile."""
    from reports.render import _charts, brand_chart_title, render_pdf, thresholds, title_for
    from reports.typeset import document

    data, _ = _summary_data(Path(db), Path(cache))
    t0, c0 = time.perf_counter(), _cpu()
    render_pdf(data, Path(out))
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    typst_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the Typst child's peak
    doc = json.dumps(document(data, title_for(data), _charts(data), thresholds(data), brand_chart_title(data)))
    return {"wall": wall, "cpu": cpu, "rss_mb": rss, "typst_rss_mb": typst_rss, "json_mb": len(doc.encode()) / 1e6}


def _typst_cold(db: str, cache: str) -> dict[str, float]:
    """In a fresh process: the Typst compile alone (charts drawn and data built beforehand)."""
    import typst

    from reports.render import _charts, brand_chart_title, thresholds, title_for
    from reports.typeset import _template, document, font_dir

    data, _ = _summary_data(Path(db), Path(cache))
    doc = json.dumps(document(data, title_for(data), _charts(data), thresholds(data), brand_chart_title(data)))
    t0, c0 = time.perf_counter(), _cpu()
    typst.compile(_template(), format="pdf", root="/", font_paths=[str(font_dir())], ignore_system_fonts=True,
                  sys_inputs={"data": doc})
    return {"wall": time.perf_counter() - t0, "cpu": _cpu() - c0}


def _fresh(fn: Any, *args: Any) -> Any:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def measure_pdf(db: Path, repeat: int = 3, work: Path | None = None) -> dict[str, Any]:
    """The catalog summary PDF of ``db``'s latest run with every card: medians of ``repeat`` fresh processes,
    wall and CPU seconds (CPU tells the work apart from a busy machine's waiting)."""
    work = Path(work or tempfile.mkdtemp(prefix="pdf-report-"))
    cache = work / "crops"
    shutil.rmtree(cache, ignore_errors=True)
    data, crops_s = _summary_data(db, cache)  # fills the crop cache (the HTML report needs it too)
    path = work / "summary.pdf"
    runs = [_fresh(_one_pdf, str(db), str(cache), str(path)) for _ in range(repeat)]
    typ = [_fresh(_typst_cold, str(db), str(cache)) for _ in range(repeat)]
    import pypdfium2 as pdfium

    pages = len(pdfium.PdfDocument(str(path)))

    def med(rs: list[dict[str, float]], k: str) -> float:
        return round(statistics.median(r[k] for r in rs), 2)

    return {"flagged": len(data.flagged), "cards": len(data.flagged), "pages": pages,
            "pdf_mb": round(path.stat().st_size / 1e6, 1), "crops_s": round(crops_s, 2),
            "pdf_s": med(runs, "wall"), "pdf_cpu_s": med(runs, "cpu"), "typst_s": med(typ, "wall"),
            "typst_cpu_s": med(typ, "cpu"), "json_mb": round(runs[0]["json_mb"], 1),
            "peak_rss_mb": round(max(r["rss_mb"] for r in runs)),
            "typst_peak_rss_mb": round(max(r["typst_rss_mb"] for r in runs))}


def weasyprint_vs_typst(db: Path, work: Path) -> dict[str, Any] | None:
    """The same report (every card, crops as files) through WeasyPrint in one pass and through Typst."""
    try:
        from weasyprint import HTML
    except ImportError:
        return None
    from reports.render import _html_chunks, render_pdf

    cache = work / "crops"
    data, _ = _summary_data(db, cache)
    html = "".join(_html_chunks(data, crop_src=lambda p: Path(p.crop_path).resolve().as_uri() if p.crop_path else None))
    t0, c0 = time.perf_counter(), _cpu()
    HTML(string=html, base_url=str(work)).write_pdf(str(work / "weasyprint.pdf"))
    weasy, weasy_cpu = time.perf_counter() - t0, _cpu() - c0
    data.chart_svgs = None  # drawn again, as the WeasyPrint HTML had them drawn
    t0, c0 = time.perf_counter(), _cpu()
    render_pdf(data, work / "typst.pdf")  # this process has compiled nothing with Typst before: cold
    typ, typ_cpu = time.perf_counter() - t0, _cpu() - c0
    return {"flagged": len(data.flagged), "weasyprint_s": round(weasy, 2), "typst_s": round(typ, 2),
            "weasyprint_cpu_s": round(weasy_cpu, 2), "typst_cpu_s": round(typ_cpu, 2),
            "ratio": round(weasy / typ, 1), "cpu_ratio": round(weasy_cpu / typ_cpu, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--weasyprint-n", type=int, default=100, help="labels for the WeasyPrint comparison (0: none)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / ".bench")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    _cat, db = audited(a.out, a.n, a.seed)
    with tempfile.TemporaryDirectory(prefix="pdf-report-") as tmp:
        r = measure_pdf(db, a.repeat, Path(tmp))
    print(f"N = {a.n}: {r['flagged']} flagged products, every evidence card: {r['pages']} pages, {r['pdf_mb']} MB")
    print(f"  crops (not PDF work)   {r['crops_s']:6.2f} s")
    print(f"  PDF summary            {r['pdf_s']:6.2f} s wall, {r['pdf_cpu_s']:6.2f} s CPU "
          f"(median of {a.repeat} fresh processes; target <= 10 s)")
    print(f"  of which Typst compile {r['typst_s']:6.2f} s wall, {r['typst_cpu_s']:6.2f} s CPU "
          f"(JSON data {r['json_mb']} MB)")
    print(f"  peak RSS of the process writing it: {r['peak_rss_mb']} MB (report data, charts); "
          f"of its Typst child: {r['typst_peak_rss_mb']} MB")
    print(f"  load average now: {' '.join(f'{v:.1f}' for v in os.getloadavg())} (2 cores here)")
    if a.weasyprint_n:
        _cat, small = audited(a.out, a.weasyprint_n, a.seed)
        with tempfile.TemporaryDirectory(prefix="pdf-weasy-") as tmp:
            w = weasyprint_vs_typst(small, Path(tmp))
        if w is None:
            print("  WeasyPrint: not installed (pip install weasyprint==70.0), no comparison")
        else:
            print(f"N = {a.weasyprint_n} ({w['flagged']} flagged, every card, same report): WeasyPrint "
                  f"{w['weasyprint_s']:.2f} s wall / {w['weasyprint_cpu_s']:.2f} s CPU, Typst {w['typst_s']:.2f} s / "
                  f"{w['typst_cpu_s']:.2f} s ({w['ratio']}x wall, {w['cpu_ratio']}x CPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
