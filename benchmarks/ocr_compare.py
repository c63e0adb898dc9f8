"""Compare OCR engines on scans of generated labels: key-nutrient F1 and seconds per page.

    .venv/bin/python benchmarks/ocr_compare.py [N_LABELS] [--engines tesseract,rapidocr]

Engines: ``tesseract`` (extract.ocr: Debian tesseract-ocr 5 via pytesseract, deskew, rule
removal, token fixes) and ``rapidocr`` (rapidocr-onnxruntime 1.4.4, PP-OCR models shipped in
the wheel; its line boxes are split into words by character count, same token fixes).
Single-threaded, one page at a time, so seconds/page are per core.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pypdfium2 as pdfium

from extract import ocr
from extract.layout import Word
from tests.labelgen import random_product, render_label_bytes
from tests.labelgen.scan import random_scan_params, scan_pdf
from tests.test_ocr import key_match, read_words
from warehouse.normalise import normalise_panel

DPI = 300


def tesseract_page(img: Any, w: float, h: float) -> tuple[list[Word], float, float]:
    p = ocr.ocr_image(img, DPI, w, h)
    return p.words, p.width, p.height


_RAPID = None


def rapid_page(img: Any, w: float, h: float) -> tuple[list[Word], float, float]:
    global _RAPID
    if _RAPID is None:
        from rapidocr_onnxruntime import RapidOCR

        _RAPID = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
    k = 72.0 / DPI
    result, _ = _RAPID(np.asarray(img.convert("RGB")))
    words = []
    for box, text, score in result or []:
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
        parts = text.split()
        fixed = ocr.fix_tokens(parts)
        total = sum(len(t) for t in parts) + max(0, len(parts) - 1)
        x = x0
        for raw, t in zip(parts, fixed, strict=False):
            ww = (x1 - x0) * len(raw) / max(total, 1)
            words.append(Word(t, x * k, top * k, (x + ww) * k, bottom * k, (bottom - top) * k / 0.93, False,
                              (x * k, top * k, (x + ww) * k, bottom * k), float(score)))
            x += ww + (x1 - x0) / max(total, 1)
    words.sort(key=lambda w: (round(w.top), w.x0))
    return words, w, h


ENGINES = {"tesseract": tesseract_page, "rapidocr": rapid_page}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=12)
    ap.add_argument("--engines", default="tesseract,rapidocr")
    ap.add_argument("--seed", type=int, default=5000)
    args = ap.parse_args()
    cases = []
    for seed in range(args.seed, args.seed + args.n):
        rng = random.Random(seed)
        rec = random_product(rng)
        layout = rng.choice(("ruled", "borderless", "retail"))
        pdf = scan_pdf(render_label_bytes(rec, layout), seed=seed, **random_scan_params(rng))
        doc = pdfium.PdfDocument(pdf)
        w, h = doc[0].get_size()
        doc.close()
        cases.append((seed, rec, ocr.render_page(pdf, 0, DPI), w, h))
    for name in args.engines.split(","):
        fn = ENGINES[name]
        tp = fp = fnn = 0
        secs = []
        misses = []
        for seed, rec, img, w, h in cases:
            t = time.perf_counter()
            words, fw, fh = fn(img, w, h)
            secs.append(time.perf_counter() - t)
            panels = read_words(words, fw, fh, 1)
            rows = normalise_panel("0" * 64, panels[0], "bench")[1] if panels else []
            a, b, c, m = key_match(rec, rows)
            tp, fp, fnn = tp + a, fp + b, fnn + c
            misses += [f"{seed}: {x}" for x in m]
        f1 = 2 * tp / max(1, 2 * tp + fp + fnn)
        print(f"{name:10s} labels {len(cases)}  key-nutrient F1 {f1:.3f} (tp {tp} fp {fp} fn {fnn})  "
              f"s/page median {np.median(secs):.2f} mean {np.mean(secs):.2f} (first call {secs[0]:.2f})")
        for miss in misses[:10]:
            print("   ", miss)


if __name__ == "__main__":
    main()
