"""Reference values, read from the one data file ``reference.toml`` beside this module.

Unit conversions, FDA Daily Values, EU NRVs and upper limits live there and nowhere else:
extraction's cross-checks, the warehouse's unit conversion, the rules and the reports import
them from here, so a corrected value changes every stage at once.
"""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any


def _load() -> dict[str, Any]:
    text = resources.files("labelaudit.contracts").joinpath("reference.toml").read_text("utf-8")
    return tomllib.loads(text)


def _floats(table: Mapping[str, Any]) -> Mapping[str, float]:
    return MappingProxyType({k: float(v) for k, v in table.items()})


_DATA = _load()

IU_PER_MCG_VITAMIN_D: float = float(_DATA["conversions"]["iu_per_mcg_vitamin_d"])
MCG_RAE_PER_IU_VITAMIN_A: float = float(_DATA["conversions"]["mcg_rae_per_iu_vitamin_a"])
KEY_NUTRIENTS: tuple[str, ...] = tuple(_DATA["key_nutrients"])
CANONICAL_UNITS: Mapping[str, str] = MappingProxyType(dict(_DATA["canonical_units"]))
# basis ("current", "pre2016") -> nutrient -> Daily Value in the nutrient's canonical unit
DAILY_VALUES: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {basis: _floats(values) for basis, values in _DATA["daily_values"].items()})
# basis -> nutrient -> the unit its Daily Value was printed in, where not the canonical unit
DAILY_VALUE_UNITS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {basis: MappingProxyType(dict(units)) for basis, units in _DATA.get("daily_value_units", {}).items()})
NRV: Mapping[str, float] = _floats(_DATA["nrv"])
UPPER_LIMITS: Mapping[str, float] = _floats(_DATA["upper_limits"])


def daily_values_rows() -> list[tuple[str, str, float]]:
    """(nutrient, basis, amount) for every Daily Value: the warehouse's ``daily_values`` rows."""
    return [(nutrient, basis, amount) for basis, values in DAILY_VALUES.items() for nutrient, amount in values.items()]


def sql_constants() -> dict[str, float]:
    """The conversions a rule's SQL may name as ``$iu_per_mcg_vitamin_d`` and the like, so
    that no rule repeats a factor as a literal."""
    return {"iu_per_mcg_vitamin_d": IU_PER_MCG_VITAMIN_D, "mcg_rae_per_iu_vitamin_a": MCG_RAE_PER_IU_VITAMIN_A}


__all__ = [
    "CANONICAL_UNITS",
    "DAILY_VALUES",
    "DAILY_VALUE_UNITS",
    "IU_PER_MCG_VITAMIN_D",
    "KEY_NUTRIENTS",
    "MCG_RAE_PER_IU_VITAMIN_A",
    "NRV",
    "UPPER_LIMITS",
    "daily_values_rows",
    "sql_constants",
]
