"""Finding a catalog's files and reading its manifest (I/O lives in flows/)."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import IO

from labelaudit.contracts.catalog import CatalogLocation, FileChanged, unreadable
from labelaudit.contracts.errors import CatalogError
from warehouse.load import CatalogEntry

MANIFEST = "catalog.csv"
MANIFEST_FIELDS = ("file", "sku", "brand", "product_name", "retailer")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def catalog_id(root: str | Path | CatalogLocation) -> str:
    """How a catalog is named in the warehouse: its absolute path, or its URL."""
    return CatalogLocation.parse(root).id


def _is_pdf(rel: str) -> bool:
    return rel.lower().endswith(".pdf")


def discover(root: str | Path | CatalogLocation) -> tuple[list[CatalogEntry], list[str]]:
    """Every ``*.pdf`` (any case) below ``root``, with manifest values; plus warnings.
    ``root`` is a folder, or an fsspec URL (``file://``, ``s3://``...) for catalogs that
    workers on other machines must read too."""
    where = CatalogLocation.parse(root)
    where.check()
    warnings: list[str] = []
    manifest = read_manifest(where, warnings)
    rels, refused = where.files(_is_pdf)
    warnings.extend(refused)
    as_written = {m.pop(_AS_WRITTEN): key for key, m in manifest.items()}
    entries: list[CatalogEntry] = []
    for rel in rels:
        link = where.is_link(rel)
        try:
            try:
                digest: str | None = where.sha256_checked(rel, follow_link=link)
            except FileChanged:  # a copy still landing: one more look before calling it changing
                digest = where.sha256_checked(rel, follow_link=link)
            problem = None
        except OSError as e:
            # Still a products row (status error), never a product silently removed: SPEC "Bad input".
            digest, problem = None, unreadable(e)
            warnings.append(f"{rel}: could not be read ({problem})")
        entry = _entry(rel, digest, manifest.pop(_manifest_key(rel, manifest, as_written), {}))
        entry.link, entry.problem = link, problem
        entries.append(entry)
    for rel in sorted(manifest):
        warnings.append(f"{MANIFEST}: lists {rel}, which is not in the catalog")
    return entries, warnings


_AS_WRITTEN = "\0file as written"


def _manifest_key(rel: str, manifest: dict[str, dict[str, str]], as_written: dict[str, str]) -> str:
    """The manifest row of file ``rel``: by its path (a Windows-style ``sub\\a.pdf`` too), else
    by the ``file`` value exactly as written, which is how a name shown with ``\\x`` escapes
    (labelaudit.contracts.catalog.display_name) or holding a backslash is matched."""
    return rel if rel in manifest else as_written.get(rel, rel)


def _entry(rel: str, digest: str | None, m: dict[str, str]) -> CatalogEntry:
    return CatalogEntry(
        source_file=rel, sha256=digest,
        sku=m.get("sku") or None, brand=m.get("brand") or None,
        product_name=m.get("product_name") or None, retailer=m.get("retailer") or None,
        attributes={k: v for k, v in m.items() if k not in MANIFEST_FIELDS and v not in (None, "")},
    )


def read_manifest(root: str | Path | CatalogLocation, warnings: list[str]) -> dict[str, dict[str, str]]:
    where = CatalogLocation.parse(root)
    if not where.exists(MANIFEST):
        return {}
    with where.open(MANIFEST, "rt", newline="", encoding="utf-8-sig") as fh:
        return _parse_manifest(fh, where.where(MANIFEST), warnings)


def _parse_manifest(fh: IO[str], path: str, warnings: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    reader = csv.DictReader(fh)
    if not reader.fieldnames or "file" not in reader.fieldnames:
        raise CatalogError(f"{path}: the manifest needs a 'file' column (file,sku,brand,product_name,retailer)")
    for lineno, row in enumerate(reader, start=2):
        written = (row.get("file") or "").strip()
        rel = written.replace("\\", "/")
        if not rel:
            warnings.append(f"{MANIFEST} line {lineno}: no file given; row ignored")
            continue
        if rel.startswith("/") or ".." in Path(rel).parts:
            warnings.append(f"{MANIFEST} line {lineno}: {rel!r} points outside the catalog; row ignored")
            continue
        out[Path(rel).as_posix()] = {k: (v or "").strip() for k, v in row.items() if k} | {_AS_WRITTEN: written}
    return out
