"""One rule, one definition, one fixture: tests/fixtures/rules/<RULE_ID>.toml.

Each case is a panel as printed (rows of name, amount, %DV; directions; serving; caution
text). Every case is judged on warehouse rows; cases marked ``e2e`` are also printed as a
label PDF by the project's generator and audited end to end.
"""
from __future__ import annotations

import random
import tomllib
from pathlib import Path

import duckdb
import pytest

from flows.pipeline import audit_catalog
from rules import load_ruleset
from tests.labelgen import random_product, render_label
from tests.rulekit import judge, rule_ids

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
DEFAULT_DIRECTIONS = "Take 1 capsule daily."
DEFAULT_SERVING = "1 Capsule"


def _cases():
    for path in sorted(FIXTURES.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        for i, case in enumerate(data["case"]):
            yield pytest.param(data["rule"], case, id=f"{data['rule']}-{i}-{case['name']}")


CASES = list(_cases())


def test_every_rule_has_a_fixture_with_cases_on_both_sides():
    rules = {r.id for r in load_ruleset().rules}
    fixtures = {p.stem for p in FIXTURES.glob("*.toml")}
    assert rules == fixtures
    for rule in rules:
        fires = {c.values[1]["fires"] for c in CASES if c.values[0] == rule}
        assert fires == {True, False}, rule


@pytest.mark.parametrize("rule, case", CASES)
def test_rule_fixture_on_warehouse_rows(ruleset, rule, case):
    flags = judge(ruleset, [" ".join(r) for r in case["rows"]], case.get("directions", DEFAULT_DIRECTIONS),
                  case.get("serving", DEFAULT_SERVING), case.get("caution"))
    assert (rule in rule_ids(flags)) == case["fires"], [f["message"] for f in flags]
    if case["fires"]:
        msg = next(f["message"] for f in flags if f["rule_id"] == rule)
        for text in case.get("message_contains", []):
            assert text in msg, msg


def _record(case, seed):
    rec = random_product(random.Random(seed), kind="d3_only")
    serving = case.get("serving", DEFAULT_SERVING)
    rec.update(
        nutrients=[{"label_text": n, "amount_text": a, "dv_text": d} for n, a, d in case["rows"]],
        other_rows=[], serving_size=serving, directions=case.get("directions", DEFAULT_DIRECTIONS),
        warnings=case.get("caution", "Keep out of reach of children."),
    )
    return rec


@pytest.fixture(scope="module")
def e2e_audit(tmp_path_factory, ruleset):
    root = tmp_path_factory.mktemp("rules-e2e") / "catalog"
    root.mkdir()
    expected = {}
    for n, p in enumerate(c for c in CASES if c.values[1].get("e2e")):
        rule, case = p.values
        name = f"{rule.lower()}-{n}.pdf"
        render_label(_record(case, n), root / name)
        expected[name] = (rule, case["fires"])
    db = root.parent / "w.duckdb"
    audit_catalog(root, db, ruleset)
    con = duckdb.connect(str(db), read_only=True)
    got = {}
    for f, r in con.execute("SELECT source_file, rule_id FROM flagged_products").fetchall():
        got.setdefault(f, set()).add(r)
    con.close()
    return expected, got


def test_rule_fixtures_end_to_end_from_generated_label_pdfs(e2e_audit):
    expected, got = e2e_audit
    assert len(expected) >= 13
    wrong = [(f, rule, fires, sorted(got.get(f, set()))) for f, (rule, fires) in expected.items()
             if (rule in got.get(f, set())) != fires]
    assert wrong == []
