"""Issue 18, class 5: directions found wherever they stand on the label and read by a grammar
(counts, intervals, split doses, ranges, ceilings, ages) in English, French, German, Italian,
Spanish and Dutch; SPEC "Dose semantics"."""
from __future__ import annotations

from dataclasses import replace

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
    # wordings real labels use
    ("Take 1 softgel daily with a meal.", "1 Softgel", 1),
    ("Adults: 1 capsule 1-2 times daily.", "1 Capsule", 2),
    ("1 capsule every other day.", "1 Capsule", 0.5),
    ("Take one tablet weekly.", "1 Tablet", round(1 / 7, 6)),
    ("Prendre 1 capsule par jour. Ne pas dépasser la dose journalière recommandée.", "1 Capsule", 1),
    ("Adults: take 1 softgel every other day. Adultes : prendre 1 capsule molle tous les deux jours.", "1 Softgel",
     0.5),
    ("Take 1 capsule as needed, not to exceed 4 per day.", "1 Capsule", 4),
    # intervals of weeks: a high dose taken fortnightly
    ("Take 1 capsule once every 2 weeks.", "1 Capsule", round(1 / 14, 6)),
    ("Take 1 softgel every other week with a meal.", "1 Softgel", round(1 / 14, 6)),
    ("Take 1 softgel every fourteen days.", "1 Softgel", round(1 / 14, 6)),
    ("Prendre 1 capsule toutes les 2 semaines.", "1 capsule", round(1 / 14, 6)),
    ("1 Kapsel alle 2 Wochen einnehmen.", "1 Kapsel", round(1 / 14, 6)),
    # a weekday names a weekly dose; Canadian French "aux deux jours"; "par semaine" with no "une fois"
    ("Take 1 capsule every Monday.", "1 Capsule", round(1 / 7, 6)),
    ("Take 1 softgel once a week on Sundays with a meal.", "1 Softgel", round(1 / 7, 6)),
    ("Adults: take 1 capsule every other day. Adultes: prendre 1 capsule aux deux jours.", "1 Capsule", 0.5),
    ("Adults: take 1 tablet per week. Adultes : prendre 1 comprimé par semaine.", "1 Tablet", round(1 / 7, 6)),
    ("Prendre 1 comprimé 2 fois par semaine.", "1 comprimé", round(2 / 7, 6)),
    # a German ordinal's full stop does not end the sentence
    ("1 Kapsel jeden 2. Tag einnehmen.", "1 Kapsel", 0.5),
    # a space the text layer lost between a word and the count after it
    ("TAKE 2 TABLETS UP TO4 TIMES DAILY AS NEEDED.", "2 TABLETS", 4),
    # a day's count, then how it is split over the day: the split restates the count, it adds nothing
    ("Take 2 tablets daily, one in the morning and one in the evening.", "2 Tablets", 1),
    ("Take 2 capsules daily (1 with breakfast, 1 with dinner).", "1 Capsule", 2),
    ("Prendre 2 gélules par jour, 1 le matin et 1 le soir.", "2 gélules", 1),
    ("2 Kapseln täglich, je 1 morgens und abends.", "2 Kapseln", 1),
    ("Assumere 2 capsule al giorno, una al mattino e una alla sera.", "2 capsule", 1),
    ("Tomar 2 cápsulas al día, una por la mañana y otra por la noche.", "2 cápsulas", 1),
    ("Take 1 capsule daily and 1 capsule at bedtime.", "1 Capsule", 2),  # "and": one more dose
    ("Take 4 capsules per day in 2 divided doses.", "2 Capsules", 2),
    # days a week scale the day's intakes; weekdays named; Latin and bare times of day
    ("Take 1 capsule twice daily, 5 days a week.", "1 Capsule", round(10 / 7, 6)),
    ("Take 1 capsule per day, 5 days per week.", "1 Capsule", round(5 / 7, 6)),
    ("Take 1 capsule Monday, Wednesday and Friday.", "1 Capsule", round(3 / 7, 6)),
    ("Take 1 capsule daily, 5 days on and 2 days off.", "1 Capsule", round(5 / 7, 6)),
    ("Take 1 capsule BID.", "1 Capsule", 2),
    ("Take 1 capsule morning, noon and night.", "1 Capsule", 3),
    # drops or scoops counted in the serving's own unit are divided by it like pieces
    ("Take 5 drops per day.", "5 Drops", 1),
    ("Take 10 drops (0.5 ml) twice daily.", "10 Drops", 2),
    ("Mix 2 scoops with water daily.", "2 Scoops", 1),
    # "for a total of", a day's count split over each meal; each of the main meals
    ("Take 1 capsule 3 times per day, for a total of 3 capsules per day.", "1 Capsule", 3),
    ("Take 3 capsules per day, 1 with each meal.", "1 Capsule", 3),
    ("Take 1 capsule with each of your main meals.", "1 Capsule", 3),
    # phases one after another: the larger day, not their sum
    ("Take 1 capsule daily for 8 weeks, then 1 capsule every other day.", "1 Capsule", 1),
    ("Take 1 capsule daily for 8 weeks. Then take 1 capsule every other day.", "1 Capsule", 1),
    ("Take 2 tablets in the morning, then 2 tablets in the evening.", "2 Tablets", 2),  # "then" in one day
    # Canadian bilingual directions with ages: "et plus" (and older) adds no dose
    ("Adults (19 years and older): Take 1 capsule 1 time per day with food. Adultes (19 ans et plus) : Prendre 1 "
     "capsule 1 fois par jour avec de la nourriture.", "1 Capsule", 1),
    # the two languages parted by a slash are one set of directions; "/ day" is still "per day"
    ("Take 1 capsule daily / Prendre 1 capsule par jour", "1 Capsule", 1),
    ("Take 2 capsules / day.", "1 Capsule", 2),
    # a time of day set before its dose belongs to that dose, not to the one before it
    ("Morgens 1 Kapsel und abends 1 Kapsel einnehmen.", "1 Kapsel", 2),
    ("Le matin 1 gélule et le soir 1 gélule.", "1 gélule", 2),
    ("Neem 's morgens 1 capsule en 's avonds 1 capsule.", "1 capsule", 2),
    ("Prendre 1 gélule matin et soir.", "1 gélule", 2),
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


def test_a_daily_maximum_below_one_dose_goes_to_review_and_the_dose_stands():
    """"Do not exceed 4 tablets" read as "A tablets" (a glyph misread) is a maximum of one, below the
    two tablets each dose takes: one figure is wrong, and the directions' own dose is the reading."""
    directions = "Take two tablets as needed. Do not exceed A tablets per day."
    assert servings_per_day(directions, "2 Tablets") == (1.0, False)
    assert "less than" in (dose_problem(directions) or "")


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


def test_a_paragraph_set_close_beside_a_panel_keeps_the_lines_it_shares_with_the_panels_last_column():
    """Directions beside a panel, a little more than a space from its "% RI*" column: the second
    line of the paragraph was read as one line with the panel's column title, and the directions
    stopped after their first line ("Neem 1 capsule 's")."""
    from extract.labeltext import assign_directions

    panel_part = _words([(0, 50, "PER DAGDOSIS (2 CAPSULES) % RI*")])
    shift = 200 - 2.6 - panel_part[-1].x1  # the gap: a 2 pt space and 0.6 pt more
    panel_part = [replace(w, x0=w.x0 + shift, x1=w.x1 + shift) for w in panel_part]
    words = panel_part + _words([(200, 40, "AANBEVOLEN DAGELIJKSE DOSIS: NEEM 1 CAPSULE 'S"),
                                 (200, 50, "OCHTENDS EN 1 CAPSULE 'S AVONDS."),
                                 (200, 60, "BUITEN BEREIK VAN KINDEREN BEWAREN.")])
    assert assign_directions(words, [(20, 20, 190, 35)], [(20, 20, 197, 150)]) == [
        "NEEM 1 CAPSULE 'S OCHTENDS EN 1 CAPSULE 'S AVONDS."]


def test_panels_side_by_side_each_take_the_paragraph_in_their_own_column():
    """The left panel's %DV column reaches to 1 pt from the right panel's paragraph: by edge distance
    alone the right panel's directions went to the left panel and the right one had none. And a
    paragraph far under its own panel still beats one just beside the other panel."""
    from extract.labeltext import assign_directions

    left = [(57, 262, "Directions: Adults take two gummies with breakfast"), (57, 272, "and two with dinner.")]
    right = [(287, 182, "Directions: Adults take 2 chewable tablets twice a week.")]
    words = _words(left + right)
    heads = [(58, 70, 178, 86), (289, 70, 425, 86)]
    tables = [(57, 68, 286, 200), (282, 68, 567, 173)]
    assert assign_directions(words, heads, tables) == ["Adults take two gummies with breakfast and two with dinner.",
                                                        "Adults take 2 chewable tablets twice a week."]


def test_a_bilingual_directions_heading_broken_after_its_slash_still_starts_the_directions():
    """Canadian "RECOMMENDED DOSE / DOSE" over "RECOMMANDÉE: Take 1 capsule ...": the heading is
    read across the line break, and the panel beside the other panel's paragraph gets its own."""
    from extract.labeltext import assign_directions

    left = [(57, 77, "RECOMMENDED DOSE: DISSOLVE 1 TABLET"), (57, 88, "IN MOUTH EVERY 2-4 HOURS.")]
    right = [(312, 77, "RECOMMENDED DOSE / DOSE"), (312, 88, "RECOMMANDÉE: TAKE 1 CAPSULE EVERY 3"),
             (312, 100, "TO 4 HOURS. MAXIMUM DAILY USAGE"), (312, 112, "SHOULD NOT EXCEED 2 CAPSULES.")]
    words = _words(left + right)
    heads = [(58, 302, 222, 330), (314, 302, 478, 330)]
    tables = [(57, 300, 300, 500), (312, 300, 560, 500)]
    assert assign_directions(words, heads, tables) == [
        "DISSOLVE 1 TABLET IN MOUTH EVERY 2-4 HOURS.",
        "TAKE 1 CAPSULE EVERY 3 TO 4 HOURS. MAXIMUM DAILY USAGE SHOULD NOT EXCEED 2 CAPSULES."]


def test_bilingual_headings_wrapped_on_two_lines_side_by_side_are_two_panels():
    """Canadian panels side by side, each "Medicinal Ingredients / Ingrédients médicinaux" set on two
    lines, the right one a little lower so that its lines come between the left one's: two headings,
    not four (two of them empty panels that took the directions)."""
    from extract.panel import find_headings, reading_order

    lines = [(30, 141, "MEDICINAL INGREDIENTS /"), (30, 151, "INGRÉDIENTS MÉDICINAUX"),
             (360, 147, "MEDICINAL INGREDIENTS /"), (360, 157, "INGRÉDIENTS MÉDICINAUX")]
    words = sorted(_words(lines), key=lambda w: (w.top, w.x0))
    heads = reading_order(find_headings(words))
    assert [(round(h.x0), round(h.top), round(h.bottom)) for h in heads] == [(30, 141, 159), (360, 147, 165)]


def test_panels_side_by_side_set_at_different_heights_are_read_left_to_right():
    """A longer product name (or longer directions) above the left panel pushes its heading 62 pt
    below the right one's: still one row of panels, the left one first (SPEC ``panel``); a panel under another in the
    same column starts the next row."""
    from extract.panel import Heading, reading_order

    left, right = Heading(26, 129, 296, 151), Heading(518, 67, 761, 89)
    under = Heading(26, 400, 296, 422)
    assert reading_order([right, under, left]) == [left, right, under]


def test_directions_beside_a_canadian_panel_are_not_read_as_its_rows(tmp_path):
    """Bilingual directions set beside the panel, a narrow gutter away: their lines ("... take one
    tablet 1 to / 3 times daily with food.") joined the panel's rows and its nutrients were lost
    (a silent miss where the product then passed)."""
    force = {"market": "ca", "directions_pos": "beside", "arrangement": "single", "producer": "reportlab",
             "tracking": "none"}
    for k, label in enumerate(draw_labels(5303, 8, force)):
        for truth, p, v in _audit_label(label, tmp_path / f"{k}.pdf"):
            _, rows = normalise_panel("x", p, "x")
            read = {(r["nutrient"], round(r["amount_canonical"], 3)) for r in rows if r["amount_canonical"] is not None}
            want = {(n["nutrient"], round(n["amount_canonical"], 3)) for n in truth["nutrients"]}
            assert want <= read, (k, [r["label_text"] for r in rows])
            assert v["servings_per_day"] == pytest.approx(truth["servings_per_day"]), (k, p.directions)


def test_an_eu_panel_whose_daily_dose_title_was_not_read_counts_its_amounts_as_a_day():
    """EU labels declare their amounts per daily dose. When the column title wrapped or was spaced out
    ("POR (2 DOSIS DIARIA CÁPSULAS)") no serving size was read, and the split directions' two
    capsules counted as two servings: the day's amounts doubled and high-dose flags came up falsely.
    The product still goes to review, since the title was not seen."""
    from labelaudit.contracts.records import PanelRecord

    for directions in ("Tomar 1 cápsula por la mañana y 1 cápsula por la noche.",
                       "Neem 1 capsule 's ochtends en 1 capsule 's avonds.", "Täglich 3 Kapseln einnehmen."):
        v, _ = normalise_panel("x", PanelRecord(page=1, panel=0, region="eu", directions=directions), "x")
        assert v["servings_per_day"] == 1.0 and not v["servings_per_day_assumed"], directions
        assert v["status_detail"] and "no serving size was read" in v["status_detail"], directions
    # a US panel without its serving size is not read that way
    v, _ = normalise_panel("x", PanelRecord(page=1, panel=0, region="us",
                                            directions="Take 1 capsule in the morning and 1 in the evening."), "x")
    assert v["servings_per_day"] == 2.0


# ---------------------------------------------------------------- headings and wordings printed on real labels

def _relabel(label, heading: str, wording) -> dict:
    """The generated label with its directions heading and wording replaced; the truth's servings per
    day as the wording gives them (``wording(qty, unit) -> (text, servings per day)``)."""
    for p in label["panels"]:
        unit = p["serving_size"].split(" ", 1)[1]
        p["directions"], p["servings_per_day"] = wording(p["serving_qty"], unit)
        p["servings_per_day_assumed"] = False
        p["print"]["directions_heading"] = heading
        p["print"]["directions_fr"] = None
    return label


@pytest.mark.parametrize("heading", ["Recommended dose (adults):", "Suggested Use -", "Directions of use:", "Dose:",
                                     "Instructions for use:", "SUGGESTED USE", "Serving suggestion:"])
@pytest.mark.parametrize("where", ["below", "above"])
def test_directions_under_other_headings_are_found(tmp_path, heading, where):
    """Headings real labels print besides the generator's four ("Suggested Use:", "Directions:"...):
    a qualifier in brackets, a dash for a colon, no colon at all, a one-word heading. Unfound, the
    product's servings per day were assumed (1) and "twice daily" was lost."""
    def wording(qty, unit):
        return f"Take {qty:g} {unit} twice daily with food.", 2.0

    force = {"directions": "daily", "directions_pos": where, "arrangement": "single"}
    for k, label in enumerate(_labels(force, 3, 5404)):
        for _truth, p, v in _audit_label(_relabel(label, heading, wording), tmp_path / f"{k}.pdf"):
            assert p.directions and p.directions.startswith("Take"), (heading, k, p.directions)
            assert (v["servings_per_day"], v["servings_per_day_assumed"]) == (2.0, False), (heading, k, p.directions)


def test_a_days_count_followed_by_its_split_is_counted_once(tmp_path):
    """"Take 4 capsules daily, 2 in the morning and 2 in the evening" against "Serving Size 2
    Capsules": two servings a day. The split was added to the day's count (four servings): the
    daily amounts doubled and high-dose flags were raised on labels under the limit."""
    def wording(qty, unit):
        return f"Take {2 * qty:g} {unit} daily, {qty:g} in the morning and {qty:g} in the evening.", 2.0

    for k, label in enumerate(_labels({"directions": "daily", "directions_pos": "below", "arrangement": "single"}, 4,
                                      5405)):
        for truth, p, v in _audit_label(_relabel(label, "Directions:", wording), tmp_path / f"{k}.pdf"):
            assert v["servings_per_day"] == pytest.approx(truth["servings_per_day"]), (k, p.directions)


@pytest.mark.parametrize("where", ["below", "above"])
def test_directions_printed_with_no_heading_are_found(tmp_path, where):
    """Small labels print "Take 1 softgel twice daily with food." under the panel with no heading at
    all: the servings per day were assumed (1) and the product sent to review with half its dose."""
    def wording(qty, unit):
        return f"Take {qty:g} {unit} twice daily with food.", 2.0

    force = {"directions": "daily", "directions_pos": where, "arrangement": "single"}
    for k, label in enumerate(_labels(force, 3, 5406)):
        for _truth, p, v in _audit_label(_relabel(label, "", wording), tmp_path / f"{k}.pdf"):
            assert p.directions and p.directions.startswith("Take"), (k, p.directions)
            assert (v["servings_per_day"], v["servings_per_day_assumed"]) == (2.0, False), (k, p.directions)


def test_a_headed_paragraph_wins_over_a_sentence_with_no_heading():
    """A claim that reads like directions ("Take 2 capsules for ...") beside the panel does not
    displace the panel's own headed directions, even when it stands nearer."""
    from extract.labeltext import assign_directions

    words = _words([(20, 290, "Take 2 capsules for a brighter day!"), (20, 330, "Directions: Take 1 capsule daily.")])
    assert assign_directions(words, [(20, 100, 120, 115)], [(20, 100, 200, 280)]) == ["Take 1 capsule daily."]


@pytest.mark.parametrize("market, wording, want", [
    # Canadian bilingual directions parted by a slash: the French read as a second dose doubled the day
    ("ca", "Adults (19 years and older): Take {q} {u} 1 time per day / Adultes (19 ans et plus) : Prendre {q} {u} "
           "1 fois par jour.", 1.0),
    # phases one after another were added up (1.5 a day)
    ("us", "Take {q} {u} daily for 8 weeks, then {q} {u} every other day.", 1.0),
    # the day's total said again was added to the doses it totals (6 a day)
    ("us", "Take {q} {u} 3 times per day, for a total of {q3} {u} per day.", 3.0),
])
def test_a_label_with_a_real_wording_gets_its_servings_per_day(tmp_path, market, wording, want):
    def text(qty, unit):
        return wording.format(q=f"{qty:g}", q3=f"{3 * qty:g}", u=unit), want

    force = {"directions": "daily", "directions_pos": "below", "arrangement": "single", "market": market}
    for k, label in enumerate(_labels(force, 3, 5407)):
        for _truth, p, v in _audit_label(_relabel(label, "Directions:", text), tmp_path / f"{k}.pdf"):
            assert (v["servings_per_day"], v["servings_per_day_assumed"]) == (want, False), (k, p.directions)


def test_a_time_of_day_set_before_its_dose_is_that_doses(tmp_path):
    """German and French labels print the time of day before the dose ("Morgens 1 Kapsel und abends 1
    Kapsel"): "abends" was taken as a second intake of the morning's dose, three capsules a day."""
    def wording(qty, unit):
        half = max(1, int(qty) // 2)
        return f"Morgens {half} {unit} und abends {half} {unit} einnehmen.", round(2 * half / qty, 6)

    force = {"market": "eu_de", "directions": "split", "directions_pos": "below", "arrangement": "single",
             "columns": "one"}
    for k, label in enumerate(_labels(force, 3, 5408)):
        for truth, p, v in _audit_label(_relabel(label, "Verzehrempfehlung:", wording), tmp_path / f"{k}.pdf"):
            assert v["servings_per_day"] == pytest.approx(truth["servings_per_day"]), (k, p.directions)


@pytest.mark.parametrize("directions", [
    "Dissolve 1 lozenge",  # directions cut short on the label: the frequency never reached the reader
    "Adults: dissolve one (1) lozenge in the mouth as needed, or as directed by a healthcare practitioner.",
    "Tomar 1 cápsul a vegetal por l a mañana y 1 cápsul a vegetal por l a noche.",  # tracking split the times
])
def test_a_dose_without_a_frequency_goes_to_review_with_once_a_day_assumed(directions):
    assert servings_per_day(directions, "1 Capsule")[1] is False
    assert dose_problem(directions) == ("the directions give a dose but not how often to take it: "
                                        "once a day was assumed")


@pytest.mark.parametrize("directions, how_often", [
    ("Take 1 capsule. Twice daily.", "Twice daily"),
    # a brand printed beside the directions ran into them and ended the sentence at "Co."
    ("Two gummies Marigold & Co. with each of three meals.", "with each of three meals"),
])
def test_a_frequency_set_apart_from_its_dose_goes_to_review(directions, how_often):
    assert dose_problem(directions) == (f"the directions set how often (\"{how_often}\") apart from the dose; "
                                        "the reader could not tell which dose it counts")


@pytest.mark.parametrize("directions", ["Take 1 capsule per day. Best taken with meals.",
                                        "Take 1 softgel daily. Store in a cool, dry place.",
                                        "Take 2 capsules. Use daily.", "Take 1 capsule. Once daily."])
def test_a_sentence_that_only_restates_once_a_day_is_not_a_frequency_apart(directions):
    assert dose_problem(directions) is None
