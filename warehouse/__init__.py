"""warehouse: normalisation (records in, rows out) and the DuckDB warehouse contract."""
from warehouse.load import CatalogEntry
from warehouse.normalise import normalise_file, product_id
from warehouse.store import connect_read_only, staged_write, writer_lock

__all__ = ["CatalogEntry", "normalise_file", "product_id", "connect_read_only", "staged_write", "writer_lock"]
