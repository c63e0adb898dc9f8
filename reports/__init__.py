"""reports: what people read. Reads the warehouse; writes HTML, PDF, CSV and XLSX.

The names below load on first use: importing the package costs nothing until a report is written.
"""
from typing import Any

__all__ = ["FORMATS", "summary_markdown", "write_report", "write_reports"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from reports import render

        return getattr(render, name)
    raise AttributeError(f"module 'reports' has no attribute {name!r}")
