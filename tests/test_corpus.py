"""The shared corpus audited end to end and scored against truth.jsonl."""
from __future__ import annotations

import duckdb

from tests.scoring import assert_meets, score, show

VECTOR_STYLES = ("ruled_reportlab", "borderless_fpdf", "retail_html", "catalog_multi", "rotated_page")


def test_corpus_scores_on_vector_panels(audited_corpus, corpus, corpus_truth, capsys):
    db, _run = audited_corpus
    scores = score(db, str(corpus.resolve()), [t for t in corpus_truth if t.get("style") in VECTOR_STYLES])
    show(scores, capsys)
    assert_meets(scores["all"])


def test_every_bad_or_panelless_file_gets_its_status(audited_corpus, corpus, corpus_truth):
    db, _ = audited_corpus
    con = duckdb.connect(str(db), read_only=True)
    got = dict(con.execute(
        "SELECT source_file, status FROM products WHERE catalog = ? AND page IS NULL", [str(corpus.resolve())]
    ).fetchall())
    details = dict(con.execute(
        "SELECT source_file, status_detail FROM products WHERE catalog = ? AND page IS NULL", [str(corpus.resolve())]
    ).fetchall())
    con.close()
    expected = {t["file"]: t for t in corpus_truth if "status" in t}
    assert expected, "truth lists bad files"
    for f, t in expected.items():
        assert got.get(f) == t["status"], f
        assert details[f], f"{f} has no status_detail"
    keywords = {"zero-byte": "zero-byte", "truncated": "truncated", "encrypted": "encrypted", "not a PDF": "not a PDF"}
    for f, t in expected.items():
        for k, v in keywords.items():
            if k in t["reason"]:
                assert v in details[f], (f, details[f])


def test_corpus_scans_are_read_by_ocr(audited_corpus, corpus, corpus_truth, capsys):
    db, _ = audited_corpus
    scans = [t for t in corpus_truth if t.get("style") == "scan_image"]
    assert scans
    scores = score(db, str(corpus.resolve()), scans)
    show(scores, capsys)
    assert_meets(scores["all"], f1=0.97)
    con = duckdb.connect(str(db), read_only=True)
    methods = {r[0] for r in con.execute(
        "SELECT DISTINCT n.read_method FROM nutrients n JOIN products p USING (product_id) WHERE list_contains(?, "
        "p.source_file)",
        [[t["file"] for t in scans]]).fetchall()}
    con.close()
    assert methods == {"ocr"}
