"""Labels sampled from a space of independent axes, not filled into templates (issue 17).

    from tests.labelgen.space import AXES, draw_labels
    labels = draw_labels(seed, n)            # deterministic per (seed, n)
    truth = render_space_catalog(labels, root)   # producers.py: PDFs + truth lines

A *label* is one PDF page holding one or two panels. Every axis in ``AXES`` is drawn on its own
for each label (file axes) or panel (content axes), so a combination no template ever printed is
as likely as any other. The truth of each panel (corpus truth.jsonl fields: nutrients with
canonical amounts per serving, servings_per_day, flags, brand, product_name) is computed here, from
the SPEC's dose semantics, in one place: ``_finish`` (flags by records.expected_flags, the SPEC
rule oracle the rest of the generator uses).

Truth choices where the SPEC is silent (what a compliance analyst would expect):
- a label's own maximum ("do not exceed 6 lozenges per day", "up to 4 times daily") is the daily
  figure, like a range's upper end; "once or twice daily" is two;
- adults' directions and the adults' column win over children's, whatever order they are printed in;
- an EU "per daily dose (2 capsules)" panel is one serving of 2 units a day; with no directions the
  figure 1 is still marked assumed (the SPEC's rule for missing directions);
- "per month" is never drawn: the SPEC does not say how long a month is.

What this module does not know: how any reader reads labels. It is built from the SPEC, the
reference notes, real DSLD directions wordings (../shared/realdata) and label conventions of the
US (21 CFR 101.36), Canada (Medicinal Ingredients, bilingual) and the EU (per daily dose, %NRV,
decimal commas, in the market's language).
"""
from __future__ import annotations

import random
from typing import Any

from .records import DV, OLD_DV_D_IU, expected_flags, fmt_num, round_half_up

# ---------------------------------------------------------------- the axes

# file axes: one value per PDF page; content axes: one value per panel
FILE_AXES = {
    "producer": ("reportlab", "fpdf2", "weasyprint", "libreoffice", "ghostscript", "templates"),
    "font": ("helvetica", "liberation_sans", "liberation_serif", "dejavu_sans", "dejavu_condensed",
             "liberation_mono", "liberation_narrow", "carlito"),
    "size": ("6.5", "7.5", "8.5", "10"),
    "case": ("mixed", "upper"),
    "tracking": ("none", "tight", "wide"),
    "name_wrap": ("wide", "medium", "narrow"),
    "amount_align": ("left", "right", "center"),
    "dv_align": ("right", "left"),
    "rules": ("ruled", "half", "borderless"),
    "masthead": ("brand_over_name", "name_over_brand", "brand_small"),
    "arrangement": ("single", "side_by_side", "text_beside"),
    "directions_pos": ("below", "beside", "above"),
    "market": ("us", "ca", "eu_en", "eu_fr", "eu_de", "eu_it", "eu_es", "eu_nl"),
}
CONTENT_AXES = {
    "product": ("d3_only", "d3_k2", "d3_k1", "d3_mg", "d3_ca", "d3_k2_mg", "adk", "mg_only", "k2_only", "d2",
                "d_noform"),
    "columns": ("one", "per_units", "per_units3", "adults_children", "ages3", "eu_unit_daily"),
    "directions": ("none", "daily", "split", "range", "times_daily", "every_other_day", "weekly", "times_week",
                   "ages", "ceiling", "each_meal", "dsld"),
    "d_unit": ("mcg_iu", "iu_mcg", "iu", "iu_dots", "mcg", "ug_micro", "ug", "mg"),
    "marks": ("none", "star", "dagger", "double", "numbers"),
}
AXES = {**FILE_AXES, **CONTENT_AXES}

# what each market prints: amount columns, directions wordings, vitamin D spellings
MARKET_COLUMNS = {"us": ("one", "per_units", "per_units3", "adults_children", "ages3"), "ca": ("one",),
                  "eu": ("one", "eu_unit_daily")}
MARKET_DIRECTIONS = {"us": CONTENT_AXES["directions"],
                     "ca": ("none", "daily", "split", "range", "times_daily", "weekly", "ages", "dsld"),
                     "eu": ("none", "daily", "split")}
MARKET_D_UNITS = {"us": CONTENT_AXES["d_unit"], "ca": ("mcg_iu", "iu_mcg", "mcg", "ug_micro"),
                  "eu": ("mcg_iu", "mcg", "ug_micro", "mg")}
MARKET_MARKS = {"us": CONTENT_AXES["marks"], "ca": ("none", "numbers"), "eu": ("none", "star", "numbers")}


def region_of(market: str) -> str:
    return "eu" if market.startswith("eu") else market


# ---------------------------------------------------------------- words

ADJ = ["Alder", "Juniper", "Saltmarsh", "Quarry", "Linden", "Heron Bay", "Oakhollow", "Wren", "Birchfield",
       "Thistle", "Cobalt", "Marigold", "Ferncroft", "Riverbend", "Stonecrop", "Halcyon", "Upland", "Sorrel"]
NOUN = ["Naturals", "Nutrition", "Wellness", "Health", "Labs", "Vitamins", "Apothecary", "Botanicals",
        "Supply Co.", "Pharma", "Organics", "& Co."]


def _brand(rng):
    a = rng.choice(ADJ)
    return f"{a} {rng.choice(NOUN)}" if rng.random() < 0.85 else f"{a} & {rng.choice(ADJ)}"


# serving units per language: key -> {lang: (singular, plural)}
UNIT_WORDS = {
    "capsule": {"en": ("Capsule", "Capsules"), "fr": ("gélule", "gélules"), "de": ("Kapsel", "Kapseln"),
                "it": ("capsula", "capsule"), "es": ("cápsula", "cápsulas"), "nl": ("capsule", "capsules")},
    "softgel": {"en": ("Softgel", "Softgels"), "fr": ("capsule molle", "capsules molles"),
                "de": ("Weichkapsel", "Weichkapseln"), "it": ("perla", "perle"), "es": ("perla", "perlas"),
                "nl": ("softgel", "softgels")},
    "tablet": {"en": ("Tablet", "Tablets"), "fr": ("comprimé", "comprimés"), "de": ("Tablette", "Tabletten"),
               "it": ("compressa", "compresse"), "es": ("comprimido", "comprimidos"), "nl": ("tablet", "tabletten")},
    "veggie capsule": {"en": ("Veggie Capsule", "Veggie Capsules"), "fr": ("gélule végétale", "gélules végétales"),
                       "de": ("Kapsel", "Kapseln"), "it": ("capsula vegetale", "capsule vegetali"),
                       "es": ("cápsula vegetal", "cápsulas vegetales"), "nl": ("capsule", "capsules")},
    "gummy": {"en": ("Gummy", "Gummies")},
    "lozenge": {"en": ("Lozenge", "Lozenges")},
    "chewable": {"en": ("Chewable Tablet", "Chewable Tablets")},
}
CA_FR_UNIT = {"capsule": ("capsule", "capsules"), "softgel": ("capsule molle", "capsules molles"),
              "tablet": ("comprimé", "comprimés"), "veggie capsule": ("capsule végétale", "capsules végétales"),
              "gummy": ("jujube", "jujubes"), "lozenge": ("pastille", "pastilles"),
              "chewable": ("comprimé à croquer", "comprimés à croquer")}
NUM_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
             10: "ten", 12: "twelve"}


def unit_words(unit, lang, n):
    s, p = UNIT_WORDS[unit][lang]
    w = s if n == 1 else p
    return w.lower() if lang == "en" else w


def _num(rng, n):
    """A count as US labels print it: "2", "two", "two (2)", "four [4]" (DSLD wordings)."""
    w = NUM_WORDS.get(n)
    if w is None:
        return str(n)
    return rng.choices([str(n), w, f"{w} ({n})", f"{w} [{n}]"], weights=[5, 3, 2, 1])[0]


def _cap(s):
    return s[:1].upper() + s[1:]


# ---------------------------------------------------------------- nutrient rows

NAMES = {  # (nutrient, form) -> {lang: [names]}
    ("vitamin_d", "D3"): {
        "en": ["Vitamin D3 (as cholecalciferol)", "Vitamin D3", "Vitamin D (as cholecalciferol)",
               "Vitamin D3 (cholecalciferol from lanolin)", "Cholecalciferol (Vitamin D3)",
               "Vitamin D3 (as vegan cholecalciferol from lichen)", "Vitamin D (as D3 cholecalciferol)"],
        "fr": ["Vitamine D3 (cholécalciférol)", "Vitamine D3"], "de": ["Vitamin D3 (Cholecalciferol)", "Vitamin D3"],
        "it": ["Vitamina D3 (colecalciferolo)", "Vitamina D3"], "es": ["Vitamina D3 (colecalciferol)", "Vitamina D3"],
        "nl": ["Vitamine D3 (cholecalciferol)", "Vitamine D3"]},
    ("vitamin_d", "D2"): {"en": ["Vitamin D2 (as ergocalciferol)", "Vitamin D (as ergocalciferol)"],
                          "fr": ["Vitamine D2 (ergocalciférol)"], "de": ["Vitamin D2 (Ergocalciferol)"],
                          "it": ["Vitamina D2 (ergocalciferolo)"], "es": ["Vitamina D2 (ergocalciferol)"],
                          "nl": ["Vitamine D2 (ergocalciferol)"]},
    ("vitamin_d", None): {"en": ["Vitamin D"], "fr": ["Vitamine D"], "de": ["Vitamin D"], "it": ["Vitamina D"],
                          "es": ["Vitamina D"], "nl": ["Vitamine D"]},
    ("vitamin_k", "K2"): {
        "en": ["Vitamin K2 (as menaquinone-7)", "Vitamin K2 (as MK-7)", "Vitamin K2 (as MenaQ7®)",
               "Vitamin K2 (as MK-4)", "Vitamin K (as Mena Q7)", "Vitamin K2 (as menatetrenone)",
               "Vitamin K2 (as MK-7 from natto)"],
        "fr": ["Vitamine K2 (ménaquinone-7)", "Vitamine K2 (MK-7)"], "de": ["Vitamin K2 (Menachinon-7)",
                                                                         "Vitamin K2 (MK-7)"],
        "it": ["Vitamina K2 (menachinone-7)"], "es": ["Vitamina K2 (menaquinona-7)"],
        "nl": ["Vitamine K2 (menaquinon-7)", "Vitamine K2 (MK-7)"]},
    ("vitamin_k", "K1"): {
        "en": ["Vitamin K (as phytonadione)", "Vitamin K1 (as phylloquinone)", "Vitamin K (as phytomenadione)"],
        "fr": ["Vitamine K1 (phylloquinone)"], "de": ["Vitamin K1 (Phyllochinon)"],
        "it": ["Vitamina K1 (fillochinone)"],
        "es": ["Vitamina K1 (filoquinona)"], "nl": ["Vitamine K1 (fyllochinon)"]},
    ("magnesium", None): {
        "en": ["Magnesium (as magnesium citrate)", "Magnesium (as magnesium glycinate)", "Magnesium",
               "Magnesium (as magnesium bisglycinate chelate)", "Magnesium (from magnesium oxide)"],
        "fr": ["Magnésium (citrate de magnésium)", "Magnésium"], "de": ["Magnesium (Magnesiumcitrat)", "Magnesium"],
        "it": ["Magnesio (citrato di magnesio)", "Magnesio"], "es": ["Magnesio (citrato de magnesio)", "Magnesio"],
        "nl": ["Magnesium (magnesiumcitraat)", "Magnesium"]},
    ("calcium", None): {
        "en": ["Calcium (as calcium carbonate)", "Calcium (as calcium citrate)", "Calcium"],
        "fr": ["Calcium (carbonate de calcium)"], "de": ["Calcium (Calciumcarbonat)"],
        "it": ["Calcio (carbonato di calcio)"],
        "es": ["Calcio (carbonato cálcico)"], "nl": ["Calcium (calciumcarbonaat)"]},
    ("vitamin_a", "preformed"): {"en": ["Vitamin A (as retinyl palmitate)", "Vitamin A (as retinyl acetate)"],
                                 "fr": ["Vitamine A (palmitate de rétinyle)"], "de": ["Vitamin A (Retinylpalmitat)"],
                                 "it": ["Vitamina A (retinil palmitato)"], "es": ["Vitamina A (palmitato de retinilo)"],
                                 "nl": ["Vitamine A (retinylpalmitaat)"]},
}
CA_FR_NAMES = {"vitamin_d": "Vitamine D3", "vitamin_k": "Vitamine K2", "magnesium": "Magnésium", "calcium": "Calcium",
               "vitamin_a": "Vitamine A"}
NRV = {"vitamin_d": 5.0, "vitamin_k": 75.0, "magnesium": 375.0, "calcium": 800.0, "vitamin_a": 800.0}
CANON_UNIT = {"vitamin_d": "mcg", "vitamin_k": "mcg", "magnesium": "mg", "calcium": "mg", "vitamin_a": "mcg RAE"}

PRODUCT_ROWS: dict[str, list[tuple[str, str | None]]] = {
    "d3_only": [("vitamin_d", "D3")], "d3_k2": [("vitamin_d", "D3"), ("vitamin_k", "K2")],
    "d3_k1": [("vitamin_d", "D3"), ("vitamin_k", "K1")], "d3_mg": [("vitamin_d", "D3"), ("magnesium", None)],
    "d3_ca": [("calcium", None), ("vitamin_d", "D3")],
    "d3_k2_mg": [("vitamin_d", "D3"), ("vitamin_k", "K2"), ("magnesium", None)],
    "adk": [("vitamin_a", "preformed"), ("vitamin_d", "D3"), ("vitamin_k", "K2")],
    "mg_only": [("magnesium", None)], "k2_only": [("vitamin_k", "K2")], "d2": [("vitamin_d", "D2")],
    "d_noform": [("vitamin_d", None)],
}
PRODUCT_NAMES = {
    "en": {"d3_only": ["Vitamin D3 {iu} IU", "Vitamin D3", "High Potency D3", "Sunlight D3 {mcg} mcg",
                       "D3 Drops-Free Softgels"],
           "d3_k2": ["D3 + K2", "Vitamin D3 & K2 (MK-7)", "K2-D3 Synergy"],
           "d3_k1": ["Vitamin D & K", "D3 with Vitamin K"],
           "d3_mg": ["Magnesium + D3", "Calm Mag with D3"], "d3_ca": ["Calcium + D3", "Bone Calcium with D3"],
           "d3_k2_mg": ["D3 K2 Magnesium", "Triple Bone Support"], "adk": ["Vitamins A, D3 & K2", "ADK Complex"],
           "mg_only": ["Magnesium Glycinate", "Magnesium Citrate"], "k2_only": ["Vitamin K2 MK-7", "K2 Complex"],
           "d2": ["Vegan Vitamin D2", "Vitamin D2 {iu} IU"], "d_noform": ["Vitamin D", "Vitamin D {iu} IU"]},
}


def _eu_num(x, comma):
    s = fmt_num(x, comma=False)
    return s.replace(".", ",") if comma else s


def d_amount_text(mcg: float, d_unit: str, comma_dec: bool = False) -> str:
    """Vitamin D amount as printed for ``mcg`` per column, in the drawn spelling."""
    iu = mcg * 40

    def m(x):
        return _eu_num(x, True) if comma_dec else fmt_num(x)

    return {
        "mcg_iu": f"{m(mcg)} {'µg' if comma_dec else 'mcg'} ({fmt_num(iu, comma=not comma_dec)} IU)",
        "iu_mcg": f"{fmt_num(iu)} IU ({m(mcg)} mcg)",
        "iu": f"{fmt_num(iu)} IU",
        "iu_dots": f"{fmt_num(iu, comma=False)} I.U.",
        "mcg": f"{m(mcg)} mcg",
        "ug_micro": f"{m(mcg)} µg",
        "ug": f"{m(mcg)} ug",
        "mg": f"{m(mcg / 1000)} mg",
    }[d_unit]


# ---------------------------------------------------------------- directions grammar

def _tail(rng):
    return rng.choice(["", "", " with a meal", " with food", ", preferably with a meal", " with water",
                       ", or as directed by your healthcare professional",
                       " or as directed by a health care professional"])


def _lead(rng):
    return rng.choice(["Take", "Take", "As a dietary supplement, take", "As a dietary supplement, adults take",
                       "Adults take", "Adults: Take", "Adults: take"])


def directions_en(rng, kind: str, q: int, unit: str):
    """(sentence, units per day for an adult) for a directions kind; q is the serving's unit count.
    Wordings follow DSLD's real ones ("take two to six lozenges daily", "one (1) lozenge each day",
    "two (2) to four (4) times daily", "Take four [4] tablets per day")."""
    def uw(n):
        return unit_words(unit, "en", n)

    per_day = rng.choice(["daily", "per day", "a day", "each day", "once daily", "once a day"])
    if kind == "daily":
        k = rng.choice([1, 1, 1, 2]) if q == 1 else 1
        n = q * k
        return f"{_lead(rng)} {_num(rng, n)} {uw(n)} {per_day}{_tail(rng)}.", n
    if kind == "times_daily":
        k, word = rng.choice([(2, "twice daily"), (2, "two times daily"), (2, "2 times per day"),
                              (3, "three times daily"),
                              (3, "3 times a day"), (2, "once or twice daily"), (2, "twice a day")])
        return f"{_lead(rng)} {_num(rng, q)} {uw(q)} {word}{_tail(rng)}.", q * k
    if kind == "split":
        a = q if rng.random() < 0.7 else max(1, q)
        if rng.random() < 0.3 and q >= 1:
            parts = [(a, "with breakfast"), (a, "with lunch"), (a, "with dinner")]
        else:
            parts = rng.choice([[(a, "in the morning"), (a, "in the evening")], [(a, "with breakfast"), (a, "with "
                                                                                                            "dinner")],
                                [(a, "in the morning"), (a, "at bedtime")]])
        bits = [f"{_num(rng, n)} {uw(n) if rng.random() < 0.6 else ''} {when}".replace("  ", " ") for n, when in parts]
        text = f"{_lead(rng)} " + (", ".join(bits[:-1]) + " and " + bits[-1])
        return text + f"{_tail(rng)}.", sum(n for n, _ in parts)
    if kind == "range":
        lo = q
        hi = q * rng.choice([2, 2, 3]) if q > 1 else rng.choice([2, 3, 4])
        form = rng.choice(["to", "-", "or", "words", "paren"] if hi in NUM_WORDS and lo in NUM_WORDS else ["to", "-"])
        if form == "to":
            span = f"{lo} to {hi}"
        elif form == "-":
            span = f"{lo}-{hi}"
        elif form == "or":
            span = f"{lo} or {hi}"
        elif form == "words":
            span = f"{NUM_WORDS[lo]} to {NUM_WORDS[hi]}"
        else:
            span = f"{NUM_WORDS[lo]} ({lo}) to {NUM_WORDS[hi]} ({hi})"
        if rng.random() < 0.3:  # "Take 1 capsule 1 to 3 times daily": count times the upper frequency
            k = rng.choice([2, 3, 4])
            span = rng.choice([f"1 to {k}", f"1-{k}", f"one to {NUM_WORDS[k]}", f"{NUM_WORDS[k - 1]} ({k - 1}) to "
                               f"{NUM_WORDS[k]} ({k})"])
            return f"{_lead(rng)} {_num(rng, q)} {uw(q)} {span} times daily{_tail(rng)}.", q * k
        return f"{_lead(rng)} {span} {uw(hi)} {per_day}{_tail(rng)}.", hi
    if kind == "every_other_day":
        word = rng.choice(["every other day", "every second day", "every 2 days", "once every two days"])
        return f"{_lead(rng)} {_num(rng, q)} {uw(q)} {word}{_tail(rng)}.", q / 2
    if kind == "weekly":
        word = rng.choice(["once a week", "once weekly", "per week", "once per week", "each week", "weekly"])
        return f"{_lead(rng)} {_num(rng, q)} {uw(q)} {word}{_tail(rng)}.", q / 7
    if kind == "times_week":
        k, word = rng.choice([(2, "twice a week"), (2, "two times per week"), (3, "3 times a week"),
                              (3, "three times weekly"), (3, "three times per week")])
        return f"{_lead(rng)} {_num(rng, q)} {uw(q)} {word}{_tail(rng)}.", q * k / 7
    if kind == "ages":
        n = q * rng.choice([1, 1, 2])
        age = rng.choice([4, 6, 9])
        adult = rng.choice([f"Adults: take {_num(rng, n)} {uw(n)} daily.",
                            f"Adults and children 12 years and older: take {_num(rng, n)} {uw(n)} daily.",
                            f"Adults (19+): {n} {uw(n)} per day."])
        child = rng.choice([f"Children {age} to 12 years: take 1 {uw(1)} daily.",
                            f"Children ({age}-12 years): 1 {uw(1)} per day.",
                            "Children under 12: consult a physician before use.",
                            f"Children {age} years and older: take 1 {uw(1)} every other day."])
        return (f"{adult} {child}" if rng.random() < 0.65 else f"{child} {adult}"), n
    if kind == "ceiling":
        k = rng.choice([2, 3, 4, 6])
        c = q * k
        text = rng.choice([
            f"Take {_num(rng, q)} {uw(q)} as needed. Do not exceed {_num(rng, c)} {uw(c)} per day.",
            f"Dissolve {q} {uw(q)} in mouth every 2-4 hours, as needed. Do not exceed {c} {uw(c)} per day.",
            f"Take {q} {uw(q)} up to {k} times daily as needed.",
            f"Take {q} {uw(q)} every 3 to 4 hours. Maximum daily usage should not exceed {c} {uw(c)}."])
        return text, c
    if kind == "each_meal":
        return (rng.choice([f"Take {_num(rng, q)} {uw(q)} with each meal.", f"Take {q} {uw(q)} with every meal.",
                            f"{_num(rng, q).capitalize()} {uw(q)} with each of three meals."]), q * 3)
    raise ValueError(kind)


# Real DSLD directions (../shared/realdata), the product's unit put in: (sentence, serving count,
# units a day for an adult). Servings/day = units a day / serving count, per the SPEC: ranges and
# "up to" take the upper end, a label's own "do not exceed" is its maximum, "once or twice" is two.
DSLD_DIRECTIONS = [
    ("As a dietary supplement, take one {u} daily.", 1, 1),
    ("As a dietary supplement, take two to six {us} daily.", 2, 6),
    ("As a dietary supplement, adults dissolve one (1) {u} in the mouth, two (2) to four (4) times daily, or as "
     "directed by a health care professional.", 1, 4),
    ("Take 1 {u} 1 to 4 times daily, or as directed by your healthcare practitioner.", 1, 4),
    ("Dissolve 1 {u} in mouth every 2-4 hours, as needed ~ Avoid chewing or swallowing whole ~ Do not exceed 8 {us} "
     "per day", 1, 8),
    ("Slowly dissolve one {u} in mouth once or twice a day after eating.", 1, 2),
    ("Take four [4] {us} per day.", 4, 4),
    ("Three [3] {us} at mealtime or one [1] {u} three times a day with food.", 3, 3),
    ("Take 1-2 {us}, once or twice daily, or as directed by your health practitioner.", 1, 4),
    ("Chew 2 {us} slowly in the mouth, twice per day.", 2, 4),
    ("Adults: Take 1 {u} as needed up to 4 times daily. Children 7 years of age and older: Take 1 {u} as needed up "
     "to 2 times daily.", 1, 4),
    ("One (1) {u} each day as a dietary supplement or as otherwise directed by a healthcare professional.", 1, 1),
    ("As a dietary supplement, for adults: Take 4 {us} once daily, or as directed by your healthcare professional.",
     4, 4),
    ("Take two (2) {us} daily.", 2, 2),
    ("As a dietary supplement, take 1 to 3 {us} daily.", 1, 3),
    ("Suggested usage: As a dietary supplement, adults take 1 {u} daily or as directed by your healthcare "
     "professional.", 1, 1),
]

EU_DIR = {  # lang -> (daily, split, heading, warning)
    "en": ("Take {n} {u} daily with a meal.", "Take {a} {ua} in the morning and {a} {ua} in the evening.",
           ["Directions:", "Directions for use:", "Recommended daily dose:"],
           "Do not exceed the recommended daily dose. Keep out of reach of young children."),
    "fr": ("Prendre {n} {u} par jour avec un repas.", "Prendre {a} {ua} le matin et {a} {ua} le soir.",
           ["Conseils d'utilisation :", "Mode d'emploi :"],
           "Ne pas dépasser la dose journalière recommandée. Tenir hors de portée des jeunes enfants."),
    "de": ("Täglich {n} {u} mit etwas Flüssigkeit einnehmen.", "{A} {ua} morgens und {a} {ua} abends einnehmen.",
           ["Verzehrempfehlung:", "Einnahmeempfehlung:"],
           "Die angegebene empfohlene tägliche Verzehrsmenge darf nicht überschritten werden."),
    "it": ("Assumere {n} {u} al giorno.", "Assumere {a} {ua} al mattino e {a} {ua} alla sera.",
           ["Modalità d'uso:", "Dose giornaliera consigliata:"],
           "Non superare la dose giornaliera raccomandata. Tenere fuori dalla portata dei bambini."),
    "es": ("Tomar {n} {u} al día con una comida.", "Tomar {a} {ua} por la mañana y {a} {ua} por la noche.",
           ["Modo de empleo:", "Dosis diaria recomendada:"],
           "No superar la dosis diaria expresamente recomendada. Mantener fuera del alcance de los niños."),
    "nl": ("Neem dagelijks {n} {u} met water.", "Neem {a} {ua} 's ochtends en {a} {ua} 's avonds.",
           ["Gebruik:", "Aanbevolen dagelijkse dosis:"],
           "De aanbevolen dagelijkse dosis niet overschrijden. Buiten bereik van jonge kinderen bewaren."),
}
EU_PANEL = {  # lang -> (titles, per daily dose header, per unit header, nrv header, nrv footnote)
    "en": (["Nutrition Information", "Supplement Facts", "Ingredients per daily dose"], "Per daily dose", "Per {u}",
           "%NRV*", "*NRV = Nutrient Reference Value"),
    "fr": (["Informations nutritionnelles", "Composition"], "Par dose journalière", "Par {u}", "% VNR*",
           "*VNR : valeurs nutritionnelles de référence"),
    "de": (["Nährwertangaben", "Zusammensetzung", "Inhaltsstoffe"], "pro Tagesdosis", "pro {u}", "% NRV*",
           "*NRV = Nährstoffbezugswerte"),
    "it": (["Informazioni nutrizionali", "Composizione"], "Per dose giornaliera", "Per {u}", "% VNR*",
           "*VNR = valori nutritivi di riferimento"),
    "es": (["Información nutricional", "Composición"], "Por dosis diaria", "Por {u}", "% VRN*",
           "*VRN = valores de referencia de nutrientes"),
    "nl": (["Voedingswaarde-informatie", "Samenstelling"], "Per dagdosis", "Per {u}", "% RI*",
           "*RI = referentie-inname"),
}
CA_DIR_FR = {1: "Adultes : prendre {n} {u} par jour.", 2: "Adultes : prendre {n} {u} deux fois par jour."}
US_HEADINGS = ["Suggested Use:", "Directions:", "Recommendation:", "SUGGESTED USE:", "Recommended Use:",
               "Suggested Usage:", "Directions for use:", "Usage:"]


# ---------------------------------------------------------------- drawing one panel

# US labels are most of what a US retailer audits; every market still comes up often enough
# to be measured on its own (weights only; the draw stays independent of every other axis)
WEIGHTS = {"market": {"us": 6, "ca": 2, "eu_en": 1, "eu_fr": 1, "eu_de": 1, "eu_it": 1, "eu_es": 1, "eu_nl": 1},
           # the existing templates (render.py, regions.py) stay in the space as one producer among
           # several, at a tenth of the labels: a yardstick of what was tuned on, next to what was not
           "producer": {"reportlab": 2, "fpdf2": 2, "weasyprint": 2, "libreoffice": 2, "ghostscript": 2,
                        "templates": 1}}


def _pick(rng, axis, allowed=None, force=None):
    if force is not None and axis in force:
        return force[axis]
    values = allowed or AXES[axis]
    w = WEIGHTS.get(axis)
    if w:
        return rng.choices(values, weights=[w[v] for v in values])[0]
    return rng.choice(values)


def _d_per_unit_mcg(rng, directions):
    if directions in ("weekly", "times_week"):
        return rng.choice([250.0, 500.0, 1250.0, 1250.0, 175.0])
    if directions == "every_other_day":
        return rng.choice([125.0, 250.0, 250.0, 100.0])
    return rng.choice([10.0, 25.0, 25.0, 50.0, 50.0, 62.5, 100.0, 125.0, 125.0, 250.0])


def draw_panel(rng: random.Random, market: str, force: dict | None = None) -> dict:
    """One panel's content: truth (corpus fields) plus ``print`` (what the renderer draws)."""
    force = force or {}
    region = region_of(market)
    lang = "en" if market in ("us", "ca") else market[3:]
    comma_dec = region == "eu" and (lang != "en" or rng.random() < 0.5)
    product = _pick(rng, "product", force=force)
    columns = _pick(rng, "columns", MARKET_COLUMNS[region], force)
    directions = _pick(rng, "directions", MARKET_DIRECTIONS[region], force)
    d_unit = _pick(rng, "d_unit", MARKET_D_UNITS[region], force)
    marks = _pick(rng, "marks", MARKET_MARKS[region], force)
    ax = {"product": product, "columns": columns, "directions": directions, "d_unit": d_unit, "marks": marks}

    # serving: unit and count; multi-column panels decide which column is the serving
    if lang == "en":
        unit = rng.choice(["capsule", "softgel", "softgel", "tablet", "veggie capsule", "gummy", "lozenge", "chewable"])
    else:
        unit = rng.choice(["capsule", "softgel", "tablet", "veggie capsule"])
    if columns in ("adults_children", "ages3"):
        unit = rng.choice(["gummy", "chewable", "tablet"])
    if columns == "per_units":
        qtys = rng.choice([[1, 2], [1, 2], [2, 4], [1, 3]])
    elif columns == "per_units3":
        qtys = rng.choice([[1, 2, 3], [1, 2, 4], [2, 4, 6]])
    elif columns == "adults_children":
        qtys = [2, 1]
    elif columns == "ages3":
        qtys = [2, 1, 1]
    else:
        qtys = None
    if region == "eu":
        q = 2 if directions == "split" and rng.random() < 0.8 else rng.choice([1, 2, 2, 3])
        if directions == "split" and q == 1:
            q = 2
    elif qtys and columns.startswith("per_units"):
        q = rng.choice(qtys)
        if directions in ("weekly", "every_other_day", "times_week", "ceiling", "each_meal"):
            q = qtys[0]
    elif qtys:
        q = qtys[0]  # adults' column
    elif directions in ("weekly", "every_other_day", "times_week", "ceiling", "each_meal", "range"):
        q = 1
    else:
        q = rng.choice([1, 1, 1, 2, 2, 3])
    if columns == "eu_unit_daily" and q == 1:
        q = 2  # a "per unit | per daily dose" table says two things only when the dose is several units
    dsld = None
    if directions == "dsld":
        # the sentence fixes the serving's count; a multi-column panel must print that column
        fits = [d for d in DSLD_DIRECTIONS
                if not qtys or (d[1] in qtys if columns.startswith("per_units") else d[1] == qtys[0])]
        if fits:
            dsld = rng.choice(fits)
            q = dsld[1]
        else:
            directions = ax["directions"] = "daily"
    pick = 0 if qtys is None else (qtys.index(q) if columns.startswith("per_units") else 0)

    # amounts per unit (canonical) and per serving
    rows_spec = PRODUCT_ROWS[product]
    d_mcg_unit = _d_per_unit_mcg(rng, directions)
    if columns in ("adults_children", "ages3"):
        d_mcg_unit = rng.choice([12.5, 25.0, 25.0, 50.0])
    if region == "eu":
        d_mcg_unit = rng.choice([5.0, 10.0, 12.5, 20.0, 25.0, 37.5, 50.0, 100.0])
    per_unit = {}
    for nut, form in rows_spec:
        if nut == "vitamin_d":
            per_unit[(nut, form)] = d_mcg_unit
        elif nut == "vitamin_k":
            per_unit[(nut, form)] = rng.choice([45.0, 50.0, 90.0, 100.0, 120.0, 200.0, 22.5])
        elif nut == "magnesium":
            per_unit[(nut, form)] = rng.choice([50.0, 100.0, 120.0, 150.0, 200.0])
        elif nut == "calcium":
            per_unit[(nut, form)] = rng.choice([200.0, 250.0, 300.0, 500.0])
        elif nut == "vitamin_a":
            per_unit[(nut, form)] = rng.choice([300.0, 450.0, 750.0, 900.0])
    col_q = qtys if qtys else ([1, q] if columns == "eu_unit_daily" else [q])
    truth_col = pick if qtys else (1 if columns == "eu_unit_daily" else 0)

    # rows as printed
    old_dv = d_unit in ("iu", "iu_dots") and rng.random() < 0.5
    prows, nutrients = [], []
    numbered = []
    for i, (nut, form) in enumerate(rows_spec):
        names = NAMES[(nut, form)][lang]
        name = rng.choice(names)
        if region == "ca":
            base = name.split(" (")[0]
            fr = CA_FR_NAMES[nut] if nut != "vitamin_d" or form == "D3" else base.replace("Vitamin", "Vitamine")
            if nut == "vitamin_k" and form == "K1":
                fr = "Vitamine K1"
            name = rng.choice([f"{base} / {fr}", name, f"{name} / {fr}"])
        if marks == "numbers" and i == 0:
            name += "¹"
            numbered.append(name)
        cells: list[list[Any]] = []  # [amount text, %DV text, %DV figure] per amount column
        k_unit = "µg" if region != "us" and rng.random() < 0.7 else "mcg"
        for cq in col_q:
            amt = per_unit[(nut, form)] * cq
            if nut == "vitamin_d":
                a_txt = d_amount_text(amt, d_unit, comma_dec)
            elif nut == "vitamin_k":
                a_txt = f"{_eu_num(amt, comma_dec)} {k_unit}"
            elif nut == "vitamin_a":
                num = _eu_num(amt, comma_dec) if region == "eu" else fmt_num(amt)
                a_txt = f"{num} {'µg' if region == 'eu' else 'mcg'}{' RAE' if region == 'us' else ''}"
            else:
                a_txt = f"{_eu_num(amt, comma_dec) if region == 'eu' else fmt_num(amt)} mg"
            if region == "us":
                if nut == "vitamin_d" and old_dv:
                    pct = float(round_half_up(amt * 40 / OLD_DV_D_IU * 100))
                else:
                    pct = float(round_half_up(amt / DV[nut] * 100))
                dv_txt = f"{fmt_num(pct)}%"
            elif region == "eu":
                pct = float(round_half_up(amt / NRV[nut] * 100))
                dv_txt = f"{fmt_num(pct, comma=False)}%"
            else:
                pct, dv_txt = None, ""
            cells.append([a_txt, dv_txt, pct])
        if marks in ("dagger", "double") and region == "us" and rng.random() < 0.4:
            m = "†" if marks == "dagger" else "‡"
            for c in cells:
                c[1], c[2] = m, None  # "Daily Value not established" in place of a figure
        elif marks == "star" and region in ("us", "eu") and rng.random() < 0.6:
            for c in cells:
                if c[1]:
                    c[0] += "*" if rng.random() < 0.5 else ""
                    c[1] += "*" if not c[0].endswith("*") else ""
        elif marks == "double" and region == "us" and rng.random() < 0.5:
            for c in cells:
                c[0] += "**"
        prows.append({"name": name, "cells": [(c[0], c[1]) for c in cells]})
        tc = cells[truth_col]
        nutrients.append({"nutrient": nut, "form": form if nut != "magnesium" and nut != "calcium" else None,
                          "amount_canonical": round(per_unit[(nut, form)] * col_q[truth_col], 6),
                          "canonical_unit": CANON_UNIT[nut],
                          "percent_dv": tc[2] if region == "us" else None, "label_text": name,
                          "amount_text": tc[0]})
        if region == "eu":
            nutrients[-1]["percent_nrv"] = tc[2]

    # directions -> servings per day (SPEC dose semantics)
    if region == "eu":
        words = EU_DIR[lang]
        u1, up = unit_words(unit, lang, 1), unit_words(unit, lang, 2)
        if directions == "none":
            dtext, per_day_units = None, None
        elif directions == "split":
            a = q // 2
            dtext = words[1].format(a=a, A=a, ua=u1 if a == 1 else up)
            per_day_units = 2 * a
            if per_day_units != q:
                dtext, per_day_units = words[0].format(n=q, u=u1 if q == 1 else up), q
        else:
            dtext, per_day_units = words[0].format(n=q, u=u1 if q == 1 else up), q
        heading = rng.choice(words[2])
    else:
        if directions == "none":
            dtext, per_day_units = None, None
        elif dsld is not None:
            dtext = dsld[0].format(u=unit_words(unit, "en", 1), us=unit_words(unit, "en", 2))
            per_day_units = dsld[2]
        else:
            dtext, per_day_units = directions_en(rng, directions, q, unit)
        heading = rng.choice(US_HEADINGS if region == "us" else ["Recommended dose:", "Directions:",
                                                                  "Recommended dose / Dose recommandée:"])
    if per_day_units is None:
        spd, assumed = 1.0, True
    else:
        spd, assumed = round(per_day_units / q, 6), False
    french = None
    if region == "ca" and dtext is not None:
        assert per_day_units is not None  # directions text always comes with its units a day
        k = per_day_units / q
        fu = CA_FR_UNIT[unit]
        french = (CA_DIR_FR[int(k)].format(n=q, u=fu[0] if q == 1 else fu[1]) if k in (1, 2) else None)

    # serving size and the panel's head
    if lang == "en":
        s1, sp = UNIT_WORDS[unit]["en"]
    else:
        s1, sp = UNIT_WORDS[unit][lang]
    serving = f"{q} {s1 if q == 1 else sp}"
    col_titles = None
    if columns.startswith("per_units"):
        col_titles = [f"Per {cq} {s1 if cq == 1 else sp}" for cq in col_q]
        if rng.random() < 0.4:
            col_titles = [f"{cq} {s1 if cq == 1 else sp}" for cq in col_q]
    elif columns == "adults_children":
        col_titles = ["Adults", rng.choice(["Children 4+", "Children (4-12 years)", "Children 4 years & older"])]
        serving = rng.choice([serving, f"{serving} (adults), 1 {s1} (children)"])
    elif columns == "ages3":
        col_titles = ["Adults & Children 12+", "Children 4-11", "Children 2-3"]
        serving = rng.choice([serving, f"Adults {serving}; Children 1 {s1}"])
    elif columns == "eu_unit_daily":
        titles, dd, pu, _, _ = EU_PANEL[lang]
        col_titles = [pu.format(u=s1), f"{dd} ({q} {s1 if q == 1 else sp})"]

    spc = rng.choice([30, 60, 90, 120, 180]) if directions not in ("weekly", "times_week") else rng.choice([12, 26, 52])
    if region == "us":
        title = rng.choice(["Supplement Facts", "Supplement Facts", "SUPPLEMENT FACTS"])
        colon = rng.choice(["", ":"])
        head = [f"Serving Size{colon} {serving}", f"Servings Per Container{colon} {spc}"]
        if rng.random() < 0.3:
            head = [f"Serving Size{colon} {serving}", f"Servings per Container{colon} About {spc}"]
        amount_header = rng.choice(["Amount Per Serving", "Amount Per Serving", "Amount per serving",
                                    f"Amount Per {serving}" if not col_titles else "Amount Per Serving",
                                    f"Each {s1} Contains" if q == 1 and not col_titles else "Amount Per Serving"])
        dv_header = rng.choice(["% Daily Value", "%DV", "% DV", "% Daily Value*", "%Daily Value"])
    elif region == "ca":
        fr_unit = CA_FR_UNIT[unit][0]
        title = "Medicinal Ingredients / Ingrédients médicinaux"
        head = rng.choice([[f"Each {s1.lower()} contains / Chaque {fr_unit} contient :"],
                           [f"Each {s1.lower()} contains:", f"Chaque {fr_unit} contient :"]])
        serving = f"1 {s1}" if q == 1 else serving
        amount_header, dv_header = None, None
        if q != 1:
            head = [f"Each dose ({serving}) contains / Chaque dose contient :"]
    else:
        titles, dd, pu, nrv, _nrv_foot = EU_PANEL[lang]
        title = rng.choice(titles)
        head = []
        amount_header = None if col_titles else f"{dd} ({q} {s1 if q == 1 else sp})"
        dv_header = nrv
    foot = []
    texts = "".join(c[0] + c[1] for r in prows for c in r["cells"]) + (dv_header or "")
    if region == "eu":
        foot.append(EU_PANEL[lang][4])
    elif "*" in texts:
        foot.append("* Percent Daily Values are based on a 2,000 calorie diet.")
    if "†" in texts:
        foot.append("† Daily Value not established.")
    if "‡" in texts:
        foot.append("‡ Daily Value not established.")
    if "**" in texts:
        foot.append("** Daily Value not established for children.")
    if numbered:
        foot.append(rng.choice(["¹ From lanolin (sheep's wool).", "¹ Vegan source.", "¹ Naturally sourced."]))

    brand = _brand(rng)
    if lang == "en":
        product_name = rng.choice(PRODUCT_NAMES["en"][product]).format(iu=fmt_num(d_mcg_unit * 40),
                                                                        mcg=fmt_num(d_mcg_unit))
    else:  # "Vitamine D3 + Vitamine K2": the market's own words for what is in it
        product_name = " + ".join(NAMES[r][lang][0].split(" (")[0] for r in rows_spec)
    if not any(n == "vitamin_d" for n, _ in rows_spec):
        ax["d_unit"] = "-"  # nothing printed in it: kept out of the per-spelling figures
    rec = {
        "brand": brand, "product_name": product_name, "serving_size": serving, "serving_qty": q,
        "serving_unit": unit, "servings_per_day": spd, "servings_per_day_assumed": assumed,
        "directions": dtext, "region": region, "nutrients": nutrients, "axes": ax,
        "print": {"header_over_amount": region == "eu", "title": title, "head": head, "col_titles": col_titles,
                  "amount_header": amount_header,
                  "dv_header": dv_header, "rows": prows, "foot": foot, "directions_heading": heading,
                  "directions_fr": french, "lang": lang, "market": market,
                  "dv_cols": [region != "ca"] * len(col_q) if region != "eu" or not col_titles
                  else [False, True] if rng.random() < 0.5 else [True, True],
                  "other": _other_text(rng, region, lang, unit)},
    }
    rec["flags"] = expected_flags(rec)
    return rec


def _other_text(rng, region, lang, unit):
    if region == "eu":
        return [{"en": "Ingredients: bulking agent (microcrystalline cellulose), capsule shell (hydroxypropyl "
                       "methylcellulose).",
                 "fr": "Ingrédients : agent de charge (cellulose microcristalline), enveloppe "
                       "(hydroxypropylméthylcellulose).",
                 "de": "Zutaten: Füllstoff (mikrokristalline Cellulose), Kapselhülle (Hydroxypropylmethylcellulose).",
                 "it": "Ingredienti: agente di carica (cellulosa microcristallina), involucro "
                       "(idrossipropilmetilcellulosa).",
                 "es": "Ingredientes: agente de carga (celulosa microcristalina), cápsula "
                       "(hidroxipropilmetilcelulosa).",
                 "nl": "Ingrediënten: vulstof (microkristallijne cellulose), capsulewand "
                       "(hydroxypropylmethylcellulose)."}[lang],
                EU_DIR[lang][3]]
    if region == "ca":
        return ["Non-medicinal ingredients / Ingrédients non médicinaux : gelatin, glycerin, olive oil / gélatine, "
                "glycérine, huile d'olive.", f"NPN {rng.randint(80000000, 80099999)}",
                "Cautions: Consult a health care practitioner if you are pregnant or breastfeeding. / Mises en garde : "
                "consulter un praticien de soins de santé si vous êtes enceinte ou allaitez."]
    return [rng.choice(["Other ingredients: Extra virgin olive oil, gelatin, glycerin, purified water.",
                        "Other Ingredients: Microcrystalline cellulose, hypromellose, magnesium stearate.",
                        "Other ingredients: tapioca syrup, cane sugar, pectin, natural flavors."]),
            rng.choice(["Keep out of reach of children. Consult your physician if pregnant or nursing.",
                        "WARNING: Do not exceed recommended dose. Store in a cool, dry place."])]


def upper(s):
    """ALL-CAPS as a label prints it; the micro sign stays a micro sign (str.upper makes it Greek Mu)."""
    if s is None:
        return None
    # units stay as set ("µg", not "µG"), as all-caps labels print them
    return "".join(ch if ch == "µ" else ch.upper() for ch in s).replace("µG", "µg")


def _to_upper(p):
    """An all-caps label: truth keeps what is printed (names, directions), so it is upper-cased too."""
    for k in ("brand", "product_name", "serving_size", "directions"):
        p[k] = upper(p[k])
    for n in p["nutrients"]:
        n["label_text"], n["amount_text"] = upper(n["label_text"]), upper(n["amount_text"])
    pr = p["print"]
    for k in ("title", "amount_header", "dv_header", "directions_heading", "directions_fr"):
        pr[k] = upper(pr[k])
    for k in ("head", "foot", "other"):
        pr[k] = [upper(x) for x in pr[k]]
    if pr["col_titles"]:
        pr["col_titles"] = [upper(x) for x in pr["col_titles"]]
    for r in pr["rows"]:
        r["name"] = upper(r["name"])
        r["cells"] = [(upper(a), upper(d)) for a, d in r["cells"]]


def draw_label(rng: random.Random, force: dict | None = None) -> dict:
    """One label page: file axes, and one panel (two when arranged side by side)."""
    force = dict(force or {})
    ax = {k: _pick(rng, k, force=force) for k in FILE_AXES}
    if ax["producer"] == "templates" and "producer" not in force and set(force) - {"market"}:
        # a held axis value is one the templates cannot print: draw a producer that can
        ax["producer"] = rng.choice([p for p in FILE_AXES["producer"] if p != "templates"])
    if ax["producer"] == "templates":
        return _template_label(rng, force)
    if ax["arrangement"] == "side_by_side" and ax["directions_pos"] == "beside" and "directions_pos" not in force:
        ax["directions_pos"] = rng.choice(["below", "above"])
    n = 2 if ax["arrangement"] == "side_by_side" else 1
    content_force = {k: v for k, v in force.items() if k in CONTENT_AXES}
    panels = [draw_panel(rng, ax["market"], content_force) for _ in range(n)]
    if ax["case"] == "upper":
        for p in panels:
            _to_upper(p)
    return {"axes": ax, "panels": panels,
            "layout": {"gutter": rng.choice([6, 9, 12, 18]), "beside_side": rng.choice(["left", "right"]),
                       "seed": rng.randrange(1 << 30)}}


TEMPLATES = ("ruled", "borderless", "retail", "two_column", "ca", "eu")


def _template_label(rng, force):
    """A label from the existing templates (render.py, regions.py), kept in the space as a subset.
    Its layout axes are all "template"; only market and producer say something."""
    from .records import random_product
    from .regions import region_product

    layout = force.get("template") or rng.choice(TEMPLATES)
    rec = region_product(rng, layout) if layout in ("two_column", "ca", "eu") else random_product(rng)
    rec["flags"] = expected_flags(rec)
    market = {"ca": "ca", "eu": "eu_en"}.get(layout, "us")
    ax = {k: "template" for k in FILE_AXES}
    ax.update(producer="templates", market=market)
    panel = {k: rec.get(k) for k in ("brand", "product_name", "serving_size", "servings_per_day",
                                     "servings_per_day_assumed", "directions", "region", "nutrients", "flags")}
    panel["axes"] = {k: "template" for k in CONTENT_AXES}
    return {"axes": ax, "panels": [panel], "template": {"layout": layout, "record": rec},
            "layout": {"seed": rng.randrange(1 << 30)}}


def draw_labels(seed: int, n: int, force: dict | None = None) -> list[dict]:
    rng = random.Random(seed)
    return [draw_label(rng, force) for _ in range(n)]


def force_for(axis: str, value: str) -> dict:
    """Axis values to hold so that ``axis=value`` can be drawn at all: an amount column, wording or
    spelling only some markets print needs one of those markets, a vitamin D spelling a vitamin D row."""
    force = {axis: value}
    if axis in CONTENT_AXES:
        table = {"columns": MARKET_COLUMNS, "directions": MARKET_DIRECTIONS, "d_unit": MARKET_D_UNITS,
                 "marks": MARKET_MARKS}.get(axis)
        if table is not None and value not in table["us"]:
            force["market"] = "eu_de" if value in table["eu"] else "ca"
        elif table is not None:
            force["market"] = "us"
        if axis == "d_unit":
            force["product"] = "d3_only"
    return force


def coverage_labels(seed: int, per_value: int = 2) -> list[dict]:
    """``per_value`` labels for every value of every axis (the rest drawn freely), then as many freely
    drawn: a small fixed sample in which every axis value is measured."""
    rng = random.Random(seed)
    out = []
    for axis, values in AXES.items():
        for v in values:
            if v == "-":
                continue
            for _ in range(per_value):
                f = force_for(axis, v)
                if f.get("producer") != "templates" and "producer" not in f:
                    # producers are drawn freely, but never the templates: those fix every other axis
                    f["producer"] = rng.choice([p for p in FILE_AXES["producer"] if p != "templates"])
                out.append(draw_label(rng, f))
    return out
