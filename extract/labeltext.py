"""Text around a panel: directions, brand and product name."""
from __future__ import annotations

import re

from extract.layout import Line, split_on_gaps
from extract.panel import clean

DIRECTIONS_RE = re.compile(
    r"\b(?:suggested\s+use|suggested\s+usage|recommended\s+use|recommended\s+usage|recommended\s+(?:daily\s+)?dose(?:\s*/\s*dose\s+recommand\w*)?|"
    r"recommended\s+daily\s+(?:intake|portion)|"
    r"directions\s+for\s+use|directions|dosage|how\s+to\s+use|usage)\s*:\s*",
    re.IGNORECASE,
)
# Sentences that begin another section of the label, not the directions.
_STOP = re.compile(
    r"^(?:keep|caution|warning|warnings|not\s+intended|do\s+not(?!\s+(?:exceed|take\s+more))|store|storage|if\s+you|consult|other\s+ingredients|"
    r"ingredients|distributed|manufactured|made\s+in|questions|\*these|these\s+statements|this\s+product|contains|"
    r"allergen|free\s+of|sealed|supplement\s+facts|cautions?(?:\s+and\s+warnings)?|non[-\s]?medicinal|"
    r"dose\s+recommand\w*|mode\s+d.emploi|adultes|mises?\s+en\s+garde|ingr[ée]dients|food\s+supplements?|"
    r"nutrition(?:al)?\s+information|medicinal\s+ingredients)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!])\s+(?=[A-Z*†(])")
_COUNT_SUFFIX = re.compile(
    r"\s*[–—-]\s*\d[\d,]*\s+(?:veggie\s+|vegetarian\s+|liquid\s+)?(?:softgels?|capsules?|tablets?|gummies|caplets?|lozenges?|drops?|servings?)\b.*$",
    re.IGNORECASE,
)
_NOT_A_NAME = re.compile(
    r"supplement\s+facts|dietary\s+supplement|why\s+you|statements\s+have|^\d[\d,]*\s+\w+$|^page\s+\d|catalog|"
    r"www\.|\bsku\b|msrp|^[*†]",
    re.IGNORECASE,
)


def find_directions(lines: list[Line]) -> str | None:
    text = clean(" ".join(l.text for l in lines))
    m = DIRECTIONS_RE.search(text)
    if not m:
        return None
    rest = text[m.end():]
    kept: list[str] = []
    for sentence in _SENTENCE.split(rest):
        if kept and _STOP.match(sentence):
            break
        if DIRECTIONS_RE.match(sentence) and kept:
            break
        kept.append(sentence)
        if len(" ".join(kept)) > 400:
            break
    out = " ".join(kept).strip()
    return out or None


def find_identity(lines: list[Line], body_size: float) -> tuple[str | None, str | None]:
    """Brand and product name from the prominent lines near a panel."""
    # Text side by side in separate columns (a claim beside the brand) is not one line.
    lines = [part for l in lines for part in split_on_gaps(l, max(14.0, 2.5 * l.size))]
    cands = [l for l in lines if clean(l.text) and not _NOT_A_NAME.search(clean(l.text)) and len(clean(l.text)) < 70]
    if not cands:
        return None, None
    for l in cands:  # "Brand – Product" or "Brand • 60 Capsules" on catalog pages
        t = clean(l.text)
        if "•" in l.text or "(cid:127)" in l.text:
            head = re.split(r"\(cid:\d+\)|•", l.text)[0].strip()
            others = [c for c in cands if c is not l and c.size >= l.size and c.top < l.top]
            if head and others:
                name = max(others, key=lambda c: (c.size, c.top))
                return head, _strip_count(clean(name.text))
    for l in cands:  # "Vitamin D3 – 180 Softgels": the line that carries the count names the product
        t = clean(l.text)
        if _COUNT_SUFFIX.search(t) and _strip_count(t):
            others = [c for c in cands if c is not l and c.size >= body_size * 1.15 and not _COUNT_SUFFIX.search(clean(c.text))]
            brand = min(others, key=lambda c: abs(c.top - l.top)) if others else None
            return (_brand_case(clean(brand.text)) if brand else None), _strip_count(t)
    for l in sorted(cands, key=lambda c: -c.size)[:3]:
        t = clean(l.text)
        parts = re.split(r"\s+[–—]\s+", t)
        if len(parts) == 2 and not _COUNT_SUFFIX.match(" – " + parts[1]):
            return parts[0], _strip_count(parts[1])
    prominent = [l for l in cands if l.size >= body_size * 1.15] or cands
    name_line = max(prominent, key=lambda c: (c.size, -c.top))
    others = [l for l in prominent if l is not name_line]
    brand = None
    if others:
        near = min(others, key=lambda c: abs(c.top - name_line.top))
        brand = _brand_case(clean(near.text))
    return brand, _strip_count(clean(name_line.text))


def _strip_count(name: str) -> str:
    return _COUNT_SUFFIX.sub("", name).strip()


def _brand_case(text: str) -> str:
    if text.isupper() and len(text) > 3:
        return " ".join(w if w in {"&", "+"} else w.capitalize() for w in text.split())
    return text
