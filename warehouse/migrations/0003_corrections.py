"""Schema version 3: analysts' corrections (SPEC `corrections`).

The rows extraction read move to ``nutrients_as_read``; ``nutrients`` becomes a view
(schema.sql) of the values in force, so every reader of ``nutrients`` (rules, reports,
SQL users) sees corrections with no change of its own. Python rather than SQL because the
rename must happen only while ``nutrients`` is still a table (safe to run twice).
"""
from __future__ import annotations

import duckdb

_SQL = """
CREATE TABLE IF NOT EXISTS corrections (
    correction_id VARCHAR PRIMARY KEY,
    catalog VARCHAR,
    product_key VARCHAR,
    product_id VARCHAR,
    nutrient VARCHAR,
    field VARCHAR,
    value_read VARCHAR,
    value_set VARCHAR,
    reason VARCHAR,
    "by" VARCHAR,
    "at" TIMESTAMP,
    lapsed_in_run VARCHAR,
    lapse_reason VARCHAR,
    undone_at TIMESTAMP,
    undone_by VARCHAR,
    label_text VARCHAR,
    form_read VARCHAR,
    amount_read DOUBLE,
    unit_read VARCHAR,
    extractor_version VARCHAR,
    form VARCHAR,
    amount DOUBLE,
    unit VARCHAR,
    amount_canonical DOUBLE,
    canonical_unit VARCHAR,
    servings_per_day DOUBLE
);
ALTER TABLE products ADD COLUMN IF NOT EXISTS corrected BOOLEAN DEFAULT false;
"""

# The views as of version 3, frozen here: `nutrients` replaces a table, so a warehouse must
# have it as soon as the rename is done (schema.sql recreates them on every write anyway).
_VIEWS = """
-- Corrections in force: not undone, not lapsed. A row correction applies only to the row it
-- was made on, as read (same label version, name and value read), so a re-read that changes
-- the value leaves the new reading in force even before judging marks the correction lapsed.
CREATE OR REPLACE VIEW corrections_in_force AS
    SELECT * FROM corrections WHERE undone_at IS NULL AND lapsed_in_run IS NULL;
-- SPEC `nutrients`: the rows in force. Rows as read are in `nutrients_as_read`; `corrected`
-- marks a row whose amount, unit or daily amount an analyst set (or added), `confirmed` one
-- an analyst checked against the label and accepted as read.
CREATE OR REPLACE VIEW nutrients AS
WITH spd AS (
    SELECT c.product_id, arg_max(c.servings_per_day, c."at") AS servings_per_day
    FROM corrections_in_force c JOIN label_versions lv ON lv.product_id = c.product_id
    WHERE c.field = 'servings_per_day' AND lv.servings_per_day IS NOT DISTINCT FROM c.amount_read
    GROUP BY c.product_id
), fixed AS (
    SELECT n.*,
           c.field AS fix_field, c.amount AS fix_amount, c.unit AS fix_unit, c.form AS fix_form,
           c.amount_canonical AS fix_canonical, c.correction_id AS fix_id,
           EXISTS (SELECT 1 FROM corrections_in_force k
                   WHERE k.field = 'confirmed' AND k.product_id = n.product_id AND k.nutrient = n.nutrient
                     AND k.label_text IS NOT DISTINCT FROM n.label_text
                     AND k.amount_read IS NOT DISTINCT FROM n.amount
                     AND k.unit_read IS NOT DISTINCT FROM n.unit) AS confirmed
    FROM nutrients_as_read n
    LEFT JOIN corrections_in_force c
        ON c.field IN ('amount', 'unit', 'form', 'removed') AND c.product_id = n.product_id
       AND c.nutrient = n.nutrient AND c.label_text IS NOT DISTINCT FROM n.label_text
       AND c.amount_read IS NOT DISTINCT FROM n.amount AND c.unit_read IS NOT DISTINCT FROM n.unit
), in_force AS (
    SELECT f.*,
           CASE WHEN f.fix_field IN ('amount', 'unit') THEN f.fix_canonical ELSE f.amount_canonical END AS canonical
    FROM fixed f WHERE f.fix_field IS DISTINCT FROM 'removed'
)
SELECT n.* EXCLUDE (fix_field, fix_amount, fix_unit, fix_form, fix_canonical, fix_id, confirmed, canonical) REPLACE (
           CASE WHEN n.fix_field = 'form' THEN n.fix_form ELSE n.form END AS form,
           CASE WHEN n.fix_field IN ('amount', 'unit') THEN n.fix_amount ELSE n.amount END AS amount,
           CASE WHEN n.fix_field IN ('amount', 'unit') THEN n.fix_unit ELSE n.unit END AS unit,
           -- a second printed figure (IU beside mcg) no longer describes a corrected amount
           CASE WHEN n.fix_field IN ('amount', 'unit') THEN NULL ELSE n.alt_amount END AS alt_amount,
           CASE WHEN n.fix_field IN ('amount', 'unit') THEN NULL ELSE n.alt_unit END AS alt_unit,
           n.canonical AS amount_canonical,
           CASE WHEN n.fix_field IN ('amount', 'unit') OR s.servings_per_day IS NOT NULL
                THEN n.canonical * coalesce(s.servings_per_day, lv.servings_per_day)
                ELSE n.daily_amount_canonical END AS daily_amount_canonical,
           CASE WHEN n.fix_field IS NOT NULL THEN NULL ELSE n.figures_consistent END AS figures_consistent),
       (n.fix_field IS NOT NULL OR s.servings_per_day IS NOT NULL) AS corrected,
       n.confirmed,
       n.fix_id AS correction_id
FROM in_force n
LEFT JOIN spd s ON s.product_id = n.product_id
LEFT JOIN label_versions lv ON lv.product_id = n.product_id
UNION ALL BY NAME
SELECT c.product_id,
       1000 + CAST(row_number() OVER (PARTITION BY c.product_id ORDER BY c."at", c.correction_id) AS INTEGER)
           AS row_index,
       c.nutrient, c.form, c.label_text, c.amount, c.unit, c.amount_canonical, c.canonical_unit,
       c.amount_canonical * coalesce(s.servings_per_day, lv.servings_per_day) AS daily_amount_canonical,
       'analyst' AS read_method, 1.0 AS confidence, true AS corrected, false AS confirmed, c.correction_id
FROM corrections_in_force c
JOIN label_versions lv ON lv.product_id = c.product_id
LEFT JOIN spd s ON s.product_id = c.product_id
WHERE c.field = 'added';
"""


def upgrade(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_SQL)
    is_table = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = current_schema() AND table_name = 'nutrients'").fetchall()[0][0]
    if is_table:
        con.execute("ALTER TABLE nutrients RENAME TO nutrients_as_read")
    con.execute(_VIEWS)
