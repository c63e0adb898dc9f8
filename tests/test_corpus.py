"""The shared corpus audited end to end and scored against truth.jsonl."""
from __future__ import annotations

import duckdb

from tests.scoring import SPEC_RULES, score

VECTOR_STYLES = ("ruled_reportlab", "borderless_fpdf", "retail_html", "catalog_multi", "rotated_page")


def test_corpus_scores_on_vector_panels(audited_corpus, corpus, corpus_truth, capsys):
    db, run = audited_corpus
    scores = score(db, str(corpus.resolve()), [t for t in corpus_truth if t.get("style") in VECTOR_STYLES])
    with capsys.disabled():
        print()
        for name, s in sorted(scores.items()):
            print("  " + s.line(name))
        for m in scores["all"].misses:
            print("    miss:", m)
    total = scores["all"]
    assert total.panels_found == total.panels
    assert total.f1 >= 0.99
    assert total.spd_right / total.panels >= 0.98
    for rule in SPEC_RULES:
        assert total.recall(rule) == 1.0, rule
        assert total.precision(rule) >= 0.99, rule


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


def test_scanned_labels_are_reported_as_needing_ocr(audited_corpus, corpus, corpus_truth):
    db, _ = audited_corpus
    scans = {t["file"] for t in corpus_truth if t.get("needs_ocr")}
    con = duckdb.connect(str(db), read_only=True)
    rows = dict(con.execute("SELECT source_file, status FROM products WHERE catalog = ?", [str(corpus.resolve())]).fetchall())
    con.close()
    assert scans
    for f in scans:
        assert rows[f] == "needs_ocr", f
