"""What extraction returns: plain, picklable records, no PDF objects.

The records are shared contracts (labelaudit/contracts/records.py): the warehouse reads them
too, so they live where every stage may import them.
"""
from labelaudit.contracts.records import BBox, FileExtraction, PanelRecord, RowRecord

__all__ = ["BBox", "FileExtraction", "PanelRecord", "RowRecord"]
