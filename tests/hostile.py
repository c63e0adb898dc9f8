"""A hostile catalog the tests build themselves: what untrusted brands may send."""
from __future__ import annotations

import io
import os
import random
import zlib
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from tests.labelgen import random_product, render_catalog


def _pdf(objects: list[bytes]) -> bytes:
    """A syntactically valid PDF from numbered object bodies (1-based), with an xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def blank_pages(n: int) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=1)
    for _ in range(n):
        c.showPage()
    c.save()
    return buf.getvalue()


def image_bomb(side: int = 30000) -> bytes:
    """One page holding a side x side greyscale image that inflates to side^2 bytes."""
    raw = zlib.compress(b"\x00" * (side * side), 9)
    content = b"q 612 0 0 792 0 0 cm /Im1 Do Q"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 "
        b"0 R >>",
        _stream(content),
        _stream(raw, b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
                     b"/Filter /FlateDecode" % (side, side)),
    ])


def deep_nesting(depth: int = 100_000) -> bytes:
    nested = b"[" * depth + b"]" * depth
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R /Deep 5 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Bomb 5 0 R >> >>",
        _stream(b"BT /F1 12 Tf 72 720 Td (Supplement Facts) Tj ET"),
        nested,
    ])


def random_after_header(size: int = 200_000, seed: int = 5) -> bytes:
    return b"%PDF-1.7\n" + random.Random(seed).randbytes(size)


def text_flood(megabytes: int = 10) -> bytes:
    """One page whose content stream draws ~N MB of text, headed like a panel."""
    line = b"(Supplement Facts Vitamin D3 125 mcg 625% Magnesium 100 mg 24%) Tj 0 -1 Td\n"
    body = b"BT /F1 1 Tf 10 780 Td\n" + line * (megabytes * 1024 * 1024 // len(line)) + b"ET"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(zlib.compress(body), b"/Filter /FlateDecode"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def repeated_panel(path: Path, copies: int = 500, seed: int = 9) -> dict:
    rec = random_product(random.Random(seed), kind="d3_only", d_iu=5000, directions_style="daily")
    render_catalog([rec] * copies, path, per_page=1, cover=False)
    return rec


def build(root: Path) -> dict[str, str]:
    """Write the hostile files; returns file name -> what the test expects of its row."""
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "blank-5000-pages.pdf": (blank_pages(5000), "no_panel"),
        "image-bomb.pdf": (image_bomb(), "not ok"),
        "deep-nesting.pdf": (deep_nesting(), "not ok"),
        "random-after-header.pdf": (random_after_header(), "error"),
        "text-flood-10mb.pdf": (text_flood(10), "error"),
    }
    for name, (data, _) in files.items():
        (root / name).write_bytes(data)
    os.makedirs(root / "repeat", exist_ok=True)
    repeated_panel(root / "repeat" / "panel-x500.pdf")
    return {name: want for name, (_, want) in files.items()} | {"repeat/panel-x500.pdf": "ok x500"}


def repeated_panel_bytes(copies: int, seed: int = 9) -> bytes:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"labelaudit-repeat-{copies}-{seed}-{os.getpid()}.pdf"
    try:
        repeated_panel(path, copies, seed)
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)
