"""extract: label PDF in, panel records out. Pure: no warehouse, no Prefect.

The readers load on first use (``extract.extract_pdf``): importing the package for its records or
its version does not pull in PDFium, OpenCV and the panel grammar.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from extract.errors import ExtractError
from extract.records import FileExtraction, PanelRecord, RowRecord
from extract.version import EXTRACTOR_VERSION

if TYPE_CHECKING:
    from extract.document import extract_pdf

__all__ = ["EXTRACTOR_VERSION", "ExtractError", "FileExtraction", "PanelRecord", "RowRecord", "extract_pdf"]


def __getattr__(name: str) -> Any:
    if name == "extract_pdf":
        from extract.document import extract_pdf

        return extract_pdf
    raise AttributeError(f"module 'extract' has no attribute {name!r}")
