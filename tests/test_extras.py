"""The optional extras: without Dask or s3fs a local audit is whole, and the options that need
one say which extra to install."""
from __future__ import annotations

import subprocess
import sys

import pytest

from labelaudit.contracts.catalog import CatalogLocation
from labelaudit.contracts.errors import CatalogError, TerminalError
from tests.conftest import ROOT

# Runs the module with the extras' top-level packages made unimportable, as in an install without them.
WITHOUT = "import sys; sys.modules.update(distributed=None, dask=None, s3fs=None); "


def test_an_audit_without_the_extras_imports_neither(tmp_path):
    code = (WITHOUT + "import labelaudit, pathlib\n"
            "root = pathlib.Path(sys.argv[1])\n"
            "r = labelaudit.audit(root, db=sys.argv[2], workers=1)\n"
            "print(r.run.files_read, r.run.products)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {'distributed', 'dask', 's3fs'}"
            " and sys.modules[m] is not None))\n")
    cat = tmp_path / "catalog"
    cat.mkdir()
    for pdf in sorted((ROOT / "examples" / "catalog" / "kestrel-health").glob("*.pdf"))[:2]:
        (cat / pdf.name).write_bytes(pdf.read_bytes())
    out = subprocess.run([sys.executable, "-c", code, str(cat), str(tmp_path / "w.duckdb")], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    read, products = map(int, out.stdout.splitlines()[0].split())
    assert read == 2 and products >= 2
    assert out.stdout.splitlines()[1] == "[]"


def test_dask_address_without_dask_names_the_extra(monkeypatch):
    from flows.executor import DaskExtractor

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(TerminalError, match=r"labelaudit\[dask\]"), DaskExtractor("tcp://127.0.0.1:1"):
        pass


def test_an_s3_catalog_without_s3fs_names_the_extra(monkeypatch):
    import fsspec.registry  # noqa: F401  (the module; the package's attribute of that name is a mapping)

    monkeypatch.setitem(sys.modules, "s3fs", None)
    # Forget the S3 backend an earlier test loaded (fsspec.registry is a read-only view of this dict).
    monkeypatch.delitem(sys.modules["fsspec.registry"]._registry, "s3", raising=False)
    with pytest.raises(CatalogError, match=r"labelaudit\[s3\]"):
        CatalogLocation.parse("s3://bucket/catalog").exists("x.pdf")
