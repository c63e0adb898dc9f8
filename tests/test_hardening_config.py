"""Issue 22, item 8: a config value that is mistyped, of the wrong type or out of range is exit 78
naming the key, where it used to leave a rule on or flag everything."""
from __future__ import annotations

import pytest

from labelaudit.cli import main


@pytest.mark.parametrize("text, key, says", [
    ("[rules.D3_HIGH_NO_MG]\nenabeld = false\n", "rules.D3_HIGH_NO_MG.enabeld", "unknown key"),
    ('[rules.D3_HIGH_NO_MG]\nenabled = "no"\n', "rules.D3_HIGH_NO_MG.enabled", "must be true or false"),
    ("[params]\nnoael_vitamin_d_mcg = -1\n", "params.noael_vitamin_d_mcg", "must be 0 or more"),
    ("[params]\nnoael_vitamin_d_mcg = nan\n", "params.noael_vitamin_d_mcg", "must be a finite number"),
    ("[params]\nhigh_dose_vitamin_d_mcg = inf\n", "params.high_dose_vitamin_d_mcg", "must be a finite number"),
    ("[params]\nhigh_dose_vitamin_d_mcg = -inf\n", "params.high_dose_vitamin_d_mcg", "must be a finite number"),
    ("[params]\nhigh_dose_vitamin_d_mcg = true\n", "params.high_dose_vitamin_d_mcg", "must be a number"),
    ("[param]\nhigh_dose_vitamin_d_mcg = 125\n", "param", "unknown key"),
    ('[rules.D3_HIGH_NO_K2]\nsql = "SELECT 1"\n', "rules.D3_HIGH_NO_K2.sql", "unknown key"),
    ('[rules.NEW]\nsql = "SELECT product_key, product_id FROM product_summary"\n', "rules.NEW.message", "is required"),
    ('[rules.NEW]\nsql = "SELECT product_key, product_id FROM product_summary"\nmessage = "m"\nseverity = "urgent"\n',
     "rules.NEW.severity", "must be one of info, warning, high"),
])
def test_a_config_value_the_schema_refuses_is_exit_78_naming_the_key(tmp_path, capsys, text, key, says):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    assert main(["rules", "--config", str(cfg)]) == 78
    err = capsys.readouterr().err
    assert f"{key}: {says}" in err, err


def test_a_valid_config_still_switches_and_sets(tmp_path, capsys):
    cfg = tmp_path / "ok.toml"
    cfg.write_text("version = 3\n[params]\nnoael_vitamin_d_mcg = 0\nhigh_dose_vitamin_d_mcg = 125\n"
                   "[rules.D3_HIGH_NO_MG]\nenabled = false\nseverity = \"info\"\n")
    from rules import load_ruleset

    rs = load_ruleset(cfg)
    mg = next(r for r in rs.rules if r.id == "D3_HIGH_NO_MG")
    assert mg.enabled is False and mg.severity == "info"
    assert rs.params["noael_vitamin_d_mcg"] == 0.0 and rs.params["high_dose_vitamin_d_mcg"] == 125.0
