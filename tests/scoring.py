"""Score a warehouse against ground truth (the corpus's truth.jsonl or generator records)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

KEY_NUTRIENTS = ("vitamin_d", "vitamin_k", "magnesium", "calcium", "vitamin_a")
SPEC_RULES = ("D3_HIGH_NO_K2", "D3_HIGH_NO_MG")


@dataclass
class Score:
    panels: int = 0
    panels_found: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    spd_right: int = 0
    flag_tp: dict = field(default_factory=lambda: defaultdict(int))
    flag_fp: dict = field(default_factory=lambda: defaultdict(int))
    flag_fn: dict = field(default_factory=lambda: defaultdict(int))
    misses: list = field(default_factory=list)

    @property
    def f1(self) -> float:
        denom = 2 * self.tp + self.fp + self.fn
        return 1.0 if denom == 0 else 2 * self.tp / denom

    def precision(self, rule: str) -> float:
        d = self.flag_tp[rule] + self.flag_fp[rule]
        return 1.0 if d == 0 else self.flag_tp[rule] / d

    def recall(self, rule: str) -> float:
        d = self.flag_tp[rule] + self.flag_fn[rule]
        return 1.0 if d == 0 else self.flag_tp[rule] / d

    def line(self, name: str) -> str:
        flags = " ".join(
            f"{r}: P={self.precision(r):.2f} R={self.recall(r):.2f}" for r in SPEC_RULES
        )
        spd = self.spd_right / self.panels if self.panels else 1.0
        return (f"{name:<18} panels {self.panels_found}/{self.panels}  key-nutrient F1 {self.f1:.3f} "
                f"(tp {self.tp} fp {self.fp} fn {self.fn})  servings/day {spd:.1%}  {flags}")


def render_styles(root: Path, rng, styles, n: int, make, render) -> list[dict]:
    """``n`` single-label PDFs per style under ``root/<style>/NNN.pdf``, each record made by
    ``make(rng, style)`` and drawn by ``render(record, path)``; returns their truth lines."""
    truth = []
    for style in styles:
        (root / style).mkdir()
        for i in range(n):
            rec = make(rng, style)
            rel = f"{style}/{i:03d}.pdf"
            render(rec, root / rel)
            truth.append({**rec, "file": rel, "page": 1, "panel": 0, "style": style})
    return truth


def _matches(t: dict, p: dict) -> bool:
    if t["nutrient"] != p["nutrient"] or (t.get("form") or None) != (p["form"] or None):
        return False
    a, b = t["amount_canonical"], p["amount_canonical"]
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 0.01 * max(abs(a), 1e-9)


def score(db: Path, catalog: str, truth: list[dict], style_key: str = "style") -> dict[str, Score]:
    """Per style (and "all"): key-nutrient F1, servings/day accuracy, flag precision/recall."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        prods = {
            (r[0], r[1], r[2]): r for r in con.execute(
                "SELECT source_file, page, panel, product_id, servings_per_day, product_key FROM products WHERE "
                "catalog = ? AND status = 'ok'",
                [catalog]).fetchall()
        }
        nut = defaultdict(list)
        for pid, n, f, a in con.execute(
            "SELECT product_id, nutrient, form, amount_canonical FROM nutrients WHERE list_contains(?, nutrient)",
            [list(KEY_NUTRIENTS)]).fetchall():
            nut[pid].append({"nutrient": n, "form": f, "amount_canonical": a})
        flags = defaultdict(set)
        for key, rule in con.execute(
            "SELECT product_key, rule_id FROM flagged_products WHERE catalog = ?", [catalog]).fetchall():
            flags[key].add(rule)
    finally:
        con.close()
    scores: dict[str, Score] = defaultdict(Score)
    for t in truth:
        if "page" not in t or t.get("page") is None:
            continue
        for s in (scores[t.get(style_key, "all")], scores["all"]):
            s.panels += 1
            p = prods.get((t["file"], t["page"], t["panel"]))
            tk = [n for n in t["nutrients"] if n["nutrient"] in KEY_NUTRIENTS]
            if p is None:
                s.fn += len(tk)
                for r in SPEC_RULES:
                    if r in t["flags"]:
                        s.flag_fn[r] += 1
                s.misses.append(f"{t['file']} p{t['page']}#{t['panel']}: panel not found")
                continue
            s.panels_found += 1
            pred = list(nut[p[3]])
            for n in tk:
                hit = next((i for i, q in enumerate(pred) if _matches(n, q)), None)
                if hit is None:
                    s.fn += 1
                    s.misses.append(f"{t['file']} p{t['page']}#{t['panel']}: missed {n['nutrient']} {n.get('form')} "
                                    f"{n['amount_canonical']}")
                else:
                    s.tp += 1
                    pred.pop(hit)
            s.fp += len(pred)
            for q in pred:
                s.misses.append(f"{t['file']} p{t['page']}#{t['panel']}: extra {q}")
            if p[4] is not None and abs(p[4] - t["servings_per_day"]) <= 1e-4 * max(1, t["servings_per_day"]):
                s.spd_right += 1
            else:
                s.misses.append(f"{t['file']} p{t['page']}#{t['panel']}: "
                                f"servings/day {p[4]} != {t['servings_per_day']}")
            got = flags.get(p[5], set())
            for r in SPEC_RULES:
                want = r in t["flags"]
                have = r in got
                if want and have:
                    s.flag_tp[r] += 1
                elif want:
                    s.flag_fn[r] += 1
                    s.misses.append(f"{t['file']} p{t['page']}#{t['panel']}: missed flag {r}")
                elif have:
                    s.flag_fp[r] += 1
                    s.misses.append(f"{t['file']} p{t['page']}#{t['panel']}: extra flag {r}")
    return dict(scores)


def show(scores: dict[str, Score], capsys, max_misses: int = 40) -> None:
    """Print figures per style (and the first misses) even when pytest captures output."""
    with capsys.disabled():
        print()
        for name, s in sorted(scores.items()):
            print("  " + s.line(name))
        for m in scores["all"].misses[:max_misses]:
            print("    miss:", m)


def assert_meets(s: Score, f1: float = 0.99, spd: float = 0.98, precision: float = 0.99) -> None:
    """Every panel found, key-nutrient F1, daily-dose accuracy, SPEC flag recall 1.0 and precision."""
    assert s.panels_found == s.panels, s.misses[:10]
    assert s.f1 >= f1, s.misses[:10]
    assert s.spd_right / s.panels >= spd, s.misses[:10]
    for rule in SPEC_RULES:
        assert s.recall(rule) == 1.0, (rule, s.misses[:10])
        assert s.precision(rule) >= precision, (rule, s.misses[:10])
