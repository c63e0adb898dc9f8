"""OCR of label pages with no text layer: the checksum rule, and scans of generated labels."""
from __future__ import annotations

import random
import statistics
from concurrent.futures import ProcessPoolExecutor

import pytest

from extract.checks import row_consistent
from extract.labeltext import find_directions, find_identity
from extract.layout import Word, group_lines
from extract.panel import find_headings, panel_regions, read_panel, reading_order
from extract.records import PanelRecord
from warehouse.normalise import LabelVersionRow, NutrientRow, normalise_panel

KEY = ("vitamin_d", "vitamin_k", "magnesium", "calcium", "vitamin_a")


# ---------------------------------------------------------------- helpers (shared with benchmarks/)

def read_words(words: list[Word], width: float, height: float, number: int) -> list[PanelRecord]:
    """Panels from reading-frame words: ``extract.document.read_page`` minus the char step."""
    from extract.document import _context_lines

    heads = reading_order(find_headings(words))
    if not heads:
        return []
    regions = panel_regions(heads, width, height)
    body_size = statistics.median([w.size for w in words]) if words else 8.0
    panels = []
    for index, (head, region) in enumerate(zip(heads, regions, strict=True)):
        rec, end_y = read_panel(words, region, number, index)
        left, _top, right, bottom = region
        below = group_lines([w for w in words if w.x0 >= left - 4 and w.x1 <= right + 1 and end_y < w.top <= bottom])
        rec.directions = find_directions(below)
        if rec.directions is None and len(heads) == 1:
            rec.directions = find_directions(group_lines(words))
        rec.brand, rec.product_name = find_identity(_context_lines(words, heads, head, region), body_size)
        rec.read_method = "ocr"
        for row in rec.rows:
            row.read_method = "ocr"
        panels.append(rec)
    return panels


def ocr_panels(pdf: bytes, dpi: int = 300) -> tuple[list[LabelVersionRow], list[list[NutrientRow]]]:
    """(panel rows, nutrient rows per panel) for page 1 of ``pdf`` read by OCR."""
    import pypdfium2 as pdfium

    from extract.ocr import ocr_page

    doc = pdfium.PdfDocument(pdf)
    w, h = doc[0].get_size()
    doc.close()
    page = ocr_page(pdf, 0, w, h, dpi)
    out_v, out_n = [], []
    for rec in read_words(page.words, page.width, page.height, 1):
        v, n = normalise_panel("0" * 64, rec, "ocr-test")
        out_v.append(v)
        out_n.append(n)
    return out_v, out_n


def key_match(truth: dict, rows: list[NutrientRow]) -> tuple[int, int, int, list[str]]:
    """tp, fp, fn of the key nutrients (nutrient, form, amount_canonical within 1%)."""
    want = [n for n in truth["nutrients"] if n["nutrient"] in KEY]
    got = [r for r in rows if r["nutrient"] in KEY]
    tp, misses = 0, []
    for n in want:
        for i, r in enumerate(got):
            a, b = n["amount_canonical"], r["amount_canonical"]
            same = (n["nutrient"] == r["nutrient"] and (n.get("form") or None) == (r["form"] or None)
                    and a is not None and b is not None and abs(a - b) <= 0.01 * max(abs(a), 1e-9))
            if same:
                tp += 1
                got.pop(i)
                break
        else:
            misses.append(f"missed {n['nutrient']} {n.get('form')} {n['amount_canonical']}")
    misses += [f"extra {r['nutrient']} {r['form']} {r['amount_canonical']} ({r['label_text']!r} {r['amount_text']!r})"
               for r in got]
    return tp, len(got), len(want) - tp, misses


def scan_case(seed: int) -> dict:
    """One random generated label, scanned under random conditions, OCR'd and scored."""
    from tests.labelgen import random_product, render_label_bytes
    from tests.labelgen.scan import random_scan_params, scan_pdf

    rng = random.Random(seed)
    rec = random_product(rng)
    layout = rng.choice(("ruled", "borderless", "retail"))
    params = random_scan_params(rng)
    pdf = scan_pdf(render_label_bytes(rec, layout), seed=seed, **params)
    versions, nutrients = ocr_panels(pdf)
    rows = nutrients[0] if nutrients else []
    tp, fp, fn, misses = key_match(rec, rows)
    spd_ok = bool(versions) and versions[0]["servings_per_day"] is not None and \
        abs(versions[0]["servings_per_day"] - rec["servings_per_day"]) < 1e-4 * max(1, rec["servings_per_day"])
    return {"seed": seed, "layout": layout, **params, "panels": len(versions), "tp": tp, "fp": fp, "fn": fn,
            "spd_ok": spd_ok, "misses": misses}


# ---------------------------------------------------------------- the checksum

def test_row_consistent_catches_a_misread_digit():
    assert row_consistent("vitamin_d", 125, "mcg", 5000, "IU", 625)
    assert not row_consistent("vitamin_d", 725, "mcg", 5000, "IU", 625)   # 1 read as 7
    assert not row_consistent("vitamin_d", 125, "mcg", 5000, "IU", 6250)  # a stray 0 in the %DV
    assert not row_consistent("vitamin_d", 125, "mcg", 8000, "IU", None)  # the pair alone


@pytest.mark.parametrize("args", [
    ("vitamin_d", 5000, "IU", None, None, 1250),        # pre-2016 DV, 400 IU
    ("vitamin_d", 5000, "IU", None, None, 625),         # IU printed against the 20 mcg DV
    ("vitamin_d", 1000, "IU", 25, "mcg", 125),
    ("vitamin_d", 12.5, "mcg", 500, "IU", 63),          # 62.5% rounded half up
    ("vitamin_d", 12.5, "mcg", 500, "IU", 62),
    ("vitamin_d", 0.125, "mg", None, None, 625),
    ("vitamin_d", 125, "µg", None, None, 625),
    ("vitamin_k", 90, "mcg", None, None, 75),           # 120 mcg DV
    ("vitamin_k", 90, "mcg", None, None, 113),          # 80 mcg DV (112.5%)
    ("magnesium", 420, "mg", None, None, 100),
    ("magnesium", 200, "mg", None, None, 50),           # 400 mg DV
    ("magnesium", 500, "mg", None, None, 24, 100, "mg"),  # salt weight providing 100 mg elemental
    ("calcium", 500, "mg", None, None, 38),
    ("calcium", 0.5, "g", None, None, 50),
    ("vitamin_a", 900, "mcg RAE", None, None, 100),
    ("vitamin_a", 5000, "IU", None, None, 100),
    ("vitamin_a", 3000, "IU", None, None, 100),         # 900 mcg RAE at 0.3 mcg/IU
    ("zinc", 1, "mg", None, None, 9999),                # not checked
    ("vitamin_d", 125, "mcg", None, None, None),        # no %DV
    ("vitamin_d", None, None, None, None, 625),         # no amount
])
def test_row_consistent_accepts_real_label_rows(args):
    assert row_consistent(*args)


@pytest.mark.parametrize("args", [
    ("vitamin_d", 5000, "IU", None, None, 125),
    ("vitamin_d", 50, "mcg", 2000, "IU", 25),
    ("vitamin_k", 100, "mcg", None, None, 8),
    ("magnesium", 500, "mg", None, None, 24),           # a salt weight read as the elemental amount
    ("calcium", 200, "mg", None, None, 75),
    ("vitamin_a", 750, "mcg RAE", None, None, 15),
])
def test_row_consistent_rejects_rows_that_do_not_add_up(args):
    assert not row_consistent(*args)


# ---------------------------------------------------------------- OCR of generated scans

def _ocr_missing() -> str | None:
    from extract.ocr import ocr_available

    return ocr_available()


def needs_ocr(test):
    """make test installs Tesseract (scripts/system-deps.sh): a missing engine fails, never skips."""
    def run(*args, **kwargs):
        assert _ocr_missing() is None, _ocr_missing()
        return test(*args, **kwargs)
    return __import__("functools").wraps(test)(run)
SCAN_SEEDS = range(1000, 1020)


def test_unit_and_lookalike_fixes():
    from extract.ocr import fix_tokens

    assert fix_tokens(["125", "meg", "(5,000", "|U)", "625%"]) == ["125", "mcg", "(5,000", "IU)", "625%"]
    assert fix_tokens(["5000", "|.U.", "250", "yg", "5,0O0", "1U"]) == ["5000", "I.U.", "250", "µg", "5,000", "IU"]
    assert fix_tokens(["(as", "ergocaiciferol)", "retiny!", "lanolin"]) == [
        "(as", "ergocalciferol)", "retinyl", "lanolin"]
    assert fix_tokens(["Serving", "Size", "2", "Capsules"]) == ["Serving", "Size", "2", "Capsules"]


@needs_ocr
def test_scans_of_generated_labels_read_key_nutrients():
    """~20 random labels, scanned at 150/200/300 dpi, skewed up to +-3 degrees, noisy, JPEG 40-80."""
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(scan_case, SCAN_SEEDS))
    tp = sum(r["tp"] for r in results)
    fp = sum(r["fp"] for r in results)
    fn = sum(r["fn"] for r in results)
    f1 = 2 * tp / (2 * tp + fp + fn)
    misses = [(r["seed"], r["layout"], r["dpi"], r["skew_deg"], r["misses"]) for r in results if r["misses"]]
    assert all(r["panels"] == 1 for r in results), [r for r in results if r["panels"] != 1]
    assert f1 >= 0.97, (f1, misses)
    assert sum(r["spd_ok"] for r in results) >= 0.9 * len(results)


@needs_ocr
@pytest.mark.parametrize("rotate", [90, 180])
def test_turned_scan_is_read_upright_and_boxes_land_on_the_page(rotate):
    import pypdfium2 as pdfium

    from extract.ocr import ocr_page
    from tests.labelgen import random_product, render_label_bytes
    from tests.labelgen.scan import scan_pdf

    rec = random_product(random.Random(7))
    pdf = scan_pdf(render_label_bytes(rec, "ruled"), dpi=200, skew_deg=1.0, noise=0.02, rotate=rotate)
    doc = pdfium.PdfDocument(pdf)
    w, h = doc[0].get_size()
    doc.close()
    page = ocr_page(pdf, 0, w, h, 300)
    assert page.turns == {90: 1, 180: 2}[rotate]
    assert (page.width, page.height) == ((h, w) if rotate == 90 else (w, h))
    panels = read_words(page.words, page.width, page.height, 1)
    assert len(panels) == 1
    _tp, fp, fn, misses = key_match(rec, normalise_panel("0" * 64, panels[0], "t")[1])
    assert fn == 0 and fp == 0, misses
    for word in page.words:
        x0, top, x1, bottom = word.orig
        assert 0 <= x0 <= x1 <= w + 0.01 and 0 <= top <= bottom <= h + 0.01
        assert 0.0 <= word.confidence <= 1.0


@needs_ocr
def test_outlined_text_label_is_read_by_ocr():
    from extract.document import extract_pdf
    from tests.labelgen import random_product
    from tests.labelgen.scan import ghostscript, outline_pdf

    assert ghostscript() is not None, "Ghostscript missing: bash scripts/system-deps.sh --test"
    rec = random_product(random.Random(11))
    pdf = outline_pdf(rec)
    ext = extract_pdf(pdf)  # no chars, no images: only paths, so OCR reads it
    assert ext.status == "ok" and ext.panels and all(p.read_method == "ocr" for p in ext.panels)
    versions, nutrients = ocr_panels(pdf)
    assert len(versions) == 1
    _tp, fp, fn, misses = key_match(rec, nutrients[0])
    assert fn == 0 and fp == 0, misses


def test_without_an_ocr_engine_scans_are_needs_ocr_with_how_to_install(monkeypatch):
    import extract.document as document
    from tests.labelgen import random_product, render_label_bytes
    from tests.labelgen.scan import scan_pdf

    monkeypatch.setattr(document, "ocr_available", lambda: "install Tesseract: apt-get install tesseract-ocr")
    pdf = scan_pdf(render_label_bytes(random_product(random.Random(3))), dpi=150)
    ext = document.extract_pdf(pdf)
    assert ext.status == "needs_ocr"
    assert "apt-get install tesseract-ocr" in ext.status_detail
