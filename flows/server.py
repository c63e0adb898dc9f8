"""A local Prefect server that outlives one audit: ``labelaudit server start|stop|status``.

Without a running server every audit starts Prefect's temporary one (8-17 s on a cold 2-core
machine, ../shared/notes/stack-facts.md) and its runs vanish with it. A standing server costs
that once; later audits of the same warehouse find it here and connect (about 1 s a run).

Where its state lives: ``LABELAUDIT_HOME`` when set, else ``.labelaudit/`` beside the warehouse
(flows.settings.state_dir_for), the same folder audits use. The server's database is
``prefect/prefect.db`` there (the ``PREFECT_HOME`` the audits use too), its log
``prefect/server.log`` and what an audit needs to find it ``prefect-server.json``.

Nothing here imports Prefect: the server runs as ``python -m prefect server start`` in a
session of its own, so that it survives the command that started it.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_PORT = 4200
STATE_FILE = "prefect-server.json"


@dataclass
class ServerState:
    """What ``prefect-server.json`` records of a server ``labelaudit server start`` launched."""

    pid: int
    host: str
    port: int
    home: str           # its PREFECT_HOME
    log: str
    started_at: str
    startup_s: float = 0.0

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.ui_url}/api"


class ServerError(Exception):
    """The server could not be started or stopped; the message says why in plain words."""


def state_file(state_dir: Path) -> Path:
    return state_dir / STATE_FILE


def prefect_home(state_dir: Path) -> Path:
    return state_dir / "prefect"


def read_state(state_dir: Path) -> ServerState | None:
    path = state_file(state_dir)
    try:
        return ServerState(**json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as e:  # a torn or hand-edited file: treat as stale
        raise ServerError(f"{path} is not a server record ({e}); delete it") from e


def healthy(api_url: str, timeout: float = 1.0) -> bool:
    """True when a Prefect API answers its health check at ``api_url``."""
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/health", timeout=timeout) as r:
            return bool(r.status == 200)
    except (OSError, urllib.error.URLError, ValueError):
        return False


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (not a zombie) and, where /proc tells, is a Prefect server."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: not ours, so not our server
        return False
    try:  # our own child (a test, a long-lived caller): reap it if it exited
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():
        try:
            stat = (proc / "stat").read_text()
            if stat[stat.rindex(")") + 2] == "Z":
                return False
            # A pid reused by another program after the server died is not the server.
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            return False
        return b"prefect" in b" ".join(cmd) and b"server" in cmd
    return True


def running(state_dir: Path) -> ServerState | None:
    """The server recorded in ``state_dir`` when its process still runs, else None (a record
    whose process is gone is stale and removed: see :func:`status`)."""
    st = read_state(state_dir)
    if st is None:
        return None
    if _alive(st.pid):
        return st
    state_file(state_dir).unlink(missing_ok=True)
    return None


def status(state_dir: Path) -> tuple[ServerState | None, str]:
    """(the running server or None, a sentence saying so)."""
    try:
        st = read_state(state_dir)
    except ServerError as e:
        state_file(state_dir).unlink(missing_ok=True)
        return None, f"no Prefect server running (removed an unreadable record: {e})"
    if st is None:
        return None, f"no Prefect server running for {state_dir} (start one with `labelaudit server start`)"
    if not _alive(st.pid):
        state_file(state_dir).unlink(missing_ok=True)
        return None, (f"no Prefect server running for {state_dir}: the one started at {st.started_at} "
                      f"(pid {st.pid}) is gone; removed its stale record")
    answer = "answering" if healthy(st.api_url) else "not answering yet (starting, or see its log)"
    return st, (f"Prefect server running at {st.ui_url} (pid {st.pid}, {answer}); API {st.api_url}; "
                f"state in {st.home}; log {st.log}")


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def server_env(home: Path, host: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_PROFILE")}
    env.update(
        PREFECT_HOME=str(home),
        # Without this the UI calls the API on 4200 whatever --port says (stack-facts).
        PREFECT_SERVER_API_HOST=host, PREFECT_SERVER_API_PORT=str(port),
        PREFECT_UI_ENABLED="true", PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    return env


def start(state_dir: Path, port: int = DEFAULT_PORT, host: str = "127.0.0.1", timeout: float = 180.0,
          ) -> tuple[ServerState, bool]:
    """Start the server in the background and wait until it answers. Returns (its state,
    True when this call started it; False when one was already running for ``state_dir``)."""
    current = running(state_dir)
    if current is not None:
        return current, False
    if not _port_free(host, port):
        raise ServerError(f"port {port} on {host} is taken by another program; choose another with --port")
    home = prefect_home(state_dir)
    home.mkdir(parents=True, exist_ok=True)
    log = home / "server.log"
    cmd = [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)]
    t0 = time.monotonic()
    with open(log, "ab") as fh:  # the child keeps its own descriptor
        proc = subprocess.Popen(cmd, env=server_env(home, host, port), stdin=subprocess.DEVNULL, stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True)
    st = ServerState(pid=proc.pid, host=host, port=port, home=str(home), log=str(log),
                     started_at=datetime.now(UTC).isoformat(timespec="seconds"))
    state_file(state_dir).write_text(json.dumps(asdict(st)), encoding="utf-8")
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            state_file(state_dir).unlink(missing_ok=True)
            tail = log.read_text(errors="replace")[-1500:]
            raise ServerError(f"the Prefect server exited at start-up (code {proc.returncode}); {log} ends:\n{tail}")
        if healthy(st.api_url):
            st.startup_s = round(time.monotonic() - t0, 1)
            state_file(state_dir).write_text(json.dumps(asdict(st)), encoding="utf-8")
            proc.returncode = 0  # it runs on by design: no "still running" warning when this object goes
            return st, True
        time.sleep(0.25)
    _terminate(proc.pid, 10.0)
    state_file(state_dir).unlink(missing_ok=True)
    raise ServerError(f"the Prefect server did not answer within {timeout:.0f} s and was stopped; see {log}")


def _terminate(pid: int, timeout: float) -> bool:
    """SIGTERM to the server's session (it leads it: started with a session of its own), then
    SIGKILL after ``timeout``. True when it had to be killed."""
    def signal_group(sig: int) -> None:
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    signal_group(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return False
        time.sleep(0.1)
    signal_group(signal.SIGKILL)
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return True


def stop(state_dir: Path, timeout: float = 30.0) -> tuple[ServerState | None, str]:
    """Stop the server recorded in ``state_dir``: (what was stopped or None, a sentence)."""
    st = running(state_dir)
    if st is None:
        return None, f"no Prefect server running for {state_dir}; nothing to stop"
    killed = _terminate(st.pid, timeout)
    state_file(state_dir).unlink(missing_ok=True)
    how = f"killed after {timeout:.0f} s without stopping" if killed else "stopped"
    return st, f"Prefect server at {st.ui_url} (pid {st.pid}) {how}; its runs stay in {st.home}"
