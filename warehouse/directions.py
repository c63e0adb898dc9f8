"""Servings per day from the directions, per SPEC "Dose semantics".

A small grammar, not a phrase list. The directions are cut into tokens:

- a *dose*: a count or range ("2", "two (2)", "1 to 2", "1/2", "½") before a dose unit in any of
  the label languages ("capsules", "gélules", "Kapseln", "capsule", "cápsulas", "tabletten"), or a
  bare count next to a frequency or a time of day ("2 in the morning", "take two daily");
- a *frequency*: "N times a day/week/month" (and its words in six languages, "2x", "zweimal"),
  "once or twice daily", "daily", "weekly", "every other/second day", "every N days",
  "every N hours", "N days a week", "with each meal";
- a *time of day* ("in the morning", "at bedtime", "with dinner", "abends", "le soir"): one intake;
- a *ceiling*: "do not exceed 8 lozenges per day", "maximum daily usage ... 12 lozenges".

Then: each dose takes the frequency or time of day printed with it; doses joined by "and" add up
(split doses), doses offered as alternatives ("3 at mealtime or 1 three times a day") take the
larger; a later sentence adds to the earlier ones when it says so ("another 2 tablets") or doses at
other times of day, otherwise it restates them. A count per day followed by how it is split ("2
daily, one in the morning and one in the evening") is that count once; "N days a week" scales the
day's intakes; a dose restated in another measure in brackets ("10 drops (0.5 ml)") is one dose. A
label's own daily ceiling is the daily figure (like a range's upper end). Only the adults'
directions count when children get their own.

Where the SPEC is silent (what a compliance analyst expects of a maximum daily dose):
- "with each meal" is three intakes a day (three main meals);
- "once or twice daily" is twice, a range of frequencies taking its upper end like a range of counts;
- "every N hours" is 24 / N intakes, the shortest interval of a range ("every 2-4 hours" -> 12);
- a month is taken as 30 days, and the product still goes to review (the SPEC gives no month).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

# ---------------------------------------------------------------- numbers

WORD_NUMBERS = {
    # English
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30,
    "half": 0.5, "one-half": 0.5, "one half": 0.5, "a half": 0.5,
    # French, German, Italian, Spanish, Dutch
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
    "ein": 1, "eine": 1, "einen": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6,
    "uno": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6,
    "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vijf": 5, "zes": 6,
}
_FRACTIONS = {"½": 0.5, "¼": 0.25, "¾": 0.75, "⅓": 1 / 3, "⅔": 2 / 3}
_WORDS = "|".join(sorted((re.escape(w) for w in WORD_NUMBERS), key=len, reverse=True))
# a count as printed: "1", "1.5", "1,5", "1/2", "1 1/2", "1½", "½", or a word
_QTY = rf"(?:\d+\s+\d\s*/\s*\d|\d+\s*/\s*\d+|\d*\s?[½¼¾⅓⅔]|\d+(?:[.,]\d+)?|(?:{_WORDS})(?![\w-]))"
_JOIN = r"(?:-|–|—|to|or|à|a|bis|oder|ou|o|tot|of)"
_RANGE = rf"(?:{_QTY}(?:\s*{_JOIN}\s*{_QTY})?)"


def number(text: str) -> float:
    """One count as printed: digits, a fraction, or a number word in a label language."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    if t in WORD_NUMBERS:
        return float(WORD_NUMBERS[t])
    m = re.fullmatch(r"(\d+) (\d) ?/ ?(\d)", t)
    if m:
        return int(m[1]) + int(m[2]) / int(m[3])
    m = re.fullmatch(r"(\d+) ?/ ?(\d+)", t)
    if m:
        return int(m[1]) / int(m[2]) if int(m[2]) else float(m[1])
    m = re.fullmatch(r"(\d*) ?([½¼¾⅓⅔])", t)
    if m:
        return (int(m[1]) if m[1] else 0) + _FRACTIONS[m[2]]
    return float(t.replace(",", "."))


def number_text(n: float) -> str:
    return f"{n:g}"


def upper_end(text: str) -> float:
    """A range's upper end ("1 to 2" -> 2, "two (2) to four (4)" -> 4), or the one count."""
    parts = re.findall(_QTY, text, re.IGNORECASE)
    return max(number(p) for p in parts) if parts else 1.0


# ---------------------------------------------------------------- units

_ADJ = (r"(?:veggie|vegetable|vegetarian|vegan|veg|plant[- ]based|liquid|soft|small|large|chewable|sublingual|"
        r"delicious|tasty|flavou?red|coated|enteric[- ]coated|film[- ]coated|easy[- ]to[- ]swallow|full|level|"
        r"heaping|rounded|\w+[- ]dissolving|dissolving|rapid[- ]release|extended[- ]release|mini|gelatin)")
_SERVING_UNITS = r"(?:servings?|portions?|doses?|portionen|porzione|porzioni|porciones|porción)"
_PIECE_UNITS = (
    # English
    r"softgels?|soft\s*gels?|gelcaps?|capsules?|caps|v-?caps?|vegcaps?|tablets?|tabs?|caplets?|gumm(?:y|ies)|"
    r"lozenges?|pastilles?|chewables?|chews?|drops?|dropperfuls?|droppers?|scoops?|packets?|sachets?|sticks?|"
    r"teaspoons?|tsp|tablespoons?|tbsp|sprays?|pumps?|wafers?|pearls?|pieces?|beadlets?|gels|vials?|ampoules?|"
    r"ml|"
    # French
    r"gélules?|comprimés?|gouttes?|cuillères?|cuillerées?|perles?|gommes?|"
    # German
    r"kapseln?|weichkapseln?|tabletten?|kautabletten?|lutschtabletten?|brausetabletten?|dragees?|tropfen|"
    r"beutel|messlöffel|presslinge?|perlen?|"
    # Italian
    r"capsul[ae]|perl[ae]|compress[ae]|tavolett[ae]|bustin[ae]|gocce|goccia|pastigli[ae]|opercol[oi]|"
    r"caramell[ae]|misurin[oi]|"
    # Spanish
    r"c[áa]psulas?|perlas?|comprimidos?|tabletas?|gomitas?|sobres?|gotas?|pastillas?|cucharad(?:it)?as?|"
    # Dutch
    r"tabletten|softgels?|kauwtabletten?|zuigtabletten?|druppels?|zakjes?|maatschepjes?|parels?"
)
_UNIT = rf"(?:{_SERVING_UNITS}|{_PIECE_UNITS})(?:\(s\)|\(en\))?"
# Units a serving is measured in that a count of pieces cannot be divided by.
_MEASURE_UNITS = re.compile(r"^\s*[\d.,]+\s*(?:g|gram|grams|gram\(s\)|mg|ml|mL|oz|fl|teaspoon|tsp|tablespoon|tbsp|"
                            r"scoop|dropper|drops?)(?![^\W\d_])", re.IGNORECASE)  # not "2 gélules"
_NOT_A_DOSE_UNIT = (r"(?:minutes?|mins?|hours?|hrs?|h|seconds?|years?|yrs?|months?|weeks?|days?|jours?|tage?n?|"
                    r"giorni|días|dagen|lbs?|pounds?|kg|kilos?|mg|mcg|µg|ug|g|iu|i\.u\.|oz|ounces?|cups?|glass(?:es)?|"
                    r"%|percent|am|pm|times?|x|×|fois|volte|veces|keer|maal|mal|ans|jahre?n?|anni|años|jaar)")

# ---------------------------------------------------------------- frequencies

_DAY = (r"(?:day|daily|24[\s-]*(?:hours?|hrs?|h)(?:\s*period)?|jour|journée|tag|täglich|giorno|giornata|día|dia|"
        r"dag|daags|dagelijks)")
_WEEK = r"(?:week|weekly|semaine|woche|wöchentlich|settimana|semana|wekelijks)"
_MONTH = r"(?:month|monthly|mois|monat|monatlich|mese|mes|maand)"
_PER = (r"(?:a|an|per|each|every|in|any|in\s+any|/|par|pro|am|je|in\s+der|al|alla|a\s+la|por|cada|in\s+de|"
        r"per\s+la|ogni)")
_TIMES_WORD = r"(?:times?|x|×|-?mal|fois|volte|volta|veces|vez|keer|maal)"
_ONCE = {"once": 1, "twice": 2, "thrice": 3, "einmal": 1, "zweimal": 2, "dreimal": 3, "viermal": 4,
         "eenmaal": 1, "tweemaal": 2, "driemaal": 3}
_ONCE_RE = "|".join(_ONCE)
_EVERY_OTHER = (
    r"(?:once\s+)?(?:every|each)\s+(?:other|second|2nd|alternate)\s+day|(?:on\s+)?alternate\s+days|"
    r"un\s+jour\s+sur\s+deux|aux\s+(?:deux|2)\s+jours|jeden\s+(?:zweiten|2\.)\s+tag|a\s+giorni\s+alterni|un\s+giorno\s+s[iì]\s+e\s+uno\s+no|"
    r"(?:en\s+)?d[íi]as\s+alternos|un\s+d[íi]a\s+s[íi]\s+y\s+otro\s+no|om\s+de\s+(?:andere\s+)?dag")
_EVERY_N_DAYS = (rf"(?:once\s+)?every\s+(?P<nd>{_QTY}|third|fourth)\s+days?|tous\s+les\s+(?P<nd2>{_QTY})\s+jours|"
                 rf"alle\s+(?P<nd3>{_QTY})\s+tage|ogni\s+(?P<nd4>{_QTY})\s+giorni|cada\s+(?P<nd5>{_QTY})\s+d[íi]as|"
                 rf"(?:om\s+de|elke)\s+(?P<nd6>{_QTY})\s+dagen")
# "every 2 weeks" (a high dose taken fortnightly), "every other week", "toutes les 2 semaines"
_EVERY_N_WEEKS = (rf"(?:once\s+)?(?:every|each)\s+(?P<nw>{_QTY}|other|second|2nd|alternate)\s+weeks?|"
                  rf"toutes\s+les\s+(?P<nw2>{_QTY})\s+semaines|alle\s+(?P<nw3>{_QTY})\s+wochen|"
                  rf"jede\s+(?P<nw4>zweite|2\.)\s+woche|ogni\s+(?P<nw5>{_QTY})\s+settimane|"
                  rf"cada\s+(?P<nw6>{_QTY})\s+semanas|(?:om\s+de|elke)\s+(?P<nw7>{_QTY})\s+weken")
_EVERY_N_HOURS = (rf"every\s+(?P<nh>{_RANGE})\s*(?:-|to)?\s*(?:hours?|hrs?|h)\b|"
                  rf"toutes\s+les\s+(?P<nh2>{_RANGE})\s+heures|"
                  rf"alle\s+(?P<nh3>{_RANGE})\s+stunden|ogni\s+(?P<nh4>{_RANGE})\s+ore|cada\s+(?P<nh5>{_RANGE})\s+horas|"
                  rf"(?:om\s+de|elke)\s+(?P<nh6>{_RANGE})\s+uur")
_MEAL = (r"(?:with|at|during)\s+(?:each|every)\s+(?:of\s+(?:your\s+)?(?:(?:three|3)\s+)?(?:main\s+|daily\s+)?)?meals?|"
         r"with\s+(?:three|3)\s+meals|à\s+chaque\s+repas|zu\s+jeder\s+(?:haupt)?mahlzeit|ad?\s+ogni\s+pasto|"
         r"con\s+cada\s+comida|bij\s+(?:elke|iedere)\s+maaltijd")
_WHEN = (
    r"(?:in\s+the\s+|each\s+|every\s+)?(?:morning|evening|afternoon|noon|midday|night)|"
    r"at\s+(?:bed\s*time|night|noon|lunch(?:time)?|"
    r"dinner(?:time)?|breakfast)|(?:before|after|with|at)\s+(?:your\s+)?(?:breakfast|lunch|dinner|supper|bed(?:time)?|"
    r"(?:desired\s+)?bedtime|mealtime|the\s+evening\s+meal|the\s+morning\s+meal)|upon\s+(?:waking|rising)|nightly|"
    r"le\s+matin|le\s+soir|le\s+midi|matin|soir|au\s+coucher|au\s+(?:petit[- ])?d[ée]jeuner|au\s+d[îi]ner|"
    r"morgens|abends|mittags|am\s+(?:morgen|abend|mittag)|zum\s+(?:frühstück|mittagessen|abendessen)|"
    r"vor\s+dem\s+schlafengehen|"
    r"al\s+mattino|la\s+mattina|alla\s+sera|la\s+sera|a\s+colazione|a\s+pranzo|a\s+cena|prima\s+di\s+coricarsi|"
    r"por\s+la\s+(?:mañana|noche|tarde)|(?:con|en)\s+el\s+desayuno|con\s+la\s+(?:comida|cena)|al\s+acostarse|"
    r"['’]s\s*(?:ochtends|morgens|avonds|middags)|bij\s+(?:het\s+)?(?:ontbijt|avondeten|avondmaal|de\s+lunch)|"
    r"voor\s+het\s+slapen(?:gaan)?")
_DAILY = (
    r"(?:once\s+)?(?:daily|a\s+day|per\s+day|each\s+day|every\s+day|everyday|(?:per|a|in\s+(?:any\s+)?)\s*24[\s-]*(?:hours?|hrs?|h))|"
    r"(?:une\s+fois\s+)?(?:par\s+jour|/\s*jour|chaque\s+jour|quotidiennement)|"
    r"(?:einmal\s+)?(?:täglich|pro\s+tag|am\s+tag|je\s+tag|jeden\s+tag)|"
    r"(?:una\s+volta\s+)?(?:al\s+giorno|giornalmente|ogni\s+giorno|quotidianamente)|"
    r"(?:una\s+vez\s+)?(?:al\s+d[íi]a|por\s+d[íi]a|diariamente|cada\s+d[íi]a)|"
    r"(?:(?:eenmaal|één\s+keer|een\s+keer)\s+)?(?:per\s+dag|dagelijks|elke\s+dag|iedere\s+dag|daags)")
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
# "Monday, Wednesday and Friday": as many intakes a week as days named
_WEEKDAYS = rf"(?:(?:every|each|on)\s+)?{_WEEKDAY}s?(?:\s*(?:,\s*and|,|and|&)\s*{_WEEKDAY}s?)+"
_WEEKLY = (r"(?:once\s+)?(?:weekly|a\s+week|per\s+week|each\s+week|every\s+week)|"
           rf"(?:every|each)\s+{_WEEKDAY}|on\s+{_WEEKDAY}s|"  # "1 capsule every Monday"
           r"(?:une\s+fois\s+)?(?:par\s+semaine|chaque\s+semaine)|(?:einmal\s+)?(?:wöchentlich|pro\s+woche|jede\s+woche)|"
           r"(?:una\s+volta\s+)?(?:alla\s+settimana|a\s+settimana|ogni\s+settimana)|"
           r"(?:una\s+vez\s+)?(?:a\s+la\s+semana|por\s+semana|cada\s+semana)|(?:eenmaal\s+)?(?:wekelijks|elke\s+week)")
_MONTHLY = r"(?:once\s+)?(?:monthly|a\s+month|per\s+month|each\s+month|every\s+month)"

_FREQ_RE = re.compile(
    # every token starts a word: the lookbehind fails fast where none can start
    rf"(?<![\w])(?:(?P<other>{_EVERY_OTHER})(?![\w])"
    rf"|(?P<ndays>{_EVERY_N_DAYS})(?![\w])"
    rf"|(?P<nweeks>{_EVERY_N_WEEKS})(?![\w])"
    rf"|(?P<hours>{_EVERY_N_HOURS})"
    rf"|(?P<times>(?:up\s+to\s+)?(?P<tn>{_RANGE})\s*{_TIMES_WORD}(?:\s*(?:{_PER}\s*)?(?P<tp>{_DAY}|{_WEEK}|{_MONTH}))?)(?![\w])"
    rf"|(?P<once>(?:up\s+to\s+)?(?P<on>(?:{_ONCE_RE})(?:\s*(?:or|to|-|oder|ou|o|of)\s*(?:{_ONCE_RE}))?)"
    rf"(?:\s*(?:{_PER}\s*)?(?P<op>{_DAY}|{_WEEK}|{_MONTH}))?)(?![\w])"
    rf"|(?P<dpw>(?P<dn>{_RANGE})\s+days?\s+(?:a|per|each|every|of\s+the)\s+week)(?![\w])"
    rf"|(?P<wdays>{_WEEKDAYS})(?![\w])"
    rf"|(?P<onoff>(?P<don>{_QTY})\s+days?\s+on\s*,?\s*(?:and\s+|then\s+)?(?P<doff>{_QTY})\s+days?\s+off)(?![\w])"
    rf"|(?P<meal>{_MEAL})(?![\w])"
    rf"|(?P<weekly>{_WEEKLY})(?![\w])"
    rf"|(?P<monthly>{_MONTHLY})(?![\w])"
    rf"|(?P<daily>{_DAILY})(?![\w])"
    rf"|(?P<when>{_WHEN})(?![\w])"
    r"|(?P<latin>\b(?:q\.?d|b\.?i\.?d|t\.?i\.?d|q\.?i\.?d)\b\.?))",
    re.IGNORECASE,
)
# The words a frequency can begin with (besides counts): only there is the long pattern tried.
_FREQ_FIRST = frozenset([
    "up", "once", "twice", "thrice", "morning", "evening", "afternoon", "everyday", "einmal", "zweimal", "dreimal",
    "viermal", "eenmaal", "tweemaal", "driemaal", "every", "each", "on", "alternate", "un", "une", "jeden", "a",
    "ad", "om", "en", "días", "dias", "tous", "alle", "ogni", "cada", "elke", "with", "at", "during", "à", "zu",
    "con", "bij", "in", "before", "after", "upon", "nightly", "le", "au", "matin", "soir", "morgens", "abends",
    "mittags", "am", "zum", "vor", "al", "la", "alla", "prima", "por", "voor", "'s", "’s", "daily", "per", "chaque",
    "quotidiennement", "täglich", "pro", "je", "una", "giornalmente", "quotidianamente", "diariamente", "één",
    "een", "iedere", "daags", "dagelijks", "weekly", "wöchentlich", "wekelijks", "monthly", "q", "b", "t", "/",
    "jede", "toutes", "par", "aux", "qd", "bid", "tid", "qid", "noon", "midday", "night", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "mondays", "tuesdays", "wednesdays", "thursdays",
    "fridays", "saturdays", "sundays",
]) | frozenset(WORD_NUMBERS)
_WORD_AT = re.compile(r"(?<![\w])([\w'’]+|[^\s\w])")


def _scan(rx: re.Pattern[str], firsts: frozenset[str], s: str) -> Iterator[re.Match[str]]:
    """``rx.finditer(s)``, tried only where a word in ``firsts`` (or a count) begins: a long
    alternation tried at every position of a sentence costs a millisecond."""
    end = 0
    for w in _WORD_AT.finditer(s):
        if w.start() < end:
            continue
        word = w.group(1).lower()
        if word[0].isdigit() or word[0] in "½¼¾⅓⅔" or word in firsts:
            m = rx.match(s, w.start())
            if m:
                yield m
                end = m.end()


_LATIN = {"qd": 1.0, "bid": 2.0, "tid": 3.0, "qid": 4.0}
# a product's own name between count and unit: "one Ultra Zinc Lozenge(R)", "one ViraBLOC® lozenge"
_NAME_WORD = r"(?-i:[A-Z])[\w'-]*(?:®|™|\((?:R|TM)\))?"
# one plain word too ("one zinc lozenge"), not a word that joins or times ("2 and 3", "1 daily")
_ANY_WORD = (r"(?!(?:and|or|to|with|in|of|per|a|an|the|daily|times?|each|every|at|for|take|than|und|et|e|y|en|"
             r"oder|ou|o|of)\b)[^\W\d_][\w-]*")
_DOSE_RE = re.compile(
    rf"(?<![\w/.,])(?:up\s+to\s+)?(?P<q>{_RANGE})\s*(?:[-–]\s*)?(?:(?:{_ADJ}|{_NAME_WORD})\s+){{0,3}}"
    rf"(?:{_ANY_WORD}\s+)?(?:[^\W\d_]+-)?(?P<unit>{_UNIT})(?:®|™|\((?:R|TM)\))?(?![\w])",
    re.IGNORECASE)
# a count with no unit; not one that another count restates ("take one 1-2 lozenges")
_BARE_RE = re.compile(rf"(?<![\w/.,%-])(?P<q>{_RANGE})(?![\w/%])(?!\s*{_NOT_A_DOSE_UNIT}(?![\w]))(?!\s*{_QTY})",
                      re.IGNORECASE)
_DOSE_VERB = re.compile(r"(?:take|chew|dissolve|swallow|consume|use|give|mix|add|prendre|croquer|einnehmen|nehmen|"
                        r"kauen|assumere|prendere|tomar|ingerir|neem|nemen|innemen|gebruik)\s*$", re.IGNORECASE)
# "do not exceed 8 lozenges per day", "maximum daily usage should not exceed 12 lozenges", "up to 12
# drops per day", "ne pas dépasser 4 gélules par jour", "nicht mehr als 2 Kapseln täglich"
_CEILING_RE = re.compile(
    rf"(?<![\w])(?P<pre>maximum\s+(?:daily\s+)?(?:usage|use|dose|intake|amount)?\s*(?:should\s+not\s+exceed|is|of)?|"
    rf"max(?:imum)?\.?\s*:?|(?:do\s+)?not\s+(?:to\s+)?exceed|no\s+more\s+than|up\s+to|ne\s+pas\s+d[ée]passer|"
    rf"nicht\s+mehr\s+als|höchstens|maximal|non\s+superare|non\s+pi[uù]\s+di|no\s+(?:superar|exceder|tomar\s+m[áa]s\s+de)|"
    rf"niet\s+meer\s+dan|maximaal|(?:do\s+not\s+)?take\s+more\s+than)\s+(?P<n>{_QTY})\s+"
    rf"(?:(?:{_ADJ}\s+)?(?P<unit>{_UNIT})(?![\w]))?(?P<tail>[^.;]{{0,30}})",
    re.IGNORECASE)
_DAY_CONTEXT = re.compile(rf"^\s*(?:{_PER}\s*)?(?:1\s+)?(?:{_DAY})|\b(?:{_DAILY})", re.IGNORECASE)
_VEHICLE = re.compile(r"^\s*(?:of\s+)?(?:water|juice|milk|liquid|beverage|fluid|wasser|eau|acqua|agua|water)\b|"
                      r"^\s*(?:of\s+)?(?:cold|warm|hot|room)", re.IGNORECASE)
# ("o" and "of", Italian/Spanish and Dutch for "or", are left out: English "of" is everywhere)
_ALTERNATIVE = re.compile(r"(?:^|\W)(?:or|ou|oder|alternatively|otherwise)(?:\W|$)", re.IGNORECASE)
# ("et plus" is French for "and older": "Adultes (19 ans et plus)")
_ADDS = re.compile(r"\b(?:another|additional|an\s+extra|also\s+take|(?<!\bet\s)plus|then\s+take|encore|weitere|otra|"
                   r"otro|altre?|nog)\b", re.IGNORECASE)
# "daily for 8 weeks, then 1 every other day": phases one after another, the larger day stands
_PHASE = re.compile(rf"\bfor\s+(?:the\s+first\s+)?(?:at\s+least\s+)?{_QTY}\s+(?:days?|weeks?|months?)\b",
                    re.IGNORECASE)
_THEN = re.compile(r"\b(?:then|thereafter|after\s+that|afterwards?|followed\s+by)\b", re.IGNORECASE)
# "1 capsule 3 times a day, for a total of 3 capsules per day": the day's count said again
_TOTAL = re.compile(r"\b(?:(?:for\s+)?a\s+total\s+of|total(?:l?ing)?|in\s+total|i\.e\.|that\s+is)\s*[:,]?\s*$",
                    re.IGNORECASE)
# (not after a German ordinal: "jeden 2. Tag" is one sentence)
# (nor at "capsules / day"; a slash set between spaces otherwise parts two languages: "Take 1 capsule
# daily / Prendre 1 capsule par jour")
_SENTENCES = re.compile(rf"(?<=[.!?;~|])\s+(?!(?:tag|woche|monat)\b)|\s+~\s*|\s*\|\s*|"
                        rf"\s+/\s+(?!(?:{_DAY}|{_WEEK}|{_MONTH})(?![\w]))", re.IGNORECASE)

# ---------------------------------------------------------------- ages

_CHILD = (r"(?:children|child|kids|teens?|teenagers|infants?|toddlers|enfants?|kinder(?:n)?|bambini|ni[ñn]os|"
          r"kinderen)")
_ADULT = r"(?:adults?|adultes?|erwachsene|adulti|adultos|volwassenen)"
_CHILD_START = re.compile(
    rf"(?:(?<=^)|(?<=[.:;!|(]\s)|(?<=[.:;!|(])|(?<=\bfor\s))\s*(?:for\s+)?{_CHILD}\b"
    rf"(?P<age>(?:[^.:;]|\.(?=\s*[a-z]))"  # "Children under 60 lbs. should use ..."
    rf"{{0,50}}?)"
    rf"(?::|(?=\b(?:take|chew|give|dissolve|use|should|may|prendre|nehmen|assumere|tomar|neem)\b)|,)"
    rf"|\b{_CHILD}\b(?P<age2>\s*(?:\(?\s*(?:ages?|aged|from|under|over|\d)[^.:;]{{0,40}}?)):",
    re.IGNORECASE)
_ADULT_START = re.compile(rf"\b{_ADULT}\b(?!\s+(?:dose|dosage|amount|serving))", re.IGNORECASE)
_AGE = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?:-|–|to)?\s*(?:\d+\s*)?(?P<unit>months?|mos?|years?|yrs?)?", re.IGNORECASE)


def _age_parts(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(the adults' text, [(children's age words, children's text)]). A children's part runs from
    "Children 4 to 12 years:" to the end of its sentence or the next adults' part; "Adults and
    children 12 years and older" is the adults' part."""
    children: list[tuple[str, str]] = []
    adult = text
    for m in reversed(list(_CHILD_START.finditer(text))):
        before = text[max(0, m.start() - 20):m.start()]
        if re.search(rf"\b{_ADULT}\s*(?:and|&|,|/)\s*$", before, re.IGNORECASE):
            continue
        end = m.end()
        stop = re.search(r"[.;!|](?:\s|$)", text[end:])
        nxt = _ADULT_START.search(text, end)
        cut = len(text) if stop is None else end + stop.end()
        if nxt is not None and nxt.start() < cut:
            cut = nxt.start()
        children.append((m.group("age") or m.group("age2") or "", text[end:cut]))
        adult = adult[:m.start()] + " " + adult[cut:]
    return adult, children[::-1]


# ---------------------------------------------------------------- the reading


@dataclass
class _Part:
    count: float
    unit: str | None
    start: int
    freq: list[float] = field(default_factory=list)
    when: set[str] = field(default_factory=set)
    week_days: float = 1.0  # "5 days a week": the share of days it is taken on
    daily: bool = False  # a count per day ("2 tablets daily"), which a split can restate

    def per_day(self) -> float:
        # "1 capsule in the morning and evening": each time of day is one intake; "twice daily,
        # 5 days a week": the days a week scale the day's intakes
        return self.count * (max(self.freq) if self.freq else max(1, len(self.when))) * self.week_days


# What one sentence of directions gives: its doses as (units a day, unit), their times of day, the sentence.
_SentenceDoses = tuple[list[tuple[float, str | None]], set[str], str]


@dataclass
class Reading:
    """What the grammar read: units a day per dose, in its unit; the label's ceiling; problems."""
    parts: list[tuple[float, str | None]] = field(default_factory=list)  # (units a day, unit) of the chosen doses
    ceiling: tuple[float, str | None] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def read(self) -> bool:
        return bool(self.parts) or self.ceiling is not None


_WORD_PAREN = re.compile(r"\b([^\W\d_][\w-]*)\s*[(\[](\d+)[)\]]")
_TENS = re.compile(r"(?:twenty|thirty|forty|fifty|sixty)(?:-\w+)?$", re.IGNORECASE)


_ARTICLE = re.compile(rf"\b(?:a|an|un|une|ein|eine|een|uno|una)\s+(?=(?:{_ADJ}\s+)?(?:{_PIECE_UNITS})\b)",
                      re.IGNORECASE)


_GLUED = re.compile(r"\b(to|or|up|than|exceed|take|of|à|bis|a)(?=\d)", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _plain(text: str) -> str:
    """ "one (1) lozenge" -> "1 lozenge"; "Three [3] tablets" -> "3 tablets"; one dash, one space."""
    text = re.sub(r"[‐‑‒–—]", "-", text)
    text = re.sub(r"\s*\n\s*", " | ", text.strip())  # a line of its own (a table under the directions) is a sentence
    text = _WORD_PAREN.sub(lambda m: m[2] if (m[1].lower() in WORD_NUMBERS or _TENS.match(m[1])) else m[0], text)
    text = re.sub(r"[(\[](\d+)[)\]]", r"\1", text)
    text = _ARTICLE.sub("1 ", text)
    text = _GLUED.sub(r"\1 ", text)  # "up to4 times daily": a space lost in the text layer
    return re.sub(r"\s+", " ", text)


def _freq_value(m: re.Match) -> tuple[float, str]:
    """(intakes a day, kind) of one frequency token."""
    def per(period: str | None) -> float:
        if not period:
            return 1.0
        p = period.lower()
        if re.fullmatch(_WEEK, p, re.IGNORECASE):
            return 1 / 7
        if re.fullmatch(_MONTH, p, re.IGNORECASE):
            return 1 / 30
        return 1.0
    if m.group("times"):
        return upper_end(m.group("tn")) * per(m.group("tp")), "month" if _is_month(m.group("tp")) else "freq"
    if m.group("once"):
        n = max(_ONCE[w.lower()] for w in re.findall(_ONCE_RE, m.group("on"), re.IGNORECASE))
        return n * per(m.group("op")), "month" if _is_month(m.group("op")) else "freq"
    if m.group("dpw"):
        return upper_end(m.group("dn")) / 7, "week_days"
    if m.group("onoff"):
        on, off = number(m.group("don")), number(m.group("doff"))  # "5 days on, 2 days off": a cycle
        return (on / (on + off) if on + off else 1.0), "week_days"
    if m.group("wdays"):
        return len(re.findall(_WEEKDAY, m.group("wdays"), re.IGNORECASE)) / 7, "freq"
    if m.group("other"):
        return 0.5, "freq"
    if m.group("ndays"):
        n = next(g for g in (m.group("nd"), m.group("nd2"), m.group("nd3"), m.group("nd4"), m.group("nd5"),
                             m.group("nd6")) if g)
        days = {"third": 3.0, "fourth": 4.0}.get(n.lower()) or number(n)
        return 1 / days, "freq"
    if m.group("nweeks"):
        n = next(g for g in (m.group("nw"), m.group("nw2"), m.group("nw3"), m.group("nw4"), m.group("nw5"),
                             m.group("nw6"), m.group("nw7")) if g)
        weeks = 2.0 if n.lower() in ("other", "second", "2nd", "alternate", "zweite", "2.") else number(n)
        return 1 / (7 * weeks), "freq"
    if m.group("hours"):
        n = next(g for g in (m.group("nh"), m.group("nh2"), m.group("nh3"), m.group("nh4"), m.group("nh5"),
                             m.group("nh6")) if g)
        low = min(number(p) for p in re.findall(_QTY, n, re.IGNORECASE))
        return (24 / low if low else 1.0), "freq"
    if m.group("meal"):
        return 3.0, "freq"  # three main meals: the most "with each meal" allows (module docstring)
    if m.group("weekly"):
        return 1 / 7, "freq"
    if m.group("monthly"):
        return 1 / 30, "month"
    if m.group("daily"):
        return 1.0, "daily"
    if m.group("latin"):
        return _LATIN[re.sub(r"\W", "", m.group("latin").lower())], "freq"
    return 1.0, "when"


def _is_month(period: str | None) -> bool:
    return period is not None and re.fullmatch(_MONTH, period, re.IGNORECASE) is not None


def _when_key(text: str) -> str:
    t = text.lower()
    for key, words in (("morning", r"morning|breakfast|waking|rising|matin|morgen|mattin|colazione|mañana|desayuno|"
                                   r"ochtend|ontbijt|d[ée]jeuner|frühstück"),
                       ("noon", r"noon|midday|lunch|afternoon|midi|mittag|pranzo|tarde|middag"),
                       ("evening", r"evening|dinner|supper|soir|abend|sera|cena|avond|d[îi]ner|comida"),
                       ("night", r"bed|night|coucher|schlafen|coricarsi|noche|acostarse|slapen")):
        if re.search(words, t):
            return key
    return t


@functools.lru_cache(maxsize=4096)
def read_directions(text: str) -> Reading:
    """The adults' doses, frequencies and ceiling in one set of directions (cached: one panel's
    directions are read for its servings, its children's dose and its review reasons; treat the
    reading as read-only)."""
    adult, kids = _age_parts(_plain(text))
    if kids and not _DOSE_RE.search(adult) and not re.search(_ADULT, adult, re.IGNORECASE):
        adult = " ".join(t for _, t in kids)  # a children's product: its only directions are the children's
    out = Reading()
    ceilings: list[tuple[float, str]] = []
    for m in _CEILING_RE.finditer(adult):
        if _is_limit(m) and (re.search(r"daily|day", m.group("pre"), re.IGNORECASE)
                             or _DAY_CONTEXT.search(m.group("tail"))):
            ceilings.append((number(m.group("n")), m.group("unit")))
    if ceilings:
        out.ceiling = max(ceilings, key=lambda c: c[0])
        doses = [upper_end(m.group("q")) for m in _DOSE_RE.finditer(_CEILING_RE.sub(" ", adult))
                 if out.ceiling[1] is None or _unit_class(m.group("unit")) == _unit_class(out.ceiling[1])]
        if doses and max(doses) > out.ceiling[0]:
            # "take 2 tablets ... do not exceed 1 tablet per day": one of the two figures is misread
            # (or misprinted); the dose stands and an analyst decides
            out.problems.append(f"the directions' daily maximum ({number_text(out.ceiling[0])}) is less than "
                                f"one dose they give ({number_text(max(doses))})")
            out.ceiling = None
    totals = []
    for sentence in _SENTENCES.split(adult):
        # a limit ("do not exceed 2 at a time") is not one more dose
        parts = _sentence_parts(_CEILING_RE.sub(lambda m: " " if _is_limit(m) else m[0], sentence).strip(), out)
        if parts:
            totals.append(parts)
    out.parts = _combine(totals)
    if not out.parts and out.ceiling is None:
        # "Take twice daily": no count anywhere, one serving each time
        values = [_freq_value(m) for m in _scan(_FREQ_RE, _FREQ_FIRST, adult)]
        freqs = [v for v, kind in values if kind in ("freq", "daily", "month", "week_days")]
        if freqs:
            out.parts = [(max(freqs), "serving")]
    return out


def _is_limit(m: re.Match) -> bool:
    """A limit on units ("do not exceed 8 lozenges", "no more than 2 in one day"); "up to 4 times
    daily" is a frequency instead."""
    if m.group("unit") is not None:
        return True
    return not (re.match(r"\s*up\s+to", m.group("pre"), re.I)
                or re.match(rf"\s*{_TIMES_WORD}(?![\w])", m.group("tail"), re.I))


def _sentence_parts(s: str, out: Reading) -> _SentenceDoses | None:
    """([(units a day, unit)] of the doses the sentence adds up, their times of day, the sentence)."""
    tokens: list[tuple[int, int, str, tuple[Any, ...]]] = []
    taken = [False] * (len(s) + 1)

    def free(a: int, b: int) -> bool:
        return not any(taken[a:b])

    def take(a: int, b: int) -> None:
        for i in range(a, b):
            taken[i] = True

    for m in _scan(_FREQ_RE, _FREQ_FIRST, s):
        value, kind = _freq_value(m)
        tokens.append((m.start(), m.end(), kind, (value, m.group(0))))
        take(m.start(), m.end())
        if kind == "month":
            out.problems.append(f"the directions give a monthly dose (\"{m.group(0).strip()}\"), taken as 30 days")
    for m in _DIVIDED.finditer(s):
        take(m.start(), m.end())  # "4 capsules a day in 2 divided doses": how the day's count is split
    last_dose = -1
    for m in _DOSE_RE.finditer(s):
        if not free(m.start("q"), m.end()):
            continue
        if last_dose >= 0 and re.fullmatch(r"\s*[(\[]\s*", s[last_dose:m.start()]):
            take(m.start(), m.end())  # "10 drops (0.5 ml)": the same dose in another measure
            continue
        if m.group("unit").lower() == "ml" and (
                _VEHICLE.match(s[m.end():])
                or re.search(r"\b(?:with|in|into|to)\s+(?:about\s+)?$", s[:m.start()], re.I)):
            continue  # "with 250 ml of water": what to take it in, not a dose
        tokens.append((m.start(), m.end(), "dose", (upper_end(m.group("q")), m.group("unit").lower())))
        take(m.start(), m.end())
        last_dose = m.end()
    for m in _BARE_RE.finditer(s):
        if not free(m.start(), m.end()):
            continue
        after = s[m.end():]
        nxt = next((t for t in sorted(tokens) if t[0] >= m.end()), None)
        near_freq = nxt is not None and nxt[2] != "dose" and re.fullmatch(r"[\s,]*", s[m.end():nxt[0]])
        by_verb = _DOSE_VERB.search(s[:m.start()]) and not re.match(r"\s*(?:of|to|or|-|et|und|e|y|en)\b", after)
        if near_freq or by_verb:
            tokens.append((m.start(), m.end(), "dose", (upper_end(m.group("q")), None)))
            take(m.start(), m.end())
    tokens.sort()
    parts: list[_Part] = []
    pending: list[tuple[str, tuple]] = []  # frequencies printed before their dose ("Täglich 1 Kapsel")
    last_end = 0
    for k, (start, end, kind, val) in enumerate(tokens):
        if kind == "dose":
            p = _Part(count=val[0], unit=val[1], start=start)
            for kd, v in pending:
                _attach(p, kd, v)
            pending.clear()
            parts.append(p)
        elif parts and not (kind == "when" and _AND.search(s[last_end:start]) and k + 1 < len(tokens)
                            and tokens[k + 1][2] == "dose" and re.fullmatch(r"[\s,]*", s[end:tokens[k + 1][0]])):
            _attach(parts[-1], kind, val)
        else:
            # "morgens 1 Kapsel und abends 1 Kapsel": a time of day after "and", set just before
            # a dose, is that dose's
            pending.append((kind, val))
        last_end = end
    if not parts:
        return None
    parts = _without_splits(parts, s)
    # alternatives: doses joined by "or" are offered one instead of the other
    groups: list[list[_Part]] = [[parts[0]]]
    for prev, p in pairwise(parts):
        gap = s[prev.start:p.start]
        if _ALTERNATIVE.search(_strip_tokens(gap)) or (_PHASE.search(gap) and _THEN.search(gap)):
            groups.append([p])
        else:
            groups[-1].append(p)
    best = max(groups, key=lambda g: sum(p.per_day() for p in g))
    return [(p.per_day(), p.unit) for p in best], set().union(*(p.when for p in best)), s


_DIVIDED = re.compile(rf"\b(?:in|into)\s+{_RANGE}\s+(?:(?:divided|separate|equal|split)\s+)?"
                      r"(?:doses|servings|portions)\b", re.IGNORECASE)
# words that join one more dose to a day's doses, not a restatement of them
_AND = re.compile(r"(?:^|\W)(?:and|plus|then|also|et|und|e|y|en|&)(?:\W|$)", re.IGNORECASE)


def _without_splits(parts: list[_Part], s: str) -> list[_Part]:
    """ "2 tablets daily, one in the morning and one in the evening", "2 Kapseln täglich, je 1 morgens
    und abends": doses at times of day that follow a count per day and add up to it say how that
    count is split over the day; they are not more of it."""
    out: list[_Part] = []
    i = 0
    while i < len(parts):
        p = parts[i]
        if p.daily and out and _TOTAL.search(s[out[-1].start:p.start]) and abs(
                sum(q.per_day() for q in out) - p.per_day()) < 1e-9:
            i += 1  # the day's total of the doses before it
            continue
        out.append(p)
        i += 1
        if not p.daily or p.when or i >= len(parts) or _AND.search(_strip_tokens(s[p.start:parts[i].start])):
            continue
        total = 0.0
        for j in range(i, len(parts)):
            q = parts[j]
            if q.daily or not (q.when or q.freq) or (q.unit is not None and _unit_class(q.unit) != _unit_class(p.unit)):
                break
            total += q.per_day()
            if abs(total - p.per_day()) < 1e-9:
                i = j + 1
                break
    return out


def _strip_tokens(gap: str) -> str:
    """The words between two doses without the frequency words that hold an "or" of their own."""
    for m in reversed(list(_scan(_FREQ_RE, _FREQ_FIRST, gap))):
        gap = gap[:m.start()] + " " + gap[m.end():]
    return re.sub(rf"{_RANGE}", " ", gap, flags=re.IGNORECASE)


def _attach(p: _Part, kind: str, val: tuple) -> None:
    value, words = val
    if kind == "when":
        p.when.add(_when_key(words))
    elif kind == "week_days":
        p.week_days = value
    elif kind in ("freq", "daily", "month"):
        p.freq.append(value)
        p.daily = p.daily or kind == "daily"


def _combine(sentences: list[_SentenceDoses]) -> list[tuple[float, str | None]]:
    """A later sentence adds its doses when it says so or doses at other times of day; else it
    restates the directions (in another language, or in other words) and the larger stands."""
    chosen: list[tuple[float, str | None]] = []
    times: set[str] = set()
    prev_text = ""
    for parts, when, text in sentences:
        if not chosen:
            chosen, times, prev_text = list(parts), set(when), text
            continue
        # "Take 1 daily for 8 weeks. Then take 1 every other day.": the next phase, not more of it
        phase = bool(_PHASE.search(prev_text) and _THEN.match(text.lstrip(" ,;:-")))
        if not phase and (_ADDS.search(text) or (when and times and not (when & times))):
            chosen += parts
            times |= when
        elif sum(u for u, _ in parts) > sum(u for u, _ in chosen):
            chosen, times = list(parts), set(when)
        prev_text = text
    return chosen


# ---------------------------------------------------------------- servings

def serving_quantity(serving_size: str | None) -> float:
    """The count in the (adults') serving size: "2 Capsules (adults), 1 Capsule (children)" -> 2,
    "Adults 2 Capsules; Children 1 Capsule" -> 2, "1/2 Tablet" -> 0.5."""
    if serving_size:
        s = _plain(serving_size)
        s = re.sub(rf"\b{_CHILD}\b[^;,]*", " ", s, flags=re.IGNORECASE) if re.search(_ADULT, s, re.I) else s
        m = re.search(rf"(?<![\w.])(?P<n>{_QTY})", s, re.IGNORECASE)
        if m:
            n = number(m.group("n"))
            if n > 0:
                return n
    return 1.0


def _is_serving_unit(unit: str | None) -> bool:
    return unit is not None and re.fullmatch(_SERVING_UNITS + r"(?:\(s\))?", unit, re.IGNORECASE) is not None


def servings_per_day(directions: str | None, serving_size: str | None) -> tuple[float, bool]:
    """(servings per day, assumed). A range takes its upper end; no usable directions -> (1, True)."""
    if not directions or not directions.strip():
        return 1.0, True
    r = read_directions(directions)
    if not r.read:
        return 1.0, True
    return round(_to_servings(r, serving_size), 6), False


_UNIT_CLASSES = (
    ("softgel", r"softgel|soft\s*gel|gelcap|weichkapsel|perl|parel|capsules?\s+moll"),
    ("capsule", r"cap|gélule|kapsel|c[áa]psul|opercol"),
    ("tablet", r"tab|caplet|comprim|compress|tavolett|dragee|pressling"),
    ("lozenge", r"lozenge|pastil"),
    ("gummy", r"gumm|gomit|chew"),
    ("dropper", r"dropper"),
    ("drop", r"drop|goutt|tropfen|gocc|gota|druppel"),
    # measures a serving can be printed in as well as a dose
    ("scoop", r"scoop|messlöffel|misurin|maatschep"),
    ("teaspoon", r"teaspoon|tsp"),
    ("tablespoon", r"tablespoon|tbsp"),
    ("ml", r"ml(?![\w])"),
)


def _unit_class(unit: str | None) -> str | None:
    if not unit:
        return None
    u = unit.lower()
    return next((name for name, pattern in _UNIT_CLASSES if re.match(pattern, u)), None)


def _to_servings(r: Reading, serving_size: str | None) -> float:
    q = serving_quantity(serving_size)
    measured = bool(serving_size and _MEASURE_UNITS.match(serving_size))
    serving_unit = _unit_class(re.sub(r"^[\s\d.,/½¼¾]+", "", _plain(serving_size))) if serving_size else None
    kinds = {_unit_class(u) for _, u in r.parts if u} - {None}
    if serving_unit in kinds and len(kinds) > 1:
        # "one tablet and one softgel capsule daily" against "Serving Size 1 Tablet": a pack of two
        # products, its servings counted in the serving's own unit
        r = Reading(parts=[(n, u) for n, u in r.parts if u is None or _unit_class(u) == serving_unit],
                    ceiling=r.ceiling)

    def servings(units: float, unit: str | None) -> float:
        # A count of servings, or of pieces when the serving is a weight or volume ("3 Gram(s)" of
        # drops), is already servings; pieces are divided by the pieces in one serving, and so are
        # drops, scoops or ml counted in the serving's own unit ("Serving Size 10 Drops", "take 10
        # drops daily").
        if _is_serving_unit(unit) or (measured and (serving_unit is None or _unit_class(unit) != serving_unit)):
            return units
        return units / q

    if r.ceiling is not None:
        return servings(*r.ceiling)  # the label's own daily maximum
    return sum(servings(u, unit) for u, unit in r.parts)


def children_dose(directions: str | None, serving_size: str | None) -> tuple[float, float | None] | None:
    """(children's servings per day, youngest age in years the directions address), when
    the label gives children their own directions with a count; else None."""
    if not directions:
        return None
    adult, kids = _age_parts(_plain(directions))
    if not re.search(_ADULT, adult, re.IGNORECASE) and not _DOSE_RE.search(adult):
        return None
    for age_words, text in kids:
        spd, assumed = servings_per_day(text, serving_size)
        if assumed:
            continue
        age = _AGE.search(age_words or "")
        years = None
        if age:
            years = float(age.group("n"))
            if (age.group("unit") or "").lower().startswith("m"):
                years /= 12.0
        return spd, years
    return None


# A quantity before a dose unit in any spelling a label uses, understood or not ("a few capsules",
# "several tablets"): where the grammar read none at that place, the directions name a dose the
# reader did not understand (SPEC "Dose semantics": review).
_ANY_DOSE = re.compile(rf"(?<![\w/.,])(?P<q>(?:several|a\s+few|few|some|multiple|mehrere|plusieurs|alcune|varias|"
                       rf"enkele)\s+(?:{_ADJ}\s+)?{_UNIT})(?![\w])", re.IGNORECASE)


_ONCE_A_DAY = re.compile(rf"(?:up\s+to\s+)?(?:once|einmal)(?:\s*(?:{_PER}\s*)?(?:{_DAY}))?", re.IGNORECASE)
_ANY_PERIOD = re.compile(rf"(?<![\w])(?:{_DAY}|{_WEEK}|{_MONTH})(?![\w])", re.IGNORECASE)


def dose_problem(directions: str | None) -> str | None:
    """Plain words on a dose or frequency the directions give that ``servings_per_day`` cannot
    turn into a figure, else None."""
    if not directions or not directions.strip():
        return None
    r = read_directions(directions)
    adult, _ = _age_parts(_plain(directions))
    odd = _ANY_DOSE.search(adult)
    if odd:
        return f"the directions give a dose the reader did not understand (\"{odd.group(0).strip()}\")"
    if r.problems:
        return r.problems[0]
    if not r.read and re.search(r"\b(?:take|chew|dissolve|swallow|prendre|einnehmen|assumere|tomar|neem)\b",
                                adult, re.I) and re.search(r"(?<![\w/.,])\d", adult):
        return "the directions give a dose the reader did not understand"
    plain = _plain(directions)
    if r.parts and r.ceiling is None and not _FREQ_RE.search(plain) and not _ANY_PERIOD.search(plain):
        # "Dissolve 1 lozenge", "take one as needed": a dose with no frequency is one a day only by
        # assumption, and the daily amount the rules read could be several times the one judged
        return "the directions give a dose but not how often to take it: once a day was assumed"
    if r.parts:
        for sentence in _SENTENCES.split(adult):
            # "Take 1 capsule. Twice daily.", or a neighbour's words splitting "Two gummies … with each
            # of three meals": a count of times in a sentence with no dose of its own, which the
            # reader did not tie to the dose before it
            m = next((m for m in _FREQ_RE.finditer(sentence)
                      if m.lastgroup not in ("daily", "when") and not _ONCE_A_DAY.fullmatch(m.group(0))), None)
            own = read_directions(sentence).parts
            if m and not _DOSE_RE.search(sentence) and not set(own) <= set(r.parts):
                return (f"the directions set how often (\"{m.group(0).strip()}\") apart from the dose; "
                        "the reader could not tell which dose it counts")
    return None


def serving_problem(directions: str | None, serving_size: str | None) -> str | None:
    """Plain words when the directions count pieces ("take 2 capsules twice daily") but no serving
    size was read to count them against: the servings per day would be a guess."""
    if not directions or (serving_size and re.search(rf"(?<![\w.]){_QTY}", _plain(serving_size), re.IGNORECASE)):
        return None
    r = read_directions(directions)
    counts = [(n, u) for n, u in (r.parts + ([r.ceiling] if r.ceiling else [])) if not _is_serving_unit(u)]
    if counts:
        return ("no serving size was read, so the directions' count of units a day could not be turned into "
                "servings per day")
    return None
