"""Label images as catalog entries (issue 21): discovery, the OCR path for photos, review, crops.

The default suite audits a small sample (two labels as PNG at 150 dpi and as JPEG at 200 dpi, one
photo-like image of each defect, a two-frame TIFF, a heading-only image and two broken files);
the issue's 40 + 40 figures are ``make bench-images`` (benchmarks/images.py).
"""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from PIL import Image

from tests.test_ocr import needs_ocr

ROOT = Path(__file__).resolve().parent.parent


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")


# ---------------------------------------------------------------- discovery

def test_discovery_takes_every_image_suffix_in_any_case_and_names_the_files_it_skips(tmp_path):
    from flows.catalog import discover

    _touch(tmp_path, "a.png", "sub/B.JPG", "c.jpeg", "d.TIF", "e.tiff", "f.WebP", "g.pdf",
           "IMG_1.heic", "IMG_2.HEIC", "notes.txt", "README")
    entries, warnings = discover(tmp_path)
    assert [e.source_file for e in entries] == ["a.png", "c.jpeg", "d.TIF", "e.tiff", "f.WebP", "g.pdf", "sub/B.JPG"]
    skipped = [w for w in warnings if "skipped" in w]
    assert len(skipped) == 1, warnings
    assert skipped[0].startswith("4 files skipped: .heic not supported (2: IMG_1.heic, IMG_2.HEIC)"), skipped
    assert "notes.txt" in skipped[0] and "README" in skipped[0]


def test_the_manifest_is_not_a_skipped_file_and_matches_images_like_pdfs(tmp_path):
    from flows.catalog import discover

    _touch(tmp_path, "front.png", "back.jpg")
    (tmp_path / "catalog.csv").write_text("file,sku,brand\nback.jpg,SKU-9,Acme\n", encoding="utf-8")
    entries, warnings = discover(tmp_path)
    assert not [w for w in warnings if "skipped" in w], warnings
    back = next(e for e in entries if e.source_file == "back.jpg")
    assert (back.sku, back.brand) == ("SKU-9", "Acme")


def _audit_cli(catalog: Path, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "labelaudit", "audit", str(catalog), "--db", str(db)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_a_folder_holding_only_unsupported_files_exits_non_zero_with_a_message_that_names_them(tmp_path):
    from labelaudit.cli import EXIT_CODES

    cat = tmp_path / "cat"
    _touch(cat, "IMG_0001.heic", "IMG_0002.heic", "label.svg")
    out = _audit_cli(cat, tmp_path / "w.duckdb")
    assert out.returncode == 66, out.stderr
    assert "66" in str(EXIT_CODES) and "nothing in it to audit" in EXIT_CODES[66]
    msg = out.stderr.strip().splitlines()[-1]
    assert msg.startswith(f"error: nothing to audit in {cat.resolve()}: it holds 3 files"), msg
    for name in ("IMG_0001.heic", "IMG_0002.heic", "label.svg", ".heic not supported", "*.png"):
        assert name in msg, msg
    assert not (tmp_path / "w.duckdb").exists()


def test_an_empty_folder_is_an_error_that_says_it_holds_nothing(tmp_path):
    (tmp_path / "cat").mkdir()
    out = _audit_cli(tmp_path / "cat", tmp_path / "w.duckdb")
    assert out.returncode == 66 and "it holds no files" in out.stderr, out.stderr


# ---------------------------------------------------------------- the reader

def test_broken_image_files_are_error_rows_that_say_why():
    from extract.image import extract_image

    png = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(png, format="PNG")
    cut = extract_image(png.getvalue()[: len(png.getvalue()) // 2])
    assert cut.status == "error" and "truncated" in (cut.status_detail or ""), cut
    fake = extract_image(b"this is a text file named .jpg")
    assert fake.status == "error" and "not an image" in (fake.status_detail or ""), fake
    assert extract_image(b"").status_detail == "zero-byte file"


def test_an_image_states_its_resolution_or_is_72_dpi():
    from extract.image import _open

    buf = io.BytesIO()
    Image.new("L", (100, 100), 255).save(buf, format="PNG", dpi=(150, 150))
    assert _open(buf.getvalue())[1] == pytest.approx(150, abs=0.5)
    buf = io.BytesIO()
    Image.new("L", (100, 100), 255).save(buf, format="PNG")
    assert _open(buf.getvalue())[1] == 72.0


def test_ocr_puts_letter_spaced_heading_words_back_together():
    from extract.ocr import fix_tokens, join_heading_words

    assert [t for t, _a, _b in join_heading_words(["S", "U", "P", "PLE", "M", "E", "NT", "FACIS", "Serving"])] == \
        ["SUPPLEMENT", "FACTS", "Serving"]
    assert [t for t, _a, _b in join_heading_words(["Info", "rmazioni", "nutrizionali"])] == \
        ["Informazioni", "nutrizionali"]
    # words that are not a heading's stay as read
    assert [t for t, _a, _b in join_heading_words(["Vitamin", "facts", "per", "Tablet"])] == \
        ["Vitamin", "facts", "per", "Tablet"]
    assert fix_tokens(["PER", "2GUMMIES", "20,0001U", "1800", "1g", "25mcg"]) == \
        ["PER", "2 GUMMIES", "20,000 IU", "1800", "µg", "25mcg"]


def test_light_text_on_dark_is_inverted_and_a_bold_heading_is_not():
    from extract.image import _invert_dark_areas

    page = np.full((400, 600), 250, dtype=np.uint8)
    page[40:90, 20:400] = 10          # a big bold heading: ink on a light ground
    out, inverted = _invert_dark_areas(page)
    assert not inverted and (out == page).all()
    dark = 255 - page                 # the same label printed light on dark
    out, inverted = _invert_dark_areas(dark)
    assert inverted and out.mean() > 200


def test_the_panel_rules_show_the_perspective_and_the_warp_squares_them():
    import cv2

    from extract.image import _panel_homography, _rules

    page = np.full((800, 1000), 255, dtype=np.uint8)
    for y in (100, 300, 500, 700):
        page[y:y + 4, 100:900] = 0
    src = np.array([[0, 0], [1000, 0], [1000, 800], [0, 800]], dtype=np.float32)
    dst = np.array([[90, 20], [910, 20], [1000, 800], [0, 800]], dtype=np.float32)  # the top leans in
    seen = cv2.warpPerspective(page, cv2.getPerspectiveTransform(src, dst), (1000, 800), borderValue=255)
    assert _panel_homography(page) is None  # square already: left alone
    h = _panel_homography(seen)
    assert h is not None
    squared = cv2.warpPerspective(seen, h, (1000, 800), borderValue=255)
    lefts = sorted(r[0] for r in _rules(squared))
    rights = sorted(r[2] for r in _rules(squared))
    assert lefts[-1] - lefts[0] < 8 and rights[-1] - rights[0] < 8, (lefts, rights)


# ---------------------------------------------------------------- audited as a catalog

def _heading_only_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(360, 200))
    c.setFont("Helvetica-Bold", 22)
    c.drawString(20, 150, "Supplement Facts")
    c.setFont("Helvetica", 9)
    c.drawString(20, 120, "Serving Size 1 Softgel")
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def image_catalog(tmp_path_factory):
    """A small catalog of label images, audited once (no Prefect); its truth lines."""
    from flows.run import run_audit
    from tests.labelgen.photo import PHOTO_KINDS, photo_image, rasterise_rgb, render_image
    from tests.labelgen.producers import Style, panel_width, render_space_catalog
    from tests.labelgen.space import draw_labels

    base = tmp_path_factory.mktemp("images")
    labels = draw_labels(2121, 2 + len(PHOTO_KINDS), {"arrangement": "single", "columns": "one"})
    truth = render_space_catalog(labels, base / "pdf")
    root = base / "catalog"
    root.mkdir()
    lines = []
    for i, (label, t) in enumerate(zip(labels, truth, strict=True)):
        pdf = (base / "pdf" / t["file"]).read_bytes()
        stem = Path(t["file"]).stem
        if i < 2:
            (root / f"{stem}.png").write_bytes(render_image(pdf, 150, "PNG"))
            (root / f"{stem}.JPG").write_bytes(render_image(pdf, 200, "JPEG", 70))
            lines += [{**t, "file": f"{stem}.png"}, {**t, "file": f"{stem}.JPG"}]
        else:
            kind = PHOTO_KINDS[i - 2]
            width = max(panel_width(Style(label["axes"]), p) for p in label["panels"])
            (root / f"{stem}-{kind}.jpg").write_bytes(photo_image(pdf, kind, i, width))
            lines.append({**t, "file": f"{stem}-{kind}.jpg", "photo": kind})
    # a two-frame TIFF: a blank page, then the first label
    first = rasterise_rgb((base / "pdf" / truth[0]["file"]).read_bytes(), 150)
    blank = Image.new("RGB", first.size, "white")
    blank.save(root / "frames.tiff", save_all=True, append_images=[first], dpi=(150, 150))
    lines.append({**truth[0], "file": "frames.tiff", "page": 2})
    (root / "heading-only.png").write_bytes(render_image(_heading_only_pdf(), 150, "PNG"))
    (root / "cut.png").write_bytes((root / f"{Path(truth[0]['file']).stem}.png").read_bytes()[:3000])
    (root / "IMG_0001.heic").write_bytes(b"\0\0\0\x18ftypheic")
    db = base / "w.duckdb"
    result = run_audit(root, db, workers=2)
    return root, db, lines, result


@needs_ocr
def test_label_images_are_audited_like_pdfs_and_nothing_is_silent(image_catalog):
    """Every panel of the sample found; a product whose expected flags were not raised is in review
    with a reason; key nutrients read as the scoring reads them (tests/labelgen/measure.py)."""
    from tests.labelgen.measure import measure

    _root, db, lines, result = image_catalog
    figs = measure(db, lines)["overall"].values()
    assert figs["found"] == 1.0, figs
    assert figs["silent_n"] == 0, figs
    assert figs["f1"] >= 0.8, figs
    assert any(w.startswith("1 file skipped: .heic not supported (1: IMG_0001.heic)") for w in result.warnings)


@needs_ocr
def test_each_frame_of_a_tiff_is_a_page_and_boxes_are_in_the_image_points(image_catalog):
    _root, db, _lines, _r = image_catalog
    con = duckdb.connect(str(db), read_only=True)
    try:
        pages = con.execute("SELECT DISTINCT page FROM products WHERE source_file = 'frames.tiff'").fetchall()
        boxes = con.execute("SELECT p.source_file, max(n.x1), max(n.bottom), min(n.x0), min(n.top) FROM nutrients n "
                            "JOIN products p USING (product_id) WHERE n.x1 IS NOT NULL GROUP BY 1").fetchall()
    finally:
        con.close()
    assert pages == [(2,)]
    sizes = {}
    for name, x1, bottom, x0, top in boxes:
        with Image.open(_root / name) as im:
            dpi = float(im.info.get("dpi", (72, 72))[0]) if im.info.get("dpi") else 72.0
            sizes[name] = (im.width * 72 / dpi, im.height * 72 / dpi)
        w, h = sizes[name]
        assert 0 <= x0 < x1 <= w + 1 and 0 <= top < bottom <= h + 1, (name, (x0, top, x1, bottom), (w, h))
    assert len(sizes) >= 8


@needs_ocr
def test_a_heading_read_without_its_rows_is_needs_review_never_no_panel(image_catalog):
    _root, db, _lines, _r = image_catalog
    con = duckdb.connect(str(db), read_only=True)
    try:
        status = con.execute("SELECT status, product_key FROM products "
                             "WHERE source_file = 'heading-only.png'").fetchall()
        verdict = con.execute("SELECT verdict, reasons FROM verdicts WHERE product_key = ?", [status[0][1]]).fetchone()
        cut = con.execute("SELECT status, status_detail FROM products WHERE source_file = 'cut.png'").fetchone()
    finally:
        con.close()
    assert [s for s, _k in status] == ["ok"], status
    assert verdict is not None and verdict[0] == "needs_review", verdict
    assert "heading" in str(verdict[1]), verdict
    assert cut[0] == "error" and "truncated" in cut[1], cut


@needs_ocr
def test_evidence_crops_cut_an_image_entry_as_they_cut_a_pdf_page(image_catalog, tmp_path):
    from reports.crops import DPI, crop_region, evidence_crop

    root, db, _lines, _r = image_catalog
    con = duckdb.connect(str(db), read_only=True)
    try:
        pid, page, x0, top, x1, bottom = con.execute(
            "SELECT n.product_id, n.page, n.x0, n.top, n.x1, n.bottom "
            "FROM nutrients n JOIN products p USING (product_id) "
            "WHERE p.source_file LIKE '%.JPG' AND n.x0 IS NOT NULL LIMIT 1").fetchone()
        name = con.execute("SELECT source_file FROM products WHERE product_id = ?", [pid]).fetchone()[0]
    finally:
        con.close()
    crop = evidence_crop(root, name, page, pid, None, [(x0, top, x1, bottom)], tmp_path)
    assert crop.png is not None, crop.note
    rx0, rtop, rx1, rbottom = crop_region(None, [(x0, top, x1, bottom)])
    with Image.open(io.BytesIO(crop.png)) as im:
        # the region plus the crop margin (4 pt a side) at the crops' 150 dpi, as for a PDF page
        assert abs(im.width - (rx1 - rx0 + 8) * DPI / 72) < 4, (im.size, (rx0, rtop, rx1, rbottom))
        assert abs(im.height - (rbottom - rtop + 8) * DPI / 72) < 4, (im.size, (rx0, rtop, rx1, rbottom))
        grey = im.convert("L")
        band = grey.crop((0, round((top - rtop + 4) * DPI / 72), grey.width, round((bottom - rtop + 4) * DPI / 72)))
        ink = int((np.asarray(band) < 100).sum())
    assert ink > 50  # the row's own text under the highlight, not a blank cut from the wrong place


# ---------------------------------------------------------------- multi-column panels read by OCR

def test_ocr_pieces_of_one_printed_row_share_its_top_and_bottom_but_a_midway_amount_does_not():
    """Tesseract reads a name column and each amount column as blocks with line boxes of their own
    height; pieces of one printed row are one row again, as a text layer's words are."""
    from extract.ocr import _visual_rows

    # (text, left, top, width, height) of each word; one segment per word
    words = [("VITAMIN", 20, 143, 30, 9), ("100", 250, 141, 10, 12), ("ug", 262, 142, 8, 12),
             ("500%", 300, 140, 20, 10), ("50", 340, 139, 10, 12),      # a row sloping a little to the right
             ("CALCIUM", 20, 170, 30, 9), ("CARBONATE", 20, 180, 40, 9), ("400", 250, 175, 12, 9)]
    data = {"text": [w[0] for w in words], "left": [w[1] for w in words], "top": [w[2] for w in words],
            "width": [w[3] for w in words], "height": [w[4] for w in words]}
    segments = [((w[2], w[2] + w[4]), [i]) for i, w in enumerate(words)]
    boxes = [box for box, _ in _visual_rows(segments, data)]
    assert len(set(boxes[:5])) == 1 and boxes[0] == (139, 154), boxes
    # an amount set midway beside a name on two lines belongs to neither line
    assert len(set(boxes[5:])) == 3, boxes


def test_ocr_misread_daggers_and_units_beside_an_amount_are_repaired():
    from extract.ocr import attach_marks, fix_tokens

    def marks(texts: list[str]) -> list[str]:
        return [t for t, _a, _b in attach_marks([(t, 0, 0) for t in texts])]

    assert marks(["900", "MCG", "RAE", "t", "450", "MCG", "RAE", "+"]) == ["900", "MCG", "RAE", "†", "450", "MCG",
                                                                         "RAE", "†"]
    assert marks(["25", "yg", "¢", "12.5", "µg", "$"]) == ["25", "yg", "†", "12.5", "µg", "†"]
    assert marks(["Vitamin", "T", "Daily"]) == ["Vitamin", "T", "Daily"]  # a letter of words stays
    assert marks(["(50", "mcg)", "7", "cholecalciferol)"]) == ["(50", "mcg)", "†", "cholecalciferol)"]
    assert marks(["50", "mcg", "7", "mcg"]) == ["50", "mcg", "7", "mcg"]  # a 7 with its unit is a figure
    assert fix_tokens(["2000", "L.U.", "50", "Ug", "50", "11g", "—:1,000%", "300", "MCG._-—«500%", "1-2%"]) == \
        ["2000", "I.U.", "50", "µg", "50", "µg", "1,000%", "300", "MCG 500%", "1-2%"]
    assert fix_tokens(["135", ")g180%", "180", "1.g240%", "500%PREGNANT", "Vitamin", ")g180%"]) == \
        ["135", "µg 180%", "180", "µg 240%", "500% PREGNANT", "Vitamin", ")g180%"]


# Labels OCR misread before rows were rebuilt from its blocks (generator seed, index among single-panel
# draws): ages3 panels whose amount columns came out as lines of their own or lost a dagger ("t"
# after "MCG RAE"), "L.U." for "I.U."; EU panels with the µ of "10 µg (400 IU)" read as a 4 ("104g")
# or dropped ("75g", 1500% NRV).
READ_WRONG_BEFORE = ((4711, 1), (4711, 3), (4711, 7), (8093, 10), (8093, 17))


@pytest.fixture(scope="module")
def columns_catalog(tmp_path_factory):
    """Those labels as PNGs at 150 dpi, audited once; their truth lines."""
    from flows.run import run_audit
    from tests.labelgen.photo import render_image
    from tests.labelgen.producers import render_space_catalog
    from tests.labelgen.space import draw_labels

    base = tmp_path_factory.mktemp("columns")
    labels = [draw_labels(seed, index + 1, {"arrangement": "single"})[index] for seed, index in READ_WRONG_BEFORE]
    truth = render_space_catalog(labels, base / "pdf")
    root = base / "catalog"
    root.mkdir()
    lines = []
    for t in truth:
        stem = Path(t["file"]).stem
        (root / f"{stem}.png").write_bytes(render_image((base / "pdf" / t["file"]).read_bytes(), 150, "PNG"))
        lines.append({**t, "file": f"{stem}.png"})
    db = base / "w.duckdb"
    run_audit(root, db, workers=2)
    return db, lines


@needs_ocr
def test_multi_column_panels_and_misread_units_in_images_give_the_serving_columns_amounts(columns_catalog):
    """Each key row's amount is the serving size's column's, read off a 150 dpi PNG."""
    from tests.labelgen.measure import measure

    db, lines = columns_catalog
    assert {t["axes"]["columns"] for t in lines} >= {"ages3", "eu_unit_daily"}
    figs = measure(db, lines)["overall"].values()
    assert figs["found"] == 1.0 and figs["silent_n"] == 0, figs
    assert figs["f1"] == 1.0, figs


def test_a_key_amount_ocr_read_in_grams_is_put_right_only_where_its_other_figures_agree():
    """"75g" of vitamin D is "75 µg" with the µ lost, "104g (400 IU)" is "10µg" with the µ read as a
    4: the %NRV or the IU beside it decide; where nothing decides, a person is asked."""
    from extract.image import repair_unit
    from extract.records import RowRecord

    lost = RowRecord(label_text="VITAMINA D3", amount_text="75g", amount=75, unit="g", percent_nrv=1500)
    assert repair_unit(lost) is None and (lost.amount, lost.unit, lost.amount_text) == (75, "mcg", "75 mcg")
    glued = RowRecord(label_text="Vitamin D2 (ergocalciferol)", amount_text="104g (400 IU)", amount=104, unit="g",
                      alt_amount=400, alt_unit="IU")
    assert repair_unit(glued) is None and (glued.amount, glued.unit) == (10, "mcg"), glued
    alone = RowRecord(label_text="Vitamin D3", amount_text="75g", amount=75, unit="g")
    reason = repair_unit(alone)
    assert reason is not None and "75g" in reason and (alone.amount, alone.unit) == (75, "g")
    calcium = RowRecord(label_text="Calcium", amount_text="1.2 g", amount=1.2, unit="g", percent_dv=92)
    assert repair_unit(calcium) is None and (calcium.amount, calcium.unit) == (1.2, "g")  # grams of a mineral: left


def test_a_higher_figure_inside_a_key_rows_name_read_by_ocr_sends_it_to_review():
    """A row read around another column's figures ("... (as 2,000 IU (50 mcg) 7 cholecalciferol)"
    with the children's 1,000 IU as its amount) is not passed on its lower figure."""
    from extract.image import ocr_doubts
    from extract.records import RowRecord

    def row(name: str) -> RowRecord:
        return RowRecord(label_text=name, amount_text="1,000 IU (25 mcg)", amount=1000, unit="IU", alt_amount=25,
                         alt_unit="mcg", confidence=0.9)

    doubts = ocr_doubts([row("Vitamin D3 (as 2,000 IU (50 mcg) 7 cholecalciferol)")])
    assert len(doubts) == 1 and "higher amount (2000 IU)" in doubts[0], doubts
    assert ocr_doubts([row("Vitamin D3 (as cholecalciferol)")]) == []
    assert ocr_doubts([row("Vitamin D3 (as 25 mcg cholecalciferol)")]) == []  # the same amount: no doubt


def test_two_key_nutrients_named_in_one_ocr_row_send_it_to_review():
    from extract.image import ocr_doubts
    from extract.records import RowRecord

    merged = RowRecord(label_text="VITAMIN A (AS RETINYL ACETATE) RAE 100% VITAMIN D3 (CHOLECALCIFEROL FROM LANOLIN)",
                       amount_text="1,800 MCG RAE", amount=1800, unit="mcg RAE", confidence=0.9)
    assert any("two key nutrients" in d for d in ocr_doubts([merged]))
    one = RowRecord(label_text="Magnesium (as magnesium citrate)", amount_text="100 mg", amount=100, unit="mg",
                    confidence=0.9)
    assert ocr_doubts([one]) == []
