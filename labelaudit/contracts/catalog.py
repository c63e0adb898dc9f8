"""Where a catalog's files live: a local folder or an fsspec URL (``file://``, ``s3://``...).

One type for every stage that touches a label file: discovery lists through it, extraction
workers read through it, report crops open through it. Before it, a catalog was a string
checked for ``"://"`` in several places and the reports joined ``Path(catalog) / source_file``,
so a catalog audited as a URL lost its evidence crops.

Identity (:attr:`CatalogLocation.id`, the warehouse's ``catalog`` column) is what it always
was: a folder's resolved absolute path, or the URL as given without its trailing ``/``. A
``file://`` URL names a local folder: it is read as that folder (same listing, same symlink
checks, workers and crops open the path) but keeps its URL as its identity, so warehouses
that audited it before still know it.

Remote credentials and endpoints come from the environment, as fsspec's backends read them
(for S3: ``AWS_ACCESS_KEY_ID``, ``AWS_ENDPOINT_URL``...), so a location pickles as its string
and a worker on another machine opens the same files with its own credentials.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from labelaudit.contracts.errors import CatalogError


def is_url(where: str | os.PathLike[str]) -> bool:
    return "://" in str(where)


# File names are any bytes the file system allows (SPEC "Input"). A byte that is not UTF-8
# reaches Python as a lone surrogate (surrogateescape) that DuckDB, CSV and the terminal refuse,
# so every stage past listing sees a *display name*: each such byte written as the text ``\xff``.
# It must stay one-to-one (two files never share a product_key), so a real backslash is doubled
# where it stands before ``x``, another backslash or such a byte: real ``a\xff.pdf`` (UTF-8 text) shows
# as ``a\\xff.pdf``, the byte 0xff as ``a\xff.pdf``. Names without either are shown as they are,
# so product keys of ordinary files never change. ``real_name`` undoes it to open the file.
_ESCAPED = re.compile(r"\\\\|\\x([89a-f][0-9a-f])")


def display_name(rel: str) -> str:
    """``rel`` as the warehouse, reports and messages show it: valid text, one-to-one."""
    out = []
    for i, ch in enumerate(rel):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch == "\\" and rel[i + 1 : i + 2] and (rel[i + 1] in "x\\" or 0xDC80 <= ord(rel[i + 1]) <= 0xDCFF):
            out.append("\\\\")
        else:
            out.append(ch)
    return "".join(out)


def real_name(shown: str) -> str:
    """The name on the file system (surrogate-escaped) for a :func:`display_name`."""
    if "\\" not in shown:
        return shown
    return _ESCAPED.sub(lambda m: "\\" if m.group(1) is None else chr(0xDC00 + int(m.group(1), 16)), shown)


# What a catalog audits (SPEC "Input"): label PDFs and label images, by suffix, any case. Each
# image, or each frame of a multi-frame TIFF, is a page. Anything else is skipped and named.
PDF_SUFFIXES = (".pdf",)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")


def label_kind(rel: str) -> str | None:
    """``"pdf"``, ``"image"`` or None (not a file the audit reads), from the name's suffix."""
    low = rel.lower()
    if low.endswith(PDF_SUFFIXES):
        return "pdf"
    if low.endswith(IMAGE_SUFFIXES):
        return "image"
    return None


def image_format(head: bytes) -> str | None:
    """The image format the first bytes of a file announce (``PNG``, ``JPEG``, ``TIFF``, ``WEBP``),
    else None. By content, not name: a crop of an image entry must not be handed to a PDF reader."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


class FileChanged(OSError):
    """The file's bytes or identity changed while it was being read."""


def _sort_key(rel: str) -> tuple[str, ...]:
    # The order of sorted(Path.rglob()): by path components, so a local folder and the same
    # files behind a URL list in one order ("a/b" before "a-b/c").
    return tuple(rel.split("/"))


class CatalogLocation:
    """A catalog root that lists and opens its files, local or remote."""

    __slots__ = ("_base", "_fs", "id", "local_root")

    def __init__(self, id: str, local_root: Path | None):
        self.id = id
        self.local_root = local_root  # where the files are on this machine's file system, if they are
        self._fs: Any = None
        self._base: str | None = None

    @classmethod
    def parse(cls, where: str | os.PathLike[str] | CatalogLocation) -> CatalogLocation:
        if isinstance(where, CatalogLocation):
            return where
        text = os.fspath(where)
        if not is_url(text):
            root = Path(text).resolve()
            return cls(str(root), root)
        url = text.rstrip("/")
        if url.startswith("file://"):
            parts = urlsplit(url)
            if parts.netloc in ("", "localhost"):
                # Percent-decoded, as RFC 8089 and Path.as_uri() have it: a folder with a space
                # in its name is file:///data/my%20labels.
                return cls(url, Path(unquote(parts.path)))
        if url.startswith(("file://", "local://")):
            import fsspec.core

            _fs, path = fsspec.core.url_to_fs(url)
            return cls(url, Path(path))
        return cls(url, None)

    # A location travels to worker processes (and Dask workers) as its string: each process
    # makes its own file system object, with its own connections and credentials.
    def __reduce__(self) -> tuple[Callable[[str], CatalogLocation], tuple[str]]:
        return (CatalogLocation.parse, (self.id,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CatalogLocation) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __str__(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"CatalogLocation({self.id!r})"

    @property
    def is_local(self) -> bool:
        return self.local_root is not None

    def _remote(self) -> tuple[Any, str]:
        if self._fs is None:
            import fsspec.core

            try:
                self._fs, base = fsspec.core.url_to_fs(self.id)
            except ImportError as e:  # fsspec knows the scheme but its backend is not installed
                extra = " (pip install 'labelaudit[s3]')" if self.id.startswith(("s3://", "s3a://")) else ""
                raise CatalogError(f"catalog {self.id}: {e}{extra}") from e
            self._base = base.rstrip("/")
        return self._fs, self._base  # type: ignore[return-value]

    # Every ``rel`` taken or returned below is a display name (see display_name above).

    def where(self, rel: str) -> str:
        """One file's place, for messages and for tools that take a path or URL."""
        if self.local_root is not None:
            return display_name(str(self.local_root / real_name(rel)))
        return f"{self.id}/{rel}"

    def local_path(self, rel: str) -> Path | None:
        return None if self.local_root is None else self.local_root / real_name(rel)

    def check(self) -> None:
        """Raise :class:`CatalogError` unless the root is a folder that can be listed."""
        if self.local_root is not None:
            if not self.local_root.is_dir():
                raise CatalogError(f"catalog {self.id} is not a folder: pass the folder that holds the label PDFs "
                                   "or images")
            return
        fs, base = self._remote()
        fs.invalidate_cache()  # a long-lived process (a scheduled audit) must see today's listing
        try:
            ok = fs.isdir(base)
        except (OSError, ValueError) as e:
            raise CatalogError(f"catalog {self.id} could not be listed ({type(e).__name__}: {e})") from e
        if not ok:
            raise CatalogError(f"catalog {self.id} is not a folder that can be listed")

    def files(self, keep: Callable[[str], bool] = lambda rel: True) -> tuple[list[str], list[str]]:
        """The catalog's files (paths relative to the root, ``/`` separators) that ``keep`` accepts,
        in path order; and warnings for files refused. A symlink that leads out of a local catalog
        is refused: a catalog must not be a way to read files elsewhere on the machine."""
        self.check()
        if self.local_root is not None:
            return self._local_files(keep)
        fs, base = self._remote()
        rels = [display_name(p[len(base):].lstrip("/")) for p in fs.find(base)]
        return sorted((r for r in rels if r and keep(r)), key=_sort_key), []

    def _local_files(self, keep: Callable[[str], bool]) -> tuple[list[str], list[str]]:
        root = self.local_root
        assert root is not None
        real_root = root.resolve()
        rels: list[str] = []
        warnings: list[str] = []
        for path in sorted(root.rglob("*")):
            rel = display_name(path.relative_to(root).as_posix())
            if not keep(rel) or not (path.is_file() or path.is_symlink()):
                continue
            if path.is_symlink() and real_root not in path.resolve().parents:
                warnings.append(f"{rel}: skipped, a link that leads outside the catalog")
                continue
            rels.append(rel)
        return rels, warnings

    def is_link(self, rel: str) -> bool:
        return self.local_root is not None and (self.local_root / real_name(rel)).is_symlink()

    def exists(self, rel: str) -> bool:
        if self.local_root is not None:
            return (self.local_root / real_name(rel)).is_file()
        fs, base = self._remote()
        return bool(fs.isfile(f"{base}/{real_name(rel)}"))

    def open(self, rel: str, mode: str = "rb", **kwargs: Any) -> IO[Any]:
        """One file, opened like :func:`open` (``encoding``, ``newline`` for text modes).
        A missing file raises FileNotFoundError, local or remote."""
        if self.local_root is not None:
            return open(self.local_root / real_name(rel), mode, **kwargs)
        fs, base = self._remote()
        handle: IO[Any] = fs.open(f"{base}/{real_name(rel)}", mode, **kwargs)
        return handle

    def read_bytes(self, rel: str) -> bytes:
        with self.open(rel, "rb") as fh:
            data: bytes = fh.read()
            return data

    def sha256(self, rel: str) -> str:
        h = hashlib.sha256()
        with self.open(rel, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    def sha256_checked(self, rel: str, follow_link: bool = False) -> str:
        """sha256 of the file's bytes, read with :meth:`read_checked`'s checks, in chunks (discovery
        hashes every file in the audit's own process: a 500 MB catalog PDF must not be held)."""
        h = hashlib.sha256()
        if self.local_root is None:
            with self.open(rel, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        else:
            self._read_local(rel, follow_link, h.update)
        return h.hexdigest()

    def read_checked(self, rel: str, follow_link: bool = False) -> bytes:
        """All of one file's bytes, read so that what the caller hashes is what it parses.

        Raises :class:`FileChanged` when the file's size, modification time or inode moved
        while it was read (a copy still being written, a file replaced in place). A local file
        is opened without following a symlink unless ``follow_link`` (it was a link when the
        catalog was listed), and the file opened must lie inside the catalog: a link swapped
        in after listing, or a folder replaced by one, is refused, never followed out."""
        if self.local_root is None:
            return self.read_bytes(rel)
        chunks: list[bytes] = []
        self._read_local(rel, follow_link, chunks.append)
        return b"".join(chunks)

    def _read_local(self, rel: str, follow_link: bool, sink: Callable[[bytes], Any]) -> None:
        assert self.local_root is not None
        path = self.local_root / real_name(rel)
        flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
        if not follow_link:
            flags |= getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, flags)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise OutsideCatalog(
                    e.errno, "a link that was not there when the catalog was listed; not followed") from e
            raise
        try:
            before = os.fstat(fd)
            if not stat.S_ISREG(before.st_mode):
                raise FileChanged(errno.EINVAL, "no longer a regular file")
            self._check_inside(fd, path)
            size = 0
            while chunk := os.read(fd, 1 << 20):
                sink(chunk)
                size += len(chunk)
            after = os.fstat(fd)
        finally:
            os.close(fd)
        if (before.st_ino, before.st_size, before.st_mtime_ns) != (after.st_ino, after.st_size, after.st_mtime_ns) \
                or size != after.st_size:
            raise FileChanged(errno.EAGAIN, "changed while being read")

    def _check_inside(self, fd: int, path: Path) -> None:
        assert self.local_root is not None
        try:  # the file actually opened, whatever links led to it (Linux)
            real = Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            real = path.resolve()
        root = self.local_root.resolve()
        if real != root and root not in real.parents:
            raise OutsideCatalog(errno.EACCES, "leads outside the catalog; not followed")


class OutsideCatalog(PermissionError):
    """A path of the catalog that now leads to a file outside it."""


def unreadable(e: OSError) -> str:
    """Why a file could not be read, in the words a products row gives."""
    if isinstance(e, FileChanged):
        return "changed while being read; it is read again on the next audit"
    if isinstance(e, OutsideCatalog):
        return f"not read: {e.strerror}"
    if isinstance(e, PermissionError):
        return "permission denied reading the file"
    if isinstance(e, FileNotFoundError):
        return "file not found (removed during the audit?)"
    return f"could not be read ({e.strerror or e})"
