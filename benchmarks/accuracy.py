"""Extraction accuracy on labels sampled from the generator's layout space, and on the frozen set.

    make accuracy ACCURACY_ARGS="--n 1000 --seed 17"
    python benchmarks/accuracy.py --n 300 --seed 5 --json > figures.json

Draws N labels from seed S (tests/labelgen/space.py: producer, font, size, case, letter-spacing,
name wrapping, alignment, rules, amount columns, arrangement, directions wording and position,
units, footnote marks, market and language, each drawn on its own), prints them with their
producers, audits them with flows.pipeline.audit_catalog and prints one table: overall, then
every axis value, weakest first. Then the same for the frozen held-out set in tests/heldout/
(never tuned on: read its figures per axis, not its misses one by one).

This is a measurement, not a test: nothing here fails on a low figure.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

HELDOUT = ROOT / "tests" / "heldout"


def _audit(root: Path, workers: int) -> Path:
    from flows.pipeline import audit_catalog
    from rules import load_ruleset

    db = root.parent / f"{root.name}.duckdb"
    audit_catalog(root, db, load_ruleset(), workers=workers)
    return db


def run_sample(n: int, seed: int, workers: int, keep: Path | None, force: dict[str, Any] | None = None,
               ) -> tuple[Any, dict[str, Any]]:
    from tests.labelgen.measure import measure
    from tests.labelgen.producers import render_space_catalog
    from tests.labelgen.space import draw_labels

    tmp = None
    if keep is None:
        tmp = tempfile.TemporaryDirectory(prefix="labelaudit-accuracy-")
        base = Path(tmp.name)
    else:
        base = keep
        base.mkdir(parents=True, exist_ok=True)
    root = base / f"sample-{seed}-{n}"
    t0 = time.perf_counter()
    truth = render_space_catalog(draw_labels(seed, n, force), root)
    if keep is not None:
        # beside the catalog, not in it: a kept sample can then be studied (and re-audited) with its truth
        (base / f"sample-{seed}-{n}.truth.jsonl").write_text(
            "".join(json.dumps(t) + "\n" for t in truth), encoding="utf-8")
    t1 = time.perf_counter()
    db = _audit(root, workers)
    t2 = time.perf_counter()
    figs = measure(db, truth)
    if tmp is not None:
        tmp.cleanup()
    return figs, {"labels": n, "panels": len(truth), "render_s": round(t1 - t0, 1), "audit_s": round(t2 - t1, 1)}


def run_frozen(workers: int) -> tuple[Any, dict[str, Any] | None]:
    from tests.labelgen.measure import measure

    truth_path = HELDOUT / "truth.jsonl"
    if not truth_path.exists():
        return None, None
    truth = [json.loads(x) for x in truth_path.read_text(encoding="utf-8").splitlines() if x.strip()]
    with tempfile.TemporaryDirectory(prefix="labelaudit-heldout-") as tmp:
        # audit a copy: the warehouse records paths relative to the catalog root, and nothing may
        # be written next to the frozen files
        import shutil

        root = Path(tmp) / "heldout"
        shutil.copytree(HELDOUT / "labels", root)
        t0 = time.perf_counter()
        db = _audit(root, workers)
        t1 = time.perf_counter()
        figs = measure(db, truth)
    return figs, {"panels": len(truth), "audit_s": round(t1 - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="labels to draw (default 1000)")
    ap.add_argument("--seed", type=int, default=17, help="sampling seed (default 17)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="print figures as JSON instead of tables")
    ap.add_argument("--json-out", type=Path, help="also write the figures as JSON to this file")
    ap.add_argument("--no-frozen", action="store_true", help="skip the frozen held-out set")
    ap.add_argument("--frozen-only", action="store_true", help="score only the frozen held-out set")
    ap.add_argument("--keep", type=Path, help="render the sample under this folder and keep it")
    ap.add_argument("--force", action="append", default=[], metavar="AXIS=VALUE",
                    help="hold one axis at one value (repeatable), e.g. --force market=us")
    a = ap.parse_args(argv)

    from tests.labelgen.measure import as_json, table

    out = {}
    if not a.frozen_only:
        force = dict(f.split("=", 1) for f in a.force)
        figs, info = run_sample(a.n, a.seed, a.workers, a.keep, force or None)
        out["sample"] = {"seed": a.seed, **info, "figures": as_json(figs)}
        if not a.json:
            print(table(figs, f"Sampled labels: seed {a.seed}, {info['labels']} labels, {info['panels']} panels "
                              f"(render {info['render_s']} s, audit {info['audit_s']} s)"))
            print()
    if not a.no_frozen:
        figs, frozen = run_frozen(a.workers)
        if figs is None or frozen is None:
            print("frozen held-out set not found under tests/heldout/", file=sys.stderr)
        else:
            out["frozen"] = {**frozen, "figures": as_json(figs)}
            if not a.json:
                print(table(figs, f"Frozen held-out set (tests/heldout): {frozen['panels']} panels "
                                  f"(audit {frozen['audit_s']} s)"))
    if a.json_out:
        a.json_out.write_text(json.dumps(out, indent=1), encoding="utf-8")
    if a.json:
        json.dump(out, sys.stdout, indent=1)
        print()
    else:
        print("\ncolumns: panels found, key-nutrient F1, daily amount exact, servings/day exact, D3 flag recall and "
              "precision (both rules), silent misses (expected flag missing, verdict not needs_review; share of "
              "panels expecting a flag), share in review, share of clean panels in review (directions that state "
              "a dose; SPEC sends an assumed servings-per-day to review), brand right, product name right")
    return 0


if __name__ == "__main__":
    sys.exit(main())
