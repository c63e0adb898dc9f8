"""What the Prefect flow costs over run_audit() alone: the orchestration share of an audit.

    .venv/bin/python benchmarks/orchestration.py [--n 200] [--workers 2] [--repeat 3]

Generates (or reuses, benchmarks/.bench/) the catalog `make bench` uses, starts a Prefect
server of its own, then alternates, ``--repeat`` times, two child processes on a fresh
warehouse each, no reports: ``run_audit()`` directly, and ``flows.audit.audit_flow`` against
the server (what `labelaudit audit` runs once `labelaudit server start` runs). Every child is
timed from outside (interpreter start-up and imports included), with the CPU seconds of its
process tree (its workers) and of the server during it; the task runs of each flow run are
counted from the server. Orchestration = flow - plain, medians (the server's CPU counted beyond
its idle rate during the plain runs); these machines are shared and
noisy, so the CPU figures are the steadier ones.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _task_runs(api_url: str, flow_run_id: str) -> list[str]:
    import uuid

    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with SyncPrefectClient(api_url) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[uuid.UUID(flow_run_id)])))
    return sorted(r.name.rsplit("-", 1)[0] for r in runs)


def child(kind: str, catalog: str, db: str, workers: int, result: str) -> None:
    t0 = time.perf_counter()
    out: dict = {}
    if kind == "plain":
        from flows.run import run_audit

        run = run_audit(catalog, db, workers=workers).run
    else:
        from flows.audit import audit_flow

        out["import_s"] = time.perf_counter() - t0
        state = audit_flow(catalog=catalog, db=db, workers=workers, quiet=True, return_state=True)
        run = state.result().run
        out["flow_run_id"] = str(state.state_details.flow_run_id)
    out.update(inner_s=time.perf_counter() - t0, files_read=run.files_read)
    Path(result).write_text(json.dumps(out))


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, catalog, db, workers, result = sys.argv[2:7]
        child(kind, catalog, db, int(workers), result)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(HERE / ".bench"))
    args = ap.parse_args()

    import importlib
    import subprocess

    bench = importlib.import_module("bench")  # benchmarks/bench.py: the catalog and server `make bench` uses
    PrefectServer, generate_catalog, prefect_env = bench.PrefectServer, bench.generate_catalog, bench.prefect_env

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / ".gitignore").exists():  # generated catalogs and warehouses: never committed
        (out / ".gitignore").write_text("*\n")
    cat = generate_catalog(out, args.n, bench.DEFAULT_SEED)
    work = Path(tempfile.mkdtemp(prefix="orch-", dir=out))
    base = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = PrefectServer(sys.executable, base, work / "server")
    (work / "server").mkdir()
    server.start()
    print(f"prefect server up in {server.startup_s:.1f} s at {server.url}", file=sys.stderr)
    rows: dict[str, list[dict]] = {"plain": [], "flow": []}
    try:
        for r in range(args.repeat):
            for kind in ("plain", "flow"):
                db_path = work / f"{kind}-{r}.duckdb"
                res = work / f"{kind}-{r}.json"
                env = prefect_env(base, work / f"home-{kind}-{r}", server.url)
                cpu0, scpu0, t0 = _children_cpu(), server.cpu_s(), time.perf_counter()
                subprocess.run([sys.executable, __file__, "--child", kind, str(cat), str(db_path), str(args.workers),
                                str(res)], env=env, cwd=ROOT, check=True, timeout=3600)
                m = json.loads(res.read_text())
                m.update(wall_s=time.perf_counter() - t0, cpu_s=_children_cpu() - cpu0,
                         server_cpu_s=server.cpu_s() - scpu0, load=os.getloadavg()[0])
                if kind == "flow":
                    m["tasks"] = _task_runs(server.url, m["flow_run_id"])
                rows[kind].append(m)
                print(f"  {kind:<6} wall {m['wall_s']:6.2f} s  cpu {m['cpu_s']:6.2f} s  server cpu "
                      f"{m['server_cpu_s']:5.2f} s  load {m['load']:.1f}", file=sys.stderr, flush=True)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)  # the warehouses and the server's database

    def med(kind: str, key: str) -> float:
        return statistics.median(x[key] for x in rows[kind])

    wall_p, wall_f = med("plain", "wall_s"), med("flow", "wall_s")
    # The server's own background work (its services) goes on during the plain runs too: only
    # what it spends beyond that during a flow run is the flow's.
    server_extra = max(0.0, med("flow", "server_cpu_s") - med("plain", "server_cpu_s"))
    cpu_p, cpu_f = med("plain", "cpu_s"), med("flow", "cpu_s") + server_extra
    tasks = rows["flow"][-1]["tasks"]
    print(f"\nN = {args.n}, workers = {args.workers}, repeat = {args.repeat} (medians)")
    print(f"{'':<28}{'wall s':>9}{'cpu s':>9}")
    print(f"{'run_audit() directly':<28}{wall_p:9.2f}{cpu_p:9.2f}")
    print(f"{'Prefect flow (server)':<28}{wall_f:9.2f}{cpu_f:9.2f}   (the server's extra cpu: "
          f"{server_extra:.2f}; import prefect+flows {med('flow', 'import_s'):.2f} s)")
    print(f"{'orchestration':<28}{wall_f - wall_p:9.2f}{cpu_f - cpu_p:9.2f}   = "
          f"{100 * (wall_f - wall_p) / wall_f:.1f}% of the flow's wall, "
          f"{100 * (cpu_f - cpu_p) / cpu_f:.1f}% of its cpu")
    print(f"task runs per flow run: {len(tasks)} ({', '.join(sorted(set(tasks)))}); per task "
          f"{1000 * (wall_f - wall_p) / max(1, len(tasks)):.0f} ms of wall if all of it were the tasks'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
