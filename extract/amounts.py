"""Reading the amount and %DV columns of a panel row from its text."""
from __future__ import annotations

import re

from extract import vocab
from extract.records import RowRecord

# Every spelling of the units in the languages (extract/vocab.toml [units]): "12,5 µg", "500 I.E.",
# "400 UI", "800 µg RE", longest first so "mcg RAE" is not read as "mcg".
_UNIT = vocab.unit_pattern()
_NUM = r"\d[\d,]*(?:\.\d+)?|\.\d+"
_MARKS = rf"[†‡*§¶{vocab.SUPERSCRIPT_DIGITS}]*"  # footnote marks, superscript numbers among them

# French, Belgian and Swiss labels group thousands with a space: "5 000 UI", "(4 000 IU)". Read so
# only inside parentheses or before an IU spelling, where a name's last digits ("Omega 3 500 mg")
# cannot be taken for the leading group.
_NUM_SP = r"(?<![\w.,])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d,.])"
_IU = vocab.alternation(vocab.data()["units"]["iu"])

_FIRST = rf"(?:<\s*)?(?P<n1>{_NUM_SP}(?=\s*(?i:{_IU})(?![^\W\d_]))|{_NUM})\s*(?P<u1>{_UNIT}){_MARKS}"
# The second units in brackets: "125 mcg (5,000 IU)", "125 mcg [5,000 IU]".
AMOUNT_RE = re.compile(
    rf"(?P<amt>{_FIRST}"
    rf"(?:\s*[(\[]\s*(?P<n2>{_NUM_SP}|{_NUM})\s*(?P<u2>{_UNIT}){_MARKS}\s*[)\]]{_MARKS})?)"
)
# ... or after a slash or an equals sign: "125 mcg/5,000 IU", "5000 IU = 125 mcg". Taken only where one
# side is in IU and the other a mass (see _parse_plain): "125 mcg / 250 mcg" is two columns, not a conversion.
PAIR_RE = re.compile(rf"(?P<amt>{_FIRST}\s*[/=]\s*(?P<n2>{_NUM_SP}|{_NUM})\s*(?P<u2>{_UNIT}){_MARKS})")
DV_RE = re.compile(rf"(?P<dv>(?:<\s*)?(?P<dvn>{_NUM})\s*%{_MARKS}|[†‡*]+)$")
# The amount must be the tail of the row (before an optional %DV), so digits inside
# names ("Vitamin B12", "DSM 17938", "50% as beta-carotene") are never read as amounts.
_DV_TAIL = rf"\s*(?:(?P<dv>(?:<\s*)?(?P<dvn>{_NUM})\s*%{_MARKS}|[†‡*]+))?\s*$"
ROW_TAIL_RE = re.compile(rf"^(?P<name>.*?)\s+{AMOUNT_RE.pattern}{_DV_TAIL}")
ROW_PAIR_RE = re.compile(rf"^(?P<name>.*?)\s+{PAIR_RE.pattern}{_DV_TAIL}")
# A mark set on the mass unit of a vitamin A amount whose "RAE" wrapped under it in a narrow cell
# ("600 mcg†" / "RAE", gathered as "600 mcg† RAE"): the mark belongs after the whole unit.
_MARK_BEFORE_RAE = re.compile(
    rf"(?<=\d)(?P<u>\s*(?:mcg|µg|μg|ug))(?P<m>[†‡*§¶]+)\s+(?P<q>{vocab.alternation(vocab.data()['units']['rae'])})\b",
    re.IGNORECASE)
PROVIDING_RE = re.compile(
    rf"providing\s+(?P<n>{_NUM})\s*(?P<u>{_UNIT})\s+(?:of\s+)?(?:elemental|element)",
    re.IGNORECASE,
)


def normalise_unit(raw: str) -> str:
    return vocab.normalise_unit(raw)


def parse_number(raw: str, decimal_comma: bool = False) -> float:
    """ "1,000" -> 1000 (US and Canada: the comma groups thousands).

    EU panels (``decimal_comma``) print decimal commas: "12,5" -> 12.5, "0,125" -> 0.125. A comma
    followed by exactly three digits ("1,500") is ambiguous there; it is read as a thousands
    separator (English-language EU labels group thousands with commas, and a decimal comma with
    three decimals is rare on a label); normalise.py re-reads it as a decimal when the row's %NRV
    fits only that reading.
    """
    if decimal_comma and "," in raw and not is_thousands(raw):
        return float(raw.replace(".", "").replace(",", "."))
    return float(raw.replace(",", ""))


def is_thousands(raw: str) -> bool:
    """Commas that can only group thousands: "1,000", "12,500,000" (not "0,125", "12,5")."""
    return bool(re.fullmatch(r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?", raw))


# "(providing 100 mg elemental magnesium)": a note on the amount, not part of the name.
NOTE_RE = re.compile(r"\(\s*(?:providing|supplying|yielding|which\s+provides)\b", re.IGNORECASE)
_TAIL_DV = re.compile(rf"\s((?:<\s*)?(?:{_NUM})\s*%{_MARKS}|[†‡*]+)\s*$")


def split_note(text: str) -> tuple[str, str, bool]:
    """(text without the note, the note, whether the note runs on to the next line)."""
    m = NOTE_RE.search(text)
    if not m:
        return text, "", False
    close = text.find(")", m.end())
    if close != -1:
        return (text[: m.start()] + text[close + 1 :]).strip(), text[m.start() : close + 1], False
    dv = _TAIL_DV.search(text, m.end())
    if dv:
        return (text[: m.start()] + " " + dv.group(1)).strip(), text[m.start() : dv.start()].strip(), True
    return text[: m.start()].strip(), text[m.start() :].strip(), True


def parse_row_text(text: str, decimal_comma: bool = False) -> RowRecord | None:
    """Split ``"Vitamin D3 (as cholecalciferol) 125 mcg (5,000 IU) 625%"`` into its parts.

    Returns None when the text carries no amount (a wrapped name line, a blend member).
    A "(providing N mg elemental ...)" note is taken out and read as the elemental amount.
    """
    text, note, _ = split_note(text.strip())
    text = _MARK_BEFORE_RAE.sub(r"\g<u> \g<q>\g<m>", text)
    row = _parse_plain(text, decimal_comma)
    if row is not None and note:
        row.note = note
        apply_providing(row, note)
    return row


def _parse_plain(text: str, decimal_comma: bool = False) -> RowRecord | None:
    m = ROW_PAIR_RE.match(text.strip())
    if m is None or (normalise_unit(m.group("u1")) == "IU") == (normalise_unit(m.group("u2")) == "IU"):
        m = ROW_TAIL_RE.match(text.strip())
    if not m or not m.group("name").strip():
        return None
    row = RowRecord(label_text=m.group("name").strip())
    row.amount_text = m.group("amt").strip()
    row.unit = normalise_unit(m.group("u1"))
    row.amount = _number(m.group("n1"), row.unit, decimal_comma)
    if m.group("n2"):
        row.alt_unit = normalise_unit(m.group("u2"))
        row.alt_amount = _number(m.group("n2"), row.alt_unit, decimal_comma)
    if m.group("dv"):
        row.dv_text = m.group("dv").strip()
        if m.group("dvn"):
            row.percent_dv = parse_number(m.group("dvn"), decimal_comma)
    apply_providing(row, row.label_text)
    return row


def _number(raw: str, unit: str, decimal_comma: bool) -> float:
    raw = re.sub(r"[ \u00a0\u202f]", "", raw)  # "5 000": a space groups thousands (see _NUM_SP)
    if decimal_comma and unit == "IU" and re.fullmatch(r"[1-9]\d{0,2}(?:\.\d{3})+", raw):
        return float(raw.replace(".", ""))  # "1.000 IU": IU are never fractional, the point groups thousands
    return parse_number(raw, decimal_comma)


def parse_row_columns(text: str, columns: int, pick: int, decimal_comma: bool = False) -> RowRecord | None:
    """A row of a panel with ``columns`` amount columns ("Per 1 Capsule | Per 2 Capsules"), each an
    amount with an optional %DV: the name and the amount of column ``pick`` (0-based).

    The columns are peeled off the end of the row one at a time; a row with fewer amounts than
    columns (a blend member, a nutrient given for one column only) keeps what it has, left first."""
    if columns <= 1:
        return parse_row_text(text, decimal_comma)
    found: list[RowRecord] = []
    rest = text.strip()
    for _ in range(columns):
        row = parse_row_text(rest, decimal_comma)
        if row is None:
            break
        found.append(row)
        rest = row.label_text
    if not found:
        return None
    found.reverse()  # left to right
    chosen = found[min(pick, len(found) - 1)]
    chosen.label_text = found[0].label_text
    return chosen


def apply_providing(row: RowRecord, text: str) -> bool:
    m = PROVIDING_RE.search(text)
    if not m:
        return False
    row.elemental_amount = parse_number(m.group("n"))
    row.elemental_unit = normalise_unit(m.group("u"))
    return True
