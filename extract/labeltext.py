"""Text around a panel: directions (brand and product name: extract/identity.py)."""
from __future__ import annotations

import re

from extract.identity import find_identity  # noqa: F401 - brand and name live in extract/identity.py
from extract.layout import Line
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
