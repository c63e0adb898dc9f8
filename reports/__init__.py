"""reports: what people read. Reads the warehouse; writes HTML, PDF, CSV and XLSX."""
from reports.render import FORMATS, summary_markdown, write_report, write_reports

__all__ = ["FORMATS", "write_reports", "write_report", "summary_markdown"]
