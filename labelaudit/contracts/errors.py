"""The one exception tree of labelaudit.

    LabelAuditError
    ├── TerminalError        retrying cannot help (corrupt PDF, bad config)
    │   ├── extract.errors.ExtractError (EmptyFile, NotAPdf, TruncatedPdf, EncryptedPdf, CorruptPdf)
    │   ├── ConfigError      a rules/config file is wrong
    │   ├── flows.executor.WorkersUnavailable  extraction workers could not start
    │   ├── CatalogError     the catalog path or manifest is unusable
    │   └── SchemaVersionError  the warehouse's schema version does not fit this labelaudit
    └── TransientError       a retry may succeed
        ├── extract.errors.FileUnavailable
        └── WarehouseBusy    another audit holds the warehouse
"""
from __future__ import annotations


class LabelAuditError(Exception):
    """Root of every error labelaudit raises on purpose."""

    exit_code = 2


class TerminalError(LabelAuditError):
    """Retrying with the same input gives the same failure."""


class TransientError(LabelAuditError):
    """The same call may succeed later."""

    exit_code = 75  # EX_TEMPFAIL


class ConfigError(TerminalError):
    exit_code = 78  # EX_CONFIG


class CatalogError(TerminalError):
    exit_code = 66  # EX_NOINPUT


class SchemaVersionError(TerminalError):
    """A warehouse newer than this labelaudit (it will not write it), or too old to read
    before ``labelaudit upgrade``."""


class WarehouseBusy(TransientError):
    pass
