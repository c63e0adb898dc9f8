"""A panel's table rows by geometry: cells set on different baselines joined into one row.

A row's cells need not share a baseline: a name wraps over two or three lines while its amount is
centred beside them, a "(5,000 IU)" or a %DV sits under or between the amount's lines, a column's
units wrap ("1,800 mcg" / "RAE"). Read line by line, such a row splits into a name without an
amount and figures without a name. The table's structure is in its geometry instead: the amount
columns are where the amounts (a figure and a unit) stand, left-aligned, right-aligned or centred,
down the rows; every line with an amount in them anchors a row; the words of the amount columns
belong to the nearest anchor; a wrapped name belongs to the row whose name it continues or, set
tight above an anchor, to that anchor's row.
"""
from __future__ import annotations

import re
from itertools import pairwise
from typing import TYPE_CHECKING

from extract import vocab
from extract.amounts import parse_row_text
from extract.layout import Line, Word
from labelaudit.contracts.reference import IU_PER_MCG_VITAMIN_D as IU_PER_MCG_D

if TYPE_CHECKING:  # extract.panel imports this module
    from extract.panel import Heading
    from extract.records import RowRecord

_FIGURE = re.compile(r"^<?\d[\d,]*(?:\.\d+)?$|^<?\.\d+$")
_UNIT = re.compile(r"^(?:mcg|µg|μg|ug|mg|g|iu|i\.u\.?)[*†‡§¶]*$", re.IGNORECASE)
_GLUED = re.compile(r"^<?\d[\d,]*(?:\.\d+)?(?:mcg|µg|μg|ug|mg|g|iu)[*†‡§¶]*$", re.IGNORECASE)
_PERCENT = re.compile(r"^(?:<?\d[\d,]*(?:\.\d+)?)?%[*†‡§¶]*$|^[*†‡§¶]+$")
_NOTE = re.compile(r"\b(?:providing|supplying|yielding|provides|elemental)\b", re.IGNORECASE)
_QUALIFIER = re.compile(r"^(?:RAE|RE|DFE|NE)[*†‡§¶]*$", re.IGNORECASE)
_ALT_OPEN = re.compile(r"^\(<?\d[\d,]*(?:\.\d+)?(?:[^\W\d_]+\)?)?[*†‡§¶]*$")
_HEAD = re.compile(r"serving|amount\s+per|daily\s+value|%\s*dv|per\s+daily|nrv|contains", re.IGNORECASE)


def _amount_x(line: Line) -> list[float]:
    """x of each amount (a figure followed by a unit) on the line, not counting its first word."""
    ws = line.words
    out = []
    for i, w in enumerate(ws):
        if _GLUED.match(w.text) or (_FIGURE.match(w.text) and i + 1 < len(ws) and _UNIT.match(ws[i + 1].text)):
            out.append(w.x0)
    return out


def _cells(line: Line) -> list[tuple[float, float]]:
    """Horizontal extents of the line's amount cells (a figure and its unit) and %DV cells, not
    counting its first word."""
    ws = line.words
    out = []
    for i, w in enumerate(ws):
        if i and _GLUED.match(w.text):
            out.append((w.x0, w.x1))
        elif i and _FIGURE.match(w.text) and i + 1 < len(ws) and _UNIT.match(ws[i + 1].text):
            out.append((w.x0, ws[i + 1].x1))
        elif i and _PERCENT.match(w.text) and "%" in w.text:
            out.append((w.x0, w.x1))
    return out


def _complete(name: str) -> bool:
    """A row name that cannot continue on the next line."""
    t = name.rstrip()
    return t.count("(") <= t.count(")") and not t.endswith((",", "-", "/", "&", " as", " and", " from", " of"))


def _continuation(prev: str, text: str) -> bool:
    return not _complete(prev) or text[:1].islower() or text.startswith(("(", "["))


def merge_titles(lines: list[Line], first_row: int, edges: list[float] | None = None,
                 cells: list[tuple[float, float]] | None = None) -> list[Line]:
    """Column titles set over two or three lines ("1" / "Lozenge", "Per 2" / "Softgels", "% Daily" /
    "Value") joined column by column into one line. Title lines stand right of the name column,
    tight over each other, before the first row.

    A column is a stack of phrases (a line's words a space or so apart) that overlap horizontally
    from line to line; columns are read left to right, each top to bottom. Columns may stand
    closer than a word space in the merged line ("% DV" between "1 / Tablet" and "2 / Tablets"),
    so nothing but overlap joins phrases of different lines, and no phrase runs across the edge of
    an amount or %DV column (``edges``), nor on past a word that ends where a column's cells end, or
    into one that starts where they start (``cells``, the rows' amount and %DV cells): a title is set
    in its column's cell, aligned as its figures are, and a table cell's padding can be no wider
    than a word space ("Childre % Daily" / "n 2-3 Value" is two columns)."""
    if first_row < 2:
        return lines
    size = max(1.0, sorted(line.size for line in lines)[len(lines) // 2])
    name_x = min(line.x0 for line in lines)
    out = list(lines[:first_row])

    def title(line: Line) -> bool:
        return line.x0 > name_x + 2 * size and not _amount_x(line)

    i = 0
    while i < len(out) - 1:
        j = i
        while j + 1 < len(out) and title(out[j]) and title(out[j + 1]) and out[j + 1].top - out[j].bottom < 0.6 * size:
            j += 1
        if j > i:
            out[i:j + 1] = [Line(_stack_columns(out[i:j + 1], size, edges or [], cells or []))]
        i += 1
    return out + lines[first_row:]


def _stack_columns(run: list[Line], size: float, edges: list[float],
                   cells: list[tuple[float, float]] | None = None) -> list[Word]:
    # how far a title's edge may stand from its figures' (cell paddings differ a little)
    align = max(1.8, 0.2 * size)
    cell_ends = sorted({round(c[1], 1) for c in cells or []})
    cell_starts = sorted({round(c[0], 1) for c in cells or []})

    def cell_break(a: Word, b: Word, after: Word | None) -> bool:
        # ... and what follows stands over the cells of a column further right (a monospaced line
        # lines its words up with the figures by chance: "PAR DOSE" / "JOURNALIÈRE" is one title)
        x1 = max(b.x1, after.x1 if after is not None else b.x1)
        if not any(c[0] > a.x1 - 0.5 and c[0] < x1 and c[1] > b.x0 for c in cells or []):
            return False
        return any(abs(a.x1 - e) <= align and b.x0 > e for e in cell_ends) \
            or any(abs(b.x0 - e) <= align and a.x1 < e for e in cell_starts)

    phrases: list[list[Word]] = []
    row: dict[int, int] = {}  # id of a word: its line in the run (glyph tops of one line differ)
    for n, line in enumerate(run):
        # a word space on this line: its narrowest gap (a monospaced or letter-spaced line has wide ones)
        gaps = [b.x0 - a.x1 for a, b in zip(line.words, line.words[1:], strict=False)]
        space = min(0.8 * size, max(0.25 * size, 1.3 * min(gaps, default=0.0)))
        for k, w in enumerate(line.words):
            row[id(w)] = n
            # a lone letter ("E" / "TABLETS" under "CHEWABL") is the end of a word its cell broke, which
            # may stand out past the column's edge: it goes with the phrase after it
            lone = bool(phrases) and len(phrases[-1]) == 1 and len(phrases[-1][0].text) == 1 \
                and phrases[-1][0].text.isalpha()
            if phrases and phrases[-1][-1] in line.words and w.x0 - phrases[-1][-1].x1 <= space and (lone or (
                    not any(phrases[-1][-1].x1 - 0.5 <= e <= w.x0 + 0.5 for e in edges)
                    and not cell_break(phrases[-1][-1], w, line.words[k + 1] if k + 1 < len(line.words) else None))):
                phrases[-1].append(w)
            else:
                phrases.append([w])
    cols: list[list[list[Word]]] = []
    for ph in sorted(phrases, key=lambda p: p[0].x0):
        x0, x1 = ph[0].x0, ph[-1].x1
        hit = [c for c in cols if any(p[0].x0 < x1 and x0 < p[-1].x1 for p in c)]
        for c in hit[1:]:
            hit[0].extend(c)
            cols.remove(c)
        if hit:
            hit[0].append(ph)
        else:
            cols.append([ph])
    cols.sort(key=lambda c: min(p[0].x0 for p in c))
    out: list[Word] = []
    for c in cols:
        for n, p in enumerate(sorted(c, key=lambda p: (row[id(p[0])], p[0].x0))):
            first = p[0]
            if n and out and len(first.text) == 1 and first.text.isalpha() and out[-1].text[-1:].isalpha() \
                    and row[id(first)] > row.get(id(out[-1]), -1):
                # a word broken at the cell's edge with no hyphen ("CHILDRE" / "N 4-11"): one word
                a = out.pop()
                out.append(Word(a.text + first.text, a.x0, a.top, max(a.x1, first.x1), max(a.bottom, first.bottom),
                                a.size, a.bold, a.orig, min(a.confidence, first.confidence)))
                out.extend(p[1:])
                continue
            out.extend(p)
    return out


def _anchors(lines: list[Line]) -> list[int]:
    """The lines that carry a row's amount. A figure that goes on a note opened on the line
    above ("400 mg (providing" / "80 mg of" / "elemental magnesium)") is the note's, not a row's."""
    out = []
    for i, line in enumerate(lines):
        first = line.words[0].text
        # a line that opens with second units or a note belongs to the row above; one that opens
        # with a name's bracket ("(CHOLECALCIFEROL FROM" beside the amounts) is the row's own
        if not _amount_x(line) or _HEAD.search(line.text) or (first.startswith("(") and (
                _ALT_OPEN.match(first) or _NOTE.search(line.text) or not first[1:2].isalpha())):
            continue
        prev = lines[i - 1].text if i else ""
        if prev.count("(") > prev.count(")") and _NOTE.search(prev.rsplit("(", 1)[-1]):
            continue
        out.append(i)
    return out


def reline(lines: list[Line]) -> list[Line]:
    """The panel's lines with each row's cells gathered onto the line of its amount.

    Only rows whose cells stand on other lines change; a table whose rows sit each on one
    baseline comes back as it was."""
    lines = _join_wrapped_units([_unglue_alt(line) for line in lines])
    anchors = _anchors(lines)
    if not anchors:
        return lines
    size = max(1.0, sorted(line.size for line in lines)[len(lines) // 2])
    # where the amount columns (but the first) and the %DV columns begin: a title never runs
    # across one of them
    edges = _columns([x for i in anchors for x in _amount_x(lines[i])], size)[1:]
    edges += _columns([w.x0 for i in anchors for w in lines[i].words if _PERCENT.match(w.text) and "%" in w.text],
                      size)
    edges.sort()
    if edges:
        lines = [_split_at_edges(line, edges) for line in lines[:anchors[0]]] + lines[anchors[0]:]
    lines = merge_titles(lines, anchors[0], edges, [c for i in anchors for c in _cells(lines[i])])
    anchors = _anchors(lines)
    left = _amount_left(lines, anchors, size)
    if left is None:
        return lines
    split = [_split_at_amounts(line, left) for line in lines]
    if any(a is not b for a, b in zip(split, lines, strict=True)):
        lines = split
        anchors = _anchors(lines)
        left = _amount_left(lines, anchors, size)
        if left is None:
            return lines
    # The table ends at a line of prose standing across the amount column (directions, a footnote):
    # an amount further down belongs to something else ("Sunshine D 5,000 IU" under the next panel).
    prose = next((i for i in range(anchors[0] + 1, anchors[-1]) if _straddles(lines[i], left, size)), None)
    if prose is not None:
        anchors = [i for i in anchors if i < prose]
        left = _amount_left(lines, anchors, size)
        if left is None:
            return lines
    lines, anchors = _merge_staggered(lines, anchors, left)
    xs = sorted(x for i in anchors for x in _amount_x(lines[i]))
    first, last = anchors[0], anchors[-1]
    # the body: from the first anchor to the last, and the lines set tight under the last one
    end = last
    while end + 1 < len(lines) and lines[end + 1].top - lines[end].bottom < 0.6 * size \
            and lines[end + 1].top < lines[last].bottom + 2.2 * size and not _straddles(lines[end + 1], left, size) \
            and not _runs_across(lines[end + 1], left, size) and not _footnote(lines[end + 1], left):
        end += 1
    start = first
    while start - 1 >= 0 and lines[start].top - lines[start - 1].bottom < 0.6 * size \
            and lines[start - 1].x1 < left and not _HEAD.search(lines[start - 1].text) \
            and (not _complete(lines[start - 1].text) or lines[start].words[0].x1 > left
                 or lines[start].words[0].text.startswith(("(", "["))):
        start -= 1
    body = lines[start:end + 1]
    anchor_lines = [line for line in body if line in [lines[i] for i in anchors]]
    if len(body) == len(anchor_lines):
        return lines  # one baseline a row: nothing to gather

    def centre(t: float, b: float) -> float:
        return (t + b) / 2

    def nearest(w_top: float, w_bottom: float) -> int:
        c = centre(w_top, w_bottom)
        return min(range(len(anchor_lines)),
                   key=lambda k: (abs(centre(anchor_lines[k].top, anchor_lines[k].bottom) - c), k))

    col_x = _columns([x for x in xs if x >= left], size)

    def column(w: Word) -> int:
        return sum((w.x0 + w.x1) / 2 >= x for x in col_x)

    def open_paren(k: int, col: int) -> bool:
        t = "".join(w.text for w in cells[k] if column(w) == col)
        return t.count("(") > t.count(")")

    names: list[list[Word]] = [[w for w in line.words if w.x1 <= left] for line in anchor_lines]
    cells: list[list[Word]] = [[w for w in line.words if w.x1 > left] for line in anchor_lines]
    loose: list[Line] = []
    changed = set()
    dest: dict[int, set[int | None]] = {}  # id of a body line: the rows its words went to (None: left loose)
    for line in body:
        if line in anchor_lines:
            continue
        name_part = [w for w in line.words if w.x1 <= left]
        cell_part = [w for w in line.words if w.x1 > left]
        above = [j for j, a in enumerate(anchor_lines) if a.top <= line.top]
        below = [j for j, a in enumerate(anchor_lines) if a.top > line.top]
        text = " ".join(w.text for w in name_part)
        tight_above = bool(below) and anchor_lines[below[0]].top - line.bottom < 0.9 * size
        if not cell_part:
            # a name-only line: the wrapped tail of a name is left to the row reader; only a name
            # set above an amount that has no name of its own (centred beside it) joins here,
            # unless it goes on with an unfinished name ("CALCIUM (AS" / "CALCIUM CITRATE)")
            prev_name = " ".join(w.text for w in names[above[-1]]) if above else ""
            # ... or with a bracket that qualifies it ("CHOLECALCIFEROL" / amounts / "(VITAMIN D3)"),
            # which is never the start of the next row's name
            # An unfinished name goes on whatever stands between ("VITAMIN K2 (AS" / the row's
            # staggered amounts / "MENAQUINONE-7)"), never onto the next row's nameless amounts.
            # (Not where the name holds an amount itself: the amount columns' edge was then misread.)
            if prev_name and ((above[-1] in changed and text.startswith(("(", "[")))
                              or (not _complete(prev_name) and (above[-1] in changed or (
                                  len(col_x) > 1 and not _amount_x(Line(names[above[-1]])))))):
                names[above[-1]].extend(name_part)
                changed.add(above[-1])
                dest.setdefault(id(line), set()).add(above[-1])
            elif tight_above and name_part and (not names[below[0]] or names[below[0]][0].text.startswith(("(", "["))):
                # ... or over a name that its bracket qualifies ("VITAMIN D3" / "(CHOLECALCIFEROL FROM")
                names[below[0]][:0] = name_part
                changed.add(below[0])
                dest.setdefault(id(line), set()).add(below[0])
            elif above and not names[above[-1]] and name_part \
                    and line.top < anchor_lines[above[-1]].bottom - 0.1 * size < line.bottom:
                # a name centred beside an amount cell wrapped onto two lines ("2,000 IU (50" /
                # "mcg)"): it starts inside the amount's first line and runs past it
                names[above[-1]].extend(name_part)
                changed.add(above[-1])
                dest.setdefault(id(line), set()).add(above[-1])
            else:
                loose.append(line)
            continue
        row_cells = " ".join(w.text for w in cells[above[-1]]) if above else ""
        # A note opened in the row above ("400 mg (providing") and not yet closed goes on over
        # the next lines ("80 mg of" / "elemental" / "magnesium)"), whatever rows follow.
        open_note = row_cells.count("(") > row_cells.count(")")
        if _NOTE.search(" ".join(w.text for w in line.words)) or (
                above and _NOTE.search(row_cells) and (not below or open_note)):
            loose.append(line)  # "(providing 80 mg elemental ...)": the row reader joins notes to their row
            continue
        k = nearest(line.top, line.bottom)
        sent = dest.setdefault(id(line), set())
        firsts: dict[int, Word] = {}
        for w in sorted(cell_part, key=lambda w: w.x0):
            firsts.setdefault(column(w), w)
        opens = {c for c, w in firsts.items() if w.text.startswith("(")}
        # a cell that starts with a unit or its qualifier ("RAE", "I.U.") ends the figure above it
        opens |= {c for c, w in firsts.items() if _UNIT.match(w.text) or _QUALIFIER.match(w.text)}
        for w in cell_part:
            # The rest of an amount wrapped in its cell ("25 mcg (1,000" / "IU)") closes the
            # parenthesis the row above opened in that column, and a cell that opens with second
            # units ("(100 mcg)") converts the amount above it: both go to the row above, however
            # near the next row stands; so does a cell that opens with a unit.
            up = above and k != above[-1] and (open_paren(above[-1], column(w)) or column(w) in opens)
            j = above[-1] if up else k
            cells[j].append(w)
            changed.add(j)
            sent.add(j)
        if not name_part:
            continue
        prev_name = " ".join(w.text for w in names[above[-1]]) if above else ""
        # the name part goes to a row too (or is left loose): a line whose every part went to rows
        # being fixed is gone from the table ("5,000 IU (125" / "Vitamin D (as ...) 625%" / "mcg)")
        if above and prev_name and _continuation(prev_name, text):
            names[above[-1]].extend(name_part)
            changed.add(above[-1])
            sent.add(above[-1])
        elif tight_above and not names[below[0]]:
            names[below[0]][:0] = name_part
            changed.add(below[0])
            sent.add(below[0])
        elif above and k == above[-1]:
            names[k].extend(name_part)  # beside the row's own figures: its name's next line
            sent.add(k)
        else:
            loose.append(Line(name_part))
            sent.add(None)
    def order(w: Word) -> tuple:
        return (column(w), bool(_PERCENT.match(w.text)), round(w.top), w.x0)

    def row_line(k: int) -> Line:
        name = sorted(names[k], key=lambda w: (round(w.top), w.x0))
        return Line(name + sorted(cells[k], key=order))

    if not changed:
        return lines
    if len(col_x) < 2 and all(names[k] for k in range(len(anchor_lines))):
        # One amount column whose rows all carry their names: the row reader's own joining of
        # wrapped names and notes is enough, and safer, except for a row whose amount cell
        # wrapped ("10,000 IU (250" / "mcg)"): unreadable on its line, readable gathered, or
        # read only in part there (a %DV centred lower, on a line of its own).
        fix = {k for k in changed if _more(parse_row_text(anchor_lines[k].text), parse_row_text(row_line(k).text))}
        fix -= {k for sent in dest.values() if not sent <= fix for k in sent if k is not None}
        if not fix:
            return lines
        gone = {i for i, sent in dest.items() if sent <= fix}
        fixed = {id(anchor_lines[k]): row_line(k) for k in fix}
        return [fixed.get(id(line), line) for line in lines if id(line) not in gone]
    rebuilt = [row_line(k) if k in changed else a for k, a in enumerate(anchor_lines)]
    out = lines[:start] + sorted(rebuilt + loose, key=lambda line: (line.top, line.x0)) + lines[end + 1:]
    return out


def _more(alone: RowRecord | None, gathered: RowRecord | None) -> bool:
    """The row's gathered cells read more than its anchor line alone: an amount, or its %DV."""
    if gathered is None:
        return False
    return alone is None or (alone.amount == gathered.amount and alone.percent_dv is None
                             and gathered.percent_dv is not None)


_GLUED_ALT = re.compile(r"^\((?P<d>\d[\d,.]*\d)%(?P<m>[*†‡§¶]*)$")
_PLAIN_NUMBER = re.compile(r"^(?:[1-9]\d{0,2}(?:,\d{3})+|0|[1-9]\d*)(?:\.\d+)?$")


def _unglue_alt(line: Line) -> Line:
    """Vitamin D's second units and its %DV set with no space between them, the units' closing
    half wrapped under ("10,000 IU (2501,250%" / "mcg)"): one word of digits. The split is the one
    whose figure converts the amount before it (IU to mcg, mcg to IU); no split that does, no
    change."""
    ws = line.words
    for i in range(2, len(ws)):
        m = _GLUED_ALT.match(ws[i].text)
        if not m or not _FIGURE.match(ws[i - 2].text):
            continue
        unit = ws[i - 1].text.lower().rstrip("*†‡§¶")
        amount = float(ws[i - 2].text.lstrip("<").replace(",", ""))
        want = amount / IU_PER_MCG_D if unit in ("iu", "i.u.", "i.u") else \
            amount * IU_PER_MCG_D if unit in ("mcg", "µg", "μg", "ug") else None
        if want is None:
            continue
        d = m.group("d")
        cuts = [p for p in range(1, len(d)) if _PLAIN_NUMBER.match(d[:p]) and _PLAIN_NUMBER.match(d[p:])
                and abs(float(d[:p].replace(",", "")) - want) <= 0.02 * want]
        if len(cuts) != 1:
            continue
        w, p = ws[i], cuts[0] + 1  # + 1: the "("
        x = w.x0 + (w.x1 - w.x0) * p / len(w.text)
        head = Word(w.text[:p], w.x0, w.top, x, w.bottom, w.size, w.bold, w.orig, w.confidence)
        tail = Word(w.text[p:], x, w.top, w.x1, w.bottom, w.size, w.bold, w.orig, w.confidence)
        return _unglue_alt(Line([*ws[:i], head, tail, *ws[i + 1:]]))
    return line


def _amount_left(lines: list[Line], anchors: list[int], size: float) -> float | None:
    """The amount columns' left edge: the first amount of the rows that have a name before it (a
    figure inside a name, far left of the others, does not move it).

    Cells of one row side by side need not share a line: where one column's cell wraps and its
    neighbours' do not, each is centred in the row ("1,000 IU (25" / "2,000 IU (50 MCG)" / "MCG)"),
    and the first column's amount may stand on a line of its own, clear of the names, overlapping
    the named line of its row: it is the first amount column all the same."""
    name_x = min(line.x0 for line in lines)
    named = sorted(x for i in anchors for x in _amount_x(lines[i])[:1] if x > lines[i].x0 + size)
    if not named:
        # no row prints its name beside its amount: the amounts that stand clear of the name column
        named = sorted(_amount_x(lines[i])[0] for i in anchors if lines[i].x0 > name_x + 2 * size)
        if not named:
            return None
    mid = named[(len(named) - 1) // 2]  # of two rows, the one whose amount stands further left
    edge = min(x for x in named if x >= mid - 3.0 * size)
    # a right-aligned cell much wider than the others ("1,800 mcg RAE" over "125 µg") starts further
    # left, but reaches into the column
    edge = min([edge, *(x0 for i in anchors for x0, x1 in _amount_spans(lines[i])[:1]
                        if x0 > lines[i].x0 + size and x1 > edge + 0.5 * size)])
    staggered = [_amount_x(lines[i])[0] for i in anchors if lines[i].x0 > name_x + 2 * size
                 and any(j in anchors and lines[j].x0 <= name_x + size and lines[j].top < lines[i].bottom
                         and lines[i].top < lines[j].bottom for j in (i - 1, i + 1))]
    return min([edge, *staggered]) - 1.0


def _straddles(line: Line, left: float, size: float) -> bool:
    """A line of prose (directions, a footnote) under the table: a word of it stands across the
    amount column's left edge, where no cell of the table does. A centred cell's second units
    ("(1,000 IU)" under "25 MCG") are wider than the amount over them and may stand across it too."""
    return any(w.x0 < left - 0.5 * size and w.x1 > left + 0.5 * size and not _ALT_OPEN.match(w.text)
               for w in line.words)


def _merge_staggered(lines: list[Line], anchors: list[int], left: float) -> tuple[list[Line], list[int]]:
    """One row whose cells stand at different heights: a cell that wrapped ("900 mcg" / "RAE") is set
    from the row's top while its neighbours are centred, a little lower ("100%  450 mcg RAE  50%").
    The lower line has no name and fills only the columns the upper one left empty, and starts
    before the upper one ends: it is the same row, not the next. So is a nameless upper line over
    the row's named line, where the wrapped cell is the first column's ("1,800 MCG" / "RAE" beside
    "VITAMIN A ... 200%  900 MCG RAE  100%")."""
    out = list(lines)
    gone: set[int] = set()
    for a, b in pairwise(anchors):
        if b != a + 1 or a in gone:
            continue
        up, low = out[a], out[b]
        if low.top >= up.bottom or (low.x0 < left - 1.0 and up.x0 < left - 1.0):
            continue
        cells = [w for w in up.words if w.x1 > left]
        if any(w.x0 < c.x1 and c.x0 < w.x1 for w in low.words for c in cells):
            continue
        out[a] = Line(sorted(up.words + low.words, key=lambda w: w.x0))
        gone.add(b)
    if not gone:
        return lines, anchors
    return [line for i, line in enumerate(out) if i not in gone], _anchors([line for i, line in enumerate(out)
                                                                          if i not in gone])


_NAME_THEN_FIGURE = re.compile(r"^(.*[^\W\d_)\]]|.*[)\]])(<?\d[\d,]*(?:\.\d+)?)$")


def _split_at_amounts(line: Line, left: float) -> Line:
    """A name whose cell runs up to the amount cell beside it, with no gap left ("Magnesium (as300
    mg": LibreOffice lets a wrapped name fill its cell to the edge): the word that runs across the
    amount columns' left edge, letters before it and a figure from it on, is the name's end and the
    amount. Glyph boxes are not kept, so the cut is placed by the share of the word's width, to
    within a character, and must leave a figure."""
    out: list[Word] = []
    for k, w in enumerate(line.words):
        if k and w.x0 < left < w.x1 and len(w.text) > 2 and k + 1 < len(line.words) \
                and _UNIT.match(line.words[k + 1].text):
            guess = round((left + 1.0 - w.x0) / (w.x1 - w.x0) * len(w.text))
            for p in sorted(range(max(1, guess - 1), min(len(w.text), guess + 2)), key=lambda p: abs(p - guess)):
                m = _NAME_THEN_FIGURE.match(w.text)
                if m and m.end(1) == p:
                    x = w.x0 + (w.x1 - w.x0) * p / len(w.text)
                    out += [Word(w.text[:p], w.x0, w.top, x - 0.01, w.bottom, w.size, w.bold, w.orig, w.confidence),
                            Word(w.text[p:], x, w.top, w.x1, w.bottom, w.size, w.bold, w.orig, w.confidence)]
                    break
            else:
                out.append(w)
            continue
        out.append(w)
    return line if len(out) == len(line.words) else Line(out)


def _footnote(line: Line, left: float) -> bool:
    """A footnote under the table ("*VNR : valeurs nutritionnelles de référence", "† Daily Value not
    established"): it opens with its mark in the name column, where no wrapped name or cell does."""
    first = line.words[0]
    return first.x0 < left and first.text[:1] in _MARKS and len(line.words) > 1


_MARKS = "*†‡§¶¹²³⁴⁵"


def _runs_across(line: Line, left: float, size: float) -> bool:
    """A line of prose whose words happen to leave the amount column's edge in a word space
    ("... BASED ON A 2,000 CALORIE DIET."): it starts in the name column and goes on past the edge
    a word space later, with words no cell begins with; a row's name stands a gutter clear of its cells."""
    ws = line.words
    for a, b in pairwise(ws):
        if a.x1 <= left < b.x1:
            return (b.x0 - a.x1 < 0.4 * size and not _FIGURE.match(b.text) and not _GLUED.match(b.text)
                    and not _PERCENT.match(b.text) and not b.text.startswith(("(", "<")) and b.text[:1].isalpha()
                    and not _UNIT.match(b.text) and not _QUALIFIER.match(b.text))
    return False


_TITLE_END = re.compile(r"^%?(?:dv|daily|value|nrv|ri|vnr|vrn)[*†‡§¶]*$", re.IGNORECASE)
_TITLE_START = re.compile(r"^[^\W_]", re.IGNORECASE)


def _split_at_edges(line: Line, edges: list[float]) -> Line:
    """Column titles of neighbouring columns set with no space between them ("% DVPER" / "2
    SOFTGELS", "% DV2 Veggie Capsules", "VALUESOFTGELS"): a word that runs across the left edge of
    an amount column, just after a whole title word (DV, Value, NRV), is two words. Glyph boxes are
    not kept, so the cut is placed by the share of the word's width, to within a character."""
    out: list[Word] = []
    for w in line.words:
        cut = None
        for e in edges:
            if w.x0 < e < w.x1 and len(w.text) > 1:
                guess = round((e - w.x0) / (w.x1 - w.x0) * len(w.text))
                for p in sorted(range(max(1, guess - 1), min(len(w.text), guess + 2)), key=lambda p: abs(p - guess)):
                    if _TITLE_END.search(w.text[:p]) and _TITLE_START.match(w.text[p:]):
                        cut = (p, e)
                        break
            if cut:
                break
        if cut is None:
            out.append(w)
            continue
        p, e = cut
        out.append(Word(w.text[:p], w.x0, w.top, e, w.bottom, w.size, w.bold, w.orig, w.confidence))
        out.append(Word(w.text[p:], e, w.top, w.x1, w.bottom, w.size, w.bold, w.orig, w.confidence))
    return line if len(out) == len(line.words) else Line(out)


def _join_wrapped_units(lines: list[Line]) -> list[Line]:
    """A figure whose unit wrapped in its cell ("10000" / "I.U.", "0.05" / "MG**"): the unit, set
    tight under the figure and overlapping it, is moved up beside it, so the row has an amount on
    its own line. Where cells of one row are centred at different heights (several amount
    columns, one wrapping), a line of the neighbouring columns' amounts may stand between the
    figure and its unit, both set tight to it."""
    out = list(lines)
    pairs = [(n, m) for n in range(len(out) - 1) for m in range(n + 1, min(n + 3, len(out)))
             if m == n + 1 or (out[m].top - out[n].bottom < 0.3 * out[n].size and _amount_x(out[n + 1]))]
    for n, m in pairs:
        a, b = out[n], out[m]
        if not a.words or not b.words or b.top - a.bottom >= 0.6 * a.size:
            continue
        figs = [i for i, w in enumerate(a.words) if _FIGURE.match(w.text)
                and not (i + 1 < len(a.words) and _UNIT.match(a.words[i + 1].text))]
        moved: dict[int, Word] = {}
        for j, u in enumerate(b.words):
            if not _UNIT.match(u.text) or (j and _FIGURE.match(b.words[j - 1].text)):
                continue  # not a unit, or the unit of a figure on its own line
            hit = [i for i in figs if a.words[i].x0 < u.x1 and u.x0 < a.words[i].x1 and i not in moved]
            between = [w for line in out[n + 1:m] for w in line.words if w.x0 < u.x1 and u.x0 < w.x1]
            if len(hit) == 1 and not between:
                moved[hit[0]] = u
        if not moved:
            continue
        words: list[Word] = []
        for i, w in enumerate(a.words):
            words.append(w)
            if i in moved:
                u = moved[i]
                # beside the figure, but no wider than the cell it wrapped in (a narrow column's
                # unit set out at its full width would run into the next column)
                x = w.x1 + 0.01
                words.append(Word(u.text, x, w.top, max(x + 0.01, min(x + (u.x1 - u.x0), u.x1)), w.bottom, u.size,
                                  u.bold, u.orig, u.confidence))
        out[n] = Line(words)
        rest = [w for w in b.words if all(w is not u for u in moved.values())]
        out[m] = Line(rest) if rest else Line([])
    return [line for line in out if line.words]


def _columns(xs: list[float], size: float) -> list[float]:
    """Left edges of the amount columns: amounts' x clustered (right-aligned figures of
    different lengths start a few characters apart; columns stand further apart)."""
    cols: list[float] = []
    for x in sorted(xs):
        if not cols or x - cols[-1] > 3.0 * size:
            cols.append(x)
    return cols


_NOT_TITLE = re.compile(r"serving\s+size|servings?\s+per|container|\bcontains?\b|\bcontien|supplement|medicinal|"
                        r"nutrition", re.IGNORECASE)


_DV_WORD = re.compile(r"^%?(?:dv|nrv|vnr|vrn|ri|%)?[*†‡§¶]*$", re.IGNORECASE)


def column_titles(lines: list[Line]) -> list[str] | None:
    """The title over each amount column, left to right, read by geometry; None for a table of one
    amount column.

    The columns are where the amounts stand down the rows (a figure and its unit), not what the
    title line says: a title wrapped mid-word ("CHILDRE" / "N 2-3"), set over two lines or glued to
    its neighbour still heads the column it stands over. Each phrase of the title lines (words a
    word space apart on one baseline, right of the name column) goes to the column whose amounts
    it overlaps most, or failing any, the nearest; a column's title is its phrases top to bottom.
    ``lines`` are a panel's lines as ``reline`` returns them."""
    anchors = _anchors(lines)
    if len(anchors) < 1:
        return None
    size = max(1.0, sorted(line.size for line in lines)[len(lines) // 2])
    left = _amount_left(lines, anchors, size)
    if left is None:
        return None
    # a column is the amounts that overlap down the rows, however aligned (right-aligned cells
    # of different widths start far apart, but end together)
    bands: list[list[float]] = []
    for x0, x1 in sorted(s for i in anchors for s in _amount_spans(lines[i]) if s[0] >= left):
        if bands and x0 < bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], x1)
        else:
            bands.append([x0, x1])
    if len(bands) < 2:
        return None
    starts = [b[0] for b in bands]
    phrases: list[list[Word]] = []
    for line in lines[:anchors[0]]:
        if _NOT_TITLE.search(line.text):
            continue
        by_top: dict[int, list[Word]] = {}
        for w in line.words:  # a merged title line keeps each word's own baseline
            by_top.setdefault(round(w.top), []).append(w)
        for ws in by_top.values():
            ws.sort(key=lambda w: w.x0)
            gaps = [b.x0 - a.x1 for a, b in pairwise(ws)]
            space = min(0.8 * size, max(0.25 * size, 1.3 * min(gaps, default=0.0)))
            for a, b in zip([None, *ws], ws, strict=False):
                # a %DV column's title ("% NRV*") is a phrase of its own, however tight it stands
                # to its neighbours ("% VNR*Par dose")
                if a is not None and b.x0 - a.x1 <= space and not _DV_WORD.match(a.text) \
                        and not _DV_WORD.match(b.text):
                    phrases[-1].append(b)
                else:
                    phrases.append([b])
    name_x = min(line.x0 for line in lines)
    titles: list[list[list[Word]]] = [[] for _ in starts]
    for ph in phrases:
        x0, x1 = ph[0].x0, ph[-1].x1
        if x0 < name_x + 2.0 * size:
            continue  # the name column's head ("Amount Per Serving")

        def fit(k: int, x0: float = x0, x1: float = x1) -> tuple[float, float]:
            b0, b1 = bands[k]
            return min(x1, b1) - max(x0, b0), -abs((x0 + x1) / 2 - (b0 + b1) / 2)

        titles[max(range(len(starts)), key=fit)].append(ph)
    return [" ".join(w.text for ph in sorted(col, key=lambda p: (round(p[0].top), p[0].x0)) for w in ph)
            for col in titles]


def _amount_spans(line: Line) -> list[tuple[float, float]]:
    """(x0, x1) of each amount cell on the line: a figure with its unit, or the two glued, and the
    second units in brackets after them ("4,000 IU (100 mcg)")."""
    ws = line.words
    out = []
    for i, w in enumerate(ws):
        if _GLUED.match(w.text):
            end = i
        elif _FIGURE.match(w.text) and i + 1 < len(ws) and _UNIT.match(ws[i + 1].text):
            end = i + 1
        else:
            continue
        if end + 1 < len(ws) and _QUALIFIER.match(ws[end + 1].text):
            end += 1  # "mcg RAE"
        if end + 2 < len(ws) and _ALT_OPEN.match(ws[end + 1].text) and ws[end + 2].text.rstrip("*†‡§¶").endswith(")"):
            end += 2
        out.append((w.x0, ws[end].x1))
    return out


_TABLE_WORD = re.compile(r"%|^<?\d[\d,]*(?:\.\d+)?(?:mcg|µg|μg|ug|mg|g|iu)?[*†‡§¶]*$", re.IGNORECASE)


def gutter_right(words: list[Word], head: Heading, box: tuple[float, float, float, float]) -> float:
    """The right edge of a panel's region, pulled in to the whitespace gutter between the panel and
    text printed beside it (claims, directions, the next column of a catalog page).

    A gutter is a vertical strip, some points wide, that no word of the region crosses from the
    heading down (or, failing that, down to the panel's last figure), right of the heading's own
    width. A strip between the panel's own amount columns is told apart by what stands right of it:
    figures and percentages down several lines are the panel's columns, not text beside it."""
    left, top, right, bottom = box
    inside = [w for w in words if w.x0 >= left and w.x1 <= right + 1 and w.top >= top and w.bottom <= bottom + 1]
    if not inside:
        return right
    size = sorted(w.size for w in inside)[len(inside) // 2]
    figures = [w.bottom for w in inside
               if _TABLE_WORD.search(w.text) and any(ch.isdigit() or ch == "%" for ch in w.text)]
    spans = [bottom] + ([max(figures)] if figures else [])
    for span in spans:
        ws = [w for w in inside if w.top <= span]
        edge = _first_gutter(ws, head.x1 - 1.0, max(4.0, 0.6 * size), right)
        if edge is not None:
            return edge
    return right


def _first_gutter(ws: list[Word], start: float, min_gap: float, right: float) -> float | None:
    """The first gap, left to right, after which stands only text rather than the table's columns.
    Each gap is judged by the strip of words between it and the next gap: a strip with the
    table's figures or titles is a column of the panel (a panel of one row has its amount alone in
    its strip); a strip without them, or with one figure among several lines, or whose lines are
    mostly running text (claims quoting amounts: "1,000 IU of vitamin D per serving"), is text."""
    spans = sorted((w.x0, w.x1, w.size) for w in ws)
    reach, reach_size = None, 0.0
    gaps: list[tuple[float, float]] = []  # (where the text before it reaches, where the next starts)
    for x0, x1, size in spans:
        # wider than a word space of the type on either side (a heading's spaces are wide)
        need = max(min_gap, 0.6 * max(size, reach_size))
        if reach is not None and x0 - reach >= min(min_gap, 0.5) and reach >= start \
                and (x0 - reach >= need or _flush_block(ws, x0)):
            gaps.append((reach, x0))
        if reach is None or x1 > reach:
            reach, reach_size = x1, size
    text = []
    for i, (edge, x0) in enumerate(gaps):
        end = gaps[i + 1][0] + 0.5 if i + 1 < len(gaps) else float("inf")
        strip = [w for w in ws if w.x0 >= x0 - 0.5 and w.x1 <= end]
        figures = _amount_lines(strip)
        # a line of prose that runs across the gap (monospaced text lines its spaces up into a
        # column) continues the text left of it: not text beside the panel
        prose = _prose_lines(strip) - _prose_lines([w for w in ws if w.x1 <= edge + 0.5])
        text.append(not figures or (len(figures) < 2 and _prose(strip))
                    or (len(prose) >= 3 and len(prose) > len(figures - prose)))
    # text beside the panel stands right of all of the table: a strip of words without figures
    # between two columns of figures is a title or a name, not the text beside
    for i, (edge, _) in enumerate(gaps):
        if all(text[i:]):
            return edge + 1.0
    return None


_TITLE = re.compile(r"amount\s+per|per\s+serving|daily\s+value|%\s*(?:dv|nrv|ri|vnr|vrn)\b|per\s+daily|\bnrv\b|"
                    r"per\s+\d", re.IGNORECASE)


def _amount_lines(ws: list[Word]) -> set[int]:
    """Lines (by rounded top) that hold a table's figures or titles: an amount with its unit, a %DV,
    a "% DV" title, a figure or a unit alone (each set in a column of its own). A count in prose ("take
    2 capsules", "NPN 80012345") is not one."""
    by_line: dict[int, list[Word]] = {}
    for w in ws:
        by_line.setdefault(round(w.top / 2), []).append(w)
    out = set()
    for key, line in by_line.items():
        line.sort(key=lambda w: w.x0)
        if _TITLE.search(vocab.head_in_english(" ".join(w.text for w in line))) \
                or all(_FIGURE.match(w.text.rstrip("*†‡§¶")) or _UNIT.match(w.text) for w in line):
            out.add(key)
            continue
        for i, w in enumerate(line):
            if (_PERCENT.match(w.text) and "%" in w.text) or _GLUED.match(w.text) or (
                    _FIGURE.match(w.text) and i + 1 < len(line) and _UNIT.match(line[i + 1].text)):
                out.add(key)
                break
    return out


def _prose(ws: list[Word]) -> bool:
    """Several lines of running text: at least three, the widest many words long (a table's
    column, titles included, is a few words wide)."""
    lines: dict[int, list[Word]] = {}
    for w in ws:
        lines.setdefault(round(w.top / 2), []).append(w)
    size = sorted(w.size for w in ws)[len(ws) // 2]
    return len(lines) >= 3 and max(max(w.x1 for w in ln) - min(w.x0 for w in ln) for ln in lines.values()) > 15 * size


_WORD = re.compile(r"^[^\W\d_]{2,}[.,:;)*]*$")


def _prose_lines(ws: list[Word]) -> set[int]:
    """Lines (by rounded top) of running text: three words or more that are neither figures nor
    units nor column titles ("1,000 IU of vitamin D per serving", "Supports healthy bones"). A
    table's cells and titles hold fewer ("% Daily Value", "25 mcg (1,000 IU)")."""
    by_line: dict[int, list[Word]] = {}
    for w in ws:
        by_line.setdefault(round(w.top / 2), []).append(w)
    return {k for k, line in by_line.items()
            if sum(bool(_WORD.match(w.text)) and not _UNIT.match(w.text) and not _TITLE.search(w.text)
                   and not _TITLE_END.match(w.text) for w in line) >= 3}


def _flush_block(ws: list[Word], x0: float) -> bool:
    """Text set flush left at ``x0`` on several lines: a column of its own, even where a table
    cell beside it reaches to within a point of it (LibreOffice keeps no gutter inside a layout
    table)."""
    return len({round(w.top) for w in ws if abs(w.x0 - x0) < 0.6}) >= 3
