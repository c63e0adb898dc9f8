"""Prefect's environment, set before ``prefect`` is imported (its settings load at import),
and what keeps Prefect's fixed cost per audit run small.

Where a run's orchestration time went against a standing ``prefect server start`` (a
re-audit of 20 labels on 2 shared cores, medians, wall time over the plain pipeline's; see
flows/audit.py for the changes): importing Prefect, +1.4 s (of which the cyclic garbage
collector ~0.25 s); creating the flow run and its first states, 0.3 s; the run's tasks,
+0.2 s; the end of the run, 0.6 s (the heartbeat thread's join, 0-1 s); interpreter exit,
+0.4 s (a last collection walking Prefect's ~180k import-time objects). 2.9-3.1 s in all;
1.1-1.2 s after (importing Prefect, 0.9-1.0 s of it, is what remains).
"""
from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def configure_prefect(state_dir: Path) -> str | None:
    """Defaults only: whatever the user configured (a running server's PREFECT_API_URL) wins.
    Without one, the server ``labelaudit server start`` runs for ``state_dir`` (flows/server.py)
    is used when it runs. Returns the API URL the runs will use; None: Prefect starts a
    temporary server for this process."""
    from flows.server import prefect_home, running

    if not os.environ.get("PREFECT_API_URL") and (standing := running(state_dir)) is not None:
        os.environ["PREFECT_API_URL"] = standing.api_url
    os.environ.setdefault("PREFECT_HOME", str(prefect_home(state_dir)))
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    # The temporary server takes 8-17 s to start on a cold 2-core machine; Prefect's 20 s default flakes.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    prefect_run_defaults()
    return os.environ.get("PREFECT_API_URL") or None


def temporary_server_wait(state_dir: Path) -> int:
    """Seconds a temporary server takes to start here, about: 8 s when its database exists,
    17 s when it must be created (measured on 2 cores, ../shared/notes/stack-facts.md)."""
    home = Path(os.environ.get("PREFECT_HOME", state_dir / "prefect"))
    return 10 if (home / "prefect.db").exists() else 20


def prefect_run_defaults() -> None:
    """The process-wide form of :func:`run_settings`' defaults, for a process that runs flows
    it does not start itself (``labelaudit schedule`` serving a deployment): set before
    ``prefect`` is imported, and never over what the user set."""
    # No network on these machines; telemetry otherwise logs errors and waits on timeouts.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The API version handshake: a GET /admin/version from the API client, the events
    # client and the log client, each building its own TLS context from certifi's bundle
    # (even for http://). 0.2 s of a run on 2 cores; labelaudit pins its Prefect (3.8) and
    # talks to a server of the same install. Set it to true to get the check back (a clear
    # error on a major-version mismatch, a warning on an older server).
    os.environ.setdefault("PREFECT_CLIENT_SERVER_VERSION_CHECK_ENABLED", "false")


def state_dir_for(db: Path) -> Path:
    return Path(os.environ.get("LABELAUDIT_HOME", db.resolve().parent / ".labelaudit"))


# Extension modules built with nanobind report the objects still alive at interpreter exit
# ("nanobind: leaked N instances!"); objects frozen by gc.freeze() are never collected, so
# freezing after one of these is loaded would print that on every exit.
_WARN_ON_LEAKS_AT_EXIT = ("_duckdb",)


@contextmanager
def importing_prefect() -> Iterator[None]:
    """Import Prefect with the cyclic garbage collector paused, then move what the import
    created out of its reach (``gc.freeze()``).

    Importing Prefect creates ~180k long-lived objects (pydantic models, settings, schemas):
    left to the collector they cost ~0.25 s of collections during the import, ~0.1 s per full
    collection afterwards and 0.3-0.4 s of collection at interpreter exit, and none of them
    is ever garbage. Frozen objects are still freed by reference counting; cycles among them are
    not collected (a few thousand temporaries from the import, about 1 MB, kept to exit).

    Only when Prefect is not loaded yet (otherwise there is nothing to gain), and no freeze
    when a module that reports leaks at exit is already loaded (duckdb: see above): then the
    import just runs with the collector paused, and the next collection sees everything.
    """
    if "prefect" in sys.modules:
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not any(m in sys.modules for m in _WARN_ON_LEAKS_AT_EXIT):
            gc.freeze()
        if was_enabled:
            gc.enable()


@contextmanager
def run_settings() -> Iterator[None]:
    """Settings for a flow run started in this process (``audit_flow(...)``, the CLI, tests):
    the defaults of :func:`prefect_run_defaults` plus no heartbeats, each only where the user
    configured nothing (environment, profile, prefect.toml). Applied around the run rather
    than to the environment at import, so importing the flow changes nothing.

    Flow-run heartbeats: Prefect 3.8 starts a heartbeat thread for every flow run (default
    every 180 s) and joins it at the end of the run; the thread sleeps in 1 s steps, so the
    join adds 0-1 s (0.5 s on average) to every run. Heartbeats only serve zombie-run
    detection, which needs an automation the user creates, and Prefect documents them as
    enabled by setting ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``. So: if that setting (or its
    legacy alias) was configured anywhere, it is used as is; if not, in-process runs send
    none. Runs started by a deployment (``labelaudit schedule``, a work pool) do not come
    through here and keep Prefect's default.

    The temporary server, when the run starts one, inherits these settings (Prefect passes
    the settings that were set to its subprocess), so it sends no analytics either.
    """
    from prefect.context import SettingsContext, get_settings_context

    ctx = get_settings_context()
    settings = ctx.settings
    updates: dict[str, Any] = {}
    for section, name, value in _RUN_DEFAULTS:
        if name not in getattr(settings, section).model_fields_set:
            group = updates.get(section) or getattr(settings, section)
            updates[section] = group.model_copy(update={name: value})
    if not updates:
        yield
        return
    # What prefect.settings.temporary_settings() does, minus rebuilding the settings from
    # every source (environment, profiles, TOML files): 40 ms against 0.1 ms for a copy.
    with SettingsContext(profile=ctx.profile, settings=settings.model_copy(update=updates)):
        yield


# (settings section, field, value) a run started in this process uses unless configured.
_RUN_DEFAULTS = (
    ("flows", "heartbeat_frequency", None),
    # See prefect_run_defaults: the API version handshake costs 0.2 s a run.
    ("client", "server_version_check_enabled", False),
    ("server", "analytics_enabled", False),
)
