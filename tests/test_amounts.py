"""Reading a panel row's text: name, amount, unit, %DV."""
from __future__ import annotations

import pytest

from extract.amounts import parse_row_text


@pytest.mark.parametrize(
    "text, name, amount, unit, alt, alt_unit, dv",
    [
        ("Vitamin D3 (as cholecalciferol) 125 mcg (5,000 IU) 625%", "Vitamin D3 (as cholecalciferol)", 125, "mcg", 5000,
         "IU", 625),
        ("Vitamin D3 5,000 IU 1,250%", "Vitamin D3", 5000, "IU", None, None, 1250),
        ("Vitamin D3 5000 I.U. 1250%", "Vitamin D3", 5000, "IU", None, None, 1250),
        ("Vitamin D3 1,000 IU (25 mcg) 125%", "Vitamin D3", 1000, "IU", 25, "mcg", 125),
        ("Vitamin D3 125 µg 625%", "Vitamin D3", 125, "mcg", None, None, 625),
        ("Vitamin D3 25 ug 125%", "Vitamin D3", 25, "mcg", None, None, 125),
        ("Vitamin D 0.125 mg 625%", "Vitamin D", 0.125, "mg", None, None, 625),
        ("Vitamin A (50% as beta-carotene) 1,050 mcg RAE 117%", "Vitamin A (50% as beta-carotene)", 1050, "mcg RAE",
         None, None, 117),
        ("Folate 680 mcg DFE 170%", "Folate", 680, "mcg DFE", None, None, 170),
        ("Vitamin B12 500 mcg 20,833%", "Vitamin B12", 500, "mcg", None, None, 20833),
        ("Vitamin K2 (as MK-7) 100 mcg †", "Vitamin K2 (as MK-7)", 100, "mcg", None, None, None),
        ("Magnesium (as magnesium citrate) 250 mg* 60%", "Magnesium (as magnesium citrate)", 250, "mg", None, None, 60),
    ],
)
def test_row_text_splits_into_name_amount_unit_and_dv(text, name, amount, unit, alt, alt_unit, dv):
    row = parse_row_text(text)
    assert row is not None
    assert (row.label_text, row.amount, row.unit, row.alt_amount, row.alt_unit, row.percent_dv) == (
        name, amount, unit, alt, alt_unit, dv)


@pytest.mark.parametrize("text", ["Vitamin D3 (as", "cholecalciferol)", "Lactobacillus reuteri DSM 17938",
                                  "50% as retinyl acetate)"])
def test_name_only_lines_are_not_rows(text):
    assert parse_row_text(text) is None


def test_digits_in_names_are_not_amounts():
    row = parse_row_text("Lactobacillus reuteri DSM 17938 100 mg †")
    assert row.label_text == "Lactobacillus reuteri DSM 17938"
    assert row.amount == 100


def test_providing_elemental_amount_is_read():
    row = parse_row_text("Magnesium Bisglycinate Chelate (providing 100 mg elemental magnesium) 500 mg 24%")
    assert row.amount == 500 and row.elemental_amount == 100 and row.elemental_unit == "mg"


@pytest.mark.parametrize("text, amount", [
    ("Vitamin A (as retinyl palmitate) 600 mcg† RAE", 600),  # "600 mcg†" / "RAE" wrapped in a narrow cell
    ("Vitamin A 1,500 µg* RE 188%", 1500),
])
def test_mark_on_mass_unit_before_wrapped_rae_qualifier_keeps_the_amount(text, amount):
    row = parse_row_text(text)
    assert row is not None
    assert (row.amount, row.unit) == (amount, "mcg RAE")
