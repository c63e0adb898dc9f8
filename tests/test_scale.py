"""Scheduled audits (a Prefect deployment with a cron schedule) and extraction on Dask."""
from __future__ import annotations

import shutil

import pytest

from flows.run import run_audit
from tests.conftest import SAMPLE, warehouse_contents

pytestmark = pytest.mark.prefect


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

    from flows.audit import audit_flow

    root = tmp_path / "catalog"
    shutil.copytree(SAMPLE, root)
    local_db = tmp_path / "local.duckdb"
    run_audit(root, local_db, ruleset=ruleset)
    dask_db = tmp_path / "dask.duckdb"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = audit_flow(catalog=root.as_uri(), db=str(dask_db), quiet=True, batch_size=4,
                            dask_address=cluster.scheduler_address)
    assert result.run["files_read"] == result.run["files_seen"] > 0
    assert result.run["catalog"] == root.as_uri()
    assert warehouse_contents(dask_db) == warehouse_contents(local_db)
