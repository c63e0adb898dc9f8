"""Score an audited warehouse against sampled-label truth, overall and per axis value.

    from tests.labelgen.measure import measure, table
    rows = measure(db, truth)        # {"overall": Figures, "producer=weasyprint": Figures, ...}
    print(table(rows))

Reads only the SPEC's warehouse relations (products, nutrients, flagged_products, verdicts,
audit_runs) of a warehouse holding one audit of one catalog.

Figures per group of panels:
- panels found: a products row with status ok at the panel's (source_file, page, panel)
- key-nutrient F1: vitamin_d/_k, magnesium, calcium, vitamin_a rows matched on nutrient, form and
  amount_canonical (1 %), as tests/scoring.py matches them
- daily amount exact: truth key rows whose daily_amount_canonical (amount x servings/day) was read
  within 0.1 %
- servings/day exact: within 1e-4 (relative, at least absolute 1e-4)
- D3 flag recall / precision: both SPEC rules pooled (a flag instance is product x rule)
- silent miss: an expected flag not raised and the product's verdict not `needs_review` (`pass`, or
  `flagged` for another rule: the missed flag is seen by nobody either way; a panel not found is
  silent unless some row of its file is in review); share of panels that expect a flag
- in review: share of panels whose verdict is `needs_review`
- clean in review: the same share among clean panels, those whose directions state a dose (truth
  ``servings_per_day_assumed`` false). SPEC sends every product whose servings per day were assumed to
  review, so only clean panels measure review the audit could have avoided (issue 18's "clean labels")
- brand / name right: case- and space-insensitive equality with the label's brand and product name
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb

KEY = ("vitamin_d", "vitamin_k", "magnesium", "calcium", "vitamin_a")
RULES = ("D3_HIGH_NO_K2", "D3_HIGH_NO_MG")
METRICS = ("found", "f1", "daily", "spd", "flag_r", "flag_p", "silent", "review", "review_clean", "brand", "name")
HEAD = {"found": "panels", "f1": "keyF1", "daily": "daily=", "spd": "spd=", "flag_r": "flagR", "flag_p": "flagP",
        "silent": "silent", "review": "review", "review_clean": "rvClean", "brand": "brand", "name": "name"}


@dataclass
class Figures:
    panels: int = 0
    found: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    key_rows: int = 0
    daily_right: int = 0
    spd_right: int = 0
    flag_tp: int = 0
    flag_fp: int = 0
    flag_fn: int = 0
    expect_flag: int = 0
    silent: int = 0
    review: int = 0
    clean: int = 0
    review_clean: int = 0
    brand_right: int = 0
    name_right: int = 0
    per_rule: dict = field(default_factory=lambda: {r: [0, 0, 0] for r in RULES})  # tp, fp, fn

    def add(self, o: Figures):
        for k in ("panels", "found", "tp", "fp", "fn", "key_rows", "daily_right", "spd_right", "flag_tp", "flag_fp",
                  "flag_fn", "expect_flag", "silent", "review", "clean", "review_clean", "brand_right", "name_right"):
            setattr(self, k, getattr(self, k) + getattr(o, k))
        for r in RULES:
            self.per_rule[r] = [a + b for a, b in zip(self.per_rule[r], o.per_rule[r], strict=True)]

    def values(self) -> dict:
        def ratio(a, b):
            return None if b == 0 else a / b

        return {
            "n": self.panels,
            "found": ratio(self.found, self.panels),
            "f1": ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn) if (self.tp + self.fp + self.fn) else 1.0,
            "daily": ratio(self.daily_right, self.key_rows),
            "spd": ratio(self.spd_right, self.panels),
            "flag_r": ratio(self.flag_tp, self.flag_tp + self.flag_fn),
            "flag_p": ratio(self.flag_tp, self.flag_tp + self.flag_fp),
            "silent": ratio(self.silent, self.expect_flag),
            "silent_n": self.silent,
            "review": ratio(self.review, self.panels),
            "review_clean": ratio(self.review_clean, self.clean),
            "brand": ratio(self.brand_right, self.panels),
            "name": ratio(self.name_right, self.panels),
            "key_n": self.key_rows,
            "flag_n": self.flag_tp + self.flag_fn,
            "per_rule": {r: {"tp": v[0], "fp": v[1], "fn": v[2]} for r, v in self.per_rule.items()},
        }


def _norm(s) -> str:
    s = (s or "").casefold().replace("®", "").replace("™", "")
    return re.sub(r"\s+", " ", s).strip(" .,:;")


def _match(t, p) -> bool:
    if t["nutrient"] != p["nutrient"] or (t.get("form") or None) != (p["form"] or None):
        return False
    a, b = t["amount_canonical"], p["amount_canonical"]
    if b is None:
        return False
    return abs(a - b) <= 0.01 * max(abs(a), 1e-9)


def _close(a, b, rel):
    return b is not None and abs(a - b) <= rel * max(abs(a), 1e-4)


def read_warehouse(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        prods = {}
        by_file = defaultdict(list)
        for sf, page, panel, pid, pkey, spd, brand, name, status in con.execute(
                "SELECT source_file, page, panel, product_id, product_key, servings_per_day, brand, product_name, "
                "status "
                "FROM products").fetchall():
            by_file[sf].append(pkey)
            if status == "ok":
                prods[(sf, page, panel)] = {"pid": pid, "key": pkey, "spd": spd, "brand": brand, "name": name}
        nut = defaultdict(list)
        for pid, n, f, a, d in con.execute(
                "SELECT product_id, nutrient, form, amount_canonical, daily_amount_canonical FROM nutrients "
                "WHERE list_contains(?, nutrient)", [list(KEY)]).fetchall():
            nut[pid].append({"nutrient": n, "form": f, "amount_canonical": a, "daily": d})
        flags = defaultdict(set)
        for key, rule in con.execute("SELECT product_key, rule_id FROM flagged_products").fetchall():
            flags[key].add(rule)
        run = con.execute("SELECT audit_run_id FROM audit_runs WHERE finished_at IS NOT NULL "
                          "ORDER BY finished_at DESC LIMIT 1").fetchone()
        verdicts = dict(con.execute("SELECT product_key, verdict FROM verdicts WHERE audit_run_id = ?",
                                    [run[0] if run else None]).fetchall())
    finally:
        con.close()
    return prods, by_file, nut, flags, verdicts


def score_panel(t, wh) -> Figures:
    f = _score_panel(t, wh)
    f.clean = int(not t.get("servings_per_day_assumed"))
    f.review_clean = f.clean * f.review
    return f


def _score_panel(t, wh) -> Figures:
    prods, by_file, nut, flags, verdicts = wh
    f = Figures(panels=1)
    tk = [n for n in t["nutrients"] if n["nutrient"] in KEY]
    f.key_rows = len(tk)
    want = set(t["flags"]) & set(RULES)
    f.expect_flag = int(bool(want))
    p = prods.get((t["file"], t["page"], t["panel"]))
    if p is None:
        f.fn = len(tk)
        f.flag_fn = len(want)
        for r in want:
            f.per_rule[r][2] += 1
        file_verdicts = {verdicts.get(k) for k in by_file.get(t["file"], [])}
        in_review = "needs_review" in file_verdicts
        f.review = int(in_review)
        f.silent = int(bool(want) and not in_review)
        return f
    f.found = 1
    pred = list(nut[p["pid"]])
    spd = float(t["servings_per_day"])
    for n in tk:
        hit = next((i for i, q in enumerate(pred) if _match(n, q)), None)
        daily_t = n["amount_canonical"] * spd
        same = [q for q in nut[p["pid"]]
                if q["nutrient"] == n["nutrient"] and (q["form"] or None) == (n.get("form") or None)]
        if any(_close(daily_t, q["daily"], 1e-3) for q in same):
            f.daily_right += 1
        if hit is None:
            f.fn += 1
        else:
            f.tp += 1
            pred.pop(hit)
    f.fp = len(pred)
    if p["spd"] is not None and abs(p["spd"] - spd) <= 1e-4 * max(1.0, spd):
        f.spd_right = 1
    got = flags.get(p["key"], set()) & set(RULES)
    for r in RULES:
        if r in want and r in got:
            f.flag_tp += 1
            f.per_rule[r][0] += 1
        elif r in want:
            f.flag_fn += 1
            f.per_rule[r][2] += 1
        elif r in got:
            f.flag_fp += 1
            f.per_rule[r][1] += 1
    verdict = verdicts.get(p["key"])
    f.review = int(verdict == "needs_review")
    f.silent = int(bool(want - got) and verdict != "needs_review")
    f.brand_right = int(_norm(p["brand"]) == _norm(t["brand"]))
    f.name_right = int(_norm(p["name"]) == _norm(t["product_name"]))
    return f


def measure(db, truth: list[dict], axes=True) -> dict[str, Figures]:
    """Figures overall and per ``axis=value`` (truth lines carry their ``axes``)."""
    wh = read_warehouse(db)
    out: dict[str, Figures] = defaultdict(Figures)
    for t in truth:
        if t.get("page") is None:
            continue
        f = score_panel(t, wh)
        out["overall"].add(f)
        if axes:
            for k, v in (t.get("axes") or {}).items():
                if v == "template" and k != "producer":
                    continue  # a template label's other axes: the same panels as producer=templates
                out[f"{k}={v}"].add(f)
    return dict(out)


def _sort_key(item):
    name, fig = item
    v = fig.values()
    return (name != "overall", v["daily"] if v["daily"] is not None else 1.0, v["f1"], name)


def table(figs: dict[str, Figures], title: str = "") -> str:
    """One table: overall first, then every axis value, weakest first (by daily amount exact, then
    key-nutrient F1: the daily amount is what the rules read)."""
    cols = ["n", *METRICS]
    lines = []
    if title:
        lines.append(title)
    head = f"{'group':<34}" + "".join(f"{HEAD.get(c, c):>8}" for c in cols)
    lines += [head, "-" * len(head)]
    for name, fig in sorted(figs.items(), key=_sort_key):
        v = fig.values()
        cells = []
        for c in cols:
            x = v[c]
            if c == "n":
                cells.append(f"{x:>8d}")
            elif x is None:
                cells.append(f"{'-':>8}")
            else:
                cells.append(f"{x:>8.3f}")
        lines.append(f"{name:<34}" + "".join(cells))
    return "\n".join(lines)


def as_json(figs: dict[str, Figures]) -> dict:
    return {name: fig.values() for name, fig in figs.items()}
