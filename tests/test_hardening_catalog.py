"""Issue 22, items 1, 3, 6 and 9: what a file share does to a catalog under an audit.

Odd file names, files that change while the audit runs, files it cannot open, files past its
page limit; and a hostile catalog that combines them. Changes happen at the run's own pause
points (flows.pipeline.pause_point), never on a timer.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flows.run
from flows.run import fit_workers, run_audit
from labelaudit.contracts.catalog import CatalogLocation, FileChanged, display_name, real_name
from tests import hostile
from tests.conftest import query
from tests.labelgen import random_product, render_label_bytes

ROOT = Path(__file__).resolve().parent.parent

# One label without K2 (flagged D3_HIGH_NO_K2) and one with it (not), told apart by their flags.
D3_ONLY = render_label_bytes(random_product(random.Random(11), kind="d3_only", d_iu=5000, directions_style="daily"))
D3_K2 = render_label_bytes(random_product(random.Random(12), kind="d3_k2", d_iu=5000, directions_style="daily"))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fs_path(folder: Path, name: bytes) -> Path:
    """A path whose last part is ``name``, byte for byte (not necessarily UTF-8)."""
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + name))


def rules_of(db: Path, source_file: str) -> set[str]:
    return {r[0] for r in query(db, "SELECT rule_id FROM flagged_products WHERE source_file = ?", [source_file])}


def pause_hooks(monkeypatch, **actions):
    """Run ``actions[name]()`` each time the audit reaches pause point ``name`` (in this process)."""
    monkeypatch.setattr(flows.run, "pause_point", lambda name: actions[name]() if name in actions else None)


# ---------------------------------------------------------------- 1. file names of any bytes

def test_display_names_are_one_to_one_over_every_short_name_of_tricky_characters():
    seen: dict[str, str] = {}
    for n in range(1, 6):
        for parts in itertools.product(["\\", "x", "f", "8", "\udcff", "\udc80", "é"], repeat=n):
            name = "".join(parts)
            shown = display_name(name)
            shown.encode("utf-8")  # always storable text
            assert "\ufffd" not in shown
            assert real_name(shown) == name
            assert seen.setdefault(shown, name) == name, f"{name!r} and {seen[shown]!r} both show as {shown!r}"


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=1, max_size=24).filter(lambda b: b"/" not in b and b"\x00" not in b))
def test_any_file_name_bytes_show_as_text_and_come_back(raw):
    name = os.fsdecode(raw)
    assert os.fsencode(real_name(display_name(name))) == raw
    display_name(name).encode("utf-8")


def test_a_name_that_is_not_utf8_is_audited_like_any_other(tmp_path):
    root = tmp_path / "cat"
    root.mkdir()
    fs_path(root, b"b\xffd.pdf").write_bytes(D3_ONLY)
    # A real name that reads like the escape of the one above must not share its product_key.
    fs_path(root, b"b\\xffd.pdf").write_bytes(D3_K2)
    (root / "plain.pdf").write_bytes(D3_ONLY)
    db, out = tmp_path / "w.duckdb", tmp_path / "reports"
    result = run_audit(root, db, out=out, report_formats=("csv",))
    got = query(db, "SELECT source_file, product_key, status FROM products ORDER BY source_file")
    assert got == [("b\\\\xffd.pdf", "b\\\\xffd.pdf#1#0", "ok"), ("b\\xffd.pdf", "b\\xffd.pdf#1#0", "ok"),
                   ("plain.pdf", "plain.pdf#1#0", "ok")]
    assert "D3_HIGH_NO_K2" in rules_of(db, "b\\xffd.pdf") and "D3_HIGH_NO_K2" not in rules_of(db, "b\\\\xffd.pdf")
    assert rules_of(db, "b\\xffd.pdf") == rules_of(db, "plain.pdf")
    assert result.run.products == 3 and result.reports
    # Evidence crops and other readers find the file by its shown name.
    assert CatalogLocation.parse(root).read_bytes("b\\xffd.pdf") == D3_ONLY


# ---------------------------------------------------------------- 3. files that change during the audit

def test_a_file_replaced_after_discovery_and_restored_is_read_again_not_kept_under_the_wrong_hash(
        tmp_path, monkeypatch):
    root = tmp_path / "cat"
    root.mkdir()
    label = root / "label.pdf"
    label.write_bytes(D3_ONLY)
    db = tmp_path / "w.duckdb"
    pause_hooks(monkeypatch, discovered=lambda: label.write_bytes(D3_K2),  # the reader gets D3 + K2
                extract=lambda: label.write_bytes(D3_ONLY))                # restored before the end
    run_audit(root, db)
    assert query(db, "SELECT sha256, status FROM products") == [(sha(D3_ONLY), "ok")]
    assert "D3_HIGH_NO_K2" in rules_of(db, "label.pdf")
    # Each hash holds the reading of its own bytes: no vitamin K under the D3-only label's hash.
    forms = dict(query(db, """SELECT v.sha256, list(n.nutrient ORDER BY n.nutrient) FROM label_versions v
                              JOIN nutrients n USING (product_id) GROUP BY 1"""))
    assert "vitamin_k" not in forms[sha(D3_ONLY)] and "vitamin_k" in forms[sha(D3_K2)]
    monkeypatch.undo()
    again = run_audit(root, db)
    assert again.run.files_read == 0 and "D3_HIGH_NO_K2" in rules_of(db, "label.pdf")


def test_a_file_truncated_while_the_audit_ran_leaves_no_error_cached_for_its_full_bytes(tmp_path, monkeypatch):
    root = tmp_path / "cat"
    root.mkdir()
    label = root / "label.pdf"
    label.write_bytes(D3_ONLY)
    db = tmp_path / "w.duckdb"
    pause_hooks(monkeypatch, discovered=lambda: label.write_bytes(D3_ONLY[: len(D3_ONLY) // 2]),
                extract=lambda: label.write_bytes(D3_ONLY))
    run_audit(root, db)
    assert query(db, "SELECT sha256, status FROM products") == [(sha(D3_ONLY), "ok")]
    assert query(db, "SELECT status FROM label_versions WHERE sha256 = ?", [sha(D3_ONLY)]) == [("ok",)]


def test_a_file_that_gives_other_bytes_on_every_look_is_an_error_and_is_read_next_time(tmp_path, monkeypatch):
    root = tmp_path / "cat"
    root.mkdir()
    label = root / "label.pdf"
    label.write_bytes(D3_ONLY)
    db = tmp_path / "w.duckdb"
    versions = iter([D3_K2, D3_ONLY + b"\n% one", D3_ONLY + b"\n% two", D3_ONLY])
    pause_hooks(monkeypatch, discovered=lambda: label.write_bytes(next(versions)),
                extract=lambda: label.write_bytes(next(versions)))
    result = run_audit(root, db)
    assert query(db, "SELECT status, status_detail FROM products") == [
        ("error", "changed while being read; it is read again on the next audit")]
    assert result.run.products_not_ok == 1
    monkeypatch.undo()
    label.write_bytes(D3_ONLY)
    again = run_audit(root, db)
    assert again.run.files_read == 1
    assert query(db, "SELECT sha256, status FROM products") == [(sha(D3_ONLY), "ok")]


def test_bytes_that_change_while_being_read_are_refused_not_hashed(tmp_path, monkeypatch):
    (tmp_path / "label.pdf").write_bytes(D3_ONLY)
    real_read, appended = os.read, []

    def read_while_a_writer_appends(fd, n):
        data = real_read(fd, n)
        if not appended:  # a copy still landing: more bytes arrive after the first chunk was read
            appended.append(True)
            with open(tmp_path / "label.pdf", "ab") as fh:
                fh.write(b"% more")
        return data

    monkeypatch.setattr(os, "read", read_while_a_writer_appends)
    with pytest.raises(FileChanged):
        CatalogLocation.parse(tmp_path).read_checked("label.pdf")


def test_a_symlink_swapped_in_after_discovery_is_not_followed(tmp_path, monkeypatch):
    root = tmp_path / "cat"
    (root / "sub").mkdir(parents=True)
    (root / "label.pdf").write_bytes(D3_ONLY)
    (root / "sub" / "inner.pdf").write_bytes(D3_ONLY)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(D3_K2)
    (outside / "inner.pdf").write_bytes(D3_K2)

    def swap():
        (root / "label.pdf").unlink()
        (root / "label.pdf").symlink_to(outside / "secret.pdf")
        shutil.rmtree(root / "sub")
        (root / "sub").symlink_to(outside, target_is_directory=True)

    db = tmp_path / "w.duckdb"
    pause_hooks(monkeypatch, discovered=swap)
    result = run_audit(root, db)
    got = dict(query(db, "SELECT source_file, status_detail FROM products WHERE status = 'error'"))
    assert got == {"label.pdf": "not read: a link that was not there when the catalog was listed; not followed",
                   "sub/inner.pdf": "not read: leads outside the catalog; not followed"}
    assert query(db, "SELECT count(*) FROM label_versions WHERE sha256 = ?", [sha(D3_K2)]) == [(0,)]
    assert result.run.products_not_ok == 2


def test_a_file_with_the_bytes_of_one_that_failed_is_still_read_and_rowed_once(tmp_path, monkeypatch):
    root = tmp_path / "cat"
    root.mkdir()
    (root / "a.pdf").write_bytes(D3_ONLY)
    (root / "b.pdf").write_bytes(D3_ONLY)  # one job reads these bytes for both
    outside = tmp_path / "elsewhere.pdf"
    outside.write_bytes(D3_K2)

    def swap():
        (root / "a.pdf").unlink()
        (root / "a.pdf").symlink_to(outside)

    db = tmp_path / "w.duckdb"
    pause_hooks(monkeypatch, discovered=swap)
    run_audit(root, db)
    assert query(db, "SELECT source_file, status, page FROM products ORDER BY 1") == [
        ("a.pdf", "error", None), ("b.pdf", "ok", 1)]
    assert "D3_HIGH_NO_K2" in rules_of(db, "b.pdf")


# ---------------------------------------------------------------- 6. files that cannot be opened

_AUDIT = """
import json, sys
from flows.run import run_audit
r = run_audit(sys.argv[1], sys.argv[2], workers=1)
print(json.dumps({"products_not_ok": r.run.products_not_ok, "needing_review": r.run.products_needing_review}))
"""


def _without_root_file_access() -> None:
    """In the child before exec: drop the capabilities that let root read any file
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from its bounding set, so chmod 000 holds for it
    and its workers as it does for the service account of a file share."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _audit(root: Path, db: Path) -> dict:
    """An audit in a process for which chmod 000 means unreadable, as it does for anyone but root."""
    out = subprocess.run([sys.executable, "-c", _AUDIT, str(root), str(db)], capture_output=True, text=True,
                         cwd=ROOT, timeout=300, preexec_fn=_without_root_file_access if os.geteuid() == 0 else None)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def test_an_unreadable_file_is_an_error_row_and_its_flagged_product_goes_to_review(tmp_path):
    root = tmp_path / "cat"
    root.mkdir()
    (root / "flagged.pdf").write_bytes(D3_ONLY)
    (root / "other.pdf").write_bytes(D3_K2)
    db = tmp_path / "w.duckdb"
    first = _audit(root, db)
    assert first["products_not_ok"] == 0
    flags_before = query(db, "SELECT rule_id, product_id FROM flagged_products WHERE source_file = 'flagged.pdf' ORDER "
                             "BY 1")
    assert ("D3_HIGH_NO_K2",) in {(r,) for r, _ in flags_before}

    (root / "flagged.pdf").chmod(0)
    (root / "never-read.pdf").write_bytes(D3_ONLY)
    (root / "never-read.pdf").chmod(0)
    second = _audit(root, db)
    assert second["products_not_ok"] == 2
    rows = dict((r[0], r[1:]) for r in query(db, "SELECT source_file, status, status_detail, page FROM products"))
    assert rows["flagged.pdf"] == ("error", "permission denied reading the file; its last reading is kept for review",
                                   1)
    assert rows["never-read.pdf"] == ("error", "permission denied reading the file", None)
    assert rows["other.pdf"][0] == "ok"
    # Its last flags, on its last label version, still listed; the verdict waits for a person.
    assert query(db, "SELECT rule_id, product_id FROM flagged_products WHERE source_file = 'flagged.pdf' ORDER BY 1") \
        == flags_before
    verdict, reasons = query(db,
                             """SELECT verdict, reasons FROM verdicts v JOIN latest_runs USING (catalog, audit_run_id)
                                    WHERE product_key = 'flagged.pdf#1#0'""")[0]
    assert verdict == "needs_review" and "permission denied" in reasons and "would be flagged D3_HIGH_NO_K2" in reasons
    assert query(db, "SELECT removed_in_run FROM product_versions WHERE product_key = 'flagged.pdf#1#0'") == [(None,)]
    # Readable again: audited as before, its flags from a fresh reading.
    (root / "flagged.pdf").chmod(0o644)
    third = _audit(root, db)
    assert third["products_not_ok"] == 1
    assert query(db, "SELECT status, status_detail FROM products WHERE source_file = 'flagged.pdf'") == [("ok", None)]


# ---------------------------------------------------------------- 9. limits said

def _label_on_page(n: int) -> bytes:
    doc = pdfium.PdfDocument(hostile.blank_pages(n - 1))
    doc.import_pages(pdfium.PdfDocument(D3_ONLY))
    out = Path(tempfile.mkstemp(suffix=".pdf")[1])
    try:
        doc.save(str(out))
        return out.read_bytes()
    finally:
        out.unlink()


def test_a_panel_past_the_page_limit_says_the_limit_and_raising_it_reads_the_panel(tmp_path):
    root = tmp_path / "cat"
    root.mkdir()
    (root / "catalog-501.pdf").write_bytes(_label_on_page(501))
    db = tmp_path / "w.duckdb"
    run_audit(root, db)
    assert query(db, "SELECT status, status_detail FROM products") == [
        ("no_panel", "no Supplement Facts panel found in the text of the PDF; "
                     "read the first 500 of 501 pages; raise --max-pages to read more")]
    assert run_audit(root, db).run.files_read == 0  # same limit: nothing new to read
    raised = run_audit(root, db, max_pages=501)
    assert raised.run.files_read == 1
    assert query(db, "SELECT page, status FROM products") == [(501, "ok")]


def test_the_process_tree_memory_bound_lowers_workers_then_their_limit():
    assert fit_workers(4, 2048, None) == (4, 2048, None)
    assert fit_workers(4, 1024, 8192)[:2] == (4, 1024)
    workers, per, note = fit_workers(4, 2048, 4096)
    assert (workers, per) == (1, 2048) and "1 worker(s) of 2048 MB" in note
    assert fit_workers(2, 2048, 1536)[:2] == (1, 1024)
    workers, per, note = fit_workers(2, 2048, 600)  # less than one worker needs: said, not hidden
    assert (workers, per) == (1, 384) and "exceeded by 296 MB" in note


# ---------------------------------------------------------------- all of it at once

_HOSTILE_RUN = """
import json, sys
from flows.run import run_audit
r = run_audit(sys.argv[1], sys.argv[2], out=sys.argv[3], report_formats=("html", "csv", "xlsx"), workers=2)
print(json.dumps({"products": r.run.products, "not_ok": r.run.products_not_ok, "reports": sorted(r.reports)}))
"""


def test_a_hostile_catalog_is_audited_with_every_file_rowed_and_every_flag_right(tmp_path):
    """Odd names, formulas in the manifest and in a file name, a file rewritten between
    discovery and reading, broken files; the audit runs as a user runs it (its own process),
    stopped at its "discovered" pause point while the test rewrites the file."""
    root = tmp_path / "cat"
    (root / "sub").mkdir(parents=True)
    labels = {  # display name -> bytes the audit must end up reading
        "b\\xffd.pdf": D3_ONLY,
        "b\\\\xffd.pdf": D3_K2,
        '=HYPERLINK("http:,,x";"y").pdf': D3_ONLY,
        "sub/+cmd.pdf": D3_K2,
        "rewritten.pdf": D3_K2,  # D3 only when listed, D3 + K2 when read
    }
    for shown, data in labels.items():
        Path(os.fsdecode(os.fsencode(root) + b"/" + os.fsencode(real_name(shown)))).write_bytes(data)
    # Bytes no other file has: a hash shared with another file is read once, through that file.
    (root / "rewritten.pdf").write_bytes(D3_ONLY + b"\n% as listed\n")
    (root / "truncated.pdf").write_bytes(D3_ONLY[: len(D3_ONLY) // 2])
    (root / "empty.pdf").write_bytes(b"")
    # The manifest names the odd file by its shown name; its values are formulas.
    (root / "catalog.csv").write_text(
        "file,sku,brand,product_name,retailer\n"
        "b\\xffd.pdf,=1+1,@SUM(A1),-2+3,\"+cmd|' /C calc'!A0\"\n"
        "rewritten.pdf,SKU-R,Brand,Name,Shop\n", encoding="utf-8")
    db, out = tmp_path / "w.duckdb", tmp_path / "reports"
    env = {**os.environ, "LABELAUDIT_PAUSE_AT": "discovered", "LABELAUDIT_PAUSE_RESUME": "stdin"}
    proc = subprocess.Popen([sys.executable, "-c", _HOSTILE_RUN, str(root), str(db), str(out)], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert "paused at discovered" in line, line + proc.stderr.read()
        (root / "rewritten.pdf").write_bytes(D3_K2)
        stdout, stderr = proc.communicate("\n", timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    run = json.loads(stdout.splitlines()[-1])

    rows = {r[0]: r[1:] for r in query(db, "SELECT source_file, status, sha256, sku, brand FROM products")}
    assert set(rows) == set(labels) | {"truncated.pdf", "empty.pdf"}  # every file rowed, once
    for shown, data in labels.items():
        assert rows[shown][:2] == ("ok", sha(data)), shown
    assert rows["truncated.pdf"][0] == rows["empty.pdf"][0] == "error"
    assert rows["b\\xffd.pdf"][2:] == ("=1+1", "@SUM(A1)")
    assert run["products"] == 7 and run["not_ok"] == 2

    # Every flag as on the same labels under plain names in a catalog nobody touches.
    plain = tmp_path / "plain"
    plain.mkdir()
    for i, data in enumerate(labels.values()):
        (plain / f"{i}.pdf").write_bytes(data)
    run_audit(plain, tmp_path / "plain.duckdb")
    for i, shown in enumerate(labels):
        want = rules_of(tmp_path / "plain.duckdb", f"{i}.pdf")
        assert want and rules_of(db, shown) == want, shown
    assert "D3_HIGH_NO_K2" in rules_of(db, "b\\xffd.pdf") and "D3_HIGH_NO_K2" not in rules_of(db, "rewritten.pdf")

    # The reports carry the names as shown and no live formula.
    assert {"html", "csv", "xlsx"} <= set(run["reports"])
    import csv

    with open(next(out.glob("*flagged.csv")), newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert "b\\xffd.pdf" in cells and "'=1+1" in cells and "=1+1" not in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


def test_a_remote_catalog_lists_and_opens_a_name_with_a_backslash_by_its_shown_name():
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/hardening-names/a\\xff.pdf", b"real backslash")
    fs.pipe("/hardening-names/a.pdf", b"plain")
    try:
        where = CatalogLocation.parse("memory://hardening-names")
        rels, _ = where.files()
        assert rels == ["a.pdf", "a\\\\xff.pdf"]
        assert where.read_checked("a\\\\xff.pdf") == b"real backslash" and where.exists("a\\\\xff.pdf")
    finally:
        fs.rm("/hardening-names", recursive=True)
