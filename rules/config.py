"""The schema of a user's rules config (``--config``): every key known, every value typed.

A typo such as ``enabeld = false`` or a string such as ``enabled = "no"`` used to leave the rule
on without a word; ``noael_vitamin_d_mcg = -1`` flagged everything and ``nan`` nothing. Here
each is a :class:`ConfigError` (exit 78) that names the key.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from labelaudit.contracts.errors import ConfigError

SEVERITIES = ("info", "warning", "high")

# Every parameter is an amount, a percentage, an age or a confidence: never negative, never nan/inf.
Threshold = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class UserConfig(_Strict):
    ruleset: str | None = None
    version: str | int | None = None
    params: dict[str, Threshold] = {}
    rules: dict[str, dict[str, Any]] = {}  # each table checked by RuleSwitch or NewRule below


class RuleSwitch(_Strict):
    """What a config may change of a shipped rule (its SQL and message are code, reviewed with
    their golden fixtures)."""

    enabled: bool = True
    severity: Literal["info", "warning", "high"] | None = None


class NewRule(RuleSwitch):
    """A rule added by the config alone."""

    sql: str
    message: str
    title: str | None = None
    params: list[str] = []
    evidence_nutrients: list[str] = []
    rationale: str = ""
    reference: str = ""


_SAYS = {
    "extra_forbidden": "unknown key",
    "bool_type": "must be true or false",
    "float_type": "must be a number",
    "greater_than_equal": "must be 0 or more",
    "finite_number": "must be a finite number (not nan or inf)",
    "literal_error": "must be one of " + ", ".join(SEVERITIES),
    "missing": "is required",
    "dict_type": "must be a table",
    "list_type": "must be a list",
    "string_type": "must be a string",
}


def _check(model: type[_Strict], data: Any, where: str, prefix: tuple = ()) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            key = ".".join(str(p) for p in (*prefix, *err["loc"])) or "(top level)"
            says = _SAYS.get(err["type"], err["msg"])
            got = "" if err["type"] in ("missing", "extra_forbidden") else f", got {err.get('input')!r}"
            problems.append(f"{key}: {says}{got}")
        raise ConfigError(f"{where}: " + "; ".join(problems)) from None


def validate_user_config(data: dict[str, Any], known_rules: set[str], where: str) -> dict[str, Any]:
    """``data`` (a parsed TOML config) checked against the schema; returns it with numbers as
    floats. A ``[rules.ID]`` table for a shipped rule may hold ``enabled`` and ``severity``; one
    for a new rule needs ``sql`` and ``message`` too."""
    cfg = _check(UserConfig, data, where)
    rules: dict[str, dict[str, Any]] = {}
    for rid, table in cfg.rules.items():
        if rid in known_rules:
            rules[rid] = _check(RuleSwitch, table, where, ("rules", rid)).model_dump(exclude_unset=True)
        elif "sql" in table:
            rules[rid] = _check(NewRule, table, where, ("rules", rid)).model_dump(exclude_unset=True)
        else:
            raise ConfigError(f"{where}: unknown rule '{rid}' (known: {', '.join(sorted(known_rules))}); "
                              "to add a rule give it `sql` and `message`")
    out = cfg.model_dump(exclude_unset=True)
    out["rules"] = rules
    return out
