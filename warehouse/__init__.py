"""warehouse: normalisation (records in, rows out) and the DuckDB warehouse contract.

The public names load on first use: extraction workers import ``warehouse.normalise`` and
must not pay for pandas and DuckDB (about 1 s per worker start) to get it.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "CatalogEntry": "warehouse.load",
    "normalise_file": "warehouse.normalise",
    "product_id": "warehouse.normalise",
    "connect_read_only": "warehouse.store",
    "staged_write": "warehouse.store",
    "writer_lock": "warehouse.store",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'warehouse' has no attribute {name!r}")
