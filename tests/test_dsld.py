"""The project's name, unit and directions normalisation over 852 real label rows (NIH DSLD)."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.conftest import SHARED
from warehouse.directions import servings_per_day
from warehouse.names import identify

DSLD = SHARED / "realdata" / "dsld_label_rows.csv"
GROUPS = {"Vitamin D": "vitamin_d", "Vitamin K": "vitamin_k", "Magnesium": "magnesium"}
FORMS = {"vitamin_d": {"D3", "D2"}, "vitamin_k": {"K1", "K2"}}


@pytest.fixture(scope="module")
def dsld() -> pd.DataFrame:
    if not DSLD.exists():
        import os

        if os.environ.get("CI"):
            pytest.fail(f"{DSLD} missing")
        pytest.skip(f"{DSLD} missing")
    return pd.read_csv(DSLD)


def _printed(name: str, forms) -> str:
    if isinstance(forms, str) and forms.strip() and forms.strip().lower() != "unspecified":
        return f"{name} (as {forms})"
    return name


def test_vitamin_d_k_and_magnesium_rows_map_to_dsld_groups_with_forms(dsld):
    rows = dsld[dsld["activeIngredients.ingredientGroup"].isin(GROUPS)]
    assert len(rows) > 20
    wrong = []
    for _, r in rows.iterrows():
        want = GROUPS[r["activeIngredients.ingredientGroup"]]
        label = _printed(r["activeIngredients.name"], r["activeIngredients.forms"])
        nutrient, form, _ = identify(label)
        if nutrient != want:
            wrong.append((label, nutrient, want))
            continue
        printed = label.lower()
        forms = ("d3", "cholecalciferol", "k2", "mena", "menaquinone", "phylloquinone", "k1")
        if want in FORMS and any(s in printed for s in forms) and form not in FORMS[want]:
            wrong.append((label, form, "a form"))
    assert wrong == []


def test_servings_per_day_agrees_with_dsld_where_both_give_a_count(dsld, capsys):
    products = dsld.drop_duplicates("id")
    compared, agree, disagreements = 0, 0, []
    for _, p in products.iterrows():
        directions = p["statements.Suggested/Recommended/Usage/Directions"]
        dsld_spd = p["servingSizes.maxDailyServings"]
        if not isinstance(directions, str) or not (dsld_spd > 0):
            continue
        qty = p["servingSizes.maxQuantity"]
        serving = f"{qty:g} {p['servingSizes.unit']}" if not math.isnan(qty) else None
        ours, assumed = servings_per_day(directions, serving)
        if assumed:
            continue  # the directions give no count: nothing to compare
        compared += 1
        if abs(ours - dsld_spd) < 1e-6:
            agree += 1
        else:
            disagreements.append((p["id"], serving, ours, dsld_spd, directions[:160].replace("\n", " ")))
    with capsys.disabled():
        print(f"\n  DSLD servings/day: {agree}/{compared} agree ({agree / compared:.1%})")
        for d in disagreements:
            print(f"    id {d[0]} serving {d[1]!r}: ours {d[2]:g}, DSLD {d[3]:g} :: {d[4]}")
    assert compared >= 100
    # 95.7% (132/138), short of issue 18's 98%: each of the six left was re-checked against SPEC
    # "Dose semantics" and is a SPEC choice, not a misreading. DSLD's maxDailyServings is its
    # curator's figure for the label, not the SPEC's daily maximum for adults: it takes the larger
    # population's count, the everyday dose where the label adds a maximum or an optional higher
    # dose, and the lower end of a range of frequencies. Reaching 98% (at most two disagreements)
    # would mean breaking three of the SPEC's rules; any disagreement not explained here fails.
    assert {d[0] for d in disagreements} <= set(EXPLAINED), disagreements
    assert agree / compared >= 0.95


# id: why the SPEC's figure differs from DSLD's
EXPLAINED = {
    205775: "adults 1 lozenge 1-4 times daily, children 1-5 times: the adults' directions (4); DSLD the children's 5",
    72471: "adults 1 lozenge 1-4 times daily, children 1-5 times: the adults' directions (4); DSLD the children's 5",
    41662: "3 lozenges a serving, 'maximum daily usage should not exceed 12 lozenges': the label's own maximum, "
           "12 / 3 = 4 servings; DSLD 1 (the first dose)",
    13754: "one lozenge, 'do not take more than two in one day': the label's own maximum (2); DSLD the single dose",
    217543: "'once or twice a day': a range of frequencies takes its upper end (2); DSLD the lower end",
    276550: "one lozenge daily, 'for more intensive support ... 2 lozenges per day': an optional higher dose is a "
            "range's upper end (2); DSLD the everyday dose",
}
