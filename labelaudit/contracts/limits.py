"""The per-file limits of an audit, defined once: the CLI's defaults, the public API's, the
extraction workers' and the reader's page bound all come from here."""
from __future__ import annotations

DEFAULT_FILE_TIMEOUT_S = 60.0  # a file still being read after this long is stopped and rowed as an error
DEFAULT_MEMORY_MB = 2048  # what one extraction worker may use before its file is rowed as an error
DEFAULT_MAX_PAGES = 500  # pages read of one PDF; a file past it says so in its status_detail
