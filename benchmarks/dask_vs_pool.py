"""An audit of the same catalog through the local process pool and through a Dask LocalCluster.

    .venv/bin/python benchmarks/dask_vs_pool.py CATALOG [--workers 2]

Both go through the Prefect flow in this one process (a warm-up flow run first, so neither
pays the temporary server's start-up); each writes its own fresh warehouse.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("catalog", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="labelaudit-dask-"))
    os.environ.setdefault("PREFECT_HOME", str(tmp / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from distributed import LocalCluster

    from flows.audit import audit_flow

    warm = tmp / "warm"
    warm.mkdir()
    audit_flow(catalog=str(warm), db=str(tmp / "warm.duckdb"), quiet=True)
    n = sum(1 for p in args.catalog.rglob("*") if p.suffix.lower() == ".pdf")

    t0 = time.perf_counter()
    audit_flow(catalog=str(args.catalog), db=str(tmp / "pool.duckdb"), workers=args.workers, quiet=True)
    pool_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        start_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        audit_flow(catalog=args.catalog.resolve().as_uri(), db=str(tmp / "dask.duckdb"), workers=args.workers,
                   quiet=True, dask_address=cluster.scheduler_address)
        dask_s = time.perf_counter() - t1
    print(f"{'path':<34}{'seconds':>9}{'labels/s':>10}")
    print(f"{'process pool (flow)':<34}{pool_s:>9.1f}{n / pool_s:>10.1f}")
    print(f"{'Dask LocalCluster start':<34}{start_s:>9.1f}")
    print(f"{'Dask LocalCluster (flow, file://)':<34}{dask_s:>9.1f}{n / dask_s:>10.1f}")


if __name__ == "__main__":
    main()
