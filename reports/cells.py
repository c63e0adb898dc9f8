"""What reaches a spreadsheet cell or a file name from a label or a manifest.

Label text and manifest values are whatever a supplier or a catalog file says; buyers open
the CSV and XLSX in Excel or LibreOffice, which run a cell that starts like a formula, and the
report files of two retailers must never land on the same name.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

# OWASP "CSV Injection": a spreadsheet reads a cell that starts with one of these as a formula
# (or, for tab and CR, strips them and reads what follows as one).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A value as a spreadsheet cell: text that would start a formula gets OWASP's leading
    apostrophe, so Excel and Calc show it as text; numbers, booleans and None stay as they are
    (a negative amount is a number, not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


_HASH_LEN = 10
_LOOKS_HASHED = re.compile(rf"-[0-9a-f]{{{_HASH_LEN}}}$")
_MAX_SLUG_BYTES = 80  # a file name is at most 255 bytes; non-ASCII letters take up to 4


def _slug(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).lower()
    s = re.sub(r"-+", "-", "".join(c if c.isalnum() else "-" for c in text)).strip("-")
    while len(s.encode("utf-8")) > _MAX_SLUG_BYTES:
        s = s[:-1].rstrip("-")
    return unicodedata.normalize("NFC", s)


def name_stem(name: str) -> str:
    """A file-name stem for ``name`` that depends on nothing but ``name``: readable (letters of
    any script kept, lower case, words joined by ``-``) and never shared by two different names.

    A name that reads back exactly from its slug ("Acme Drug" from ``acme-drug``: words in
    title case, single spaces) keeps the bare slug. Any other spelling ("ACME drug", "A-B",
    "a/b") adds a hash of its exact text, and so does a slug that happens to end like a hash,
    so a bare stem and a hashed one can never meet.
    """
    s = _slug(name)
    reads_back = " ".join(w.capitalize() for w in s.split("-")) == name
    if s and reads_back and not _LOOKS_HASHED.search(s):
        return s
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_LEN]
    return f"{s or 'unnamed'}-{digest}"
