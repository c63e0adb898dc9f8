"""Random US Supplement Facts product records.

A record is a plain JSON-serialisable dict. The same dict is what the renderer
prints and what tests use as ground truth, so every printed string (row names,
amounts, %DV, serving size, directions) is stored verbatim next to the values an
extractor is expected to derive from it (canonical amounts, forms, daily
servings) per /work/shared/SPEC.md.

Entry points: ``random_product(rng, **overrides)``, ``random_catalog(seed, n)``
and the independent rule oracle ``expected_flags(record)``.
"""
from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal

# ---------------------------------------------------------------- constants

# current (2016 rule) Daily Values, in the canonical unit of each nutrient
DV = {
    "vitamin_a": 900.0,    # mcg RAE
    "vitamin_c": 90.0,     # mg
    "vitamin_d": 20.0,     # mcg
    "vitamin_e": 15.0,     # mg
    "vitamin_k": 120.0,    # mcg
    "thiamin": 1.2,        # mg
    "riboflavin": 1.3,     # mg
    "niacin": 16.0,        # mg
    "vitamin_b6": 1.7,     # mg
    "folate": 400.0,       # mcg DFE
    "vitamin_b12": 2.4,    # mcg
    "biotin": 30.0,        # mcg
    "pantothenic_acid": 5.0,  # mg
    "calcium": 1300.0,     # mg
    "iodine": 150.0,       # mcg
    "magnesium": 420.0,    # mg
    "zinc": 11.0,          # mg
    "selenium": 55.0,      # mcg
}
OLD_DV_D_IU = 400.0        # pre-2016 vitamin D DV
OLD_DV_A_IU = 5000.0       # pre-2016 vitamin A DV

BRANDS = [
    "Kestrel Health", "Lakeshore Botanics", "Tidewater Nutrition", "Summit Ridge Vitamins",
    "Maple & Moss", "Blue Heron Labs", "Golden Acre Naturals", "Northwind Naturals",
    "Brightwater Wellness", "Copperfield Nutrition",
]
CITIES = ["Portland, OR 97201", "Austin, TX 78701", "Boulder, CO 80302", "Madison, WI 53703",
          "Asheville, NC 28801", "Burlington, VT 05401"]

# serving units: key -> (singular printed, plural printed, singular lower, plural lower)
UNITS = {
    "softgel": ("Softgel", "Softgels", "softgel", "softgels"),
    "capsule": ("Capsule", "Capsules", "capsule", "capsules"),
    "veggie capsule": ("Veggie Capsule", "Veggie Capsules", "veggie capsule", "veggie capsules"),
    "tablet": ("Tablet", "Tablets", "tablet", "tablets"),
    "gummy": ("Gummy", "Gummies", "gummy", "gummies"),
    "lozenge": ("Lozenge", "Lozenges", "lozenge", "lozenges"),
}
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}

DIRECTIONS_HEADINGS = ["Suggested Use:", "Directions:", "Recommended Use:", "Suggested Usage:"]

OTHER_INGREDIENTS = {
    "softgel": [
        "Extra virgin olive oil, softgel (bovine gelatin, glycerin, purified water).",
        "Safflower oil, gelatin, vegetable glycerin, purified water, carob (color).",
        "Organic sunflower oil, softgel shell (gelatin, glycerin, water).",
    ],
    "capsule": [
        "Microcrystalline cellulose, hypromellose (vegetable capsule), magnesium stearate, silicon dioxide.",
        "Rice flour, gelatin capsule, magnesium stearate.",
    ],
    "veggie capsule": [
        "Hypromellose (vegetable capsule), organic rice hull concentrate.",
        "Microcrystalline cellulose, vegetable capsule (hypromellose), vegetable stearate.",
    ],
    "tablet": [
        "Microcrystalline cellulose, croscarmellose sodium, stearic acid, magnesium stearate, pharmaceutical glaze.",
        "Cellulose, vegetable stearic acid, silica, vegetable magnesium stearate, hypromellose coating.",
    ],
    "gummy": [
        "Glucose syrup, cane sugar, water, pectin, citric acid, natural flavors, colors (from black carrot).",
        "Tapioca syrup, sugar, pectin, natural lemon flavor, sodium citrate, coconut oil.",
    ],
    "lozenge": [
        "Xylitol, inulin, natural peppermint flavor, stearic acid, silicon dioxide.",
        "Dextrose, maltodextrin, natural strawberry flavor, magnesium stearate.",
    ],
}

WARNINGS = [
    "Keep out of reach of children. If you are pregnant, nursing, taking any medications or have a "
    "medical condition, consult your healthcare professional before use.",
    "WARNING: Do not exceed recommended dose. Consult your physician before use if you are pregnant, "
    "nursing or taking medication. Keep out of reach of children. Store in a cool, dry place.",
    "Not intended for children. Do not use if safety seal is broken or missing. Store at room temperature.",
]
K_WARNING = ("Caution: Individuals taking anticoagulant medication (such as warfarin) should consult a "
             "physician before using products containing vitamin K. Keep out of reach of children.")

GENERIC_CLAIMS = [
    "Supports bone health*", "Supports immune function*", "Supports mood & energy*",
    "Gluten free", "Non-GMO", "Easy-to-swallow", "Third-party tested", "No artificial colors",
]

KINDS = ["d3_only", "d3_k2", "d3_k1", "d3_mg", "d3_ca", "multi", "mg_only", "k2_only",
         "d2", "d_noform", "probiotic"]
KIND_WEIGHTS = [8, 4, 2, 3, 2, 3, 2, 1, 1, 1, 1]


# ---------------------------------------------------------------- number helpers

def round_half_up(x: float) -> int:
    return int(Decimal(repr(float(x))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fmt_num(x: float, comma: bool = True) -> str:
    """125.0 -> '125', 5000 -> '5,000' (or '5000'), 62.5 -> '62.5', 0.125 -> '0.125'."""
    x = float(x)
    if x == int(x):
        return f"{int(x):,}" if comma else str(int(x))
    s = f"{x:.6f}".rstrip("0").rstrip(".")
    if comma and abs(x) >= 1000:
        ip, fp = s.split(".")
        s = f"{int(ip):,}.{fp}"
    return s


def round_sig(x: float, sig: int = 6) -> float:
    if x == 0:
        return 0.0
    return round(x, sig - 1 - math.floor(math.log10(abs(x))))


def _dv_text(pct):
    return "†" if pct is None else f"{fmt_num(pct)}%"


def _pct(amount: float, dv: float) -> float:
    return float(round_half_up(amount / dv * 100.0))


# ---------------------------------------------------------------- row builders

def _row(label_text, amount_text, pct, nutrient, form, amount_canonical, unit, sub_text=None):
    row = {
        "label_text": label_text,
        "amount_text": amount_text,
        "dv_text": _dv_text(pct),
        "nutrient": nutrient,
        "form": form,
        "amount_canonical": float(amount_canonical),
        "canonical_unit": unit,
        "percent_dv": None if pct is None else float(pct),
    }
    if sub_text:
        row["sub_text"] = sub_text
    return row


D_NAMES_D3 = ["Vitamin D3 (as cholecalciferol)", "Vitamin D3", "Vitamin D (as cholecalciferol)",
              "Vitamin D3 (cholecalciferol from lanolin)", "Vitamin D3 (as cholecalciferol from lichen)"]
D_NAMES_D2 = ["Vitamin D2 (as ergocalciferol)", "Vitamin D (as ergocalciferol)"]
D_FORMATS = ["mcg_iu", "mcg_iu", "mcg_iu", "iu", "iu_dots", "iu_nocomma", "iu_mcg", "mcg", "ug_micro",
             "ug", "mg"]


def vitamin_d_row(rng: random.Random, iu: float, form="D3", fmt=None, name=None, old_dv=None):
    """A vitamin D row for ``iu`` IU per serving, in one of the printed formats."""
    mcg = iu / 40.0
    fmt = fmt or rng.choice(D_FORMATS)
    if name is None:
        if form == "D3":
            name = rng.choice(D_NAMES_D3)
        elif form == "D2":
            name = rng.choice(D_NAMES_D2)
        else:
            name = "Vitamin D"
    iu_only = fmt in ("iu", "iu_dots", "iu_nocomma")
    if old_dv is None:
        old_dv = iu_only and rng.random() < 0.5
    if fmt == "mcg_iu":
        amount = f"{fmt_num(mcg)} mcg ({fmt_num(iu)} IU)"
    elif fmt == "iu":
        amount = f"{fmt_num(iu)} IU"
    elif fmt == "iu_dots":
        amount = f"{fmt_num(iu, comma=False)} I.U."
    elif fmt == "iu_nocomma":
        amount = f"{fmt_num(iu, comma=False)} IU"
    elif fmt == "iu_mcg":
        amount = f"{fmt_num(iu)} IU ({fmt_num(mcg)} mcg)"
    elif fmt == "mcg":
        amount = f"{fmt_num(mcg)} mcg"
    elif fmt == "ug_micro":
        amount = f"{fmt_num(mcg)} µg"
    elif fmt == "ug":
        amount = f"{fmt_num(mcg)} ug"
    elif fmt == "mg":
        amount = f"{fmt_num(mcg / 1000.0)} mg"
    else:
        raise ValueError(fmt)
    pct = float(round_half_up(iu / OLD_DV_D_IU * 100)) if (iu_only and old_dv) else _pct(mcg, DV["vitamin_d"])
    return _row(name, amount, pct, "vitamin_d", form, mcg, "mcg")


K2_NAMES = ["Vitamin K2 (as menaquinone-7)", "Vitamin K2 (as MK-7)", "Vitamin K2 (as MenaQ7®)",
            "Vitamin K2 (as MK-4)", "Vitamin K2 (as MK-7 from natto)", "Vitamin K2 (as menatetrenone, MK-4)",
            "Vitamin K (as menaquinone-7)"]
K1_NAMES = ["Vitamin K (as phytonadione)", "Vitamin K1 (as phytonadione)", "Vitamin K1 (as phylloquinone)"]


def vitamin_k_row(rng, form="K2", mcg=None, name=None):
    mcg = mcg if mcg is not None else rng.choice([45, 90, 100, 120, 180, 200] if form == "K2" else [80, 90, 100, 120])
    name = name or rng.choice(K2_NAMES if form == "K2" else K1_NAMES)
    unit_txt = "µg" if rng.random() < 0.1 else "mcg"
    return _row(name, f"{fmt_num(mcg)} {unit_txt}", _pct(mcg, DV["vitamin_k"]), "vitamin_k", form, mcg, "mcg")


MG_SALTS = ["magnesium citrate", "magnesium glycinate", "magnesium bisglycinate chelate",
            "magnesium oxide", "magnesium malate", "magnesium taurate"]


def magnesium_row(rng, mg=None, providing=None):
    """Elemental magnesium row; ``providing=True`` prints a chelate weight with the elemental amount."""
    if providing is None:
        providing = rng.random() < 0.3
    if providing:
        elemental = mg or rng.choice([100, 120, 150])
        salt_weight = {100: 500, 120: 600, 150: 750}.get(elemental, elemental * 5)
        name = rng.choice(["Magnesium Bisglycinate Chelate", "Magnesium Glycinate Chelate"])
        return _row(name, f"{fmt_num(salt_weight)} mg", _pct(elemental, DV["magnesium"]), "magnesium", None,
                    elemental, "mg", sub_text=f"(providing {fmt_num(elemental)} mg elemental magnesium)")
    mg = mg or rng.choice([50, 100, 120, 150, 200, 250, 300, 400])
    return _row(f"Magnesium (as {rng.choice(MG_SALTS)})", f"{fmt_num(mg)} mg", _pct(mg, DV["magnesium"]),
                "magnesium", None, mg, "mg")


def calcium_row(rng, mg=None):
    mg = mg or rng.choice([200, 250, 300, 500, 600])
    salt = rng.choice(["calcium carbonate", "calcium citrate", "dicalcium phosphate"])
    return _row(f"Calcium (as {salt})", f"{fmt_num(mg)} mg", _pct(mg, DV["calcium"]), "calcium", None, mg, "mg")


def vitamin_a_row(rng, old=False):
    choices = [("Vitamin A (as retinyl palmitate)", "preformed"), ("Vitamin A (as retinyl acetate)", "preformed"),
               ("Vitamin A (as beta-carotene)", "beta_carotene"),
               ("Vitamin A (as retinyl palmitate and beta-carotene)", None),
               ("Vitamin A (50% as beta-carotene, 50% as retinyl acetate)", None)]
    name, form = rng.choice(choices)
    if old:
        iu = rng.choice([2500, 3500, 5000])
        return _row(name, f"{fmt_num(iu)} IU", float(round_half_up(iu / OLD_DV_A_IU * 100)), "vitamin_a", form,
                    round(iu * 0.3, 6), "mcg RAE")
    rae = rng.choice([450, 750, 900, 1050])
    return _row(name, f"{fmt_num(rae)} mcg RAE", _pct(rae, DV["vitamin_a"]), "vitamin_a", form, rae, "mcg RAE")


def _simple(name, nutrient, amount, unit, printed_unit=None):
    return _row(name, f"{fmt_num(amount)} {printed_unit or unit}", _pct(amount, DV[nutrient]), nutrient, None,
                amount, unit)


def multi_rows(rng):
    old = rng.random() < 0.35       # pre-2016 style: A and D in IU
    k = rng.random() < 0.25
    scale = rng.choice([1, 1, 1.5, 2])
    rows = [vitamin_a_row(rng, old=old)]
    rows.append(_simple(rng.choice(["Vitamin C (as ascorbic acid)", "Vitamin C (as calcium ascorbate)"]),
                        "vitamin_c", rng.choice([60, 90, 120, 180, 250]), "mg"))
    iu = rng.choice([400, 1000, 2000]) if old else rng.choice([800, 1000, 2000, 4000])
    rows.append(vitamin_d_row(rng, iu, "D3", fmt=rng.choice(["iu", "iu_nocomma"]) if old else "mcg_iu"))
    rows.append(_simple("Vitamin E (as d-alpha tocopheryl succinate)", "vitamin_e", rng.choice([15, 22.5, 30]), "mg"))
    kchoice = rng.choice(["K1", "K1", "K2", "both", "none"]) if not k else "K2"
    if kchoice in ("K1", "both"):
        rows.append(vitamin_k_row(rng, "K1", mcg=rng.choice([60, 80, 120]), name="Vitamin K (as phytonadione)"))
    if kchoice in ("K2", "both"):
        rows.append(vitamin_k_row(rng, "K2", mcg=rng.choice([45, 60, 90]), name=rng.choice(K2_NAMES[:3])))
    rows += [
        _simple("Thiamin (as thiamine HCl)", "thiamin", round(1.2 * scale, 3), "mg"),
        _simple("Riboflavin", "riboflavin", round(1.3 * scale, 3), "mg"),
        _simple("Niacin (as niacinamide)", "niacin", 16, "mg"),
        _simple("Vitamin B6 (as pyridoxal-5-phosphate)", "vitamin_b6", round(1.7 * scale, 3), "mg"),
        _simple("Folate (as calcium L-methylfolate)", "folate", 680, "mcg DFE"),
        _simple("Vitamin B12 (as methylcobalamin)", "vitamin_b12", rng.choice([6, 12, 25]), "mcg"),
        _simple("Biotin", "biotin", 30, "mcg"),
        _simple("Pantothenic Acid (as d-calcium pantothenate)", "pantothenic_acid", 5 * scale, "mg"),
        calcium_row(rng, mg=rng.choice([100, 200])),
        _simple("Iodine (as potassium iodide)", "iodine", 150, "mcg"),
    ]
    if rng.random() < 0.7:
        rows.append(magnesium_row(rng, mg=rng.choice([50, 100]), providing=False))
    rows.append(_simple(rng.choice(["Zinc (as zinc citrate)", "Zinc (as zinc bisglycinate chelate)"]), "zinc",
                        11, "mg"))
    rows.append(_simple("Selenium (as L-selenomethionine)", "selenium", 55, "mcg"))
    return rows


PROBIOTICS = [
    ("Streptococcus salivarius K12", ["1 Billion CFU", "500 Million CFU"]),
    ("Lactobacillus reuteri DSM 17938", ["100 Million CFU", "100 mg"]),
    ("Lactobacillus rhamnosus GG", ["10 Billion CFU", "5 Billion CFU"]),
    ("Bifidobacterium lactis HN019", ["1 Billion CFU"]),
    ("Streptococcus salivarius M18", ["500 Million CFU"]),
]


# ---------------------------------------------------------------- directions

def _qty_words(rng, n):
    return NUMBER_WORDS[n] if (n in NUMBER_WORDS and rng.random() < 0.3) else str(n)


def directions_for(rng, style, qty, unit):
    """Return (sentence or None, servings_per_day, assumed) for a directions style."""
    _s1, _, l1, lp = UNITS[unit]
    noun = l1 if qty == 1 else lp
    q = _qty_words(rng, qty)
    if style == "none":
        return None, 1.0, True
    if style == "daily":
        tail = rng.choice([" with a meal.", ", preferably with food.", " with food.", "."])
        return f"Take {q} {noun} daily{tail}", 1.0, False
    if style == "adults_per_day":
        return (f"Adults: take {q} {noun} per day with a meal, or as directed by your healthcare professional.",
                1.0, False)
    if style == "twice_daily":
        return f"Take {q} {noun} twice daily{rng.choice(['.', ' with meals.'])}", 2.0, False
    if style == "double_units":  # serving 1, directions say take 2 units daily
        return f"Take 2 {lp} daily with food.", 2.0, False
    if style == "range":  # serving of 1, take 1 to 2 (or 1 to 3)
        hi = rng.choice([2, 2, 3])
        sep = rng.choice([" to ", " to ", "-"])
        return f"Take 1{sep}{hi} {lp} daily.", float(hi), False
    if style == "every_other_day":
        return f"Take {q} {noun} every other day{rng.choice(['.', ' with a meal.'])}", 0.5, False
    if style == "weekly":
        text = rng.choice([f"Take {q} {noun} once a week.", f"Take {q} {noun} weekly with a meal.",
                           f"Take {q} {noun} once weekly, or as directed by your physician."])
        return text, round(1 / 7, 6), False
    raise ValueError(style)


# ---------------------------------------------------------------- products

def _slug_initials(brand):
    return "".join(w[0] for w in brand.replace("&", "").split())[:3].upper()


def _pick_unit(rng, kind):
    if kind == "multi":
        return rng.choice(["tablet", "tablet", "capsule", "gummy"])
    if kind in ("mg_only", "d3_mg", "d3_ca"):
        return rng.choice(["capsule", "veggie capsule", "tablet"])
    if kind == "probiotic":
        return rng.choice(["capsule", "veggie capsule", "gummy"])
    return rng.choice(["softgel", "softgel", "capsule", "veggie capsule", "gummy"])


def _d_iu_for(rng, kind):
    if kind == "d3_only":
        return rng.choice([400, 1000, 2000, 2000, 5000, 5000, 5000, 10000, 50000])
    if kind in ("d3_k2", "d3_k1", "d3_mg"):
        return rng.choice([1000, 2000, 5000, 5000, 10000])
    if kind == "d3_ca":
        return rng.choice([400, 800, 1000, 5000])
    if kind == "d2":
        return rng.choice([400, 1000, 2000, 50000])
    if kind == "d_noform":
        return rng.choice([1000, 2000, 5000])
    return 2000


def random_product(rng: random.Random, **overrides) -> dict:
    """Draw one product record.

    Generation overrides (consumed, not stored): ``kind`` (one of KINDS), ``d_iu`` (vitamin D IU per
    serving), ``d_format`` (vitamin D amount format, see D_FORMATS), ``directions_style`` ("daily",
    "adults_per_day", "twice_daily", "double_units", "range", "every_other_day", "weekly", "none"),
    ``serving_qty``, ``serving_unit``, ``providing`` (magnesium chelate row with "providing").
    Any other keyword replaces that top-level record field verbatim after generation (e.g. ``brand``);
    overriding directions this way does NOT recompute servings_per_day.

    Extended options (opt-in; without them the draws are exactly what they always were):
    ``variants`` (True: each of VARIANT_FEATURES on with probability 1/2; or an iterable of them:
    "headers", "footnotes", "blend", "sub_rows", "directions", "names", "elemental", each then drawn
    at random), ``amount_header`` (AMOUNT_HEADERS: "serving", "per_qty" -> "Amount Per 2 Capsules",
    "each" -> "Each Capsule Contains"), ``dv_header`` (printed, e.g. "%DV", "% Daily Value*"),
    ``footnote_marks``, ``blend``, ``sub_rows``, ``name_variants`` (bools), ``mineral_note``
    (MINERAL_NOTES: "inline", "own_line", "under_amount"), ``kind`` also "adk" / "lookalike"
    (EXTRA_KINDS), ``serving_unit`` also "lozenge", ``directions_style`` also DIRECTIONS_STYLES_NEW.
    New row keys the renderer reads: ``name_lines`` (label_text = the lines joined by one space),
    ``indent``, ``amount_note``, ``amount_note_below``; record key ``layout_rows`` (panel order).
    """
    gen_keys = ("kind", "d_iu", "d_format", "directions_style", "serving_qty", "serving_unit", "providing")
    gen = {k: overrides.pop(k) for k in gen_keys if k in overrides}
    var = {k: overrides.pop(k) for k in VARIANT_KEYS if k in overrides}
    feats = _variant_features(var.pop("variants", None))
    ext = bool(feats) or bool(var)  # any new option: the extended generator (old draws untouched otherwise)
    if gen.get("kind") is None and ext:
        gen["kind"] = _ext_kind(rng, feats, var)
    kind = gen.get("kind") or rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
    if kind not in KINDS and kind not in EXTRA_KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if var.get("name_variants") is None and "names" in feats:
        var["name_variants"] = True
    if var.get("mineral_note") is None and "elemental" in feats and kind in ("d3_mg", "mg_only", "d3_ca"):
        var["mineral_note"] = rng.choice(MINERAL_NOTES)
    brand = overrides.pop("brand", None) or rng.choice(BRANDS)
    unit = gen.get("serving_unit") or (_pick_unit_ext(rng, kind) if ext else _pick_unit(rng, kind))
    if unit not in UNITS:
        raise ValueError(f"unknown serving unit {unit!r}")
    d_iu = gen.get("d_iu") or _d_iu_for(rng, kind)
    d_fmt = gen.get("d_format")

    # directions style
    style = gen.get("directions_style")
    if style is None and "directions" in feats:
        style = rng.choice(DIRECTIONS_STYLES_EXT)
    if style is not None and style not in DIRECTIONS_STYLES + DIRECTIONS_STYLES_NEW:
        raise ValueError(f"unknown directions style {style!r}")
    if style is None:
        if d_iu >= 50000 and kind in ("d3_only", "d2"):
            style = "weekly"
        elif d_iu >= 10000 and rng.random() < 0.5:
            style = "every_other_day"
        else:
            style = rng.choices(["daily", "adults_per_day", "twice_daily", "range", "double_units", "none"],
                                weights=[6, 2, 2, 2, 1, 2])[0]
    qty = gen.get("serving_qty")
    if qty is None and style in DIRECTIONS_STYLES_NEW:
        qty = _qty_for_new_style(rng, style, unit)
    if qty is None:
        if style in ("range", "double_units", "weekly", "every_other_day"):
            qty = 1
        elif kind == "multi" or unit == "gummy":
            qty = rng.choice([2, 2, 3])
        elif style == "twice_daily":
            qty = rng.choice([1, 2, 2])
        else:
            qty = rng.choice([1, 1, 1, 2])

    nutrients, other_rows = [], []
    claims = []
    iu_txt = fmt_num(d_iu)
    d_mcg_txt = fmt_num(d_iu / 40)
    per = UNITS[unit][2] if qty == 1 else "serving"
    if var.get("name_variants"):
        # the extended D/K name lists, drawn here so vitamin_d_row/vitamin_k_row get a name
        d_name = {"D3": rng.choice(D_NAMES_D3_EXT), "D2": rng.choice(D_NAMES_D2)}
        k_pick = {"K2": rng.choice(K2_NAMES_EXT), "K1": rng.choice(K1_NAMES_EXT)}
        _vd, _vk = _vitamin_d_row, _vitamin_k_row

        def vitamin_d_row(rng_, iu, form="D3", fmt=None, name=None, old_dv=None):
            return _vd(rng_, iu, form, fmt, name or d_name.get(form), old_dv)

        def vitamin_k_row(rng_, form="K2", mcg=None, name=None):
            return _vk(rng_, form, mcg, name or k_pick[form])
    else:
        vitamin_d_row, vitamin_k_row = _vitamin_d_row, _vitamin_k_row
    mnote = var.get("mineral_note")
    if mnote is not None and mnote not in MINERAL_NOTES:
        raise ValueError(f"unknown mineral_note {mnote!r}; expected one of {MINERAL_NOTES}")
    if kind == "adk":
        a = vitamin_a_row(rng)
        if var.get("name_variants"):
            name_a, form_a = rng.choice(A_NAMES_EXT)
            a["label_text"], a["form"] = name_a, form_a
        nutrients.append(a)
        nutrients.append(vitamin_d_row(rng, d_iu, "D3", d_fmt))
        nutrients.append(vitamin_k_row(rng, rng.choice(["K2", "K2", "K1"])))
        name = rng.choice(["Vitamin A, D3 & K2", "ADK Complex", "Vitamins A + D3 + K", "ADK Drops in a Softgel"])
        claims.append(f"{iu_txt} IU vitamin D3 with vitamins A and K per {per}")
    elif kind == "lookalike":
        for strain, amounts in LOOKALIKES:
            other_rows.append({"label_text": strain, "amount_text": rng.choice(amounts), "dv_text": "†"})
        rng.shuffle(other_rows)
        if rng.random() < 0.5:
            nutrients.append(vitamin_d_row(rng, rng.choice([400, 1000, 2000, 5000]), "D3", "mcg_iu"))
        name = rng.choice(["Oral Probiotic K12", "BLIS K12 Throat Health", "Kids Probiotic Drops in a Chew",
                           "Probiotic with Vitamin D"])
        claims.append("Supports oral and throat health*")
    elif kind == "d3_only":
        nutrients.append(vitamin_d_row(rng, d_iu, "D3", d_fmt))
        name = rng.choice([f"Vitamin D3 {iu_txt} IU", f"Vitamin D3 {d_mcg_txt} mcg", "Vitamin D3",
                           f"Sunshine D {iu_txt} IU", f"High Potency Vitamin D3 {iu_txt} IU"])
        if d_iu >= 50000:
            name = f"Vitamin D3 {iu_txt} IU Weekly"
        claims.append(f"{iu_txt} IU of vitamin D3 per {per}")
    elif kind == "d3_k2":
        nutrients.append(vitamin_d_row(rng, d_iu, "D3", d_fmt))
        nutrients.append(vitamin_k_row(rng, "K2"))
        name = rng.choice(["D3 + K2", "Vitamin D3 & K2", "K2 + D3", f"D3 {iu_txt} IU with K2 (MK-7)",
                           "Bone & Heart D3 + K2"])
        claims.append(f"{iu_txt} IU vitamin D3 plus {fmt_num(nutrients[1]['amount_canonical'])} mcg vitamin K2 "
                      f"per {per}")
    elif kind == "d3_k1":
        nutrients.append(vitamin_d_row(rng, d_iu, "D3", d_fmt))
        nutrients.append(vitamin_k_row(rng, "K1"))
        name = rng.choice(["Vitamin D & K", "D3 + K Complex", "Vitamin D3 with Vitamin K"])
        claims.append(f"{iu_txt} IU of vitamin D3 with vitamin K per {per}")
    elif kind == "d3_mg":
        nutrients.append(vitamin_d_row(rng, d_iu, "D3", d_fmt))
        nutrients.append(elemental_row(rng, "magnesium", mnote) if mnote else
                         magnesium_row(rng, providing=gen.get("providing")))
        if rng.random() < 0.3:
            nutrients.append(vitamin_k_row(rng, "K2"))
            name = rng.choice(["Mag D3 K2", "Magnesium + D3 + K2"])
        else:
            name = rng.choice(["Magnesium Glycinate with Vitamin D3", "Calm Mag + D3", "Magnesium & D3"])
        claims.append(f"{iu_txt} IU vitamin D3 with magnesium per {per}")
    elif kind == "d3_ca":
        nutrients.append(vitamin_d_row(rng, d_iu, "D3", d_fmt))
        nutrients.append(elemental_row(rng, "calcium", mnote) if mnote else calcium_row(rng))
        if rng.random() < 0.4:
            nutrients.append(magnesium_row(rng, providing=False))
            name = "Calcium Magnesium + D3"
        else:
            name = rng.choice(["Calcium + D3", "Calcium Citrate with Vitamin D3", "Bone Strength Calcium"])
        claims.append(f"{fmt_num(nutrients[1]['amount_canonical'])} mg calcium with {iu_txt} IU vitamin D3")
    elif kind == "multi":
        nutrients = multi_rows(rng)
        if rng.random() < 0.4:
            other_rows.append({"label_text": "Lutein (from marigold extract)", "amount_text": "500 mcg",
                               "dv_text": "†"})
        name = rng.choice(["Daily Multi", "Whole Food Daily Multi", "Daily Multiple Vitamins & Minerals",
                           "Women's One Daily"])
        claims.append("Complete daily multivitamin with vitamin D3 and zinc")
    elif kind == "mg_only":
        nutrients.append(elemental_row(rng, "magnesium", mnote) if mnote else
                         magnesium_row(rng, providing=gen.get("providing")))
        name = rng.choice(["Chelated Magnesium", "Magnesium Glycinate", "Magnesium Citrate 200 mg"])
        if name.endswith("200 mg") and not mnote:
            nutrients[0] = _row("Magnesium (as magnesium citrate)", "200 mg", _pct(200, DV["magnesium"]),
                                "magnesium", None, 200, "mg")
        claims.append("Gentle, highly absorbable magnesium*")
    elif kind == "k2_only":
        nutrients.append(vitamin_k_row(rng, "K2"))
        name = rng.choice(["Vitamin K2 MK-7", "K2 Complex", "Vitamin K2 100 mcg"])
        if name.endswith("100 mcg"):
            nutrients[0] = _row("Vitamin K2 (as menaquinone-7)", "100 mcg", _pct(100, DV["vitamin_k"]), "vitamin_k",
                                "K2", 100, "mcg")
        claims.append(f"{fmt_num(nutrients[0]['amount_canonical'])} mcg vitamin K2 per {per}")
    elif kind == "d2":
        nutrients.append(vitamin_d_row(rng, d_iu, "D2", d_fmt))
        name = rng.choice([f"Vegan D2 {d_mcg_txt} mcg", f"Vitamin D2 {iu_txt} IU"])
        if d_iu >= 50000:
            name = f"Vitamin D2 {iu_txt} IU"
        claims.append(f"{iu_txt} IU plant-based vitamin D2 per {per}")
    elif kind == "d_noform":
        nutrients.append(vitamin_d_row(rng, d_iu, None, d_fmt))
        name = rng.choice(["Vitamin D", f"Vitamin D {iu_txt} IU", "Sunshine Vitamin D"])
        claims.append(f"{iu_txt} IU of vitamin D per {per}")
    elif kind == "probiotic":
        picks = rng.sample(PROBIOTICS, 2)
        for strain, amounts in picks:
            other_rows.append({"label_text": strain, "amount_text": rng.choice(amounts), "dv_text": "†"})
        if rng.random() < 0.4:
            nutrients.append(vitamin_d_row(rng, 400, "D3", "mcg_iu"))
        name = rng.choice(["Baby & Kids Probiotic", "Oral Health Probiotic", "Daily Probiotic"])
        claims.append("Supports healthy digestion & oral health*")
    claims += rng.sample(GENERIC_CLAIMS, 3)

    if style in DIRECTIONS_STYLES_NEW:
        directions, spd, assumed = directions_for_new(rng, style, qty, unit)
    else:
        directions, spd, assumed = directions_for(rng, style, qty, unit)
    s1, sp, _, _ = UNITS[unit]
    serving_size = f"{qty} {s1 if qty == 1 else sp}"
    spc = rng.choice([12, 24, 52]) if style == "weekly" else rng.choice([30, 60, 90, 120, 180, 240, 360])
    warnings = rng.choice(WARNINGS)
    if any(n["nutrient"] == "vitamin_k" for n in nutrients):
        warnings = K_WARNING
    record = {
        "brand": brand,
        "product_name": name,
        "sku": f"{_slug_initials(brand)}-{rng.randint(0, 99999):05d}",
        "kind": kind,
        "serving_size": serving_size,
        "serving_qty": qty,
        "serving_unit": unit,
        "servings_per_container": spc,
        "container_count": f"{spc * qty} {sp if spc * qty != 1 else s1}",
        "directions": directions,
        "directions_heading": rng.choice(DIRECTIONS_HEADINGS),
        "servings_per_day": spd,
        "servings_per_day_assumed": assumed,
        "region": "us",
        "nutrients": nutrients,
        "other_rows": other_rows,
        "other_ingredients": rng.choice(OTHER_INGREDIENTS[unit]),
        "warnings": warnings,
        "claims": claims,
        "manufacturer": f"Distributed by {brand}, {rng.choice(CITIES)}.",
        # presentation choices, drawn here so a record renders the same bytes every time
        "style": {
            "serving_colon": rng.random() < 0.5,
            "dv_header": rng.choice(["% Daily Value", "% Daily Value", "%DV", "% DV"]),
            "calorie_footnote": rng.random() < 0.3,
            "name_frac": rng.choice([0.4, 0.44, 0.48, 0.52]),
        },
    }
    if ext:
        _apply_variants(rng, record, feats, var)
    for k, v in overrides.items():
        record[k] = v
    return record


_vitamin_d_row, _vitamin_k_row = vitamin_d_row, vitamin_k_row


def random_catalog(seed: int, n: int) -> list[dict]:
    rng = random.Random(seed)
    return [random_product(rng) for _ in range(n)]


# ---------------------------------------------------------------- extended generator
#
# Everything below is opt-in: ``random_product(rng)`` without any of VARIANT_KEYS draws exactly
# what it always drew. ``variants=True`` turns each feature of VARIANT_FEATURES on with
# probability 1/2; ``variants=("blend", "footnotes")`` turns exactly those on; a feature's own
# keyword (``blend=True``, ``dv_header="%DV"``...) fixes it. Whatever is not given is drawn from rng.

VARIANT_FEATURES = ("headers", "footnotes", "blend", "sub_rows", "directions", "names", "elemental")
VARIANT_KEYS = ("variants", "amount_header", "dv_header", "footnote_marks", "blend", "sub_rows",
                "name_variants", "mineral_note")
EXTRA_KINDS = ["adk", "lookalike"]
DIRECTIONS_STYLES = ("daily", "adults_per_day", "twice_daily", "double_units", "range", "every_other_day",
                     "weekly", "none")
DIRECTIONS_STYLES_NEW = ("word_range", "or_range", "times_range", "three_times", "each_meal",
                         "adults_children", "adults_12", "ceiling")
DIRECTIONS_STYLES_EXT = (*DIRECTIONS_STYLES_NEW, "twice_daily", "every_other_day", "weekly", "range", "daily")
# amount-column header: "Amount Per Serving", "Amount Per 2 Capsules" (the serving size),
# "Each Capsule Contains" (one-unit servings; "Two Capsules Contain" otherwise)
AMOUNT_HEADERS = ("serving", "per_qty", "each")
DV_HEADERS_EXT = ("%DV", "% Daily Value", "% Daily Value*", "% DV", "% Daily Value†")
MINERAL_NOTES = ("inline", "own_line", "under_amount")
WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
         10: "ten", 12: "twelve"}

D_NAMES_D3_EXT = ["Vitamin D3 (as cholecalciferol from lichen)", "Vitamin D (as D3 cholecalciferol)",
                  "Cholecalciferol (Vitamin D3)", "Vitamin D3 (as cholecalciferol)", "Vitamin D3 (cholecalciferol)",
                  "Vitamin D3 (as vegan cholecalciferol from lichen)"]
K2_NAMES_EXT = ["Vitamin K2 (as menaquinone-7 from natto)", "Vitamin K2 (as MenaQ7®)", "Vitamin K (as Mena Q7)",
                "Vitamin K2 (as menatetrenone)", "Vitamin K2 (as MK-7)", "Vitamin K2 (as MenaQ7® menaquinone-7)",
                "Vitamin K2 (as menaquinone-4)"]
K1_NAMES_EXT = ["Vitamin K1 (as phylloquinone)", "Vitamin K (as phytomenadione)", "Vitamin K (as phytonadione)",
                "Vitamin K1 (as phytonadione)"]
A_NAMES_EXT = [("Vitamin A (as retinyl palmitate)", "preformed"), ("Vitamin A (as beta-carotene)", "beta_carotene"),
               ("Vitamin A (as retinyl acetate)", "preformed"),
               ("Vitamin A (as retinyl palmitate and beta-carotene)", None),
               ("Vitamin A (60% as beta-carotene, 40% as retinyl palmitate)", None)]
LOOKALIKES = [("Streptococcus salivarius K12", ["1 Billion CFU", "500 Million CFU", "2.5 Billion CFU"]),
              ("Lactobacillus reuteri DSM 17938", ["100 Million CFU", "200 Million CFU", "1 Billion CFU"])]

ELEMENTAL = {
    # mineral: (salts, [(salt weight, elemental) pairs in mg])
    "magnesium": (["magnesium glycinate", "magnesium bisglycinate chelate", "magnesium citrate", "magnesium malate",
                   "magnesium taurate"], [(500, 100), (600, 120), (750, 150), (1000, 200), (400, 80)]),
    "calcium": (["calcium carbonate", "calcium citrate", "calcium citrate malate"],
                [(1250, 500), (1500, 600), (625, 250), (1000, 400)]),
}

SUB_ROW_SPLITS = {
    ("vitamin_k", "K2"): [["Vitamin K2 (as MK-7)", "from natto"], ["Vitamin K2", "(as menaquinone-7 from natto)"],
                          ["Vitamin K2 (as menaquinone-7)", "from chickpea"],
                          ["Vitamin K2", "(as menaquinone-7)", "from natto"]],
    ("vitamin_k", "K1"): [["Vitamin K1", "(as phytonadione)"], ["Vitamin K (as phylloquinone)", "from alfalfa"]],
    ("vitamin_d", "D3"): [["Vitamin D3 (as cholecalciferol)", "from lanolin"],
                          ["Vitamin D3", "(as cholecalciferol from lichen)"],
                          ["Vitamin D3 (as cholecalciferol)", "from lichen"]],
    ("vitamin_d", "D2"): [["Vitamin D2", "(as ergocalciferol)"]],
    ("magnesium", None): [["Magnesium", "(as magnesium bisglycinate chelate)"],
                          ["Magnesium (as magnesium citrate)", "from sea minerals"]],
}

BLENDS = [
    ("Bone Support Blend", ["Horsetail (stem) extract", "Calcium fructoborate", "Boron (as boron glycinate)",
                            "Silica (from bamboo extract)", "Red clover (flower) extract"]),
    ("Heart Health Blend", ["Hawthorn (berry) extract", "Coenzyme Q10 (as ubiquinone)", "Garlic (bulb) powder",
                            "Grape seed extract"]),
    ("Proprietary Immune Blend", ["Elderberry (fruit) extract", "Echinacea purpurea (aerial parts)",
                                  "Astragalus (root) extract", "Olive leaf extract"]),
    ("Sunshine Blend", ["Turmeric (root) extract", "Black pepper (fruit) extract", "Ginger (root) extract"]),
    ("Natto Blend", ["Natto (fermented soybean) powder", "Nattokinase", "Bacillus subtilis natto"]),
]


def _variant_features(v) -> set:
    if not v:
        return set()
    if v is True:
        return {"__all__"}
    if isinstance(v, str):
        v = [v]
    bad = [f for f in v if f not in VARIANT_FEATURES]
    if bad:
        raise ValueError(f"unknown variant feature(s) {bad}; expected {VARIANT_FEATURES}")
    return set(v)


def _resolve_all(rng, feats: set) -> set:
    """``variants=True``: each feature on with probability 1/2."""
    if "__all__" not in feats:
        return feats
    feats.discard("__all__")
    feats.update(f for f in VARIANT_FEATURES if rng.random() < 0.5)
    return feats


def _ext_kind(rng, feats, var) -> str:
    _resolve_all(rng, feats)
    if "elemental" in feats or var.get("mineral_note"):
        return rng.choice(["d3_mg", "d3_mg", "mg_only", "d3_ca"])
    if "sub_rows" in feats or var.get("sub_rows"):
        return rng.choice(["d3_k2", "d3_k2", "k2_only", "d3_only", "d3_k1", "d3_mg", "adk"])
    if "names" in feats or var.get("name_variants"):
        return rng.choices(["d3_only", "d3_k2", "d3_k1", "adk", "lookalike", "k2_only", "multi", "d3_mg"],
                           weights=[3, 4, 3, 4, 3, 1, 1, 1])[0]
    return rng.choices(KINDS + EXTRA_KINDS, weights=[*KIND_WEIGHTS, 2, 1])[0]


def _pick_unit_ext(rng, kind):
    if kind == "multi":
        return rng.choice(["tablet", "tablet", "capsule", "gummy"])
    if kind in ("mg_only", "d3_mg", "d3_ca"):
        return rng.choice(["capsule", "veggie capsule", "tablet"])
    if kind in ("probiotic", "lookalike"):
        return rng.choice(["capsule", "veggie capsule", "gummy", "lozenge", "lozenge"])
    if kind == "adk":
        return rng.choice(["softgel", "softgel", "capsule", "veggie capsule"])
    return rng.choice(["softgel", "softgel", "capsule", "veggie capsule", "gummy", "lozenge"])


def _qty_for_new_style(rng, style, unit):
    if style == "or_range":
        return 1
    if style == "adults_children":
        return 2 if unit == "gummy" else rng.choice([1, 2])
    if style == "adults_12":
        return rng.choice([1, 2])
    return rng.choice([1, 1, 2])


def _cap(text):
    return text[:1].upper() + text[1:]


def directions_for_new(rng, style, qty, unit):
    """The extended directions wordings: (sentence, servings_per_day, assumed=False). SPEC: a range
    takes its upper end, a label ceiling is the most it allows, adults' directions over children's."""
    _s1, _sp, l1, lp = UNITS[unit]

    def noun(n):
        return l1 if n == 1 else lp

    verb = {"gummy": "chew", "lozenge": "dissolve"}.get(unit, "take") if rng.random() < 0.5 else "take"
    tail = rng.choice([".", " with food.", " with a meal.", ", preferably with food."])
    if style == "word_range":  # "Take two to six lozenges daily" with serving 2 -> 3
        hi = qty * rng.choice([2, 3]) if qty > 1 else rng.choice([2, 3, 4])
        return f"{_cap(verb)} {WORDS[qty]} to {WORDS[hi]} {lp} daily{tail}", float(hi) / qty, False
    if style == "or_range":  # "1 or 2 softgels daily"
        hi = rng.choice([2, 2, 3])
        text = rng.choice([f"Take {hi - 1} or {hi} {lp} daily{tail}", f"{hi - 1} or {hi} {lp} daily.",
                           f"{_cap(verb)} {WORDS[hi - 1]} or {WORDS[hi]} {lp} daily{tail}"])
        return text, float(hi), False
    q = str(qty)
    if style == "times_range":  # "Take 1 capsule 1 to 4 times daily" -> 4
        hi = rng.choice([2, 3, 4])
        text = rng.choice([f"Take {q} {noun(qty)} 1 to {hi} times daily{tail}",
                           f"Take {q} {noun(qty)} 1-{hi} times daily{tail}",
                           f"{_cap(verb)} {q} {noun(qty)} one to {WORDS[hi]} times a day{tail}"])
        return text, float(hi), False
    if style == "three_times":
        text = rng.choice([f"Take {q} {noun(qty)} three times daily{tail}",
                           f"Take {q} {noun(qty)} 3 times daily with meals.",
                           f"{_cap(verb)} {q} {noun(qty)} three times a day{tail}"])
        return text, 3.0, False
    if style == "each_meal":
        text = rng.choice([f"Take {q} {noun(qty)} with each meal.", f"Take {q} {noun(qty)} with every meal.",
                           f"{_cap(verb)} {q} {noun(qty)} with each meal, or as directed by your healthcare "
                           f"professional."])
        return text, 3.0, False
    if style == "adults_children":  # serving 2 gummies, "Adults: take 2 gummies daily. Children ...: 1"
        a = qty * rng.choice([1, 1, 2]) if qty > 1 else 2
        age = rng.choice([2, 4, 4, 6])
        adult = f"Adults: {verb} {a} {noun(a)} daily."
        child = rng.choice([f"Children {age} years and older: {verb} 1 {noun(1)} daily.",
                            f"Children {age} to 12 years: {verb} 1 {noun(1)} daily."])
        text = f"{adult} {child}" if rng.random() < 0.7 else f"{child} {adult}"
        return text, float(a) / qty, False
    if style == "adults_12":  # "Adults and children 12 years and older: ..."
        freq_txt, per_day = rng.choice([("daily", 1.0), ("once daily", 1.0), ("twice daily", 2.0),
                                        ("two times daily", 2.0), ("three times daily", 3.0)])
        text = f"Adults and children 12 years and older: {verb} {q} {noun(qty)} {freq_txt}{tail}"
        if rng.random() < 0.5:
            text += " Children under 12 years: consult a doctor before use."
        return text, per_day, False
    if style == "ceiling":  # "Do not exceed 4 capsules per day": the label's own maximum
        k = rng.choice([2, 3, 4])
        c = qty * k
        text = rng.choice([
            f"Take {q} {noun(qty)} as needed. Do not exceed {c} {noun(c)} per day.",
            f"Take {q} {noun(qty)} up to {k} times daily, not to exceed {c} {noun(c)} per day.",
            f"{_cap(verb)} {q} {noun(qty)} every 3 to 4 hours as needed. Do not exceed {c} {noun(c)} per day.",
            f"Take {q} {noun(qty)} daily, as needed. Do not exceed {c} {noun(c)} in 24 hours.",
        ])
        return text, float(k), False
    raise ValueError(style)


def elemental_row(rng, mineral="magnesium", note="own_line"):
    """A salt-weight row with the elemental amount in a "(providing N mg elemental X)" note placed
    ``note``: "inline" (after the amount, wrapping in the amount column), "own_line" (its own line
    under the name) or "under_amount" (its own line under the amount)."""
    salts, pairs = ELEMENTAL[mineral]
    salt = rng.choice(salts)
    weight, elem = rng.choice(pairs)
    name = rng.choice([f"{mineral.capitalize()} (as {salt})", salt.title()])
    note_text = rng.choice([f"(providing {elem} mg elemental {mineral})",
                            f"(providing {elem} mg of elemental {mineral})"])
    row = _row(name, f"{fmt_num(weight)} mg", _pct(elem, DV[mineral]), mineral, None, elem, "mg")
    if note == "own_line":
        row["sub_text"] = note_text
    elif note == "inline":
        row["amount_note"] = note_text
    elif note == "under_amount":
        row["amount_note_below"] = note_text
    else:
        raise ValueError(f"unknown mineral note placement {note!r}")
    return row


def amount_header_text(kind, qty, unit) -> str:
    s1, sp, _, _ = UNITS[unit]
    if kind == "serving":
        return "Amount Per Serving"
    if kind == "per_qty":
        return f"Amount Per {qty} {s1 if qty == 1 else sp}" if qty > 1 else f"Amount Per {s1}"
    if kind == "each":
        return f"Each {s1} Contains" if qty == 1 else f"{WORDS[qty].capitalize()} {sp} Contain"
    raise ValueError(f"unknown amount header {kind!r}; expected one of {AMOUNT_HEADERS}")


def _flag(var, feats, key, feat):
    return bool(var[key]) if key in var and var[key] is not None else feat in feats


def _apply_variants(rng, record, feats, var):
    """Headers, sub-rows, a blend and footnote marks, on a built record (rows stay ground truth)."""
    st = record["style"]
    ah = var.get("amount_header") or (rng.choice(AMOUNT_HEADERS) if "headers" in feats else None)
    if ah:
        st["amount_header"] = amount_header_text(ah, record["serving_qty"], record["serving_unit"])
    dv = var.get("dv_header") or (rng.choice(DV_HEADERS_EXT) if "headers" in feats else None)
    if dv:
        st["dv_header"] = dv
        if dv.endswith("*"):
            st["calorie_footnote"] = True
    if _flag(var, feats, "sub_rows", "sub_rows"):
        _add_sub_rows(rng, record)
    if _flag(var, feats, "blend", "blend"):
        _add_blend(rng, record)
    if _flag(var, feats, "footnote_marks", "footnotes"):
        _add_marks(rng, record)


def _add_sub_rows(rng, record):
    """Split a D/K/magnesium row's name over an indented second line: "Vitamin K2 (as MK-7)" then
    "from natto"; label_text is the name lines joined with one space."""
    cands = [n for n in record["nutrients"]
             if (n["nutrient"], n.get("form")) in SUB_ROW_SPLITS and not n.get("sub_text")
             and not n.get("name_lines")]
    for n in rng.sample(cands, min(len(cands), rng.choice([1, 1, 2]))):
        lines = rng.choice(SUB_ROW_SPLITS[(n["nutrient"], n.get("form"))])
        n["name_lines"] = list(lines)
        n["label_text"] = " ".join(lines)


def _add_blend(rng, record):
    """A proprietary blend row ("Bone Support Blend 250 mg †") and indented member rows without amounts
    (other_rows); sometimes one member is a vitamin K2 with an amount (a nutrient)."""
    bname, members = rng.choice(BLENDS)
    picked = rng.sample(members, rng.randint(2, min(4, len(members))))
    nuts, others = record["nutrients"], record["other_rows"]
    order = [["n", i] for i in range(len(nuts))]
    others_before = list(others)
    others.append({"label_text": bname, "amount_text": f"{rng.choice([150, 200, 250, 300, 500])} mg",
                   "dv_text": "†", "blend": True})
    order.append(["o", len(others) - 1])
    members_order = []
    for m in picked:
        others.append({"label_text": m, "amount_text": "", "dv_text": "", "indent": True})
        members_order.append(["o", len(others) - 1])
    if rng.random() < 0.3:
        k = _vitamin_k_row(rng, "K2", name=rng.choice(["Vitamin K2 (as MK-7)", "Vitamin K2 (as menaquinone-7)"]))
        k["indent"] = True
        nuts.append(k)
        members_order.insert(rng.randint(0, len(members_order)), ["n", len(nuts) - 1])
        record["warnings"] = K_WARNING
    order += members_order
    order += [["o", i] for i in range(len(others_before))]
    record["layout_rows"] = order


def _add_marks(rng, record):
    """Footnote marks glued to amounts or %DV: "125 mcg (5,000 IU)*", "100 mg†" (no %DV), "24%*", "†"."""
    rows = [r for r in record["nutrients"] if not r.get("amount_note")]
    marked = [r for r in rows if rng.random() < 0.6] or rows[:1]
    for r in marked:
        how = rng.choice(["amount_star", "amount_dagger", "dv_star", "dv_dagger"])
        if how == "amount_star":
            r["amount_text"] += "*"
        elif how == "amount_dagger":
            r["amount_text"] += "†"
            r["dv_text"], r["percent_dv"] = "", None
        elif how == "dv_star" and r["percent_dv"] is not None:
            r["dv_text"] += "*"
        else:
            r["dv_text"], r["percent_dv"] = "†", None
    if any("*" in r["amount_text"] + r["dv_text"] for r in rows):
        record["style"]["calorie_footnote"] = True


# ---------------------------------------------------------------- oracle

def expected_flags(record: dict, d_threshold_mcg: float = 100.0) -> list[str]:
    """Independent implementation of the SPEC rules from the record's expected values."""
    spd = float(record.get("servings_per_day") or 1.0)
    total = 0.0
    for n in record.get("nutrients", []):
        if n["nutrient"] == "vitamin_d" and n.get("form") in ("D3", None):
            total += float(n["amount_canonical"]) * spd
    total = round_sig(total, 6)
    flags = []
    if total >= d_threshold_mcg:
        has_k2 = any(n["nutrient"] == "vitamin_k" and n.get("form") == "K2" and n["amount_canonical"] > 0
                     for n in record["nutrients"])
        has_mg = any(n["nutrient"] == "magnesium" and n["amount_canonical"] > 0 for n in record["nutrients"])
        if not has_k2:
            flags.append("D3_HIGH_NO_K2")
        if not has_mg:
            flags.append("D3_HIGH_NO_MG")
    return sorted(flags)
