"""Text around a panel: directions (brand and product name: extract/identity.py)."""
from __future__ import annotations

import re
from itertools import pairwise
from typing import NamedTuple

from extract.identity import find_identity  # noqa: F401 - brand and name live in extract/identity.py
from extract.layout import Line, Word, group_lines, split_on_gaps
from extract.panel import clean

# The words a directions heading is made of, in the label languages.
_HEAD = (
    r"(?:suggested\s+use|suggested\s+usage|recommended\s+use|recommended\s+usage|"
    r"recommended\s+(?:daily\s+)?dose(?:\s*/\s*dose\s+recommand\w*)?|"
    r"(?:recommended|suggested)\s+(?:daily\s+)?(?:intake|portion|serving)|recommendations?|suggestions?\s+for\s+use|"
    r"serving\s+suggestions?|directions\s+(?:for|of)\s+use|directions|dosage\s+and\s+administration|dosage|"
    r"how\s+to\s+use|how\s+to\s+take|usage|(?:use\s+)?instructions\s+for\s+use|"
    # French, German, Italian, Spanish, Dutch
    r"conseils?\s+d['’]\s*utilisation|mode\s+d['’]\s*emploi|posologie|dose\s+(?:journali[èe]re\s+)?recommand[ée]e|"
    r"utilisation|verzehrempfehlung|einnahmeempfehlung|empfohlene\s+(?:tages)?dosis|"
    r"empfohlene\s+tages(?:verzehr)?menge|dosierung|anwendung|"
    r"modalit[àa]\s+d['’]\s*uso|modo\s+d['’]\s*uso|consigli\s+d['’]\s*uso|"
    r"dose\s+giornaliera\s+(?:consigliata|raccomandata)|"
    r"modo\s+de\s+(?:empleo|uso)|dosis\s+diaria\s+recomendada|posolog[íi]a|"
    r"gebruiksaanwijzing|gebruik|aanbevolen\s+(?:dagelijkse\s+)?dos(?:is|ering)|dosering)")
# Words that are a heading only where a sentence begins and a colon follows ("Use:", "Dose:"); set
# alone they title other things ("Ingredients per / Daily dose" over an EU panel's amounts).
_SHORT_HEAD = r"(?:^|(?<=[.!?|]\s))\s*(?:use|to\s+use|dose|dosis|uso|instructions|(?:adult|daily)\s+dose)"
# Who the directions are for, in brackets after the heading: "Recommended dose (adults):".
_QUALIFIER = r"(?:\s*\([^()]{0,50}\))?"
_SEP = r"\s*(?::|[-–—](?=\s))\s*"
# A heading with no colon, run into the directions' first words ("SUGGESTED USE Take one capsule").
_INTO = r"\s+(?=(?:take|chew|dissolve|swallow|mix|adults?|as\s+a\s+dietary)\b)"
DIRECTIONS_RE = re.compile(rf"(?:\b{_HEAD}{_QUALIFIER}(?:{_SEP}|{_INTO})|{_SHORT_HEAD}{_QUALIFIER}{_SEP})",
                           re.IGNORECASE)
# A directions heading set on a line of its own, with or without its colon ("SUGGESTED USE").
_HEADING_ALONE = re.compile(rf"^\s*(?:{_HEAD}{_QUALIFIER}\s*:?|{_SHORT_HEAD}{_QUALIFIER}\s*:)\s*$", re.IGNORECASE)
# A bilingual heading broken after its slash ("RECOMMENDED DOSE / DOSE" over "RECOMMANDÉE: Take ..."):
# read together with the line under it.
_HEADING_BROKEN = re.compile(rf"^\s*{_HEAD}\s*/[^:]*$", re.IGNORECASE)
# Sentences that begin another section of the label, not the directions.
_STOP = re.compile(
    r"^(?:keep|caution|warning|warnings|not\s+intended|do\s+not(?!\s+(?:exceed|take\s+more))|store|storage|if\s+you|consult|other\s+ingredients|"
    r"ingredients|distributed|manufactured|made\s+in|questions|\*these|these\s+statements|this\s+product|contains|"
    r"allergen|free\s+of|sealed|supplement\s+facts|cautions?(?:\s+and\s+warnings)?|non[-\s]?medicinal|"
    r"dose\s+recommand\w*|mode\s+d.emploi|adultes|mises?\s+en\s+garde|ingr[ée]dients|food\s+supplements?|"
    r"nutrition(?:al)?\s+information|medicinal\s+ingredients|"
    # the EU warnings, storage and ingredient lists that follow directions in their languages
    r"ne\s+pas\s+d[ée]passer\s+la|tenir\s+hors|conserver|compl[ée]ment\s+alimentaire|die\s+angegebene|"
    r"au(?:ß|ss)erhalb|zutaten|nahrungserg[äa]nzungsmittel|trocken|non\s+superare\s+la|tenere\s+fuori|ingredienti|"
    r"integratore|conservare|no\s+superar\s+la|mantener\s+fuera|ingredientes|complemento\s+alimenticio|"
    r"de\s+aanbevolen|buiten\s+bereik|ingredi[ëe]nten|voedingssupplement|bewaren)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!])\s+(?=[A-ZÀ-ÖØ-Ý*†(])")


def find_directions(lines: list[Line]) -> str | None:
    return directions_in(clean(" ".join(line.text for line in lines)))


def directions_in(text: str) -> str | None:
    """The directions that follow a directions heading in ``text``, up to the next section."""
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


Box = tuple[float, float, float, float]  # x0, top, x1, bottom in the page's reading frame


class Block(NamedTuple):
    """A directions paragraph: its text, its box, and whether a heading began it."""
    text: str
    box: Box
    headed: bool = True


# Directions printed with no heading: a sentence that starts by telling what to take and how many
# ("Take 1 softgel daily with a meal.", "Adults: chew two gummies daily.").
_HEADLESS = re.compile(
    r"^(?:as\s+a\s+(?:dietary|food)\s+supplement,?\s+)?"
    r"(?:(?:adults?|adultes?|erwachsene|adulti|adultos|volwassenen)\b[^:.]{0,40}?[:,]?\s+)?"
    r"(?:take|chew|dissolve|swallow|mix|place|consume|prendre|croquer|assumere|tomar|neem)\s+"
    r"(?:\d|[½¼]|(?:one|two|three|four|five|six|half|un|une|deux|uno|una|due|dos|een|twee)\b|an?\s)",
    re.IGNORECASE)


def directions_blocks(words: list[Word], headings: list[Box]) -> list[Block]:
    """Every directions paragraph on the page, wherever it stands (under, above or beside a panel),
    with its box. A paragraph is followed down its own column from its heading: text side by side
    with it (a panel, marketing copy, a neighbour's column) never joins it, and it stops at a gap,
    at a panel's heading, or (``directions_in``) at the next section. Then paragraphs with no
    heading that start by saying what to take ("Take 1 softgel daily."): a panel takes one of
    those only when no headed paragraph is its own."""
    # Panels side by side set the page's columns: a line never runs from one into the next.
    cuts = sorted({round(x0 - 6, 1) for x0, top, x1, bottom in headings
                   if any(abs(top - o[1]) < 60 and o[0] < x0 - 20 for o in headings)})
    columns: dict[int, list[Word]] = {}
    for w in words:
        columns.setdefault(sum(w.x0 >= c for c in cuts), []).append(w)
    segs = [part for col in columns.values() for line in group_lines(col)
            for part in split_on_gaps(line, max(14.0, 2.5 * line.size))]
    segs = _split_at_column_edges(segs)
    # A directions paragraph set close beside a panel shares its lines with the panel's last column
    # ("% RI*  OCHTENDS EN 1 CAPSULE"): where a heading starts a paragraph, that x is a column edge
    # too, so its continuation lines are cut there and followed.
    starts = [g.x0 for g in segs if DIRECTIONS_RE.search(clean(g.text)) or _HEADING_ALONE.match(clean(g.text))]
    if starts:
        segs = _split_at_column_edges(segs, starts)
    segs.sort(key=lambda g: (g.top, g.x0))
    texts = [clean(g.text) for g in segs]
    used: set[int] = set()
    blocks: list[Block] = []
    for i, text_i in enumerate(texts):
        alone = _HEADING_ALONE.match(text_i)
        broken = not alone and _HEADING_BROKEN.match(text_i)
        if i in used or not (alone or broken or DIRECTIONS_RE.search(text_i)):
            continue
        used.add(i)
        flow = _follow(i, segs, used, headings)
        head = text_i.rstrip(" :") + ": " if alone else text_i + " "
        text = directions_in(clean(head + " ".join(g.text for g in flow[1:])))
        if text:
            blocks.append(Block(text, _box(flow)))
    for i, text_i in enumerate(texts):
        if i in used or not _HEADLESS.match(text_i):
            continue
        used.add(i)
        flow = _follow(i, segs, used, headings)
        text = directions_in(clean("Directions: " + " ".join(g.text for g in flow)))
        if text:
            blocks.append(Block(text, _box(flow), headed=False))
    return blocks


def _follow(i: int, segs: list[Line], used: set[int], headings: list[Box]) -> list[Line]:
    """The lines of a paragraph that starts at ``segs[i]``, down its own column to a gap or a heading."""
    seg = segs[i]
    flow, last = [seg], seg
    while len(" ".join(g.text for g in flow)) < 600:
        below = [(j, g) for j, g in enumerate(segs) if j not in used and g.top > last.top + 0.5 * last.size
                 and g.x0 < last.x1 and g.x1 > last.x0 and g.x0 >= seg.x0 - 2 * seg.size]
        if not below:
            break
        j, nxt = min(below, key=lambda jg: jg[1].top)
        if nxt.top - last.bottom > 1.2 * max(last.size, nxt.size) or _on_heading(nxt, headings):
            break
        flow.append(nxt)
        used.add(j)
        last = nxt
    return flow


def _box(flow: list[Line]) -> Box:
    return min(g.x0 for g in flow), flow[0].top, max(g.x1 for g in flow), flow[-1].bottom


def _split_at_column_edges(segs: list[Line], given: list[float] | None = None) -> list[Line]:
    """Text set in columns with a narrow gutter: where three or more lines start at one x (or at a
    ``given`` x), a line that has a word starting there after a gap wider than a space is two lines,
    one a column."""
    starts: dict[int, int] = {}
    for g in segs:
        starts[round(g.x0 / 2)] = starts.get(round(g.x0 / 2), 0) + 1
    if not segs:
        return segs
    left = min(g.x0 for g in segs)
    if given is None:
        edges = [k * 2.0 for k, n in starts.items() if n >= 3 and k * 2 > left + 20]
    else:
        edges = [x for x in given if x > left + 20]
    if not edges:
        return segs
    out: list[Line] = []
    for g in segs:
        gaps = sorted(w.x0 - prev.x1 for prev, w in pairwise(g.words))
        space = gaps[len(gaps) // 2] if gaps else 0.0  # this line's own word space
        parts: list[list[Word]] = [[g.words[0]]]
        for prev, w in pairwise(g.words):
            gap = w.x0 - prev.x1
            # at a paragraph's own edge any gap wider than a space will do: the panel's last
            # column can be set barely more than a space from it
            wide = gap > space + 0.05 * w.size if given is not None else gap > max(1.4 * space, 0.15 * w.size)
            if wide and any(abs(w.x0 - e) <= 2.0 for e in edges):
                parts.append([w])
            else:
                parts[-1].append(w)
        out.extend(Line(p) for p in parts)
    return out


def _on_heading(seg: Line, headings: list[Box]) -> bool:
    return any(seg.x0 < x1 and seg.x1 > x0 and seg.top < bottom and seg.bottom > top
               for x0, top, x1, bottom in headings)


def assign_directions(words: list[Word], headings: list[Box], tables: list[Box],
                      blocks: list[Block] | None = None) -> list[str | None]:
    """Each panel's directions (``tables``: where each panel stands, heading to last row): every
    directions paragraph (``blocks``, found here if not given) goes to the panel nearest to it (its
    own column first), and a panel takes the nearest paragraph it was given."""
    if blocks is None:
        blocks = directions_blocks(words, headings)
    out: list[str | None] = [None] * len(tables)
    if not blocks or not tables:
        return out
    best: dict[int, tuple[float, str]] = {}
    for text, box, headed in blocks:
        i = min(range(len(tables)), key=lambda k: _distance(box, tables[k]))
        # a paragraph with no heading is a panel's directions only where no headed one is
        d = _distance(box, tables[i]) + (0.0 if headed else 1e6)
        if i not in best or d < best[i][0]:
            best[i] = (d, text)
    for i, (_, text) in best.items():
        out[i] = text
    return out


def _distance(b: Box, t: Box) -> float:
    """How far a directions paragraph stands from a panel's table. A paragraph whose middle lies
    across the table's width is in the panel's column, above or below it, and comes before one
    beside it: panels side by side can be set so close that the left one's %DV column touches the
    right one's paragraph, and edge distance alone would give it to the wrong panel."""
    dx = max(0.0, t[0] - b[2], b[0] - t[2])
    dy = max(0.0, t[1] - b[3], b[1] - t[3])
    middle = (b[0] + b[2]) / 2  # any panel's own column wins over a paragraph beside it
    in_column = t[0] <= middle <= t[2]
    return dy if in_column else 3 * dx + dy + 1000.0
