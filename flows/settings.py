"""Prefect's environment, set before ``prefect`` is imported (its settings load at import)."""
from __future__ import annotations

import os
from pathlib import Path


def configure_prefect(state_dir: Path) -> None:
    """Defaults only: whatever the user configured (a running server's PREFECT_API_URL) wins."""
    os.environ.setdefault("PREFECT_HOME", str(state_dir / "prefect"))
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The temporary server takes 8-17 s to start on a cold 2-core machine; Prefect's 20 s default flakes.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")


def state_dir_for(db: Path) -> Path:
    return Path(os.environ.get("LABELAUDIT_HOME", db.resolve().parent / ".labelaudit"))
