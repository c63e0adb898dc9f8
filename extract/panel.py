"""Finding Supplement Facts panels on a page and reading their rows.

A page's text interleaves panels, marketing copy and the panels of neighbouring
products, so each panel is first given a region (from its heading to the next heading
below it, and between the headings beside it), and rows are read inside that region only.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from functools import lru_cache

from extract import vocab
from extract.amounts import apply_providing, parse_row_columns, split_note
from extract.checks import starts_with_key_nutrient
from extract.layout import Line, Word, group_lines, union
from extract.records import PanelRecord, RowRecord
from extract.table import column_titles, reline

_BULLETS = re.compile(r"\(cid:\d+\)|[•●▪■◆]")
HEADING_RE = re.compile(r"^supplement$", re.IGNORECASE)
# Other conventions' headings: (first word, how the next word begins, region).
# Canada: "Medicinal Ingredients / Ingrédients médicinaux"; EU: "Nutrition(al) information".
OTHER_HEADINGS = (
    (re.compile(r"^medicinal$", re.IGNORECASE), "ingredients", "ca"),
    (re.compile(r"^nutrition(?:al)?$", re.IGNORECASE), "information", "eu"),
)
SERVING_SIZE_RE = re.compile(r"serving\s+size\s*:?\s*(?P<v>.*?)\s*(?:servings?\s+per\s+container.*)?$", re.IGNORECASE)
SERVINGS_PER_CONTAINER_RE = re.compile(r"servings\s+per\s+container\s*:?\s*(?P<v>[\w.,~ ]+?)\s*$", re.IGNORECASE)
HEADER_RE = re.compile(r"amount\s+per|per\s+serving|%\s*daily\s+value|%\s*dv\b|"
                       r"per\s+daily\s+(?:dose|portion|intake)|%\s*nrv|\bnrv\b|\bri\s*\*?$", re.IGNORECASE)
# EU: "per daily dose (2 capsules)", "Per daily portion (1 tablet)"
EU_HEADER_RE = re.compile(r"per\s+daily\s+(?:dose|portion|intake)|%\s*nrv|\bnrv\b", re.IGNORECASE)
DAILY_DOSE_QTY_RE = re.compile(r"per\s+daily\s+(?:dose|portion|intake)\s*\(\s*(?P<v>\d+\s+[^)]+?)\s*\)", re.IGNORECASE)
# Canada: "Each softgel contains / Chaque capsule molle contient:", "Each 2 capsules contain"
_EACH, _CONTAINS = vocab.each_alternation()
# "Each dose (2 softgels) contains": the serving is the dose's count of units.
EACH_RE = re.compile(
    rf"^(?:{_EACH})\s+(?:(?:dose|serving|portion)\s*\(\s*(?P<dn>\d+)\s+(?P<du>[^\W\d_][^()]*?)\s*\)|"
    rf"(?:(?P<n>\d+|one|two|three|four)\s+)?(?P<u>[^\W\d_][^\W\d_ -]*(?:[ -][^\W\d_]+)*?))\s+"
    rf"(?:{_CONTAINS})(?!\w)", re.IGNORECASE)
EACH_START_RE = re.compile(rf"^(?:{_EACH})\s", re.IGNORECASE)
# A line of a panel's head that is the French of the line before (bilingual Canadian panels).
# A wrapped "Chaque capsule molle / contient :" leaves the verb alone on its line.
FRENCH_HEAD_RE = re.compile(r"^(?:/\s*)?(?:chaque\b|ingr[ée]dients\s+m[ée]dicinaux|quantit[ée]|"
                            rf"(?:{_CONTAINS})\s*:?\s*$)", re.IGNORECASE)
# Amount-column titles of a panel with several amount columns. "Per 2 Capsules" may be set glued to
# the column before it ("% DailyPer 4", "% DailyChildren") or over two lines ("Per 2" / "Softgels"):
# the quantity counts, so no word boundary is asked for before a title.
_NOT_UNIT = r"(?!(?:mcg|mg|g|µg|μg|ug|iu|i\.u|rae|dfe|years?|yrs?|days?|weeks?|per|servings?|container)\b)"
COLUMN_RE = re.compile(
    r"(?P<daily>\bper\s+daily\s+(?:dose|portion|intake))(?:\s*\(\s*(?P<dq>\d+)[^)]*\))?|"
    r"per\s+(?P<q>\d+|one|two|three|four)\b(?:\s+(?P<u>" + _NOT_UNIT + r"[a-z]+))?|"
    r"\bper\s+(?P<unit>" + _NOT_UNIT + r"(?!daily\b|serving\b|container\b)[a-z]+)|"
    r"(?P<adult>adults?\b(?:\s*(?:&|and)\s*(?:children|kids|teens?)\b)?)(?:\s*\(?\d+\s*\+?\s*(?:years?|yrs?)?\)?)?|"
    r"(?P<child>children|kids|child)\b(?:\s*(?:\(?\s*(?:ages?\s*)?\d+\s*(?:\+|-\s*\d+|to\s+\d+)?\s*(?:years?|yrs?)?\)?))?",
    re.IGNORECASE)
# "1 Lozenge | 2 Lozenges | 4 Lozenges": bare counts of a dosage unit, as titles only when there are
# several on a line that holds no amount.
BARE_COLUMN_RE = re.compile(r"(?<![\w.,])(?P<q>\d+)\s+(?P<u>" + _NOT_UNIT + r"[a-z]+)", re.IGNORECASE)
# Lines that close the panel's table: footnotes, ingredient lists, directions.
END_RE = re.compile(
    r"^(?:[*†‡¹²³]\s*)?(?:" + vocab.end_alternation()
    + r"|percent\s+daily|daily\s+values?\s+(?:not|are)|other\s+ingredients|ingredients\s*:|"
    r"suggested\s+us|recommended\s+us|recommended\s+(?:daily\s+)?dose|directions|caution|warning|"
    r"non[-\s]?medicinal|ingr[ée]dients\s+non|\*?\s*nrv\s*[:=]|\*?\s*nutrient\s+reference|\*?\s*ri\s*[:=]|"
    r"\*?\s*reference\s+intake|food\s+supplements?\s+(?:should|must))",
    re.IGNORECASE,
)


@dataclass
class Heading:
    x0: float
    top: float
    x1: float
    bottom: float
    region: str = "us"
    size: float = 0.0
    bold: bool = False


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", _BULLETS.sub(" ", text)).strip()


def find_headings(words: list[Word], loose: bool = False) -> list[Heading]:
    """Panel headings in every convention and language (extract/vocab.toml [headings]).

    A heading is a phrase of consecutive words on one line, whatever its case, accents and
    letter-spacing. "Medicinal Ingredients / Ingrédients médicinaux" is one heading, not two.
    A weak heading ("Zusammensetzung", "Composition") counts only alone on its line with a
    panel's column titles (per daily dose, %NRV) under it: elsewhere it heads an ingredient list.

    ``loose``: every strong heading phrase set like a heading (bold, or larger than the page's
    text), wherever it stands, for the never-silent count of the panels a page shows (a heading
    the reader did not take is a panel lost)."""
    body = statistics.median(w.size for w in words) if loose and words else 0.0
    heads: list[Heading] = []
    ends: list[int] = []  # index of each heading's last word
    last_end = -10  # index of the last word of the previous heading
    taken: set[int] = set()  # indexes of the words of the headings found so far
    said: list[set[str]] = []  # the phrases each heading was read from
    for i, w in enumerate(words):
        if _fold_word(w.text)[:3] not in _heading_prefixes():
            continue
        match = _heading_at(words, i)
        if match is None:
            continue
        end, region, strong, used = match
        taken.update(used)
        prev = _neighbour(words, i, -1)
        if prev is not None and _fold_word(words[prev].text).rstrip(":").endswith(("non", "non-")):
            continue  # "Non medicinal ingredients"
        phrase = _TRAIL.sub("", "".join(vocab.compact(words[j].text) for j in used))
        twin = len(heads) - 1 if heads and _bilingual(words, last_end, i, heads[-1], region) else None
        if twin is not None and phrase in said[twin]:
            twin = None  # no heading is its own translation: the next panel's, after "Medicinal Ingredients /"
        if twin is None:
            # panels side by side: the translation under the left heading comes after the right one's
            twin = next((k for k in range(len(heads) - 1, -1, -1)
                         if _stacked(words[ends[k]], words[i], heads[k], region) and phrase not in said[k]), None)
        if twin is not None:
            h = heads[twin]  # the same heading in the other language
            h.x1, h.bottom = max(h.x1, words[end].x1), max(h.bottom, words[end].bottom)
            ends[twin] = last_end = end
            said[twin].add(phrase)
            continue
        if loose:
            if not strong:
                continue
        elif region != "us" and prev is not None and prev != last_end and not _after_heading(words, prev, taken):
            # inside a sentence or a footnote ("*VNR : valeurs nutritionnelles de référence"); a
            # heading may follow the heading of the panel beside it across a narrow gutter
            continue
        if not strong and not _weak_heading_holds(words, i, end, last_end):
            continue
        ws = [words[j] for j in used]
        if loose and not (all(x.bold for x in ws) or min(x.size for x in ws) >= 1.15 * body):
            continue
        heads.append(Heading(w.x0, min(x.top for x in ws), max(x.x1 for x in ws), max(x.bottom for x in ws), region,
                             max(x.size for x in ws), all(x.bold for x in ws)))
        ends.append(end)
        said.append({phrase})
        last_end = end
    return heads


def _after_heading(words: list[Word], prev: int, taken: set[int]) -> bool:
    """Does the word before a heading belong to the heading of the panel beside it? That heading
    may end in its translation's first word ("Medicinal Ingredients / Ingrédients" with
    "médicinaux" wrapped under it): the words back to one of its words are heading words too."""
    j = prev
    for _ in range(4):
        if j in taken:
            return True
        if vocab.compact(words[j].text).strip("/|") and not any(
                p.startswith(_TRAIL.sub("", vocab.compact(words[j].text))) for p, *_ in vocab.headings()):
            return False
        k = _neighbour(words, j, -1)
        if k is None:
            return False
        j = k
    return False


def _fold_word(text: str) -> str:
    t = text.casefold()
    return (t if t.isascii() else vocab.fold(t)).replace("-", "")


_heading_prefixes = lru_cache(maxsize=1)(lambda: frozenset(p[:3] for p, *_ in vocab.headings()))
_TRAIL = re.compile(r"[^\w]+$")


def _same_line(a: Word, b: Word) -> bool:
    # Type half again as large is not the same line of text: a heading set across a narrow gutter
    # from marketing copy or the panel beside it ("... immune  Composition") is no word of it.
    small, large = sorted((a.size, b.size))
    return (abs(b.top - a.top) < max(2.0, a.size * 0.3) and 0 <= b.x0 - a.x1 < a.size * 1.5
            and large <= 1.5 * max(small, 0.1))


def _neighbour(words: list[Word], i: int, step: int) -> int | None:
    """The word set next to words[i] on its line (step -1: before it, +1: after it)."""
    for j in range(i + step, i + step * 4, step):
        if not 0 <= j < len(words):
            return None
        a, b = (words[j], words[i]) if step < 0 else (words[i], words[j])
        if _same_line(a, b):
            return j
    return None


def _heading_at(words: list[Word], i: int) -> tuple[int, str, bool, list[int]] | None:
    """(index of the heading's last word, region, strong, indexes of its words) for a heading
    starting at words[i]. A heading set in a narrow column wraps ("MEDICINAL" / "INGREDIENTS /"):
    while the words read so far only begin a phrase, the line under them, starting where the
    heading starts, may go on with it."""
    phrases = vocab.headings()
    idx, acc, best, used = i, "", None, []
    for _ in range(6):
        before = acc
        acc += vocab.compact(words[idx].text)
        used.append(idx)
        bare = _TRAIL.sub("", acc)
        for phrase, region, strong, n in phrases:
            # the whole phrase; or, as ever for "Supplement Facts", a several-word phrase whose
            # last word runs into what follows it
            whole = bare == phrase or (n > 1 and acc.startswith(phrase) and not before.startswith(phrase))
            if whole and (best is None or len(phrase) > best[3]):
                best = (idx, region, strong, len(phrase), list(used))
        if not any(p.startswith(bare) and p != bare for p, *_ in phrases):
            break
        nxt = _neighbour(words, idx, 1)
        if nxt is None or not _goes_on(acc + vocab.compact(words[nxt].text), phrases):
            # the word beside may be the next panel's heading across a narrow gutter, the phrase
            # wrapped onto the line under it
            under = _wrapped(words, idx, i)
            if under is not None and (nxt is None or _goes_on(acc + vocab.compact(words[under].text), phrases)):
                nxt = under
        if nxt is None:
            break
        idx = nxt
    return (best[0], best[1], best[2], best[4]) if best else None


def _goes_on(acc: str, phrases: tuple[tuple[str, str, bool, int], ...]) -> bool:
    """Do the words read so far begin (or make) a heading phrase?"""
    bare = _TRAIL.sub("", acc)
    return any(p.startswith(bare) or (n > 1 and bare.startswith(p)) for p, _r, _s, n in phrases)


def _wrapped(words: list[Word], idx: int, first: int) -> int | None:
    """The word that opens the line under words[idx] at the left edge of words[first], if any."""
    w, start = words[idx], words[first]
    for j in range(idx + 1, min(len(words), idx + 40)):
        x = words[j]
        if w.bottom - 1 < x.top < w.bottom + w.size and abs(x.x0 - start.x0) < start.size:
            return j
    return None


def _bilingual(words: list[Word], last_end: int, i: int, last: Heading, region: str) -> bool:
    """Is words[i] the start of a translation of the heading ``last`` that ends at words[last_end]?
    "Medicinal Ingredients / Ingrédients médicinaux" on one line, or the translation set on the
    line under it, flush with it."""
    if last_end < 0:
        return False
    prev, w = words[last_end], words[i]
    slash = prev.text.endswith(("/", "|")) or w.text.startswith(("/", "|"))
    if abs(prev.top - w.top) <= 2.0:
        reach = max((x.x1 for x in words[last_end:i] if abs(x.top - w.top) <= 2.0 and x.x1 <= w.x0), default=prev.x1)
        if w.x0 - reach > 2 * w.size:
            return False  # across a gutter: the heading of the panel beside it
        between = [x.text for x in words[last_end + 1:i]]
        if slash:
            return not between
        return bool(between) and all(t in ("/", "|") for t in between)
    return _stacked(prev, w, last, region)


def _stacked(prev: Word, w: Word, last: Heading, region: str) -> bool:
    """Is ``w`` the translation of the heading ``last`` (ending in ``prev``) set under it, flush with it?"""
    slash = prev.text.endswith(("/", "|")) or w.text.startswith(("/", "|"))
    stacked = -1 < w.top - prev.bottom < 0.8 * w.size and abs(w.x0 - last.x0) < w.size
    return stacked and (slash or region == last.region)


def _weak_heading_holds(words: list[Word], i: int, end: int, last_end: int) -> bool:
    before, after = _neighbour(words, i, -1), _neighbour(words, end, 1)
    if (before is not None and before != last_end) or (after is not None and _heading_at(words, after) is None):
        return False  # a word beside it: an ingredient list's opening ("Zusammensetzung: ...")
    w = words[i]
    below = [x.text for x in words if w.bottom < x.top < w.bottom + 8 * w.size and x.x1 > w.x0 - 10
             and x.x0 < w.x0 + 400]
    return bool(vocab.panel_cue().search(vocab.head_in_english(" ".join(below))))


_BESIDE = 60.0  # points between the tops of two headings that stand side by side


def reading_order(heads: list[Heading]) -> list[Heading]:
    """Rows of panels top to bottom, left to right within a row (SPEC ``panel``)."""
    rows: list[list[Heading]] = []
    for h in sorted(heads, key=lambda h: h.top):
        # Panels side by side are one row even when their mastheads or directions above them differ
        # in height and push one heading down: a heading clear of the row's columns and close
        # under its first heading joins it (a panel under another overlaps its column).
        beside = rows and all(h.x0 >= x.x1 or h.x1 <= x.x0 for x in rows[-1])
        if rows and (abs(rows[-1][0].top - h.top) < 20 or (beside and (
                h.top - rows[-1][0].top < 80 or any(_level(h, x) for x in rows[-1])))):
            rows[-1].append(h)
        else:
            rows.append([h])
    return [h for row in rows for h in sorted(row, key=lambda h: h.x0)]


def _level(a: Heading, b: Heading) -> bool:
    """Do two headings share a band of the page? A heading wrapped in a narrow column
    ("MEDICINAL" / "INGREDIENTS /" / ...) stands as high as its neighbour's however far its
    top is pushed down."""
    return a.top < b.bottom and b.top < a.bottom


def _side_by_side(a: Heading, b: Heading) -> bool:
    """Panels in columns: headings level with each other, or clear of each other's column however
    far apart (mastheads and directions of different heights above them stagger their tops). A
    heading in the next column never ends a panel's region: only one under it in its column does."""
    return abs(a.top - b.top) < _BESIDE or a.x1 <= b.x0 or b.x1 <= a.x0


def panel_regions(heads: list[Heading], width: float, height: float,
                  words: list[Word] | None = None) -> list[tuple[float, float, float, float]]:
    """A (left, top, right, bottom) box per heading, not overlapping its neighbours; with the
    page's ``words``, narrowed to the whitespace gutter that parts the panel from text beside it."""
    regions = _heading_regions(heads, width, height)
    if words is None:
        return regions
    from extract.table import gutter_right
    return [(left, top, gutter_right(words, h, (left, top, right, bottom)), bottom)
            for h, (left, top, right, bottom) in zip(heads, regions, strict=True)]


def _heading_regions(heads: list[Heading], width: float, height: float) -> list[tuple[float, float, float, float]]:
    regions = []
    for h in heads:
        left = h.x0 - 8
        right = width
        bottom = height
        for o in heads:
            if o is h:
                continue
            side_by_side = _side_by_side(h, o)
            if side_by_side and o.x0 > h.x0:
                right = min(right, o.x0 - 1)  # gutters may be a few points: the neighbour starts at its heading
            elif side_by_side and o.x0 < h.x0:
                left = max(left, h.x0 - 8)
            elif o.top > h.top and o.x0 < right and o.x1 > left:
                bottom = min(bottom, o.top - 2)
        regions.append((max(0.0, left), h.top - 2, right, bottom))
    return regions


def _inside(w: Word, box: tuple[float, float, float, float]) -> bool:
    left, top, right, bottom = box
    return w.x0 >= left and w.x1 <= right + 1 and w.top >= top and w.bottom <= bottom + 1


def read_panel(words: list[Word], box: tuple[float, float, float, float], page: int, index: int,
               region: str = "us") -> tuple[PanelRecord, float]:
    """Read one panel. Returns the record and where its table ends (frame y)."""
    lines = reline(group_lines([w for w in words if _inside(w, box)]))
    rec = PanelRecord(page=page, panel=index, region=region)
    columns, pick = 1, 0  # amount columns of the panel, and the one that counts (SPEC "Dose semantics")
    titles = column_titles(lines)  # the title over each amount column, where the amounts stand

    by_titles: dict[str | None, tuple[int, int] | None] = {}  # by serving size, once learnt

    def chosen() -> tuple[int, int]:
        # The title line's reading stands where it counts as many columns as the amounts show, or
        # more (a column whose cells are unreadable, glued to their %DV, shows no amounts); where
        # it counts fewer, it lost a title.
        if rec.serving_size not in by_titles:
            by_titles[rec.serving_size] = _columns_by_titles(titles, rec.serving_size)
        geo = by_titles[rec.serving_size]
        return (columns, pick) if geo is None or columns >= geo[0] else geo

    def parse_row_text(t: str) -> RowRecord | None:
        return parse_row_columns(t, *chosen(), decimal_comma=rec.region == "eu")

    def take_columns(t: str) -> bool:
        nonlocal columns, pick
        found = _columns(t, rec.serving_size)
        if found is None:
            return False
        columns, pick = found
        return True

    rows: list[tuple[RowRecord, list[Line]]] = []
    state = "head"
    each_carry = ""  # the start of an "Each ... contains" line that wrapped
    pending: list[Line] = []
    end_y = box[1]
    raw_tail = ""  # text of a "(providing ...)" note under the last row, while it is open
    amount_x: float | None = None  # where the amount column starts, learnt from the first row
    titles_x: float | None = None  # where the column titles start, once a panel has several

    def flush_pending() -> None:
        # A name line with no amount of its own and not the head of the next row: a row
        # printed without an amount (a blend member, a "Proprietary Blend" heading).
        if pending:
            rows.append((RowRecord(label_text=clean(" ".join(p.text for p in pending))), list(pending)))
            pending.clear()
    for line in lines:
        # A lone colon or comma opening the line is the end of a line of the column beside, set
        # across a gutter of two or three points (": Each tablet contains" after "... contient").
        text = _STRAY.sub("", clean(line.text))
        if not text:
            continue
        if not rows and not pending:
            text = vocab.head_in_english(text)  # "pro Tagesdosis (2 Kapseln)": "per daily dose (2 Kapseln)"
        if state == "head":
            if EU_HEADER_RE.search(text):
                rec.region = "eu"
                if re.search(r"per\s+daily", text, re.IGNORECASE):
                    rec.per_daily_dose = True
                dd = DAILY_DOSE_QTY_RE.search(text)
                if dd and rec.serving_size is None:
                    rec.serving_size = _title_units(dd.group("v"))
            if each_carry:
                text, each_carry = each_carry + " " + text, ""
            each = EACH_RE.match(text)
            if each is None and EACH_START_RE.match(text) and len(text) < 60 and rec.serving_size is None:
                each_carry = text  # "Each dose (2 softgels)" / "contains": set over two or three lines
                end_y = line.bottom
                continue
            if each and rec.serving_size is None:
                # Canada: "Each softgel contains": the dosage unit is the serving
                n = each.group("dn") or each.group("n") or "1"
                rec.serving_size = f"{n} {_title_units(each.group('du') or each.group('u'))}"
                take_columns(text)
                state = "rows"
                end_y = line.bottom
                continue
            if not SERVING_SIZE_RE.search(text) and take_columns(text):
                state = "rows"
                titles_x = line.x0
                end_y = line.bottom
                continue
            m = SERVING_SIZE_RE.search(text)
            if m and rec.serving_size is None:
                rec.serving_size = m.group("v").strip(" :") or None
            m2 = SERVINGS_PER_CONTAINER_RE.search(text)
            if m2:
                rec.servings_per_container = m2.group("v").strip()
            if HEADER_RE.search(text) and not m:
                state = "rows"
            elif m2 or m:
                continue
            elif rec.serving_size and parse_row_text(text):
                state = "rows"  # no header line: rows follow the serving lines
            else:
                continue
            if state == "rows" and HEADER_RE.search(text):
                end_y = line.bottom
                continue
        if rows and line.top - end_y > max(30.0, 3.5 * line.size):
            break  # a wide gap: the table is over
        if END_RE.match(text):
            break
        if not rows and columns == 1 and parse_row_text(text) is None and take_columns(text):
            # Column titles set over several lines ("% Daily" / "2 Gummies" / "Value"): the
            # fragments read before the line that names the columns were titles too.
            pending.clear()
            titles_x = line.x0
            end_y = line.bottom
            continue
        if not rows and not pending and (take_columns(text) or FRENCH_HEAD_RE.match(text)
                                          or (HEADER_RE.search(text) and parse_row_text(text) is None)):
            end_y = line.bottom  # column titles, a second header line, the French of the header
            if columns > 1:
                titles_x = line.x0
            continue
        if not rows and titles_x is not None and line.x0 >= titles_x - 2 and not re.search(r"\d", text):
            end_y = line.bottom  # the rest of a column title set over two lines ("Per 2" / "Softgels")
            continue
        row = parse_row_text(text)
        if row is None and pending:
            # A name on earlier lines, its amount on this one; a note may sit inside the name.
            name_text, note, _ = split_note(clean(" ".join(p.text for p in pending)))
            row = parse_row_text(name_text + " " + text)
            if row is not None:
                if note:
                    row.note = note
                    apply_providing(row, note)
                rows.append((row, [*pending, line]))
                pending.clear()
                raw_tail = note
                end_y = line.bottom
                continue
            merged = _cell_merge([*pending, line])
            cell_row = parse_row_text(merged) if merged else None
            if cell_row is not None and cell_row.amount is not None:
                row = cell_row
                # A name and its amount both wrapped onto the next line(s): "VITAMIN D (AS" /
                # "CHOLECALCIFEROL)" beside "50 MCG (2,000" / "IU)". Line by line the two
                # columns interleave; each tail is put back in the cell it sits under.
                rows.append((row, [*pending, line]))
                pending.clear()
                raw_tail = row.note or ""
                end_y = line.bottom
                continue
            fx = _figures_x(pending)
            only_figures = all(_FIGURE_WORD.match(w.text) for p in pending for w in p.words)
            if (fx is not None and all(w.x0 >= fx - 2 for w in line.words) and re.search(r"\d", text)) or (
                    only_figures and line.x0 < min(p.x0 for p in pending) - 2):
                # Cells centred in a taller row: a figure set above the row's name line, or below
                # it, with the rest of its cell still to come.
                pending.append(line)
                end_y = line.bottom
                continue
        if row is not None:
            # a name line goes on with the row under it when that row's name opens with a bracket that
            # qualifies it ("VITAMIN D3" / "(CHOLECALCIFEROL) 25 mcg"): a bracket never starts a name
            if pending and not _is_prefix(clean(" ".join(p.text for p in pending))) \
                    and not row.label_text.startswith(("(", "[")):
                flush_pending()
            if pending:
                row.label_text = clean(" ".join(p.text for p in pending) + " " + row.label_text)
                row_lines = [*pending, line]
                pending.clear()
            else:
                row_lines = [line]
            rows.append((row, row_lines))
            raw_tail = row.note or ""
            x = _amount_start(line, row.amount_text)
            if x is not None:
                amount_x = x if amount_x is None else min(amount_x, x)
            end_y = line.bottom
            continue
        if rows and amount_x is not None and _alt_line(rows[-1], line, amount_x, *chosen()):
            prev, plines = rows[-1]
            plines.append(line)
            end_y = line.bottom
            name_part = clean(" ".join(w.text for w in line.words if w.x1 < amount_x - 2))
            if name_part and _continues(prev.label_text, name_part):
                prev.label_text = clean(prev.label_text + " " + name_part)
            continue
        note_part = [w for w in line.words if amount_x is not None and w.x1 >= amount_x - 2]
        note_text = clean(" ".join(w.text for w in note_part))
        if amount_x is not None and rows and note_part and (
                raw_tail.count("(") > raw_tail.count(")") or split_note(note_text)[1]):
            # A note in the amount column ("(providing 200 mg" / "elemental magnesium)"), while
            # the name may wrap beside it in the name column.
            name_words = [w for w in line.words if w.x1 < amount_x - 2]
            prev, plines = rows[-1]
            if note_part:
                raw_tail += " " + " ".join(w.text for w in note_part)
                apply_providing(prev, raw_tail)
                prev.note = clean(raw_tail)
            plines.append(line)
            end_y = line.bottom
            if name_words:
                name_text = clean(" ".join(w.text for w in name_words))
                if _continues(prev.label_text, name_text):
                    prev.label_text = clean(prev.label_text + " " + name_text)
            continue
        if rows and not pending and (split_note(text)[1] or raw_tail.count("(") > raw_tail.count(")")):
            # "(providing 100 mg elemental magnesium)", possibly wrapped: not part of the name
            prev, plines = rows[-1]
            raw_tail += " " + text
            apply_providing(prev, raw_tail)
            prev.note = clean(raw_tail)
            plines.append(line)
            end_y = line.bottom
            continue
        if not pending and rows and _continues(rows[-1][0].label_text, text, line, rows[-1][1]):
            prev, plines = rows[-1]
            prev.label_text = clean(prev.label_text + " " + text)
            plines.append(line)
            end_y = line.bottom
            continue
        if pending and _continues(clean(" ".join(p.text for p in pending)), text):
            pending.append(line)
        else:
            flush_pending()
            pending.append(line)  # a name whose amount comes on a later line, or an amountless row
        end_y = line.bottom
    flush_pending()
    if rows and (missing := _serving_column_missing(titles, rec.serving_size)) is not None:
        rec.review.append(missing)
    if rec.region == "eu":
        for row, _ in rows:  # "%NRV": kept apart, never read as a US %DV
            row.percent_nrv, row.percent_dv = row.percent_dv, None
    for row, rlines in rows:
        row.bbox = union(row_line.orig_bbox() for row_line in rlines)
        # OCR's word confidences weighted by word length (1.0 from a text layer).
        ws = [w for row_line in rlines for w in row_line.words]
        row.confidence = round(sum(w.confidence * len(w.text) for w in ws) / max(1, sum(len(w.text) for w in ws)), 3)
        rec.rows.append(row)
    all_lines = [row_line for _, ls in rows for row_line in ls] or lines[:1]
    if all_lines:
        rec.bbox = union([line.orig_bbox() for line in lines if line.top <= end_y] or [all_lines[0].orig_bbox()])
    return rec, end_y


_QTY_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4}


def _title_units(text: str) -> str:
    return " ".join(w if w.isdigit() else w.capitalize() for w in clean(text).split())


def _qty(raw: str) -> float:
    return float(_QTY_WORDS.get(raw.lower(), raw)) if raw.lower() in _QTY_WORDS or raw.isdigit() else 1.0


_STRAY = re.compile(r"^[:;,]\s+")


def _columns(text: str, serving_size: str | None) -> tuple[int, int] | None:
    """(number of amount columns, the column that counts) for a line of column titles, else None.

    "Per 1 Capsule | Per 2 Capsules": the column whose quantity is the serving size (else the first);
    "Per capsule | Per daily dose (2 capsules)": the daily dose's (EU: one serving a day);
    "Adults | Children 4+", "Adults & Children 12+ | Children 4-11": the adults' column (SPEC
    "Dose semantics")."""
    titles = list(COLUMN_RE.finditer(text))
    if len(titles) < 2:
        bare = list(BARE_COLUMN_RE.finditer(text))
        if len(bare) >= 2 and not re.search(r"serving|container", text, re.IGNORECASE) \
                and parse_row_columns(text, 1, 0) is None:
            return len(bare), _pick_quantity([_qty(b.group("q")) for b in bare], serving_size)
        return None
    if any(t.group("daily") for t in titles) and all(t.group("daily") or t.group("unit") or t.group("q")
                                                    for t in titles):
        return len(titles), next(i for i, t in enumerate(titles) if t.group("daily"))
    if all(t.group("q") for t in titles):
        return len(titles), _pick_quantity([_qty(t.group("q")) for t in titles], serving_size)
    if any(t.group("adult") for t in titles) and all(t.group("adult") or t.group("child") for t in titles):
        return len(titles), next(i for i, t in enumerate(titles) if t.group("adult"))
    return None


_DV_TITLE = re.compile(r"%\s*(?:daily\b|dv\b|nrv\b|ri\b|vnr\b|vrn\b)?[*†‡§¶]*|\b(?:values?|dv|nrv|vnr|vrn)\b[*†‡§¶]*",
                       re.IGNORECASE)


def _columns_by_titles(titles: list[str] | None, serving_size: str | None) -> tuple[int, int] | None:
    """(number of amount columns, the column that counts) from the title over each column as the
    table's geometry found them (extract.table.column_titles), else None: the columns are counted
    by where the amounts stand, so a title the title line garbles or loses does not shift them.
    The same choice as ``_columns``: the daily dose's column, the serving size's quantity, the
    adults' column."""
    if not titles:
        return None
    found, qtys = _title_kinds(titles)
    if any(m and m.group("daily") for m in found):
        return len(titles), next(i for i, m in enumerate(found) if m and m.group("daily"))
    if sum(q is not None for q in qtys) >= 2:
        # only where the serving size names one of them: else the title line's reading stands
        want = _serving_qty(serving_size)
        return (len(titles), qtys.index(want)) if want is not None and qtys.count(want) == 1 else None
    adults = [i for i, m in enumerate(found) if m and m.group("adult")]
    if len(adults) == 1:
        return len(titles), adults[0]
    return None


def _title_kinds(titles: list[str]) -> tuple[list[re.Match[str] | None], list[float | None]]:
    """Each column title's match of COLUMN_RE, and its quantity of dosage units where it gives one."""
    # the %DV column's title stands among them, its words interleaved ("1 % Daily" / "Softgel Value")
    titles = [vocab.head_in_english(re.sub(r"\s+", " ", _DV_TITLE.sub(" ", t)).strip()) for t in titles]
    found = [COLUMN_RE.search(t) for t in titles]
    qtys: list[float | None] = []
    for t, m in zip(titles, found, strict=True):
        bare = BARE_COLUMN_RE.search(t)
        qtys.append(_qty(m.group("q")) if m and m.group("q") else 1.0 if m and m.group("unit")
                    else _qty(bare.group("q")) if bare and not m else None)
    return found, qtys


def _serving_column_missing(titles: list[str] | None, serving_size: str | None) -> str | None:
    """A review reason where the columns are titled by quantity and none is the serving size's
    ("Serving Size 3 Capsules" over "Per 1 | Per 2 Capsules"): whichever is read, the dose is a guess."""
    if not titles or _serving_qty(serving_size) is None:
        return None
    found, qtys = _title_kinds(titles)
    if any(m and m.group("daily") for m in found) or sum(q is not None for q in qtys) < 2 \
            or _serving_qty(serving_size) in qtys:
        return None
    shown = ", ".join(f"{q:g}" for q in qtys if q is not None)
    return (f"the serving size ({serving_size}) is the quantity of none of the amount columns (per {shown}); "
            "which column holds the serving's amounts could not be told")


def _serving_qty(serving_size: str | None) -> float | None:
    m = re.match(r"\s*(\d+(?:\.\d+)?|one|two|three|four)\b", serving_size or "", re.IGNORECASE)
    return _qty(m.group(1)) if m else None


def _pick_quantity(qtys: list[float | None], serving_size: str | None) -> int:
    want = _serving_qty(serving_size)
    return qtys.index(want) if want in qtys else 0


_ALT_RE = re.compile(r"\(\s*(?P<n>\d[\d,]*(?:\.\d+)?|\.\d+)\s*(?P<u>[^\s()\d][^()]*?)\s*\)[†‡*§¶]*")


def _alt_line(row_and_lines: tuple[RowRecord, list[Line]], line: Line, amount_x: float, columns: int,
              pick: int) -> bool:
    """A line whose amount column holds only the row's second units, "(5,000 IU)" per column, set
    under the first ones (the name may wrap beside them): the line belongs to the row above.
    The picked column's figure becomes the row's alternative amount (a cross-check)."""
    from extract.amounts import normalise_unit, parse_number
    part = " ".join(w.text for w in line.words if w.x1 >= amount_x - 2).strip()
    if not part:
        return False
    alts = list(_ALT_RE.finditer(part))
    if not alts or _ALT_RE.sub("", part).strip() or len(alts) not in (1, columns):
        return False
    row = row_and_lines[0]
    if row.amount is None:
        return False
    alt = alts[min(pick, len(alts) - 1)]
    unit = normalise_unit(alt.group("u"))
    if unit not in ("IU", "mcg", "mg", "g", "mcg RAE", "mcg DFE"):
        return False
    if row.alt_amount is None:
        row.alt_amount, row.alt_unit = parse_number(alt.group("n")), unit
    return True


def _continues(prev: str, text: str, line: Line | None = None, prev_lines: list[Line] | None = None) -> bool:
    """Is ``text`` the wrapped tail of the row name ``prev``?"""
    if prev.count("(") > prev.count(")"):
        return True
    if line is not None and prev_lines:
        last = prev_lines[-1]
        # Set tight under the row and flush with its name: a wrap. Blend members are indented.
        # A line that opens with a key nutrient's name is a row of its own set tight, even with
        # no amount read: joined to the row above, its nutrient would vanish without a word.
        if line.top - last.bottom < 0.6 * line.size and abs(line.x0 - prev_lines[0].x0) < 2.5 \
                and not starts_with_key_nutrient(text):
            return True
    if prev.rstrip().endswith((",", "-", "/", "&", " as", " and", " from", " of")):
        return True
    return text[:1].islower() or text.startswith(("(", "["))


_FIGURE_WORD = re.compile(r"[<.]?\d[\d.,]*%?$")


def _figures_x(lines: list[Line]) -> float | None:
    """Where the figures of a block of row lines start: the leftmost word that opens with a digit
    and is not at the block's left edge (a name may begin with one)."""
    left = min(w.x0 for line in lines for w in line.words)
    xs = [w.x0 for line in lines for w in line.words
          if (w.text[:1].isdigit() or w.text[:1] in "<.") and w.x0 > left + 1]
    return min(xs) if xs else None


def _cell_merge(lines: list[Line]) -> str | None:
    """A row whose name and figures both wrap, read cell by cell: the words left of the figures
    (the name, line by line), then each figure cell (words set close together on a line, and the
    pieces on other lines under them) in column order. None when the block has no name beside
    figures, or no cell runs over more than one line (nothing to put back)."""
    fx = _figures_x(lines)
    if fx is None:
        return None
    name = [w.text for line in lines for w in line.words if w.x1 <= fx]
    if not name:
        return None
    gap = max(1.0, 0.6 * statistics.median(w.size for line in lines for w in line.words))  # more than a space
    segments: list[list[Word]] = []
    for line in lines:
        start = len(segments)
        for w in (w for w in line.words if w.x1 > fx):
            if len(segments) > start and w.x0 - segments[-1][-1].x1 <= gap:
                segments[-1].append(w)
            else:
                segments.append([w])
    cells: list[tuple[float, float, list[str]]] = []
    for seg in segments:
        x0, x1, texts = seg[0].x0, seg[-1].x1, [w.text for w in seg]
        k = next((i for i, c in enumerate(cells) if x0 < c[1] and x1 > c[0]), None)
        if k is None:
            cells.append((x0, x1, texts))
        else:
            c = cells[k]
            cells[k] = (min(c[0], x0), max(c[1], x1), c[2] + texts)
    if len(cells) == len(segments):
        return None
    return clean(" ".join([*name, *(" ".join(c[2]) for c in sorted(cells))]))


def _amount_start(line: Line, amount_text: str) -> float | None:
    """x where the row's amount begins on its line (the amount column's left edge)."""
    texts = [w.text for w in line.words]
    for i in range(1, len(texts)):
        rest = " ".join(texts[i:])
        starts = rest.startswith(amount_text.split(" ")[0]) and rest.startswith(amount_text[:3])
        if starts and (texts[i][:1].isdigit() or texts[i][:1] in "<."):
            return line.words[i].x0
    return None


def _is_prefix(text: str) -> bool:
    """A name line that cannot stand alone: its amount comes on the next line."""
    return text.count("(") > text.count(")") or text.rstrip().endswith(
        (",", "-", "/", "&", " as", " and", " from", " of"))
