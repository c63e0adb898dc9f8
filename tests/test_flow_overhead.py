"""What keeps Prefect's fixed cost per audit run small (flows/settings.py, flows/audit.py)
without changing what the Prefect UI shows of a run."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, SAMPLE


def test_extract_tasks_are_contiguous_shares_of_whole_batches():
    from flows.run import task_shares

    parts = [[f"{b}-{i}" for i in range(5 if b < 19 else 3)] for b in range(20)]
    shares = task_shares(parts, 4)
    assert len(shares) == 4
    assert [j for s in shares for j in s] == [j for p in parts for j in p]  # every file, in order
    assert [len(s) for s in shares] == [25, 25, 25, 23]  # 5 whole batches each
    assert task_shares(parts[:3], 4) == parts[:3]  # never more tasks than batches
    assert task_shares([["a"]], 0) == [["a"]]


def test_in_process_runs_send_no_heartbeat_unless_one_was_configured():
    from prefect.settings import get_current_settings, temporary_settings

    from flows.settings import run_settings

    if "heartbeat_frequency" in get_current_settings().flows.model_fields_set:
        pytest.skip("PREFECT_FLOWS_HEARTBEAT_FREQUENCY is configured in this environment")
    default = get_current_settings().flows.heartbeat_frequency
    with run_settings():
        assert get_current_settings().flows.heartbeat_frequency is None
    assert get_current_settings().flows.heartbeat_frequency == default
    # as PREFECT_FLOWS_HEARTBEAT_FREQUENCY=60
    with temporary_settings(updates={"flows.heartbeat_frequency": 60}), run_settings():
        assert get_current_settings().flows.heartbeat_frequency == 60


@pytest.mark.parametrize("section, name, value", [
    ("client", "server_version_check_enabled", False),  # the API version handshake, 0.2 s a run
    ("server", "analytics_enabled", False),  # passed on to the temporary server the run may start
])
def test_in_process_runs_use_labelaudits_defaults_unless_configured(section, name, value):
    from prefect.settings import get_current_settings, temporary_settings

    from flows.settings import run_settings

    def current():
        return getattr(getattr(get_current_settings(), section), name)

    if name not in getattr(get_current_settings(), section).model_fields_set:
        with run_settings():
            assert current() is value
    # as the environment or a profile sets it
    with temporary_settings(updates={f"{section}.{name}": not value}), run_settings():
        assert current() is (not value)


def test_importing_the_flow_changes_no_environment():
    out = _python("import os\nbefore = dict(os.environ)\nimport flows.audit\n"
                  "print(sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k)))\n",
                  drop=("PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED", "PREFECT_SERVER_ANALYTICS_ENABLED"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_flow_is_still_a_flow_for_deployments():
    from prefect import Flow

    from flows.audit import audit_flow

    assert isinstance(audit_flow, Flow)
    assert audit_flow.fn.__name__ == "audit_flow" and audit_flow.name == "labelaudit-audit"
    assert "catalog" in audit_flow.parameters.properties


def test_parameters_reach_the_api_as_prefect_would_send_them():
    from fastapi.encoders import jsonable_encoder

    from flows.audit import audit_flow

    params = dict(catalog="/data/catalog", db="w.duckdb", out=None, config=None, workers=2, batch_size=100,
                  quiet=True, file_timeout=60.0, memory_mb=2048, dask_address=None)
    assert audit_flow.serialize_parameters(params) == jsonable_encoder(params) == params
    odd = {"catalog": __import__("pathlib").Path("/data"), "n": [1, 2]}  # not scalars: Prefect's own encoder
    assert audit_flow.serialize_parameters(odd) == {"catalog": "/data", "n": [1, 2]}


def _python(code: str, drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("duckdb_first", [False, True])
def test_prefects_import_is_frozen_out_of_the_collector_and_exit_stays_quiet(duckdb_first):
    # Frozen duckdb objects would make nanobind print "leaked N instances" at every exit.
    first = "import duckdb\n" if duckdb_first else ""
    out = _python(first + (
        "import gc\n"
        "import flows.audit\n"
        "import duckdb\n"
        "assert gc.isenabled()\n"
        "print('frozen', gc.get_freeze_count())\n"
        "duckdb.connect().execute('SELECT 42').fetchall()\n"
    ))
    assert out.returncode == 0, out.stderr
    frozen = int(out.stdout.split()[-1])
    assert (frozen == 0) if duckdb_first else (frozen > 50_000)
    assert "nanobind" not in out.stderr and "leaked" not in out.stderr


@pytest.mark.prefect
def test_a_run_still_shows_its_tasks_and_artifacts(tmp_path):
    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
    )

    from flows.audit import audit_flow

    root = tmp_path / "catalog"
    shutil.copytree(SAMPLE, root)
    state = audit_flow(catalog=str(root), db=str(tmp_path / "w.duckdb"), out=str(tmp_path / "out"), workers=2,
                       batch_size=5, quiet=True, return_state=True)
    assert state.is_completed()
    flow_run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        deadline = time.monotonic() + 30
        while True:  # task runs reach the API as events, a moment after the flow returns
            runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
            names = sorted(r.name.rsplit("-", 1)[0] for r in runs)
            if (len(names) == 3 and all(r.state_name == "Completed" for r in runs)) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        # 22 files in batches of 5: every pool batch in one extract task, whatever the batch count
        assert names == ["extract-batch", "load-and-judge", "reports"]
        assert all(r.state_name == "Completed" for r in runs)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
        assert sorted(a.type for a in artifacts) == ["markdown", "table"]
