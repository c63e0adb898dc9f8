"""The SPEC rules at their boundaries, on warehouse rows built from printed label rows."""
from __future__ import annotations

import json

import pytest

from labelaudit.contracts.errors import ConfigError
from rules import load_ruleset
from tests.rulekit import judge
from tests.rulekit import rule_ids as _all_ids

BOTH = {"D3_HIGH_NO_K2", "D3_HIGH_NO_MG"}


def rule_ids(flags):
    """The SPEC's two rules; the rest of the catalog has its own fixtures (test_rule_fixtures.py)."""
    return _all_ids(flags) & BOTH


@pytest.mark.parametrize(
    "row, flagged",
    [
        ("Vitamin D3 99.9 mcg 500%", False),         # just below
        ("Vitamin D3 100 mcg 500%", True),           # at
        ("Vitamin D3 100.1 mcg 501%", True),         # above
        ("Vitamin D3 3,996 IU 500%", False),         # 99.9 mcg
        ("Vitamin D3 4,000 IU 500%", True),          # 100 mcg
        ("Vitamin D3 4,004 IU 501%", True),          # 100.1 mcg
        ("Vitamin D3 99 mcg (3,960 IU) 495%", False),
        ("Vitamin D3 100 mcg (4,000 IU) 500%", True),
        ("Vitamin D (as cholecalciferol) 125 mcg 625%", True),
        ("Vitamin D 125 mcg 625%", True),            # unstated form counts
        ("Vitamin D2 (as ergocalciferol) 125 mcg 625%", False),  # D2 is not counted
    ],
)
def test_high_dose_threshold_below_at_above_in_mcg_and_iu(ruleset, row, flagged):
    assert rule_ids(judge(ruleset, [row])) == (BOTH if flagged else set())


def test_daily_dose_uses_servings_per_day_and_two_times_fifty_is_exactly_the_limit(ruleset):
    flags = judge(ruleset, ["Vitamin D3 50 mcg (2,000 IU) 250%"], "Take 1 softgel twice daily.", "1 Softgel")
    assert rule_ids(flags) == BOTH
    assert rule_ids(judge(ruleset, ["Vitamin D3 50 mcg (2,000 IU) 250%"], "Take 1 softgel daily.",
                          "1 Softgel")) == set()
    # 200 mcg every other day is 100 mcg a day: exactly the limit.
    assert rule_ids(judge(ruleset, ["Vitamin D3 200 mcg 1000%"], "Take 1 capsule every other day.")) == BOTH


def test_weekly_fifty_thousand_iu_is_high_dose(ruleset):
    # 50,000 IU once a week = 1,250/7 = 178.6 mcg a day.
    assert rule_ids(judge(ruleset, ["Vitamin D3 50,000 IU 6250%"], "Take 1 capsule once a week.")) == BOTH


def test_k2_clears_the_k2_flag_and_k1_does_not(ruleset):
    d = "Vitamin D3 125 mcg (5,000 IU) 625%"
    assert rule_ids(judge(ruleset, [d, "Vitamin K2 (as menaquinone-7) 100 mcg 83%"])) == {"D3_HIGH_NO_MG"}
    k1 = judge(ruleset, [d, "Vitamin K (as phytonadione) 100 mcg 83%"])
    assert rule_ids(k1) == BOTH
    msg = next(f["message"] for f in k1 if f["rule_id"] == "D3_HIGH_NO_K2")
    assert "K1" in msg


def test_zero_k2_or_zero_magnesium_does_not_count(ruleset):
    d = "Vitamin D3 125 mcg (5,000 IU) 625%"
    assert rule_ids(judge(ruleset, [d, "Vitamin K2 (as MK-7) 0 mcg 0%",
                                    "Magnesium (as magnesium citrate) 0 mg 0%"])) == BOTH


def test_magnesium_clears_the_magnesium_flag(ruleset):
    rows = ["Vitamin D3 125 mcg (5,000 IU) 625%", "Magnesium (as magnesium glycinate) 200 mg 48%"]
    assert rule_ids(judge(ruleset, rows)) == {"D3_HIGH_NO_K2"}


def test_flags_explain_in_words_and_cite_label_values(ruleset):
    flags = judge(ruleset, ["Vitamin D3 (as cholecalciferol) 5,000 IU 1250%"])
    f = next(f for f in flags if f["rule_id"] == "D3_HIGH_NO_K2")
    assert f["severity"] == "high"
    assert "125 mcg (5,000 IU)" in f["message"] and "K2" in f["message"]
    ev = json.loads(f["evidence"])
    assert ev["rows"][0]["label_text"] == "Vitamin D3 (as cholecalciferol)"
    assert ev["rows"][0]["amount_text"] == "5,000 IU"
    assert ev["values"]["daily_d_mcg"] == 125
    g = next(f for f in flags if f["rule_id"] == "D3_HIGH_NO_MG")
    assert g["severity"] == "warning" and "magnesium" in g["message"]


def test_a_config_file_changes_thresholds_and_switches_without_code(tmp_path):
    cfg = tmp_path / "rules.toml"
    cfg.write_text("[params]\nhigh_dose_vitamin_d_mcg = 150\n[rules.D3_HIGH_NO_MG]\nenabled = false\n")
    rs = load_ruleset(cfg)
    assert rule_ids(judge(rs, ["Vitamin D3 125 mcg 625%"])) == set()
    assert rule_ids(judge(rs, ["Vitamin D3 150 mcg 750%"])) == {"D3_HIGH_NO_K2"}
    assert rs.fingerprint != load_ruleset().fingerprint


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("[params]\nhigh_dose_vitamin_d_mcg = 'lots'\n", "must be a number"),
        ("[params]\nno_such_param = 1\n", "unknown parameter"),
        ("[rules.NOPE]\nenabled = false\n", "unknown rule"),
        ("[rules.D3_HIGH_NO_K2]\nseverity = 'urgent'\n", "severity"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_a_bad_config_says_what_is_wrong(tmp_path, text, complaint):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=complaint):
        load_ruleset(cfg)
