"""Finding a catalog's files and reading its manifest (I/O lives in flows/)."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

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


def is_url(root: str | Path) -> bool:
    return "://" in str(root)


def catalog_id(root: str | Path) -> str:
    """How a catalog is named in the warehouse: its absolute path, or its URL."""
    return str(root).rstrip("/") if is_url(root) else str(Path(root).resolve())


def job_path(root: str | Path, rel: str) -> str:
    """Where a worker reads one file: a local path, or a URL every Dask worker can open."""
    return f"{str(root).rstrip('/')}/{rel}" if is_url(root) else str(Path(root) / rel)


def discover(root: str | Path) -> tuple[list[CatalogEntry], list[str]]:
    """Every ``*.pdf`` (any case) below ``root``, with manifest values; plus warnings.
    ``root`` is a folder, or an fsspec URL (``file://``, ``s3://``...) for catalogs that
    workers on other machines must read too."""
    if is_url(root):
        return _discover_url(str(root))
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
        entries.append(_entry(rel, digest, manifest.pop(rel, {})))
    for rel in sorted(manifest):
        warnings.append(f"{MANIFEST}: lists {rel}, which is not in the catalog")
    return entries, warnings


def _discover_url(root: str) -> tuple[list[CatalogEntry], list[str]]:
    import fsspec

    fs, base = fsspec.core.url_to_fs(root)
    base = base.rstrip("/")
    if not fs.isdir(base):
        raise CatalogError(f"catalog {root} is not a folder that can be listed")
    warnings: list[str] = []
    manifest: dict[str, dict[str, str]] = {}
    if fs.exists(f"{base}/{MANIFEST}"):
        with fs.open(f"{base}/{MANIFEST}", "rt", encoding="utf-8-sig", newline="") as fh:
            manifest = _parse_manifest(fh, f"{root}/{MANIFEST}", warnings)
    entries = []
    for path in sorted(fs.find(base)):
        if not path.lower().endswith(".pdf"):
            continue
        rel = path[len(base):].lstrip("/")
        h = hashlib.sha256()
        with fs.open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        entries.append(_entry(rel, h.hexdigest(), manifest.pop(rel, {})))
    for rel in sorted(manifest):
        warnings.append(f"{MANIFEST}: lists {rel}, which is not in the catalog")
    return entries, warnings


def _entry(rel: str, digest: str, m: dict[str, str]) -> CatalogEntry:
    return CatalogEntry(
        source_file=rel, sha256=digest,
        sku=m.get("sku") or None, brand=m.get("brand") or None,
        product_name=m.get("product_name") or None, retailer=m.get("retailer") or None,
        attributes={k: v for k, v in m.items() if k not in MANIFEST_FIELDS and v not in (None, "")},
    )


def read_manifest(root: Path, warnings: list[str]) -> dict[str, dict[str, str]]:
    path = root / MANIFEST
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return _parse_manifest(fh, str(path), warnings)


def _parse_manifest(fh, path: str, warnings: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
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
