"""Servings per day from the directions, per SPEC "Dose semantics"."""
from __future__ import annotations

import re

WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "half": 0.5, "one-half": 0.5,
}
_NUM = r"(?:\d+(?:\.\d+)?|one-half|half|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_RANGE = rf"(?P<lo>{_NUM})(?:\s*(?:-|–|to|or)\s*(?P<hi>{_NUM}))?"
_UNITS = (
    r"(?:veggie\s+|vegetable\s+|vegetarian\s+|liquid\s+|soft\s+)?"
    r"(?:softgels?|soft\s*gels?|capsules?|caps|vcaps?|tablets?|tabs?|caplets?|gummies|gummy|lozenges?|chewables?|"
    r"drops?|scoops?|packets?|servings?|teaspoons?|tsp|tablespoons?|tbsp|ml|sprays?|pumps?|wafers?|chews?|pearls?)"
)
DOSE_RE = re.compile(rf"\b{_RANGE}\s+(?P<unit>{_UNITS})\b", re.IGNORECASE)
_TIMES = re.compile(rf"\b{_RANGE}\s+times?\s+(?:a|per|each|every)?\s*(?P<per>day|daily|week|weekly)\b", re.IGNORECASE)

# (pattern, times per day); the first that matches decides.
FREQUENCIES: list[tuple[re.Pattern[str], float]] = [
    (re.compile(r"every\s+other\s+day|every\s+(?:2|two)\s+days|alternate\s+days", re.I), 0.5),
    (re.compile(r"once\s+(?:a|per|each|every)\s+week|once\s+weekly|\bweekly\b|per\s+week|each\s+week|every\s+week", re.I), 1 / 7),
    (re.compile(r"\btwice\s+(?:a\s+|per\s+|each\s+)?(?:day|daily)|\btwice\b", re.I), 2.0),
    (re.compile(r"\bthrice\b", re.I), 3.0),
    (re.compile(r"with\s+(?:each|every)\s+meal", re.I), 3.0),
    (re.compile(r"\bdaily\b|per\s+day|a\s+day|each\s+day|every\s+day|once\s+a\s+day|\bday\b", re.I), 1.0),
]
# "Do not exceed 8 lozenges per day", "Maximum daily usage should not exceed 12 lozenges",
# "up to 12 drops per day": the label's own ceiling, the upper end of what it allows.
_MAX_RE = re.compile(
    rf"(?P<pre>maximum\s+daily\s+(?:usage|use|dose|intake|amount)?\s*(?:should\s+not\s+exceed|is|of)?|"
    rf"(?:do\s+)?not\s+(?:to\s+)?exceed|no\s+more\s+than|up\s+to)\s+(?P<n>{_NUM})\s+(?P<unit>{_UNITS})\b"
    rf"(?P<tail>[^.;]{{0,30}})",
    re.IGNORECASE,
)
_DAY_CONTEXT = re.compile(r"\b(?:per|a|each|in(?:\s+(?:any|one|a))?)\s+(?:day|24)|\bdaily\b", re.IGNORECASE)
# Units a serving is measured in that a count of pieces cannot be divided by.
_MEASURE_UNITS = re.compile(r"^\s*[\d.]+\s*(?:g|gram|grams|gram\(s\)|mg|ml|mL|oz|fl|teaspoon|tsp|tablespoon|tbsp|scoop)(?![a-z])", re.IGNORECASE)
_CHILD = re.compile(r"\b(?:children|kids|child)\b[^.:;]*(?::|\bunder\b|\bages?\b)", re.IGNORECASE)
_ADULT = re.compile(r"\badults?\b", re.IGNORECASE)


def number(word: str) -> float:
    w = word.lower()
    return float(WORD_NUMBERS[w]) if w in WORD_NUMBERS else float(w)


def serving_quantity(serving_size: str | None) -> float:
    if serving_size:
        m = re.match(rf"\s*(?P<n>{_NUM}|\d+/\d+)\b", serving_size, re.IGNORECASE)
        if m:
            n = m.group("n")
            if "/" in n:
                a, b = n.split("/")
                return float(a) / float(b)
            return number(n)
    return 1.0


def adults_part(directions: str) -> str:
    """The adults' directions where a label gives adults' and children's apart."""
    if _ADULT.search(directions) and _CHILD.search(directions):
        child = _CHILD.search(directions)
        adult = _ADULT.search(directions)
        if re.fullmatch(r"\s*(?:and|&|,)\s*", directions[adult.end():child.start()]):
            return directions  # "Adults and children 12 years and older: ..." is one set of directions
        if adult.start() < child.start():
            return directions[: child.start()]
        return directions[adult.start():]
    return directions


def frequency(text: str) -> float | None:
    m = _TIMES.search(text)
    if m:
        per_week = m.group("per").lower().startswith("week")
        n = number(m.group("hi") or m.group("lo"))
        return n / 7 if per_week else n
    for pattern, per_day in FREQUENCIES:
        if pattern.search(text):
            return per_day
    return None


def _plain(text: str) -> str:
    """ "one (1) lozenge" -> "1 lozenge"; "Three [3] tablets" -> "3 tablets"."""
    text = re.sub(rf"\b{_NUM}\s*[(\[](\d+)[)\]]", r"\1", text, flags=re.IGNORECASE)
    return re.sub(r"[(\[](\d+)[)\]]", r"\1", text)


def _label_ceiling(text: str) -> tuple[float, str] | None:
    for m in _MAX_RE.finditer(text):
        if "daily" in m.group("pre").lower() or _DAY_CONTEXT.search(m.group("tail")):
            return number(m.group("n")), m.group("unit")
    return None


def servings_per_day(directions: str | None, serving_size: str | None) -> tuple[float, bool]:
    """(servings per day, assumed). A range takes its upper end; no usable directions -> (1, True)."""
    if not directions or not directions.strip():
        return 1.0, True
    text = _plain(adults_part(directions))
    dose = DOSE_RE.search(text)
    freq = frequency(text)
    ceiling = _label_ceiling(text)
    if dose is None and freq is None and ceiling is None:
        return 1.0, True
    if dose is None and ceiling is None:
        return round(freq, 6), False
    units, unit = 0.0, ""
    if dose is not None:
        units = number(dose.group("hi") or dose.group("lo")) * (freq if freq is not None else 1.0)
        unit = dose.group("unit")
    if ceiling is not None and ceiling[0] > units:
        units, unit = ceiling
    # A count of servings, or of pieces when the serving is a weight or volume ("3 Gram(s)"
    # of drops), is already servings; pieces are divided by the pieces in one serving.
    if unit.lower().startswith("serving") or (serving_size and _MEASURE_UNITS.match(serving_size)):
        return round(units, 6), False
    return round(units / serving_quantity(serving_size), 6), False


_CHILD_PART = re.compile(
    r"\b(?:children|kids|child)\b(?P<age>[^.:;]{0,40}?)(?::|(?=\btake\b|\bchew\b|\bgive\b|\bdissolve\b))(?P<text>[^.;]*)",
    re.IGNORECASE,
)
_AGE = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?:-|–|to)?\s*(?:\d+\s*)?(?P<unit>months?|mos?|years?|yrs?)?", re.IGNORECASE)


def children_dose(directions: str | None, serving_size: str | None) -> tuple[float, float | None] | None:
    """(children's servings per day, youngest age in years the directions address), when
    the label gives children their own directions with a count; else None."""
    if not directions:
        return None
    m = _CHILD_PART.search(_plain(directions))
    if not m:
        return None
    spd, assumed = servings_per_day(m.group("text"), serving_size)
    if assumed:
        return None
    age = _AGE.search(m.group("age") or "")
    years = None
    if age:
        years = float(age.group("n"))
        if (age.group("unit") or "").lower().startswith("m"):
            years /= 12.0
    return spd, years


# A quantity before a dose unit, in any spelling a label uses, understood or not: fractions
# ("1/2", "½", "1½"), "one and a half", "a few". Where DOSE_RE reads none of them at that place,
# the directions name a dose the reader did not understand (SPEC "Dose semantics": review).
_ANY_QTY = (r"(?:\d+\s*/\s*\d+|\d*\s*[½¼¾⅓⅔]|\d+(?:[.,]\d+)?|one[\s-]+and[\s-]+a[\s-]+half|"
            r"one-half|half|several|a\s+few|few|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)")
_ANY_DOSE = re.compile(rf"(?<![\w/.,])(?P<q>{_ANY_QTY}(?:\s*(?:-|–|to|or)\s*{_ANY_QTY})?)\s*{_UNITS}\b",
                       re.IGNORECASE)
# Frequencies the parser has no rule for: "2x daily", "3× a day", "every 8 hours", "q.d.".
_ODD_FREQUENCY = re.compile(
    r"\b\d+\s*[x×]\s*(?:a\s+|per\s+|each\s+|/\s*)?(?:day|daily|week|weekly)\b|\bevery\s+\d+\s*(?:hours?|hrs?|h)\b|"
    r"\b(?:\d+|one|two|three|four|five|six)\s+times?\s+(?:a|per|each|every)?\s*month\b|\bmonthly\b",
    re.IGNORECASE)


def dose_problem(directions: str | None) -> str | None:
    """Plain words on a dose or frequency the directions give that ``servings_per_day`` cannot
    turn into a figure, else None."""
    if not directions or not directions.strip():
        return None
    text = _plain(adults_part(directions))
    understood = {(m.start(), m.end()) for m in DOSE_RE.finditer(text)}
    for m in _ANY_DOSE.finditer(text):
        # Understood only where the parser read this very quantity: "1/2 tablet" read as
        # "2 tablet", or "one and a half" as "half", is a misreading, not a reading.
        if (m.start(), m.end()) not in understood:
            return f"the directions give a dose the reader did not understand (\"{m.group(0).strip()}\")"
    odd = _ODD_FREQUENCY.search(text)
    if odd:
        return f"the directions give a frequency the reader did not understand (\"{odd.group(0).strip()}\")"
    return None
