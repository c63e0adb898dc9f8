"""The exception tree of the extract stage.

Every failure the stage can raise is a :class:`labelaudit.contracts.errors.LabelAuditError`.
``TerminalError`` means retrying cannot help (the bytes are what they are);
``TransientError`` means a retry may succeed (a file being written, a lock).
"""
from __future__ import annotations

from labelaudit.contracts.errors import TerminalError, TransientError


class ExtractError(TerminalError):
    """A file could not be read as a label PDF. ``detail`` is the analyst-facing reason."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class EmptyFile(ExtractError):
    def __init__(self) -> None:
        super().__init__("zero-byte file")


class NotAPdf(ExtractError):
    def __init__(self) -> None:
        super().__init__("not a PDF (the file does not start with a PDF header)")


class TruncatedPdf(ExtractError):
    def __init__(self) -> None:
        super().__init__("truncated PDF (the file ends before the PDF does)")


class EncryptedPdf(ExtractError):
    def __init__(self) -> None:
        super().__init__("encrypted (password required)")


class CorruptPdf(ExtractError):
    pass


class FileUnavailable(TransientError):
    """The file vanished or could not be opened right now; a later run may succeed."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
