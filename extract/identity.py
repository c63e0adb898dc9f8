"""Brand and product name read off a label, by evidence rather than by position alone.

Where no manifest names them, a label says who made a product and what it is in a few places:
an imprint line ("Distributed by Sunward, Austin, TX"), the masthead over the panel (brand and
name set apart from the prose, one of them usually in the largest type), and catalog titles
("Brand – Product", "Brand • 60 Capsules"). Which masthead line is the brand and which the name
is decided by what the words are: a name repeats what the panel declares (Vitamin D3, K2,
Magnesium, IU...) or says what kind of product it is (Complex, Formula, Softgels); a brand is
the one the imprint names, or ends in a company word (Labs, Naturals, Co.). Claims and badges
("Gluten Free", "Supports healthy bones*", "Third-party tested"), prose and counts are never
taken for either. Where nothing names a brand, it stays unknown rather than borrowing a line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from extract.layout import Line
from extract.panel import clean

# "Manufactured for X, City", "Distributed by X." and their kin in the EU languages: X is the brand.
_IMPRINT = re.compile(
    r"(?:\b(?:manufactured|distributed|made|packed|produced|marketed|imported|bottled|packaged)\s+"
    r"(?:exclusively\s+|in\s+the\s+usa\s+)?(?:for|by)\b"
    r"|\bhergestellt\s+(?:f[üu]r|von)\b|\bvertrieben\s+(?:von|durch)\b|\b(?:vertrieb|hersteller|inverkehrbringer)\s*:"
    r"|\bfabriqu[ée]e?\s+(?:pour|par)\b|\bdistribu[ée]e?\s+par\b|\bimport[ée]e?\s+par\b|\b(?:distributeur|fabricant)\s*:"
    r"|\bprodott[oa]\s+(?:per|da)\b|\bdistribuit[oa]\s+da\b|\bimportat[oa]\s+da\b|\b(?:distributore|produttore)\s*:"
    r"|\bfabricad[oa]\s+(?:para|por)\b|\bdistribuid[oa]\s+por\b|\bimportad[oa]\s+por\b|\b(?:distribuidor|fabricante)\s*:"
    r"|\bgeproduceerd\s+(?:voor|door)\b|\bgedistribueerd\s+door\b|\bvervaardigd\s+(?:voor|door)\b"
    r"|\bge[iï]mporteerd\s+door\b)"
    r"\s*:?\s*(?P<x>[^,;|•·\n]+)",
    re.IGNORECASE,
)
# The company's legal form is not part of its brand ("Heron Bay Naturals GmbH").
_LEGAL_FORM = re.compile(r"[,\s]+(?:inc|llc|ltd|limited|corp|corporation|gmbh|ag|s\.?a|b\.?v|n\.?v|s\.?r\.?l|s\.?p\.?a|"
                         r"s\.?l|s\.?a\.?s|sarl|co\.?\s*kg)\.?$", re.IGNORECASE)
_COUNT_SUFFIX = re.compile(
    r"\s*[–—-]\s*\d[\d,]*\s+(?:veggie\s+|vegetarian\s+|liquid\s+)?(?:softgels?|capsules?|tablets?|gummies|caplets?|lozenges?|drops?|servings?)\b.*$",
    re.IGNORECASE,
)
# "Northwind Naturals • 30 Tablets": a catalog's brand line under the product's title.
_BRAND_COUNT = re.compile(r"^(?P<b>[^•|]+?)\s*[•|]\s*\d[\d,]*\s+[A-Za-z]")
_NOT_A_NAME = re.compile(
    r"supplement\s+facts|dietary\s+supplement|food\s+supplement|nahrungserg[äa]nzung|compl[ée]ment\s+alimentaire|"
    r"integratore\s+alimentare|complemento\s+alimenticio|voedingssupplement|why\s+you|statements\s+have|"
    r"^\d[\d,]*\s+\w+$|^page\s+\d|catalog|www\.|https?:|@|\bsku\b|msrp|^[*†‡]|\b(?:npn|din)\s*\d|"
    r"\bper\s+(?:serving|daily|container)|servings?\s+per|serving\s+size|amount\s+per|%\s*(?:dv|daily|nrv)",
    re.IGNORECASE,
)
# Claims: on the label to sell, never to name. Badges ("Gluten Free", "Non-GMO") too, unless
# the line also says what the product is ("Sugar-Free Vitamin D3 Gummies").
_CLAIM = re.compile(
    r"[*†‡]\s*$|\btested\b|\bcertified\b|\bverified\b|\bapproved\b|\bno\s+artificial\b|\beasy[-\s]to\b|"
    r"\bsupports?\s+\w|\bpromotes?\b|\bhelps?\b|\bmaintains?\b|\bclinically\b|\bmade\s+(?:in|with)\b|\bc?gmp\b|"
    r"\bsustainabl|\bsourced\b|\bguarantee|\bsatisfaction\b|\bimproved\b|\bbonus\b|\bpharmacist\b|"
    r"\bdoctor\s+recommended\b|#\s*1\b|\bbest[-\s]sell",
    re.IGNORECASE,
)
_BADGE = re.compile(
    r"\bfree\b|\bnon[-\s]?gmo\b|\bgmo\b|\bgluten\b|\b(?:kosher|halal|vegan|vegetarian|organic)\b|\bfriendly\b",
    re.IGNORECASE,
)
_AMOUNT_ONLY = re.compile(r"^[\d.,]+\s*(?:iu|i\.u\.|mcg|µg|ug|mg|g|%)?$", re.IGNORECASE)
_STOPWORDS = {"with", "and", "&", "+", "of", "for", "the", "a", "an", "plus", "und", "et", "e", "y", "en", "mit",
              "avec", "con", "met", "di", "de", "du", "des", "la", "le"}
# Words that say what a product is (beyond the panel's own nutrient names).
_PRODUCT_WORDS = {
    "vitamin", "vitamins", "vitamine", "vitamina", "vitamines", "multivitamin", "multi", "mineral", "minerals",
    "iu", "mcg", "mg", "µg", "ug", "d", "d2", "d3", "k", "k1", "k2", "mk", "a", "b", "c", "e", "b12", "b6",
    "complex", "formula", "blend", "support", "potency", "strength", "extra", "max", "maximum", "ultra",
    "daily", "softgels", "softgel", "capsules", "tablets", "gummies", "drops", "liquid", "chewable", "chewables",
    "adult", "adults", "kids", "children", "women", "men", "prenatal", "bone", "bones", "heart", "immune", "joint",
    "energy", "sleep", "calm", "synergy", "triple", "high", "mag", "cal", "omega", "fish", "oil", "probiotic",
    "probiotics", "glycinate", "citrate", "chelated", "bisglycinate", "malate", "oxide", "carbonate", "whole",
    "food", "vegan", "plant", "based", "weekly", "once", "essential", "essentials", "magnesium", "calcium", "zinc",
    "iron", "magnesio", "calcio", "magnésium", "zink", "cholecalciferol", "menaquinone",
}
# Words that end a company's name.
_COMPANY_WORDS = {
    "naturals", "natural", "nutrition", "nutritionals", "nutraceuticals", "labs", "lab", "laboratories",
    "laboratory", "health", "wellness", "vitamins", "pharma", "pharmaceuticals", "pharmacy", "organics",
    "botanicals", "botanica", "apothecary", "herbs", "herbals", "foods", "research", "formulas", "sciences",
    "science", "life", "supply", "co", "company", "inc", "llc", "ltd", "gmbh", "ag", "bv", "srl", "sa", "brands",
    "farms", "therapeutics", "remedies", "solutions", "biotics", "group", "industries", "corp", "corporation",
}
_BADGE_WORDS = {"vegan", "plant", "based", "food", "whole"}
_TOKEN = re.compile(r"[^\W_]+")
_TIGHT_AMP = re.compile(r"(?<=[^\W\d_]{3})&(?=[^\W\d_]{2})")
_ABBREVIATIONS = ("co.", "inc.", "ltd.", "corp.")
_BULLET = re.compile(r"\(cid:127\)|[•●▪■◆]")


def _text(line: Line) -> str:
    """The line's text with bullets kept as separators ("Brand • 60 Capsules")."""
    text = clean(_BULLET.sub(" \x00 ", line.text)).replace("\x00", "•")
    # "SALTMARSH&MARIGOLD": an ampersand set tight reads as one word; between words it is its own
    return " ".join(_unglue(w) for w in _TIGHT_AMP.sub(" & ", text).split())


def _unglue(word: str) -> str:
    """A long word that ends in a company word ("JuniperSupplyCo.", "COBALTAPOTHECARY") is a
    brand whose spaces the text layer lost (tight tracking): the company words come apart again.
    Short ones ("Biolabs") are left alone: brands are spelt that way too."""
    if len(word) < 10:
        return word
    tail: list[str] = []
    rest = word
    while True:
        low = rest.casefold().rstrip(".")
        for c in sorted(_COMPANY_WORDS, key=len, reverse=True):
            if (len(c) >= 4 or c == "co") and low.endswith(c) and len(low) - len(c) >= 4:
                cut = len(rest.rstrip(".")) - len(c)
                tail.insert(0, rest[cut:])
                rest = rest[:cut]
                break
        else:
            break
    return " ".join([rest, *tail]) if tail else word


@dataclass
class _Unit:
    """A title: one line segment, or a name wrapped over several lines in the same type."""
    text: str
    size: float
    bold: bool
    x0: float
    top: float
    x1: float
    bottom: float


def _tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.casefold()) if t not in _STOPWORDS]


def find_identity(lines: list[Line], body_size: float, panel_text: str = "",
                  anchor: tuple[float, float, float] | None = None,
                  fine_print: list[Line] | None = None) -> tuple[str | None, str | None]:
    """(brand, product name) from the lines outside the panel's table. ``panel_text`` is what the
    panel declares (its rows' names), ``anchor`` the heading's (x0, top, x1): the masthead stands
    over it. ``fine_print``: the panel's other text (under it, beside it), where an imprint stands."""
    segs = [part for line in lines for part in _segments(line)]
    imprint = _imprint_brand(segs) or _imprint_brand([part for line in fine_print or () for part in _segments(line)])
    units = _units([s for s in segs if _is_title(s, body_size)])
    panel_tokens = {t for t in _tokens(panel_text) if len(t) >= 2}

    def name_ev(u: _Unit) -> float:
        toks = [t for t in _tokens(u.text) if not t.isdigit()]
        if not toks:
            return 0.0
        hits = sum(t in _PRODUCT_WORDS or any(c.isdigit() for c in t) or _in_panel(t, panel_tokens) for t in toks)
        return hits / len(toks)

    def brand_ev(u: _Unit) -> float:
        toks = _tokens(u.text)
        ev = 1.0 if toks and (toks[-1] in _COMPANY_WORDS or toks[-1] in {"co", "inc", "llc", "ltd"}) else 0.0
        if imprint and _key(u.text) == _key(imprint):
            ev += 2.0
        return ev

    # A catalog's title line "Brand – Product": the half that names a product is the name.
    for u in sorted(units, key=lambda u: -u.size)[:3]:
        parts = re.split(r"\s+[–—]\s+", u.text)
        if len(parts) == 2 and all(parts) and not _COUNT_SUFFIX.match(" – " + parts[1]):
            a, b = (_Unit(p, u.size, u.bold, u.x0, u.top, u.x1, u.bottom) for p in parts)
            if name_ev(a) - brand_ev(a) > name_ev(b) - brand_ev(b):
                a, b = b, a
            return _brand_case(imprint or a.text), _strip_count(b.text)
    # "Brand • 30 Tablets" under the product's title (catalog pages).
    for u in units:
        m = _BRAND_COUNT.match(u.text)
        if m:
            over = [o for o in units if o is not u and o.top < u.top and o.size >= u.size]
            if over:
                title = max(over, key=lambda o: (o.size, o.top))
                return _brand_case(imprint or m.group("b").strip()), _strip_count(title.text)
    units = [u for u in units if not _BRAND_COUNT.match(u.text)]
    if not units:
        return (_brand_case(imprint) if imprint else None), None

    # The masthead: titles over the panel's heading, in its column. Elsewhere on a one-panel label
    # (a front panel beside it, marketing copy) only when nothing stands over the panel.
    zone = units
    if anchor is not None:
        ax0, atop, ax1 = anchor
        over = [u for u in units if u.bottom <= atop + 1 and u.x1 > ax0 - 20 and u.x0 < max(ax1, ax0 + 150)]
        zone = over or units
    # A line that carries the container count ("Vitamin D3 – 180 Softgels") is the name.
    counted = [u for u in zone if _COUNT_SUFFIX.search(u.text) and _strip_count(u.text)]

    def score(u: _Unit) -> float:
        return name_ev(u) - brand_ev(u)

    if counted:
        name_unit = counted[0]
    else:
        pool = [u for u in zone if not imprint or _key(u.text) != _key(imprint)] or zone
        name_unit = max(pool, key=lambda u: (score(u), u.size))
    name = _strip_count(name_unit.text)
    if imprint:
        return _brand_case(imprint), name
    others = [u for u in zone if _key(u.text) != _key(name_unit.text)]
    if not others:
        # nothing over the panel but its name: a line elsewhere (a front panel, the copy beside it)
        # that reads as a company, not as a product
        others = [u for u in units if u not in zone and score(u) < 0]
    if not others:
        return None, name
    brand_unit = max(others, key=lambda u: (-score(u), -_distance(u, name_unit)))
    if score(brand_unit) >= score(name_unit) and score(brand_unit) > 0:
        return None, name  # both read as product words: no line here names a company
    return _brand_case(brand_unit.text), name


def _segments(line: Line) -> list[Line]:
    """A line cut where its words stand a column gutter apart, measured in the smaller type of
    the two (a 20 pt name beside 10 pt copy is two things however close)."""
    parts: list[list] = [[line.words[0]]]
    for a, b in pairwise(line.words):
        small, big = sorted((a.size, b.size))
        gap = b.x0 - a.x1
        if gap > max(8.0, 2.5 * small) or (big > 1.3 * small and gap > 0.8 * small):
            parts.append([b])
        else:
            parts[-1].append(b)
    return [Line(p) for p in parts]


def _in_panel(token: str, panel_tokens: set[str]) -> bool:
    if token in panel_tokens:
        return True
    if len(token) < 3:
        return False
    return any(p.startswith(token) or (len(p) >= 4 and token.startswith(p)) for p in panel_tokens)


def _distance(a: _Unit, b: _Unit) -> float:
    dy = max(0.0, max(a.top, b.top) - min(a.bottom, b.bottom))
    dx = max(0.0, max(a.x0, b.x0) - min(a.x1, b.x1))
    return dy + 3 * dx


def _key(text: str) -> str:
    """A brand's spelling folded: case, spacing, punctuation and marks do not make another brand."""
    return "".join(_TOKEN.findall(text.casefold().replace("®", "").replace("™", "")))


def _imprint_brand(segs: list[Line]) -> str | None:
    for s in segs:
        m = _IMPRINT.search(clean(s.text))
        if not m:
            continue
        x = re.split(r"\s+[–—-]\s+|\s\d", m.group("x"))[0].strip()
        if x.endswith(".") and len(x.rsplit(" ", 1)[-1]) > 4:
            x = x[:-1]
        x = _LEGAL_FORM.sub("", x.strip(" .:")).strip(" .:,")
        words = x.split()
        if not words or len(words) > 6 or not x[0].isupper() or x.casefold().startswith(("the ", "a ")):
            continue
        return x
    return None


def _is_title(s: Line, body_size: float) -> bool:
    t = _text(s)
    if t.startswith("•"):
        return False  # a list item: the label's selling points
    if len(t) < 2 or len(t) >= 70 or not any(c.isalpha() for c in t):
        return False
    if _NOT_A_NAME.search(t) or _CLAIM.search(t) or _AMOUNT_ONLY.match(t) or _IMPRINT.search(t):
        return False
    if _BADGE.search(t) and not any(w in _PRODUCT_WORDS - _BADGE_WORDS for w in _tokens(t)):
        return False
    if re.search(r"[:?!]", t) or len(_strip_count(t).split()) > 9:
        return False
    if t.endswith(".") and len(t.rsplit(" ", 1)[-1]) > 4 and not t.casefold().endswith(_ABBREVIATIONS):
        return False  # a sentence's end; "Supply Co." is not
    words = [w for w in re.findall(r"[^\W\d_][\w'-]*", t) if len(w) >= 4 and w.casefold() not in _STOPWORDS]
    if words and sum(w[0].islower() for w in words) * 2 > len(words):
        return False  # prose ("400 IU of vitamin D per serving"), not a title
    # words run together: a line the reader could not split is no title to trust
    return all(len(w) <= 24 for w in t.split())


def _units(segs: list[Line]) -> list[_Unit]:
    """Segments as titles, with a name wrapped over lines in the same type joined into one."""
    units: list[_Unit] = []
    for s in sorted(segs, key=lambda s: (s.top, s.x0)):
        size = max(w.size for w in s.words)
        bold = sum(w.bold for w in s.words) * 2 > len(s.words)
        text = _text(s)
        for u in reversed(units[-3:]):
            same_type = abs(u.size - size) < 0.6 and u.bold == bold
            below = -0.5 <= s.top - u.bottom < 0.8 * size
            aligned = abs(u.x0 - s.x0) < 2.5 or abs((u.x0 + u.x1) / 2 - (s.x0 + s.x1) / 2) < 3.0
            if same_type and below and aligned and size >= 0.99 * u.size:
                u.text = f"{u.text} {text}"
                u.x0, u.x1, u.bottom = min(u.x0, s.x0), max(u.x1, s.x1), max(u.bottom, s.bottom)
                break
        else:
            units.append(_Unit(text, size, bold, s.x0, s.top, s.x1, s.bottom))
    return units


def _strip_count(name: str) -> str:
    # A name never opens with a joining sign: a "+ Vitamin K2" is the end of a neighbour's wrapped
    # title that ran into this masthead ("Vitamin D3 + Vitamin K2 +" / "Magnesium" set beside it).
    return re.sub(r"^(?:[+&]\s*)+", "", _COUNT_SUFFIX.sub("", name).strip())


def _brand_case(text: str) -> str:
    if text.isupper() and len(text) > 3:
        return " ".join(w if w in {"&", "+"} else w.capitalize() for w in text.split())
    return text
