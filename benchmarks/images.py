"""Label images audited as catalog entries (issue 21): accuracy and time per image.

    make bench-images                                   # 40 + 40 labels, the issue's figures
    python benchmarks/images.py --n 40 --photos 40 --seed 21 [--keep /tmp/imgs] [--json-out f.json]

Draws single-panel labels from the generator's layout space (tests/labelgen/space.py), prints
them as PDFs, and makes three catalogs of images of them:
- ``png150``: each label as PNG at 150 dpi;
- ``jpeg200``: each label as JPEG at 200 dpi, quality 70;
- ``photo``: photo-like images (tests/labelgen/photo.py: perspective, uneven light, JPEG
  quality 40, a 600 px wide panel, light text on dark), one defect per label in turn.
Each catalog is audited with flows.run.run_audit and scored with tests/labelgen/measure.py (the
scoring every accuracy figure uses). One line per catalog gives the time per image. The issue's
targets: png150 and jpeg200 every panel found, key-nutrient F1 >= 0.97 and flag F1 >= 0.97;
photo key-nutrient F1 >= 0.9 and no silent miss.

This is a measurement: it exits 0 whatever the figures (``--check`` makes it exit 1 below target).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

TARGETS = {"png150": {"found": 1.0, "f1": 0.97, "flag_f1": 0.97},
           "jpeg200": {"found": 1.0, "f1": 0.97, "flag_f1": 0.97},
           "photo": {"f1": 0.9, "silent_n": 0}}


def flag_f1(v: dict[str, Any]) -> float | None:
    r, p = v["flag_r"], v["flag_p"]
    if r is None or p is None:
        return None
    return 0.0 if r + p == 0 else 2 * r * p / (r + p)


def make_catalogs(n: int, photos: int, seed: int, base: Path) -> dict[str, list[dict]]:
    """Render the labels and their images under ``base``; the truth lines of each image catalog."""
    from tests.labelgen.photo import PHOTO_KINDS, photo_image, render_image
    from tests.labelgen.producers import Style, panel_width, render_space_catalog
    from tests.labelgen.space import draw_labels

    labels = draw_labels(seed, max(n, photos), {"arrangement": "single"})
    truth = render_space_catalog(labels, base / "pdf")
    by_file: dict[str, list[dict]] = {}
    for t in truth:
        by_file.setdefault(t["file"], []).append(t)
    out: dict[str, list[dict]] = {"png150": [], "jpeg200": [], "photo": []}
    for name in ("png150", "jpeg200", "photo"):
        (base / name).mkdir(parents=True, exist_ok=True)
    for i, (label, rel) in enumerate(zip(labels, sorted(by_file), strict=True)):
        pdf = (base / "pdf" / rel).read_bytes()
        stem = Path(rel).stem
        lines = by_file[rel]
        if i < n:
            (base / "png150" / f"{stem}.png").write_bytes(render_image(pdf, 150, "PNG"))
            (base / "jpeg200" / f"{stem}.jpg").write_bytes(render_image(pdf, 200, "JPEG", 70))
            out["png150"] += [{**t, "file": f"{stem}.png"} for t in lines]
            out["jpeg200"] += [{**t, "file": f"{stem}.jpg"} for t in lines]
        if i < photos:
            kind = PHOTO_KINDS[i % len(PHOTO_KINDS)]
            width = None
            if label["axes"]["producer"] != "templates":
                width = max(panel_width(Style(label["axes"]), p) for p in label["panels"])
            (base / "photo" / f"{stem}-{kind}.jpg").write_bytes(photo_image(pdf, kind, seed + i, width))
            out["photo"] += [{**t, "file": f"{stem}-{kind}.jpg", "axes": {**t["axes"], "photo": kind}} for t in lines]
    for name, lines in out.items():  # kept with the catalogs (--keep) for looking into a miss
        (base / f"{name}.truth.jsonl").write_text("".join(json.dumps(t) + "\n" for t in lines), encoding="utf-8")
    return out


def audit(root: Path, workers: int) -> tuple[Path, float]:
    from flows.run import run_audit

    db = root.parent / f"{root.name}.duckdb"
    t0 = time.perf_counter()
    run_audit(root, db, workers=workers)
    return db, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=40, help="labels rendered as PNG and as JPEG (default 40)")
    ap.add_argument("--photos", type=int, default=40, help="photo-like labels (default 40)")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="make the catalogs under this folder and keep them")
    ap.add_argument("--only", choices=("png150", "jpeg200", "photo"), action="append", help="audit only these")
    ap.add_argument("--json-out", type=Path)
    ap.add_argument("--check", action="store_true", help="exit 1 when a figure misses the issue's target")
    a = ap.parse_args(argv)

    from tests.labelgen.measure import as_json, measure, table

    tmp = None
    if a.keep is None:
        tmp = tempfile.TemporaryDirectory(prefix="labelaudit-images-")
        base = Path(tmp.name)
    else:
        base = a.keep
        if base.exists():
            shutil.rmtree(base)
    t0 = time.perf_counter()
    truths = make_catalogs(a.n, a.photos, a.seed, base)
    print(f"rendered {a.n} labels as PNG and JPEG, {a.photos} as photos in {time.perf_counter() - t0:.1f} s")
    results: dict[str, Any] = {}
    missed = []
    for name, truth in truths.items():
        if not truth or (a.only and name not in a.only):
            continue
        images = len({t["file"] for t in truth})
        db, secs = audit(base / name, a.workers)
        figs = measure(db, truth)
        v = figs["overall"].values()
        v["flag_f1"] = flag_f1(v)
        results[name] = {"images": images, "audit_s": round(secs, 1), "s_per_image": round(secs / images, 2),
                         "figures": as_json(figs)}
        print(table(figs, f"\n{name}: {images} images"))
        print(f"{name}: {images} images in {secs:.1f} s with {a.workers} workers: {secs / images:.2f} s per image "
              f"({secs * a.workers / images:.2f} s of a core); found {v['found']:.3f}, key-nutrient F1 {v['f1']:.3f}, "
              f"flag F1 {v['flag_f1'] if v['flag_f1'] is not None else float('nan'):.3f}, "
              f"silent misses {v['silent_n']}, in review {v['review']:.3f}")
        for metric, want in TARGETS[name].items():
            got = v[metric]
            ok = got is not None and (got <= want if metric == "silent_n" else got >= want)
            if not ok:
                missed.append(f"{name} {metric} {got} (target {'<=' if metric == 'silent_n' else '>='} {want})")
    if a.json_out:
        a.json_out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print("\nbelow target: " + ("; ".join(missed) if missed else "none"))
    if tmp is not None:
        tmp.cleanup()
    return 1 if a.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
