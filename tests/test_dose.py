"""Every dose example of SPEC "Dose semantics"."""
from __future__ import annotations

import pytest

from extract.records import RowRecord
from warehouse.directions import servings_per_day
from warehouse.units import canonical_amount, round_sig


def test_vitamin_d_mcg_wins_when_both_are_printed():
    assert canonical_amount(
        "vitamin_d", RowRecord("Vitamin D3", amount=125, unit="mcg", alt_amount=5000, alt_unit="IU")) == (125, "mcg")
    assert canonical_amount(
        "vitamin_d", RowRecord("Vitamin D3", amount=1000, unit="IU", alt_amount=25, alt_unit="mcg")) == (25, "mcg")


def test_vitamin_d_iu_alone_is_divided_by_40():
    assert canonical_amount("vitamin_d", RowRecord("Vitamin D3", amount=5000, unit="IU")) == (125, "mcg")


def test_vitamin_d_in_mg_is_mcg():
    assert canonical_amount("vitamin_d", RowRecord("Vitamin D3", amount=0.125, unit="mg")) == (125, "mcg")


@pytest.mark.parametrize("label", ["Vitamin A (as retinyl palmitate)", "Vitamin A (as beta-carotene)"])
def test_vitamin_a_iu_is_0_3_mcg_rae(label):
    amount, unit = canonical_amount("vitamin_a", RowRecord(label, amount=5000, unit="IU"))
    assert unit == "mcg RAE" and amount == pytest.approx(1500)


def test_minerals_count_the_elemental_amount():
    row = RowRecord("Magnesium glycinate", amount=500, unit="mg", elemental_amount=100, elemental_unit="mg")
    assert canonical_amount("magnesium", row) == (100, "mg")
    assert canonical_amount("calcium", RowRecord("Calcium", amount=1, unit="g")) == (1000, "mg")


@pytest.mark.parametrize(
    "directions, serving, expected",
    [
        ("Take 2 capsules twice daily.", "2 Capsules", 2),
        ("Take 1 softgel weekly.", "1 Softgel", round(1 / 7, 6)),
        ("Take 1 capsule once a week.", "1 Capsule", round(1 / 7, 6)),
        ("Take 1 softgel every other day.", "1 Softgel", 0.5),
        ("Take 1 to 2 capsules daily.", "1 Capsule", 2),
        ("Take 1-2 softgels daily.", "1 Softgel", 2),
        ("Take 3 tablets daily with a meal.", "3 Tablets", 1),
        ("Adults: take one capsule per day with a meal.", "1 Capsule", 1),
        ("Take two capsules twice daily with meals.", "2 Capsules", 2),
    ],
)
def test_servings_per_day_from_directions(directions, serving, expected):
    assert servings_per_day(directions, serving) == (pytest.approx(expected), False)


def test_no_directions_assumes_one_serving_and_says_so():
    assert servings_per_day(None, "1 Softgel") == (1.0, True)
    assert servings_per_day("", "1 Softgel") == (1.0, True)


def test_rounding_to_six_significant_digits_makes_two_times_fifty_exactly_one_hundred():
    assert round_sig(50.0000001 * 2) == 100.0
    assert round_sig(2 * (2000 / 40)) == 100.0
