"""labelaudit: audit dietary-supplement label PDFs for risky vitamin D3 formulations.

The shared contracts load on first use (PEP 562): ``import labelaudit`` (which every import of
``labelaudit.contracts`` runs first) must stay free of the stages and of their dependencies,
so that an extraction worker importing a record pays for nothing else.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "LabelAuditError": "labelaudit.contracts.errors",
    "TerminalError": "labelaudit.contracts.errors",
    "TransientError": "labelaudit.contracts.errors",
    "ConfigError": "labelaudit.contracts.errors",
    "CatalogError": "labelaudit.contracts.errors",
    "WarehouseBusy": "labelaudit.contracts.errors",
    "AuditRun": "labelaudit.contracts.records",
    "FileExtraction": "labelaudit.contracts.records",
    "PanelRecord": "labelaudit.contracts.records",
    "RowRecord": "labelaudit.contracts.records",
    "reference": "labelaudit.contracts.reference",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(_EXPORTS[name])
        return module if module.__name__.endswith("." + name) else getattr(module, name)
    raise AttributeError(f"module 'labelaudit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
