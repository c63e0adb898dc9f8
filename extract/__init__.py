"""extract: label PDF in, panel records out. Pure: no warehouse, no Prefect."""
from extract.document import EXTRACTOR_VERSION, extract_pdf
from extract.errors import ExtractError
from extract.records import FileExtraction, PanelRecord, RowRecord

__all__ = ["EXTRACTOR_VERSION", "ExtractError", "FileExtraction", "PanelRecord", "RowRecord", "extract_pdf"]
