"""Row names to canonical nutrients and forms, driven by ``nutrients.toml``."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources


@dataclass(frozen=True)
class NutrientSpec:
    id: str
    names: tuple[str, ...]
    forms: tuple[tuple[str, tuple[str, ...]], ...]
    canonical_unit: str | None


def _fold(text: str) -> str:
    """Lower case without accents: labels print "MAGNESIUM" for "magnésium", "Cholécalciférol"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


@cache
def _word_re(spelling: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(_fold(spelling)).replace(r"\ ", r"\s+") + r"(?![\w-])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _data() -> dict:
    return tomllib.loads(resources.files("warehouse").joinpath("nutrients.toml").read_text("utf-8"))


@lru_cache(maxsize=1)
def _not_nutrients() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(r"^" + re.escape(_fold(n)).replace(r"\ ", r"\s+") + r"\b", re.IGNORECASE)
                 for n in _data().get("not_nutrients", []))


@lru_cache(maxsize=1)
def catalog() -> tuple[NutrientSpec, ...]:
    data = {k: v for k, v in _data().items() if isinstance(v, dict)}
    return tuple(
        NutrientSpec(
            id=nid,
            names=tuple(sorted(spec["names"], key=len, reverse=True)),
            forms=tuple((f, tuple(v)) for f, v in spec.get("forms", {}).items()),
            canonical_unit=spec.get("canonical_unit"),
        )
        for nid, spec in data.items()
    )


@lru_cache(maxsize=1)
def _name_index() -> list[tuple[re.Pattern[str], NutrientSpec]]:
    pairs = [(name, spec) for spec in catalog() for name in spec.names]
    pairs.sort(key=lambda p: len(p[0]), reverse=True)
    return [(re.compile(r"^" + re.escape(_fold(n)).replace(r"\ ", r"\s+") + r"(?![\w])", re.IGNORECASE), s)
            for n, s in pairs]


_GAPS = re.compile(r"[\s\-]+")


@lru_cache(maxsize=1)
def _glued_index() -> tuple[tuple[str, NutrientSpec], ...]:
    pairs = {(_GAPS.sub("", _fold(n)), spec) for spec in catalog() for n in spec.names}
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


def _glued_name(fhead: str) -> NutrientSpec | None:
    """A name printed with its spaces lost to tight letter-spacing ("VITAMIND3", "VitaminaD3"):
    the longest spelling it begins with, where a letter does not go on after it ("Vitamina B1"
    is not "vitamin a")."""
    flat = _GAPS.sub("", fhead)
    for name, spec in _glued_index():
        if flat.startswith(name) and not flat[len(name):len(name) + 1].isalpha():
            return spec
    return None


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"[®™©*†‡§¹²³⁴⁵]", "", text)).strip()
    return re.sub(r"(?<=[A-Za-z])- (?=[a-z])", "-", text)  # a name wrapped at its hyphen: "beta- carotene"


def identify(label_text: str) -> tuple[str | None, str | None, str | None]:
    """(nutrient id, form, form_detail) for a row name as printed."""
    text = _clean(label_text)
    head = text.split("(")[0].strip()
    ftext, fhead = _fold(text), _fold(head)
    if any(p.match(fhead) for p in _not_nutrients()):
        return None, None, None
    spec = None
    for pat, s in _name_index():
        if pat.match(fhead) or (not fhead and pat.match(ftext)):
            spec = s
            break
    glued = spec is None
    if glued:
        spec = _glued_name(fhead or ftext)
    if spec is None:
        return None, None, None
    found = [form for form, spellings in spec.forms if any(_word_re(sp).search(ftext) for sp in spellings)]
    if not found and glued:
        flat = _GAPS.sub("", ftext)
        found = [form for form, spellings in spec.forms if any(_GAPS.sub("", _fold(sp)) in flat for sp in spellings)]
    form = found[0] if len(found) == 1 else None
    return spec.id, form, _form_detail(text, head)


def _form_detail(text: str, head: str) -> str | None:
    m = re.search(r"\((?:as\s+)?([^()]*)\)?", text)
    if m and m.group(1).strip():
        return m.group(1).strip(" ,")
    words = head.split()
    return head if len(words) > 2 else None


def canonical_unit(nutrient: str | None) -> str | None:
    for s in catalog():
        if s.id == nutrient:
            return s.canonical_unit
    return None
