-- Per product of the run being judged: the daily amounts the rules compare (doses.sql) with
-- the product's serving facts. Reads `run_products` (this catalog's readable products).
CREATE OR REPLACE TEMP VIEW product_summary AS
SELECT p.product_key, p.product_id, p.brand, p.product_name, p.region, p.servings_per_day,
       p.servings_per_day_assumed, p.fine_print, p.child_servings_per_day, p.child_min_age_years,
       d.daily_d_mcg, d.serving_d_total_mcg, d.daily_d2_mcg, d.k2_mcg, d.k1_mcg, d.k_total_mcg,
       coalesce(d.has_k1, false) AS has_k1, d.mg_mg, d.ca_mg, d.preformed_a_mcg, d.daily_d_all_mcg
FROM run_products p
LEFT JOIN dose_summary d ON d.product_id = p.product_id;
