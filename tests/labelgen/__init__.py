"""Synthetic US Supplement Facts label generator for labelaudit tests.

    from tests.labelgen import random_product, random_catalog, expected_flags
    from tests.labelgen import render_label, render_catalog, write_bad_files

Records are plain dicts (see records.py); the same dict is the ground truth for what is printed.
"""
from .badfiles import BAD_FILE_STATUS, write_bad_files
from .records import (
    DIRECTIONS_STYLES,
    DIRECTIONS_STYLES_NEW,
    EXTRA_KINDS,
    KINDS,
    VARIANT_FEATURES,
    expected_flags,
    random_catalog,
    random_product,
)
from .render import (
    ALL_LAYOUTS,
    LAYOUTS,
    ROTATED_LAYOUTS,
    render_catalog,
    render_label,
    render_label_bytes,
    rotation_for,
)

__all__ = [
    "ALL_LAYOUTS", "BAD_FILE_STATUS", "DIRECTIONS_STYLES", "DIRECTIONS_STYLES_NEW", "EXTRA_KINDS", "KINDS", "LAYOUTS",
    "ROTATED_LAYOUTS", "VARIANT_FEATURES", "expected_flags", "random_catalog", "random_product", "render_catalog",
    "render_label", "render_label_bytes", "rotation_for", "write_bad_files",
]
