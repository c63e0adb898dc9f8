"""A rule's sources: the sections of docs/references.md its ``reference`` names, with their links.

A rule definition says ``reference = "Why the rules exist; Upper limits (vitamin D UL 100 mcg)"``:
section titles of the page, each with an optional note. ``labelaudit rules --explain`` and the
reports print the sections' places on the page and their source links, read from the page itself
so that the page stays the one list of sources.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PAGE = "docs/references.md"
# rules/references.md is a symlink to the page, so that a wheel (which holds only packages) carries
# it as package data and a non-editable install still prints the links
_PAGE_FILE = Path(__file__).resolve().parent / "references.md"
_LINK = re.compile(r"^- \[(?P<label>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)\s*$")


@dataclass(frozen=True)
class Source:
    """One section of the references page a rule cites."""

    title: str
    note: str
    links: tuple[tuple[str, str], ...]  # (label, url), as the page lists them; empty if not on the page

    @property
    def anchor(self) -> str:
        """The section's anchor as GitHub and most Markdown viewers make it from the heading."""
        return re.sub(r"[^a-z0-9 -]", "", self.title.lower()).replace(" ", "-")

    @property
    def location(self) -> str:
        return f"{PAGE}#{self.anchor}"

    @property
    def cited(self) -> str:
        return f"{self.title} ({self.note})" if self.note else self.title


@cache
def sections(text: str | None = None) -> dict[str, tuple[tuple[str, str], ...]]:
    """The page's sections by lower-case title, each with its source links. Empty when the page
    is not there (an install without the repository's docs/)."""
    if text is None:
        try:
            text = _PAGE_FILE.read_text(encoding="utf-8")
        except OSError:
            return {}
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = found.setdefault(line[3:].strip().lower(), [])
        elif current is not None and (m := _LINK.match(line)):
            current.append((m["label"], m["url"]))
    return {title: tuple(links) for title, links in found.items()}


def cite(reference: str) -> list[Source]:
    """The sections ``reference`` names ("Title (note); Title"), with their links."""
    known = sections()
    out = []
    for part in (p.strip() for p in reference.split(";")):
        if not part:
            continue
        title, _, note = part.partition("(")
        title = title.strip()
        out.append(Source(title=title, note=note.rstrip(")").strip(), links=known.get(title.lower(), ())))
    return out


__all__ = ["PAGE", "Source", "cite", "sections"]
