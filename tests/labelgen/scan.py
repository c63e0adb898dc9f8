"""Labels without a text layer, made from generated labels: image-only scans and outlined text.

    from tests.labelgen.scan import scan_pdf, outline_pdf
    scan = scan_pdf(render_label_bytes(rec, "ruled"), dpi=200, skew_deg=1.5, noise=0.05, jpeg_quality=60)
    outlined = outline_pdf(rec)            # needs Ghostscript (Debian package ``ghostscript``)

``scan_pdf`` rasterises with pypdfium2 and wraps the JPEG in a PDF with reportlab, so the
result holds one image and no text, like the corpus's ``scan_image`` files. The page is
sized to the image at the scan's dpi, so page points = pixels * 72 / dpi.
"""
from __future__ import annotations

import io
import random
import shutil
import subprocess

import numpy as np
import pypdfium2 as pdfium
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as rl_canvas

from .render import render_label_bytes


def rasterise(pdf_bytes: bytes, dpi: int = 200, page_index: int = 0) -> Image.Image:
    """One page of a PDF as a greyscale image at ``dpi``."""
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        page = doc[page_index]
        img = page.render(scale=dpi / 72.0, grayscale=True).to_pil().convert("L")
        page.close()
    finally:
        doc.close()
    return img


def degrade(img: Image.Image, skew_deg: float = 0.0, noise: float = 0.0, rotate: int = 0,
            seed: int = 0) -> Image.Image:
    """Skew (degrees, positive = anticlockwise), turn by ``rotate`` degrees clockwise, add noise."""
    rng = np.random.default_rng(seed)
    if skew_deg:
        img = img.rotate(skew_deg, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    rotate = int(rotate) % 360
    if rotate:
        if rotate not in (90, 180, 270):
            raise ValueError("rotate must be 0, 90, 180 or 270")
        turn = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
        img = img.transpose(turn[rotate])
    if noise:
        a = np.asarray(img, dtype=np.float32)
        # paper that is not quite white, uneven toner, sensor noise
        a = a * (0.92 + 0.04 * rng.random()) + 8.0
        a += rng.normal(0.0, 255.0 * noise, a.shape)
        img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")
    return img


def image_pdf(img: Image.Image, dpi: int, jpeg_quality: int = 60) -> bytes:
    """Wrap one image as an image-only PDF page (JPEG, no text layer)."""
    jpeg = io.BytesIO()
    img.convert("L").save(jpeg, "JPEG", quality=int(jpeg_quality))
    jpeg.seek(0)
    w_pt, h_pt = img.width * 72.0 / dpi, img.height * 72.0 / dpi
    out = io.BytesIO()
    c = rl_canvas.Canvas(out, pagesize=(w_pt, h_pt), invariant=1, pageCompression=1)
    c.setCreator("labelaudit tests.labelgen.scan")
    c.drawImage(ImageReader(jpeg), 0, 0, width=w_pt, height=h_pt)
    c.showPage()
    c.save()
    return out.getvalue()


def scan_pdf(label_pdf_bytes: bytes, dpi: int = 200, skew_deg: float = 0.0, noise: float = 0.0,
             jpeg_quality: int = 60, rotate: int = 0, seed: int = 0) -> bytes:
    """An image-only "scan" of the first page of ``label_pdf_bytes``.

    ``dpi`` 150..300 is realistic; ``noise`` is the standard deviation of Gaussian pixel noise
    as a fraction of full scale (0.03-0.08 looks like a cheap scanner); ``rotate`` turns the
    content 90/180/270 degrees clockwise (a label fed in sideways).
    """
    img = rasterise(label_pdf_bytes, dpi)
    img = degrade(img, skew_deg=skew_deg, noise=noise, rotate=rotate, seed=seed)
    return image_pdf(img, dpi, jpeg_quality)


def ghostscript() -> str | None:
    return shutil.which("gs")


def outline_pdf(record: dict, layout: str = "ruled") -> bytes:
    """A label whose text is drawn as vector outlines: no chars and no images, only paths.

    Needs Ghostscript (Debian: ``apt-get install ghostscript``); raises RuntimeError without it.
    """
    gs = ghostscript()
    if gs is None:
        raise RuntimeError("Ghostscript is not installed: apt-get install ghostscript")
    src = render_label_bytes(record, layout)
    proc = subprocess.run(
        [gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-dNoOutputFonts", "-sDEVICE=pdfwrite",
         "-sOutputFile=-", "-"],
        input=src, capture_output=True, timeout=60, check=False,
    )
    if proc.returncode != 0 or not proc.stdout.startswith(b"%PDF"):
        raise RuntimeError(f"ghostscript failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[:300]}")
    return proc.stdout


def random_scan_params(rng: random.Random) -> dict:
    """A spread of scan conditions: 150/200/300 dpi, skew within +-3 degrees, noise, JPEG 40-80."""
    return {
        "dpi": rng.choice((150, 200, 300)),
        "skew_deg": round(rng.uniform(-3.0, 3.0), 2),
        "noise": round(rng.uniform(0.0, 0.06), 3),
        "jpeg_quality": rng.randint(40, 80),
    }
