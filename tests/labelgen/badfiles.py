"""Bad inputs for the auditor: files that must each yield one products row with a clear status.

``write_bad_files(dir)`` returns {file name: expected status_detail keyword}. The keywords are the
words the SPEC asks for in ``products.status_detail`` ("encrypted", "not a PDF", "truncated"),
plus "zero-byte" for the zero-byte file and "no_panel" (the *status*, not a detail) for the brochure.
``BAD_FILE_STATUS`` gives the expected ``products.status`` for each name.
"""
from __future__ import annotations

import io
import random
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas as rl_canvas

from .records import random_product
from .render import BOLD, REG, render_label_bytes, wrap

ZERO_BYTE = "label-upload-0412.pdf"
TRUNCATED = "vitamin-d3-10-000-iu.pdf"
ENCRYPTED = "d3-k2-mk-7.pdf"
NOT_A_PDF = "price-list.pdf"
BROCHURE = "sunshine-collection-brochure.pdf"

BAD_FILE_STATUS = {
    ZERO_BYTE: "error",
    TRUNCATED: "error",
    ENCRYPTED: "error",
    NOT_A_PDF: "error",
    BROCHURE: "no_panel",
}

USER_PASSWORD = "label2024"


def brochure_bytes() -> bytes:
    """A valid one-page marketing brochure that talks about vitamin D doses, with no facts panel."""
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=letter, invariant=1, pageCompression=1)
    c.setTitle("The Sunshine Collection")
    w, h = letter
    c.setFont(BOLD, 28)
    c.drawString(60, h - 90, "The Sunshine Collection")
    c.setFont(REG, 13)
    c.drawString(60, h - 115, "Vitamin D for every season, every family, every budget.")
    paras = [
        ("Everyday D3 1,000 IU", "A gentle 25 mcg (1,000 IU) softgel for daily maintenance. Ideal for "
         "adults who get some sun and want steady support for bones and immunity.*"),
        ("High Potency D3 5,000 IU", "Our best seller: 125 mcg (5,000 IU) of vitamin D3 from lanolin in one "
         "easy softgel. Pair it with our K2 MK-7 100 mcg for complete bone and heart support.*"),
        ("Weekly D3 50,000 IU", "One capsule a week delivers 1,250 mcg (50,000 IU). Ask your healthcare "
         "professional whether a weekly dose is right for you."),
        ("Kids' D3 Drops 400 IU", "10 mcg (400 IU) per drop, in organic olive oil. No sugar, no alcohol."),
    ]
    y = h - 165
    for head, body in paras:
        c.setFont(BOLD, 14)
        c.drawString(60, y, head)
        y -= 18
        c.setFont(REG, 11)
        for ln in wrap(body, REG, 11, w - 120):
            c.drawString(60, y, ln)
            y -= 14
        y -= 16
    c.setFont(REG, 11)
    for ln in wrap("Why vitamin D? Most adults fall short of the 20 mcg (800 IU) a day many experts "
                   "recommend, especially in winter. Vitamin D helps your body absorb calcium; magnesium "
                   "and vitamin K2 help put that calcium where it belongs.*", REG, 11, w - 120):
        c.drawString(60, y, ln)
        y -= 14
    y -= 20
    c.setFont(BOLD, 12)
    c.drawString(60, y, "Spring pricing: buy two, get 20% off the third. Available at participating stores.")
    c.setFont(REG, 8)
    c.drawString(60, 60, "*These statements have not been evaluated by the Food and Drug Administration. "
                 "This product is not intended to diagnose,")
    c.drawString(60, 50, "treat, cure, or prevent any disease.")
    c.showPage()
    c.save()
    return buf.getvalue()


def write_bad_files(dir) -> dict:
    """Write the five bad inputs into ``dir`` (created if needed); return {name: status_detail keyword}."""
    d = Path(dir)
    d.mkdir(parents=True, exist_ok=True)
    rng = random.Random(404)
    (d / ZERO_BYTE).write_bytes(b"")

    full = render_label_bytes(random_product(rng, kind="d3_only", d_iu=10000, brand="Kestrel Health"), "ruled")
    (d / TRUNCATED).write_bytes(full[: len(full) // 2])

    enc = StandardEncryption(USER_PASSWORD, ownerPassword="owner-" + USER_PASSWORD, canPrint=1, strength=128)
    (d / ENCRYPTED).write_bytes(render_label_bytes(random_product(rng, kind="d3_k2", brand="Kestrel Health"),
                                                   "ruled", encrypt=enc))

    (d / NOT_A_PDF).write_text(
        "sku,product,price_usd\n"
        "KH-10231,Vitamin D3 5000 IU 120 softgels,14.99\n"
        "KH-10232,D3 + K2 60 capsules,19.49\n"
        "KH-10233,Magnesium Glycinate 180 capsules,22.00\n", encoding="utf-8")

    (d / BROCHURE).write_bytes(brochure_bytes())
    return {
        ZERO_BYTE: "zero-byte",
        TRUNCATED: "truncated",
        ENCRYPTED: "encrypted",
        NOT_A_PDF: "not a PDF",
        BROCHURE: "no_panel",
    }
