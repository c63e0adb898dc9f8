"""PDF reports through WeasyPrint, laid out in chunks so that memory stays bounded.

WeasyPrint keeps every laid-out page of a document (its boxes and computed styles, about
2-3 MB a page for the flagged-products table) until it writes the PDF: a 140-page catalog
summary took 550 MB. Here the document is cut into *units* (each block directly under
``<body>``, and each row of a table directly under ``<body>``) and laid out as a series of
chunk documents of about :data:`CHUNK_WEIGHT` units. A chunk keeps all its pages but the
last; the next chunk starts with the unit at the top of that dropped page. Pages therefore
break exactly where one long layout breaks them (a page that starts after an unforced break
has its top margin truncated, which the chunk reproduces), and each chunk's boxes are freed
once its pages are drawn into PDF objects (pydyf).

The pages are then joined into one PDF with what WeasyPrint would have written for the whole
document: the page footers ("page N of M" needs the page count, so the footers are laid out
last as a document of their own and drawn on each page as a form XObject), the named
destinations and internal links across chunks, the outline (bookmarks) and the metadata.

What it assumes of the HTML, as the report template has it: no forced page breaks, no page-based
selectors other than the margin boxes, and tables that collapse borders have the same bottom border
under their header as under their rows (a table continued in a new chunk meets its header row where
one long layout met the row before).

This module imports neither DuckDB nor matplotlib: it runs in spawned worker processes.
"""
from __future__ import annotations

import contextlib
import re
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

CHUNK_WEIGHT = 100           # units per chunk: about 10 pages of table rows (a row weighs 1)
BLOCK_WEIGHT = 4             # a block (evidence card, chart, heading...) weighs more than a row
# A table with table-layout: fixed (the flagged-products table) can be cut after any row: its column
# widths do not depend on its rows. An automatic-layout table sizes its columns once from all its rows,
# so the chunk where one starts holds all of it, and a later chunk that starts inside it lays its rest
# out with those widths, fixed (``pins``).
FIXED_TABLE = re.compile(r'<table\b[^>]*\bclass="[^"]*\bflagged\b')
_MARGIN_BOXES = ("top-left-corner", "top-left", "top-center", "top-right", "top-right-corner", "bottom-left-corner",
                 "bottom-left", "bottom-center", "bottom-right", "bottom-right-corner", "left-top", "left-middle",
                 "left-bottom", "right-top", "right-middle", "right-bottom")
# Chunks draw no margin boxes (the footers come last, see _Assembler.add_footers); a chunk's first unit
# sits at the top of a page that followed an unforced break, where WeasyPrint truncates its top margin.
_CHUNK_CSS = ("<style>@page{" + "".join(f"@{m}{{content:none}}" for m in _MARGIN_BOXES) + "}"
              "[data-la-first]{margin-top:0!important}</style>")
# A chunk after the first continues the root and body boxes: no top margin, border or padding of theirs
# on its first page (they belong to the document's first page).
_CONTINUED_CSS = ("<style>html,body{margin-top:0!important;padding-top:0!important;border-top-width:0!important}"
                  "</style>")
# The footer document draws the margin boxes only: no page or root background over the content.
_FOOTER_CSS = ("<style>@page{background:none!important;border:none!important}"
               "html,body{background:none!important}</style>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_REF = re.compile(rb"(\d+) 0 R")


# ------------------------------------------------------------------ cutting the HTML into units

@dataclass
class _Block:
    html: str = ""                 # the whole block, or for a split table its opening up to the first row
    rows: list[str] = field(default_factory=list)
    suffix: str = ""               # a split table's closing after the last row
    fixed: bool = True             # a split table that a chunk may end inside (see FIXED_TABLE)


@dataclass
class _Doc:
    head: str                      # everything up to and including <body ...>
    head_continued: str            # the same for the chunks after the first
    tail: str                      # </body></html>
    blocks: list[_Block]
    units: list[tuple[int, int | None]]   # (block, row) in document order
    weights: list[int]


class _Splitter(HTMLParser):
    """Offsets of the blocks directly under <body> and of the rows of their tables' <tbody>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.src = html
        self.lines = [0] + [m.end() for m in re.finditer("\n", html)]
        self.stack: list[str] = []
        self.in_body = False
        self.body_start: int | None = None
        self.body_end: int | None = None
        self.blocks: list[list[Any]] = []  # [start, end, rows[[start, end]]]

    def _pos(self) -> int:
        line, col = self.getpos()
        return self.lines[line - 1] + col

    def _tag_end(self, start: int) -> int:
        return self.src.index(">", start) + 1

    def _start_tag_length(self) -> int:
        return len(self.get_starttag_text() or "")  # set while a start tag is handled

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pos = self._pos()
        if tag == "body" and not self.in_body:
            self.in_body = True
            self.body_start = pos + self._start_tag_length()
            self.stack = []
            return
        if not self.in_body:
            return
        if not self.stack:
            self.blocks.append([pos, None, []])
            if tag in _VOID:
                self.blocks[-1][1] = pos + self._start_tag_length()
                return
        elif tag == "tr" and self.stack == ["table", "tbody"]:
            self.blocks[-1][2].append([pos, None])
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.in_body and not self.stack:
            pos = self._pos()
            self.blocks.append([pos, pos + self._start_tag_length(), []])

    def handle_endtag(self, tag: str) -> None:
        if not self.in_body:
            return
        pos = self._pos()
        if not self.stack:
            if tag == "body":
                self.body_end = pos
                self.in_body = False
            return
        if tag not in self.stack:      # a stray end tag: ignore it, as a browser would
            return
        while self.stack and self.stack.pop() != tag:
            pass
        if tag == "tr" and self.stack == ["table", "tbody"] and self.blocks[-1][2]:
            self.blocks[-1][2][-1][1] = self._tag_end(pos)
        if not self.stack:
            self.blocks[-1][1] = self._tag_end(pos)

    def handle_data(self, data: str) -> None:
        if self.in_body and not self.stack and data.strip():
            pos = self._pos()
            self.blocks.append([pos, pos + len(data), []])


def split_document(html: str) -> _Doc:
    p = _Splitter(html)
    p.feed(html)
    p.close()
    if p.body_start is None:
        raise ValueError("the report HTML has no <body>")
    body_end = p.body_end if p.body_end is not None else len(html)
    blocks: list[_Block] = []
    units: list[tuple[int, int | None]] = []
    weights: list[int] = []
    hoisted: list[str] = []          # <style> and <link> in the body apply to every chunk
    for start, end, rows in p.blocks:
        end = end if end is not None else body_end
        rows = [r for r in rows if r[1] is not None]
        if re.match(r"<(style|link)\b", html[start:start + 6], re.I):
            hoisted.append(html[start:end])
            continue
        if len(rows) >= 2 and "<caption" not in html[start:rows[0][0]].lower():
            b = _Block(html[start:rows[0][0]], [html[s:e] for s, e in rows], html[rows[-1][1]:end],
                       fixed=bool(FIXED_TABLE.match(html, start)))
            units += [(len(blocks), i) for i in range(len(rows))]
            weights += [1] * len(rows)
        else:
            b = _Block(html[start:end])
            units.append((len(blocks), None))
            weights.append(BLOCK_WEIGHT)
        blocks.append(b)
    head = html[:p.body_start]

    def with_css(css: str) -> str:
        return head.replace("</head>", css + "</head>", 1) if "</head>" in head else head + css

    return _Doc(head=with_css(_CHUNK_CSS + "".join(hoisted)),
                head_continued=with_css(_CHUNK_CSS + "".join(hoisted) + _CONTINUED_CSS),
                tail=html[body_end:], blocks=blocks, units=units, weights=weights)


def _mark(tag_html: str, attrs: str) -> str:
    """Add attributes to the first start tag of ``tag_html``."""
    m = re.match(r"\s*<[A-Za-z][A-Za-z0-9-]*", tag_html)
    if not m:  # loose text: wrap it so it can carry the mark
        return f"<span{attrs}>{tag_html}</span>"
    return tag_html[:m.end()] + attrs + tag_html[m.end():]


def _chunk_html(doc: _Doc, start: int, weight: int, pins: dict[int, tuple[list[float], float]]) -> tuple[str, int]:
    """HTML of the units from ``start`` on, about ``weight`` of them; returns it and the end unit.

    An automatic-layout table that the chunk starts inside of keeps the column widths it had where it
    began (``pins``, from the chunk that laid its start out with all its rows)."""
    out = [doc.head_continued if start else doc.head]
    w, i, n = 0, start, len(doc.units)
    open_table: int | None = None
    sb, sr = doc.units[start]
    pinned_table = sb if sr and not doc.blocks[sb].fixed and sb in pins else None  # laid out with fixed widths
    inside_auto = False
    while i < n and (w < weight or i == start or inside_auto):
        b, r = doc.units[i]
        block = doc.blocks[b]
        first = ' data-la-first=""' if i == start and start > 0 else ""
        pinned = i == start and b == pinned_table
        if r is None:
            if open_table is not None:
                out.append(doc.blocks[open_table].suffix)
                open_table = None
            out.append(_mark(block.html, f' data-lau="{i}"{first}'))
        else:
            if open_table != b:
                if open_table is not None:
                    out.append(doc.blocks[open_table].suffix)
                opening = _mark(block.html, f' data-lat="{b}"{first}')
                if pinned:
                    widths, width = pins[b]
                    cut = opening.index(">") + 1
                    tag = opening[:cut]
                    style = f"table-layout:fixed;width:{width!r}px"
                    tag = (tag.replace(' style="', f' style="{style};', 1) if ' style="' in tag
                           else _mark(tag, f' style="{style}"'))
                    cols = "".join(f'<col style="width:{v!r}px">' for v in widths)
                    opening = f"{tag}<colgroup>{cols}</colgroup>{opening[cut:]}"
                out.append(opening)
                open_table = b
            out.append(_mark(block.rows[r], f' data-lau="{i}"'))
        # A chunk does not end inside an automatic-layout table whose widths it computes itself.
        inside_auto = r is not None and not block.fixed and b != pinned_table and r < len(block.rows) - 1
        w += doc.weights[i]
        i += 1
    if open_table is not None:
        out.append(doc.blocks[open_table].suffix)
    out.append(doc.tail)
    return "".join(out), i


def _table_widths(pages: list[Any], block: int) -> tuple[list[float], float] | None:
    """Column widths and width of the table of ``block`` as laid out on ``pages``."""
    def walk(box: Any) -> Any:
        el = getattr(box, "element", None)
        if type(box).__name__ == "TableBox" and el is not None and el.get("data-lat") == str(block):
            return box
        for child in getattr(box, "children", ()) or ():
            found = walk(child)
            if found is not None:
                return found
        return None

    for page in pages:
        t = walk(page._page_box)
        if t is not None:
            return list(t.column_widths), t.width
    return None


def _page_units(page: Any) -> list[int]:
    """The units on a laid-out page, in order of appearance."""
    seen: list[int] = []

    def walk(box: Any) -> None:
        el = getattr(box, "element", None)
        u = el.get("data-lau") if el is not None and hasattr(el, "get") else None
        if u is not None:
            u = int(u)
            if (not seen or seen[-1] != u) and u not in seen:
                seen.append(u)
            return
        for child in getattr(box, "children", ()) or ():
            walk(child)

    walk(page._page_box)
    return seen


# ------------------------------------------------------------------ joining the chunks' PDF objects

class _Captured(Exception):
    pass


def _pdf_objects(document: Any) -> Any:
    """The pydyf PDF WeasyPrint builds for ``document``, before it is written."""
    got: dict[str, Any] = {}

    def finisher(_doc: Any, pdf: Any) -> None:
        got["pdf"] = pdf
        raise _Captured

    try:
        document.write_pdf(finisher=finisher)
    except _Captured:
        return got["pdf"]
    raise RuntimeError("WeasyPrint did not call the finisher")


def _packed(obj: Any) -> Any:
    """A stream as one compressed bytes item (so a chunk's content costs its compressed size)."""
    import pydyf

    if not isinstance(obj, pydyf.Stream):
        return obj
    data = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
    extra = dict(obj.extra)
    if obj.compress:
        data = zlib.compress(data, 6)
        extra["Filter"] = "/FlateDecode"
    new = pydyf.Stream([data], extra, compress=False)
    new.number, new.generation = obj.number, obj.generation
    return new


def _remap(obj: Any, mapping: dict[int, int], seen: set[int]) -> Any:
    """Rewrite the indirect references inside ``obj`` (dictionaries, arrays, stream dictionaries)."""
    import pydyf

    if id(obj) in seen:
        return obj
    if isinstance(obj, (dict, list, pydyf.Stream)):
        seen.add(id(obj))

    def fix(v: Any) -> Any:
        if isinstance(v, bytes):
            return _REF.sub(lambda m: b"%d 0 R" % mapping[int(m.group(1))], v)
        if isinstance(v, (dict, list, pydyf.Stream)):
            _remap(v, mapping, seen)
        return v

    if isinstance(obj, pydyf.Stream):
        for k, v in list(obj.extra.items()):
            obj.extra[k] = fix(v)
    elif isinstance(obj, dict):
        for k, v in list(obj.items()):
            obj[k] = fix(v)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            obj[i] = fix(v)
    return obj


@dataclass
class _PageStub:                   # what weasyprint's bookmark tree needs of a page
    bookmarks: list
    height: float


class _Assembler:
    def __init__(self) -> None:
        import pydyf

        self.pdf = pydyf.PDF()
        self.by_number: dict[int, Any] = {}
        self.pages: list[Any] = []
        self.stubs: list[_PageStub] = []
        self.dests: dict[str, Any] = {}
        self.info = None
        self.lang = None

    def _import(self, doc: Any, keep_pages: bool) -> tuple[dict[int, int], set[int], list[Any]]:
        """Copy ``doc``'s objects into the joined PDF, renumbered, their references rewritten.
        With ``keep_pages`` its pages become pages of the joined PDF; otherwise they are not added
        but returned (references rewritten too), with the number mapping and the remap's ``seen``."""
        mapping: dict[int, int] = {doc.pages.number: self.pdf.pages.number}
        added, held = [], []
        skip = {id(doc.pages), id(doc.catalog)}
        for obj in doc.objects:
            if obj.free == "f" or id(obj) in skip:
                continue
            is_page = isinstance(obj, dict) and obj.get("Type") == "/Page"
            if is_page and not keep_pages:
                held.append(obj)
                continue
            old = obj.number
            obj = _packed(obj)
            if is_page:
                self.pdf.add_page(obj)
                self.pages.append(obj)
            else:
                self.pdf.add_object(obj)
            mapping[old] = obj.number
            self.by_number[obj.number] = obj
            added.append(obj)
        seen: set[int] = set()
        for obj in added + held:
            _remap(obj, mapping, seen)
        return mapping, seen, held

    def add(self, chunk: Any, stubs: list[_PageStub], fake_names: set[str]) -> None:
        mapping, seen, _ = self._import(chunk, keep_pages=True)
        names = chunk.catalog.get("Names", {}).get("Dests", {}).get("Names", [])
        for i in range(0, len(names) - 1, 2):
            name = names[i].string
            if name in fake_names or name in self.dests:
                continue
            self.dests[name] = _remap(names[i + 1], mapping, seen)
        if self.info is None:
            self.info = chunk.info
            self.lang = chunk.catalog.get("Lang")
        self.stubs += stubs

    def add_footers(self, footer: Any) -> None:
        """Draw page i of the ``footer`` document (margin boxes only) over page i."""
        import pydyf

        _, _, footer_pages = self._import(footer, keep_pages=False)
        opening = pydyf.Stream([b"q"])
        self.pdf.add_object(opening)
        for i, (page, fpage) in enumerate(zip(self.pages, footer_pages, strict=False)):
            form = self.by_number[int(fpage["Contents"].split()[0])]
            form.extra.update({"Type": "/XObject", "Subtype": "/Form", "BBox": fpage["MediaBox"],
                               "Resources": fpage["Resources"]})
            resources = self.by_number[int(page["Resources"].split()[0])]
            name = f"LaFooter{i}"
            resources.setdefault("XObject", pydyf.Dictionary())[name] = form.reference
            closing = pydyf.Stream([b"Q", f"/{name} Do".encode()])
            self.pdf.add_object(closing)
            page["Contents"] = pydyf.Array([opening.reference, page["Contents"], closing.reference])

    def write(self, path: Path) -> None:
        import pydyf
        from weasyprint.anchors import make_page_bookmark_tree
        from weasyprint.matrix import Matrix
        from weasyprint.pdf.anchors import add_outlines

        # Links whose anchor is nowhere in the document are dropped, as WeasyPrint drops them.
        for page in self.pages:
            annots = page.get("Annots")
            if not annots:
                continue
            keep = pydyf.Array()
            for ref in annots:
                a = self.by_number.get(int(ref.split()[0])) if isinstance(ref, bytes) else None
                dest = a.get("Dest") if isinstance(a, dict) else None
                if isinstance(dest, pydyf.String) and dest.string not in self.dests:
                    continue
                keep.append(ref)
            page["Annots"] = keep
        if self.dests:
            names = pydyf.Array()
            for name in sorted(self.dests):
                names += [pydyf.String(name), self.dests[name]]
            self.pdf.catalog["Names"] = pydyf.Dictionary({"Dests": pydyf.Dictionary({"Names": names})})
        root: list = []
        skipped: list[int] = []
        last_by_depth, previous = [root], 0
        for number, stub in enumerate(self.stubs):
            matrix = Matrix(a=0.75, d=-0.75, f=stub.height * 0.75)
            previous = make_page_bookmark_tree(stub, skipped, last_by_depth, previous, number, matrix)
        add_outlines(self.pdf, root)
        if self.info:
            self.pdf.info.update(self.info)
        if self.lang is not None:
            self.pdf.catalog["Lang"] = self.lang
        tmp = path.with_name(path.name + ".part")
        with open(tmp, "wb") as fh:
            self.pdf.write(fh, version=b"1.7", identifier=False, compress=True)
        tmp.replace(path)


# ------------------------------------------------------------------ the whole document

def _chunking_supported() -> bool:
    """The WeasyPrint and pydyf internals the chunked layout uses (checked, so that another version of
    either falls back to one pass instead of failing)."""
    try:
        import pydyf
        from weasyprint import Document
        from weasyprint.anchors import make_page_bookmark_tree  # noqa: F401
        from weasyprint.matrix import Matrix  # noqa: F401
        from weasyprint.pdf.anchors import add_outlines  # noqa: F401
    except ImportError:
        return False
    return (hasattr(pydyf, "_to_bytes") and hasattr(pydyf.PDF, "page_references") and hasattr(Document, "copy")
            and "finisher" in Document.write_pdf.__code__.co_varnames)


def render_pdf(html: str, path: Path | str, base_url: str | None = None, chunk_weight: int | None = None) -> Path:
    """Write ``html`` as a PDF at ``path``: the same pages WeasyPrint gives in one pass, in bounded memory."""
    from weasyprint import HTML

    path = Path(path)
    weight = chunk_weight or CHUNK_WEIGHT
    doc = split_document(html)
    if not doc.units or not _chunking_supported():
        HTML(string=html, base_url=base_url).write_pdf(str(path))
        return path
    asm = _Assembler()
    start, n = 0, len(doc.units)
    pins: dict[int, tuple[list[float], float]] = {}
    while start < n:
        chunk_html, end = _chunk_html(doc, start, weight, pins)
        document = HTML(string=chunk_html, base_url=base_url).render()
        pages = document.pages
        keep, next_start = len(pages), end
        if end < n:
            units = [_page_units(p) for p in pages]
            for k in range(len(pages) - 1, 0, -1):
                if units[k] and units[k][0] > start and units[k][0] not in units[k - 1]:
                    keep, next_start = k, units[k][0]
                    break
        b, r = doc.units[next_start] if next_start < n else (None, None)
        if b is not None and r and not doc.blocks[b].fixed and b not in pins:
            found = _table_widths(pages, b)
            if found is None:
                raise RuntimeError(f"no laid-out table for block {b}")
            pins[b] = found
        kept = pages[:keep]
        stubs = [_PageStub(list(p.bookmarks), p.height) for p in kept]
        here = {name for p in kept for name in p.anchors}
        fake = {target for p in kept for kind, target, _, _ in p.links if kind == "internal" and target not in here}
        for p in kept:
            p.bookmarks = []            # the outline is built once, for the whole document
        if fake and kept:
            kept[0].anchors.update({name: (0, 0, 0, 0) for name in fake})
        asm.add(_pdf_objects(document.copy(kept)), stubs, fake)
        del document, pages, kept  # (no gc.collect(): a full collection per chunk cost more than it freed)
        start = next_start
    # The footers: one empty page per page, with the document's own @page rules and counters.
    footer_head = html[:html.lower().index("<body")]
    footer_head = footer_head.replace("</head>", _FOOTER_CSS + "</head>", 1) if "</head>" in footer_head else \
        footer_head + _FOOTER_CSS
    count = len(asm.pages)
    footer_html = (footer_head + "<body style=\"margin:0\">"
                   + '<div style="break-after:page"></div>' * (count - 1) + "<div></div></body></html>")
    footer = HTML(string=footer_html, base_url=base_url).render()
    if len(footer.pages) != count:
        raise RuntimeError(f"footer pages {len(footer.pages)} != pages {count}")
    for p in footer.pages:
        p.bookmarks, p.links, p.anchors = [], [], {}
    asm.add_footers(_pdf_objects(footer))
    del footer
    asm.write(path)
    return path


def warm_up() -> None:
    """Import WeasyPrint (about a second) in a fresh worker before its first job arrives."""
    with contextlib.suppress(Exception):  # reported by the job itself
        import weasyprint  # noqa: F401


class PdfEngineMissing(RuntimeError):
    """WeasyPrint or Pango cannot be loaded on this machine."""


def pdf_job(html: str, path: str, base_url: str | None = None) -> str:
    """One PDF report (a worker process's job): ``html`` laid out to ``path``."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as e:  # OSError: pango missing (apt-get install libpango-1.0-0 libpangoft2-1.0-0)
        raise PdfEngineMissing(f"PDF reports need WeasyPrint and Pango ({e}); install them or ask for "
                               "--format html,csv,xlsx") from None
    render_pdf(html, Path(path), base_url)
    return path
