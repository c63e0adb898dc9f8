"""Label images made from generated label PDFs: clean renders and photo-like variants (issue 21).

    from tests.labelgen.photo import render_image, photo_image, PHOTO_KINDS
    png = render_image(pdf_bytes, dpi=150, fmt="PNG")                 # a retailer's packshot
    jpg = render_image(pdf_bytes, dpi=200, fmt="JPEG", quality=70)
    shot = photo_image(pdf_bytes, "perspective", seed=3, panel_width_pt=180.0)

Photo kinds, one defect each so a figure says which one costs what:
- ``perspective``: the camera tilted (each side of the label leaning in by up to 10 degrees),
  plus a small turn;
- ``uneven_light``: a lamp to one side (brightness falling off by up to 60 %) and a glare spot;
- ``jpeg40``: JPEG at quality 40;
- ``small``: the panel 600 px wide;
- ``dark``: light text on a dark ground (the whole label inverted, on a coloured ground).
"""
from __future__ import annotations

import io
import math

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

PHOTO_KINDS = ("perspective", "uneven_light", "jpeg40", "small", "dark")
SMALL_PANEL_PX = 600


def rasterise_rgb(pdf_bytes: bytes, dpi: float, page_index: int = 0) -> Image.Image:
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        page = doc[page_index]
        img = page.render(scale=dpi / 72.0).to_pil().convert("RGB")
        page.close()
    finally:
        doc.close()
    return img


def encode(img: Image.Image, fmt: str, dpi: float | None, quality: int | None = None) -> bytes:
    buf = io.BytesIO()
    kw: dict = {}
    if dpi:
        kw["dpi"] = (dpi, dpi)
    if quality is not None:
        kw["quality"] = quality
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def render_image(pdf_bytes: bytes, dpi: float = 150, fmt: str = "PNG", quality: int | None = None) -> bytes:
    """The label page as an image file at ``dpi`` (stated in the file)."""
    return encode(rasterise_rgb(pdf_bytes, dpi), fmt, dpi, quality)


def _perspective(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    import cv2

    a = np.asarray(img)
    h, w = a.shape[:2]
    lean = math.radians(rng.uniform(4.0, 10.0))
    inset = min(h * math.tan(lean), w * 0.2)
    pad = int(0.08 * max(h, w))
    canvas = cv2.copyMakeBorder(a, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(235, 232, 228))
    src = np.array([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]], dtype=np.float32)
    dst = src.copy()
    if rng.random() < 0.5:  # tilted back: the top narrower
        dst[0][0] += inset
        dst[1][0] -= inset
    else:                   # tilted forward: the bottom narrower
        dst[3][0] += inset
        dst[2][0] -= inset
    turn = math.radians(rng.uniform(-3.0, 3.0))
    c = dst.mean(axis=0)
    rot = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]], dtype=np.float32)
    dst = (dst - c) @ rot.T + c
    m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    out = cv2.warpPerspective(canvas, m, (canvas.shape[1], canvas.shape[0]), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(235, 232, 228))
    return Image.fromarray(out)


def _uneven_light(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    a = np.asarray(img).astype(np.float32)
    h, w = a.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xx / w - 0.5) * math.cos(angle) + (yy / h - 0.5) * math.sin(angle)
    fall = rng.uniform(0.35, 0.6)
    light = 1.0 - fall * (ramp + 0.5)
    gx, gy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    r = 0.15 * max(h, w)
    glare = 90.0 * np.exp(-(((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r)))
    out = a * light[..., None] + glare[..., None]
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def _dark(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    a = np.asarray(img.convert("L")).astype(np.float32) / 255.0
    ground = np.array([rng.uniform(10, 60), rng.uniform(20, 70), rng.uniform(60, 110)], dtype=np.float32)
    ink = np.array([250, 248, 240], dtype=np.float32)
    out = ground * a[..., None] + ink * (1.0 - a[..., None])
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def photo_image(pdf_bytes: bytes, kind: str, seed: int = 0, panel_width_pt: float | None = None,
                dpi: float = 200) -> bytes:
    """One photo-like image of the label page (``kind`` in PHOTO_KINDS), as JPEG (PNG for none)."""
    rng = np.random.default_rng(seed)
    if kind == "small":
        # the panel SMALL_PANEL_PX wide: no dpi stated, as phone photos and web images come
        width_pt = panel_width_pt or 250.0
        return encode(rasterise_rgb(pdf_bytes, SMALL_PANEL_PX / width_pt * 72.0), "JPEG", None, 85)
    img = rasterise_rgb(pdf_bytes, dpi)
    if kind == "perspective":
        return encode(_perspective(img, rng), "JPEG", dpi, 85)
    if kind == "uneven_light":
        return encode(_uneven_light(img, rng), "JPEG", dpi, 85)
    if kind == "jpeg40":
        return encode(img, "JPEG", dpi, 40)
    if kind == "dark":
        return encode(_dark(img, rng), "JPEG", dpi, 85)
    raise ValueError(f"unknown photo kind {kind!r}; one of {', '.join(PHOTO_KINDS)}")


__all__ = ["PHOTO_KINDS", "encode", "photo_image", "rasterise_rgb", "render_image"]
