"""Reports people read: HTML with evidence crops, PDF, CSV/XLSX, per-retailer scope, changes between runs."""
from __future__ import annotations

import base64
import csv
import io
import random
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from flows.pipeline import audit_catalog
from reports import write_reports
from reports.data import load_report_data
from tests.labelgen import random_product, render_label

MANIFEST_COLS = ["file", "sku", "brand", "product_name", "retailer"]
# file -> (sku, brand, product_name, retailer, generator overrides)
FIRST = {
    "alpha.pdf": ("AL-1", "Alpha Labs", "Alpha Sun D3", "Acme Drug", dict(kind="d3_only", d_iu=5000)),
    "bravo.pdf": ("BR-2", "Bravo Health", "Bravo D3 K2", "Bolt Mart", dict(kind="d3_k2", d_iu=5000)),
    "charlie.pdf": ("CH-3", "Charlie Co", "Charlie Calm D3", "Acme Drug", dict(kind="d3_mg", d_iu=5000)),
    "delta.pdf": ("DE-4", "Delta Naturals", "Delta Magnesium", "Bolt Mart", dict(kind="mg_only")),
    "echo.pdf": ("EC-5", "Echo Vitamins", "Echo High D3", "Acme Drug", dict(kind="d3_only", d_iu=5000)),
}


def _write(root: Path, entries: dict) -> None:
    for name, (_sku, _brand, _product, _retailer, over) in sorted(entries.items()):
        # One seed per file: a reformulated label differs in what its kind changes, not in everything.
        rec = random_product(random.Random(sum(map(ord, name))), directions_style="daily", **over)
        render_label(rec, root / name)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """A catalog audited twice: between the runs a label is added, one removed, one reformulated to add K2."""
    from rules import load_ruleset

    tmp = tmp_path_factory.mktemp("reports")
    root = tmp / "catalog"
    root.mkdir()
    db = tmp / "w.duckdb"
    ruleset = load_ruleset()
    _write(root, FIRST)
    _write_manifest_only(root, FIRST)
    run1, _ = audit_catalog(root, db, ruleset)
    second = dict(FIRST)
    del second["delta.pdf"]
    (root / "delta.pdf").unlink()
    second["foxtrot.pdf"] = ("FO-6", "Foxtrot Farms", "Foxtrot D3 10000", "Bolt Mart", dict(kind="d3_only", d_iu=10000))
    second["echo.pdf"] = ("EC-5", "Echo Vitamins", "Echo High D3", "Acme Drug", dict(kind="d3_k2", d_iu=5000))
    (root / "echo.pdf").unlink()
    _write(root, {k: v for k, v in second.items() if k in ("foxtrot.pdf", "echo.pdf")})
    _write_manifest_only(root, second)
    run2, _ = audit_catalog(root, db, ruleset)
    out = tmp / "out"
    paths = write_reports(db, None, out)
    return {"root": root, "db": db, "run1": run1, "run2": run2, "out": out, "paths": paths, "tmp": tmp}


def _write_manifest_only(root: Path, entries: dict) -> None:
    with open(root / "catalog.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(MANIFEST_COLS)
        for name, (sku, brand, product, retailer, _) in sorted(entries.items()):
            w.writerow([name, sku, brand, product, retailer])


def _flagged(db: Path, retailer: str | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        sql = "SELECT DISTINCT product_name, sku, retailer FROM flagged_products"
        return con.execute(sql + (" WHERE retailer = ?" if retailer else "") + " ORDER BY 1",
                           [retailer] if retailer else []).fetchall()
    finally:
        con.close()


class _Cards(HTMLParser):
    """The evidence cards of a report: heading text and image sources per card."""

    def __init__(self):
        super().__init__()
        self.cards: list[dict] = []
        self._depth = 0
        self._in_h3 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and "evidence-card" in (a.get("class") or "") and (a.get("id") or "").startswith("ev-"):
            self.cards.append({"title": "", "imgs": [], "nocrop": False})
            self._depth = 1
            return
        if self._depth:
            if tag == "div":
                self._depth += 1
                if "nocrop" in (a.get("class") or ""):
                    self.cards[-1]["nocrop"] = True
            elif tag == "img":
                self.cards[-1]["imgs"].append(a.get("src") or "")
            elif tag == "h3":
                self._in_h3 = True

    def handle_endtag(self, tag):
        if self._depth and tag == "div":
            self._depth -= 1
        if tag == "h3":
            self._in_h3 = False

    def handle_data(self, data):
        if self._depth and self._in_h3:
            self.cards[-1]["title"] += data


def _cards(html: str) -> list[dict]:
    p = _Cards()
    p.feed(html)
    return p.cards


def test_the_html_lists_every_flagged_product_with_a_crop_of_its_label(two_runs):
    html = (two_runs["out"] / "summary.html").read_text(encoding="utf-8")
    cards = _cards(html)
    flagged = _flagged(two_runs["db"])
    assert flagged and len(cards) == len(flagged)
    for name, _sku, _ in flagged:
        card = next(c for c in cards if name in c["title"])
        assert len(card["imgs"]) == 1 and card["imgs"][0].startswith("data:image/png;base64,"), name
        img = Image.open(io.BytesIO(base64.b64decode(card["imgs"][0].split(",", 1)[1])))
        assert img.width > 150 and img.height > 40
        # The highlighted rows are drawn in red: the crop shows which lines were used.
        assert any(r > 180 and g < 90 and b < 90 for _, (r, g, b) in img.convert("RGB").getcolors(1 << 24))
    assert "src=\"http" not in html and "<script src" not in html  # self-contained


def test_the_pdf_renders_to_pages_that_carry_the_flagged_products(two_runs, tmp_path):
    pdf = two_runs["out"] / "summary.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "p")], check=True, timeout=120)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == pages and 2 <= pages <= 12
    assert Image.open(pngs[0]).width > 200
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for heading in ("catalog summary", "Flagged products", "Evidence", "Changes since the previous audit"):
        assert heading in text
    for name, sku, _ in _flagged(two_runs["db"]):
        assert name in text and sku in text


def test_the_xlsx_reopens_with_one_row_per_flagged_product(two_runs):
    from openpyxl import load_workbook

    from reports.render import CSV_COLUMNS

    wb = load_workbook(two_runs["out"] / "summary-flagged.xlsx")
    ws = wb["Flagged products"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == CSV_COLUMNS
    flagged = _flagged(two_runs["db"])
    assert sorted(r[CSV_COLUMNS.index("sku")] for r in rows[1:]) == sorted(s for _, s, _ in flagged)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    by_sku = {r[CSV_COLUMNS.index("sku")]: dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]}
    assert by_sku["AL-1"]["daily_vitamin_d3_iu"] == 5000 and by_sku["AL-1"]["rules"] == "D3_HIGH_NO_K2;D3_HIGH_NO_MG"
    with open(two_runs["out"] / "summary-flagged.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(rows) - 1


def test_a_retailers_report_holds_its_products_only(two_runs):
    out = two_runs["out"]
    acme = (out / "retailer-acme-drug.html").read_text(encoding="utf-8")
    bolt = (out / "retailer-bolt-mart.html").read_text(encoding="utf-8")
    entries = {**FIRST, "foxtrot.pdf": ("FO-6", "Foxtrot Farms", "Foxtrot D3 10000", "Bolt Mart", {})}
    for sku, _brand, name, retailer, _ in entries.values():
        _mine, other = (acme, bolt) if retailer == "Acme Drug" else (bolt, acme)
        assert sku not in other and name not in other, (name, retailer)
    titles = {c["title"].split("— ")[-1].strip() for c in _cards(acme)}
    assert titles == {n for n, _, _ in _flagged(two_runs["db"], "Acme Drug")}
    with open(out / "retailer-bolt-mart-flagged.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["retailer"] for r in rows} == {"Bolt Mart"}
    text = subprocess.run(["pdftotext", str(out / "retailer-bolt-mart.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Alpha Sun D3" not in text and "Foxtrot D3 10000" in text
    assert set(two_runs["paths"]) >= {"html", "pdf", "csv", "xlsx", "Acme Drug: html", "Bolt Mart: xlsx"}


def test_changes_since_the_previous_run(two_runs):
    con = duckdb.connect(str(two_runs["db"]), read_only=True)
    try:
        data = load_report_data(con, two_runs["run2"]["audit_run_id"])
        first = load_report_data(con, two_runs["run1"]["audit_run_id"])
        acme = load_report_data(con, two_runs["run2"]["audit_run_id"], retailer="Acme Drug")
    finally:
        con.close()
    assert data.previous_run["audit_run_id"] == two_runs["run1"]["audit_run_id"]
    c = data.changes
    assert [p.sku for p in c["new_products"]] == ["FO-6"]
    assert [p.source_file for p in c["removed_products"]] == ["delta.pdf"]
    assert [r["new"].sku for r in c["reformulated"]] == ["EC-5"]
    added = [d for d in c["reformulated"][0]["diff"] if d["change"] == "added"]
    assert [(d["new"]["nutrient"], d["new"]["form"]) for d in added] == [("vitamin_k", "K2")]
    resolved = {(f["sku"], f["rule_id"]): f["why"] for f in c["resolved_flags"]}
    assert resolved == {("EC-5", "D3_HIGH_NO_K2"): "label reformulated"}
    new = {(f["sku"], f["rule_id"]) for f in c["new_flags"]}
    assert {sku for sku, _ in new} == {"FO-6"} and {("FO-6", "D3_HIGH_NO_K2"), ("FO-6", "D3_HIGH_NO_MG")} <= new
    # The earlier run is rebuilt as it was: delta and the old echo label, no foxtrot.
    assert first.previous_run is None and not first.changes
    assert "EC-5" in {p.sku for p in first.flagged} and "FO-6" not in {p.sku for p in first.flagged}
    # A retailer's changes name only its own products.
    assert [r["new"].sku for r in acme.changes["reformulated"]] == ["EC-5"] and not acme.changes["new_products"]
    html = (two_runs["out"] / "summary.html").read_text(encoding="utf-8")
    changes = html[html.index('id="changes"'):]
    assert "Echo High D3" in changes and "label reformulated" in changes and "delta.pdf" in changes
    assert "Foxtrot D3 10000" in changes and "added" in changes


def test_crops_are_cached_and_a_missing_label_file_is_said(two_runs, monkeypatch, tmp_path):
    import reports.crops as crops

    cache = two_runs["out"] / ".cache" / "crops"
    n = len(list(cache.glob("*.png")))
    assert n >= len(_flagged(two_runs["db"]))

    def no_render(*a, **k):
        raise AssertionError("rendered a page again")

    monkeypatch.setattr(crops, "_render", no_render)
    write_reports(two_runs["db"], None, two_runs["out"], formats=["html"])
    assert len(list(cache.glob("*.png"))) == n
    # A fresh output folder has no cache; with alpha.pdf gone its values show without a picture.
    monkeypatch.undo()
    alpha = two_runs["root"] / "alpha.pdf"
    moved = tmp_path / "alpha.pdf"
    shutil.move(alpha, moved)
    try:
        write_reports(two_runs["db"], None, tmp_path / "out", formats=["html"])
    finally:
        shutil.move(moved, alpha)
    cards = _cards((tmp_path / "out" / "summary.html").read_text(encoding="utf-8"))
    card = next(c for c in cards if "Alpha Sun D3" in c["title"])
    assert card["nocrop"] and not card["imgs"]
    assert all(c["imgs"] for c in cards if "Alpha Sun D3" not in c["title"])
    html = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "no longer there" in html and "5,000 IU" in html


def test_the_report_command(two_runs, tmp_path, capsys):
    from labelaudit.cli import main

    rc = main(["report", "--db", str(two_runs["db"]), "--out", str(tmp_path), "--retailer", "Acme Drug",
               "--run", two_runs["run1"]["audit_run_id"], "--format", "csv,xlsx"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "report (Acme Drug: csv)" in printed and not list(tmp_path.glob("*.html"))
    with open(tmp_path / "retailer-acme-drug-flagged.csv", newline="") as fh:
        skus = {r["sku"] for r in csv.DictReader(fh)}
    assert skus == {"AL-1", "CH-3", "EC-5"}  # run 1: echo still lacked K2
    assert main(["report", "--db", str(two_runs["db"]), "--out", str(tmp_path), "--retailer", "Nobody"]) == 2
    assert main(["report", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path)]) == 2


def test_the_pdf_carries_every_evidence_card_as_the_html_does(two_runs):
    html = (two_runs["out"] / "summary.html").read_text(encoding="utf-8")
    text = subprocess.run(["pdftotext", str(two_runs["paths"]["pdf"]), "-"], capture_output=True, text=True,
                          check=True).stdout
    cards = len(_cards(html))
    assert cards == len(_flagged(two_runs["db"])) and " ".join(text.split()).count("Cut from") == cards


def test_each_retailers_pdf_counts_its_own_pages(two_runs):
    for key in ("Acme Drug: pdf", "Bolt Mart: pdf"):
        text = subprocess.run(["pdftotext", str(two_runs["paths"][key]), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "page 1 of" in text
    acme = subprocess.run(["pdftotext", str(two_runs["paths"]["Acme Drug: pdf"]), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert all(name in acme for name, _, _ in _flagged(two_runs["db"], "Acme Drug"))
