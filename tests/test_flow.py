"""The Prefect flow: a wrapper over run_audit, so the same warehouse as a plain run_audit, reports written."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from flows.run import run_audit
from tests.conftest import SAMPLE, warehouse_contents

pytestmark = pytest.mark.prefect


def test_the_prefect_flow_builds_the_same_warehouse_as_the_plain_pipeline(tmp_path, ruleset):
    from flows.audit import audit_flow

    root = tmp_path / "catalog"
    shutil.copytree(SAMPLE, root)
    flow_db = tmp_path / "flow.duckdb"
    result = audit_flow(catalog=str(root), db=str(flow_db), out=str(tmp_path / "out"), workers=2, batch_size=5,
                        quiet=True)
    plain_db = tmp_path / "plain.duckdb"
    run_audit(root, plain_db, ruleset=ruleset, workers=1)
    assert warehouse_contents(flow_db) == warehouse_contents(plain_db)
    assert result.run["files_read"] == result.run["files_seen"] > 0
    html = (tmp_path / "out" / "summary.html").read_text()
    for (name,) in duckdb.connect(str(flow_db), read_only=True).execute(
            "SELECT DISTINCT product_name FROM flagged_products").fetchall():
        assert name.replace("&", "&amp;") in html
