from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# Prefect reads its settings at import: keep its state out of the user's home, and give
# the temporary server the time a cold 2-core machine needs (../shared/notes/stack-facts.md).
_PREFECT_HOME = Path(os.environ.get("LABELAUDIT_TEST_PREFECT_HOME", "/tmp/labelaudit-test-prefect"))
os.environ.setdefault("PREFECT_HOME", str(_PREFECT_HOME))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
_PREFECT_HOME.mkdir(parents=True, exist_ok=True)

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LABELAUDIT_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
SAMPLE = ROOT / "examples" / "catalog"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not (CORPUS / "truth.jsonl").exists():
        msg = f"shared corpus not found at {CORPUS} (set LABELAUDIT_SHARED)"
        if os.environ.get("CI"):
            pytest.fail(msg)  # CI always has shared/ beside the clone: a skip there would hide a check
        pytest.skip(msg)
    return CORPUS


@pytest.fixture(scope="session")
def corpus_truth(corpus: Path) -> list[dict]:
    return read_jsonl(corpus / "truth.jsonl")


@pytest.fixture(scope="session")
def sample_truth() -> list[dict]:
    return read_jsonl(SAMPLE / "truth.jsonl")


@pytest.fixture(scope="session")
def ruleset():
    from rules import load_ruleset

    return load_ruleset()


@pytest.fixture(scope="session")
def audited_corpus(tmp_path_factory, corpus, ruleset):
    """The shared corpus audited once (no Prefect) for the scoring tests."""
    from flows.pipeline import audit_catalog

    db = tmp_path_factory.mktemp("corpus") / "w.duckdb"
    run, _ = audit_catalog(corpus, db, ruleset, workers=2)
    return db, run


def query(db: Path, sql: str, params=None) -> list[tuple]:
    """Rows of one read-only query against a warehouse file."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# What "the same warehouse" means when two ways of auditing are compared.
# ORDER BY ALL: a warehouse holds a row per product per run in flags and verdicts, so an order by key
# alone leaves two runs' rows in scan order, and two equal warehouses could compare unequal
CONTENT_QUERIES = {
    "products": "SELECT product_key, product_id, source_file, page, panel, sha256, brand, product_name, sku, retailer, "
                "serving_size, servings_per_day, status, status_detail FROM products ORDER BY product_key",
    "nutrients": "SELECT * FROM nutrients ORDER BY product_id, row_index",
    "flags": "SELECT product_key, rule_id, severity, message, evidence FROM flags ORDER BY ALL",
    "verdicts": "SELECT product_key, verdict, reasons FROM verdicts ORDER BY ALL",
}


def warehouse_contents(db: Path) -> dict[str, list[tuple]]:
    return {name: query(db, sql) for name, sql in CONTENT_QUERIES.items()}


CHROMIUM = "/usr/bin/chromium"  # Debian's, installed by scripts/system-deps.sh --test
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium through Playwright, one launch per test module (every page a test opens
    is a new context, so tests share no cookies). Fails, never skips, where chromium is missing."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()
