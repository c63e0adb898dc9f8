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
from typing import TYPE_CHECKING

from extract.layout import Line, Word

if TYPE_CHECKING:  # extract.panel imports this module
    from extract.panel import Heading

_FIGURE = re.compile(r"^<?\d[\d,]*(?:\.\d+)?$|^<?\.\d+$")
_UNIT = re.compile(r"^(?:mcg|µg|μg|ug|mg|g|iu|i\.u\.?)[*†‡§¶]*$", re.IGNORECASE)
_GLUED = re.compile(r"^<?\d[\d,]*(?:\.\d+)?(?:mcg|µg|μg|ug|mg|g|iu)[*†‡§¶]*$", re.IGNORECASE)
_PERCENT = re.compile(r"^(?:<?\d[\d,]*(?:\.\d+)?)?%[*†‡§¶]*$|^[*†‡§¶]+$")
_NOTE = re.compile(r"\b(?:providing|supplying|yielding|provides|elemental)\b", re.IGNORECASE)
_HEAD = re.compile(r"serving|amount\s+per|daily\s+value|%\s*dv|per\s+daily|nrv|contains", re.IGNORECASE)


def _amount_x(line: Line) -> list[float]:
    """x of each amount (a figure followed by a unit) on the line, not counting its first word."""
    ws = line.words
    out = []
    for i, w in enumerate(ws):
        if _GLUED.match(w.text) or (_FIGURE.match(w.text) and i + 1 < len(ws) and _UNIT.match(ws[i + 1].text)):
            out.append(w.x0)
    return out


def _complete(name: str) -> bool:
    """A row name that cannot continue on the next line."""
    t = name.rstrip()
    return t.count("(") <= t.count(")") and not t.endswith((",", "-", "/", "&", " as", " and", " from", " of"))


def _continuation(prev: str, text: str) -> bool:
    return not _complete(prev) or text[:1].islower() or text.startswith(("(", "["))


def merge_titles(lines: list[Line], first_row: int) -> list[Line]:
    """Column titles set over two or three lines ("1" / "Lozenge", "Per 2" / "Softgels", "% Daily" /
    "Value") joined column by column into one line: each word of a lower line follows the word
    above it whose centre is nearest. Title lines stand right of the name column, tight over each
    other, before the first row."""
    if first_row < 2:
        return lines
    size = max(1.0, sorted(line.size for line in lines)[len(lines) // 2])
    name_x = min(line.x0 for line in lines)
    out = list(lines[:first_row])
    i = 0
    while i < len(out) - 1:
        a, b = out[i], out[i + 1]
        if a.x0 > name_x + 2 * size and b.x0 > name_x + 2 * size and b.top - a.bottom < 0.6 * size \
                and not _amount_x(a) and not _amount_x(b):
            # cells: runs of words, on either line, that overlap or stand within a space or so
            cells: list[list[Word]] = []
            for w in sorted(a.words + b.words, key=lambda w: w.x0):
                if cells and w.x0 <= max(x.x1 for x in cells[-1]) + 1.0 * size:
                    cells[-1].append(w)
                else:
                    cells.append([w])
            words = [w for cell in cells for w in sorted(cell, key=lambda w: (round(w.top), w.x0))]
            out[i:i + 2] = [Line(words)]
            continue
        i += 1
    return out + lines[first_row:]


def _anchors(lines: list[Line]) -> list[int]:
    """The lines that carry a row's amount. A figure that goes on a note opened on the line
    above ("400 mg (providing" / "80 mg of" / "elemental magnesium)") is the note's, not a row's."""
    out = []
    for i, line in enumerate(lines):
        if not _amount_x(line) or _HEAD.search(line.text) or line.words[0].text.startswith("("):
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
    anchors = _anchors(lines)
    if not anchors:
        return lines
    lines = merge_titles(lines, anchors[0])
    anchors = _anchors(lines)
    size = max(1.0, sorted(line.size for line in lines)[len(lines) // 2])
    xs = sorted(x for i in anchors for x in _amount_x(lines[i]))
    # The amount columns' left edge: the first amount of the rows that have a name before it
    # (a figure inside a name, far left of the others, does not move it).
    named = sorted(x for i in anchors for x in _amount_x(lines[i])[:1] if x > lines[i].x0 + size)
    if not named:
        # no row prints its name beside its amount: the amounts that stand clear of the name column
        name_x = min(line.x0 for line in lines)
        named = sorted(_amount_x(lines[i])[0] for i in anchors if lines[i].x0 > name_x + 2 * size)
        if not named:
            return lines
    mid = named[len(named) // 2]
    left = min(x for x in named if x >= mid - 3.0 * size) - 1.0
    first, last = anchors[0], anchors[-1]
    # the body: from the first anchor to the last, and the lines set tight under the last one
    end = last
    while end + 1 < len(lines) and lines[end + 1].top - lines[end].bottom < 0.6 * size \
            and lines[end + 1].top < lines[last].bottom + 2.2 * size:
        end += 1
    start = first
    while start - 1 >= 0 and lines[start].top - lines[start - 1].bottom < 0.6 * size \
            and lines[start - 1].x1 < left and not _HEAD.search(lines[start - 1].text) \
            and (not _complete(lines[start - 1].text) or lines[start].words[0].x0 >= left - 1.0):
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

    names: list[list[Word]] = [[w for w in line.words if w.x1 <= left] for line in anchor_lines]
    cells: list[list[Word]] = [[w for w in line.words if w.x1 > left] for line in anchor_lines]
    loose: list[Line] = []
    changed = set()
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
            # set above an amount that has no name of its own (centred beside it) joins here
            if tight_above and not names[below[0]] and name_part:
                names[below[0]][:0] = name_part
                changed.add(below[0])
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
        cells[k].extend(cell_part)
        changed.add(k)
        if not name_part:
            continue
        prev_name = " ".join(w.text for w in names[above[-1]]) if above else ""
        if above and prev_name and _continuation(prev_name, text):
            names[above[-1]].extend(name_part)
            changed.add(above[-1])
        elif tight_above and not names[below[0]]:
            names[below[0]][:0] = name_part
            changed.add(below[0])
        elif above and k == above[-1]:
            names[k].extend(name_part)  # beside the row's own figures: its name's next line
        else:
            loose.append(Line(name_part))
    col_x = _columns([x for x in xs if x >= left], size)
    if not changed or (len(col_x) < 2 and all(names[k] for k in range(len(anchor_lines)))):
        # one amount column whose rows all carry their names: the row reader's own joining of
        # wrapped names and notes is enough, and safer
        return lines
    rebuilt: list[Line] = []
    for k, a in enumerate(anchor_lines):
        if k not in changed:
            rebuilt.append(a)
            continue
        name = sorted(names[k], key=lambda w: (round(w.top), w.x0))

        def order(w: Word) -> tuple:
            col = sum((w.x0 + w.x1) / 2 >= x for x in col_x)
            return (col, bool(_PERCENT.match(w.text)), round(w.top), w.x0)
        rebuilt.append(Line(name + sorted(cells[k], key=order)))
    out = lines[:start] + sorted(rebuilt + loose, key=lambda line: (line.top, line.x0)) + lines[end + 1:]
    return out


def _columns(xs: list[float], size: float) -> list[float]:
    """Left edges of the amount columns: amounts' x clustered (right-aligned figures of
    different lengths start a few characters apart; columns stand further apart)."""
    cols: list[float] = []
    for x in sorted(xs):
        if not cols or x - cols[-1] > 3.0 * size:
            cols.append(x)
    return cols


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
    spans = sorted((w.x0, w.x1) for w in ws)
    reach = None
    for x0, x1 in spans:
        if reach is not None and x0 - reach >= min_gap and reach >= start:
            beyond = [w for w in ws if w.x0 >= x0 - 0.5]
            lines_with_figures = {round(w.top / 2) for w in beyond
                                  if _TABLE_WORD.search(w.text) and any(ch.isdigit() or ch == "%" for ch in w.text)}
            if len(lines_with_figures) < 2:
                return reach + 1.0
        reach = x1 if reach is None else max(reach, x1)
    return None
