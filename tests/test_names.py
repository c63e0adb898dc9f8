"""Row names to canonical nutrients and forms (warehouse/nutrients.toml)."""
from __future__ import annotations

import pytest

from warehouse.names import identify


@pytest.mark.parametrize(
    "label, nutrient, form",
    [
        ("Vitamin D3 (as cholecalciferol)", "vitamin_d", "D3"),
        ("Vitamin D (as cholecalciferol from lichen)", "vitamin_d", "D3"),
        ("Vitamin D (as ergocalciferol)", "vitamin_d", "D2"),
        ("Vitamin D2", "vitamin_d", "D2"),
        ("Vitamin D", "vitamin_d", None),
        ("Vitamin K2 (as menaquinone-7)", "vitamin_k", "K2"),
        ("Vitamin K2 (as MenaQ7® menaquinone-7)", "vitamin_k", "K2"),
        ("Vitamin K (as Mena Q7)", "vitamin_k", "K2"),
        ("Vitamin K (as menatetrenone)", "vitamin_k", "K2"),
        ("Vitamin K2 (as MK-7 from natto)", "vitamin_k", "K2"),
        ("Vitamin K (as phytonadione)", "vitamin_k", "K1"),
        ("Vitamin K1 (as phylloquinone)", "vitamin_k", "K1"),
        ("Vitamin K (as phytomenadione)", "vitamin_k", "K1"),
        ("Vitamin A (as retinyl palmitate)", "vitamin_a", "preformed"),
        ("Vitamin A (as beta-carotene)", "vitamin_a", "beta_carotene"),
        ("Vitamin A (as retinyl palmitate and beta-carotene)", "vitamin_a", None),
        ("Magnesium Bisglycinate Chelate", "magnesium", None),
        ("Magnesium (as magnesium glycinate)", "magnesium", None),
        ("Calcium (as calcium carbonate)", "calcium", None),
    ],
)
def test_names_and_forms(label, nutrient, form):
    n, f, _ = identify(label)
    assert (n, f) == (nutrient, form)


@pytest.mark.parametrize(
    "label, nutrient",
    [
        ("Streptococcus salivarius K12", None),
        ("Lactobacillus reuteri DSM 17938", None),
        ("Vitamin C (as calcium ascorbate)", "vitamin_c"),
        ("Pantothenic Acid (as d-calcium pantothenate)", "pantothenic_acid"),
        ("Folate (as calcium L-methylfolate)", "folate"),
    ],
)
def test_look_alikes_never_match_the_key_nutrients(label, nutrient):
    assert identify(label)[0] == nutrient
