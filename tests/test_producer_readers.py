"""Labels from every program that makes label PDFs read the same through both glyph readers.

PDFium (the default reader, extract/chars.py) and pdfplumber must give the same lines, rows and
values whatever program wrote the file and whichever font program it embedded: unembedded
Type 1 (reportlab), TrueType subsets (fpdf2, WeasyPrint), TrueType with a zero descent
(LibreOffice with Liberation or Carlito), CFF and TrueType re-distilled by Ghostscript, Type 3
(matplotlib). The fonts come from scripts/system-deps.sh --test; nothing is skipped.
"""
from __future__ import annotations

import random

import pytest

from tests.labelgen import random_product
from tests.producers import PRODUCERS, have_tools, produce
from tests.test_char_readers import _boxes, _read, _values

PER_PRODUCER = 3


@pytest.fixture(scope="module")
def records():
    rng = random.Random(20261125)
    return [random_product(rng) for _ in range(PER_PRODUCER)]


def test_every_producer_and_font_is_installed():
    assert have_tools() == [], "bash scripts/system-deps.sh --test installs them"


@pytest.mark.parametrize("producer", PRODUCERS)
def test_both_glyph_readers_read_every_producer_alike(producer, records, tmp_path, monkeypatch):
    for i, rec in enumerate(records):
        data = produce(producer, rec, tmp_path / str(i))
        a, b = _read(monkeypatch, data, "pdfplumber"), _read(monkeypatch, data, "pdfium")
        name = f"{producer} #{i}"
        assert b.status == "ok" and b.panels, f"{name}: {b.status} {b.status_detail}"
        assert _values(b) == _values(a), f"{name}: PDFium and pdfplumber disagree"
        read = {(r.label_text, r.amount_text) for p in b.panels for r in p.rows}
        for n in rec["nutrients"]:  # the key rows as printed, name and amount
            label = " ".join(n["name_lines"]) if n.get("name_lines") else n["label_text"]
            assert (label, n["amount_text"]) in read, f"{name}: {(label, n['amount_text'])} not in {read}"
        assert not any(p.review for p in b.panels), f"{name}: {[p.review for p in b.panels]}"
        for ba, bb in zip(_boxes(a), _boxes(b), strict=True):
            # pdfminer hangs a Type 3 glyph from its font's FontBBox bottom (about half an em
            # below the baseline), PDFium's boxes from a text face's descent: 0.25 em apart.
            tolerance = 0.25 * 16 if producer.endswith("type3") else 1.0
            assert max(abs(x - y) for x, y in zip(ba, bb, strict=True)) < tolerance, f"{name}: box {ba} vs {bb}"
