"""What the command line prints besides its messages: the warehouse's relations (for
``labelaudit sql --help``) and query results as a table that fits the terminal.

Nothing here imports DuckDB or a stage: ``--help`` must stay instant.
"""
from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterable, Sequence
from decimal import Decimal

# Every table and view of the warehouse (warehouse/schema.sql), with what a row is. A test
# compares the names with a warehouse the code creates, so a new relation must be added here.
TABLES: dict[str, str] = {
    "products": "a product in a catalog: brand, name, sku, retailer, status",
    "nutrients_as_read": "a nutrient row of a label as extraction read it, before any correction",
    "label_versions": "what extraction read from one panel of one PDF's bytes",
    "product_versions": "each label a product has had, and the runs that saw it",
    "flags": "a rule a product broke in a run, with the values used",
    "verdicts": "a product's verdict in a run: pass, flagged, needs_review",
    "audit_runs": "an audit, reevaluate or waiver run: rules, counts, times",
    "waivers": "an analyst's acceptance of a flag on a product's label",
    "daily_values": "FDA Daily Values the rules use (current and pre-2016)",
    "schema_info": "the schema version: one row per migration applied",
    "corrections": "an analyst's correction of a product's row or servings: who, why, lapsed when",
}
VIEWS: dict[str, str] = {
    "nutrients": "a nutrient row of a label in force (corrections applied), as printed and in canonical units",
    "corrections_in_force": "the corrections that hold on the current label versions",
    "flagged_products": "the flags of each catalog's latest run, with the products",
    "latest_runs": "each catalog's latest finished run",
}


def relations_help() -> str:
    """The relations, one per line, for the ``sql`` subcommand's help."""
    width = max(map(len, [*TABLES, *VIEWS]))
    lines = ["tables:"]
    lines += [f"  {name:<{width}}  {what}" for name, what in TABLES.items()]
    lines += ["views:"]
    lines += [f"  {name:<{width}}  {what}" for name, what in VIEWS.items()]
    return "\n".join(lines)


def terminal_width() -> int:
    """The terminal's width, ``COLUMNS`` if set, else 120 (output into a pipe or a file)."""
    return shutil.get_terminal_size((120, 24)).columns


def _text(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        # 15 significant digits: every digit a double holds for sure, without 0.30000000000000004.
        return f"{value:.15g}"
    return str(value)


def _numeric(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _widths(natural: list[int], floor: list[int], room: int) -> list[int]:
    """Column widths that fit ``room``: the widest column gives way first, none below its floor."""
    widths = list(natural)
    while sum(widths) > room:
        candidates = [i for i, w in enumerate(widths) if w > floor[i]]
        if not candidates:
            break  # even the floors do not fit: the lines will be longer than the terminal
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        # Words are kept whole where they fit; only a word longer than the column is cut.
        lines += textwrap.wrap(paragraph, width, break_on_hyphens=False) or [""]
    return lines


def format_table(columns: Sequence[str], rows: Iterable[Sequence[object]], width: int | None = None) -> str:
    """``rows`` under ``columns`` as a text table no wider than ``width`` (default: the
    terminal) where it can be: cells wrap at word boundaries, number columns align right."""
    width = terminal_width() if width is None else width
    values = [list(row) for row in rows]
    cells = [[_text(v) for v in row] for row in values]
    n = len(columns)
    right = [any(_numeric(row[i]) for row in values) and all(_numeric(row[i]) or row[i] is None for row in values)
             for i in range(n)]
    natural = [max([len(columns[i]), *(len(line) for row in cells for line in row[i].splitlines())])
               for i in range(n)]
    longest_word = [max([len(w) for row in cells for w in row[i].split()] or [0]) for i in range(n)]
    # A column gives way down to its header and its longest word (up to 24: past that, e.g.
    # JSON evidence, a word is cut rather than crowd the others), never below 8.
    floor = [min(natural[i], max(8, len(columns[i]), min(longest_word[i], 24))) for i in range(n)]
    widths = _widths(natural, floor, max(n, width - 3 * (n - 1)))
    out = [" | ".join(c.ljust(widths[i]) for i, c in enumerate(columns)).rstrip(),
           "-+-".join("-" * w for w in widths)]
    for row in cells:
        wrapped = [_wrap(row[i], widths[i]) for i in range(n)]
        for k in range(max(map(len, wrapped), default=1)):
            parts = []
            for i in range(n):
                piece = wrapped[i][k] if k < len(wrapped[i]) else ""
                parts.append(piece.rjust(widths[i]) if right[i] else piece.ljust(widths[i]))
            out.append(" | ".join(parts).rstrip())
    return "\n".join(out)
