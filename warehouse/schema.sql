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
CREATE TABLE IF NOT EXISTS nutrients (
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
ALTER TABLE nutrients ADD COLUMN IF NOT EXISTS alt_amount DOUBLE;
ALTER TABLE nutrients ADD COLUMN IF NOT EXISTS alt_unit VARCHAR;
-- false where the row's own figures disagree (IU vs mcg, amount vs printed %DV).
ALTER TABLE nutrients ADD COLUMN IF NOT EXISTS figures_consistent BOOLEAN;
ALTER TABLE nutrients ADD COLUMN IF NOT EXISTS percent_nrv DOUBLE;   -- EU %NRV as printed; percent_dv stays NULL
ALTER TABLE flags ADD COLUMN IF NOT EXISTS waived BOOLEAN DEFAULT false;
ALTER TABLE flags ADD COLUMN IF NOT EXISTS waiver_id VARCHAR;
ALTER TABLE audit_runs ADD COLUMN IF NOT EXISTS kind VARCHAR;            -- audit | reevaluate
ALTER TABLE audit_runs ADD COLUMN IF NOT EXISTS products_needing_review INTEGER;
ALTER TABLE audit_runs ADD COLUMN IF NOT EXISTS products_waived INTEGER;

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
