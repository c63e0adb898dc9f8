-- The warehouse contract (../shared/SPEC.md). Plain SQL only: the file must open in the
-- duckdb shell with nothing from labelaudit's Python loaded.
-- A change to a table here needs a migration too: see warehouse/migrations/__init__.py.
-- The schema version of this file: one row per step that brought the warehouse to it.
CREATE TABLE IF NOT EXISTS schema_info (
    version INTEGER,               -- the schema version this row brought the warehouse to
    applied_at TIMESTAMP,
    migration VARCHAR,             -- the migration file, or schema.sql for a new warehouse
    labelaudit_version VARCHAR     -- the labelaudit that applied it
);
CREATE TABLE IF NOT EXISTS audit_runs (
    audit_run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    catalog VARCHAR,
    ruleset_version VARCHAR,
    rule_params VARCHAR,           -- JSON: every rule's parameters as used
    extractor_version VARCHAR,
    files_seen INTEGER,
    files_read INTEGER,            -- extracted this run
    files_reused INTEGER,          -- unchanged bytes: rows reused from an earlier run
    products INTEGER,
    products_ok INTEGER,
    products_not_ok INTEGER,
    flags_high INTEGER,
    flags_warning INTEGER,
    flags_info INTEGER,
    products_flagged INTEGER
);
-- One row per label version: what extraction read, independent of any catalog.
CREATE TABLE IF NOT EXISTS label_versions (
    product_id VARCHAR PRIMARY KEY,
    sha256 VARCHAR,
    page INTEGER,
    panel INTEGER,
    region VARCHAR,
    label_brand VARCHAR,
    label_product_name VARCHAR,
    serving_size VARCHAR,
    servings_per_container VARCHAR,
    servings_per_day DOUBLE,
    servings_per_day_assumed BOOLEAN,
    directions VARCHAR,
    status VARCHAR,
    status_detail VARCHAR,
    extractor_version VARCHAR,
    page_count INTEGER,
    x0 DOUBLE, top DOUBLE, x1 DOUBLE, bottom DOUBLE
);
-- What extraction read, row by row; the `nutrients` view below applies analysts' corrections.
CREATE TABLE IF NOT EXISTS nutrients_as_read (
    product_id VARCHAR,
    row_index INTEGER,
    nutrient VARCHAR,
    form VARCHAR,
    form_detail VARCHAR,
    label_text VARCHAR,
    amount DOUBLE,
    unit VARCHAR,
    amount_text VARCHAR,
    dv_text VARCHAR,
    amount_canonical DOUBLE,
    canonical_unit VARCHAR,
    daily_amount_canonical DOUBLE,
    percent_dv DOUBLE,
    page INTEGER,
    x0 DOUBLE, top DOUBLE, x1 DOUBLE, bottom DOUBLE,
    read_method VARCHAR,
    confidence DOUBLE,
    PRIMARY KEY (product_id, row_index)
);
CREATE TABLE IF NOT EXISTS products (
    catalog VARCHAR,
    product_key VARCHAR,
    product_id VARCHAR,
    source_file VARCHAR,
    page INTEGER,
    panel INTEGER,
    sha256 VARCHAR,
    region VARCHAR,
    brand VARCHAR,
    product_name VARCHAR,
    sku VARCHAR,
    retailer VARCHAR,
    serving_size VARCHAR,
    servings_per_day DOUBLE,
    servings_per_day_assumed BOOLEAN,
    directions VARCHAR,
    status VARCHAR,
    status_detail VARCHAR,
    attributes VARCHAR,            -- JSON: extra manifest columns
    audit_run_id VARCHAR,          -- the run that last saw it
    PRIMARY KEY (catalog, product_key)
);
CREATE TABLE IF NOT EXISTS product_versions (
    catalog VARCHAR,
    product_key VARCHAR,
    product_id VARCHAR,
    source_file VARCHAR,
    sha256 VARCHAR,
    first_seen_run VARCHAR,
    last_seen_run VARCHAR,
    removed_in_run VARCHAR,        -- NULL while present
    superseded_by VARCHAR,         -- the product_id that replaced it, for a reformulated label
    PRIMARY KEY (catalog, product_key, product_id)
);
CREATE TABLE IF NOT EXISTS flags (
    audit_run_id VARCHAR,
    catalog VARCHAR,
    product_key VARCHAR,
    product_id VARCHAR,
    rule_id VARCHAR,
    severity VARCHAR,
    message VARCHAR,
    evidence VARCHAR               -- JSON: the label values the rule used
);
-- Columns added after the first release: a warehouse written by an older labelaudit gains them.
ALTER TABLE label_versions ADD COLUMN IF NOT EXISTS fine_print VARCHAR;
ALTER TABLE label_versions ADD COLUMN IF NOT EXISTS child_servings_per_day DOUBLE;
ALTER TABLE label_versions ADD COLUMN IF NOT EXISTS child_min_age_years DOUBLE;
ALTER TABLE nutrients_as_read ADD COLUMN IF NOT EXISTS alt_amount DOUBLE;
ALTER TABLE nutrients_as_read ADD COLUMN IF NOT EXISTS alt_unit VARCHAR;
-- false where the row's own figures disagree (IU vs mcg, amount vs printed %DV).
ALTER TABLE nutrients_as_read ADD COLUMN IF NOT EXISTS figures_consistent BOOLEAN;
ALTER TABLE nutrients_as_read ADD COLUMN IF NOT EXISTS percent_nrv DOUBLE;   -- EU %NRV as printed; percent_dv stays NULL
ALTER TABLE flags ADD COLUMN IF NOT EXISTS waived BOOLEAN DEFAULT false;
ALTER TABLE flags ADD COLUMN IF NOT EXISTS waiver_id VARCHAR;
ALTER TABLE audit_runs ADD COLUMN IF NOT EXISTS kind VARCHAR;            -- audit | reevaluate
ALTER TABLE audit_runs ADD COLUMN IF NOT EXISTS products_needing_review INTEGER;
ALTER TABLE audit_runs ADD COLUMN IF NOT EXISTS products_waived INTEGER;
-- true where an analyst's correction sets a value in force (servings per day, or a row).
ALTER TABLE products ADD COLUMN IF NOT EXISTS corrected BOOLEAN DEFAULT false;

-- Per product per run: pass, flagged or needs_review, and why.
CREATE TABLE IF NOT EXISTS verdicts (
    audit_run_id VARCHAR,
    catalog VARCHAR,
    product_key VARCHAR,
    product_id VARCHAR,
    verdict VARCHAR,
    reasons VARCHAR
);
-- An analyst's acceptance of one flag on one product, while its label is unchanged.
CREATE TABLE IF NOT EXISTS waivers (
    waiver_id VARCHAR PRIMARY KEY,
    catalog VARCHAR,
    product_key VARCHAR,
    rule_id VARCHAR,
    product_id VARCHAR,            -- the label version waived; a new label lapses the waiver
    reason VARCHAR,
    analyst VARCHAR,
    created_at TIMESTAMP,
    expires_on DATE,
    revoked_at TIMESTAMP
);
-- An analyst's correction of what extraction read (SPEC `corrections`): one row per act.
-- It holds while the label version (product_id) is the one it was made on and, for a row,
-- while the row is still read as it was (label_text, amount_read, unit_read); otherwise
-- judging stamps lapsed_in_run and the reports list it to redo.
CREATE TABLE IF NOT EXISTS corrections (
    correction_id VARCHAR PRIMARY KEY,
    catalog VARCHAR,
    product_key VARCHAR,
    product_id VARCHAR,            -- the label version it was made on
    nutrient VARCHAR,              -- NULL for product-level fields
    field VARCHAR,                 -- amount | unit | form | servings_per_day | added | removed | confirmed
    value_read VARCHAR,            -- as read, in words: "250 mcg"
    value_set VARCHAR,             -- as set, in words: "25 mcg"
    reason VARCHAR,
    "by" VARCHAR,
    "at" TIMESTAMP,
    lapsed_in_run VARCHAR,         -- the run that found its label version or row changed
    lapse_reason VARCHAR,
    undone_at TIMESTAMP,           -- taken back (labelaudit correct --undo), or replaced by a later correction
    undone_by VARCHAR,
    -- the row it applies to, as read (NULL for an added row and product-level fields)
    label_text VARCHAR,
    form_read VARCHAR,
    amount_read DOUBLE,            -- for servings_per_day: the figure read
    unit_read VARCHAR,
    extractor_version VARCHAR,     -- of the reading corrected or confirmed
    -- what it sets
    form VARCHAR,
    amount DOUBLE,
    unit VARCHAR,
    amount_canonical DOUBLE,
    canonical_unit VARCHAR,
    servings_per_day DOUBLE
);
-- Reference values the rules compare against (FDA Daily Values, current and pre-2016).
CREATE TABLE IF NOT EXISTS daily_values (
    nutrient VARCHAR,
    basis VARCHAR,                 -- current | pre2016
    amount DOUBLE,
    unit VARCHAR                   -- the canonical unit, or IU for pre-2016 IU values
);

CREATE OR REPLACE VIEW latest_runs AS
    SELECT catalog, arg_max(audit_run_id, finished_at) AS audit_run_id
    FROM audit_runs WHERE finished_at IS NOT NULL GROUP BY catalog;
CREATE OR REPLACE VIEW flagged_products AS
    SELECT f.audit_run_id, f.rule_id, f.severity, f.message, f.evidence, f.waived, f.waiver_id,
           p.catalog, p.product_key, p.product_id, p.source_file, p.page, p.panel, p.brand,
           p.product_name, p.sku, p.retailer, p.serving_size, p.servings_per_day
    FROM flags f
    JOIN latest_runs r ON r.audit_run_id = f.audit_run_id AND r.catalog = f.catalog
    JOIN products p ON p.catalog = f.catalog AND p.product_key = f.product_key;
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
    SELECT f.*, CASE WHEN f.fix_field IN ('amount', 'unit') THEN f.fix_canonical ELSE f.amount_canonical END AS canonical
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
SELECT c.product_id, 1000 + CAST(row_number() OVER (PARTITION BY c.product_id ORDER BY c."at", c.correction_id) AS INTEGER) AS row_index,
       c.nutrient, c.form, c.label_text, c.amount, c.unit, c.amount_canonical, c.canonical_unit,
       c.amount_canonical * coalesce(s.servings_per_day, lv.servings_per_day) AS daily_amount_canonical,
       'analyst' AS read_method, 1.0 AS confidence, true AS corrected, false AS confirmed, c.correction_id
FROM corrections_in_force c
JOIN label_versions lv ON lv.product_id = c.product_id
LEFT JOIN spd s ON s.product_id = c.product_id
WHERE c.field = 'added';
