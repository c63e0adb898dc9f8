"""rules: declarative checks over the warehouse. One rule, one TOML definition."""
from rules.engine import Rule, RuleSet, evaluate, load_ruleset

__all__ = ["Rule", "RuleSet", "evaluate", "load_ruleset"]
