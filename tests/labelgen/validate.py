"""Check that a sampled label's truth says what its panel prints (tests/labelgen/space.py).

``check_label(label)`` returns a list of problems (empty when the truth is consistent). It re-reads
the printed amount strings with a parser of its own, so an amount, unit or column mix-up in the
generator shows up as a disagreement rather than being copied into the truth.
"""
from __future__ import annotations

import re

from .records import expected_flags

_NUM = r"(\d{1,3}(?:[ ,.]\d{3})+|\d+(?:[.,]\d+)?)"
_UNIT = r"(mcg|µg|ug|mg|i\.?u\.?)"


def _number(s: str, eu: bool) -> float:
    if eu:
        return float(s.replace(".", "").replace(" ", "").replace(",", ".")) if re.fullmatch(r"\d+,\d+", s) else \
            float(s.replace(",", "").replace(" ", ""))
    return float(s.replace(",", "").replace(" ", ""))


def canonical_from_text(nutrient: str, text: str, eu: bool) -> float | None:
    """What the printed amount means in the canonical unit, read from the text alone (SPEC: where
    mcg and IU are both printed the mcg figure wins; IU alone / 40; vitamin A IU x 0.3)."""
    found = [(_number(n, eu), u.lower().replace(".", "")) for n, u in re.findall(_NUM + r"\s*" + _UNIT, text, re.I)]
    if not found:
        return None
    if nutrient == "vitamin_d":
        for v, u in found:
            if u in ("mcg", "µg", "ug"):
                return v
        for v, u in found:
            if u == "mg":
                return v * 1000
        return found[0][0] / 40
    v, u = found[0]
    if nutrient in ("vitamin_k", "vitamin_a"):
        return v * 1000 if u == "mg" else (v * 0.3 if u == "iu" else v)
    return v


def check_label(label: dict) -> list[str]:
    bad = []
    for i, p in enumerate(label["panels"]):
        if "print" not in p:  # an existing template's record: its own tests vouch for it
            if sorted(p["flags"]) != expected_flags(p):
                bad.append(f"panel {i}: flags {p['flags']} != {expected_flags(p)}")
            continue
        pr = p["print"]
        eu = p["region"] == "eu"
        where = f"panel {i}"
        for n in p["nutrients"]:
            row = next((r for r in pr["rows"] if r["name"] == n["label_text"]), None)
            if row is None:
                bad.append(f"{where}: {n['label_text']!r} not printed")
                continue
            printed = [a for a, _ in row["cells"]]
            if n["amount_text"] not in printed:
                bad.append(f"{where}: {n['amount_text']!r} not in row {printed}")
                continue
            col = printed.index(n["amount_text"])
            titles = pr["col_titles"]
            if titles and not (str(p["serving_qty"]) in titles[col] or "Adult" in titles[col]
                               or "ADULT" in titles[col]):
                bad.append(f"{where}: truth column {titles[col]!r} is not the serving's ({p['serving_size']!r})")
            got = canonical_from_text(n["nutrient"], n["amount_text"], eu)
            if got is None or abs(got - n["amount_canonical"]) > 1e-6 * max(1.0, abs(got)):
                bad.append(f"{where}: {n['nutrient']} {n['amount_text']!r} reads {got}, truth {n['amount_canonical']}")
        spd = p["servings_per_day"]
        if not spd > 0:
            bad.append(f"{where}: servings/day {spd}")
        if (p["directions"] is None) != bool(p["servings_per_day_assumed"]):
            bad.append(f"{where}: assumed {p['servings_per_day_assumed']} with directions {p['directions']!r}")
        if p["directions"] is None and spd != 1.0:
            bad.append(f"{where}: no directions but servings/day {spd}")
        if sorted(p["flags"]) != expected_flags(p):
            bad.append(f"{where}: flags {p['flags']} != {expected_flags(p)}")
    return bad
