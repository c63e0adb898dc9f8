"""labelaudit: audit dietary-supplement label PDFs for risky vitamin D3 formulations."""

__version__ = "0.1.0"
