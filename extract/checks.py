"""The label's own redundancy as a checksum for rows read by OCR.

A row that prints its amount twice ("125 mcg (5,000 IU)") or an amount and a %DV carries a
checksum: a misread digit ("725 mcg (5,000 IU)", "125 mcg ... 6250%") breaks it. Use
``row_consistent`` to lower an OCR row's confidence or to try another reading.

Daily Values: the current ones (21 CFR 101.9, 2016 rule) and the older ones still printed on
IU-only labels. A %DV may follow either set. The values and the unit factors are the shared
reference (labelaudit/contracts/reference.toml).
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable

from labelaudit.contracts.records import RowRecord
from labelaudit.contracts.reference import CANONICAL_UNITS, DAILY_VALUE_UNITS, DAILY_VALUES, KEY_NUTRIENTS
from labelaudit.contracts.reference import IU_PER_MCG_VITAMIN_D as IU_PER_MCG_D
from labelaudit.contracts.reference import MCG_RAE_PER_IU_VITAMIN_A as MCG_RAE_PER_IU_A

_MASS_MCG = {"mcg": 1.0, "mg": 1000.0, "g": 1_000_000.0}
PAIR_REL_TOL = 0.02     # mcg vs IU may differ this much (printed rounding)
DV_ABS_TOL = 1.0        # percentage points
DV_REL_TOL = 0.02


def _decimals(x: float) -> int:
    """Digits after the point in the shortest printing of ``x`` (12.5 -> 1, 125.0 -> 0)."""
    s = repr(float(x))
    if "e" in s or "E" in s:
        return 6
    frac = s.split(".")[1] if "." in s else ""
    frac = frac.rstrip("0")
    return len(frac)


def _half_step(x: float) -> float:
    return 0.5 * 10.0 ** (-_decimals(x))


def _unit(u: str) -> str:
    low = u.strip().lower().replace("µ", "mc").replace("μ", "mc")
    if low in ("ug", "mcg", "mcg rae", "mcg dfe", "mcgrae"):
        return "mcg RAE" if "rae" in low else "mcg"
    if low.replace(".", "").replace(" ", "") == "iu":
        return "IU"
    if low in ("mg", "g"):
        return low
    return u


def _in(value: float, unit: str, want: str, nutrient: str) -> float | None:
    """``value unit`` expressed in ``want`` for ``nutrient``; None when there is no conversion."""
    if unit == want:
        return value
    if nutrient == "vitamin_d":
        mcg = value * _MASS_MCG[unit] if unit in _MASS_MCG else (value / IU_PER_MCG_D if unit == "IU" else None)
        if mcg is None:
            return None
        if want == "mcg":
            return mcg
        if want == "IU":
            return mcg * IU_PER_MCG_D
        return None
    if nutrient == "vitamin_a":
        if unit in ("mcg", "mcg RAE"):
            rae = value
        elif unit == "mg":
            rae = value * 1000.0
        elif unit == "IU":
            rae = value * MCG_RAE_PER_IU_A
        else:
            return None
        if want == "mcg RAE":
            return rae
        if want == "IU":
            return rae / MCG_RAE_PER_IU_A
        return None
    if unit in _MASS_MCG and want in _MASS_MCG:
        return value * _MASS_MCG[unit] / _MASS_MCG[want]
    return None


def _printed_dv(nutrient: str, basis: str) -> tuple[float, str]:
    """A Daily Value in the unit labels printed it in (pre-2016 vitamin D: 400 IU, not 10 mcg)."""
    canonical = CANONICAL_UNITS[nutrient]
    unit = DAILY_VALUE_UNITS.get(basis, {}).get(nutrient, canonical)
    value = _in(DAILY_VALUES[basis][nutrient], canonical, unit, nutrient)
    assert value is not None, f"no conversion of {nutrient} from {canonical} to {unit}"
    return value, unit


# nutrient -> list of (DV amount, unit the DV is stated in); current first, then pre-2016.
# Only the key nutrients: their rows decide flags, so only they are worth a second reading.
DAILY_VALUES_CHECKED: dict[str, list[tuple[float, str]]] = {
    n: [_printed_dv(n, basis) for basis in ("current", "pre2016")] for n in KEY_NUTRIENTS
}


def pair_consistent(nutrient: str | None, amount: float | None, unit: str | None, alt_amount: float | None,
                    alt_unit: str | None) -> bool:
    """Two printed amounts of one row ("125 mcg (5,000 IU)") name the same quantity."""
    if (nutrient is None or nutrient not in DAILY_VALUES_CHECKED or amount is None or unit is None
            or alt_amount is None or alt_unit is None):
        return True
    u1, u2 = _unit(unit), _unit(alt_unit)
    if u1 == u2:
        return True  # two columns or a repeat; not a conversion pair
    converted = _in(float(alt_amount), u2, u1, nutrient)
    if converted is None:
        return True
    a = float(amount)
    # the printed figure may be rounded to its own precision, or by ~2%
    back = _in(float(alt_amount) + _half_step(float(alt_amount)), u2, u1, nutrient)
    step = abs(back - converted) if back is not None else 0.0
    tol = max(PAIR_REL_TOL * max(abs(a), abs(converted)), _half_step(a) + step)
    return abs(a - converted) <= tol


def dv_consistent(nutrient: str | None, amount: float | None, unit: str | None, percent_dv: float | None) -> bool:
    """``amount unit`` fits the printed %DV under the current or the pre-2016 Daily Value."""
    if (nutrient is None or nutrient not in DAILY_VALUES_CHECKED or percent_dv is None or amount is None
            or unit is None):
        return True
    u = _unit(unit)
    pct = float(percent_dv)
    for dv, dv_unit in DAILY_VALUES_CHECKED[nutrient]:
        v = _in(float(amount), u, dv_unit, nutrient)
        if v is None:
            continue
        expect = v / dv * 100.0
        # the amount itself may be rounded where printed (12.5 mcg -> 63%)
        slack = _half_step(float(amount)) / max(abs(float(amount)), 1e-12) * expect
        if abs(expect - pct) <= max(DV_ABS_TOL, DV_REL_TOL * expect) + slack:
            return True
    return False


def row_consistent(nutrient: str | None, amount: float | None, unit: str | None, alt_amount: float | None,
                   alt_unit: str | None, percent_dv: float | None,
                   elemental_amount: float | None = None, elemental_unit: str | None = None) -> bool:
    """Do a row's printed figures agree with each other?

    - vitamin D printed in mcg and IU: at the shared IU factor, within the printed precision or ~2%;
    - the amount against the printed %DV, under the current or the pre-2016 Daily Values of the
      key nutrients (the shared reference), within 1 point or 2%.
      Where an elemental amount is given ("providing 100 mg elemental magnesium") the %DV is
      checked against it, not the salt weight.

    Unknown nutrients, rows without a %DV and rows without an amount are not checked (True).
    """
    if nutrient not in DAILY_VALUES_CHECKED:
        return True
    for v in (amount, alt_amount, percent_dv, elemental_amount):
        if v is not None and (not isinstance(v, (int, float)) or math.isnan(float(v))):
            return False
    if not pair_consistent(nutrient, amount, unit, alt_amount, alt_unit):
        return False
    if percent_dv is None:
        return True
    if elemental_amount is not None and elemental_unit is not None:
        return dv_consistent(nutrient, elemental_amount, elemental_unit, percent_dv)
    checked = [(amount, unit)] + ([(alt_amount, alt_unit)] if alt_amount is not None else [])
    return all(dv_consistent(nutrient, a, u, percent_dv) for a, u in checked if a is not None and u is not None)


# The key nutrients a row names, for checks inside the extract stage (warehouse/names.py is the
# full identification, with forms; it sits downstream of extraction).
_KEY_EN = (
    ("vitamin_d", r"\bvitamin\s*d\s*[23]?\b|cholecalciferol|ergocalciferol"),
    ("vitamin_k", r"\bvitamin\s*k\s*[12]?\b|menaquinone|phylloquinone|phytonadione"),
    # not the Italian and Spanish "Vitamina" of another vitamin ("Vitamina K2", "Vitamina D3")
    ("vitamin_a", r"\bvitamin\s*a\b(?!\s*[b-k]\s*\d*\b)|retinyl|beta[-\s]?carotene"),
    ("magnesium", r"\bmagnesium\b"),
    ("calcium", r"\bcalcium\b"),
)


def _key_names() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The English forms above, and every spelling of warehouse/nutrients.toml in the label
    languages ("Vitamine D3", "Magnesio", "Calcio", "Menachinon-7"), accents optional."""
    import tomllib
    from pathlib import Path

    from extract.vocab import alternation
    toml = tomllib.loads((Path(__file__).resolve().parents[1] / "warehouse" / "nutrients.toml").read_text("utf-8"))
    out = []
    for key, en in _KEY_EN:
        names = toml.get(key, {}).get("names", [])
        out.append((key, re.compile(en + r"|(?<!\w)(?:" + alternation(names, gap=r"\s+") + r")(?!\w)", re.I)))
    return tuple(out)


_KEY_NAMES = _key_names()


_SOURCE = re.compile(r"\(|\[|\bas\b|\bfrom\b|,", re.I)


def key_nutrient(label_text: str) -> str | None:
    """The key nutrient a row's name declares, else None. Only the name's head counts: the
    source in "Folate (as calcium L-methylfolate)" or "Vitamin C from calcium ascorbate" is not
    what the row declares."""
    text = label_text or ""
    cut = _SOURCE.search(text)
    head = text[:cut.start()] if cut and cut.start() > 0 else text
    hits = [(m.start(), key) for key, rx in _KEY_NAMES for m in [rx.search(head)] if m]
    return min(hits)[1] if hits else None


def starts_with_key_nutrient(text: str) -> bool:
    return any(rx.match(text or "") for _, rx in _KEY_NAMES)


def panel_problems(rows: Iterable[RowRecord]) -> list[str]:
    """What keeps a panel's reading from passing its own checks, in plain words."""
    out = []
    for r in rows:
        key = key_nutrient(r.label_text)
        if key is None:
            continue
        if r.amount is None and r.elemental_amount is None:
            out.append(f"{r.label_text}: named but no amount could be read")
        elif not row_consistent(key, r.amount, r.unit, r.alt_amount, r.alt_unit, r.percent_dv,
                                r.elemental_amount, r.elemental_unit):
            out.append(f"{r.label_text}: its printed figures disagree ({_figures(r)})")
    return out


def _figures(r: RowRecord) -> str:
    parts = [r.amount_text or ""]
    if r.dv_text:
        parts.append(f"{r.dv_text} DV")
    return ", ".join(p for p in parts if p)
