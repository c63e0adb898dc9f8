"""Whatever a catalog holds, the audit finishes, bounded, and loses nothing."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract import extract_pdf
from extract.amounts import parse_row_text
from flows.catalog import discover
from flows.pipeline import audit_catalog
from tests import hostile
from tests.conftest import query as rows
from tests.labelgen import random_product, render_label, render_label_bytes
from warehouse.directions import servings_per_day

ROOT = Path(__file__).resolve().parent.parent




def _good_catalog(root: Path, n: int = 3) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        render_label(random_product(random.Random(100 + i), kind="d3_only", d_iu=5000, directions_style="daily"),
                     root / f"good-{i}.pdf")


def test_every_hostile_file_gets_a_row_and_a_reason_and_nothing_else_changes(tmp_path, ruleset):
    root = tmp_path / "cat"
    _good_catalog(root)
    db = tmp_path / "w.duckdb"
    audit_catalog(root, db, ruleset)
    before = rows(db, "SELECT product_key, product_id, status FROM products ORDER BY 1")
    before_flags = rows(db, "SELECT product_key, rule_id FROM flagged_products ORDER BY 1, 2")
    expected = hostile.build(root / "hostile")
    t0 = time.perf_counter()
    _run, _ = audit_catalog(root, db, ruleset, file_timeout=120, memory_mb=1500)
    elapsed = time.perf_counter() - t0
    got = {r[0]: r[1:] for r in rows(db, "SELECT source_file, status, status_detail, count(*) OVER (PARTITION BY "
                                         "source_file) FROM products")}
    report = []
    for name, want in expected.items():
        status, detail, n = got[f"hostile/{name}"]
        report.append(f"{name}: {status} ({n} rows) {detail}")
        if want == "ok x500":
            assert (status, n) == ("ok", 500), name
        elif want == "not ok":
            assert status != "ok" and detail, name
        else:
            assert status == want and detail, name
    print("\n  " + "\n  ".join(report) + f"\n  audit of the hostile catalog: {elapsed:.1f} s")
    assert elapsed < 240
    # The rest of the warehouse is as it was.
    assert rows(db, "SELECT product_key, product_id, status FROM products "
                    "WHERE source_file LIKE 'good-%' ORDER BY 1") == before
    after_flags = rows(db, "SELECT product_key, rule_id FROM flagged_products "
                           "WHERE product_key LIKE 'good-%' ORDER BY 1, 2")
    assert after_flags == before_flags


def test_a_file_that_takes_too_long_is_stopped_and_recorded(tmp_path, ruleset):
    root = tmp_path / "cat"
    _good_catalog(root, 1)
    # 500 panels read in about 2 s here; a quarter-second limit stops it with a wide margin on
    # either side (a one-label file reads in ~20 ms), so the test does not hang on machine speed.
    (root / "slow.pdf").write_bytes(hostile.repeated_panel_bytes(1000))
    db = tmp_path / "w.duckdb"
    t0 = time.perf_counter()
    audit_catalog(root, db, ruleset, file_timeout=0.25)
    assert time.perf_counter() - t0 < 60
    status, detail = rows(db, "SELECT status, status_detail FROM products WHERE source_file = 'slow.pdf'")[0]
    assert status == "error" and "longer than 0.25 s" in detail
    assert rows(db, "SELECT status FROM products WHERE source_file = 'good-0.pdf'") == [("ok",)]


def _audit_process(root: Path, db: Path, pause_at: str) -> subprocess.Popen:
    code = (
        "import sys; from pathlib import Path; from flows.pipeline import audit_catalog; from rules import "
        "load_ruleset; "
        "audit_catalog(Path(sys.argv[1]), Path(sys.argv[2]), load_ruleset(), workers=2, batch_size=2)"
    )
    env = {**os.environ, "LABELAUDIT_PAUSE_AT": pause_at}
    return subprocess.Popen([sys.executable, "-c", code, str(root), str(db)], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


@pytest.mark.parametrize("moment", ["extract", "load"])
def test_sigkill_at_any_moment_leaves_the_warehouse_as_it_was_and_the_next_run_completes(tmp_path, ruleset, moment):
    root = tmp_path / "cat"
    _good_catalog(root, 3)
    db = tmp_path / "w.duckdb"
    audit_catalog(root, db, ruleset)
    snapshot = db.read_bytes()
    for i in range(6):  # a changed catalog, so the killed run has real work to lose
        render_label(random_product(random.Random(200 + i)), root / f"new-{i}.pdf")
    proc = _audit_process(root, db, moment)
    try:
        line = proc.stderr.readline()
        assert f"paused at {moment}" in line, line
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert db.read_bytes() == snapshot  # byte for byte the warehouse before the run
    assert rows(db, "SELECT count(*) FROM products") == [(3,)]
    run, _ = audit_catalog(root, db, ruleset)
    assert run["products"] == 9
    assert not list(tmp_path.glob(".w.duckdb.*staging*"))


def test_sql_during_an_audit_reads_the_published_warehouse(tmp_path, ruleset):
    root = tmp_path / "cat"
    _good_catalog(root, 2)
    db = tmp_path / "w.duckdb"
    audit_catalog(root, db, ruleset)
    render_label(random_product(random.Random(300)), root / "new.pdf")
    proc = _audit_process(root, db, "load")
    try:
        assert "paused at load" in proc.stderr.readline()
        out = subprocess.run([sys.executable, "-m", "labelaudit", "sql", "SELECT count(*) AS n FROM products", "--db",
                              str(db), "--csv"],
                             capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == ["n", "2"]
        busy = subprocess.run([sys.executable, "-m", "labelaudit", "sql", "DELETE FROM flags", "--db", str(db),
                               "--write"],
                              capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert busy.returncode == 75 and "another audit" in busy.stderr
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def test_sql_write_changes_the_warehouse_only_when_asked(tmp_path, ruleset):
    root = tmp_path / "cat"
    _good_catalog(root, 1)
    db = tmp_path / "w.duckdb"
    audit_catalog(root, db, ruleset)
    ro = subprocess.run([sys.executable, "-m", "labelaudit", "sql", "CREATE TABLE notes (t VARCHAR)", "--db", str(db)],
                        capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert ro.returncode == 2 and "--write" in ro.stderr
    rw = subprocess.run([sys.executable, "-m", "labelaudit", "sql", "CREATE TABLE notes (t VARCHAR)", "--db", str(db),
                         "--write"],
                        capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert rw.returncode == 0, rw.stderr
    assert rows(db, "SELECT count(*) FROM notes") == [(0,)]


def test_manifest_paths_outside_the_catalog_and_outward_symlinks_are_refused(tmp_path):
    root = tmp_path / "cat"
    _good_catalog(root, 1)
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(render_label_bytes(random_product(random.Random(1))))
    (root / "link.pdf").symlink_to(outside)
    (root / "catalog.csv").write_text(
        "file,sku,brand,product_name,retailer\n"
        "good-0.pdf,SKU-1,B,N,R\n../secret.pdf,SKU-2,B,N,R\n/etc/passwd,SKU-3,B,N,R\n")
    entries, warnings = discover(root)
    assert [e.source_file for e in entries] == ["good-0.pdf"]
    assert entries[0].sku == "SKU-1"
    text = "\n".join(warnings)
    assert "'../secret.pdf' points outside the catalog" in text
    assert "'/etc/passwd' points outside the catalog" in text
    assert "link.pdf: skipped, a link that leads outside the catalog" in text


# ---------------------------------------------------------------- bounded fuzzing

@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_row_parser_never_raises_and_reads_only_sane_amounts(text):
    row = parse_row_text(text)
    if row is not None:
        assert row.label_text and row.amount is not None and row.amount >= 0 and row.unit


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=30)))
def test_directions_parser_never_raises(directions, serving):
    spd, assumed = servings_per_day(directions, serving)
    assert spd >= 0 and isinstance(assumed, bool)


_LABEL = render_label_bytes(random_product(random.Random(7)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_LABEL) - 1), st.binary(min_size=1, max_size=8)), max_size=6),
       st.integers(min_value=16, max_value=len(_LABEL)))
def test_pdf_entry_point_never_raises_on_mutated_labels(edits, cut):
    data = bytearray(_LABEL[:cut])
    for pos, blob in edits:
        if pos < len(data):
            data[pos:pos + len(blob)] = blob
    ext = extract_pdf(bytes(data))
    assert ext.status in ("ok", "no_panel", "needs_ocr", "error")
    if ext.status != "ok":
        assert ext.status_detail


def test_workers_that_cannot_start_stop_the_run_with_a_clear_message(tmp_path):
    code = ("from pathlib import Path\nfrom flows.pipeline import audit_catalog\nfrom rules import load_ruleset\n"
            f"audit_catalog(Path({str(ROOT / 'examples' / 'catalog')!r}), Path({str(tmp_path / 'w.duckdb')!r}), "
            f"load_ruleset())\n")
    out = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode != 0
    assert "WorkersUnavailable" in out.stderr and "not from stdin" in out.stderr
    assert not (tmp_path / "w.duckdb").exists()
