"""Evidence crops: the panel rows a flag used, cut from the label's PDF page.

The label file is opened through its catalog (labelaudit.contracts.catalog): a folder, a
``file://`` or an ``s3://`` catalog gives the same crops.

Boxes are PDF points in pdfplumber's axes (origin top-left, y down, ``/Rotate`` applied),
which is also how pdfium renders a page, so a box maps to pixels by one scale factor.
Crops are cached as PNG files keyed by label version and box, so re-running reports
does not render pages again.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labelaudit.contracts.catalog import CatalogLocation, image_format

DPI = 150
MARGIN_PT = 4.0
HIGHLIGHT_FILL = (255, 214, 0, 80)     # translucent yellow over the rows used
HIGHLIGHT_EDGE = (214, 40, 40, 255)    # red outline
MAX_PANEL_HEIGHT_PT = 560.0           # a taller panel is cut down to the rows used
# A label panel is text in a few inks: a 64-colour palette keeps it crisp (and a scan's greys) at a quarter
# of a truecolour PNG's bytes (8 KB against 28 KB a crop at 150 dpi here), which is what keeps the mailed
# HTML of a catalog with hundreds of flagged products a few megabytes.
PALETTE_COLORS = 64

Box = tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass
class Crop:
    png: bytes | None
    note: str | None = None            # why there is no image, in plain words
    path: Path | None = None


def _union(boxes: Iterable[Box]) -> Box | None:
    bs = [b for b in boxes if b and all(v is not None for v in b)]
    if not bs:
        return None
    return (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs))


def crop_region(panel_box: Box | None, rows: Sequence[Box]) -> Box | None:
    """The whole panel when it is a sensible size, else the rows used with some context."""
    rows_box = _union(rows)
    if panel_box and all(v is not None for v in panel_box) and panel_box[3] - panel_box[1] <= MAX_PANEL_HEIGHT_PT:
        return _union([panel_box] + ([rows_box] if rows_box else []))
    if rows_box is None:
        return panel_box if panel_box and all(v is not None for v in panel_box) else None
    x0, top, x1, bottom = rows_box
    if panel_box and all(v is not None for v in panel_box):
        x0, x1 = min(x0, panel_box[0]), max(x1, panel_box[2])  # keep the panel's full width for context
    return (x0, top - 24, x1, bottom + 24)


def cache_key(product_id: str, page: int, region: Box, rows: Sequence[Box]) -> str:
    blob = json.dumps({"p": page, "r": [round(v, 2) for v in region], "h": [[round(v, 2) for v in b] for b in rows],
                       "dpi": DPI, "colors": PALETTE_COLORS, "v": 2})
    safe_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in product_id)[:80]
    return f"{safe_id}-{hashlib.sha256(blob.encode()).hexdigest()[:16]}.png"


def evidence_crop(catalog: CatalogLocation | str | Path, source_file: str, page: int | None, product_id: str,
                  panel_box: Box | None, rows: Sequence[Box], cache_dir: Path) -> Crop:
    """PNG bytes of the panel (or the rows) with ``rows`` highlighted; cached by version and box.
    ``catalog`` is where the label's catalog lives (its warehouse name, a folder or a URL)."""
    crop = crop_file(catalog, source_file, page, product_id, panel_box, rows, cache_dir)
    return Crop(crop.path.read_bytes(), crop.note, crop.path) if crop.path else crop


def _clean(rows: Sequence[Box]) -> list[Box]:
    return [(float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in rows if b and all(v is not None for v in b)]


def cached_crop(page: int | None, product_id: str, panel_box: Box | None, rows: Sequence[Box],
                cache_dir: Path) -> Path | None:
    """Where the crop of these arguments is cached (whether or not it is there yet); None: no crop can be cut."""
    rows = _clean(rows)
    region = crop_region(panel_box, rows)
    if page is None or region is None:
        return None
    return cache_dir / cache_key(product_id, page, region, rows)


def crop_file(catalog: CatalogLocation | str | Path, source_file: str, page: int | None, product_id: str,
              panel_box: Box | None, rows: Sequence[Box], cache_dir: Path) -> Crop:
    """Like :func:`evidence_crop`, but leaves the PNG in the cache: ``path`` is set, ``png`` is not read."""
    if page is None:
        return Crop(None, "the label gives no page for these rows, so no image could be cut")
    rows = _clean(rows)
    region = crop_region(panel_box, rows)
    if region is None:
        return Crop(None, "the warehouse holds no position for these rows, so no image could be cut")
    cached = cache_dir / cache_key(product_id, page, region, rows)
    if cached.exists():
        return Crop(None, path=cached)
    where = CatalogLocation.parse(catalog)
    try:
        there = where.exists(source_file)
    except OSError as e:  # the catalog's storage did not answer
        return Crop(None, f"the label file {where.where(source_file)} could not be reached ({e}), so only the values "
                          "read from it are shown")
    if not there:
        return Crop(None, f"the label file {where.where(source_file)} is no longer there, so only the values read "
                          "from it are shown")
    try:
        local = where.local_path(source_file)
        png = _render(str(local) if local is not None else where.read_bytes(source_file), page, region, rows)
    except Exception as e:  # a damaged or encrypted file: values without a picture
        return Crop(None, f"the label page could not be rendered ({type(e).__name__}: {e}), "
                    "so only the values are shown")
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
    tmp.write_bytes(png)
    tmp.replace(cached)
    return Crop(None, path=cached)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header, without decoding it."""
    with open(path, "rb") as fh:
        head = fh.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        from PIL import Image

        with Image.open(path) as im:
            return im.width, im.height
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _render(pdf: str | bytes, page_no: int, region: Box, rows: Sequence[Box]) -> bytes:
    """``pdf``: a local file's path, or a remote file's bytes (a label PDF or a label image)."""
    from PIL import Image, ImageDraw

    scale = DPI / 72.0
    if isinstance(pdf, bytes):
        head = pdf[:16]
    else:
        with open(pdf, "rb") as fh:
            head = fh.read(16)
    if image_format(head):
        img, (x0, top) = _image_region(pdf, page_no, region, scale)
    else:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(pdf)
        try:
            page = doc[page_no - 1]
            width, height = page.get_size()
            x0 = max(0.0, region[0] - MARGIN_PT)
            top = max(0.0, region[1] - MARGIN_PT)
            x1 = min(width, region[2] + MARGIN_PT)
            bottom = min(height, region[3] + MARGIN_PT)
            # Render only the region: crop is in points from the left, bottom, right, top edges.
            bitmap = page.render(scale=scale, crop=(x0, height - bottom, width - x1, top), draw_annots=True)
            img = bitmap.to_pil().convert("RGBA")
            page.close()
        finally:
            doc.close()
    overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for b in rows:
        box = ((b[0] - x0 - 1.5) * scale, (b[1] - top - 1.5) * scale,
               (b[2] - x0 + 1.5) * scale, (b[3] - top + 1.5) * scale)
        draw.rectangle(box, fill=HIGHLIGHT_FILL, outline=HIGHLIGHT_EDGE, width=2)
    out = Image.alpha_composite(img, overlay).convert("RGB")
    buf = io.BytesIO()
    # Fast octree quantisation (3 ms a crop) rather than optimize=True (18 ms) for the size.
    out.quantize(PALETTE_COLORS, method=Image.Quantize.FASTOCTREE).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _image_region(src: str | bytes, page_no: int, region: Box, scale: float) -> tuple[Any, tuple[float, float]]:
    """The region of a label image's page (frame ``page_no`` of a TIFF) at the crops' scale, and its
    top-left corner in points. An image's points are its pixels at its own dpi (72 where it states
    none), as extract/image.py gives row boxes."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(src) if isinstance(src, bytes) else src) as im:
        im.seek(page_no - 1)
        dpi = im.info.get("dpi")
        frame = ImageOps.exif_transpose(im.copy()) or im.copy()
    try:
        k = float(dpi[0]) / 72.0 if dpi and 10.0 <= float(dpi[0]) <= 10_000.0 else 1.0
    except (TypeError, ValueError, IndexError):
        k = 1.0
    width, height = frame.width / k, frame.height / k
    x0 = max(0.0, region[0] - MARGIN_PT)
    top = max(0.0, region[1] - MARGIN_PT)
    x1 = min(width, region[2] + MARGIN_PT)
    bottom = min(height, region[3] + MARGIN_PT)
    left, upper = int(x0 * k), int(top * k)
    part = frame.crop((left, upper, max(left + 1, int(x1 * k)), max(upper + 1, int(bottom * k))))
    size = (max(1, round((x1 - x0) * scale)), max(1, round((bottom - top) * scale)))
    return part.convert("RGBA").resize(size, Image.Resampling.LANCZOS), (x0, top)
