"""labelaudit: audit dietary-supplement label PDFs for risky vitamin D3 formulations.

The public API, what the ``labelaudit`` command itself calls::

    import labelaudit

    result = labelaudit.audit("labels/", db="audit.duckdb", out="reports/")
    with labelaudit.connect("audit.duckdb") as con:
        con.sql("SELECT brand, product_name, rule_id FROM flagged_products").show()
    labelaudit.reevaluate("audit.duckdb", config="stricter.toml")

The names in ``__all__`` are the API (tests/test_public_api.py pins them); everything else,
``flows.*`` included, may change between releases.

The API and the shared contracts load on first use (PEP 562): ``import labelaudit`` (which every import of
``labelaudit.contracts`` runs first) must stay free of the stages and of their dependencies,
so that an extraction worker importing a record pays for nothing else.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "audit": "labelaudit.api",
    "connect": "labelaudit.api",
    "reevaluate": "labelaudit.api",
    "load_rules": "labelaudit.api",
    "AuditResult": "flows.run",
    "SchemaVersionError": "labelaudit.contracts.errors",
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
# Written out, not derived from _EXPORTS, so that a change to the API is a visible change
# here (and in the test that pins it); kept sorted by `ruff` (RUF022).
__all__ = [
    "AuditResult",
    "AuditRun",
    "CatalogError",
    "ConfigError",
    "FileExtraction",
    "LabelAuditError",
    "PanelRecord",
    "RowRecord",
    "SchemaVersionError",
    "TerminalError",
    "TransientError",
    "WarehouseBusy",
    "__version__",
    "audit",
    "connect",
    "load_rules",
    "reevaluate",
    "reference",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(_EXPORTS[name])
        return module if module.__name__.endswith("." + name) else getattr(module, name)
    raise AttributeError(f"module 'labelaudit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
