"""Label images (PNG, JPEG, TIFF, WebP) in, panel records out, through the OCR path.

Retailers' product systems hold packshots and phone photos of the back panel, not PDFs. Each
image, or each frame of a multi-frame TIFF, is one page (SPEC "Input"). A page is made readable
the way a photo needs, each step with OpenCV, before Tesseract reads it (extract/ocr.py):

1. light-on-dark areas are inverted where the local background is dark (a white-on-navy panel
   on a light carton stays dark-on-light elsewhere);
2. the resolution is checked against the text's own size and small images are upscaled
   (Tesseract reads capitals of 20-30 px best; a 600 px wide panel has ~10 px ones);
3. perspective and skew are corrected where the panel's rules show them: the topmost and the
   bottommost long rule span the panel, so their four ends are a rectangle seen at an angle;
4. uneven light and glare are flattened (the page divided by its own background) and, where the
   light really varies, binarised with a local (adaptive) threshold instead of one global one.

Boxes: the page's points are the image's own (pixels * 72 / its dpi, 72 dpi where the file states
none), pdfplumber's axes, so evidence crops cut an image as they cut a PDF page. The reading itself
uses a resolution inferred from the text where the file states none, so a 300 dpi scan saved
without a dpi does not read as a poster with 40 pt body text.
"""
from __future__ import annotations

import io
import math
import re
import statistics
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from extract.checks import (
    _figures_in,
    _in,
    _key_names,
    _read_amounts,
    _same_amount,
    _unit,
    dv_consistent,
    key_nutrient,
    pair_consistent,
    panel_problems,
)
from extract.document import extract_pdf, read_words
from extract.layout import Word, group_lines
from extract.ocr import _vocabulary, ocr_available, ocr_image
from extract.records import FileExtraction, PanelRecord, RowRecord
from labelaudit.contracts.catalog import image_format, label_kind
from labelaudit.contracts.reference import CANONICAL_UNITS, DAILY_VALUES, NRV

DEFAULT_DPI = 72.0            # SPEC "Input": where an image states no resolution
MAX_PIXELS = 60_000_000       # a page bigger than this is a poster or a bomb, not a label
MAX_OCR_FRAMES = 20           # as extract.document.MAX_OCR_PAGES: OCR costs 1-2 s a page
TARGET_TEXT_PX = 24.0         # median glyph height the OCR reads best at
ALTERNATIVE_TEXT_PX = 18.0    # and the second try's (small type reads better a little smaller)
MAX_UPSCALE = 4.0
MAX_WORK_PIXELS = 40_000_000  # as extract.ocr.MAX_RENDER_PIXELS
ASSUMED_GLYPH_PT = 6.0        # median glyph height (points) of label body text, for images without a dpi
MIN_PERSPECTIVE_DEG = 0.4     # below this the panel is square enough; the OCR's deskew handles the rest
MAX_PERSPECTIVE_DEG = 20.0    # beyond this the "rules" are not a panel's


def extract_label(data: bytes, name: str) -> FileExtraction:
    """One catalog file, by its kind (``name``'s suffix): a label PDF or a label image."""
    if label_kind(name) == "image":
        return extract_image(data)
    return extract_pdf(data)


# ---------------------------------------------------------------- the file

def extract_image(data: bytes, max_pages: int | None = None) -> FileExtraction:
    """Read every Supplement Facts panel of one label image. Never raises for bad input.
    ``max_pages``: frames read, by default the run's page limit (--max-pages)."""
    if max_pages is None:
        import extract.document

        max_pages = extract.document.MAX_PAGES
    if not data:
        return FileExtraction(status="error", status_detail="zero-byte file")
    try:
        frames, dpi = _open(data)
    except _BadImage as e:
        return FileExtraction(status="error", status_detail=str(e))
    problem = ocr_available()
    if problem:
        return FileExtraction(status="needs_ocr", page_count=len(frames), status_detail=(
            f"a label image is read by OCR, and no OCR engine is available: {problem}"))
    limit = min(max_pages, MAX_OCR_FRAMES)
    out = FileExtraction(status="ok", page_count=len(frames))
    headed_pages: list[int] = []
    for index, frame in enumerate(frames[:limit]):
        panels = read_image_page(frame, dpi, index + 1)
        if panels:
            headed_pages.append(index + 1)
        out.panels.extend(panels)
    if not out.panels:
        return FileExtraction(status="no_panel", page_count=len(frames), status_detail=(
            "no Supplement Facts panel heading could be read in the image (OCR); if the label has one, "
            "the photo may be too small, blurred or cut off"))
    if len(frames) > limit:
        out.status_detail = f"only the first {limit} of {len(frames)} frames of the image were read by OCR"
    return out


class _BadImage(Exception):
    pass


def _open(data: bytes) -> tuple[list[Image.Image], float]:
    """The file's frames, greyscale on white, and its resolution (dpi)."""
    kind = image_format(data[:16])
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise _BadImage(f"image of {img.width} x {img.height} pixels, larger than a label image may be "
                                f"({MAX_PIXELS // 1_000_000} megapixels); it was not read")
            dpi = _stated_dpi(img.info.get("dpi"))
            frames = [_grey(ImageOps.exif_transpose(f.copy()) or f.copy()) for f in ImageSequence.Iterator(img)]
    except _BadImage:
        raise
    except Image.DecompressionBombError as e:
        raise _BadImage(f"image far larger than a label ({e}); it was not read") from e
    except UnidentifiedImageError as e:
        raise _BadImage("not an image file PNG, JPEG, TIFF or WebP readers can open"
                        + (f" (it starts like {kind} but is damaged)" if kind else "")) from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        what = "truncated image (the file ends before the image does)" if "truncat" in str(e).lower() \
            else f"damaged image ({type(e).__name__}: {e})"
        raise _BadImage(what) from e
    if not frames:
        raise _BadImage("image file without a picture in it")
    return frames, dpi


def _stated_dpi(dpi: object) -> float:
    try:
        x = float(dpi[0]) if isinstance(dpi, tuple) else float(dpi)  # type: ignore[arg-type]
    except (TypeError, ValueError, IndexError):
        return DEFAULT_DPI
    # Some writers store 1 or 0 for "unknown"; nobody prints a label at 10,000 dpi.
    return x if 10.0 <= x <= 10_000.0 and math.isfinite(x) else DEFAULT_DPI


def _grey(img: Image.Image) -> Image.Image:
    """Greyscale, transparency flattened onto white (a packshot cut out of its background)."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(img, dtype=np.float64)
        hi = a.max() or 1.0
        return Image.fromarray((a * (255.0 / hi)).astype(np.uint8), "L")
    return img.convert("L")


# ---------------------------------------------------------------- one page

def read_image_page(img: Image.Image, dpi: float, number: int) -> list[PanelRecord]:
    """Panels of one image page (``number`` 1-based), boxes in the image's points at ``dpi``.

    Like a PDF page's fallback chain (extract.document.settle): a reading that fails its own
    checks is tried once more, prepared the other way (the other text size, the other
    binarisation), and the reading that read more, with fewer problems, is kept."""
    first = _reading(img, dpi, number, alternative=False)
    if not _doubtful(first):
        return first
    second = _reading(img, dpi, number, alternative=True)
    return min((first, second), key=_rank)


def _reading(img: Image.Image, dpi: float, number: int, alternative: bool) -> list[PanelRecord]:
    prep = prepare(img, dpi, alternative)
    # The second try also reads the page as one block: automatic layout can drop a narrow
    # amount column at the page's edge as if it were not text.
    page = ocr_image(prep.image, round(prep.read_dpi), psm=6 if alternative else 3)
    words = [replace(w, orig=prep.to_page(w.orig)) for w in page.words]
    panels = read_words(words, page.width, page.height, number, read_method="ocr")
    lines = [line.text for line in group_lines(words)]
    for p in panels:
        if p.rows:
            repairs = [r for r in (repair_unit(row) for row in p.rows) if r]
            doubts = repairs + panel_problems(p.rows) + ocr_doubts(p.rows) + _column_missing(p.serving_size, lines)
            p.review.extend(r for r in doubts if r not in p.review)
        elif not p.review:
            # In a picture of a label a heading is the panel's (nobody photographs a sentence
            # that mentions one), and OCR gives no bold to tell them apart: a person must look.
            p.review.append(f"a panel heading was read on page {number} of the image but no nutrient rows "
                            "under it (the photo may be blurred, too small, or cut off there)")
    return panels


def _column_missing(serving: str | None, lines: list[str]) -> list[str]:
    """The amount column of the serving size, where the column titles were read and it is not
    among them ("Serving Size 6 Softgels" over "2 Softgels | 4 Softgels"): OCR dropped a column,
    and the figures read are another column's."""
    m = re.match(r"\s*(\d+)\s+([^\W\d]{4,})", serving or "")
    if not m:
        return []
    count, stem = m.group(1), m.group(2)[:4].casefold()
    for line in lines:
        titles = [n for n, unit in re.findall(r"(\d+)\s+([^\W\d]{4,})", line) if unit[:4].casefold() == stem]
        if len(titles) >= 2 and count not in titles:
            return [f"the amount column for the serving size ({serving}) was not read among the columns "
                    f"({', '.join(t + ' ' + m.group(2) for t in titles)}): the figures may be another column's"]
    return []


def _doubtful(panels: list[PanelRecord]) -> bool:
    return not panels or any(p.review or not p.rows for p in panels)


def _rank(panels: list[PanelRecord]) -> tuple[int, int, int]:
    # A reading that saw fewer panels hides a product, whatever else it read (as in settle()).
    read = sum(r.amount is not None and key_nutrient(r.label_text) is not None for p in panels for r in p.rows)
    return (-len(panels), -read, sum(len(p.review) for p in panels))


# A key nutrient's name as OCR may garble it ("Vitamine D1" for "Vitamine D¹", "Magnesi um").
# "75g" for "75 µg", "104g" for "10µg": OCR drops the µ, or reads it as a digit glued to the number.
# Grams of a vitamin, or a thousand days' worth of a mineral, is no label's amount.
_VITAMINS = ("vitamin_d", "vitamin_k", "vitamin_a")
_FIRST_FIGURE = re.compile(r"^\s*(?P<n>\d[\d,.]*)")
PLAUSIBLE_DVS = 1000.0


def repair_unit(row: RowRecord) -> str | None:
    """A key row's amount OCR read in a unit no label gives it ("75g" of vitamin D), put right where
    exactly one reading of the figure (the µ lost: 75 µg; the µ read as a digit: 104g -> 10 µg)
    agrees with the row's other printed figures (%DV, %NRV, the IU beside the mcg). Returns the
    reason a person must check it where no reading agrees, else None."""
    key = key_nutrient(row.label_text)
    if key is None or row.amount is None or not row.unit or not _implausible(key, row.amount, row.unit):
        return None
    m = _FIRST_FIGURE.match(row.amount_text or "")
    digits = m.group("n") if m else ""
    numbers = {row.amount}
    if re.fullmatch(r"\d{2,}", digits):
        numbers.add(float(digits[:-1]))
    found = {}
    for n in numbers:
        for unit in ("mcg", "mg"):
            if not _implausible(key, n, unit) and _confirmed(row, key, n, unit):
                found[_in(n, unit, CANONICAL_UNITS[key], key)] = (n, unit)
    if len(found) != 1:
        return (f"OCR read {row.amount_text.strip()} for '{row.label_text}', an amount no label gives it, "
                "and its other figures do not say what it is")
    n, unit = found.popitem()[1]
    shown = f"{n:g} {unit}"
    rest = (row.amount_text or "")[m.end():].lstrip("gGmM ") if m else ""
    row.amount_text = f"{shown} {rest}" if rest else shown
    row.amount, row.unit = n, unit
    return None


def _implausible(key: str, amount: float, unit: str) -> bool:
    canonical = _in(float(amount), _unit(unit), CANONICAL_UNITS[key], key)
    if canonical is None:
        return False
    return (key in _VITAMINS and _unit(unit) == "g") or canonical > PLAUSIBLE_DVS * DAILY_VALUES["current"][key]


def _confirmed(row: RowRecord, key: str, amount: float, unit: str) -> bool:
    """Whether ``amount unit`` agrees with every other figure the row prints, and it prints one."""
    checks = []
    canonical = _in(amount, unit, CANONICAL_UNITS[key], key)
    if row.alt_amount is not None and row.alt_unit and _unit(row.alt_unit) != _unit(unit):
        other = _in(float(row.alt_amount), _unit(row.alt_unit), CANONICAL_UNITS[key], key)
        # pair_consistent passes what it cannot convert; here a figure must be confirmed
        checks.append(other is not None and canonical is not None and abs(other - canonical) <= 0.02 * other
                      and pair_consistent(key, amount, unit, row.alt_amount, row.alt_unit))
    if row.percent_dv is not None:
        checks.append(dv_consistent(key, amount, unit, row.percent_dv))
    if row.percent_nrv is not None and key in NRV and canonical is not None:
        expect = canonical / NRV[key] * 100.0
        checks.append(abs(expect - row.percent_nrv) <= max(1.0, 0.02 * expect))
    return bool(checks) and all(checks)


_KEYISH = re.compile(r"\bvitamin[ae]?\s*[DKA](?![a-z]{2})|magnes|calci(?!fer)|cholecalc|ergocalc|menaqu|phyllo|retin",
                     re.IGNORECASE)
_FIGURE = re.compile(r"\d[\d,.]*\s*(?:mcg|µg|μg|ug|mg|iu|i\.u\.)(?![a-z])", re.IGNORECASE)
LOW_CONFIDENCE = 0.5  # OCR's own word confidence below which a key figure is a guess


def ocr_doubts(rows: list[RowRecord]) -> list[str]:
    """Why a person must check rows OCR read off an image, where a text layer's reading would be
    trusted: a name that looks like a key nutrient but is not one as read, an amount under a name
    that is no words at all, a key figure OCR itself is unsure of. A misread here is a flag not
    raised, so it goes to review rather than through (SPEC "Never silent")."""
    out: list[str] = []
    if not any(r.amount is not None for r in rows):
        out.append("OCR read the panel's heading and rows but no amount in them")
    vocab = _vocabulary()
    for r in rows:
        name = (r.label_text or "").strip()
        key = key_nutrient(name)
        if key is None and _KEYISH.search(name):
            out.append(f"OCR read a row '{name}' that looks like a key nutrient but could not be identified")
        elif key is None and r.amount is not None and not any(
                w in vocab for w in re.findall(r"[a-z]{4,}", name.casefold())):
            out.append(f"OCR read an amount ({r.amount_text}) under a name it could not read ('{name}')")
        elif r.amount is None and _FIGURE.search(name):
            out.append(f"OCR read figures in '{name}' that it could not place as the row's amount")
        elif key is not None and r.amount is not None and r.confidence < LOW_CONFIDENCE:
            out.append(f"OCR is unsure of the figures of '{name}' ({r.amount_text}; confidence {r.confidence:.2f})")
        elif key is not None and len({k for k, pattern in _key_names() if pattern.search(name)}) >= 2:
            out.append(f"OCR read two key nutrients' names in one row ('{name}'): two rows ran together, and "
                       "the amount may be either's")
        elif key is not None and r.amount is not None and (higher := _higher_in_name(r, key)):
            out.append(f"OCR read a higher amount ({higher}) inside the name '{name}' than the one read "
                       f"({r.amount_text}): the figures may be another column's")
    return out


def _higher_in_name(r: RowRecord, key: str) -> str | None:
    """A figure anywhere in a key row's name higher than its amount: OCR lost a mark or a unit in
    one amount column, so the row's parts were read around it ("Vitamin D3 (as 2,000 IU (50 mcg)
    7 cholecalciferol)" beside "1,000 IU (25 mcg)"). extract.checks looks only before the name's
    "(as ...)", where a text layer puts figures that are the name's own."""
    read = _read_amounts(r)
    if not read:
        return None
    amount, read_unit = read[0]
    for value, unit in _figures_in(r.label_text):
        as_read = _in(value, unit, read_unit, key)
        if as_read is not None and as_read > amount and not _same_amount(key, value, unit, read):
            return f"{value:g} {unit}"
    return None


@dataclass
class Prepared:
    """A page made readable, and the way back from its pixels to the image's points."""

    image: Image.Image       # what the OCR reads
    read_dpi: float          # the resolution its pixels stand for
    scale: float             # prepared pixels per original pixel (before the warp)
    homography: np.ndarray | None  # original-scaled pixels -> prepared pixels, or None
    page_dpi: float          # the image's own (stated) dpi: row boxes are in its points
    steps: tuple[str, ...] = ()

    def to_page(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """A box in the prepared image's points (at ``read_dpi``) -> the original image's points."""
        k = self.read_dpi / 72.0
        x0, y0, x1, y1 = (v * k for v in box)
        pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
        if self.homography is not None:
            inv = np.linalg.inv(self.homography)
            h = np.hstack([pts, np.ones((4, 1))]) @ inv.T
            pts = h[:, :2] / h[:, 2:3]
        pts = pts / self.scale * (72.0 / self.page_dpi)
        return (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))


def prepare(img: Image.Image, dpi: float, alternative: bool = False) -> Prepared:
    """The photo steps (module doc), each only where the page needs it. ``alternative``: the
    second try at a page whose first reading failed: smaller text, the other binarisation."""
    import cv2

    a: np.ndarray = np.asarray(img.convert("L"), dtype=np.uint8)
    steps: list[str] = []
    a, inverted = _invert_dark_areas(a)
    if inverted:
        steps.append("inverted")
    glyph = _median_glyph_px(a)
    scale = 1.0
    if glyph:
        target = ALTERNATIVE_TEXT_PX if alternative else TARGET_TEXT_PX
        scale = min(MAX_UPSCALE, max(1.0, target / glyph))
    scale = min(scale, math.sqrt(MAX_WORK_PIXELS / max(1, a.shape[0] * a.shape[1])))
    if abs(scale - 1.0) > 0.05:
        a = cv2.resize(a, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
        steps.append(f"scaled x{scale:.2f}")
    else:
        scale = 1.0
    homography = _panel_homography(a)
    if homography is None:
        homography = _sheet_homography(a)
    if homography is not None:
        a = cv2.warpPerspective(a, homography, (a.shape[1], a.shape[0]), flags=cv2.INTER_CUBIC,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=255)
        steps.append("perspective")
    a, binarised = _flatten_light(a, alternative)
    if binarised:
        steps.append("adaptive threshold")
    stated = dpi != DEFAULT_DPI
    # No resolution stated: infer it from the text, so sizes in points are a label's.
    read_dpi = dpi * scale if stated or not glyph else glyph * scale / ASSUMED_GLYPH_PT * 72.0
    # ocr_image takes a whole dpi: the boxes are mapped back with the same figure
    return Prepared(Image.fromarray(a, "L"), float(max(1, round(read_dpi))), scale, homography, dpi, tuple(steps))


def _invert_dark_areas(a: np.ndarray) -> tuple[np.ndarray, bool]:
    """Light text on a dark ground made dark on light, area by area (by the local median)."""
    import cv2

    h, w = a.shape
    k = min(1.0, 300.0 / max(h, w))
    small = cv2.resize(a, (max(1, int(w * k)), max(1, int(h * k))), interpolation=cv2.INTER_AREA)
    # The window spans several text lines, so a bold heading or a thick bar (ink on a light
    # ground, under half of any such window) never reads as a dark ground; a dark panel does.
    ksize = max(3, (min(small.shape) // 2) | 1)
    ground = cv2.medianBlur(small, min(ksize, 255))
    dark = ground < 100
    if dark.mean() < 0.02:
        return a, False
    mask = cv2.resize(dark.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
    out = a.copy()
    out[mask] = 255 - out[mask]
    return out, True


def _ink(a: np.ndarray) -> np.ndarray:
    import cv2

    _t, ink = cv2.threshold(a, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def _median_glyph_px(a: np.ndarray) -> float | None:
    """Median height of the glyph-like ink blobs: how big the text is, in pixels."""
    import cv2

    _n, _labels, stats, _c = cv2.connectedComponentsWithStats(_ink(a), connectivity=8)
    hs = [int(s[cv2.CC_STAT_HEIGHT]) for s in stats[1:]
          if 3 <= s[cv2.CC_STAT_HEIGHT] <= a.shape[0] / 8 and s[cv2.CC_STAT_WIDTH] <= 3 * s[cv2.CC_STAT_HEIGHT]
          and s[cv2.CC_STAT_AREA] >= 6]
    if len(hs) < 20:
        return None
    return float(statistics.median(hs))


def _rules(a: np.ndarray) -> list[tuple[float, float, float, float, int]]:
    """Long horizontal-ish rules: (x_left, y_left, x_right, y_right, length), a line fit to each."""
    import cv2

    ink = _ink(a)
    w = ink.shape[1]
    span = max(25, w // 6)
    # Opening with a long flat kernel keeps rules and drops text; a gentle slope (a rule seen
    # at an angle) survives because the kernel is only one row tall.
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (span, 1)))
    lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (span // 4, 3)))
    lines = cv2.bitwise_and(lines, ink)
    n, labels, stats, _c = cv2.connectedComponentsWithStats(lines, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, bw, bh = (int(stats[i][k]) for k in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH,
                                                     cv2.CC_STAT_HEIGHT))
        if bw < w * 0.25 or bh > bw * 0.4:
            continue
        ys, xs = np.nonzero(labels[y:y + bh, x:x + bw] == i)
        if len(xs) < bw:
            continue
        slope, icept = np.polyfit(xs + x, ys + y, 1)
        xl, xr = float(x), float(x + bw - 1)
        out.append((xl, slope * xl + icept, xr, slope * xr + icept, bw))
    return out


def _panel_homography(a: np.ndarray) -> np.ndarray | None:
    """The warp that squares the panel, from its topmost and bottommost long rules; None where the
    rules show no perspective or skew worth correcting, or are too few to show any."""

    rules = _rules(a)
    if len(rules) < 2:
        return None
    longest = max(r[4] for r in rules)
    full = [r for r in rules if r[4] >= 0.6 * longest]
    if len(full) < 2:
        return None
    full.sort(key=lambda r: (r[1] + r[3]) / 2)
    top, bottom = full[0], full[-1]
    height = (bottom[1] + bottom[3]) / 2 - (top[1] + top[3]) / 2
    if height < 0.15 * a.shape[0]:
        return None
    src = np.array([[top[0], top[1]], [top[2], top[3]], [bottom[2], bottom[3]], [bottom[0], bottom[1]]],
                   dtype=np.float32)
    # Every full-width rule's ends must lie on the panel's two sides, else they are not one panel's.
    for side in (0, 2):
        ends = np.array([[r[side], r[side + 1]] for r in full])
        if len(ends) >= 3:
            fit = np.polyfit(ends[:, 1], ends[:, 0], 1)
            if np.abs(np.polyval(fit, ends[:, 1]) - ends[:, 0]).max() > 0.02 * a.shape[1]:
                return None
    return _square_quad(src)


def _square_quad(src: np.ndarray, least_px: float = 8.0) -> np.ndarray | None:
    """The warp taking quadrilateral ``src`` (top-left, top-right, bottom-right, bottom-left) to the
    rectangle it was before a camera turned and tilted it; None where it shows no more than a
    few pixels of either, or more than a label seen at an angle would."""
    import cv2

    def angle(p: np.ndarray, q: np.ndarray, vertical: bool) -> float:
        dx, dy = q[0] - p[0], q[1] - p[1]
        return math.degrees(math.atan2(dx, dy) if vertical else math.atan2(dy, dx))

    top_a, bottom_a = angle(src[0], src[1], False), angle(src[3], src[2], False)
    rot = (top_a + bottom_a) / 2
    left, right = angle(src[0], src[3], True) + rot, angle(src[1], src[2], True) + rot
    # What a camera does: a turn (rules and sides turned alike) and a tilt (both sides leaning in
    # by about as much, or both rules). One side leaning alone is a rule cut short, not a view.
    if abs(left + right) > 0.3 * max(abs(left), abs(right)) + 0.3:
        return None
    shown = max(abs(rot), abs(left), abs(right), abs(top_a - bottom_a) / 2)
    height = (src[3][1] + src[2][1] - src[0][1] - src[1][1]) / 2
    # A quadrilateral's corners are found to a few pixels: a lean smaller than that shows nothing.
    least = max(MIN_PERSPECTIVE_DEG, math.degrees(math.atan2(least_px, max(1.0, height))))
    if shown < least or shown > MAX_PERSPECTIVE_DEG:
        return None
    xl, xr = (src[0][0] + src[3][0]) / 2, (src[1][0] + src[2][0]) / 2
    yt, yb = (src[0][1] + src[1][1]) / 2, (src[2][1] + src[3][1]) / 2
    dst = np.array([[xl, yt], [xr, yt], [xr, yb], [xl, yb]], dtype=np.float32)
    return cv2.getPerspectiveTransform(src.astype(np.float32), dst)


def _sheet_homography(a: np.ndarray) -> np.ndarray | None:
    """The warp that squares the label itself where it lies on a darker ground (a carton or a
    sheet photographed on a table): its outline is the largest light four-cornered shape."""
    import cv2

    h, w = a.shape
    k = min(1.0, 800.0 / max(h, w))
    small = cv2.resize(a, (max(1, int(w * k)), max(1, int(h * k))), interpolation=cv2.INTER_AREA)
    light = small[small > 128]
    if light.size < 100:
        return None
    t, _m = cv2.threshold(light.reshape(1, -1), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    if float(np.percentile(light, 95)) - t < 8:
        return None  # one light tone: no sheet on a ground to see
    size = max(3, int(min(small.shape) / 15) | 1)
    sheet = cv2.morphologyEx((small > t).astype(np.uint8) * 255, cv2.MORPH_CLOSE,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    contours, _hier = cv2.findContours(sheet, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(outline)
    if not 0.3 * small.size <= area <= 0.97 * small.size:
        return None
    hull = cv2.convexHull(outline)
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2).astype(np.float64)
    if len(quad) != 4:
        return None
    # corners in order: top-left, top-right, bottom-right, bottom-left
    by_sum, by_diff = quad.sum(axis=1), quad[:, 1] - quad[:, 0]
    src = np.array([quad[by_sum.argmin()], quad[by_diff.argmin()], quad[by_sum.argmax()], quad[by_diff.argmax()]])
    if len({tuple(p) for p in src}) != 4:
        return None
    return _square_quad(src / k, least_px=8.0 / k)


def _flatten_light(a: np.ndarray, other: bool = False) -> tuple[np.ndarray, bool]:
    """The page divided by its own background (uneven light, glare); where the background still
    varies a lot, a local threshold instead of the OCR's one global threshold (``other``: the
    other way round, for a second try)."""
    import cv2

    h, w = a.shape
    k = min(1.0, 400.0 / max(h, w))
    small = cv2.resize(a, (max(1, int(w * k)), max(1, int(h * k))), interpolation=cv2.INTER_AREA)
    # The background is what is left once the ink is closed over: text strokes are thin.
    size = max(3, int(min(small.shape) / 20) | 1)
    ground_small = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    ground_small = cv2.GaussianBlur(ground_small, (0, 0), size / 2)
    spread = float(np.percentile(ground_small, 95) - np.percentile(ground_small, 5))
    if spread < 25 and not other:
        return a, False  # even light: the page as it is reads best
    ground = cv2.resize(ground_small, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    flat = np.clip(a.astype(np.float32) / np.maximum(ground, 1.0) * 255.0, 0, 255).astype(np.uint8)
    if (spread < 60) != other:
        return flat, False
    glyph = _median_glyph_px(flat) or 12.0
    block = int(glyph * 4) | 1
    return cv2.adaptiveThreshold(flat, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, max(block, 15), 12), True


__all__ = ["Word", "extract_image", "extract_label", "prepare", "read_image_page"]
