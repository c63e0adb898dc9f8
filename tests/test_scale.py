"""Scheduled audits (a Prefect deployment with a cron schedule) and extraction on Dask."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from flows.pipeline import audit_catalog
from tests.conftest import SAMPLE

pytestmark = pytest.mark.prefect

QUERIES = {
    "products": "SELECT product_key, product_id, source_file, page, panel, sha256, brand, product_name, sku, retailer, "
                "serving_size, servings_per_day, status, status_detail FROM products ORDER BY product_key",
    "nutrients": "SELECT * FROM nutrients ORDER BY product_id, row_index",
    "flags": "SELECT product_key, rule_id, severity, message, evidence FROM flags ORDER BY product_key, rule_id",
    "verdicts": "SELECT product_key, verdict, reasons FROM verdicts ORDER BY product_key",
}


def dump(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {k: con.execute(v).fetchall() for k, v in QUERIES.items()}
    finally:
        con.close()


def test_the_deployment_and_its_cron_schedule_exist(tmp_path):
    from prefect import get_client

    from flows.audit import schedule_deployment

    params = {"catalog": str(SAMPLE), "db": str(tmp_path / "w.duckdb"), "out": str(tmp_path / "out"), "quiet": True}
    deployment_id = schedule_deployment("nightly-test", "0 2 * * *", params).apply()
    with get_client(sync_client=True) as client:
        dep = client.read_deployment(deployment_id)
    assert dep.name == "nightly-test"
    assert [s.schedule.cron for s in dep.schedules] == ["0 2 * * *"]
    assert all(s.active for s in dep.schedules)
    assert dep.parameters["catalog"] == str(SAMPLE) and dep.parameters["db"] == params["db"]


def test_an_audit_through_a_dask_local_cluster_gives_the_same_warehouse(tmp_path, ruleset):
    from distributed import LocalCluster

    from flows.audit import audit_on_dask

    root = tmp_path / "catalog"
    shutil.copytree(SAMPLE, root)
    local_db = tmp_path / "local.duckdb"
    audit_catalog(root, local_db, ruleset)
    dask_db = tmp_path / "dask.duckdb"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = audit_on_dask(cluster.scheduler_address, catalog=root.as_uri(), db=str(dask_db), quiet=True, batch_size=4)
    assert result.run["files_read"] == result.run["files_seen"] > 0
    assert result.run["catalog"] == root.as_uri()
    assert dump(dask_db) == dump(local_db)
