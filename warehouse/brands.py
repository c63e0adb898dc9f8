"""One brand spelt one way across a catalog.

Labels print a brand in many hands: a letter-spaced logo, an all-caps masthead, an imprint in
running text, with or without ®. Read off each label on its own, one brand can come out as
"CEDAR & SAGE" on one product and "Cedar & Sage" on the next, and a buyer filtering by brand would
see two. Spellings that fold to the same key (case, spacing, punctuation and marks ignored) are
one brand; the catalog shows the spelling most of its labels print. A manifest's brand is the
catalog owner's own word: it is never changed, and its spelling wins for labels of the same key.
"""
from __future__ import annotations

import re
from collections import Counter

_KEY = re.compile(r"[^\W_]+")
MANIFEST_WEIGHT = 1000  # the manifest outvotes any number of labels


def brand_key(brand: str) -> str:
    return "".join(_KEY.findall(brand.casefold().replace("®", "").replace("™", "")))


def _oddness(spelling: str) -> int:
    words = _KEY.findall(spelling)
    return sum((len(w) <= 2 and w.casefold() not in {"co", "of", "&"}) or len(w) > 14 for w in words)


def one_spelling(brands: list[tuple[str | None, bool]]) -> list[str | None]:
    """``brands``: (brand, from the manifest) per product, in catalog order. Returns each product's
    brand as the catalog shows it: label-read spellings replaced by the key's chosen spelling."""
    votes: dict[str, Counter] = {}
    for brand, manifest in brands:
        if brand and brand_key(brand):
            votes.setdefault(brand_key(brand), Counter())[brand] += MANIFEST_WEIGHT if manifest else 1
    chosen = {}
    for key, counter in votes.items():
        # most votes; on a tie the spelling set in mixed case (all caps hides the brand's own case),
        # with its marks dropped, with fewest stray fragments ("Clear Wat Er Labs": a logo's letter
        # spacing misread) and no run-together words; then alphabetical, so reruns agree
        chosen[key] = min(counter, key=lambda s: (-counter[s], s.isupper(), "®" in s or "™" in s, _oddness(s), s))
    return [b if (manifest or not b or not brand_key(b)) else chosen[brand_key(b)] for b, manifest in brands]
