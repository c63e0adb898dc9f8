"""OCR for pages with no usable text layer (image-only scans, text drawn as outlines).

Produces the same ``Word`` objects as the text-layer path (``extract.layout.page_words``), so
the panel logic reads OCR'd pages unchanged:

- ``Word.x0/top/x1/bottom`` are in the page's *reading frame*: the page turned so its text
  runs left to right and deskewed, in PDF points (pixels * 72 / dpi), pdfplumber's top-down axes.
- ``Word.orig`` is the same box mapped back onto the page as displayed (pdfplumber's axes), for
  evidence crops.
- ``Word.top/bottom`` are those of the OCR line the word stands on, so every word of a line
  shares one top and bottom, as glyph boxes from a text layer do. ``Word.size`` is that line
  box's height in points scaled to a font size (see ``_em_factor``: a line without descenders
  is shorter than its font size), so sizes compare like a text layer's.
- Tokens are repaired where OCR habitually fails next to a number ("meg" -> "mcg", "|U" -> "IU",
  "yg" -> "µg", "5,0O0" -> "5,000") and for one l/i lookalike in a known nutrient word
  ("ergocaiciferol"); long rules (panel bars, hairlines) are erased before OCR.
- ``Word.confidence`` is the engine's word confidence, 0..1.

Engine: Tesseract 5 (Debian ``tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd``) through
``pytesseract``. ``OMP_THREAD_LIMIT=1`` is set for it: extraction runs in parallel processes
and Tesseract's own OpenMP threads only oversubscribe the cores.

Orientation: 90/180/270-degree scans are found with Tesseract's OSD (cheap, on a reduced
image); small skew (within +-5 degrees) with a projection-profile search on the ink pixels.
"""
from __future__ import annotations

import contextlib
import itertools
import math
import os
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import numpy as np
from PIL import Image

from extract.layout import Word

DEFAULT_DPI = 300
MAX_SKEW_DEG = 5.0
GOOD_READING = 0.6          # share of characters in confident words above which a reading is upright
MIN_WORD_CONF = 0.20          # below this a word is almost always speckle read as text
_INSTALL_HINT = (
    "install Tesseract: apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd, "
    "and pip install pytesseract"
)


# ---------------------------------------------------------------- availability

@lru_cache(maxsize=1)
def _probe() -> str | None:
    try:
        import pytesseract
    except ImportError:
        return "the pytesseract package is missing: " + _INSTALL_HINT
    cmd = os.environ.get("TESSERACT_CMD") or shutil.which("tesseract")
    if not cmd:
        return "the tesseract program is not installed: " + _INSTALL_HINT
    import pytesseract

    pytesseract.pytesseract.tesseract_cmd = cmd
    try:
        langs = pytesseract.get_languages(config="")
    except Exception as e:  # a broken install
        return f"tesseract does not run ({type(e).__name__}: {e}): " + _INSTALL_HINT
    if "eng" not in langs:
        return "tesseract has no English model: apt-get install tesseract-ocr-eng"
    return None


def ocr_available() -> str | None:
    """None when an OCR engine is usable, else a message saying how to install one."""
    return _probe()


@lru_cache(maxsize=1)
def _has_osd() -> bool:
    import pytesseract

    try:
        return "osd" in pytesseract.get_languages(config="")
    except Exception:
        return False


def _tesseract() -> ModuleType:
    problem = ocr_available()
    if problem:
        raise RuntimeError(problem)
    os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by the tesseract subprocess
    import pytesseract

    return pytesseract


# ---------------------------------------------------------------- rendering

def render_page(pdf: str | Path | bytes, page_index: int, dpi: int = DEFAULT_DPI) -> Image.Image:
    """The page as displayed (``/Rotate`` applied), greyscale, at ``dpi``."""
    import pypdfium2 as pdfium

    src = pdf if isinstance(pdf, bytes) else str(pdf)
    doc = pdfium.PdfDocument(src)
    try:
        page = doc[page_index]
        try:
            bitmap = page.render(scale=dpi / 72.0, grayscale=True)
            img = bitmap.to_pil().convert("L")
        finally:
            page.close()
    finally:
        doc.close()
    return img


# ---------------------------------------------------------------- geometry

def _ink_points(img: Image.Image, max_side: int = 1200) -> tuple[np.ndarray, np.ndarray, float]:
    """Coordinates of dark pixels of a reduced copy, and the reduction factor."""
    scale = min(1.0, max_side / max(img.size))
    small = (img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))), Image.Resampling.BILINEAR)
             if scale < 1 else img)
    a = np.asarray(small, dtype=np.uint8)
    ink = a < _otsu(a)
    # drop solid areas (filled boxes, colour panels, photos): their edges are not text lines
    b = 8
    hb, wb = ink.shape[0] // b, ink.shape[1] // b
    if hb and wb:
        dense = ink[: hb * b, : wb * b].reshape(hb, b, wb, b).mean(axis=(1, 3)) > 0.45
        ink[: hb * b, : wb * b] &= ~np.repeat(np.repeat(dense, b, axis=0), b, axis=1)
    ys, xs = np.nonzero(ink)
    if len(xs) > 250_000:
        idx = np.random.default_rng(0).choice(len(xs), 250_000, replace=False)
        xs, ys = xs[idx], ys[idx]
    return xs.astype(np.float64), ys.astype(np.float64), scale


def _otsu(a: np.ndarray) -> float:
    hist = np.bincount(a.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 128.0
    levels = np.arange(256)
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * levels)
    mt = m0[-1]
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mt * w0 / total - m0) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = 0
    t = float(np.argmax(between))
    return min(max(t, 40.0), 215.0)


def estimate_skew(img: Image.Image, max_deg: float = MAX_SKEW_DEG) -> float:
    """Degrees to rotate the image anticlockwise (PIL's ``rotate`` sign) so its text lines are level.

    Projection-profile search: the angle at which the ink's row histogram is sharpest.
    """
    xs, ys, _ = _ink_points(img)
    if len(xs) < 200:
        return 0.0
    xs = xs - xs.mean()
    ys = ys - ys.mean()

    def sharpness(deg: float) -> float:
        t = math.radians(deg)
        # y of each ink point after rotating the image anticlockwise by ``deg`` (y down)
        yr = ys * math.cos(t) - xs * math.sin(t)
        h = np.bincount((yr - yr.min()).astype(np.int64))
        return float(np.dot(h, h))

    best = max(np.arange(-max_deg, max_deg + 1e-9, 0.25), key=sharpness)
    best = max(np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05), key=sharpness)
    return float(round(best, 2))


def _orientation_turns(img: Image.Image) -> int | None:
    """Quarter turns of the text baseline on the page (0 upright, 1 reads top to bottom, ...).

    Same convention as ``extract.layout._direction``. Tesseract OSD on a reduced copy;
    None when OSD is missing or unsure.
    """
    if not _has_osd():
        return None
    pytesseract = _tesseract()
    scale = min(1.0, 1600 / max(img.size))
    small = (img.resize((int(img.width * scale), int(img.height * scale)), Image.Resampling.BILINEAR)
             if scale < 1 else img)
    try:
        osd = pytesseract.image_to_osd(small, config="--psm 0 -c min_characters_to_try=20",
                                       output_type=pytesseract.Output.DICT, timeout=60)
    except Exception:
        return None  # too few characters, or OSD failed
    if float(osd.get("orientation_conf", 0)) < 1.5:
        return None
    # "rotate" is how far to turn the image clockwise to make it upright.
    return {0: 0, 90: 3, 180: 2, 270: 1}.get(int(osd.get("rotate", 0)) % 360)


# Turning a page into its reading frame, same as layout._rotate_box.
_TO_FRAME = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180, 3: Image.Transpose.ROTATE_270}


def _frame_to_page(box: tuple[float, ...], turns: int, w: float, h: float) -> tuple[float, ...]:
    """Inverse of ``layout._rotate_box``: a reading-frame box back onto the page (w x h)."""
    x0, top, x1, bottom = box
    if turns == 0:
        return box
    if turns == 1:
        return (w - bottom, x0, w - top, x1)
    if turns == 3:
        return (top, h - x1, bottom, h - x0)
    return (w - x1, h - bottom, w - x0, h - top)


def _unrotate_box(box: tuple[float, ...], deg: float, cx: float, cy: float) -> tuple[float, ...]:
    """A box found in an image rotated anticlockwise by ``deg`` about (cx, cy), in the unrotated image."""
    if not deg:
        return box
    t = math.radians(deg)
    c, s = math.cos(t), math.sin(t)
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        dx, dy = x - cx, y - cy
        # PIL rotates anticlockwise on screen (y down): inverse is a clockwise turn.
        xs.append(cx + dx * c - dy * s)
        ys.append(cy + dx * s + dy * c)
    return (min(xs), min(ys), max(xs), max(ys))



def remove_rules(img: Image.Image, dpi: int) -> Image.Image:
    """Whiten long horizontal and vertical rules (panel bars, hairlines, box sides).

    Tesseract reads a thick bar as a line of junk characters and can swallow the heading
    above it; text strokes are never this long, so runs of ink longer than ~0.35 inch go.
    """
    a = np.asarray(img, dtype=np.uint8)
    ink = a < _otsu(a)
    run = max(20, int(0.35 * dpi))
    mask = _long_runs(ink, run, axis=1) | _long_runs(ink, run, axis=0)
    if not mask.any():
        return img
    grown = mask.copy()
    for d in (1, 2):  # also the grey anti-aliased / JPEG-ringing edge of each rule
        grown[d:, :] |= mask[:-d, :]
        grown[:-d, :] |= mask[d:, :]
        grown[:, d:] |= mask[:, :-d]
        grown[:, :-d] |= mask[:, d:]
    out = a.copy()
    out[grown] = 255
    return Image.fromarray(out, "L")


def _long_runs(ink: np.ndarray, run: int, axis: int) -> np.ndarray:
    """Pixels lying in a window of ``run`` pixels along ``axis`` that is >= 95% ink."""
    x = ink if axis == 1 else ink.T
    h, w = x.shape
    if w < run:
        return np.zeros_like(ink)
    c = np.zeros((h, w + 1), dtype=np.int32)
    np.cumsum(x, axis=1, out=c[:, 1:])
    full = (c[:, run:] - c[:, :-run]) >= int(0.95 * run)          # window starting at j
    f = np.zeros((h, w + 1), dtype=np.int32)
    np.cumsum(np.pad(full, ((0, 0), (0, run - 1))), axis=1, out=f[:, 1:])
    # pixel x is covered when some window start j in [x-run+1, x] is full
    covered = np.zeros((h, w), dtype=bool)
    idx = np.arange(w)
    lo = np.maximum(idx - run + 1, 0)
    covered[:, :] = (f[:, idx + 1] - f[:, lo]) > 0
    return covered if axis == 1 else covered.T


# Common Tesseract confusions in the amount column, fixed only next to a number.
_NUM_TOKEN = re.compile(r"^[(<]?\d[\d,]*(?:\.\d+)?$")
_NUM_UNIT = re.compile(r"^(?P<num>[(<]?\d[\d,]*(?:\.\d+)?)(?P<unit>[A-Za-zµμ|.]+)(?P<tail>[)†‡*,]*)$")
_UNIT_FIXES = [
    (re.compile(r"^(?:m|rn|in|ni|n)[ceoa][gq]$"), "mcg"),       # meg, mcq, rncg, mog
    (re.compile(r"^(?:y|p|µ|μ|H|j|ju|jy|yu|Lu|lu|Iu|pu|tu|Tu|t|i|w|W|1|l|I|U|11|Il|lI)g$"), "µg"),  # yg, Ug, 11g
    (re.compile(r"^[|1lIL!\]\[]U$"), "IU"),                      # |U, 1U, lU, LU
    (re.compile(r"^[|1lIL!\]\[]\.\s?U\.?$"), "I.U."),            # |.U., 1.U., L.U.
    (re.compile(r"^(?:rn|m)[gq]$"), "mg"),                        # rng, mq
]
_GLUED_IU = re.compile(r"^(?P<num>\d[\d,]*)[1|lI!]\.\s?U\.?(?P<tail>[)†‡*,]*)$")
# "20,0001U": "20,000 IU" with the space lost and the I read as a 1 (a lone "U" is no unit)
_GLUED_IU_BARE = re.compile(r"^(?P<num>[(<]?\d[\d,.]*?)[1|lI!]U(?P<tail>[)†‡*,]*)$")
_GLUED_PERCENT = re.compile(r"^(?P<pct>\d[\d,.]*%[*†‡]*)(?P<rest>\d.*)$")
# "2GUMMIES", "4Softgels": a count glued to the word after it (tight spacing in a column title)
_GLUED_COUNT = re.compile(r"^(?P<num>\d{1,2})(?P<word>[A-Za-z]{4,}[.,:)]?)$")
_TAIL = re.compile(r"^(?P<core>.*?)(?P<tail>[)†‡*,]*)$")
# "—:1,000%", "MCG._-—«500%": a %DV with the dashes, dots and column rule OCR saw before it, or
# glued to the unit before it
_JUNK_PERCENT = re.compile(r"^(?P<pre>[A-Za-zµμ]*\)?)[—–\-:;._«»~=|]+(?P<pct>\d[\d,.]*%[*†‡]*)$")
# "135 )g180%": a µg read as a bracket or a dot before the g, glued to the %NRV after it
_GLUED_UG_PERCENT = re.compile(r"^(?:[)\]|1lI.]|[1l]\.)g(?P<pct>\d[\d,.]*%[*†‡]*)$")
# "500%PREGNANT": a %DV glued to text set just beside the panel
_PERCENT_WORD = re.compile(r"^(?P<pct>\d[\d,.]*%[*†‡]*)(?P<word>[A-Za-z]{3,}.*)$")
# "133%”": a footnote mark read as a quote
_QUOTED_PERCENT = re.compile(r"^(?P<pct>\d[\d,.]*%[*†‡]*)[\u201c\u201d\u2018\u2019\"'`]+$")


def _fix_unit(core: str) -> str:
    for pat, good in _UNIT_FIXES:
        if pat.match(core):
            return good
    return core


def _fix_number(t: str) -> str:
    """``5,0O0`` -> ``5,000``: letters that look like digits inside a number."""
    if re.fullmatch(r"[(<]?[\dOolI|,.]*\d[\dOolI|,.]*%?[)]?", t) and sum(ch.isdigit() for ch in t) * 2 >= \
            sum(ch.isalnum() or ch == "|" for ch in t):
        return t.translate(str.maketrans("OolI|", "00111"))
    return t


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Words of nutrient names and forms (warehouse/nutrients.toml) and common label words."""
    words = {"supplement", "facts", "serving", "servings", "size", "container", "amount", "daily", "value",
             "calcium", "magnesium", "vitamin", "elemental", "providing", "softgel", "softgels", "capsule",
             "capsules", "tablet", "tablets", "gummy", "gummies", "glycinate", "citrate", "chelate", "oxide",
             "malate", "taurate", "bisglycinate", "carbonate", "lanolin", "lichen", "palmitate", "acetate",
             "retinyl", "directions", "suggested", "ingredients", "other", "meal", "take", "adults"}
    toml = Path(__file__).resolve().parents[1] / "warehouse" / "nutrients.toml"
    with contextlib.suppress(OSError):
        words |= {w for w in re.findall(r"[a-z]{3,}", toml.read_text(encoding="utf-8").lower())}
    return frozenset(words)


_LOOKALIKE = {"i": "l", "l": "i", "!": "l", "|": "l", "1": "l", "I": "l"}
_WORD = re.compile(r"^(?P<pre>[(\[]*)(?P<core>[A-Za-z!|1]{3,}[A-Za-z!|1-]*?)(?P<post>[)\],.;:*†]*)$")


def _fix_word(t: str) -> str:
    """``ergocaiciferol`` -> ``ergocalciferol``, ``retiny!`` -> ``retinyl``: one l/i lookalike, vocabulary-checked."""
    m = _WORD.match(t)
    if not m:
        return t
    core = m.group("core")
    vocab = _vocabulary()
    if core.lower() in vocab or not any(ch.isalpha() for ch in core):
        return t
    hits = set()
    for i, ch in enumerate(core):
        rep = _LOOKALIKE.get(ch)
        if rep is None:
            continue
        cand = core[:i] + (rep.upper() if ch.isupper() and i == 0 else rep) + core[i + 1:]
        if cand.lower() in vocab:
            hits.add(cand)
    if len(hits) != 1:
        return t
    return m.group("pre") + hits.pop() + m.group("post")


def fix_tokens(texts: list[str]) -> list[str]:
    """Repair OCR misreadings of numbers and units ("125 meg (5,000 |U)" -> "125 mcg (5,000 IU)")."""
    out: list[str] = []
    for t in texts:
        t = _fix_word(_fix_number(t))
        m0 = _GLUED_IU.match(t)
        if m0:  # "20001.U." is "2000 I.U." with the space lost
            t = m0.group("num") + " I.U." + m0.group("tail")
        m1 = _GLUED_IU_BARE.match(t) if m0 is None else None
        if m1 and any(ch.isdigit() for ch in m1.group("num")):
            t = m1.group("num") + " IU" + m1.group("tail")
        t = _QUOTED_PERCENT.sub(r"\g<pct>", t)
        m6 = _GLUED_UG_PERCENT.match(t)
        if m6 and out and _NUM_TOKEN.match(out[-1]):
            t = "µg " + m6.group("pct")
        t = _PERCENT_WORD.sub(r"\g<pct> \g<word>", t)
        m5 = _JUNK_PERCENT.match(t)
        if m5:
            t = (m5.group("pre") + " " if m5.group("pre") else "") + m5.group("pct")
        m4 = _GLUED_PERCENT.match(t)
        if m4:  # "1000%*100": a %DV and the next column's figure with the space lost
            t = m4.group("pct") + " " + m4.group("rest")
        m3 = _GLUED_COUNT.match(t)
        if m3 and _fix_unit(m3.group("word").rstrip(".,:)")) == m3.group("word").rstrip(".,:)"):
            t = m3.group("num") + " " + m3.group("word")
        if t in ("|", "!", "||") and out and (_NUM_TOKEN.match(out[-1]) or _fix_unit(out[-1]) != out[-1]
                                             or re.search(r"(?i)(?:mcg|mg|µg|ug|iu|i\.u\.|rae|%)[)*†]*$", out[-1])):
            t = ""  # a column rule beside a figure, read as a bar: no part of the row's text
        elif out and _NUM_TOKEN.match(out[-1]):
            m2 = _TAIL.match(t)
            assert m2 is not None  # the pattern matches any one-line token
            t = _fix_unit(m2.group("core")) + m2.group("tail")
        else:
            m = _NUM_UNIT.match(t)
            if m:
                t = m.group("num") + _fix_unit(m.group("unit")) + m.group("tail")
        out.append(t)
    return out


@lru_cache(maxsize=1)
def _heading_words() -> frozenset[str]:
    """The words of every panel heading (extract/vocab.toml), folded, five letters or more."""
    from extract import vocab

    d = vocab.data()
    words = set()
    for group in ("headings", "weak_headings"):
        for phrases in d[group].values():
            for phrase in phrases:
                for w in re.split(r"[\s\-\u2010\u2011/]+", phrase):
                    f = vocab.fold(w.casefold())
                    if len(f) >= 5 and f.isalpha():
                        words.add(f)
    return frozenset(words)


def _as_heading_word(text: str, joined: bool) -> str | None:
    """``text`` as the heading word it is, or is one misread letter from ("FACIS" -> "FACTS");
    None when it is neither. A heading decides whether a label is read at all, and large
    letter-spaced heading type is where OCR splits words and swaps a letter."""
    from extract import vocab

    f = vocab.fold(text.casefold())
    if len(f) < 5:
        return None
    words = _heading_words()
    if f in words:
        return text if joined else None
    if sum(ch.isalpha() for ch in text) < len(text) - 1:
        return None
    # one misread letter in a short word, two in a long one ("SUPPI.FMENT")
    most = 1 if len(f) < 8 else 2 if len(f) < 10 else 3
    # a short word only by a swapped letter: "Value" is not "Values"
    best = sorted((_edits(w, f, most), w) for w in words
                  if abs(len(w) - len(f)) <= (most if len(f) >= 8 else 0))
    if not best or best[0][0] > most or (len(best) > 1 and best[1][0] == best[0][0]):
        return None
    w = best[0][1]
    return w.upper() if text.isupper() else (w.capitalize() if text[:1].isupper() else w)


def _edits(a: str, b: str, most: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``most + 1`` once it is sure to exceed ``most``."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > most:
            return most + 1
        prev = cur
    return prev[-1]


def join_heading_words(texts: list[str]) -> list[tuple[str, int, int]]:
    """Tokens of one OCR line with a heading word put back together: "S U P PLE M E NT FACIS"
    -> "SUPPLEMENT FACTS". Each result is (text, first token, last token)."""
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < len(texts):
        best: tuple[int, str] | None = None
        joined = ""
        for j in range(i, min(len(texts), i + 12)):
            piece = texts[j]
            if not piece or not (piece.isalpha() or (j == i and len(piece) > 4
                                                     and sum(not ch.isalpha() for ch in piece) <= 1)):
                break
            joined += piece
            if len(joined) > 16:
                break
            fixed = _as_heading_word(joined, j > i)
            if fixed:
                best = (j, fixed)
        if best:
            out.append((best[1], i, best[0]))
            i = best[0] + 1
        else:
            out.append((texts[i], i, i))
            i += 1
    return out


# ---------------------------------------------------------------- OCR

@dataclass
class OcrPage:
    words: list[Word]
    turns: int            # quarter turns of the text on the page (layout convention)
    skew_deg: float       # the deskew applied (degrees, anticlockwise)
    width: float          # reading-frame size in points (page size, swapped for 1 and 3 turns)
    height: float


# A word as Tesseract read it: (text, confidence 0..1, pixel box, its line box's height in ems).
_OcrWord = tuple[str, float, tuple[int, int, int, int], float]


def _read(frame: Image.Image, dpi: int, psm: int = 3) -> list[_OcrWord]:
    """Tesseract words of an upright, deskewed image: (text, confidence 0..1, pixel box, the line
    box's height in ems).

    Every word's box spans its OCR line vertically (a line shares one top and bottom)."""
    pytesseract = _tesseract()
    data = pytesseract.image_to_data(
        remove_rules(frame, dpi), lang="eng", config=f"--oem 1 --psm {psm} --dpi {int(dpi)}",
        output_type=pytesseract.Output.DICT, timeout=120,
    )
    n = len(data["text"])
    line_box: dict[tuple, tuple[int, int]] = {}
    line_words: dict[tuple, list[int]] = {}
    for i in range(n):
        key = (data["page_num"][i], data["block_num"][i], data["par_num"][i], data["line_num"][i])
        level = int(data["level"][i])
        if level == 4:
            line_box[key] = (int(data["top"][i]), int(data["top"][i]) + int(data["height"][i]))
        elif level == 5 and str(data["text"][i]).strip() and float(data["conf"][i]) >= 0:
            line_words.setdefault(key, []).append(i)
    out = []
    segments: list[tuple[tuple[int, int], list[int]]] = []
    raw = {i: str(data["text"][i]).strip() for idx in line_words.values() for i in idx}
    for key, idx in line_words.items():
        parts = _split_at_gaps(idx, data, line_box.get(key))
        for part in parts:
            # A line split at a column gap gets the box of its own words: text set beside the
            # panel is another line, as in a text layer, not the tail of the row it lines up with.
            own = (min(int(data["top"][i]) for i in part),
                   max(int(data["top"][i]) + int(data["height"][i]) for i in part))
            segments.append((line_box.get(key) or own if len(parts) == 1 else own, part))
    segments = _visual_rows(segments, data)
    rows: dict[tuple[int, int], list[int]] = {}
    for lbox, idx in segments:
        rows.setdefault(lbox, []).extend(idx)
    for idx in rows.values():
        # Across the whole printed row: a dagger in the %DV column can stand in a block of its own.
        order = sorted(idx, key=lambda i: int(data["left"][i]))
        for i, (text, _a, _b) in zip(order, attach_marks([(raw[i], 0, 0) for i in order]), strict=True):
            raw[i] = text
    for lbox, idx in segments:
        joined = join_heading_words([raw[i] for i in idx])
        texts = fix_tokens([t for t, _a, _b in joined])
        for text, (_t, a, b) in zip(texts, joined, strict=True):
            span = idx[a:b + 1]
            conf = max(0.0, min(1.0, min(float(data["conf"][i]) for i in span) / 100.0))
            if (conf < MIN_WORD_CONF and not any(ch.isalnum() for ch in text)) or text in ("|", "||"):
                continue  # speckle, or a column rule read as a bar (no label prints one as text)
            left = min(int(data["left"][i]) for i in span)
            right = max(int(data["left"][i]) + int(data["width"][i]) for i in span)
            top = min(int(data["top"][i]) for i in span)
            bottom = max(int(data["top"][i]) + int(data["height"][i]) for i in span)
            ltop, lbot = lbox or (top, bottom)
            em = _em_factor(" ".join(texts))
            # A repair that put a space back ("20,0001U" -> "20,000 IU") gives words, as a text
            # layer has them: the table reader places figures and units by their own boxes.
            pieces = text.split(" ")
            step = (right - left) / max(1, len(text))
            x = float(left)
            for piece in pieces:
                if not piece:
                    continue
                x1 = right if piece is pieces[-1] else x + step * len(piece)
                out.append((piece, conf, (round(x), min(ltop, top), round(x1), max(lbot, bottom)), em))
                x = x1 + step
    return out


COLUMN_GAP = 2.5  # line heights of blank between two words that stand in different columns
SAME_ROW = 0.3      # centres this many line heights apart, or closer, stand on one printed row
SAME_SIZE = 1.4     # line boxes of one type size differ by descenders at most (0.93 vs 0.72 em: 1.3)


def _visual_rows(segments: list[tuple[tuple[int, int], list[int]]],
                 data: dict) -> list[tuple[tuple[int, int], list[int]]]:
    """OCR line pieces that stand on one printed row given one shared top and bottom.

    Tesseract reads a panel's name column and each amount column as blocks of their own, and
    each block's line box has its own height (descenders, a taller digit), so the pieces of one
    printed row come out a few pixels apart, enough for the table reader to take the amounts for
    a row of their own. A text layer's words of one row share one top and bottom; this makes
    OCR's do the same. Pieces whose centres are a third of a line apart stay apart: an amount
    set midway beside a name wrapped onto two lines is not on either line."""
    def span(k: int) -> tuple[int, int]:
        part = segments[k][1]
        return (min(int(data["left"][i]) for i in part),
                max(int(data["left"][i]) + int(data["width"][i]) for i in part))

    spans = [span(k) for k in range(len(segments))]
    order = sorted(range(len(segments)), key=lambda k: sum(segments[k][0]) / 2)
    groups: list[list[int]] = []
    for k in order:
        top, bottom = segments[k][0]
        mid, height = (top + bottom) / 2, max(1, bottom - top)
        x0, x1 = spans[k]
        for g in reversed(groups[-8:]):
            if any(x0 < spans[j][1] and spans[j][0] < x1 for j in g):
                continue  # a piece above or below in the same column: another row
            # Compared with the nearest piece of the row, not the row's average: a photo's row
            # that still slopes a little lines up piece by piece.
            near = min(g, key=lambda j: max(spans[j][0] - x1, x0 - spans[j][1]))
            ntop, nbot = segments[near][0]
            nheight = max(1, nbot - ntop)
            # and of one type size: a heading level with text set beside the panel keeps its own line
            if abs(mid - (ntop + nbot) / 2) <= SAME_ROW * min(height, nheight) and \
                    max(height, nheight) <= SAME_SIZE * min(height, nheight):
                g.append(k)
                break
        else:
            groups.append([k])
    out = list(segments)
    for g in groups:
        if len(g) > 1:
            box = (min(segments[j][0][0] for j in g), max(segments[j][0][1] for j in g))
            for j in g:
                out[j] = (box, segments[j][1])
    return out


def _split_at_gaps(idx: list[int], data: dict, box: tuple[int, int] | None) -> list[list[int]]:
    """The words of one OCR line, split where a gap wider than COLUMN_GAP line heights opens."""
    if len(idx) < 2:
        return [idx]
    height = (box[1] - box[0]) if box else max(int(data["height"][i]) for i in idx)
    order = sorted(idx, key=lambda i: int(data["left"][i]))
    parts = [[order[0]]]
    for prev, i in itertools.pairwise(order):
        gap = int(data["left"][i]) - (int(data["left"][prev]) + int(data["width"][prev]))
        if gap > COLUMN_GAP * max(1, height):
            parts.append([i])
        else:
            parts[-1].append(i)
    return parts


_MARK_MISREADS = {"T", "t", "+", "f", "}", "{", "¢", "$", "Tt", "tT", "tt", "st", "ft", "|+", "+|", "t|"}
_UNIT_BEFORE_MARK = re.compile(r"(?i)^\(?\d*[\d,.]*(?:mcg|mg|µg|ug|iu|i\.u\.|g|kcal|kj|rae|dfe|ne|alpha-te)\)?$|%$")


def attach_marks(tokens: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """A footnote dagger OCR read as a letter ("90 MCG T 180 MCG T": "†" in the %DV column, "Daily
    Value not established") back to the dagger, as a text layer has it: a lone "T" after an
    amount otherwise reads as a word of the row's name."""
    out: list[tuple[str, int, int]] = []
    for k, (text, a, b) in enumerate(tokens):
        nxt = tokens[k + 1][0] if k + 1 < len(tokens) else ""
        # a lone 7 is a dagger too, where no unit follows to make it a figure ("(50 mcg) 7 cholecalciferol)")
        mark = text in _MARK_MISREADS or (text == "7" and not re.match(r"(?i)(?:mcg|mg|µg|ug|iu|i\.u\.|g)\b", nxt)
                                          and _fix_unit(nxt) == nxt)
        # the unit before it as it will read once repaired ("25 yg ¢" is "25 µg †")
        if out and mark and _UNIT_BEFORE_MARK.search(fix_tokens([t for t, _a, _b in out[-2:]])[-1].rstrip("†*")):
            text = "†"
        out.append((text, a, b))
    return out


def _em_factor(line_text: str) -> float:
    """A line box's height as a fraction of the font size (Helvetica-like proportions).

    Descenders (g, p, y, parentheses) reach ~0.93 em; capitals, digits and ascenders ~0.72;
    x-height letters alone ~0.52. Dividing by it gives sizes comparable to a text layer's, so
    "Bluestem Wellness" (13 pt, no descender) still outranks "Vitamin D3 - 180 Softgels" (9.5 pt).
    """
    if re.search(r"[gjpqy()\[\]{},;]", line_text):
        return 0.93
    if re.search(r"[A-Z0-9bdfhklt!?%/&|]", line_text):
        return 0.72
    return 0.52


def _quality(raw: list[_OcrWord]) -> tuple[float, float]:
    """(characters in confident words, their share of all characters read).

    Upside-down or sideways text reads as low-confidence junk."""
    good = sum(len(r[0]) for r in raw if r[1] >= 0.8 and any(ch.isalnum() for ch in r[0]))
    total = sum(len(r[0]) for r in raw)
    return float(good), good / total if total else 0.0


def _pass(img: Image.Image, dpi: int, turns: int, deskew: bool,
          psm: int = 3) -> tuple[list[_OcrWord], float, float, float]:
    frame = img.transpose(_TO_FRAME[turns]) if turns else img
    skew = estimate_skew(frame) if deskew else 0.0
    if abs(skew) < 0.1:
        skew = 0.0
    else:
        frame = frame.rotate(skew, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    return _read(frame, dpi, psm), skew, frame.width / 2.0, frame.height / 2.0


def ocr_image(img: Image.Image, dpi: int, page_width: float | None = None, page_height: float | None = None,
              detect_orientation: bool = True, deskew: bool = True, psm: int = 3) -> OcrPage:
    """OCR a page image (as displayed) rendered at ``dpi`` into reading-frame words.

    Orientation costs nothing for upright pages: OSD runs only when the upright reading finds
    little confident text (a page turned a quarter or upside down). ``psm``: Tesseract's page
    segmentation mode (3, automatic; 6, one block, which keeps a narrow last column that 3 can drop).
    """
    k = 72.0 / dpi
    pw = page_width if page_width is not None else img.width * k
    ph = page_height if page_height is not None else img.height * k
    turns = 0
    raw, skew, cx, cy = _pass(img, dpi, 0, deskew, psm)
    good, share = _quality(raw)
    long_words = [r[2] for r in raw if len(r[0]) >= 3]
    # Tesseract reads a quarter-turned page as vertical text: tall word boxes
    tall = sum(1 for b in long_words if b[3] - b[1] > b[2] - b[0]) / len(long_words) if long_words else 0.0
    if tall > 0.5:
        good, share = 0.0, 0.0
    if detect_orientation and (share < GOOD_READING or good < 40):
        # Not an upright reading: ask OSD, else try the other quarter turns; keep the best.
        osd = _orientation_turns(img)
        tries = [osd] if osd not in (None, 0) else [1, 3, 2]
        for t in tries:
            alt = _pass(img, dpi, t, deskew, psm)
            q = _quality(alt[0])
            if q[0] > good:
                turns, (raw, skew, cx, cy), good, share = t, alt, q[0], q[1]
            if share >= GOOD_READING:
                break
    fw, fh = (ph, pw) if turns in (1, 3) else (pw, ph)
    words: list[Word] = []
    for text, conf, (x0, top, x1, bottom), em in raw:
        # orig: undo the deskew (pixels), then the quarter turns (points)
        ub = _unrotate_box((x0, top, x1, bottom), skew, cx, cy)
        pb = _frame_to_page(tuple(v * k for v in ub), turns, pw, ph)
        pb = (max(0.0, pb[0]), max(0.0, pb[1]), min(pw, pb[2]), min(ph, pb[3]))
        words.append(Word(
            text=text, x0=x0 * k, top=top * k, x1=x1 * k, bottom=bottom * k,
            size=round((bottom - top) * k / em, 1), bold=False, orig=pb, confidence=round(conf, 3),
        ))
    words.sort(key=lambda w: (round(w.top), w.x0))
    return OcrPage(words=words, turns=turns, skew_deg=skew, width=fw, height=fh)


MAX_RENDER_PIXELS = 40_000_000  # a 300 dpi letter page is 8.4 MP; a poster-sized page is rendered coarser


def ocr_page(pdf_path_or_bytes: str | Path | bytes, page_index: int, page_width: float, page_height: float,
             dpi: int = DEFAULT_DPI) -> OcrPage:
    """Render one page (0-based ``page_index``) and OCR it: words plus the frame they are in."""
    area_in2 = max(1.0, page_width * page_height / (72.0 * 72.0))
    dpi = int(min(dpi, (MAX_RENDER_PIXELS / area_in2) ** 0.5))
    img = render_page(pdf_path_or_bytes, page_index, dpi)
    return ocr_image(img, dpi, page_width, page_height)


def ocr_page_words(pdf_path_or_bytes: str | Path | bytes, page_index: int, page_width: float, page_height: float,
                   dpi: int = DEFAULT_DPI) -> list[Word]:
    """Words of one page by OCR, in pdfplumber page points (see module doc for the frame)."""
    return ocr_page(pdf_path_or_bytes, page_index, page_width, page_height, dpi).words
