-- Per label version: the daily amounts the rules compare. The reports read this same view
-- (rules.engine.dose_summary), so a dose is summed one way only.
CREATE OR REPLACE TEMP MACRO sig6(x) AS
    CASE WHEN x IS NULL OR x = 0 THEN x
         ELSE round(x, 5 - CAST(floor(log10(abs(x))) AS INTEGER)) END;
CREATE OR REPLACE TEMP VIEW dose_summary AS
SELECT n.product_id,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'vitamin_d' AND coalesce(n.form, 'D3') = 'D3') AS daily_d_mcg,
       sum(n.amount_canonical) FILTER (WHERE n.nutrient = 'vitamin_d') AS serving_d_total_mcg,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'vitamin_d' AND n.form = 'D2') AS daily_d2_mcg,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'vitamin_k' AND n.form = 'K2') AS k2_mcg,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'vitamin_k' AND n.form = 'K1') AS k1_mcg,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'vitamin_k') AS k_total_mcg,
       coalesce(bool_or(n.nutrient = 'vitamin_k' AND n.form = 'K1'), false) AS has_k1,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'magnesium') AS mg_mg,
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'calcium') AS ca_mg,
       -- Preformed vitamin A: rows declared as retinol/retinyl, or with no form and no carotene named.
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'vitamin_a' AND (n.form = 'preformed'
           OR (n.form IS NULL AND NOT regexp_matches(lower(n.label_text), 'carotene')))) AS preformed_a_mcg,
       -- Every form of vitamin D, D2 included: what the reports' dose chart plots.
       sum(n.daily_amount_canonical) FILTER (WHERE n.nutrient = 'vitamin_d') AS daily_d_all_mcg
FROM nutrients n
GROUP BY n.product_id;
