-- Per product of the run being judged: the daily amounts the rules compare.
-- Reads `run_products` (this catalog's products with status ok) and `nutrients`.
CREATE OR REPLACE TEMP MACRO sig6(x) AS
    CASE WHEN x IS NULL OR x = 0 THEN x
         ELSE round(x, 5 - CAST(floor(log10(abs(x))) AS INTEGER)) END;
CREATE OR REPLACE TEMP VIEW product_summary AS
SELECT p.product_key, p.product_id, p.brand, p.product_name, p.servings_per_day,
       p.servings_per_day_assumed, p.region,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'vitamin_d' AND coalesce(n.form, 'D3') = 'D3') AS daily_d_mcg,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'vitamin_d' AND n.form = 'D2') AS daily_d2_mcg,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'vitamin_k' AND n.form = 'K2') AS k2_mcg,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'vitamin_k' AND n.form = 'K1') AS k1_mcg,
       coalesce(bool_or(n.nutrient = 'vitamin_k' AND n.form = 'K1'), false) AS has_k1,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'magnesium') AS mg_mg,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'calcium') AS ca_mg
FROM run_products p
LEFT JOIN nutrients n ON n.product_id = p.product_id
GROUP BY ALL;
