"""The extractor's version, in a module of its own: the audit's parent process compares it with the
stored readings' without importing the readers (PDFium, OpenCV, the panel grammar), which only the
extraction workers need."""

EXTRACTOR_VERSION = "11"  # bump when extraction output changes: stored versions get re-read
