"""The label's own redundancy as a checksum for rows read by OCR.

A row that prints its amount twice ("125 mcg (5,000 IU)") or an amount and a %DV carries a
checksum: a misread digit ("725 mcg (5,000 IU)", "125 mcg ... 6250%") breaks it. Use
``row_consistent`` to lower an OCR row's confidence or to try another reading.

Daily Values: the current ones (21 CFR 101.9, 2016 rule) and the older ones still printed on
IU-only labels. A %DV may follow either set. The values and the unit factors are the shared
reference (labelaudit/contracts/reference.toml).

The label also checks its panel from outside: a vitamin D dose stated in the masthead or claims
("2,000 IU of vitamin D per serving") must be borne out by a vitamin D row, and figures that ran
into a row's name must not exceed the amount read. ``panel_problems`` and ``stated_dose_problem``
say in plain words what fails; the fallback chain (extract/document.py ``settle``) then tries
another reader and keeps the reading that passes, else the panel goes to review.
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


_MARKS = re.compile(r"[*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰]")
# A comma between digits is a thousands separator ("2,000 IU"), not the start of a source.
_SOURCE = re.compile(r"\(|\[|\bas\b|\bfrom\b|,(?!\d)", re.I)


def key_nutrient(label_text: str) -> str | None:
    """The key nutrient a row's name declares, else None. Only the name's head counts: the
    source in "Folate (as calcium L-methylfolate)" or "Vitamin C from calcium ascorbate" is not
    what the row declares."""
    # Footnote marks glued to a name ("Vitamin D¹") are no part of it: superscript digits are
    # word characters to the regex, and "D¹" would not end a word.
    text = _MARKS.sub(" ", label_text or "")
    cut = _SOURCE.search(text)
    head = text[:cut.start()] if cut and cut.start() > 0 else text
    hits = [(m.start(), key) for key, rx in _KEY_NAMES for m in [rx.search(head)] if m]
    return min(hits)[1] if hits else None


def starts_with_key_nutrient(text: str) -> bool:
    return any(rx.match(text or "") for _, rx in _KEY_NAMES)


_NUMBER = r"\d[\d,.\s]*"
_D_UNIT = r"(?:i\.?\s?u\.?|mcg|[µμu]g)(?!\w)"
_D_NAME = dict(_KEY_NAMES)["vitamin_d"].pattern


# A figure with what it counts: a mass, a unit, a percentage, a count of organisms.
_MEASURE = re.compile(r"\d\s*(?:%|(?:mg|mcg|[µμu]g|g|iu|i\.u\.|kcal|kj|cfu|ufc|kbe|ml|billion|million)(?!\w))", re.I)

_D_DOSE = re.compile(
    # "Vitamin D3 5,000 IU", "Vitamin D 125 mcg (5,000 IU)": the name, at most a few words, the dose
    rf"(?:{_D_NAME})[^\d\n.;]{{0,16}}{_NUMBER}{_D_UNIT}"
    # "5,000 IU of vitamin D", "125 mcg vitamin D3 per serving"
    rf"|{_NUMBER}{_D_UNIT}\s*(?:of\s+|de\s+|di\s+)?(?:{_D_NAME})", re.I)


def vitamin_d_dose_named(text: str | None) -> bool:
    """Does the label's own text (masthead, claims) state a vitamin D dose? Then its panel must
    hold a vitamin D row: a panel read without one lost the row that decides the D3 flags."""
    return bool(text) and _D_DOSE.search(text or "") is not None


_FIGURE = re.compile(r"(\d{1,3}(?:[,\u00a0\u202f]\d{3})+|\d+(?:[.,]\d+)?)\s*(mcg|[µμu]g|mg|i\.?\s?u\.?)(?!\w)", re.I)


def _figures_in(text: str) -> list[tuple[float, str]]:
    out = []
    for m in _FIGURE.finditer(text or ""):
        raw = m.group(1)
        # "2,000" and "2 000" group thousands; "12,5" is a decimal comma
        raw = re.sub(r"[,\u00a0\u202f](?=\d{3}\b)", "", raw).replace(",", ".")
        try:
            out.append((float(raw), _unit(m.group(2)) or m.group(2)))
        except ValueError:
            continue
    return out


def _same_amount(nutrient: str, value: float, unit: str, amounts: list[tuple[float, str]]) -> bool:
    for a, u in amounts:
        if nutrient == "vitamin_d" and u == "mg":  # compare in mcg: the IU factor has no mg form
            a, u = a * 1000.0, "mcg"
        v = _in(value, unit, u, nutrient)
        if v is not None and abs(v - a) <= max(PAIR_REL_TOL * max(abs(a), abs(v)), _half_step(a)):
            return True
    return False


def _read_amounts(r: RowRecord) -> list[tuple[float, str]]:
    return [(float(a), _unit(u) or u) for a, u in ((r.amount, r.unit), (r.alt_amount, r.alt_unit))
            if a is not None and u is not None]


def stated_d_doses(text: str | None) -> list[tuple[float, str]]:
    """The vitamin D doses the label's text states outside its panel ("2,000 IU of vitamin D per
    serving", "Vitamin D3 5,000 IU"): figures in mcg or IU next to a vitamin D name."""
    out: list[tuple[float, str]] = []
    for m in _D_DOSE.finditer(text or ""):
        out += [(v, u) for v, u in _figures_in(m.group(0)) if u in ("mcg", "IU")]
    return out


def stated_dose_problem(stated: list[tuple[float, str]], rows: Iterable[RowRecord]) -> str | None:
    """A vitamin D dose the label states that no vitamin D row of its panel bears out. A stated
    per-unit dose is a share of a serving of several units (1,000 IU a softgel, 2 a serving), so the
    read amount may be up to 4 times it; a read amount below it is another column's (the
    children's) or a misread, and it decides the D3 flags."""
    d_rows = [r for r in rows if key_nutrient(r.label_text) == "vitamin_d" and r.amount is not None]
    if not stated or not d_rows:
        return None
    read = [a for r in d_rows for a in _read_amounts(r)]
    for value, unit in stated:
        if not any(_same_amount("vitamin_d", value * k, unit, read) for k in (1, 2, 3, 4)):
            shown = f"{value:,.0f} {unit}" if value == int(value) else f"{value:g} {unit}"
            return (f"the label states {shown} of vitamin D but its panel reads "
                    f"{', '.join(r.amount_text for r in d_rows)}")
    return None


_VITAMIN = re.compile(r"\bvitamin[ae]?\b", re.I)


def _head(text: str | None) -> str:
    text = text or ""
    cut = _SOURCE.search(text)
    return text[:cut.start()] if cut and cut.start() > 0 else text


def _name_figures(r: RowRecord, key: str) -> str | None:
    """A figure in a key row's name ("Vitamin D 2,000 IU (50 mcg)" read as the name while the
    amount came from the next column) that is not the amount read: two columns or two rows ran
    together, and the amount may be the wrong one."""
    head = _head(r.label_text)
    read = _read_amounts(r)
    if not read:
        return None
    for value, unit in _figures_in(head):
        # Only a higher figure: a lower one is a per-unit column beside a per-serving or per-day
        # one ("20 µg" beside "40 µg" a day), while a higher one may be the column that decides
        # the flags (adults' beside the children's), or the amount itself misread.
        amount, read_unit = read[0]
        if key == "vitamin_d" and read_unit == "mg":
            amount, read_unit = amount * 1000.0, "mcg"
        as_read = _in(value, unit, read_unit, key)
        if as_read is not None and as_read > amount and not _same_amount(key, value, unit, read):
            return f"{value:g} {unit}"
    return None


def panel_problems(rows: Iterable[RowRecord]) -> list[str]:
    """What keeps a panel's reading from passing its own checks, in plain words."""
    rows = list(rows)
    out = []
    if rows and not any(r.amount is not None or r.elemental_amount is not None
                        or _MEASURE.search(f"{r.label_text} {r.amount_text}") for r in rows):
        # Text from beside the panel read as its rows, the real rows lost: nothing to judge, and
        # a verdict of pass on it would be silent. (Counts such as "5 Billion CFU" are measures.)
        out.append("no amount could be read on any of its rows")
    for r in rows:
        key = key_nutrient(r.label_text)
        if key is None:
            if any(u in ("mcg", "IU") for _, u in _figures_in(_head(r.label_text))):
                # "VITAMIN 50 MCG (2,000 250% D¹ IU)": a wrapped name and the next column's
                # figures interleaved (by OCR too: "vy ANEN 50 MCG"); it may be vitamin D, read
                # from any column.
                out.append(f"{r.label_text}: a name that could not be told from the figures run into it")
            continue
        if r.amount is None and r.elemental_amount is None:
            out.append(f"{r.label_text}: named but no amount could be read")
        elif not row_consistent(key, r.amount, r.unit, r.alt_amount, r.alt_unit, r.percent_dv,
                                r.elemental_amount, r.elemental_unit):
            out.append(f"{r.label_text}: its printed figures disagree ({_figures(r)})")
        elif (other := _name_figures(r, key)) is not None:
            out.append(f"{r.label_text}: its name holds a higher amount ({other}) than the one read ({_figures(r)})")
    return out


def _figures(r: RowRecord) -> str:
    parts = [r.amount_text or ""]
    if r.dv_text:
        parts.append(f"{r.dv_text} DV")
    return ", ".join(p for p in parts if p)


# A panel row's opening: a key nutrient's name, a few words of source or translation, its amount
# ("Vitamin D / Vitamine D¹ 50 mcg (2,000 IU)", "Vitamin K2 (as MenaQ7®) 100 µg").
_ROW_AMOUNT = re.compile(r".{0,60}?(?<![\w.,])\d[\d,.]*\s*(?:mcg|[µμu]g|mg|i\.?\s?u\.?)(?!\w)", re.I)


def key_row_text(text: str) -> bool:
    """Does ``text`` read like a panel's row of a key nutrient: its name, then its amount?"""
    text = _MARKS.sub(" ", text or "").strip()
    for _, rx in _KEY_NAMES:
        m = rx.match(text)
        if m and _ROW_AMOUNT.match(text, m.end()):
            return True
    return False


def lost_panel_problems(page: int, headings_shown: int, panels_read: int, heading_name: str,
                        rows_outside: list[str]) -> list[str]:
    """What says a page holds a panel that was not read, in plain words: more panel headings set
    on it than panels read, or a key nutrient's row standing outside every panel read. The file's
    products then go to review: a lost panel's product would otherwise vanish without a word."""
    out = []
    if headings_shown > panels_read:
        out.append(f"page {page} shows {headings_shown} {heading_name} headings but "
                   f"{panels_read} panel{'s were' if panels_read != 1 else ' was'} read: a panel may be lost")
    if rows_outside:
        shown = " ".join(rows_outside[0].split())
        shown = shown if len(shown) <= 50 else shown[:49].rstrip() + "…"
        more = f" and {len(rows_outside) - 1} more" if len(rows_outside) > 1 else ""
        out.append(f"page {page} shows a row outside every panel read ({shown}{more}): a panel may be lost "
                   "or cut short")
    return out
