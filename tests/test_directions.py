"""Issue 18, class 5: directions found wherever they stand on the label and read by a grammar
(counts, intervals, split doses, ranges, ceilings, ages) in English, French, German, Italian,
Spanish and Dutch; SPEC "Dose semantics"."""
from __future__ import annotations

import pytest

from extract.document import extract_pdf
from tests.labelgen.producers import PRODUCERS
from tests.labelgen.space import draw_labels
from warehouse.directions import children_dose, dose_problem, serving_problem, servings_per_day
from warehouse.normalise import normalise_panel

WORDINGS = [
    # counts and frequencies
    ("Take 1 capsule two times per day.", "1 Capsule", 2),
    ("Take 2 capsules 2x daily.", "2 Capsules", 2),
    ("Take one (1) tablet three times a day with food.", "1 Tablet", 3),
    ("Take 1 lozenge 1 to 4 times daily.", "1 Lozenge", 4),
    ("Take 1-2 capsules, once or twice daily.", "1 Capsule", 4),
    # intervals: every second day, weekly, N times a week, days a week, hours
    ("Take 1 softgel every second day.", "1 Softgel", 0.5),
    ("Take two softgels once every two days.", "2 Softgels", 0.5),
    ("Take 1 capsule once per week.", "1 Capsule", round(1 / 7, 6)),
    ("Take 1 capsule 3 times a week.", "1 Capsule", round(3 / 7, 6)),
    ("Take 2 tablets three times weekly.", "2 Tablets", round(3 / 7, 6)),
    ("Take 1 capsule 5 days a week.", "1 Capsule", round(5 / 7, 6)),
    ("Take 1 tablet every 8 hours.", "1 Tablet", 3),
    # split doses add up
    ("Take 2 in the morning and 2 in the evening.", "2 Tablets", 2),
    ("Take 2 tablets in the morning and 2 tablets in the evening.", "2 Tablets", 2),
    ("Take one with breakfast, one with lunch and one with dinner.", "1 Capsule", 3),
    ("Take 1 capsule in the morning and evening.", "1 Capsule", 2),
    ("Take 2 tablets before breakfast. For maximum support, take another 2 tablets before exercise.", "4 Tablets", 1),
    # ranges take their upper end; alternatives the larger
    ("Take 1 to 3 capsules daily.", "1 Capsule", 3),
    ("Take two (2) to four (4) softgels per day.", "2 Softgels", 2),
    ("Three [3] tablets at mealtime or one [1] tablet three times a day.", "3 Tablets", 1),
    ("Take one lozenge daily or two daily for extra support.", "2 Lozenges", 1),
    # the label's own ceiling, and meals
    ("Take 1 lozenge as needed. Do not exceed 6 lozenges per day.", "1 Lozenge", 6),
    ("Take 1 tablet every 3 to 4 hours. Maximum daily usage should not exceed 12 tablets.", "1 Tablet", 12),
    ("Allow one (1) zinc lozenge to dissolve in mouth. Do not take more than two (2) in one (1) day.", "1 Lozenge", 2),
    ("Take 2 tablets up to 4 times daily as needed.", "2 Tablets", 4),
    ("Take 2 capsules with each meal.", "2 Capsules", 3),
    ("Two veggie capsules with each of three meals.", "2 Veggie Capsules", 3),
    # ages: the adults' directions, whatever the order
    ("Children 4 to 12 years: take 1 capsule daily. Adults: take 2 capsules twice daily.", "2 Capsules", 2),
    ("Adults and children 12 years and older: take 3 capsules daily. Children 4 years and older: take 1 "
     "capsule every other day.", "3 Capsules", 1),
    ("Take 2 capsules daily. Children under 60 lbs. should use 1/2 capsule.", "Adults 2 Capsules; Children 1 Capsule",
     1),
    ("Children 4 years and older: chew 1 gummy daily.", "1 Gummy", 1),
    # a bilingual restatement is one set of directions, not two
    ("Adults: take 2 capsules twice daily. Adultes : prendre 2 capsules deux fois par jour.", "2 Capsules", 2),
    # fractions, names between count and unit, vehicles
    ("Take 1/2 tablet daily.", "1 Tablet", 0.5),
    ("Take one Ultra Zinc Lozenge(R) and one ViraBLOC(R) lozenge daily.", "1 Lozenge", 2),
    ("Mix 1 scoop with 250 ml of water in the morning and 1 scoop in the afternoon.", "30 g", 2),
    # French, German, Italian, Spanish, Dutch
    ("Prendre 1 gélule par jour avec un repas.", "1 gélule", 1),
    ("Prendre 1 gélule le matin et 1 gélule le soir.", "1 gélule", 2),
    ("Prendre 1 gélule deux fois par jour.", "1 gélule", 2),
    ("Täglich 1 Kapsel mit etwas Flüssigkeit einnehmen.", "1 Kapsel", 1),
    ("1 Kapsel morgens und 1 Kapsel abends einnehmen.", "1 Kapsel", 2),
    ("Zweimal täglich 1 Tablette einnehmen.", "1 Tablette", 2),
    ("Assumere 1 capsula al giorno.", "1 capsula", 1),
    ("Assumere 1 capsula al mattino e 1 capsula alla sera.", "1 capsula", 2),
    ("Tomar 1 cápsula al día con una comida.", "1 cápsula", 1),
    ("Tomar 1 cápsula por la mañana y 1 cápsula por la noche.", "1 cápsula", 2),
    ("Dagelijks 1 capsule met water innemen.", "1 capsule", 1),
    ("Neem 1 capsule 's ochtends en 1 capsule 's avonds.", "1 capsule", 2),
    ("Prendre 2 gélules par jour.", "2 gélules", 1),  # "2 gélules" is no weight in grams
]


@pytest.mark.parametrize("directions, serving, want", WORDINGS)
def test_the_grammar_reads_the_wording(directions, serving, want):
    assert servings_per_day(directions, serving) == (pytest.approx(want, abs=1e-6), False)
    assert dose_problem(directions) is None


def test_the_childrens_directions_are_read_apart():
    assert children_dose("Adults: take 2 capsules daily. Children 4 to 12 years: take 1 capsule daily.",
                         "1 Capsule") == (1.0, 4.0)


@pytest.mark.parametrize("directions", ["Take a few capsules daily.", "Take 1 capsule monthly.",
                                        "Take 1 capsule twice a month."])
def test_a_dose_not_understood_goes_to_review(directions):
    assert dose_problem(directions)


def test_directions_that_count_units_against_no_serving_size_go_to_review():
    assert serving_problem("Take 2 capsules twice daily.", None)
    assert serving_problem("Take 2 capsules twice daily.", "2 Capsules") is None
    assert serving_problem("Take 1 serving daily.", None) is None


# ---------------------------------------------------------------- labels that reproduce the class

def _labels(force: dict, n: int, seed: int):
    # single-spaced text in a plain face: the class under test is where the directions stand,
    # not how the words are spaced (issue 18 classes 1-3)
    base = {"producer": "reportlab", "market": "us", "tracking": "none", "font": "helvetica", "columns": "one",
            "case": "mixed"}
    return draw_labels(seed, n, {**base, **force})


def _audit_label(label, path):
    PRODUCERS[label["axes"]["producer"]](label, path)
    ext = extract_pdf(path)
    got = {p.panel: p for p in ext.panels}
    out = []
    for i, truth in enumerate(label["panels"]):
        p = got.get(i)
        assert p is not None and p.rows, (path.name, i, "panel not read")
        version, _ = normalise_panel("x", p, "x")
        out.append((truth, p, version))
    return out


@pytest.mark.parametrize("where, force", [
    ("beside the panel", {"directions_pos": "beside", "arrangement": "single"}),
    ("beside the panel, marketing text too", {"directions_pos": "beside", "arrangement": "text_beside"}),
    ("above the panel", {"directions_pos": "above", "arrangement": "single"}),
    ("above panels side by side", {"directions_pos": "above", "arrangement": "side_by_side"}),
    ("below panels side by side", {"directions_pos": "below", "arrangement": "side_by_side"}),
])
def test_directions_are_found_wherever_they_stand(tmp_path, where, force):
    for k, label in enumerate(_labels({**force, "directions": "daily"}, 6, 5101)):
        for truth, p, v in _audit_label(label, tmp_path / f"{k}.pdf"):
            assert p.directions and p.directions.split()[:3] == truth["directions"].split()[:3], (
                where, k, p.directions)
            assert v["servings_per_day"] == pytest.approx(truth["servings_per_day"]), (where, k, p.directions)


@pytest.mark.parametrize("kind", ["split", "times_week", "every_other_day", "times_daily", "weekly", "ceiling",
                                  "each_meal", "range", "ages"])
def test_a_label_with_the_wording_gets_its_servings_per_day(tmp_path, kind):
    """Split doses were a silent miss (the first dose alone read); the others read wrong or not at all."""
    for k, label in enumerate(_labels({"directions": kind, "directions_pos": "below", "arrangement": "single"}, 5,
                                      5202)):
        for truth, p, v in _audit_label(label, tmp_path / f"{k}.pdf"):
            assert v["servings_per_day"] == pytest.approx(truth["servings_per_day"]), (kind, p.directions)
            assert v["servings_per_day_assumed"] is False


# ---------------------------------------------------------------- the paragraph finder on set words

def _words(lines: list[tuple[float, float, str]], size: float = 8.0):
    """Words set at (x, top) per line, a space of 0.25 em and a glyph of 0.5 em."""
    from extract.layout import Word

    out = []
    for x, top, text in lines:
        for token in text.split():
            w = len(token) * 0.5 * size
            out.append(Word(token, x, top, x + w, top + size, size, False, (x, top, x + w, top + size)))
            x += w + 0.25 * size
    return out


def test_a_heading_on_its_own_line_without_a_colon_starts_the_directions():
    from extract.labeltext import assign_directions

    words = _words([(20, 300, "SUGGESTED USE"), (20, 310, "Take 2 capsules in the morning"),
                    (20, 320, "and 2 in the evening."), (20, 330, "Keep out of reach of children.")])
    table = [(20, 100, 200, 280)]
    assert assign_directions(words, [(20, 100, 120, 115)],
                             table) == ["Take 2 capsules in the morning and 2 in the evening."]


def test_two_columns_with_a_narrow_gutter_do_not_run_into_each_other():
    """Paragraphs beside each other 6 pt apart: each line of one column is read with its own column."""
    from extract.labeltext import assign_directions

    left = [(20, 40, "Directions: Take one capsule"), (20, 50, "two times per week with"), (20, 60, "a meal.")]
    right = [(132, 40, "Directions: Adults take two"), (132, 50, "tablets daily. Keep out"), (132, 60, "of reach.")]
    words = _words(left + right)
    heads = [(20, 100, 100, 115), (132, 100, 212, 115)]
    tables = [(20, 100, 126, 300), (132, 100, 252, 300)]
    assert assign_directions(words, heads, tables) == ["Take one capsule two times per week with a meal.",
                                                        "Adults take two tablets daily."]
