"""Judge a panel given as printed row texts: parse -> normalise -> warehouse rows -> rules."""
from __future__ import annotations

import hashlib
import json

import duckdb

from extract.amounts import parse_row_text
from extract.records import PanelRecord, RowRecord
from labelaudit.contracts.records import Flag
from rules import RuleSet, evaluate
from warehouse.load import insert_label_versions
from warehouse.normalise import normalise_panel
from warehouse.store import schema_sql


def panel(rows: list[str], directions: str | None = "Take 1 capsule daily.", serving: str = "1 Capsule",
          fine_print: str | None = None) -> PanelRecord:
    parsed = []
    for text in rows:
        r = parse_row_text(text)
        parsed.append(r if r is not None else RowRecord(label_text=text))
    return PanelRecord(page=1, panel=0, serving_size=serving, directions=directions, rows=parsed, fine_print=fine_print)


def judge(ruleset: RuleSet, rows: list[str], directions: str | None = "Take 1 capsule daily.",
          serving: str = "1 Capsule", fine_print: str | None = None) -> list[Flag]:
    p = panel(rows, directions, serving, fine_print)
    sha = hashlib.sha256(json.dumps(rows).encode()).hexdigest()
    version, nutrients = normalise_panel(sha, p, "test")
    con = duckdb.connect()
    try:
        con.execute(schema_sql())
        insert_label_versions(con, [version], nutrients)
        con.execute(
            """INSERT INTO products (catalog, product_key, product_id, source_file, page, panel, sha256, region,
                   serving_size, servings_per_day, servings_per_day_assumed, directions, status)
               SELECT 'c', 'k', product_id, 'f.pdf', page, panel, sha256, region, serving_size, servings_per_day,
                   servings_per_day_assumed, directions, status FROM label_versions""")
        return evaluate(con, ruleset, "c")
    finally:
        con.close()


def rule_ids(flags: list[Flag]) -> set[str]:
    return {f["rule_id"] for f in flags}
