"""reports: what people read. Reads the warehouse, writes HTML and CSV."""
from reports.render import write_reports

__all__ = ["write_reports"]
