"""The words of a panel's frame in the languages labels are printed in (``vocab.toml``).

Panels follow one of three conventions (US Supplement Facts, Canadian Medicinal Ingredients, EU
per-daily-dose with %NRV) and each is printed in its market's languages. The readers in panel.py
speak English; this module turns the vocabulary into patterns they use, and rewrites a panel's
head lines ("pro Tagesdosis (2 Kapseln)", "% VNR*") into the English they already read
("per daily dose (2 Kapseln)", "%NRV*"), so one set of rules serves every language.

Matching is case- and accent-insensitive: labels print "NÄHRWERTANGABEN", "Nahrwertangaben" and
"Nährwertangaben" alike, and drop accents on capitals ("INFORMACION NUTRICIONAL").
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

_TOML = Path(__file__).with_name("vocab.toml")
SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


@lru_cache(maxsize=1)
def data() -> dict:
    return tomllib.loads(_TOML.read_text("utf-8"))


def fold(text: str) -> str:
    """Lower case without accents: "Ingrédients Médicinaux" -> "ingredients medicinaux"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def compact(text: str) -> str:
    """``fold`` with spaces and hyphens removed: how a phrase reads whatever its letter-spacing."""
    return re.sub(r"[\s\-‐‑]+", "", fold(text))


def loose(phrase: str, gap: str = r"[\s\-‐‑]*") -> str:
    """A regex for ``phrase`` that accepts its letters with or without accents and ``gap`` (by
    default any run of spaces or hyphens, or none) where it has a space. Use with re.IGNORECASE."""
    out = []
    for ch in phrase:
        if ch == " " or (ch == "-" and gap == r"[\s\-‐‑]*"):
            out.append(gap)
            continue
        base = fold(ch)
        if base == ch.casefold():
            out.append(re.escape(ch))
        else:
            out.append(f"(?:{re.escape(ch)}|{re.escape(base)})")
    return "".join(out)


def alternation(phrases: Iterable[str], gap: str = r"[\s\-‐‑]*") -> str:
    """Longest first, so "daily dose" is not cut short by "day"."""
    return "|".join(loose(p, gap) for p in sorted(set(phrases), key=len, reverse=True))


# ---------------------------------------------------------------- headings

@lru_cache(maxsize=1)
def headings() -> tuple[tuple[str, str, bool, int], ...]:
    """(compact phrase, region, strong, words) for every heading, longest first.
    Weak headings ("Zusammensetzung", "Composition") need corroboration (see panel.find_headings)."""
    d = data()
    out = [(compact(p), region, True, len(p.split())) for region, ps in d["headings"].items() for p in ps]
    out += [(compact(p), region, False, len(p.split())) for region, ps in d["weak_headings"].items() for p in ps]
    return tuple(sorted(set(out), key=lambda h: len(h[0]), reverse=True))


@lru_cache(maxsize=1)
def page_markers() -> tuple[str, ...]:
    """Compact words that say a page may hold a panel (extract/prepass.py): every strong heading,
    the EU daily-dose column titles and the reference-value names after a percent sign."""
    d = data()
    marks = {compact(p) for ps in d["headings"].values() for p in ps}
    marks |= {compact(f"{per} {dd}") for per in d["columns"]["per"] for dd in d["columns"]["daily_dose"]
              if len(compact(dd)) >= 6}
    marks |= {"%" + compact(n) for n in d["columns"]["nrv"] if n.isalpha() and len(n) >= 2}
    marks.add("nrv")
    return tuple(sorted(marks))


# ---------------------------------------------------------------- a panel's head, in English

@lru_cache(maxsize=1)
def _head_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    c = data()["columns"]
    per = alternation(c["per"])
    daily = alternation(c["daily_dose"])
    nrv = alternation(n for n in c["nrv"] if n.isalpha())
    e = data()["each"]
    each, contains, dose = alternation(e["openers"]), alternation(e["closers"]), alternation(e["dose"])
    return (
        # "pro Tagesdosis", "par dose journalière", "Per dagdosis" -> "per daily dose"
        # (tightly letter-spaced panels print "PROTAGESDOSIS")
        (re.compile(rf"(?<!\w)(?:{per})\s*(?:{daily})(?!\w)", re.IGNORECASE), "per daily dose"),
        # "pro Kapsel", "par gélule", "por 2 cápsulas" -> "per Kapsel", "per gélule", "per 2 cápsulas",
        # where a column title begins: at the start of the line or after the column before it
        # ("... % VNR* Par gélule"), never inside a sentence ("prendre 2 gélules par jour")
        (re.compile(rf"(^|[*%|)\]¹]\s*)(?:{per})\s+(?=\d|[^\W\d_])", re.IGNORECASE), r"\1per "),
        # "Each dose (2 Capsules) contains" -> "Each 2 Capsules contains": the count is the serving
        (re.compile(rf"^((?:{each})\s+)(?:{dose})\s*\(\s*(\d+\s+[^()]+?)\s*\)(\s+(?:{contains})(?!\w))",
                    re.IGNORECASE), r"\1\2\3"),
        # "% VNR*", "%RI", "% der Referenzmenge" -> "%NRV*"
        (re.compile(rf"%\s*(?:(?:des|der|de|della|del)\s+)?(?:{nrv})(?!\w)", re.IGNORECASE), "%NRV"),
    )


def head_in_english(text: str) -> str:
    """A panel head line with its column titles said the English way (see the module docstring).
    Only the frame's words change; nothing else on the line does."""
    for rx, repl in _head_rules():
        text = rx.sub(repl, text)
    return text


@lru_cache(maxsize=1)
def panel_cue() -> re.Pattern[str]:
    """Words only an EU panel's table prints: a daily-dose column title, a %NRV column, or the
    footnote that spells out the reference value ("*VRN = valores de referencia de nutrientes").
    Run on text already passed through ``head_in_english``."""
    nrv = alternation(n for n in data()["columns"]["nrv"] if n.isalpha())
    return re.compile(rf"per\s+daily\s+dose|%\s*nrv|[*¹]\s*(?:{nrv})\s*[:=]", re.IGNORECASE)


# ---------------------------------------------------------------- the table's end

@lru_cache(maxsize=1)
def end_alternation() -> str:
    """Openings of lines that close a panel's table, in the languages (vocab.toml [end])."""
    return alternation(data()["end"]["openers"])


@lru_cache(maxsize=1)
def each_alternation() -> tuple[str, str]:
    e = data()["each"]
    return alternation(e["openers"]), alternation(e["closers"])


# ---------------------------------------------------------------- units

@lru_cache(maxsize=1)
def unit_pattern() -> str:
    """The unit of an amount, as labels spell it in any language; longest first ("mcg RAE" before
    "mcg", "I.E." before "IE"). Case-insensitive: ALL-CAPS panels print "125 MCG (5.000 I.E.)"."""
    u = data()["units"]
    mass_mcg = alternation(u["mcg"])
    rae = alternation(u["rae"] + ["dfe"])
    spellings = [rf"(?:{mass_mcg})\s*(?:{rae})(?![^\W\d_{SUPERSCRIPT_DIGITS}])",
                 alternation(u["mcg"] + u["mg"] + ["g"]), alternation(u["iu"])]
    # a footnote mark may follow ("100 mg³"): superscript digits are word characters to the regex
    return r"(?i:" + "|".join(spellings) + r")(?![^\W\d_" + SUPERSCRIPT_DIGITS + "])"


def normalise_unit(raw: str) -> str:
    """The SPEC's spelling of a printed unit: mcg, mg, g, IU, mcg RAE, mcg DFE."""
    u = data()["units"]
    low = fold(re.sub(r"\s+", " ", raw.strip()))
    flat = low.replace(" ", "")
    for spelling in sorted(u["mcg"], key=len, reverse=True):
        s = fold(spelling)
        if flat.startswith(s):
            rest = flat[len(s):]
            if rest == "dfe":
                return "mcg DFE"
            if rest and rest in {fold(r) for r in u["rae"]}:
                return "mcg RAE"
            if not rest:
                return "mcg"
    if flat in {fold(m).replace(" ", "") for m in u["mg"]}:
        return "mg"
    if flat in {fold(i).replace(" ", "") for i in u["iu"]}:
        return "IU"
    return low
