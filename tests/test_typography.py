"""Hostile typography (tests/labelgen/typography.py): ALL-CAPS rows, 6 pt text, wide letter-spacing,
one drawString per glyph, glued footnote marks, K2 nested in a blend, and LibreOffice-made PDFs;
each rendered a couple of dozen times, audited with the plain pipeline and scored."""
from __future__ import annotations

import random

import pytest

from extract.layout import Word, merge_spaced
from flows.pipeline import audit_catalog
from tests.conftest import query
from tests.labelgen.typography import TYPO_FEATURES, render_libreoffice, render_typography, soffice, typography_product
from tests.scoring import assert_meets, render_styles, score

SEED = 20261216
N = 20
LO_N = 20


@pytest.fixture(scope="module")
def audited(tmp_path_factory, ruleset):
    root = tmp_path_factory.mktemp("typography") / "catalog"
    root.mkdir()
    rng = random.Random(SEED)
    truth = render_styles(root, rng, TYPO_FEATURES, N, typography_product, render_typography)
    # make test installs LibreOffice and its fonts (scripts/system-deps.sh --test): no skip.
    assert soffice(), "LibreOffice (soffice) missing: bash scripts/system-deps.sh --test"
    recs = [typography_product(rng, "libreoffice") for _ in range(LO_N)]
    names = [f"{i:03d}" for i in range(LO_N)]
    paths = render_libreoffice(recs, root / "libreoffice", names)
    for rec, p in zip(recs, paths, strict=True):
        truth.append({**rec, "file": f"libreoffice/{p.name}", "page": 1, "panel": 0, "style": "libreoffice"})
    db = root.parent / "w.duckdb"
    audit_catalog(root, db, ruleset, workers=2)
    regions = dict(query(db, "SELECT source_file, region FROM products WHERE catalog = ?", [str(root.resolve())]))
    return truth, score(db, str(root.resolve()), truth), regions


def _check(audited, capsys, feature):
    truth, scores, regions = audited
    mine = [t for t in truth if t["style"] == feature]
    s = scores[feature]
    with capsys.disabled():
        print(f"\n  {s.line(feature)}")
        for m in s.misses[:40]:
            print("    miss:", m)
    assert s.panels == len(mine) > 0
    assert all(regions.get(t["file"]) == t["region"] for t in mine)
    assert_meets(s)


@pytest.mark.parametrize("feature", TYPO_FEATURES)
def test_typography_round_trips(audited, capsys, feature):
    _check(audited, capsys, feature)


def test_libreoffice_pdfs_round_trip(audited, capsys):
    _check(audited, capsys, "libreoffice")


def test_libreoffice_labels_embed_the_liberation_truetype_font(tmp_path):
    """The round trip above means something only if LibreOffice used the font users' files hold
    (an embedded TrueType Liberation Sans), not its Type 1 fallback."""
    import pdfplumber

    path = render_libreoffice([typography_product(random.Random(3), "libreoffice")], tmp_path, ["one"])[0]
    with pdfplumber.open(path) as pdf:
        fonts = {str(c["fontname"]) for c in pdf.pages[0].chars}
    assert any("LiberationSans" in f for f in fonts), fonts


def _w(text, x0, size=13.0):
    return Word(text, x0, 10, x0 + 0.6 * size * len(text), 10 + size, size, False, (x0, 10, x0 + 1, 20))


def test_letter_spaced_words_are_joined_and_plain_words_left_alone():
    xs, words = 0.0, []
    for word in ("EVERGREEN", "VITALITY"):
        for ch in word:
            words.append(_w(ch, xs))
            xs = words[-1].x1 + 2.0          # letter spacing
        xs += 3.6 + 2.0                      # a space, spaced too
    assert [w.text for w in merge_spaced(words)] == ["EVERGREEN", "VITALITY"]
    plain = [_w("Take", 0, 8), _w("1", 20, 8), _w("to", 26.7, 8), _w("4", 38.6, 8), _w("times", 45.6, 8)]
    assert [w.text for w in merge_spaced(plain)] == ["Take", "1", "to", "4", "times"]


def test_corpus_letter_spaced_brand_reads_as_words(corpus):
    from extract.document import extract_pdf

    ext = extract_pdf(corpus / "evergreen-vitality" / "bone-heart-d3-k2.pdf")
    assert ext.panels and ext.panels[0].brand == "Evergreen Vitality"
