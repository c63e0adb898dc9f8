"""PDF reports through Typst (the compiler ships in the ``typst`` wheel).

The template (reports/templates/summary.typ) is fixed markup; everything a label, a manifest or
the warehouse says reaches it as data: one JSON document passed in ``sys.inputs`` and read with
``json()``, so a product named ``#set page(width: 1pt)`` is a string the template prints, never
markup it runs (SPEC "Reports"). Numbers and dates are formatted here, with the HTML report's own
helpers, so both formats say the same thing the same way.

Fonts: Typst's built-in fonts hold no sans-serif, and system fonts differ between machines, so
the compiler sees only the DejaVu fonts that matplotlib ships (a dependency already): the PDF is
the same on every machine, CI's fresh one included.

Typst lays out the summary of a 2,000-label catalog (926 evidence cards, 425 pages) in 4-5 s of CPU
(benchmarks/pdf_report.py), in one child process per PDF and no chunking. Its cost is memory: Typst
holds the whole document, every crop decoded, until it writes the PDF: the child peaked at about
1.0 GB at that size (550 MB the layout, 470 MB the crops decoded: 106 Mpx as RGBA).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from labelaudit.contracts.reference import IU_PER_MCG_VITAMIN_D, UPPER_LIMITS
from reports.data import ReportData, ReportProduct, fmt_amount, rule_sources, rule_titles, servings_text

# The evidence crop's box in a card: the left column (46% of the A4 text width) and a height that
# keeps a tall panel from pushing the card off its page.
CROP_MAX_WIDTH_PT = 230.0
CROP_MAX_HEIGHT_PT = 360.0


def font_dir() -> Path:
    """The folder of the fonts the PDF uses (DejaVu, as matplotlib ships it)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


TEMPLATE = Path(__file__).with_name("templates") / "summary.typ"


def _template() -> str:
    return str(TEMPLATE)


def _date(v: Any) -> str:
    return v.strftime("%Y-%m-%d %H:%M") if hasattr(v, "strftime") else "?"


def _s(v: Any) -> str:
    return "" if v is None else str(v)


def _crop(p: ReportProduct) -> dict[str, Any] | None:
    if not p.crop_path:
        return None
    from reports.crops import DPI, png_size

    try:
        w, h = png_size(Path(p.crop_path))
    except OSError:
        return None
    w_pt, h_pt = w * 72.0 / DPI, h * 72.0 / DPI
    scale = min(1.0, CROP_MAX_WIDTH_PT / w_pt, CROP_MAX_HEIGHT_PT / h_pt) if w_pt and h_pt else 1.0
    return {"path": Path(p.crop_path).resolve().as_posix(), "width": round(w_pt * scale, 1)}


def _flag_chips(p: Any) -> list[dict[str, Any]]:
    flags = p.flags if isinstance(p, ReportProduct) else p.get("flags", [])
    return [{"rule": _s(f.get("rule_id")), "severity": _s(f.get("severity")), "waived": bool(f.get("waived")),
             "message": _s(f.get("message"))} for f in flags]


def _evidence(i: int, p: ReportProduct, corrections: dict[str, dict[str, Any]]) -> dict[str, Any]:
    meta = [f"Key {p.product_key}"]
    if p.sku:
        meta.append(f"SKU {p.sku}")
    if p.retailer:
        meta.append(p.retailer)
    where = f"{p.source_file}, page {p.page}" + (f", panel {p.panel + 1}" if p.panel else "")
    rows = []
    for r in p.evidence_rows:
        corrected = ""
        if r.get("corrected"):
            c = corrections.get(r.get("correction_id") or "")
            corrected = f"corrected to {fmt_amount(r.get('amount'), r.get('unit') or '')}" + (
                f" by {c['by']}: {c['reason']}" if c else "")
        rows.append({"label": _s(r.get("label_text")), "printed": _s(r.get("amount_text")), "dv": _s(r.get("dv_text")),
                     "corrected": corrected,
                     "daily": fmt_amount(r.get("daily_amount_canonical"), r.get("canonical_unit") or "")})
    serving = (f"Serving size {p.serving_size or 'not printed'} · "
               f"{servings_text(p.servings_per_day, p.servings_per_day_assumed)}")
    return {"n": i, "title": f"{i}. {p.brand or '(unknown brand)'} — {p.product_name or '(unnamed product)'}",
            "meta": " · ".join([*meta, where]), "flags": _flag_chips(p), "crop": _crop(p),
            "caption": f"Cut from {p.source_file}, page {p.page}; the rows the rules used are highlighted.",
            "nocrop": f"No image of the label: {p.crop_note}" if not p.crop_path else "",
            "rows": rows, "serving": serving, "directions": _s(p.directions)}


def _product_cells(p: Any) -> dict[str, str]:
    get = (lambda k: getattr(p, k, None)) if isinstance(p, ReportProduct) else p.get
    return {"brand": _s(get("brand")), "name": _s(get("product_name")), "key": _s(get("product_key")),
            "sku": _s(get("sku")), "file": _s(get("source_file"))}


def document(data: ReportData, title: str, charts: dict[str, str], thresholds: list[dict[str, Any]],
             brand_title: str) -> dict[str, Any]:
    """Everything the PDF shows, as JSON-ready data."""
    h, run, prev = data.headline, data.run, data.previous_run
    limit = data.params["high_dose_vitamin_d_mcg"]
    if data.retailer:
        scope = (f"This report covers the {h['products'] + h['files_not_read']} catalog entries listed for "
                 f"{data.retailer} in the catalog manifest, and no other retailer's products.")
    elif data.retailers:
        scope = "The whole catalog; separate reports cover each retailer: " + ", ".join(data.retailers) + "."
    else:
        scope = ""
    if h["flagged"]:
        lead = (f"{h['flagged']} of {h['products']} products ({100 * h['flagged'] / (h['products'] or 1):.0f}%) are "
                f"flagged: they carry a warning or high flag that no waiver accepts. {h['high_dose']} product(s) give "
                f"{limit:g} mcg ({limit * IU_PER_MCG_VITAMIN_D:,.0f} IU) of vitamin D3 a day or more"
                + (f"; {data.high_dose['neither']} of them with neither vitamin K2 nor magnesium"
                   if data.high_dose.get("neither") else "") + ".")
    else:
        lead = "No product was flagged."
    c = data.changes
    if c:
        changes_note = (f"Since the previous audit: {len(c['new_flags'])} new flag(s), {len(c['resolved_flags'])} "
                        f"resolved, {len(c['new_products'])} new product(s), {len(c['removed_products'])} removed, "
                        f"{len(c['reformulated'])} reformulated label(s).")
    elif not prev:
        changes_note = "This is the first audit of this catalog: there is nothing to compare with yet."
    else:
        changes_note = ""
    adult = UPPER_LIMITS["vitamin_d_adult_mcg"]
    dose_note = ("Daily dose = amount per serving × servings a day from the label's directions. The dashed lines are "
                 "this run's thresholds: " + "; ".join(f"{t['name']} {t['iu']:,.0f} IU ({t['mcg']:g} mcg)"
                                                       for t in thresholds)
                 + f". The adult tolerable upper intake level is {adult * IU_PER_MCG_VITAMIN_D:,.0f} IU "
                   f"({adult:g} mcg).")
    corr = {c["correction_id"]: c for c in data.corrections}
    flagged = []
    for p in data.flagged:
        d = p.daily_d_mcg
        flagged.append({**_product_cells(p), "d3_iu": f"{d * IU_PER_MCG_VITAMIN_D:,.0f} IU" if d else "none",
                        "d3_mcg": fmt_amount(d, "mcg") if d else "", "k2": fmt_amount(p.k2_mcg, "mcg") if p.k2_mcg
                        else "none", "mg": fmt_amount(p.mg_mg, "mg") if p.mg_mg else "none",
                        "flags": _flag_chips(p), "reason": p.reason})
    held = [x for x in data.corrections if not x.get("lapsed_in_run")]
    redo = [x for x in data.corrections if x.get("lapsed_in_run")]

    def corr_row(x: dict[str, Any]) -> dict[str, str]:
        return {"name": _s(x.get("product_name")), "key": _s(x.get("product_key")),
                "row": _s(x.get("label_text") or x.get("nutrient") or "servings per day"),
                "read": _s(x.get("value_read")), "set": _s(x.get("value_set")), "by": _s(x.get("by")),
                "reason": _s(x.get("reason")), "lapse": _s(x.get("lapse_reason"))}

    changes: dict[str, Any] | None = None
    if prev and c:
        def flag_row(f: dict[str, Any]) -> dict[str, str]:
            return {**_product_cells(f), "rule": _s(f.get("rule_id")), "severity": _s(f.get("severity")),
                    "why": _s(f.get("why"))}

        changes = {
            "new_flags": [flag_row(f) for f in c["new_flags"]],
            "resolved_flags": [flag_row(f) for f in c["resolved_flags"]],
            "new_products": [_product_cells(p) for p in c["new_products"]],
            "removed_products": [_product_cells(p) for p in c["removed_products"]],
            "reformulated": [{"title": f"{r['new'].brand or ''} — {r['new'].product_name or r['new'].product_key}",
                              "file": _s(r["new"].source_file),
                              "diff": [{"change": _s(d["change"]),
                                        "old": f"{d['old']['label_text']} {d['old']['amount_text']}" if d.get("old")
                                        else "",
                                        "new": f"{d['new']['label_text']} {d['new']['amount_text']}" if d.get("new")
                                        else ""} for d in r["diff"]]}
                             for r in c["reformulated"]],
        }
    titles, sources = rule_titles(), rule_sources()
    return {
        "title": title, "run": _s(run["audit_run_id"]), "finished": _date(run.get("finished_at")),
        "catalog": _s(run["catalog"]), "ruleset": _s(run.get("ruleset_version")),
        "prev": {"run": _s(prev["audit_run_id"]), "finished": _date(prev.get("finished_at"))} if prev else None,
        "scope": scope, "lead": lead, "changes_note": changes_note,
        "cards": [
            {"value": h["products"], "label": "products audited",
             "note": f"{h['files_not_read']} file(s) could not be read", "tone": ""},
            {"value": h["flagged_by_severity"]["high"], "label": "products flagged high",
             "note": "most serious flag is high", "tone": "high"},
            {"value": h["flagged_by_severity"]["warning"], "label": "products flagged warning",
             "note": "most serious flag is a warning", "tone": "warning"},
            {"value": h["needs_review"], "label": "products need review",
             "note": "unreadable, unsure, or daily dose assumed", "tone": ""},
            {"value": h["passed"], "label": "products pass", "note": "no warning or high flag left, nothing to review",
             "tone": ""},
            {"value": h["flags_waived"], "label": "flags waived", "note": "accepted by a waiver", "tone": ""},
        ],
        "charts": {k: v for k, v in charts.items() if v}, "dose_note": dose_note, "brand_title": brand_title,
        "flagged": flagged,
        "evidence": [_evidence(i, p, corr) for i, p in enumerate(data.flagged, start=1)],
        "noted": [{**_product_cells(p), "verdict": _s(p.verdict).replace("_", " "), "flags": _flag_chips(p)}
                  for p in data.noted],
        "review": [{**_product_cells(p), "where": p.source_file + (f", page {p.page}" if p.page else ""),
                    "why": _s(p.why)} for p in data.needs_review],
        "needs_review_count": h["needs_review"],
        "held": [corr_row(x) for x in held], "redo": [corr_row(x) for x in redo],
        "changes": changes,
        "rules": [{"rule": _s(r["rule_id"]), "title": titles.get(r["rule_id"], ""), "severity": _s(r["severity"]),
                   "products": r["products"],
                   "sources": [{"cited": s.cited, "links": [{"label": lb, "url": u} for lb, u in s.links]}
                               for s in sources.get(r["rule_id"], [])]} for r in data.rules],
        "footer_note": (f"Generated by labelaudit from the warehouse. High dose: daily vitamin D (D3 or unstated form) "
                        f"at or above {limit:g} mcg, the run's {thresholds[0]['name']}. "
                        "Vitamin K1 does not count as K2. Magnesium is counted as the element."),
    }


# Typst runs in a child process, one per PDF. In this process its memory stayed after each compile (its
# memo caches and the allocator keep it): laying out a 2,000-label catalog's three PDFs in one process
# went 1.16 -> 1.40 -> 1.66 GB RSS, where a child gives each PDF's back when it exits. The child imports
# typst alone (0.15 s to start); the data arrives on its stdin.
_CHILD = """
import sys
import typst
template, root, fonts, out = sys.argv[1:5]
data = sys.stdin.buffer.read().decode("utf-8")
try:
    pdf = typst.compile(template, format="pdf", root=root, font_paths=[fonts], ignore_system_fonts=True,
                        sys_inputs={"data": data})
except typst.TypstError as e:
    sys.stderr.write(str(getattr(e, "diagnostic", e)))
    sys.exit(3)
if not isinstance(pdf, bytes):
    sys.stderr.write("Typst returned no PDF")
    sys.exit(3)
with open(out, "wb") as fh:
    fh.write(pdf)
"""


def write_pdf(doc: dict[str, Any], path: Path) -> Path:
    """Lay ``doc`` (see :func:`document`) out as a PDF at ``path`` (written whole, then moved into place)."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    # The crops live in the crop cache, anywhere on disk: the project root is the filesystem's, and the
    # template reads only the paths this module put in the data.
    root = Path(path.resolve().anchor)
    try:
        # -I: the child's imports come from the installed packages, never from a typst.py in the working folder.
        done = subprocess.run([sys.executable, "-I", "-c", _CHILD, _template(), str(root), str(font_dir()), str(tmp)],
                              input=json.dumps(doc, ensure_ascii=False).encode("utf-8"), capture_output=True,
                              check=False)
        said = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode == 3:  # a template or data fault: say where, not just "unclosed delimiter"
            raise RuntimeError(f"the PDF report {path.name} could not be laid out: {said}")
        if done.returncode != 0 or not tmp.is_file():
            raise RuntimeError(f"the PDF report {path.name} could not be laid out: Typst stopped with exit code "
                               f"{done.returncode} (out of memory?){': ' + said[-500:] if said else ''}")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
