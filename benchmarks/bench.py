"""End-to-end throughput of labelaudit against a bare pdfplumber pass: one run, one table.

    .venv/bin/python benchmarks/bench.py [--n N] [--workers W] [--repeat R] [--server]
                                         [--prefect | --no-prefect] [--no-reports] [--out DIR]

    make bench                                  # N=20, quick: checks that everything runs
    make bench BENCH_ARGS="--n 2000 --server --repeat 3"

What it measures (every phase runs in its own child process, timed from outside, so the
seconds include interpreter start-up and imports, as a user would see them):

  baseline 1 proc   the bare pdfplumber pass: for every file, open it and extract_text() on every page
  baseline W proc   the same loop on a spawned multiprocessing.Pool(W) (for reference)
  plain audit       flows.run.run_audit(root, db, workers=W): no Prefect, no reports
  plain + reports   run_audit with its steps timed one by one (lock+discover+plan_reads, extraction,
                    load_and_judge, reports.write_reports); gives the split
  prefect cold      flows.audit.audit_flow(...) with a fresh PREFECT_HOME and no PREFECT_API_URL
                    (Prefect starts its temporary server), without and with reports (--prefect)
  prefect server    the same against a `prefect server start` this script launches (--server)
  re-audit          a second run on the same warehouse (nothing to read): plain, and through Prefect
  sql               `labelaudit sql "SELECT count(*) FROM flagged_products"`

Orchestration = the Prefect flow's wall time minus the plain pipeline's wall time for the same
work (both child processes, both timed from outside). Peak RSS is the sum of the RSS of the
measured child and all its descendants (spawned workers, Prefect's temporary server), sampled
every 50 ms with psutil; the standing Prefect server is reported on its own line.

The generated catalog (N labels, layouts ruled/borderless/retail, seed --seed) is cached under
DIR (default benchmarks/.bench/, git-ignored) so re-runs skip generation.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.executor import ExtractedRows, FileJob
    from labelaudit.contracts.records import AuditRun

# Only the standard library at module level: spawned workers re-import this file as __mp_main__.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LAYOUTS = ("ruled", "borderless", "retail")
DEFAULT_SEED = 20261123
SQL_QUERY = "SELECT count(*) FROM flagged_products"


# ============================================================== catalog generation (not timed)

def generate_catalog(out: Path, n: int, seed: int) -> Path:
    """N single-label PDFs (layouts drawn from LAYOUTS) plus a catalog.csv; cached by (n, seed)."""
    cat = out / f"catalog-n{n}-seed{seed}"
    marker = cat / ".complete"
    if marker.exists() and marker.read_text().strip() == str(n):
        return cat
    import random

    from tests.labelgen import random_catalog, render_label_bytes

    if cat.exists():
        shutil.rmtree(cat)
    (cat / "labels").mkdir(parents=True)
    t0 = time.perf_counter()
    records = random_catalog(seed, n)
    rng = random.Random(seed + 1)
    rows = []
    for i, rec in enumerate(records):
        layout = rng.choice(LAYOUTS)
        sub = f"labels/{i // 250:03d}"
        (cat / sub).mkdir(exist_ok=True)
        rel = f"{sub}/{i:05d}-{layout}.pdf"
        (cat / rel).write_bytes(render_label_bytes(rec, layout))
        rows.append({"file": rel, "sku": rec.get("sku", ""), "brand": rec.get("brand", ""),
                     "product_name": rec.get("product_name", ""), "retailer": ("Corner Pharmacy", "GreenMart")[i % 2]})
    with open(cat / "catalog.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "sku", "brand", "product_name", "retailer"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    marker.write_text(str(n))
    print(f"generated {n} labels in {time.perf_counter() - t0:.1f} s -> {cat}", file=sys.stderr, flush=True)
    return cat


def pdf_files(cat: Path) -> list[str]:
    return sorted(str(p) for p in cat.rglob("*.pdf"))


# ============================================================== child-process phases

def _bare_file(path: str) -> int:
    import pdfplumber

    n = 0
    with pdfplumber.open(path) as pdf:
        for p in pdf.pages:
            n += len(p.extract_text() or "")
    return n


def child_baseline(a: dict) -> dict:
    import pdfplumber

    files = pdf_files(Path(a["catalog"]))
    t0 = time.perf_counter()
    if a["workers"] <= 1:
        chars = 0
        for f in files:
            with pdfplumber.open(f) as pdf:
                for p in pdf.pages:
                    chars += len(p.extract_text() or "")
    else:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(a["workers"]) as pool:
            chars = sum(pool.imap_unordered(_bare_file, files, chunksize=8))
    return {"inner_s": time.perf_counter() - t0, "files": len(files), "chars": chars}


def child_plain(a: dict) -> dict:
    from flows.run import run_audit

    t0 = time.perf_counter()
    res = run_audit(a["catalog"], a["db"], workers=a["workers"], out=a.get("reports") or None)
    run = res.run
    out = {"inner_s": time.perf_counter() - t0, "files_read": run["files_read"], "files_reused": run["files_reused"],
           "products": run["products"], "flagged": run["products_flagged"], "report_files": len(res.reports)}
    if a.get("reports"):
        import reports.render

        out["rendered"] = len(reports.render.RENDERED)  # report files rendered, not reused
    return out


def child_pdf(a: dict) -> dict:
    """The catalog summary's PDF alone (every retailer's report aside), laid out in this process."""
    import duckdb

    from reports.render import write_report

    con = duckdb.connect(a["db"], read_only=True)
    try:
        t0 = time.perf_counter()
        paths = write_report(con, None, Path(a["reports"]), formats=["pdf"])
        inner = time.perf_counter() - t0
    finally:
        con.close()
    return {"inner_s": inner, "bytes": paths["pdf"].stat().st_size}


def child_split(a: dict) -> dict:
    """run_audit with its steps timed one by one (the same sequence the plain audit and the flow run)."""
    from flows.run import Steps, run_audit
    from rules import load_ruleset

    out: dict = {}
    nutrient_rows = [0]

    class TimedSteps(Steps):
        def extract(self, shares: list[list[FileJob]],
                    read: Callable[[list[FileJob]], ExtractedRows]) -> Iterator[ExtractedRows]:
            t = time.perf_counter()
            out["plan_s"] = t - t_plan  # lock, discover (sha256 of every file), plan_reads
            for part in super().extract(shares, read):
                nutrient_rows[0] += len(part.nutrients)
                yield part
            out["extract_s"] = time.perf_counter() - t

        def load(self, load: Callable[[], AuditRun]) -> AuditRun:
            if "plan_s" not in out:  # nothing to read
                out["plan_s"], out["extract_s"] = time.perf_counter() - t_plan, 0.0
            t = time.perf_counter()
            run = load()
            out["load_s"] = time.perf_counter() - t
            return run

        def reports(self, write: Callable[[], dict[str, Path]], db: Path, run_id: str) -> dict[str, Path]:
            t = time.perf_counter()
            try:
                paths = write()
                out["reports_s"] = time.perf_counter() - t
                out["report_files"] = len(paths)
                return paths
            except Exception as e:  # reports are being rewritten: say so, keep the rest
                out["reports_s"] = time.perf_counter() - t
                out["reports_error"] = f"{type(e).__name__}: {str(e)[:300]}"
                return {}

    t_all = time.perf_counter()
    ruleset = load_ruleset()
    t_plan = time.perf_counter()
    run = run_audit(a["catalog"], a["db"], ruleset=ruleset, workers=a["workers"], out=a.get("reports") or None,
                    steps=TimedSteps()).run
    out.update(files_read=run["files_read"], products=run["products"], flagged=run["products_flagged"],
               nutrient_rows=nutrient_rows[0])
    out["inner_s"] = time.perf_counter() - t_all
    return out


def child_prefect(a: dict) -> dict:
    # Environment (PREFECT_HOME, PREFECT_API_URL...) was set by the parent before this process started.
    t0 = time.perf_counter()
    from flows.audit import audit_flow

    t_import = time.perf_counter() - t0
    res = audit_flow(catalog=a["catalog"], db=a["db"], out=a.get("reports"), workers=a["workers"], quiet=True)
    run = res.run
    return {"inner_s": time.perf_counter() - t0, "import_s": t_import, "files_read": run["files_read"],
            "files_reused": run["files_reused"], "products": run["products"], "flagged": run["products_flagged"],
            "report_files": len(res.reports)}


CHILDREN = {"baseline": child_baseline, "plain": child_plain, "split": child_split, "prefect": child_prefect,
            "pdf": child_pdf}


def child_main(kind: str, args_json: str, result_path: str) -> int:
    a = json.loads(args_json)
    try:
        res = CHILDREN[kind](a)
        res["ok"] = True
    except BaseException as e:  # report, never hide
        import traceback

        res = {"ok": False, "error": f"{type(e).__name__}: {str(e)[:500]}", "traceback": traceback.format_exc()[-3000:]}
    Path(result_path).write_text(json.dumps(res, default=str))
    return 0 if res["ok"] else 1


# ============================================================== measuring a child from outside

class TreeSampler:
    """Peak of the summed RSS of a process and its descendants, sampled every ``interval`` s."""

    def __init__(self, pid: int, interval: float = 0.05):
        import psutil

        self._psutil = psutil
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        ps = self._psutil
        try:
            root = ps.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except ps.Error:
            return 0
        total = 0
        for p in procs:
            with contextlib.suppress(ps.Error):  # a child that exited meanwhile
                total += p.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_child(cmd: list[str], env: dict, result_path: Path | None = None, timeout: float = 3600) -> dict:
    """Run a child, time it from outside, sample its tree's RSS; returns the child's result plus wall_s/peak_mb."""
    if result_path is not None and result_path.exists():
        result_path.unlink()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with TreeSampler(proc.pid) as sampler:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    res: dict = {}
    if result_path is not None and result_path.exists():
        res = json.loads(result_path.read_text())
    else:
        res = {"ok": proc.returncode == 0}
    if proc.returncode != 0 and res.get("ok", True):
        res["ok"] = False
    if not res.get("ok"):
        res.setdefault("error", f"exit code {proc.returncode}: {(stderr or '').strip()[-800:]}")
    res.update(wall_s=wall, peak_mb=sampler.peak / 2**20, returncode=proc.returncode, stdout=stdout[-2000:])
    return res


# ============================================================== the Prefect server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prefect_env(base: dict, home: Path, api_url: str | None) -> dict:
    env = dict(base)
    for k in ("PREFECT_API_URL", "PREFECT_PROFILE"):
        env.pop(k, None)
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING", PREFECT_UI_ENABLED="false")
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


class PrefectServer:
    def __init__(self, python: str, base_env: dict, home: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.env = prefect_env(base_env, home, None)
        self.log = home / "server.log"
        self.python = python
        self.proc: subprocess.Popen | None = None
        self.startup_s = 0.0

    def start(self, timeout: float = 180) -> None:
        prefect_bin = str(Path(self.python).parent / "prefect")
        cmd = [prefect_bin, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
        t0 = time.perf_counter()
        # The child keeps its own copy of the descriptor: ours can close at once.
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prefect server exited ({self.proc.returncode}); see {self.log}: "
                                   + self.log.read_text()[-800:])
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        self.startup_s = time.perf_counter() - t0
                        return
            except Exception:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"prefect server not healthy after {timeout:.0f} s; see {self.log}")

    def rss_mb(self) -> float:
        import psutil

        if not self.proc:
            return 0.0
        try:
            root = psutil.Process(self.proc.pid)
            return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]) / 2**20
        except psutil.Error:
            return 0.0

    def cpu_s(self) -> float:
        """CPU seconds the server's process tree has used so far (its share of a run's cost)."""
        import psutil

        if not self.proc:
            return 0.0
        try:
            root = psutil.Process(self.proc.pid)
            total = 0.0
            for p in [root, *root.children(recursive=True)]:
                t = p.cpu_times()
                total += t.user + t.system
            return total
        except psutil.Error:
            return 0.0

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # our own child, by its pid
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ============================================================== the benchmark

class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.python = sys.executable
        self.script = str(Path(__file__).resolve())
        self.out = Path(args.out).resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        gi = self.out / ".gitignore"
        if not gi.exists():
            gi.write_text("*\n")
        self.work = Path(tempfile.mkdtemp(prefix="run-", dir=self.out))
        self.base_env = dict(os.environ)
        self.base_env["PYTHONPATH"] = str(ROOT) + os.pathsep + self.base_env.get("PYTHONPATH", "")
        self.base_env.pop("PREFECT_API_URL", None)
        self.results: dict[str, list[dict]] = {}
        self.failures: list[str] = []
        self.loads: list[tuple[float, float, float]] = []
        self._k = 0

    def fresh(self, name: str) -> Path:
        self._k += 1
        p = self.work / f"{self._k:03d}-{name}"
        p.mkdir(parents=True)
        return p

    def child(self, phase: str, kind: str, a: dict, env: dict | None = None) -> dict:
        rp = self.work / f"result-{self._k}-{kind}.json"
        cmd = [self.python, self.script, "--child", kind, json.dumps(a), str(rp)]
        self.loads.append(os.getloadavg())
        res = run_child(cmd, env or self.base_env, rp)
        self.results.setdefault(phase, []).append(res)
        status = "ok" if res.get("ok") else "FAILED: " + str(res.get("error"))[:300]
        print(f"  {phase:<34} {res['wall_s']:8.2f} s  peak {res['peak_mb']:7.0f} MB  {status}",
              file=sys.stderr, flush=True)
        if not res.get("ok"):
            self.failures.append(f"{phase}: {res.get('error')}")
        return res

    def run_prefect(self, phase: str, cat: Path, db: Path, reports: Path | None, api_url: str | None,
                    home: Path | None = None) -> dict:
        home = home or self.fresh("prefect-home")
        env = prefect_env(self.base_env, home, api_url)
        a = {"catalog": str(cat), "db": str(db), "workers": self.args.workers,
             "reports": str(reports) if reports else None}
        srv = self.server if api_url else None
        cpu0 = srv.cpu_s() if srv else 0.0
        res = self.child(phase, "prefect", a, env)
        if srv:
            res["server_cpu_s"] = srv.cpu_s() - cpu0
        return res

    def run(self) -> int:
        args = self.args
        cat = generate_catalog(self.out, args.n, args.seed)
        self.ten = generate_catalog(self.out, 10, args.seed + 10)  # the small audit a person runs by hand
        n = len(pdf_files(cat))
        W = args.workers
        print(f"catalog {cat}: {n} PDFs; workers={W}; repeat={args.repeat}; load average at start "
              f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr, flush=True)
        self.reports_ok = not args.no_reports
        self.split_phase = "plain audit + reports (split)" if self.reports_ok else "plain audit, steps timed (split)"
        server = self.server = None
        if args.server:
            server = PrefectServer(self.python, self.base_env, self.fresh("server-home"))
            print(f"starting prefect server on {server.url} ...", file=sys.stderr, flush=True)
            try:
                server.start()
                self.server = server
                print(f"  server healthy after {server.startup_s:.1f} s", file=sys.stderr, flush=True)
            except Exception as e:
                self.failures.append(f"prefect server: {e}")
                server.stop()
                server = self.server = None
        try:
            for r in range(args.repeat):
                print(f"round {r + 1}/{args.repeat}", file=sys.stderr, flush=True)
                self.round(cat, W, server, first=(r == 0))
            self.server_rss = server.rss_mb() if server else 0.0
            self.server_startup = server.startup_s if server else 0.0
        finally:
            if server:
                server.stop()
        self.print_table(n, W, cat)
        if not args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        return 0 if not self.failures else 1

    def round(self, cat: Path, W: int, server: PrefectServer | None, first: bool) -> None:
        args = self.args
        c = str(cat)
        self.child("baseline: bare pdfplumber, 1 proc", "baseline", {"catalog": c, "workers": 1})
        if W > 1:
            self.child(f"baseline: bare pdfplumber, {W} proc", "baseline", {"catalog": c, "workers": W})
        d = self.fresh("plain")
        db_plain = d / "wh.duckdb"
        self.child("plain audit (no reports)", "plain", {"catalog": c, "db": str(db_plain), "workers": W})
        for _ in range(3 if first else 1):  # cheap: repeated in the first round
            self.child("re-audit plain (no reports)", "plain", {"catalog": c, "db": str(db_plain), "workers": W})
        d = self.fresh("split")
        rep = d / "reports" if self.reports_ok else None
        res = self.child(self.split_phase, "split",
                         {"catalog": c, "db": str(d / "wh.duckdb"), "workers": W, "reports": str(rep) if rep else None})
        if res.get("reports_error"):
            self.failures.append(f"reports.write_reports: {res['reports_error']}")
        if self.reports_ok:
            # Same warehouse and report folder, nothing changed: what a nightly re-audit costs.
            self.child("re-audit plain + reports", "plain",
                       {"catalog": c, "db": str(d / "wh.duckdb"), "workers": W, "reports": str(rep)})
            self.child("PDF summary (alone)", "pdf", {"db": str(d / "wh.duckdb"), "reports": str(self.fresh("pdf"))})
            d10 = self.fresh("ten")
            self.child("10-label audit + reports", "plain", {"catalog": str(self.ten), "db": str(d10 / "wh.duckdb"),
                                                             "workers": W, "reports": str(d10 / "reports")})
        for _ in range(3 if first else 1):
            sql = self.sql(db_plain)
        if args.prefect:
            d = self.fresh("cold")
            self.run_prefect("prefect cold (no reports)", cat, d / "wh.duckdb", None, None)
            if self.reports_ok:
                d = self.fresh("cold-rep")
                self.run_prefect("prefect cold + reports", cat, d / "wh.duckdb", d / "reports", None)
                self.run_prefect("re-audit prefect cold + reports", cat, d / "wh.duckdb", d / "reports", None)
                d = self.fresh("cold-ten")
                self.run_prefect("10-label prefect cold + reports", self.ten, d / "wh.duckdb", d / "reports", None)
        if server:
            d = self.fresh("srv")
            db_srv = d / "wh.duckdb"
            self.run_prefect("prefect server (no reports)", cat, db_srv, None, server.url)
            for _ in range(3 if first else 1):
                self.run_prefect("re-audit prefect server (no reports)", cat, db_srv, None, server.url)
            if self.reports_ok:
                d = self.fresh("srv-rep")
                self.run_prefect("prefect server + reports", cat, d / "wh.duckdb", d / "reports", server.url)
                # same folder, as a nightly run would: the evidence-crop cache under it is reused
                self.run_prefect("re-audit prefect server + reports", cat, d / "wh.duckdb", d / "reports", server.url)
                d = self.fresh("srv-ten")
                self.run_prefect("10-label prefect server + reports", self.ten, d / "wh.duckdb", d / "reports",
                                 server.url)
        # the denominator of every ratio, sampled again at the end of the round (load drifts)
        self.child("baseline: bare pdfplumber, 1 proc", "baseline", {"catalog": c, "workers": 1})
        _ = sql

    def sql(self, db: Path) -> dict:
        cmd = [str(Path(self.python).parent / "labelaudit"), "sql", SQL_QUERY, "--db", str(db)]
        self.loads.append(os.getloadavg())
        res = run_child(cmd, self.base_env, None)
        res["count_output"] = res.get("stdout", "").strip().splitlines()[-2:] if res.get("stdout") else []
        self.results.setdefault("labelaudit sql count(*)", []).append(res)
        if not res.get("ok"):
            self.failures.append(f"labelaudit sql: {res.get('error')}")
        print(f"  {'labelaudit sql count(*)':<34} {res['wall_s']:8.2f} s  peak {res['peak_mb']:7.0f} MB",
              file=sys.stderr, flush=True)
        return res

    # -------------------------------------------------------------- the table

    def med(self, phase: str, key: str = "wall_s") -> float | None:
        vals = [r[key] for r in self.results.get(phase, []) if r.get("ok") and r.get(key) is not None]
        return statistics.median(vals) if vals else None

    def peak(self, phase: str) -> float | None:
        vals = [r["peak_mb"] for r in self.results.get(phase, []) if r.get("ok")]
        return max(vals) if vals else None

    def print_table(self, n: int, W: int, cat: Path) -> None:
        base = self.med("baseline: bare pdfplumber, 1 proc")
        rows: list[tuple] = []

        def add(phase: str, seconds: float | None, per_label: bool = True, peak: float | None = None,
                note: str = "") -> None:
            ls = f"{n / seconds:.1f}" if (seconds and per_label) else ""
            ratio = f"{seconds / base:.2f}x" if (seconds is not None and base) else ""
            rows.append((phase, f"{seconds:.2f}" if seconds is not None else "failed", ls, ratio,
                         f"{peak:.0f}" if peak is not None else "", note))

        def reps(phase: str) -> str:
            k = len([r for r in self.results.get(phase, []) if r.get("ok")])
            t = len(self.results.get(phase, []))
            return f"{k}/{t} runs" if t else ""

        def measured(phase: str, note: str = "") -> float | None:
            s = self.med(phase)
            inner = self.med(phase, "inner_s")
            extra = [f"in-process {inner:.2f} s"] if inner is not None else []
            add(phase, s, peak=self.peak(phase), note="; ".join(extra + [x for x in (note, reps(phase)) if x]))
            return s

        measured("baseline: bare pdfplumber, 1 proc")
        if W > 1:
            measured(f"baseline: bare pdfplumber, {W} proc")
        plain = measured("plain audit (no reports)")
        re_plain = self.med("re-audit plain (no reports)")
        split_phase = self.split_phase
        split = measured(split_phase)
        parts = {k: self.med(split_phase, k) for k in ("plan_s", "extract_s", "load_s", "reports_s")}
        if split is not None:
            startup = split - (self.med(split_phase, "inner_s") or 0)
            add("  split: python start + imports", startup, per_label=False, peak=None, note="child wall - in-process")
            add("  split: discover + plan_reads", parts["plan_s"], per_label=False,
                note="sha256 of every file + known versions")
            add("  split: run_extraction", parts["extract_s"],
                note=f"{W} spawned pebble workers, PDFium pre-pass and glyphs")
            add("  split: load_and_judge", parts["load_s"], per_label=False,
                note="staged copy, inserts, rules, verdicts, publish")
            errs = [str(r["reports_error"]) for r in self.results.get(split_phase, []) if r.get("reports_error")]
            if errs:
                rows.append(("  split: write_reports", "failed", "", "", "", errs[0][:120]))
            elif parts["reports_s"] is not None:
                add("  split: write_reports", parts["reports_s"], per_label=False,
                    note="html/pdf/csv/xlsx, all retailers")
        plain_rep = split  # the same work as audit_flow(out=...), without Prefect

        for label in ("cold", "server"):
            nr = f"prefect {label} (no reports)"
            wr = f"prefect {label} + reports"
            if nr in self.results:
                s = self.med(nr)
                imp = self.med(nr, "import_s")
                orch = (f"orchestration {s - plain:.2f} s = {100 * (s - plain) / s:.0f}% of wall"
                        if (s and plain) else "")
                scpu = self.med(nr, "server_cpu_s")
                note = "; ".join(x for x in (orch, f"import prefect+flows {imp:.1f} s" if imp is not None else "",
                                             f"server CPU {scpu:.1f} s" if scpu is not None else "", reps(nr)) if x)
                add(nr, s, peak=self.peak(nr), note=note)
            if wr in self.results:
                s = self.med(wr)
                errs = [str(r.get("error")) for r in self.results[wr] if not r.get("ok")]
                orch = (f"orchestration {s - plain_rep:.2f} s = {100 * (s - plain_rep) / s:.0f}% of wall"
                        if (s and plain_rep) else "")
                error = f"; error: {errs[0][:100]}" if errs else ""
                add(wr, s, peak=self.peak(wr), note=orch + "; " + reps(wr) + error)
        if re_plain is not None or "re-audit plain (no reports)" in self.results:
            ph = "re-audit plain (no reports)"
            fr = [r.get("files_read") for r in self.results.get(ph, []) if r.get("ok")]
            add(ph, re_plain, peak=self.peak(ph), note=f"files read {fr}; {reps(ph)}")
        for ph in ("re-audit prefect server (no reports)", "re-audit prefect server + reports"):
            if ph in self.results:
                fr = [r.get("files_read") for r in self.results.get(ph, []) if r.get("ok")]
                scpu = self.med(ph, "server_cpu_s")
                add(ph, self.med(ph), peak=self.peak(ph), note=f"files read {fr}; " + (
                    f"server CPU {scpu:.1f} s; " if scpu is not None else "") + reps(ph))
        for ph in ("re-audit plain + reports", "re-audit prefect cold + reports"):
            if ph in self.results:
                rr = [r.get("rendered") for r in self.results.get(ph, []) if r.get("ok")]
                add(ph, self.med(ph), peak=self.peak(ph), note=f"report files rendered {rr}; {reps(ph)}"
                    if any(x is not None for x in rr) else reps(ph))
        for ph in ("10-label audit + reports", "10-label prefect cold + reports", "10-label prefect server + reports"):
            if ph in self.results:
                add(ph, self.med(ph), per_label=False, peak=self.peak(ph), note=reps(ph))
        ph = "PDF summary (alone)"
        if ph in self.results:
            add(ph, self.med(ph), per_label=False, peak=self.peak(ph),
                note=f"in-process {self.med(ph, 'inner_s') or 0:.2f} s; the catalog summary's PDF only; {reps(ph)}")
        ph = "labelaudit sql count(*)"
        if ph in self.results:
            add(ph, self.med(ph), per_label=False, peak=self.peak(ph), note=f"{reps(ph)}")
        if getattr(self, "server_rss", 0):
            rows.append(("(standing prefect server)", f"{self.server_startup:.2f}", "", "", f"{self.server_rss:.0f}",
                         "start-up to /api/health; RSS at the end, not part of the audit tree"))

        headers = ("phase", "seconds", "labels/s", "ratio", "peak RSS MB", "notes")
        widths = [max(len(str(r[i])) for r in [*rows, headers]) for i in range(len(headers))]
        widths[-1] = min(widths[-1], 110)
        fmt = lambda r: "  ".join(  # noqa: E731
            (str(v).ljust(widths[i]) if i in (0, 5) else str(v).rjust(widths[i])) for i, v in enumerate(r))
        la = self.loads or [os.getloadavg()]
        print()
        print(f"labelaudit bench: N={n} labels ({', '.join(LAYOUTS)}), workers={W}, repeat={self.args.repeat}, "
              f"{os.cpu_count()} CPUs; seconds = median wall time of a child process; ratio = seconds / bare "
              f"pdfplumber pass (1 proc); peak RSS = max over runs of the child's process tree")
        print(f"load average (1 min) before each phase: min {min(x[0] for x in la):.2f}, "
              f"median {statistics.median(x[0] for x in la):.2f}, max {max(x[0] for x in la):.2f}; now "
              f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(fmt(headers))
        print(fmt(tuple("-" * w for w in widths)))
        for r in rows:
            print(fmt(r))
        self.print_targets(n, base)
        if self.failures:
            print("\nfailures:")
            for f in dict.fromkeys(self.failures):
                print(f"  - {f[:400]}")
        if self.args.json:
            Path(self.args.json).write_text(json.dumps(
                {"n": n, "workers": W, "results": self.results, "failures": self.failures, "loads": self.loads},
                default=str, indent=1))


    def print_targets(self, n: int, base: float | None) -> None:
        """Issue 19's targets, one row each: without Prefect, with a cold (temporary) Prefect server, and
        with a standing one, side by side; a figure not measured in this run (e.g. --no-prefect) is "-"."""
        split = self.split_phase if self.reports_ok else None
        cols = {  # column -> (full audit + reports, unchanged re-audit + reports, 10-label audit + reports)
            "no Prefect": (split, "re-audit plain + reports", "10-label audit + reports"),
            "Prefect cold": ("prefect cold + reports", "re-audit prefect cold + reports",
                             "10-label prefect cold + reports"),
            "Prefect server": ("prefect server + reports", "re-audit prefect server + reports",
                               "10-label prefect server + reports"),
        }

        def cell(v: float | None, fmt: str, goal: float) -> str:
            return "-" if v is None else (fmt.format(v) + (" ok" if v <= goal else " MISSED"))

        def ratio(phase: str | None) -> float | None:
            s = self.med(phase) if phase else None
            return s / base if (s is not None and base) else None

        def orchestration(phase: str | None) -> float | None:
            s, plain = self.med(phase) if phase else None, self.med(split) if split else None
            return None if (s is None or plain is None or phase == split) else 100 * (s - plain) / s

        rows = [
            (f"N={n} audit + every report / bare pass", "<= 0.50x",
             [cell(ratio(c[0]), "{:.2f}x", 0.5) for c in cols.values()]),
            ("orchestration share of wall (with reports)", "<= 5%",
             [cell(orchestration(c[0]), "{:.0f}%", 5) for c in cols.values()]),
            ("unchanged re-audit + reports, seconds", "<= 5 s",
             [cell(self.med(c[1]), "{:.2f}", 5) for c in cols.values()]),
            ("10-label audit + reports, seconds", "<= 3 s", [cell(self.med(c[2]), "{:.2f}", 3) for c in cols.values()]),
            (f"peak RSS of the tree at N={n}, MB", "<= 500",
             [cell(self.peak(c[0]) if c[0] else None, "{:.0f}", 500) for c in cols.values()]),
            ("PDF summary (every evidence card), seconds", "<= 10 s",
             [cell(self.med("PDF summary (alone)"), "{:.2f}", 10), "-", "-"]),
        ]
        headers = ("target (issue 19)", "goal", *cols)
        table = [headers, *((a, b, *c) for a, b, c in rows)]
        widths = [max(len(str(r[i])) for r in table) for i in range(len(headers))]
        print(f"\ntargets at N={n} (medians; seconds include interpreter start-up; 'cold' = Prefect's temporary "
              "server, started by the audit)")
        for k, r in enumerate(table):
            print("  ".join(str(v).ljust(widths[i]) if i < 2 else str(v).rjust(widths[i]) for i, v in enumerate(r)))
            if k == 0:
                print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        return child_main(argv[1], argv[2], argv[3])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--n", type=int, default=20, help="labels to generate and audit (default: %(default)s)")
    p.add_argument("--workers", type=int, default=2, help="extraction processes (default: %(default)s)")
    p.add_argument("--repeat", type=int, default=1, help="rounds of every measurement; the table shows medians")
    p.add_argument("--server", action="store_true", help="also measure against a `prefect server start` launched here")
    p.add_argument("--prefect", dest="prefect", action="store_true", default=True,
                   help="measure the Prefect flow with a temporary (cold) server (default)")
    p.add_argument("--no-prefect", dest="prefect", action="store_false", help="skip the cold Prefect measurements")
    p.add_argument("--no-reports", action="store_true", help="skip every measurement that writes reports")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed (default: %(default)s)")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / ".bench"),
                   help="folder for the cached catalog and the run's warehouses (default: benchmarks/.bench)")
    p.add_argument("--keep", action="store_true", help="keep the run's warehouses and reports under --out")
    p.add_argument("--json", metavar="FILE", help="also write every raw measurement to FILE")
    args = p.parse_args(argv)
    try:
        import psutil  # noqa: F401
    except ImportError:
        print("error: psutil is missing: .venv/bin/pip install psutil (it is in the dev extra)", file=sys.stderr)
        return 2
    return Bench(args).run()


if __name__ == "__main__":
    raise SystemExit(main())
