"""What a person sees of an audit: the Prefect UI's story of a run (name, tags, logs,
artifacts), the local server the CLI starts and stops, progress on a terminal and in a pipe,
and commands that never load Prefect."""
from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE, query

CLI = [sys.executable, "-m", "labelaudit"]
PLAIN_COLUMNS = ["Product", "Brand", "Retailer", "Severity", "Rule", "Reason", "File", "Page"]


def _small_catalog(dest: Path, n: int = 4) -> Path:
    """The sample's manifest with the first n readable labels (fast to audit)."""
    import csv

    dest.mkdir(parents=True)
    with open(SAMPLE / "catalog.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if (SAMPLE / r["file"]).is_file() and "inbox" not in r["file"]][:n]
    for r in rows:
        (dest / r["file"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / r["file"], dest / r["file"])
    with open(dest / "catalog.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return dest


def _poll(read, ready, timeout: float = 30.0):
    """Logs and task runs reach the API a moment after the flow returns (batched in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        got = read()
        if ready(got) or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


@pytest.mark.prefect
def test_a_run_is_named_tagged_logged_and_publishes_its_flagged_products_in_plain_columns(tmp_path, monkeypatch):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, LogFilter, LogFilterFlowRunId

    from flows.audit import audit_flow

    root = tmp_path / "shop" / "catalog"
    shutil.copytree(SAMPLE, root)
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "w.duckdb"
    state = audit_flow(catalog=str(root), db=str(db), workers=2, quiet=True, return_state=True)
    assert state.is_completed()
    result = state.result()
    run_id = result.run.audit_run_id
    fid = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        fr = client.read_flow_run(fid)
        assert fr.name.startswith("audit shop/catalog 20")  # the catalog as named from here, then the date
        assert time.strftime("%Y-%m-%d") in fr.name or fr.name.endswith(":00")  # (a run across midnight)
        retailers = {r for (r,) in query(db, "SELECT DISTINCT retailer FROM products WHERE retailer IS NOT NULL")}
        assert len(retailers) >= 2
        assert set(fr.tags) == {"labelaudit", "catalog:shop/catalog", *(f"retailer:{r}" for r in retailers)}

        logs = _poll(lambda: client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[fid]))),
                     lambda got: any("done" in x.message for x in got))
        text = [x.message for x in logs]
        files = result.run.files_read
        assert any(m.endswith(f"read {files}/{files} files") for m in text)  # progress
        assert any(m.startswith(f"audit {run_id} done") and f"{result.run.products_flagged} products flagged" in m
                   for m in text)  # the summary

        arts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[fid])))
        table = next(a for a in arts if a.type == "table")
        markdown = next(a for a in arts if a.type == "markdown")
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert list(rows[0]) == PLAIN_COLUMNS  # no snake_case, no empty sku column first
    assert len(rows) == result.run.products_flagged > 0
    flagged = query(db, """SELECT p.source_file, p.page FROM verdicts v JOIN products p USING (product_key)
                           WHERE v.audit_run_id = ? AND v.verdict = 'flagged'""", [run_id])
    assert sorted((r["File"], r["Page"]) for r in rows) == sorted(flagged)
    assert all(r["Reason"] and r["Rule"] and (root / r["File"]).is_file() for r in rows)
    assert rows[0]["Severity"] == "high"  # most serious first
    assert f"**{result.run.products_flagged}** products flagged" in markdown.data


def test_the_flagged_table_leaves_out_columns_empty_in_every_row(tmp_path, ruleset):
    from flows.audit import flagged_table
    from flows.run import run_audit

    root = _small_catalog(tmp_path / "c", n=22)
    (root / "catalog.csv").unlink()  # no manifest: no retailer anywhere
    result = run_audit(root, tmp_path / "w.duckdb", ruleset=ruleset, workers=1)
    rows, n = flagged_table(tmp_path / "w.duckdb", result.run.audit_run_id)
    assert n == len(rows) == result.run.products_flagged > 0
    assert "Retailer" not in rows[0] and next(iter(rows[0])) == "Product"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: object, env: dict[str, str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


def _cli_on_terminal(*args: object, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command with its stderr on a pseudo-terminal (as a person runs it), stdout on a pipe."""
    import pty
    import threading

    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:  # a full terminal buffer would block the writer
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.run([*CLI, *map(str, args)], stdout=subprocess.PIPE, stderr=slave, text=True,
                              env={**env, "TERM": "xterm-256color", "COLUMNS": "120"}, cwd=cwd, timeout=300)
    finally:
        os.close(slave)
        reader.join(10)
        os.close(master)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout,
                                       b"".join(chunks).decode("utf-8", "replace"))


@pytest.mark.prefect
def test_server_start_status_stop_and_audits_use_the_running_server(tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    env.update(LABELAUDIT_HOME=str(home), PYTHONPATH=str(ROOT))
    port = _free_port()
    catalog = _small_catalog(tmp_path / "catalog")
    out = _cli("server", "status", env=env, cwd=tmp_path)
    assert out.returncode == 3 and "no Prefect server running" in out.stdout
    started = _cli("server", "start", "--port", port, env=env, cwd=tmp_path)
    try:
        assert started.returncode == 0, started.stderr
        assert f"http://127.0.0.1:{port}" in started.stdout
        again = _cli("server", "start", "--port", port, env=env, cwd=tmp_path)
        assert again.returncode == 0 and "already runs" in again.stdout
        st = _cli("server", "status", env=env, cwd=tmp_path)
        assert st.returncode == 0 and f"running at http://127.0.0.1:{port}" in st.stdout and str(home) in st.stdout

        audit = _cli("audit", catalog, "--db", tmp_path / "w.duckdb", "--out", tmp_path / "out", env=env,
                     cwd=tmp_path)
        assert audit.returncode == 0, audit.stderr[-3000:]
        assert f"using Prefect server at http://127.0.0.1:{port}" in audit.stderr
        assert "starting" not in audit.stderr
        assert f"Prefect run: http://127.0.0.1:{port}/runs/flow-run/" in audit.stdout
        # Output to a pipe: plain lines with the rate, no terminal escape codes.
        assert "\x1b" not in audit.stderr and "\x1b" not in audit.stdout
        assert "files/s" in audit.stderr
        # On a terminal: the live bar, drawn in place, with the rate and the time left.
        term = _cli_on_terminal("audit", catalog, "--db", tmp_path / "w2.duckdb", env=env, cwd=tmp_path)
        assert term.returncode == 0, term.stdout[-3000:]
        assert "\x1b[" in term.stderr and "files/s" in term.stderr and "left" in term.stderr
        assert f"{len(list(catalog.rglob('*.pdf')))}/{len(list(catalog.rglob('*.pdf')))}" in term.stderr
        flow_run_id = audit.stdout.split("/runs/flow-run/")[1].split()[0]
        from prefect.client.orchestration import SyncPrefectClient

        with SyncPrefectClient(f"http://127.0.0.1:{port}/api") as client:
            assert client.read_flow_run(flow_run_id).name.startswith("audit catalog ")
    finally:
        stopped = _cli("server", "stop", env=env, cwd=tmp_path)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stderr
    after = _cli("server", "status", env=env, cwd=tmp_path)
    assert after.returncode == 3 and "no Prefect server running" in after.stdout
    assert not (home / "prefect-server.json").exists()


def test_a_stale_server_record_is_reported_and_removed(tmp_path):
    from flows import server

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid is free now: a server that died without `stop`
    rec = server.ServerState(pid=gone.pid, host="127.0.0.1", port=_free_port(), home=str(tmp_path / "prefect"),
                             log=str(tmp_path / "x.log"), started_at="2026-11-25T10:00:00+00:00")
    server.state_file(tmp_path).write_text(json.dumps(rec.__dict__))
    st, msg = server.status(tmp_path)
    assert st is None and "is gone" in msg and "stale" in msg
    assert not server.state_file(tmp_path).exists()
    server.state_file(tmp_path).write_text("{not json")
    st, msg = server.status(tmp_path)
    assert st is None and "unreadable" in msg and not server.state_file(tmp_path).exists()
    assert server.stop(tmp_path)[0] is None


def test_a_live_process_that_is_not_a_prefect_server_is_not_taken_for_one(tmp_path):
    from flows import server

    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        rec = server.ServerState(pid=other.pid, host="127.0.0.1", port=_free_port(), home=str(tmp_path),
                                 log=str(tmp_path / "x.log"), started_at="2026-11-25T10:00:00+00:00")
        server.state_file(tmp_path).write_text(json.dumps(rec.__dict__))
        assert server.running(tmp_path) is None  # a reused pid: the record is stale, the process untouched
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_live_bar_with_rate_and_time_left(monkeypatch):
    from flows.progress import BarDisplay, display_for

    monkeypatch.setenv("TERM", "xterm-256color")
    term = _Terminal()
    display = display_for(term)
    assert isinstance(display, BarDisplay)
    with display:
        display.note("22 PDF files in [bold]catalog[/bold]; 10 to read")
        display.planned([], 10)
        for done in (4, 10):
            time.sleep(0.05)
            display.read(done, 10)
    out = term.getvalue()
    assert "\x1b[" in out  # drawn in place
    assert "10/10" in out and "files/s" in out and "left" in out
    assert "[bold]catalog[/bold]" in out  # names are printed as written, never as markup


def test_a_pipe_gets_plain_lines_with_rate_and_no_escape_codes():
    from flows.progress import PlainDisplay, display_for

    pipe = io.StringIO()
    display = display_for(pipe)
    assert isinstance(display, PlainDisplay)
    with display:
        display.note("loading")
        display.planned([], 10)
        display.read(5, 10)
        display.read(10, 10)
    lines = pipe.getvalue().splitlines()
    assert lines[0] == "loading"
    assert lines[1].startswith("  read 5/10 files (") and "files/s, about" in lines[1] and "left)" in lines[1]
    assert lines[2].startswith("  read 10/10 files (") and lines[2].endswith("done)")
    assert "\x1b" not in pipe.getvalue()


def test_commands_other_than_audit_schedule_and_server_start_never_import_prefect(tmp_path):
    catalog = _small_catalog(tmp_path / "catalog", n=2)
    pdf = next(catalog.rglob("*.pdf"))
    db = tmp_path / "w.duckdb"
    code = (
        "import sys, contextlib, io\n"
        "from flows.run import run_audit\n"
        "from labelaudit.cli import main\n"
        f"run_audit({str(catalog)!r}, {str(db)!r}, workers=1, out={str(tmp_path / 'rep')!r}, report_formats=['csv'])\n"
        "loaded = {}\n"
        "for argv in (['sql', 'SELECT count(*) FROM products', '--db', %r], ['rules'], ['extract', %r],\n"
        "             ['review', '--db', %r], ['report', '--db', %r, '--out', %r, '--format', 'csv'],\n"
        "             ['server', 'status', '--db', %r]):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        main(argv)\n"
        "    loaded[argv[0]] = 'prefect' in sys.modules\n"
        "print(loaded)\n"
    ) % (str(db), str(pdf), str(db), str(db), str(tmp_path / "rep2"), str(db))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = eval(out.stdout.strip().splitlines()[-1])  # a dict literal this test printed
    assert loaded == dict.fromkeys(["sql", "rules", "extract", "review", "report", "server"], False)
