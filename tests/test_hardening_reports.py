"""Issue 22, items 2 and 7: what a manifest says reaches the CSV and XLSX as text, never as a
formula, and every retailer's report has a file of its own."""
from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import pytest

from reports.cells import cell, name_stem
from tests.conftest import SAMPLE

EVIL_BRAND = '=HYPERLINK("http://evil.example/x","click me")'
# file (all flagged in the sample's truth) -> manifest row: sku, brand, product_name, retailer
HOSTILE = {
    "kestrel-health/vitamin-d3.pdf": ("KH-1", EVIL_BRAND, "+cmd|' /C calc'!A0", "A-B"),
    "kestrel-health/calm-mag-d3.pdf": ("-2+3", "@SUM(1,1)", "-1 Tabbed", "a/b"),
    "tidewater-nutrition/vitamin-d.pdf": ("TW-3", "Tidewater", "=1+1", "Ünsere Apotheke"),
    "tidewater-nutrition/vitamin-d3-10-000-iu.pdf": ("TW-4", "Tidewater", "Plain - name", "日本薬局"),
}


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory, ruleset):
    from flows.pipeline import audit_catalog
    from reports import write_reports

    tmp = tmp_path_factory.mktemp("hostile-manifest")
    root = tmp / "catalog"
    for f in HOSTILE:
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLE / f, root / f)
    with open(root / "catalog.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "sku", "brand", "product_name", "retailer"])
        for f, row in HOSTILE.items():
            w.writerow([f, *row])
    db = tmp / "w.duckdb"
    audit_catalog(root, db, ruleset, workers=1)
    out = tmp / "out"
    paths = write_reports(db, None, out, formats=["csv", "xlsx"])
    return {"db": db, "out": out, "paths": paths, "tmp": tmp}


def test_no_csv_cell_starts_like_a_formula_and_the_text_is_kept(hostile_reports):
    with open(hostile_reports["paths"]["csv"], newline="", encoding="utf-8") as fh:
        rows = {r["sku"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"KH-1", "'-2+3", "TW-3", "TW-4"}
    assert rows["KH-1"]["brand"] == "'" + EVIL_BRAND
    assert rows["KH-1"]["product_name"] == "'+cmd|' /C calc'!A0"
    assert rows["'-2+3"]["brand"] == "'@SUM(1,1)" and rows["'-2+3"]["product_name"] == "'-1 Tabbed"
    assert rows["TW-3"]["product_name"] == "'=1+1"
    assert rows["TW-4"]["product_name"] == "Plain - name"  # a dash inside text is no trigger
    for r in rows.values():
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in r.values()), r
        assert float(r["daily_vitamin_d3_iu"]) >= 4000  # numbers are written bare, not quoted text


def test_xlsx_cells_are_strings_never_formulas_and_numbers_stay_numbers(hostile_reports):
    from openpyxl import load_workbook

    from reports.render import CSV_COLUMNS

    path = hostile_reports["paths"]["xlsx"]
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets)  # no formula element anywhere
    ws = load_workbook(path)["Flagged products"]
    rows = [dict(zip(CSV_COLUMNS, r, strict=True)) for r in ws.iter_rows(min_row=2)]
    by_sku = {r["sku"].value: r for r in rows}
    evil = by_sku["KH-1"]["brand"]
    assert evil.data_type == "s" and evil.value == "'" + EVIL_BRAND
    assert by_sku["'-2+3"]["brand"].value == "'@SUM(1,1)"
    iu = by_sku["KH-1"]["daily_vitamin_d3_iu"]
    assert iu.data_type == "n" and isinstance(iu.value, (int, float)) and iu.value >= 4000


def test_cell_neutralises_text_only():
    # Tab and CR: the manifest reader strips them at the ends of a value, so only here.
    assert cell("=1+1") == "'=1+1" and cell("-x") == "'-x" and cell("\r=1") == "'\r=1" and cell("\t=1") == "'\t=1"
    assert cell(-5.0) == -5.0 and cell(0) == 0 and cell(None) is None and cell(True) is True
    assert cell("Vitamin D3 - 5,000 IU") == "Vitamin D3 - 5,000 IU" and cell("") == ""


def _retailer_files(out: Path) -> dict[str, set[str]]:
    """Retailer CSV file name -> the retailers named inside it."""
    found = {}
    for p in out.glob("retailer-*-flagged.csv"):
        with open(p, newline="", encoding="utf-8") as fh:
            found[p.name] = {r["retailer"] for r in csv.DictReader(fh)}
    return found


def test_retailers_whose_names_slug_alike_get_a_report_each(hostile_reports):
    files = _retailer_files(hostile_reports["out"])
    # One file per retailer, each holding that retailer's rows only: nothing was overwritten.
    assert sorted(next(iter(v)) for v in files.values()) == sorted(r for *_, r in HOSTILE.values())
    assert all(len(v) == 1 for v in files.values())
    names = " ".join(files)
    assert "ünsere-apotheke" in names and "日本薬局" in names  # non-ASCII kept, readable


def test_a_retailers_file_name_does_not_depend_on_the_other_retailers(hostile_reports, tmp_path):
    from reports import write_reports

    paths = write_reports(hostile_reports["db"], None, tmp_path, retailer="a/b", formats=["csv"])
    assert paths["a/b: csv"].name == hostile_reports["paths"]["a/b: csv"].name


def test_name_stems_are_distinct_where_the_old_slug_collided():
    names = ["A-B", "a/b", "A B", "a b", "a-b", "AB", "ab", "Ünsere", "unsere", "薬局", "薬局 ", "", "???"]
    stems = [name_stem(n) for n in names]
    assert len(set(stems)) == len(names), dict(zip(names, stems, strict=True))
    assert name_stem("Acme Drug") == "acme-drug"  # a name that reads back from its slug stays bare
    assert name_stem("Ünsere Apotheke") == "ünsere-apotheke"
    # A bare slug never looks like a hashed one, so a crafted name cannot take another's file.
    taken = name_stem("a/b")
    crafted = " ".join(w.capitalize() for w in taken.split("-"))  # "A B 1f0c...": reads back from `taken`
    assert name_stem(crafted) != taken
    assert all(len(f"retailer-{name_stem(n * 200)}-flagged.xlsx".encode()) < 255 for n in ("ü", "薬", "a"))
