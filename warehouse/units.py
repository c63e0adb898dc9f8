"""Printed amounts to the SPEC's canonical units (see docs/references.md)."""
from __future__ import annotations

from labelaudit.contracts.records import RowRecord
from labelaudit.contracts.reference import IU_PER_MCG_VITAMIN_D, MCG_RAE_PER_IU_VITAMIN_A

_MASS_TO_MG = {"g": 1000.0, "mg": 1.0, "mcg": 0.001}
_MASS_TO_MCG = {"g": 1_000_000.0, "mg": 1000.0, "mcg": 1.0}


def _mass(amount: float | None, unit: str | None, table: dict[str, float]) -> float | None:
    if amount is None or unit is None:
        return None
    factor = table.get(unit)
    return None if factor is None else amount * factor


def canonical_amount(nutrient: str | None, row: RowRecord) -> tuple[float | None, str | None]:
    """(amount_canonical, canonical_unit) per SPEC "Dose semantics"; None where unknown."""
    pairs = [(row.amount, row.unit), (row.alt_amount, row.alt_unit)]
    if nutrient == "vitamin_d":
        for amount, unit in pairs:  # a printed mass wins over IU
            v = _mass(amount, unit, _MASS_TO_MCG)
            if v is not None:
                return v, "mcg"
        for amount, unit in pairs:
            if unit == "IU" and amount is not None:
                return amount / IU_PER_MCG_VITAMIN_D, "mcg"
        return None, "mcg"
    if nutrient == "vitamin_k":
        for amount, unit in pairs:
            v = _mass(amount, unit, _MASS_TO_MCG)
            if v is not None:
                return v, "mcg"
        return None, "mcg"
    if nutrient == "vitamin_a":
        for amount, unit in pairs:
            if unit == "mcg RAE" and amount is not None:
                return amount, "mcg RAE"
        for amount, unit in pairs:
            if unit == "IU" and amount is not None:
                return amount * MCG_RAE_PER_IU_VITAMIN_A, "mcg RAE"
        for amount, unit in pairs:
            v = _mass(amount, unit, _MASS_TO_MCG)
            if v is not None:  # "900 mcg" on a vitamin A row is declared as RAE since 2016
                return v, "mcg RAE"
        return None, "mcg RAE"
    if nutrient in ("magnesium", "calcium"):
        if row.elemental_amount is not None:
            return _mass(row.elemental_amount, row.elemental_unit, _MASS_TO_MG), "mg"
        for amount, unit in pairs:
            v = _mass(amount, unit, _MASS_TO_MG)
            if v is not None:
                return v, "mg"
        return None, "mg"
    if row.elemental_amount is not None:
        return row.elemental_amount, row.elemental_unit
    return row.amount, row.unit


def round_sig(x: float | None, digits: int = 6) -> float | None:
    """Round to significant digits, as the SPEC compares (2 x 50 mcg is exactly 100 mcg)."""
    if x is None or x == 0:
        return x
    return float(f"{x:.{digits}g}")
