"""Characters to words to lines, in the page's reading orientation.

pdfplumber reports glyph boxes in display space (``/Rotate`` already applied), but a
label drawn sideways with a rotated text matrix still reads top-to-bottom there.
We rotate every glyph box into a frame where the dominant text direction runs left to
right, group words and lines in that frame, and keep each word's original box so
evidence crops land on the real page.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from pdfplumber.utils.text import WordExtractor


@dataclass
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    bold: bool
    orig: tuple[float, float, float, float]  # box in pdfplumber page axes
    confidence: float = 1.0  # the reader's confidence in the word (0..1): 1 for a text layer, OCR's own score otherwise


@dataclass
class Line:
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def size(self) -> float:
        return max(w.size for w in self.words)

    def orig_bbox(self) -> tuple[float, float, float, float]:
        return union(w.orig for w in self.words)


def union(boxes: Iterable[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    bs = list(boxes)
    return (
        min(b[0] for b in bs),
        min(b[1] for b in bs),
        max(b[2] for b in bs),
        max(b[3] for b in bs),
    )


def _direction(matrix: Sequence[float]) -> int:
    """Quarter turns of the glyph's baseline in display space (0 = left to right)."""
    a, b = matrix[0], matrix[1]
    # PDF y grows upwards, display y downwards: flip b.
    angle = math.degrees(math.atan2(-b, a))
    return round(angle / 90.0) % 4


def _rotate_box(box: tuple[float, float, float, float], turns: int, w: float,
                h: float) -> tuple[float, float, float, float]:
    x0, top, x1, bottom = box
    if turns == 0:
        return box
    if turns == 1:  # baseline points down the page: turn the page anticlockwise
        return (top, w - x1, bottom, w - x0)
    if turns == 3:  # baseline points up the page
        return (h - bottom, x0, h - top, x1)
    return (w - x1, h - bottom, w - x0, h - top)


def page_words(chars: list[dict[str, Any]], width: float, height: float) -> tuple[list[Word], int]:
    """Words of the page's dominant orientation, in a frame where they read left to right."""
    chars = [c for c in chars if c.get("text", "").strip()]
    if not chars:
        return [], 0
    dirs = [_direction(c["matrix"]) for c in chars]
    turns = Counter(dirs).most_common(1)[0][0]
    frame: list[dict[str, Any]] = []
    for c, d in zip(chars, dirs, strict=True):
        if d != turns:
            continue
        x0, top, x1, bottom = _rotate_box((c["x0"], c["top"], c["x1"], c["bottom"]), turns, width, height)
        frame.append(
            {
                "text": c["text"],
                "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
                "upright": True,
                "size": round(bottom - top, 1),
                "bold": "bold" in str(c.get("fontname", "")).lower() or "black" in str(c.get("fontname", "")).lower(),
                "orig": (c["x0"], c["top"], c["x1"], c["bottom"]),
            }
        )
    # Sort into reading order so the extractor builds words along lines, whatever order
    # the content stream drew them in.
    extractor = WordExtractor(x_tolerance=1.5, y_tolerance=2.5, use_text_flow=False)
    words: list[Word] = []
    for _, wchars in (t for base in _baselines(frame) for t in extractor.iter_extract_tuples(base)):
        for part in (p for g in _split_tight_words(wchars) for p in _split_after_percent(g)):
            words.append(
                Word(
                    text="".join(c["text"] for c in part),
                    x0=min(c["x0"] for c in part), top=min(c["top"] for c in part),
                    x1=max(c["x1"] for c in part), bottom=max(c["bottom"] for c in part),
                    size=max(c["size"] for c in part),
                    bold=sum(c["bold"] for c in part) * 2 > len(part),
                    orig=union(c["orig"] for c in part),
                )
            )
    return merge_spaced(words), turns


def _baselines(frame: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Glyphs grouped by baseline, each group in reading order.

    pdfplumber clusters glyph tops with a chained tolerance, so a name wrapped over two lines with
    its amount set between them (vertically centred) chains into one line and the glyphs of two
    lines interleave into one word. A baseline is a glyph's bottom: glyphs of one size on one
    baseline share it exactly, so lines are grouped without chaining, within a fraction of the type
    size of the line's first glyph. Smaller glyphs (superscript marks) join the line they sit in."""
    if not frame:
        return []
    sizes = sorted(c["size"] for c in frame)
    body = sizes[len(sizes) // 2]
    big = sorted((c for c in frame if c["size"] >= 0.8 * body), key=lambda c: (c["bottom"], c["x0"]))
    small = [c for c in frame if c["size"] < 0.8 * body]
    lines: list[list[dict[str, Any]]] = []
    for c in big:
        tol = 0.3 * c["size"]
        for line in reversed(lines[-6:]):
            if abs(line[0]["bottom"] - c["bottom"]) <= max(tol, 0.3 * line[0]["size"]):
                line.append(c)
                break
        else:
            lines.append([c])
    for c in small:
        mid = (c["top"] + c["bottom"]) / 2
        near = [line for line in lines if line[0]["bottom"] - line[0]["size"] - 0.5 <= mid <= line[0]["bottom"] + 0.5
                and any(abs(o["x0"] - c["x1"]) < 2 * line[0]["size"] or abs(c["x0"] - o["x1"]) < 2 * line[0]["size"]
                        for o in line)]
        if near:
            near[0].append(c)
        else:
            lines.append([c])
    for line in lines:
        line.sort(key=lambda c: c["x0"])
    return lines


def _split_tight_words(wchars: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Words set with a tight letter-spacing, whose spaces are narrower than the extractor's fixed
    tolerance, arrive joined ("ServingSize:2VeggieCapsules"). Glyph boxes are advance widths, so
    within a word the gaps are the tracking, all alike; a gap wider than the word's usual one by a
    good part of a space is a space."""
    if len(wchars) < 4:
        return [wchars]
    gaps = [b["x0"] - a["x1"] for a, b in pairwise(wchars)]
    usual = sorted(gaps)[len(gaps) // 2]
    parts: list[list[dict[str, Any]]] = [[wchars[0]]]
    for gap, c in zip(gaps, wchars[1:], strict=True):
        if gap > usual + 0.12 * c["size"] and gap > usual + 0.5:
            parts.append([c])
        else:
            parts[-1].append(c)
    return parts


def _split_after_percent(wchars: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """A %DV set tight against the next column's figure ("625%250", "15%400 MG", "%DailyPer")
    arrives as one word; a percent sign ends a figure, so whatever follows it starts a new word."""
    parts: list[list[dict[str, Any]]] = [[]]
    after_percent = False
    text = "".join(c["text"] for c in wchars)
    # "IU6,250%", "mg†240": a unit or a footnote mark set tight against the next column's figure
    glued = _GLUED_FIGURE.match(text)
    cut = glued.end(1) if glued else -1
    for i, c in enumerate(wchars):
        if (after_percent and c["text"] not in ")*†‡§¶,.;:") or i == cut:
            parts.append([])
        parts[-1].append(c)
        after_percent = c["text"] == "%" or (after_percent and c["text"] in "*†‡§¶")
    return [p for p in parts if p]


# ... or a name's closing parenthesis against the amount ("cholecalciferol)4,000", the whole
# parenthesis one word: "(colecalciferol)0,3")
_GLUED_FIGURE = re.compile(r"^((?:mcg|µg|μg|ug|mg|g|i\.?u\.?|rae|dfe)?\)?[*†‡§¶]*|\(?[^\W\d_]{2,}\)[*†‡§¶¹²³]*)"
                           r"(?<=[a-zA-Z.)*†‡§¶¹²³])\d[\d,.]*(?:%|\s*$)", re.IGNORECASE)


def merge_spaced(words: list[Word]) -> list[Word]:
    """Join letter-spaced text ("E V E R G R E E N  V I TA L I T Y", drawn with a character
    spacing) back into words.

    A run of at least four words on one line, mostly single characters, set at a steady pitch, is
    one or more spaced-out words: glyphs closer than the run's letter gap plus half a space belong
    to one word. Ordinary short words ("1 to 4") are never runs: they are too few or too long."""
    if len(words) < 4:
        return words
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        if lines and abs(lines[-1][0].top - w.top) < max(1.0, 0.3 * w.size) and abs(lines[-1][0].size - w.size) < 0.5:
            lines[-1].append(w)
        else:
            lines.append([w])
    out: list[Word] = []
    changed = False
    for line in lines:
        line.sort(key=lambda w: w.x0)
        i = 0
        while i < len(line):
            j = i + 1
            space = 0.278 * line[i].size
            # up to three letters: kerning ("WA", "AT") can glue a spaced logo's letters in threes
            while j < len(line) and len(line[j].text) <= 3 and len(line[j - 1].text) <= 3 \
                    and 0 < line[j].x0 - line[j - 1].x1 < 1.2 * line[i].size:
                j += 1
            run = line[i:j]
            singles = sum(len(w.text) == 1 for w in run)
            if len(run) >= 3 and singles >= 0.7 * len(run):
                gaps = sorted(b.x0 - a.x1 for a, b in pairwise(run))
                letter = gaps[len(gaps) // 4]  # most gaps are letter gaps; word gaps are wider
                # short words in a title ("Vitamin D & K") are set a word space apart, no wider than the
                # space that parts them from a whole word beside them: that is no letter-spacing
                beside = ([(line[i - 1], run[0])] if i else []) + ([(run[-1], line[j])] if j < len(line) else [])
                if any(0 < b.x0 - a.x1 <= letter + 0.15 * space
                       for a, b in beside if max(len(a.text), len(b.text)) > 3):
                    out.extend(run)
                    i = j
                    continue
                if letter < space * 0.9 or gaps[-1] > letter + 0.6 * space:
                    cur = [run[0]]
                    for a, b in pairwise(run):
                        if b.x0 - a.x1 <= letter + 0.5 * space:
                            cur.append(b)
                        else:
                            out.append(_join(cur))
                            cur = [b]
                    out.append(_join(cur))
                    changed = True
                    i = j
                    continue
            out.extend(run)
            i = j
    return out if changed else words


def _join(ws: list[Word]) -> Word:
    if len(ws) == 1:
        return ws[0]
    return Word(
        text="".join(w.text for w in ws), x0=ws[0].x0, top=min(w.top for w in ws), x1=ws[-1].x1,
        bottom=max(w.bottom for w in ws), size=max(w.size for w in ws),
        bold=sum(w.bold for w in ws) * 2 > len(ws), orig=union(w.orig for w in ws),
        confidence=min(w.confidence for w in ws),
    )


def group_lines(words: list[Word], tolerance: float = 3.0) -> list[Line]:
    """Cluster words into lines by vertical overlap, then order each line left to right."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        mid = (w.top + w.bottom) / 2
        for line in reversed(lines[-4:]):
            ltop = min(x.top for x in line)
            lbot = max(x.bottom for x in line)
            if ltop - tolerance / 2 <= mid <= lbot + tolerance / 2 and abs(w.top - line[0].top) <= tolerance:
                line.append(w)
                break
        else:
            lines.append([w])
    out = [Line(sorted(group, key=lambda w: w.x0)) for group in lines]
    out.sort(key=lambda line: (line.top, line.x0))
    return out


def split_on_gaps(line: Line, gap: float) -> list[Line]:
    """Split a line where words stand further apart than ``gap`` (separate columns)."""
    parts: list[list[Word]] = [[line.words[0]]]
    for prev, w in pairwise(line.words):
        if w.x0 - prev.x1 > gap:
            parts.append([w])
        else:
            parts[-1].append(w)
    return [Line(p) for p in parts]
