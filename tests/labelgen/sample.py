"""Write the bundled demo catalog: ``python -m tests.labelgen.sample OUT_DIR [--seed N]``.

Layout of OUT_DIR (deterministic for a seed: same seed, same bytes):
  <brand-slug>/<product-slug>.pdf   single labels in ruled / borderless / retail layouts
  catalogs/greenmart-catalog.pdf    a retailer catalog: cover page, then two panels a page
  inbox/                            bad files (zero-byte, truncated, encrypted, CSV, brochure)
  catalog.csv                       manifest for the single labels only
  truth.jsonl                       one line per panel (record + file/page/panel/layout/flags),
                                    one line per bad file (file/status/status_detail)
"""
from __future__ import annotations

import csv
import json
import random
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from .badfiles import BAD_FILE_STATUS, write_bad_files
from .records import expected_flags, random_product
from .render import render_catalog, render_label

DEFAULT_SEED = 20250301
RETAILERS = ["Corner Pharmacy", "GreenMart"]

# (brand, layout, generation overrides). Comments give the expected flags.
LABELS: list[tuple[str, str, dict[str, Any]]] = [
    ("Kestrel Health", "ruled", dict(kind="d3_only", d_iu=5000, d_format="mcg_iu", directions_style="daily",
                                     serving_qty=1)),                            # K2 + MG
    ("Kestrel Health", "ruled", dict(kind="d3_k2", d_iu=5000, directions_style="daily", serving_qty=1)),  # MG
    ("Kestrel Health", "borderless", dict(kind="d3_mg", d_iu=5000, providing=True, directions_style="adults_per_day",
                                          serving_qty=1, serving_unit="veggie capsule")),  # K2
    ("Kestrel Health", "retail", dict(kind="multi", directions_style="daily")),
    ("Kestrel Health", "retail", dict(kind="d3_only", d_iu=50000, d_format="iu", directions_style="weekly")),  # K2+MG
    ("Lakeshore Botanics", "ruled", dict(kind="d3_k1", d_iu=5000, directions_style="daily", serving_qty=1)),  # K2+MG
    ("Lakeshore Botanics", "ruled", dict(kind="d3_only", d_iu=2000, d_format="iu_mcg", directions_style="twice_daily",
                                         serving_qty=2, serving_unit="capsule")),  # 100 mcg/day: K2+MG
    ("Lakeshore Botanics", "borderless", dict(kind="mg_only", directions_style="range")),
    ("Lakeshore Botanics", "ruled", dict(kind="d2", d_iu=50000, d_format="iu_dots", directions_style="weekly")),
    ("Lakeshore Botanics", "borderless", dict(kind="probiotic", directions_style="adults_per_day", serving_qty=1)),
    ("Tidewater Nutrition", "borderless", dict(kind="d_noform", d_iu=5000, d_format="ug_micro",
                                               directions_style="daily", serving_qty=1)),  # K2+MG
    ("Tidewater Nutrition", "retail", dict(kind="d3_ca", d_iu=1000, directions_style="daily")),
    ("Tidewater Nutrition", "ruled", dict(kind="k2_only", directions_style="daily", serving_qty=1)),
    ("Tidewater Nutrition", "retail", dict(kind="d3_only", d_iu=10000, d_format="ug",
                                           directions_style="every_other_day")),
    ("Tidewater Nutrition", "ruled", dict(kind="d3_only", d_iu=1000, d_format="iu", directions_style="none")),
    ("Tidewater Nutrition", "borderless", dict(kind="d3_mg", d_iu=2000, providing=False, directions_style="range")),
]

CATALOG_ITEMS = [
    ("Kestrel Health", dict(kind="d3_only", d_iu=5000, d_format="mcg", directions_style="daily", serving_qty=1)),
    ("Lakeshore Botanics", dict(kind="d3_k2", d_iu=5000, d_format="mg", directions_style="daily", serving_qty=1)),
    ("Tidewater Nutrition", dict(kind="d3_mg", d_iu=5000, providing=True, directions_style="daily", serving_qty=1)),
    ("Kestrel Health", dict(kind="d3_only", d_iu=400, d_format="iu_nocomma", directions_style="daily")),
    ("Lakeshore Botanics", dict(kind="d3_k1", d_iu=10000, d_format="mcg_iu", directions_style="range")),
]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("&", "and").replace("'", "")).strip("-")


def build(out_dir, seed: int = DEFAULT_SEED) -> list[dict]:
    """Write the demo catalog into ``out_dir`` and return the truth lines."""
    out = Path(out_dir)
    rng = random.Random(seed)
    truth, manifest = [], []
    used = set()
    for i, (brand, layout, gen) in enumerate(LABELS):
        rec = random_product(rng, brand=brand, **dict(gen))
        folder = slugify(brand)
        base = slugify(rec["product_name"])
        name, n = f"{folder}/{base}.pdf", 2
        while name in used:
            name, n = f"{folder}/{base}-{n}.pdf", n + 1
        used.add(name)
        (out / folder).mkdir(parents=True, exist_ok=True)
        render_label(rec, out / name, layout)
        retailer = RETAILERS[i % 2]
        manifest.append({"file": name, "sku": rec["sku"], "brand": rec["brand"],
                         "product_name": rec["product_name"], "retailer": retailer})
        truth.append({"file": name, "page": 1, "panel": 0, "layout": layout, "retailer": retailer,
                      **rec, "flags": expected_flags(rec)})

    cat_recs = [random_product(rng, brand=b, **dict(g)) for b, g in CATALOG_ITEMS]
    (out / "catalogs").mkdir(parents=True, exist_ok=True)
    cat_name = "catalogs/greenmart-catalog.pdf"
    where = render_catalog(cat_recs, out / cat_name, per_page=2, cover=True, retailer="GreenMart",
                           title="GreenMart – Vitamin & Supplement Catalog 2025")
    for rec, pos in zip(cat_recs, where, strict=True):
        truth.append({"file": cat_name, **pos, "layout": "catalog2", **rec, "flags": expected_flags(rec)})

    bad = write_bad_files(out / "inbox")
    for fname, keyword in bad.items():
        truth.append({"file": f"inbox/{fname}", "status": BAD_FILE_STATUS[fname], "status_detail": keyword})

    with open(out / "catalog.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "sku", "brand", "product_name", "retailer"], lineterminator="\n")
        w.writeheader()
        w.writerows(manifest)
    with open(out / "truth.jsonl", "w", encoding="utf-8") as fh:
        for line in truth:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return truth


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    seed = DEFAULT_SEED
    if "--seed" in argv:
        k = argv.index("--seed")
        seed = int(argv[k + 1])
        del argv[k:k + 2]
    out = Path(argv[0])
    if "--clean" in argv and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    truth = build(out, seed)
    panels = [t for t in truth if "status" not in t]
    print(f"wrote {len(panels)} panels and {len(truth) - len(panels)} bad files to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
