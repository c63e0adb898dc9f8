"""Panels of other conventions: two amount columns (US), Canadian bilingual "Medicinal Ingredients"
and EU "per daily dose | %NRV" tables.

    from tests.labelgen.regions import REGION_KINDS, region_product, render_region_label

``region_product(rng, kind)`` draws a record (kind: "two_column", "ca", "eu"); the record is exact
ground truth like records.py's (nutrients with canonical amounts per serving, servings_per_day,
region) plus a ``panel`` dict the renderer draws from. New module: records.py and render.py draws
are untouched.
"""
from __future__ import annotations

import random
from typing import Any

from reportlab.lib.colors import black

from .records import BRANDS, DV, UNITS, directions_for, expected_flags, fmt_num, round_half_up
from .render import BOLD, REG, Ops, _new_canvas, text_width, wrap

REGION_KINDS = ("two_column", "ca", "eu")
NRV = {"vitamin_d": 5.0, "vitamin_k": 75.0, "magnesium": 375.0, "calcium": 800.0, "vitamin_a": 800.0}
FRENCH_UNITS = {"softgel": "capsule molle", "capsule": "capsule", "tablet": "comprimé",
                "veggie capsule": "capsule végétale"}
FRENCH_NAMES = {"vitamin_d": "Vitamine D3 (cholécalciférol)", "vitamin_k": "Vitamine K2 (ménaquinone-7)",
                "magnesium": "Magnésium (citrate de magnésium)", "calcium": "Calcium (carbonate de calcium)",
                "vitamin_a": "Vitamine A (palmitate de rétinyle)"}


def _comma(x: float) -> str:
    """EU decimal comma: 12.5 -> '12,5', 75 -> '75'."""
    return fmt_num(x, comma=False).replace(".", ",")


def _nutrient_specs(rng, combo, d_unit_iu):
    """(label_text, nutrient, form, canonical amount per unit, unit) per nutrient of ``combo``."""
    out = [(rng.choice(["Vitamin D3 (as cholecalciferol)", "Vitamin D3", "Vitamin D (as cholecalciferol)"]),
            "vitamin_d", "D3", d_unit_iu / 40.0)]
    if "k2" in combo:
        out.append((rng.choice(["Vitamin K2 (as menaquinone-7)", "Vitamin K2 (as MK-7)"]), "vitamin_k", "K2",
                    float(rng.choice([45, 50, 90, 100]))))
    if "k1" in combo:
        out.append(("Vitamin K1 (as phylloquinone)", "vitamin_k", "K1", float(rng.choice([60, 90]))))
    if "mg" in combo:
        out.append((rng.choice(["Magnesium (as magnesium citrate)", "Magnesium (as magnesium glycinate)"]),
                    "magnesium", None, float(rng.choice([50, 100, 125, 150]))))
    if "ca" in combo:
        out.append(("Calcium (as calcium carbonate)", "calcium", None, float(rng.choice([100, 200, 250]))))
    return out


COMBOS = ["d3", "d3", "d3_k2", "d3_k2", "d3_mg", "d3_k2_mg", "d3_ca", "d3_k1"]


def _us_amount(nutrient, amount, d_fmt):
    if nutrient == "vitamin_d":
        if d_fmt == "mcg_iu":
            return f"{fmt_num(amount)} mcg ({fmt_num(amount * 40)} IU)"
        if d_fmt == "iu":
            return f"{fmt_num(amount * 40)} IU"
        return f"{fmt_num(amount)} mcg"
    return f"{fmt_num(amount)} {'mcg' if nutrient == 'vitamin_k' else 'mg'}"


def _dv(nutrient, amount):
    return f"{fmt_num(round_half_up(amount / DV[nutrient] * 100))}%"


def region_product(rng: random.Random, kind: str, **overrides) -> dict:
    if kind not in REGION_KINDS:
        raise ValueError(f"unknown region kind {kind!r}; expected {REGION_KINDS}")
    combo = overrides.pop("combo", None) or rng.choice(COMBOS)
    brand = rng.choice(BRANDS)
    rec: dict[str, Any] = {"brand": brand, "kind": kind, "combo": combo, "sku": f"R-{rng.randint(0, 99999):05d}",
           "region": "us" if kind == "two_column" else kind, "other_rows": []}
    {"two_column": _two_column, "ca": _canadian, "eu": _eu}[kind](rng, rec, combo)
    rec.update(overrides)
    rec["flags"] = expected_flags(rec)
    return rec


def _two_column(rng, rec, combo):
    split = rng.choice(["per_units", "per_units", "adults_children"])
    d_fmt = rng.choice(["mcg_iu", "mcg_iu", "mcg", "iu"])
    if split == "per_units":
        unit = rng.choice(["capsule", "softgel", "tablet", "veggie capsule"])
        qtys = rng.choice([[1, 2], [1, 2], [1, 3], [2, 4]])
        s = rng.choice(qtys)
        s1, sp, _, _ = UNITS[unit]
        titles = [f"Per {q} {s1 if q == 1 else sp}" for q in qtys]
        style = rng.choice(["daily", "twice_daily", "adults_per_day", "none", "range"] if s == 1 else
                           ["daily", "twice_daily", "adults_per_day", "none"])
        directions, spd, assumed = directions_for(rng, style, s, unit)
        serving = f"{s} {s1 if s == 1 else sp}"
        pick = qtys.index(s)
    else:
        unit = rng.choice(["gummy", "tablet"])
        qtys, s = [2, 1], 2
        s1, sp, l1, lp = UNITS[unit]
        age = rng.choice([4, 4, 2, 6])
        titles = ["Adults", rng.choice([f"Children {age}+", f"Children {age}-12 years", f"Children (ages {age}+)"])]
        verb = "chew" if unit == "gummy" else "take"
        times, spd = rng.choice([("daily", 1.0), ("twice daily", 2.0), ("once daily", 1.0)])
        directions = (f"Adults: {verb} 2 {lp} {times}. Children {age} years and older: {verb} 1 {l1} daily.")
        assumed = False
        serving = f"2 {sp}" if rng.random() < 0.5 else f"2 {sp} (adults), 1 {s1} (children)"
        pick = 0
    per_unit = rng.choice([1000, 2000, 2500, 5000])
    specs = _nutrient_specs(rng, combo, per_unit)
    dv_cols = [True, rng.random() < 0.8]
    rows, nutrients = [], []
    for label, nutrient, form, amt in specs:
        cols = []
        for c, q in enumerate(qtys):
            a = amt * q
            cols.append((_us_amount(nutrient, a, d_fmt), _dv(nutrient, a) if dv_cols[c] else ""))
        rows.append({"label_text": label, "columns": cols})
        nutrients.append({"label_text": label, "nutrient": nutrient, "form": form,
                          "amount_canonical": amt * qtys[pick],
                          "canonical_unit": "mcg" if nutrient.startswith("vit") else "mg",
                          "amount_text": cols[pick][0], "dv_text": cols[pick][1],
                          "percent_dv": float(cols[pick][1][:-1].replace(",", "")) if cols[pick][1] else None})
    name = {"d3": "Vitamin D3", "d3_k2": "D3 + K2", "d3_mg": "Magnesium + D3", "d3_k2_mg": "D3 K2 Magnesium",
            "d3_ca": "Calcium + D3", "d3_k1": "Vitamin D & K"}[combo]
    rec.update({
        "product_name": name, "serving_size": serving, "serving_qty": s, "serving_unit": unit,
        "directions": directions, "servings_per_day": spd, "servings_per_day_assumed": assumed,
        "nutrients": nutrients,
        "panel": {"title": "Supplement Facts", "column_titles": titles, "dv_cols": dv_cols,
                  "titles_own_line": rng.random() < 0.5, "rows": rows,
                  "head_lines": [f"Serving Size {serving}", f"Servings Per Container {rng.choice([30, 60, 90])}"],
                  "directions_heading": rng.choice(["Suggested Use:", "Directions:"]),
                  "footer": ["* Percent Daily Values are based on a 2,000 calorie diet."]},
    })


CA_DOSES = [  # (English directions, servings per day) for a 1-unit dose; {u} one unit, {us} units
    ("Adults: take 1 {u} 1 to 4 times daily.", 4.0),
    ("Adults: take 1 {u} daily with food.", 1.0),
    ("Adults: take 1-2 {us} daily.", 2.0),
    ("Adults: take 1 {u} twice daily, or as directed by a health care practitioner.", 2.0),
    ("Adults (19 years and older): take 1 {u} once daily.", 1.0),
]
CA_FRENCH = {4.0: "Adultes : prendre 1 {u} 1 à 4 fois par jour.", 1.0: "Adultes : prendre 1 {u} par jour.",
             2.0: "Adultes : prendre 1 à 2 {u} par jour."}


def _canadian(rng, rec, combo):
    unit = rng.choice(["softgel", "softgel", "capsule", "tablet", "veggie capsule"])
    s1, _sp, l1, lp = UNITS[unit]
    fr = FRENCH_UNITS[unit]
    iu = rng.choice([400, 1000, 1000, 2500, 4000, 10000])
    specs = _nutrient_specs(rng, combo, iu)
    rows, nutrients = [], []
    bilingual_rows = rng.random() < 0.5
    mu = rng.choice(["µg", "µg", "mcg"])
    for label, nutrient, form, amt in specs:
        if bilingual_rows:
            head = label.split(" (")[0]
            label = f"{head} / {head.replace('Vitamin', 'Vitamine').replace('Magnesium', 'Magnésium')}"
            if nutrient == "vitamin_d":
                label += " (cholecalciferol)"
        if nutrient == "vitamin_d":
            iu_txt = fmt_num(amt * 40) if rng.random() < 0.6 else fmt_num(amt * 40, comma=False)
            amount = f"{fmt_num(amt)} {mu} ({iu_txt} IU)"
        elif nutrient == "vitamin_k":
            amount = f"{fmt_num(amt)} {mu}"
        else:
            amount = f"{fmt_num(amt)} mg"
        rows.append({"label_text": label, "columns": [(amount, "")]})
        nutrients.append({"label_text": label, "nutrient": nutrient, "form": form, "amount_canonical": amt,
                          "canonical_unit": "mg" if nutrient in ("magnesium", "calcium") else "mcg",
                          "amount_text": amount, "dv_text": "", "percent_dv": None})
    text, spd = rng.choice(CA_DOSES)
    directions = text.format(u=l1, us=lp)
    french = CA_FRENCH[spd].format(u=fr)
    heading = rng.choice(["Recommended dose:", "Directions:", "Recommended dose / Dose recommandée:"])
    each = f"Each {l1} contains / Chaque {fr} contient:"
    rec.update({
        "product_name": {"d3": "Vitamin D3", "d3_k2": "Vitamin D3 + K2", "d3_mg": "Magnesium + D3",
                         "d3_k2_mg": "D3 K2 Magnesium", "d3_ca": "Calcium + D3", "d3_k1": "Vitamin D + K"}[combo],
        "serving_size": f"1 {s1}", "serving_qty": 1, "serving_unit": unit, "directions": directions,
        "servings_per_day": spd, "servings_per_day_assumed": False, "nutrients": nutrients,
        "panel": {"title": "Medicinal Ingredients / Ingrédients médicinaux",
                  "each_lines": [each] if rng.random() < 0.5 else [f"Each {l1} contains:", f"Chaque {fr} contient :"],
                  "column_titles": None, "rows": rows,
                  "footer": [],
                  "after": [
                      "Non-medicinal ingredients / Ingrédients non médicinaux: " +
                      rng.choice(["Gelatin, glycerin, purified water, medium chain triglycerides.",
                                  "Microcrystalline cellulose, hypromellose, magnesium stearate."]),
                      f"{heading} {directions}" + (f" {french}" if heading.startswith("Recommended dose /") else ""),
                      *([] if heading.startswith("Recommended dose /") else [f"Dose recommandée : {french}"]),
                      "Cautions and warnings: Consult a health care practitioner prior to use if you are pregnant "
                      "or breastfeeding. Mises en garde : Consulter un praticien de soins de santé avant "
                      "l'utilisation si vous êtes enceinte ou allaitez.",
                      f"NPN {rng.randint(80000000, 80099999)}",
                  ]},
    })


EU_D_MCG = [10, 12.5, 20, 25, 50, 75, 100, 125]


def _eu(rng, rec, combo):
    unit = rng.choice(["capsule", "softgel", "tablet"])
    s1, sp, l1, lp = UNITS[unit]
    q = rng.choice([1, 2, 2, 3])
    d_mcg = rng.choice(EU_D_MCG)
    specs = _nutrient_specs(rng, combo, d_mcg * 40)
    rows, nutrients = [], []
    for label, nutrient, form, amt in specs:
        if nutrient == "vitamin_k":
            amt = rng.choice([22.5, 50, 75, 100, 200])
        elif nutrient == "magnesium":
            amt = rng.choice([56.25, 100, 187.5, 300, 375])
        elif nutrient == "calcium":
            amt = rng.choice([120, 200, 400, 800])
        unit_txt = "mg" if nutrient in ("magnesium", "calcium") else "µg"
        amount = f"{_comma(amt)} {unit_txt}"
        if nutrient == "vitamin_d" and rng.random() < 0.3:
            amount += f" ({fmt_num(amt * 40, comma=False)} IU)"
        nrv = f"{fmt_num(round_half_up(amt / NRV[nutrient] * 100), comma=False)}%"
        rows.append({"label_text": label, "columns": [(amount, nrv)]})
        nutrients.append({"label_text": label, "nutrient": nutrient, "form": form, "amount_canonical": float(amt),
                          "canonical_unit": "mg" if nutrient in ("magnesium", "calcium") else "mcg",
                          "amount_text": amount, "dv_text": "", "percent_dv": None,
                          "percent_nrv": float(nrv[:-1])})
    units = l1 if q == 1 else lp
    options = [(f"Take {q} {units} daily with a meal.", False), (f"Recommended daily dose: {q} {units}.", False),
               (None, True)]
    if q == 2:
        options.append((f"Take 1 {l1} twice daily with food.", False))
    if q == 3:
        options.append((f"Take 1 {l1} three times a day with meals.", False))
    directions, assumed = rng.choice(options)
    dd = rng.choice(["Per daily dose", "per daily dose", "Per daily portion"])
    rec.update({
        "product_name": {"d3": "Vitamin D3", "d3_k2": "Vitamin D3 + K2", "d3_mg": "Magnesium + D3",
                         "d3_k2_mg": "D3 K2 Magnesium", "d3_ca": "Calcium + D3", "d3_k1": "Vitamin D + K"}[combo],
        "serving_size": f"{q} {s1 if q == 1 else sp}", "serving_qty": q, "serving_unit": unit,
        "directions": directions, "servings_per_day": 1.0, "servings_per_day_assumed": assumed,
        "nutrients": nutrients,
        "panel": {"title": rng.choice(["Nutrition Information", "Nutritional Information", "Supplement Facts",
                                       "Nutrition information"]),
                  "column_titles": None, "rows": rows,
                  "eu_header": (rng.choice(["Typical values", "", "Ingredients"]), f"{dd} ({q} {units})", "%NRV*"),
                  "footer": [rng.choice(["*NRV = Nutrient Reference Value", "*NRV: Nutrient Reference Values",
                                         "* NRV = Nutrient Reference Values"])],
                  "directions_heading": rng.choice(["Directions:", "Directions for use:"]),
                  "after": ["Do not exceed the recommended daily dose. Food supplements should not be used as a "
                            "substitute for a varied and balanced diet and a healthy lifestyle. Keep out of reach "
                            "of young children."]},
    })


# ---------------------------------------------------------------- rendering

def _region_ops(rec):
    p = rec["panel"]
    ops = Ops()
    m, page_w = 18, 5.6 * 72
    w = page_w - 2 * m
    base = 7.5
    lead = base * 1.3
    y = m + 13
    ops.text(m, y, rec["brand"], BOLD, 13)
    y += 14
    ops.text(m, y, rec["product_name"], REG, 10)
    y += 10
    top = y
    x = m + 4
    iw = w - 8
    y += 16
    tsize = 16 if len(p["title"]) < 26 else 11
    while text_width(p["title"], BOLD, tsize) > iw:
        tsize -= 0.5
    ops.text(x, y, p["title"], BOLD, tsize)
    y += 4
    for ln in p.get("head_lines", []):
        y += lead
        ops.text(x, y, ln, REG, base)
    for ln in p.get("each_lines", []):
        y += lead
        ops.text(x, y, ln, BOLD if ln.startswith("Each") else REG, base)
    y += 4
    ops.line(m, y, m + w, y, 3.0)
    ncols = len(p["column_titles"] or [None])
    name_w = iw * (0.42 if ncols > 1 else 0.6)
    col_w = (iw - name_w) / ncols
    col_x = [x + name_w + c * col_w for c in range(ncols)]
    if p.get("column_titles"):
        y += lead
        ops.text(x, y, "Amount Per Serving", BOLD, base)
        if p["titles_own_line"]:
            y += lead
        for c, t in enumerate(p["column_titles"]):
            ops.text(col_x[c], y, t, BOLD, base * 0.95)
            if p["dv_cols"][c] and not p["titles_own_line"]:
                ops.text(col_x[c] + col_w - 4, y, "%DV", BOLD, base * 0.95, "right")
        if p["titles_own_line"]:
            for c in range(ncols):
                if p["dv_cols"][c]:
                    ops.text(col_x[c] + col_w - 4, y, "%DV", BOLD, base * 0.95, "right")
        y += 3
        ops.line(m, y, m + w, y, 1.0)
    elif p.get("eu_header"):
        first, dd, nrv = p["eu_header"]
        y += lead
        if first:
            ops.text(x, y, first, BOLD, base)
        ops.text(col_x[0], y, dd, BOLD, base)
        ops.text(x + iw, y, nrv, BOLD, base, "right")
        y += 3
        ops.line(m, y, m + w, y, 1.0)
    for row in p["rows"]:
        names = wrap(row["label_text"], REG, base, name_w - 6)
        y += lead
        for j, ln in enumerate(names):
            ops.text(x, y + j * lead, ln, REG, base)
        for c, (amount, dv) in enumerate(row["columns"]):
            ops.text(col_x[c], y, amount, REG, base)
            if dv:
                ops.text(col_x[c] + col_w - 4, y, dv, REG, base, "right")
        y += (len(names) - 1) * lead + 3
        ops.line(x, y, x + iw, y, 0.3)
    y += 2
    ops.line(m, y, m + w, y, 3.0)
    for ln in p.get("footer", []):
        y += lead
        ops.text(x, y, ln, REG, base * 0.85)
    y += 6
    ops.rect(m, top, w, y - top, 1.0)
    y += 4
    paras = list(p.get("after", []))
    if rec.get("directions") and p.get("directions_heading"):
        paras.insert(0, f"{p['directions_heading']} {rec['directions']}")
    for para in paras:
        for ln in wrap(para, REG, 7, w):
            y += 9
            ops.text(m, y, ln, REG, 7)
        y += 3
    return ops, (page_w, y + m)


def render_region_label(rec: dict, path) -> None:
    ops, (w, h) = _region_ops(rec)
    c = _new_canvas(str(path), (w, h))
    c.setTitle(f"{rec['brand']} {rec['product_name']}")
    ops.emit(c, h)
    c.setFillColor(black)
    c.showPage()
    c.save()
