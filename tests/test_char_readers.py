"""PDFium and pdfplumber read the same glyphs: the fast reader changes no extracted value.

extract/chars.py reads glyph boxes through PDFium (the default, for speed); pdfplumber stays
the reader for files PDFium cannot open and is selectable with LABELAUDIT_CHAR_READER. Every
panel, row, amount and evidence box must come out the same either way, on the shared corpus
and on generated labels in every orientation and hostile typography.
"""
from __future__ import annotations

import random

import pytest

from extract.document import extract_pdf
from tests.labelgen import ALL_LAYOUTS, random_product, render_label_bytes
from tests.labelgen.typography import TYPO_FEATURES, render_typography, typography_product


def _read(monkeypatch, source, reader: str):
    monkeypatch.setenv("LABELAUDIT_CHAR_READER", reader)
    return extract_pdf(source)


def _values(fx) -> list[tuple]:
    """Everything extraction reports that a rule or a report reads, except brand and name
    (heuristic, unscored, compared separately)."""
    out: list[tuple] = [(fx.status, fx.page_count)]
    for p in fx.panels:
        out.append((p.page, p.panel, p.region, p.per_daily_dose, p.serving_size, p.servings_per_container,
                    p.directions, p.read_method))
        out.extend((r.label_text, r.amount_text, r.dv_text, r.amount, r.unit, r.alt_amount, r.alt_unit,
                    r.percent_dv, r.percent_nrv, r.elemental_amount, r.elemental_unit, r.note) for r in p.rows)
    return out


def _boxes(fx) -> list[tuple]:
    return [r.bbox for p in fx.panels for r in p.rows] + [p.bbox for p in fx.panels]


def _assert_same(a, b, name: str) -> None:
    assert _values(b) == _values(a), f"{name}: PDFium and pdfplumber disagree"
    for ba, bb in zip(_boxes(a), _boxes(b), strict=True):
        if ba is None or bb is None:
            assert ba == bb, name
            continue
        # Evidence crops land on the same rows: boxes agree within a point (PDFium's descent
        # metric differs from pdfminer's by a few hundredths of an em).
        assert max(abs(x - y) for x, y in zip(ba, bb, strict=True)) < 1.0, f"{name}: row box {ba} vs {bb}"


def test_pdfium_reads_the_shared_corpus_like_pdfplumber(corpus, monkeypatch):
    files = sorted(p for p in corpus.rglob("*.pdf"))
    assert len(files) >= 50
    brands_same = 0
    for f in files:
        a = _read(monkeypatch, f, "pdfplumber")
        b = _read(monkeypatch, f, "pdfium")
        _assert_same(a, b, str(f.relative_to(corpus)))
        brands_same += [(p.brand, p.product_name) for p in a.panels] == [(p.brand, p.product_name) for p in b.panels]
    # Brand detection on letter-spaced logos is a heuristic: it may split a spaced word at
    # another letter, but on all but a couple of files it reads the same.
    assert brands_same >= len(files) - 2


@pytest.mark.parametrize("layout", ALL_LAYOUTS)
def test_pdfium_reads_every_generated_orientation_like_pdfplumber(layout, monkeypatch):
    rng = random.Random(f"readers-{layout}")
    for i in range(6):
        data = render_label_bytes(random_product(rng), layout=layout)
        _assert_same(_read(monkeypatch, data, "pdfplumber"), _read(monkeypatch, data, "pdfium"), f"{layout} #{i}")


@pytest.mark.parametrize("feature", TYPO_FEATURES)
def test_pdfium_reads_hostile_typography_like_pdfplumber(feature, tmp_path, monkeypatch):
    rng = random.Random(f"readers-{feature}")
    for i in range(4):
        path = tmp_path / f"{feature}-{i}.pdf"
        render_typography(typography_product(rng, feature), path)
        a, b = _read(monkeypatch, path, "pdfplumber"), _read(monkeypatch, path, "pdfium")
        assert a.status == "ok", f"{feature} #{i}: {a.status_detail}"
        _assert_same(a, b, f"{feature} #{i}")


def test_an_unknown_char_reader_is_refused_with_the_choices(monkeypatch):
    monkeypatch.setenv("LABELAUDIT_CHAR_READER", "mupdf")
    with pytest.raises(ValueError, match="pdfium, pdfplumber"):
        extract_pdf(b"%PDF-1.7\n")


@pytest.mark.parametrize("page_rotate", [0, 90])
def test_row_boxes_are_measured_from_the_crop_box_a_viewer_and_the_crops_show(page_rotate, monkeypatch):
    import pypdfium2 as pdfium

    rec = random_product(random.Random(7), kind="d3_only", d_iu=5000)
    plain = render_label_bytes(rec, layout="rotated_page" if page_rotate else "ruled",
                               **({"page_rotate": page_rotate} if page_rotate else {}))
    doc = pdfium.PdfDocument(plain)
    page = doc[0]
    left, bottom, right, top = page.get_mediabox()
    # Trim 20 pt off the left edge and 30 off the top (unrotated), or 20 off the left and 10
    # off the bottom (turned a quarter clockwise: they show as the top and the left).
    if page_rotate == 0:
        page.set_cropbox(left + 20, bottom, right, top - 30)
    else:
        page.set_cropbox(left + 20, bottom + 10, right, top)
    buf = __import__("io").BytesIO()
    doc.save(buf)
    doc.close()
    monkeypatch.setenv("LABELAUDIT_CHAR_READER", "pdfium")
    a, b_ = extract_pdf(plain), extract_pdf(buf.getvalue())
    assert _values(a) == _values(b_)
    dx, dy = (20, 30) if page_rotate == 0 else (10, 20)
    boxes_a, boxes_b = [r.bbox for p in a.panels for r in p.rows], [r.bbox for p in b_.panels for r in p.rows]
    for ra, rb in zip(boxes_a, boxes_b, strict=True):
        assert rb == pytest.approx((ra[0] - dx, ra[1] - dy, ra[2] - dx, ra[3] - dy), abs=0.01)
