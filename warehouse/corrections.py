"""Analysts' corrections in the warehouse: lapsing them, and the product fields they set.

``nutrients`` is a view (schema.sql) that applies row corrections by itself. ``products`` stays a
table (the audit rewrites it from label_versions every run, and tests and tools insert into it),
so its one correctable field, servings_per_day, is set here each time a catalog is judged.
"""
from __future__ import annotations

import duckdb


def lapse(con: duckdb.DuckDBPyConnection, catalog: str, run_id: str) -> int:
    """Stamp ``lapsed_in_run`` on the corrections of ``catalog`` that no longer apply: the product's
    label version is not the one they were made on (new bytes, or gone), or the row they corrected
    is no longer read as it was (a new extractor read the same bytes differently)."""
    before = _count_lapsed(con)
    con.execute(
        """UPDATE corrections c SET lapsed_in_run = $run,
               lapse_reason = CASE WHEN p.product_id IS NULL THEN 'the product is no longer in the catalog'
                                   ELSE 'the label changed (new file bytes)' END
           FROM (SELECT k.correction_id, p.product_id FROM corrections k
                 LEFT JOIN products p ON p.catalog = k.catalog AND p.product_key = k.product_key
                 WHERE k.catalog = $cat) p
           WHERE c.correction_id = p.correction_id AND c.undone_at IS NULL AND c.lapsed_in_run IS NULL
             AND p.product_id IS DISTINCT FROM c.product_id""",
        {"run": run_id, "cat": catalog},
    )
    # Same label version, but the value it corrected (or confirmed) is no longer what is read.
    con.execute(
        """UPDATE corrections c SET lapsed_in_run = $run,
               lapse_reason = 'the row is now read differently (' || coalesce(c.label_text, c.nutrient)
                              || ' no longer ' || coalesce(c.value_read, '?') || ')'
           WHERE c.catalog = $cat AND c.undone_at IS NULL AND c.lapsed_in_run IS NULL
             AND c.nutrient IS NOT NULL AND c.field <> 'added'
             AND NOT EXISTS (SELECT 1 FROM nutrients_as_read n
                             WHERE n.product_id = c.product_id AND n.nutrient = c.nutrient
                               AND n.label_text IS NOT DISTINCT FROM c.label_text
                               AND n.amount IS NOT DISTINCT FROM c.amount_read
                               AND n.unit IS NOT DISTINCT FROM c.unit_read)""",
        {"run": run_id, "cat": catalog},
    )
    con.execute(
        """UPDATE corrections c SET lapsed_in_run = $run,
               lapse_reason = 'servings per day are now read as '
                              || coalesce(CAST(lv.servings_per_day AS VARCHAR), 'nothing')
           FROM label_versions lv
           WHERE c.catalog = $cat AND c.undone_at IS NULL AND c.lapsed_in_run IS NULL
             AND c.field = 'servings_per_day' AND lv.product_id = c.product_id
             AND lv.servings_per_day IS DISTINCT FROM c.amount_read""",
        {"run": run_id, "cat": catalog},
    )
    # A confirmation of the whole reading holds for the reading it confirmed, by that extractor.
    con.execute(
        """UPDATE corrections c SET lapsed_in_run = $run,
               lapse_reason = 'the label was read again by extractor ' || lv.extractor_version
           FROM label_versions lv
           WHERE c.catalog = $cat AND c.undone_at IS NULL AND c.lapsed_in_run IS NULL
             AND c.field = 'confirmed' AND c.nutrient IS NULL AND lv.product_id = c.product_id
             AND lv.extractor_version IS DISTINCT FROM c.extractor_version""",
        {"run": run_id, "cat": catalog},
    )
    return _count_lapsed(con) - before


def _count_lapsed(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM corrections WHERE lapsed_in_run IS NOT NULL").fetchall()[0][0]


def apply_to_products(con: duckdb.DuckDBPyConnection, catalog: str) -> None:
    """``products`` as in force: servings per day from the analyst where corrected, ``corrected``
    true where any value of the product (it or a nutrient row) was set by hand."""
    con.execute(
        """UPDATE products p SET servings_per_day = lv.servings_per_day,
               servings_per_day_assumed = lv.servings_per_day_assumed, corrected = false
           FROM label_versions lv WHERE p.catalog = ? AND lv.product_id = p.product_id""",
        [catalog],
    )
    con.execute(
        """UPDATE products p SET servings_per_day = c.servings_per_day, servings_per_day_assumed = false,
               corrected = true
           FROM (SELECT catalog, product_key, product_id, arg_max(servings_per_day, "at") AS servings_per_day
                 FROM corrections_in_force WHERE field = 'servings_per_day' GROUP BY ALL) c
           WHERE p.catalog = ? AND c.catalog = p.catalog AND c.product_key = p.product_key
             AND c.product_id = p.product_id""",
        [catalog],
    )
    con.execute(
        """UPDATE products p SET corrected = true
           WHERE p.catalog = ? AND p.product_id IN (SELECT product_id FROM nutrients WHERE corrected)""",
        [catalog],
    )


def confirmed_products(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, str]:
    """product_key -> who confirmed the whole reading of its current label version, and why."""
    return {k: f"reading confirmed by {by}: {reason}" for k, by, reason in con.execute(
        """SELECT c.product_key, arg_max(c."by", c."at"), arg_max(c.reason, c."at")
           FROM corrections_in_force c JOIN products p
             ON p.catalog = c.catalog AND p.product_key = c.product_key AND p.product_id = c.product_id
           WHERE c.catalog = ? AND c.field = 'confirmed' AND c.nutrient IS NULL GROUP BY 1""",
        [catalog]).fetchall()}
