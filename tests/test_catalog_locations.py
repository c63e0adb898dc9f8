"""One catalog in three places: a folder, its file:// URL and an S3 bucket (moto's server on
127.0.0.1, started here). Discovery, the extraction workers and the report crops all open
label files through labelaudit.contracts.catalog, so each place gives the same warehouse
and the same evidence crops; before, a URL catalog's reports had none."""
from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from flows.catalog import catalog_id, discover
from flows.run import run_audit
from labelaudit.contracts.catalog import CatalogLocation
from labelaudit.contracts.errors import CatalogError
from tests.conftest import SAMPLE, warehouse_contents

BUCKET = "labels"


@pytest.fixture(scope="module")
def s3_endpoint():
    """A local S3 endpoint (moto's server, 127.0.0.1 only) holding a copy of the sample catalog.
    Its address reaches the spawned extraction workers the way real credentials would: through
    the environment, which they inherit."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                            "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://{host}:{port}",
                            "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}.items():
            mp.setenv(name, value)
        import fsspec

        fs = fsspec.filesystem("s3", skip_instance_cache=True)
        fs.mkdir(BUCKET)
        for path in sorted(SAMPLE.rglob("*")):
            if path.is_file():
                fs.pipe(f"{BUCKET}/catalog/{path.relative_to(SAMPLE).as_posix()}", path.read_bytes())
        try:
            yield f"s3://{BUCKET}/catalog"
        finally:
            server.stop()


def _crops(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / ".cache" / "crops").glob("*.png"))}


def test_a_folder_its_file_url_and_s3_give_the_same_warehouse_and_evidence_crops(tmp_path, ruleset, s3_endpoint):
    places = {"folder": str(SAMPLE), "file": SAMPLE.resolve().as_uri(), "s3": s3_endpoint + "/"}
    runs, crops, html = {}, {}, {}
    for name, where in places.items():
        result = run_audit(where, tmp_path / f"{name}.duckdb", ruleset=ruleset, out=tmp_path / name,
                           report_formats=["html"], workers=2)
        runs[name] = result.run
        crops[name] = _crops(tmp_path / name)
        html[name] = (tmp_path / name / "summary.html").read_text()
    assert [runs[n]["catalog"] for n in places] == [str(SAMPLE.resolve()), SAMPLE.resolve().as_uri(), s3_endpoint]
    assert {n: r["files_read"] for n, r in runs.items()} == {n: 22 for n in places}
    contents = {n: warehouse_contents(tmp_path / f"{n}.duckdb") for n in places}
    assert contents["file"] == contents["folder"] and contents["s3"] == contents["folder"]
    # Every flagged product's card carries its crop, from each place, pixel for pixel the same.
    cards = html["folder"].count('class="evidence-card" id="ev-')
    assert cards > 0 and len(crops["folder"]) == cards
    for name in places:
        assert crops[name] == crops["folder"], name
        assert len(re.findall(r'src="data:image/png;base64,', html[name])) == cards, name
        # The notes a card shows instead of a crop (reports/crops.py).
        assert "only the values" not in html[name] and "no image could be cut" not in html[name], name


def test_the_workers_and_crops_read_s3_files_the_folder_does_not_hold(tmp_path, ruleset, s3_endpoint):
    # The reports read the bucket, not a folder that happens to share the key's name.
    import fsspec

    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    fs.pipe(f"{BUCKET}/solo/only-here.pdf", (SAMPLE / "kestrel-health" / "vitamin-d3.pdf").read_bytes())
    result = run_audit(f"s3://{BUCKET}/solo", tmp_path / "w.duckdb", ruleset=ruleset, out=tmp_path / "out",
                       report_formats=["html"], workers=1)
    assert result.run["files_read"] == 1 and result.run["products_ok"] == 1
    assert result.run["products_flagged"] == 1 and len(_crops(tmp_path / "out")) == 1
    fs.rm(f"{BUCKET}/solo/only-here.pdf")
    with pytest.raises(CatalogError, match="not a folder"):
        run_audit(f"s3://{BUCKET}/solo", tmp_path / "w.duckdb", ruleset=ruleset)


def test_catalog_identity_is_what_existing_warehouses_hold(tmp_path):
    (tmp_path / "cat").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "cat")
    # A folder: its resolved absolute path, however it is spelled (the formula before the type).
    for spelled in (tmp_path / "cat", str(tmp_path / "cat") + "/", link, tmp_path / "cat" / ".." / "cat"):
        assert catalog_id(spelled) == str(Path(spelled).resolve()) == str((tmp_path / "cat").resolve())
    # A URL: as given, without a trailing slash; a file:// URL is read as its folder.
    url = (tmp_path / "cat").as_uri()
    assert catalog_id(url + "/") == url
    loc = CatalogLocation.parse(url)
    assert loc.is_local and loc.local_root == tmp_path / "cat"
    assert catalog_id("s3://bucket/catalog/") == "s3://bucket/catalog"
    assert not CatalogLocation.parse("s3://bucket/catalog").is_local
    # Workers get the location by its name and open the same files.
    for where in (tmp_path / "cat", url, "s3://bucket/catalog"):
        loc = CatalogLocation.parse(where)
        again = pickle.loads(pickle.dumps(loc))
        assert again == loc and again.local_root == loc.local_root


def test_a_file_url_catalog_keeps_the_folders_symlink_and_manifest_rules(tmp_path):
    root = tmp_path / "my labels"  # as_uri() gives .../my%20labels
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.PDF").write_bytes((SAMPLE / "kestrel-health" / "d3-k2.pdf").read_bytes())
    (root / "notes.txt").write_text("not a label")
    (tmp_path / "outside.pdf").write_bytes(b"%PDF-1.4 elsewhere")
    (root / "out.pdf").symlink_to(tmp_path / "outside.pdf")
    (root / "catalog.csv").write_text("file,sku\nsub/a.PDF,SKU-A\nmissing.pdf,SKU-M\n")
    for where in (root, root.as_uri()):
        entries, warnings = discover(where)
        assert [(e.source_file, e.sku) for e in entries] == [("sub/a.PDF", "SKU-A")], where
        assert "out.pdf: skipped, a link that leads outside the catalog" in warnings, where
        assert "catalog.csv: lists missing.pdf, which is not in the catalog" in warnings, where
    with pytest.raises(CatalogError, match="not a folder"):
        discover(tmp_path / "nope")


def test_a_remote_file_gone_before_its_worker_reads_it_is_an_error_read_again_next_run(s3_endpoint):
    from flows.executor import RETRY_NEXT_RUN, FileJob, extract_one

    rows = extract_one(FileJob(CatalogLocation.parse(s3_endpoint), "gone.pdf", "0" * 64), file_timeout=0)
    (version,) = rows.versions
    assert version["status"] == "error" and "file not found" in version["status_detail"]
    assert version["extractor_version"] == RETRY_NEXT_RUN  # not remembered as read


def test_the_cli_names_a_url_catalog_as_the_warehouse_does(tmp_path, ruleset):
    import shutil

    from labelaudit.cli import main

    root = tmp_path / "cat"
    root.mkdir()
    shutil.copy(SAMPLE / "kestrel-health" / "vitamin-d3.pdf", root / "d3.pdf")
    url = root.as_uri()
    db = tmp_path / "w.duckdb"
    run_audit(url + "/", db, ruleset=ruleset, workers=1)
    # Before, --catalog went through Path.resolve(): "file:/..." under the current folder, no such catalog.
    assert main(["reevaluate", "--db", str(db), "--catalog", url + "/"]) == 0
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "out"), "--catalog", url, "--format", "csv"]) == 0
    assert main(["reevaluate", "--db", str(db), "--catalog", str(root)]) == 2  # the folder is another catalog
