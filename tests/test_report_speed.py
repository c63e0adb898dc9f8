"""How the reports and the audit spend their time and memory: PDFs laid out by Typst in a child process
of their own, beside the HTML; extraction workers started for the files there are to read."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import reports.render as render
import reports.typeset as typeset
from flows.run import FILES_PER_WORKER, run_audit, workers_for
from reports import write_reports
from tests.test_reports import FIRST, _write, _write_manifest_only


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    from rules import load_ruleset

    tmp = tmp_path_factory.mktemp("speed")
    root, db = tmp / "catalog", tmp / "w.duckdb"
    root.mkdir()
    _write(root, FIRST)
    _write_manifest_only(root, FIRST)
    run_audit(root, db, ruleset=load_ruleset(), workers=2)
    return db


def test_a_small_audit_starts_one_worker_and_a_big_one_all_it_may():
    assert workers_for(5, 2) == 1
    assert workers_for(2 * FILES_PER_WORKER - 1, 2) == 1
    assert workers_for(2 * FILES_PER_WORKER, 2) == 2
    assert workers_for(2000, 2) == 2
    assert workers_for(2000, 8) == 8
    assert workers_for(0, 2) == 1


def test_the_pdf_is_laid_out_outside_the_audits_process(audited, tmp_path):
    """Typst's memory (a gigabyte for a 2,000-label catalog) goes back when its child exits: the process
    writing the reports never loads it, and each PDF is one child."""
    code = ("import sys; from pathlib import Path; import reports.typeset as t; calls = []; real = t.subprocess.run\n"
            "t.subprocess.run = lambda cmd, *a, **k: calls.append(cmd[1]) or real(cmd, *a, **k)\n"
            "from reports import write_reports\n"
            "paths = write_reports(Path(sys.argv[1]), None, Path(sys.argv[2]), formats=['pdf'])\n"
            "print(len(paths), len(calls), set(calls) == {'-I'}, 'typst' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", code, str(audited), str(tmp_path)], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["3", "3", "True", "False"]
    assert all((tmp_path / f).read_bytes().startswith(b"%PDF")
               for f in ("summary.pdf", "retailer-acme-drug.pdf", "retailer-bolt-mart.pdf"))


def test_a_pdf_that_cannot_be_laid_out_says_why_and_keeps_the_other_reports(audited, tmp_path, monkeypatch):
    bad = tmp_path / "bad.typ"
    bad.write_text("#let x = (\n", encoding="utf-8")  # an unclosed delimiter
    monkeypatch.setattr(typeset, "_template", lambda: str(bad))
    out = tmp_path / "out"
    render.RENDERED.clear()
    with pytest.raises(RuntimeError, match=r"summary\.pdf could not be laid out: .*(delimiter|expected)"):
        write_reports(audited, None, out)
    # the HTML, CSV and XLSX written beside the failing PDFs are there and known, so they are reused
    for stem in ("summary", "retailer-acme-drug", "retailer-bolt-mart"):
        for name in (f"{stem}.html", f"{stem}-flagged.csv", f"{stem}-flagged.xlsx"):
            assert (out / name).is_file(), name
            assert name in render.RENDERED
        assert not (out / f"{stem}.pdf").exists()
    parts = json.loads((out / ".cache" / "parts.json").read_text())["parts"]
    assert "summary.html" in parts and "summary.pdf" not in parts
    assert not list(Path(out).glob("*.part"))
