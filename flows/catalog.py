"""Finding a catalog's files and reading its manifest (I/O lives in flows/)."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path, PurePosixPath
from typing import IO

from labelaudit.contracts.catalog import (
    IMAGE_SUFFIXES,
    PDF_SUFFIXES,
    CatalogLocation,
    FileChanged,
    label_kind,
    unreadable,
)
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


def discover(root: str | Path | CatalogLocation) -> tuple[list[CatalogEntry], list[str]]:
    """Every label file below ``root`` (``*.pdf`` and the images of SPEC "Input", any case), with
    manifest values; plus warnings, one of which names the files skipped for their type.
    ``root`` is a folder, or an fsspec URL (``file://``, ``s3://``...) for catalogs that
    workers on other machines must read too. A catalog with nothing to audit raises
    :class:`CatalogError` saying what it holds."""
    where = CatalogLocation.parse(root)
    warnings: list[str] = []
    rels, skipped, refused = label_files(where)
    manifest = read_manifest(where, warnings)
    warnings.extend(refused)
    if skipped:
        warnings.append(skipped_message(skipped))
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


def label_files(root: str | Path | CatalogLocation) -> tuple[list[str], list[str], list[str]]:
    """(label files, files skipped for their type, warnings for links refused), listing only.
    Raises :class:`CatalogError` when there is nothing to audit, saying what the catalog holds:
    the audit checks this before it starts anything (api.audit) and again as it discovers."""
    where = CatalogLocation.parse(root)
    where.check()
    listed, refused = where.files()
    rels = [rel for rel in listed if label_kind(rel)]
    skipped = [rel for rel in listed if not label_kind(rel) and rel != MANIFEST]
    if not rels:
        raise CatalogError(nothing_to_audit(where.id, skipped, refused, MANIFEST in listed))
    return rels, skipped, refused


SUPPORTED = ", ".join(f"*{s}" for s in PDF_SUFFIXES + IMAGE_SUFFIXES)
_NAMES_SHOWN = 3  # of each skipped type: enough to find them, not a listing of a whole folder


def _by_type(rels: list[str]) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {}
    for rel in rels:
        suffix = PurePosixPath(rel).suffix.lower()
        kinds.setdefault(suffix or "no suffix", []).append(rel)
    return dict(sorted(kinds.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def _types_said(rels: list[str]) -> str:
    parts = []
    for kind, names in _by_type(rels).items():
        shown = ", ".join(names[:_NAMES_SHOWN]) + (", ..." if len(names) > _NAMES_SHOWN else "")
        parts.append(f"{kind} not supported ({len(names)}: {shown})")
    return "; ".join(parts)


def skipped_message(rels: list[str]) -> str:
    """``12 files skipped: .heic not supported (12: a.heic, b.heic, c.heic, ...)``."""
    n = len(rels)
    return f"{n} file{'s' if n != 1 else ''} skipped: {_types_said(rels)}; a catalog holds {SUPPORTED}"


def nothing_to_audit(catalog: str, skipped: list[str], refused: list[str], manifest: bool = False) -> str:
    """Why a catalog gave no file to read, in terms of what it does hold."""
    if skipped:
        n = len(skipped)
        found = f"{n} file{'s' if n != 1 else ''}, none of a type it reads: {_types_said(skipped)}"
    elif refused:
        found = f"only links it does not follow: {'; '.join(refused[:_NAMES_SHOWN])}"
    else:
        found = "no files"
    if manifest:
        found += f" besides its {MANIFEST}"
    return f"nothing to audit in {catalog}: it holds {found}. A catalog holds label PDFs and images ({SUPPORTED})"


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
