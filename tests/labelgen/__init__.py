"""Synthetic US Supplement Facts label generator for labelaudit tests.

    from tests.labelgen import random_product, random_catalog, expected_flags
    from tests.labelgen import render_label, render_catalog, write_bad_files

Records are plain dicts (see records.py); the same dict is the ground truth for what is printed.
"""
from .badfiles import BAD_FILE_STATUS, write_bad_files
from .records import expected_flags, random_catalog, random_product
from .render import LAYOUTS, render_catalog, render_label, render_label_bytes

__all__ = [
    "random_product", "random_catalog", "expected_flags",
    "render_label", "render_label_bytes", "render_catalog", "LAYOUTS",
    "write_bad_files", "BAD_FILE_STATUS",
]
