"""The report formats on one catalog: the PDF carries every flagged product with its crop, label text
that looks like markup or a formula prints as text in every format, and the HTML table sorts and
filters in a real browser (headless Debian chromium through Playwright: one launch for the module)."""
from __future__ import annotations

import csv
import random
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pdfplumber
import pytest
from PIL import Image

from flows.pipeline import audit_catalog
from reports import write_reports
from tests.labelgen import random_product, render_label

TYPST = "#set page(width: 1pt)"
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","click")'
# file -> (sku, brand, product name, generator overrides); each label is flagged
LABELS = {
    "inject.pdf": (FORMULA, SCRIPT, TYPST, dict(kind="d3_only", d_iu=5000)),
    "kcare.pdf": ("KC-1", "Kappa Care", "Kappa D3 K2", dict(kind="d3_k2", d_iu=8000, warnings="")),
    "zeta.pdf": ("ZE-2", "Zeta Labs", "Zeta Sun", dict(kind="d3_only", d_iu=12000)),
    "mu.pdf": ("MU-3", "Mu Naturals", "Mu Daily D3", dict(kind="d3_mg", d_iu=6000)),
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    from rules import load_ruleset

    tmp = tmp_path_factory.mktemp("formats")
    root = tmp / "catalog"
    root.mkdir()
    for name, (_sku, _brand, _product, over) in LABELS.items():
        render_label(random_product(random.Random(sum(map(ord, name))), directions_style="daily", **over), root / name)
    with open(root / "catalog.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "sku", "brand", "product_name", "retailer"])
        for name, (sku, brand, product, _over) in sorted(LABELS.items()):
            w.writerow([name, sku, brand, product, "Acme Drug"])
    db = tmp / "w.duckdb"
    audit_catalog(root, db, load_ruleset(), workers=1)
    out = tmp / "out"
    paths = write_reports(db, None, out)
    con = duckdb.connect(str(db), read_only=True)
    try:
        flagged = con.execute("SELECT DISTINCT product_key, source_file, product_name, sku FROM flagged_products "
                              "ORDER BY 1").fetchall()
        rules = dict(con.execute("SELECT product_name, string_agg(rule_id, ' ') FROM flagged_products GROUP BY 1")
                     .fetchall())
    finally:
        con.close()
    return {"paths": paths, "out": out, "flagged": flagged, "rules": rules}


def _squeeze(text: str) -> str:
    """Text without whitespace: a long token may wrap inside its table column."""
    return "".join(text.split())


def test_every_label_is_flagged_and_one_lacks_the_anticoagulant_caution(reports):
    assert len(reports["flagged"]) == len(LABELS)
    assert "K_NO_ANTICOAGULANT_CAUTION" in reports["rules"]["Kappa D3 K2"]


def test_the_pdf_holds_every_flagged_product_and_its_crop(reports):
    crops = {Image.open(p).size for p in (reports["out"] / ".cache" / "crops").glob("*.png")}
    assert len(crops) >= 1
    with pdfplumber.open(reports["paths"]["pdf"]) as pdf:
        pages = [(_squeeze(page.extract_text() or ""), page.images) for page in pdf.pages]
    assert sum(len(images) for _, images in pages) == len(reports["flagged"])  # one crop per card, charts are vector
    for _key, source_file, name, sku in reports["flagged"]:
        assert any(_squeeze(name) in text and _squeeze(sku) in text for text, _ in pages), name
        # The card's caption names the label file; the crop is on the same page, at the label's pixel size.
        on = [images for text, images in pages if _squeeze(f"Cut from {source_file}, page") in text]
        assert len(on) == 1 and on[0], source_file
        assert {(int(i["srcsize"][0]), int(i["srcsize"][1])) for i in on[0]} <= crops


def test_the_pdf_footer_counts_its_pages(reports):
    with pdfplumber.open(reports["paths"]["pdf"]) as pdf:
        n = len(pdf.pages)
        last = pdf.pages[-1].extract_text() or ""
    assert n >= 2 and f"page {n} of {n}" in last


def test_the_pdf_uses_the_dejavu_fonts_it_ships_whatever_the_machine_has(reports):
    # Typst sees no system font (reports.typeset): every glyph comes from matplotlib's DejaVu files, embedded.
    listed = subprocess.run(["pdffonts", str(reports["paths"]["pdf"])], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    fonts = {line.split()[0].split("+", 1)[-1]: line.split()[-5] for line in listed}  # name -> emb (yes/no)
    assert fonts and all(name.startswith("DejaVu") for name in fonts), fonts
    assert set(fonts.values()) == {"yes"}, fonts


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            assert not dict(attrs).get("src"), "a report loads nothing from elsewhere"
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def test_label_text_that_looks_like_markup_or_a_formula_prints_as_text_in_every_format(reports):
    from openpyxl import load_workbook

    paths = reports["paths"]
    for scope in ("", "Acme Drug: "):
        # HTML: the names are text, and the only script is the table's own.
        parsed = _Text()
        parsed.feed(paths[f"{scope}html"].read_text(encoding="utf-8"))
        text = "".join(parsed.text)
        assert TYPST in text and SCRIPT in text and FORMULA in text
        assert len(parsed.scripts) == 1 and "alert" not in parsed.scripts[0]
        # PDF: the Typst markup did not run (every page is still A4) and the names read back as printed.
        with pdfplumber.open(paths[f"{scope}pdf"]) as pdf:
            assert all(abs(p.width - 595.3) < 1 and abs(p.height - 841.9) < 1 for p in pdf.pages)
            words = _squeeze("".join(p.extract_text() or "" for p in pdf.pages))
        assert all(_squeeze(s) in words for s in (TYPST, SCRIPT, FORMULA))
        # CSV and XLSX: the formula is neutralised (reports.cells), the rest kept as written.
        with open(paths[f"{scope}csv"], newline="", encoding="utf-8") as fh:
            rows = {r["product_name"]: r for r in csv.DictReader(fh)}
        assert rows[TYPST]["sku"] == "'" + FORMULA and rows[TYPST]["brand"] == SCRIPT
        ws = load_workbook(paths[f"{scope}xlsx"])["Flagged products"]
        header = [c.value for c in ws[1]]
        row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[header.index("product_name")] == TYPST)
        assert row[header.index("sku")] == "'" + FORMULA and row[header.index("brand")] == SCRIPT


# ------------------------------------------------------------------ the HTML table in a browser

@pytest.fixture
def page(browser, reports):
    # Narrow enough that a rule badge as long as K_NO_ANTICOAGULANT_CAUTION must wrap in its column.
    pg = browser.new_page(viewport={"width": 820, "height": 900})
    pg.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
             else route.abort())  # no network: a request elsewhere fails the page's own checks below
    pg.goto(Path(reports["paths"]["html"]).resolve().as_uri())
    yield pg
    pg.close()


def _column(pg, n: int) -> list[str]:
    return pg.eval_on_selector_all(
        f"#flagged-table tbody tr:not([hidden]) td:nth-child({n})", "cells => cells.map(c => c.textContent.trim())")


def test_the_flagged_table_sorts_by_the_column_clicked(page):
    brands = _column(page, 1)
    assert len(brands) == len(LABELS)
    page.click("#flagged-table th:has-text('Brand')")
    assert _column(page, 1) == sorted(brands, key=str.lower)
    page.click("#flagged-table th:has-text('Brand')")
    assert _column(page, 1) == sorted(brands, key=str.lower, reverse=True)
    page.click("#flagged-table th:has-text('Daily D3')")
    doses = page.eval_on_selector_all("#flagged-table tbody tr td:nth-child(4)",
                                      "cells => cells.map(c => parseFloat(c.dataset.value))")
    assert doses == sorted(doses) and doses[0] < doses[-1]
    assert page.get_attribute("#flagged-table th:has-text('Daily D3')", "aria-sort") == "ascending"
    assert page.get_attribute("#flagged-table th:has-text('Brand')", "aria-sort") is None


def test_the_flagged_table_filters_on_the_text_typed(page):
    page.fill("#flagged-filter", "zeta")
    assert _column(page, 1) == ["Zeta Labs"]
    assert page.inner_text("#flagged-count") == f"1 of {len(LABELS)} shown"
    page.fill("#flagged-filter", "anticoagulant")
    assert _column(page, 1) == ["Kappa Care"]
    page.fill("#flagged-filter", "no such product")
    assert _column(page, 1) == []
    page.fill("#flagged-filter", "")
    assert len(_column(page, 1)) == len(LABELS)


def test_no_cell_of_the_flagged_table_runs_over_the_next(page):
    # A SKU such as =HYPERLINK(...) or a one-word name wraps inside its own column.
    wide = page.eval_on_selector_all("#flagged-table td", """cells => cells.filter(td => {
        const box = td.getBoundingClientRect();
        return [...td.querySelectorAll('*')].some(e => e.getBoundingClientRect().right > box.right + 0.5)
            || td.scrollWidth > td.clientWidth + 1;
    }).map(td => td.textContent.trim())""")
    assert wide == []


def test_rule_badges_stay_inside_their_column(page):
    overflow = page.eval_on_selector_all("#flagged-table td:nth-child(7)", """cells => cells.flatMap(td => {
        const box = td.getBoundingClientRect();
        return [...td.querySelectorAll('.sev')].filter(b => b.getBoundingClientRect().right > box.right + 0.5)
            .map(b => b.textContent);
    })""")
    assert page.locator("#flagged-table .sev", has_text="ANTICOAGULANT").count() == 1
    assert overflow == []


def test_the_brand_chart_says_when_it_shows_the_top_brands_and_sorts_by_flagged_count():
    from reports.charts import BRAND_CHART_TOP, brand_chart_title, brand_flag_share, brands_by_flagged

    rng = random.Random(3)
    brands = []
    for i in range(BRAND_CHART_TOP + 5):
        products = rng.randint(1, 40)
        high = rng.randint(0, products)
        warning = rng.randint(0, products - high)
        brands.append({"brand": f"Brand {i:02d}", "products": products, "flagged": high + warning, "high": high,
                       "warning": warning})
    shown = brands_by_flagged(brands)[:BRAND_CHART_TOP]
    assert [b["flagged"] for b in shown] == sorted((b["flagged"] for b in brands), reverse=True)[:BRAND_CHART_TOP]
    assert brand_chart_title(brands) == (f"Flagged products by brand: top {BRAND_CHART_TOP} of {len(brands)} brands "
                                         "by flagged count")
    assert brand_chart_title(brands[:3]) == "Flagged products by brand (all 3 brands)"
    svg = brand_flag_share(brands)
    # Every brand shown is named on the chart (matplotlib writes each tick label's text as a comment).
    assert all(f"<!-- {b['brand']} -->" in svg for b in shown)
    assert sum(f"<!-- {b['brand']} -->" in svg for b in brands) == BRAND_CHART_TOP
