"""Verdicts per product per run, and waivers that accept a flag while a label is unchanged."""
from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb

from labelaudit.contracts.records import Flag

KEY_NUTRIENTS = ("vitamin_d", "vitamin_k", "magnesium", "calcium", "vitamin_a")
# A row with an amount that no nutrient name matched, although it names a key nutrient among other
# words ("2,500 Vitamin D3 IU (62.5 mcg) 313%", "CITRATE) VITAMIN D3": a column or the row above
# ran into the name). Left out, it could unmake a flag without a word. Stems, so the label
# languages' spellings match too (vitamine, vitamina, calcio, magnésium, menachinon).
UNNAMED_KEY_ROW = (r"vitamin[ae]?\s*[adk]-?\d?\b|vit\.?\s*[dk]-?\d?\b|calcifer|menaquin|menachin|phyllo|"
                   r"magnes|calci|retin")


# The reasons normalise gives when servings per day rest on an assumption: every problem
# warehouse/directions.py finds in the directions, and a count with no serving size to count against
_DOSE_DOUBTS = ("the directions", "no serving size was read")


def _cites_vitamin_d(flag: Flag) -> bool:
    try:
        rows = json.loads(flag["evidence"] or "{}").get("rows") or []
    except (TypeError, ValueError):
        return False
    return any(isinstance(r, dict) and r.get("nutrient") == "vitamin_d" for r in rows)


def apply_waivers(con: duckdb.DuckDBPyConnection, catalog: str, flags: list[Flag],
                  today: date | None = None) -> int:
    """Mark the flags an analyst accepted: same product, rule and label version, not expired."""
    today = today or date.today()
    rows = con.execute(
        """SELECT waiver_id, product_key, rule_id, product_id FROM waivers
           WHERE catalog = ? AND revoked_at IS NULL AND (expires_on IS NULL OR expires_on >= ?)""",
        [catalog, today],
    ).fetchall()
    active = {(k, r, p): w for w, k, r, p in rows}
    waived = 0
    for f in flags:
        w = active.get((f["product_key"], f["rule_id"], f["product_id"]))
        f["waived"] = w is not None
        f["waiver_id"] = w
        waived += w is not None
    return waived


def verdicts(con: duckdb.DuckDBPyConnection, catalog: str, flags: list[Flag], min_ocr_confidence: float,
             ) -> list[dict[str, Any]]:
    """``pass``, ``flagged`` (an unwaived warning or high flag) or ``needs_review``, with reasons."""
    from warehouse.corrections import confirmed_products

    # Rows an analyst set or checked by hand: what the reader was unsure of is settled.
    settled: dict[str, set[str]] = {}
    for key, label in con.execute(
        """SELECT p.product_key, n.label_text FROM nutrients n JOIN products p ON p.product_id = n.product_id
           WHERE p.catalog = ? AND (n.corrected OR n.confirmed)""", [catalog]).fetchall():
        settled.setdefault(key, set()).add(label)
    confirmed = confirmed_products(con, catalog)
    review: dict[str, list[str]] = {}
    unread: set[str] = set()  # no reading this run: any flags are its last reading's, for a person to confirm
    dose_doubt: set[str] = set()  # servings per day, so every daily amount, rest on an assumption
    for key, status, detail, assumed, directions in con.execute(
        "SELECT product_key, status, status_detail, servings_per_day_assumed, directions FROM products "
        "WHERE catalog = ?",
        [catalog],
    ).fetchall():
        reasons = []
        if status != "ok":
            reasons.append(f"panel not read ({status}: {detail})")
            unread.add(key)
        elif detail:
            # An ok panel carries in status_detail what extraction or the directions left
            # unsettled (a heading with no rows, readers that disagree, a dose not understood).
            reasons.extend(part for part in detail.split("; ")
                           if not any(part.startswith(f"{label}:") for label in settled.get(key, ())))
        if assumed or any(r.startswith(_DOSE_DOUBTS) for r in reasons):
            dose_doubt.add(key)
        if assumed:
            reasons.append("servings per day assumed to be 1: " + (
                "the label gives no directions" if not directions
                else "the directions give no dose or frequency the reader understood"))
        review[key] = [] if key in confirmed and status == "ok" else reasons
    # Products whose verdict waits for a person, flags or not: a key figure in doubt could make or
    # unmake any flag, and "flagged" for one rule would hide the rule it unmade (a vitamin D row with
    # no amount under a K1 caution is a missed D3 flag nobody is asked to look at).
    misread: set[str] = set()
    for key, _nutrient, label, what in con.execute(
        """SELECT p.product_key, n.nutrient, n.label_text,
                  CASE WHEN n.nutrient IS NULL
                            THEN 'a key nutrient named among other words, its row not identified'
                       WHEN n.amount IS NULL THEN 'no amount'
                       WHEN NOT coalesce(n.figures_consistent, true) AND n.read_method = 'ocr'
                            THEN 'read by OCR, and its own figures disagree'
                       WHEN NOT coalesce(n.figures_consistent, true)
                            THEN 'its printed figures disagree (amount against %DV, or mcg against IU)'
                       ELSE 'low OCR confidence' END
           FROM nutrients n JOIN products p ON p.product_id = n.product_id
           WHERE p.catalog = ? AND ((list_contains(?, n.nutrient) AND (
                 n.amount IS NULL
              OR NOT coalesce(n.figures_consistent, true)
              OR (n.read_method = 'ocr' AND n.confidence < ?)))
              OR (n.nutrient IS NULL AND n.amount IS NOT NULL AND regexp_matches(n.label_text, ?, 'i')))
             AND NOT (n.corrected OR n.confirmed)""",
        [catalog, list(KEY_NUTRIENTS), min_ocr_confidence, UNNAMED_KEY_ROW],
    ).fetchall():
        if key in confirmed:
            continue
        if f"{label}:" not in " ".join(review.get(key, [])):  # extraction may have said it already
            review.setdefault(key, []).append(f"{label}: {what}")
        misread.add(key)
    by_product: dict[str, list[Flag]] = {}
    for f in flags:
        by_product.setdefault(f["product_key"], []).append(f)
    ids = dict(con.execute("SELECT product_key, product_id FROM products WHERE catalog = ?", [catalog]).fetchall())
    with_d = {k for (k,) in con.execute(
        "SELECT DISTINCT p.product_key FROM nutrients n JOIN products p ON p.product_id = n.product_id "
        "WHERE p.catalog = ? AND n.nutrient = 'vitamin_d'", [catalog]).fetchall()}
    out = []
    for key, reasons in review.items():
        live = [f for f in by_product.get(key, []) if not f.get("waived") and f["severity"] in ("warning", "high")]
        # A vitamin D dose judged on an assumed servings per day, and no live flag that judged it: the
        # daily amount could cross the high-dose line, and "flagged" for another rule would hide that.
        d_unjudged = (bool(reasons) and key in dose_doubt and key in with_d  # a confirmed product has none
                      and not any(_cites_vitamin_d(f) for f in live))
        if key in misread or key in unread or d_unjudged:
            verdict, why = "needs_review", reasons + [f"would be flagged {f['rule_id']}" for f in live]
        elif live:
            verdict, why = "flagged", [f["rule_id"] for f in live] + reasons
        elif reasons:
            verdict, why = "needs_review", reasons
        else:
            verdict, why = "pass", []
        out.append({"product_key": key, "product_id": ids.get(key), "verdict": verdict,
                    "reasons": "; ".join(why) or None})
    return out
