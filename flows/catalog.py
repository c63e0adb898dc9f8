"""Finding a catalog's files and reading its manifest (I/O lives in flows/)."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from labelaudit.errors import CatalogError
from warehouse.load import CatalogEntry

MANIFEST = "catalog.csv"
MANIFEST_FIELDS = ("file", "sku", "brand", "product_name", "retailer")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def discover(root: Path) -> tuple[list[CatalogEntry], list[str]]:
    """Every ``*.pdf`` (any case) below ``root``, with manifest values; plus warnings."""
    root = Path(root)
    if not root.is_dir():
        raise CatalogError(f"catalog {root} is not a directory: pass the folder that holds the label PDFs")
    warnings: list[str] = []
    manifest = read_manifest(root, warnings)
    real_root = root.resolve()
    entries: list[CatalogEntry] = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() != ".pdf" or not (path.is_file() or path.is_symlink()):
            continue
        rel = path.relative_to(root).as_posix()
        if path.is_symlink() and real_root not in path.resolve().parents:
            warnings.append(f"{rel}: skipped, a link that leads outside the catalog")
            continue
        try:
            digest = sha256_file(path)
        except OSError as e:
            warnings.append(f"{rel}: could not be read ({e.strerror}); it is left out of this run")
            continue
        m = manifest.pop(rel, {})
        entries.append(CatalogEntry(
            source_file=rel, sha256=digest,
            sku=m.get("sku") or None, brand=m.get("brand") or None,
            product_name=m.get("product_name") or None, retailer=m.get("retailer") or None,
            attributes={k: v for k, v in m.items() if k not in MANIFEST_FIELDS and v not in (None, "")},
        ))
    for rel in sorted(manifest):
        warnings.append(f"{MANIFEST}: lists {rel}, which is not in the catalog")
    return entries, warnings


def read_manifest(root: Path, warnings: list[str]) -> dict[str, dict[str, str]]:
    path = root / MANIFEST
    if not path.exists():
        return {}
    out: dict[str, dict[str, str]] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise CatalogError(f"{path}: the manifest needs a 'file' column (file,sku,brand,product_name,retailer)")
        for lineno, row in enumerate(reader, start=2):
            rel = (row.get("file") or "").strip().replace("\\", "/")
            if not rel:
                warnings.append(f"{MANIFEST} line {lineno}: no file given; row ignored")
                continue
            if rel.startswith("/") or ".." in Path(rel).parts:
                warnings.append(f"{MANIFEST} line {lineno}: {rel!r} points outside the catalog; row ignored")
                continue
            out[Path(rel).as_posix()] = {k: (v or "").strip() for k, v in row.items() if k}
    return out
