"""Rules are data: each ``definitions/*.toml`` holds one rule's SQL, message and rationale;
``defaults.toml`` (merged with the user's ``--config``) holds thresholds and switches."""
from __future__ import annotations

import hashlib
import json
import re
import string
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from labelaudit.contracts.errors import ConfigError
from labelaudit.contracts.records import Flag
from labelaudit.contracts.reference import (
    CANONICAL_UNITS,
    IU_PER_MCG_VITAMIN_D,
    UPPER_LIMITS,
    daily_values_rows,
    sql_constants,
)
from rules.config import SEVERITIES, validate_user_config
from warehouse.units import round_sig

# Thresholds whose default is a reference upper limit (labelaudit/contracts/reference.toml):
# defaults.toml leaves them out so the limit is written once; a --config may still set them.
REFERENCE_DEFAULTS = {
    "high_dose_vitamin_d_mcg": "vitamin_d_adult_mcg",
    "high_dose_vitamin_d2_mcg": "vitamin_d_adult_mcg",
    "noael_vitamin_d_mcg": "vitamin_d_noael_mcg",
    "child_ul_mcg_0_6_months": "vitamin_d_0_6_months_mcg",
    "child_ul_mcg_7_12_months": "vitamin_d_7_12_months_mcg",
    "child_ul_mcg_1_3_years": "vitamin_d_1_3_years_mcg",
    "child_ul_mcg_4_8_years": "vitamin_d_4_8_years_mcg",
    "child_ul_mcg_9_plus_years": "vitamin_d_9_plus_years_mcg",
    "magnesium_supplement_ul_mg": "magnesium_supplement_mg",
    "preformed_vitamin_a_ul_mcg_rae": "preformed_vitamin_a_mcg_rae",
}


@dataclass
class Rule:
    id: str
    title: str
    severity: str
    sql: str
    message: str
    rationale: str
    reference: str
    params: list[str]
    evidence_nutrients: list[str] = field(default_factory=list)
    enabled: bool = True
    missing: str = ""  # for a high-dose rule: what the product lacks, in the reports' one-line reason

    def missing_phrase(self, has_k1: bool) -> str:
        return self.missing.format(k1_short=" (only K1, which does not count)" if has_k1 else "")


@dataclass
class RuleSet:
    name: str
    version: str
    params: dict[str, Any]
    rules: list[Rule]
    param_names: dict[str, str] = field(default_factory=dict)  # what each threshold is, in a reader's words

    @property
    def fingerprint(self) -> str:
        blob = json.dumps(
            {"params": self.params, "rules": [(r.id, r.severity, r.enabled, r.sql, r.message) for r in self.rules]},
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:10]

    @property
    def version_label(self) -> str:
        return f"{self.name} {self.version} ({self.fingerprint})"

    def enabled_rules(self) -> list[Rule]:
        return [r for r in self.rules if r.enabled]

    def record(self) -> str:
        """What a run stores of the rule set (``audit_runs.rule_params``): every threshold with its name,
        and each rule's switch and severity, so a report draws and names the thresholds the run used."""
        return json.dumps({"params": self.params, "names": self.param_names,
                           "rules": {r.id: {"enabled": r.enabled, "severity": r.severity} for r in self.rules}},
                          sort_keys=True)


def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{where} is not valid TOML: {e}") from e


def load_ruleset(config: Path | None = None) -> RuleSet:
    pkg = resources.files("rules")
    defaults = _read_toml(pkg.joinpath("defaults.toml").read_text("utf-8"), "rules/defaults.toml")
    rules: dict[str, Rule] = {}
    for entry in sorted(pkg.joinpath("definitions").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            d = _read_toml(entry.read_text("utf-8"), f"rules/definitions/{entry.name}")
            rules[d["id"]] = _rule(d, entry.name)
    user: dict[str, Any] = {}
    if config is not None:
        if not Path(config).is_file():
            raise ConfigError(f"config file {config} does not exist")
        user = validate_user_config(_read_toml(Path(config).read_text("utf-8"), str(config)), set(rules), str(config))
    # A config may add whole rules: a [rules.ID] table with `sql` and `message` defines one.
    for rid, over in user.get("rules", {}).items():
        if rid not in rules and "sql" in over:
            rules[rid] = _rule({"id": rid, "title": over.get("title", rid), "severity": over.get("severity", "warning"),
                                **{k: v for k, v in over.items() if k not in ("enabled",)}}, f"{config} [rules.{rid}]")
    params = {p: UPPER_LIMITS[ul] for p, ul in REFERENCE_DEFAULTS.items()}
    params.update(defaults.get("params", {}))
    declared = {p for r in rules.values() for p in r.params}
    for k, v in user.get("params", {}).items():
        if k not in params and k not in declared:
            raise ConfigError(f"{config}: unknown parameter '{k}' (known: {', '.join(sorted(params))})")
        params[k] = float(v)
    switches = {**defaults.get("rules", {})}
    for rid, over in user.get("rules", {}).items():
        switches[rid] = {**switches.get(rid, {}), **over}
    for rid, sw in switches.items():
        if rid in rules:
            rules[rid].enabled = bool(sw.get("enabled", True))
            sev = sw.get("severity", rules[rid].severity)
            if sev not in SEVERITIES:
                raise ConfigError(f"rule {rid}: severity must be one of {', '.join(SEVERITIES)}, got {sev!r}")
            rules[rid].severity = sev
    for r in rules.values():
        missing = [p for p in r.params if p not in params]
        if missing:
            raise ConfigError(f"rule {r.id} uses parameters not defined in [params]: {', '.join(missing)}")
    return RuleSet(
        name=user.get("ruleset", defaults.get("ruleset", "labelaudit")),
        version=str(user.get("version", defaults.get("version", "0"))),
        params=params,
        rules=list(rules.values()),
        param_names={k: str(v) for k, v in defaults.get("param_names", {}).items()},
    )


def _rule(d: dict[str, Any], where: str) -> Rule:
    try:
        rule = Rule(
            id=d["id"], title=d["title"], severity=d["severity"], sql=d["sql"], message=d["message"],
            rationale=" ".join(d.get("rationale", "").split()), reference=d.get("reference", ""),
            params=list(d.get("params", [])), evidence_nutrients=list(d.get("evidence_nutrients", [])),
            missing=str(d.get("missing", "")),
        )
    except KeyError as e:
        raise ConfigError(f"rule definition {where} lacks {e}") from e
    check_query(rule.id, rule.sql)
    return rule


def check_query(rule_id: str, sql: str) -> None:
    """A rule is one query: DuckDB's own parser must see exactly one SELECT. This turns away
    DELETE/DROP/COPY/ATTACH/INSTALL/SET... when the config is loaded, before any PDF is read;
    what the parser calls a SELECT yet writes (a DELETE inside a WITH) is stopped by the
    read-only transaction the rule runs in (see evaluate)."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as e:
        raise ConfigError(f"rule {rule_id}: its SQL does not parse: {e}") from e
    if len(statements) != 1:
        raise ConfigError(f"rule {rule_id}: its SQL must be one query; it holds {len(statements)} statements")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise ConfigError(f"rule {rule_id}: its SQL must be a SELECT query, not {kind.name}: "
                          "rules read the warehouse and never change it")


def load_daily_values(con: duckdb.DuckDBPyConnection) -> None:
    """The ``daily_values`` table, from the shared reference, for SQL users and the DV rules."""
    con.execute("DELETE FROM daily_values")
    con.executemany("INSERT INTO daily_values VALUES (?, ?, ?, ?)",
                    [[n, basis, amount, CANONICAL_UNITS.get(n)] for n, basis, amount in daily_values_rows()])


def _sql(name: str) -> str:
    return resources.files("rules").joinpath(name).read_text("utf-8")


def prepare(con: duckdb.DuckDBPyConnection, catalog: str) -> None:
    """The views rules read: ``run_products`` (this catalog's readable products with what
    extraction read around them) and ``product_summary`` (daily amounts per product)."""
    load_daily_values(con)
    quoted = "'" + catalog.replace("'", "''") + "'"
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW run_products AS
        SELECT p.*, v.fine_print, v.child_servings_per_day, v.child_min_age_years
        FROM products p JOIN label_versions v ON v.product_id = p.product_id
        WHERE p.catalog = {quoted} AND p.status = 'ok'""")
    con.execute(_sql("doses.sql"))
    con.execute(_sql("summary.sql"))


def dose_summary(con: duckdb.DuckDBPyConnection, product_ids: list[str], params: dict[str, Any],
                 ) -> dict[str, dict[str, Any]]:
    """The rules' daily amounts of each label version in ``product_ids`` (doses.sql), with the verdicts
    of the run's thresholds on them, compared as the rules compare: ``high_dose`` (D3 at or above
    ``high_dose_vitamin_d_mcg`` after 6-significant-digit rounding), ``has_k2``, ``has_mg``. For the
    reports, which must show what the rules saw rather than sum the rows again; a read-only connection
    will do (only temporary objects are made)."""
    if not product_ids:
        return {}
    con.execute(_sql("doses.sql"))
    cur = con.execute(
        """SELECT d.*, coalesce(sig6(d.daily_d_mcg) >= $high, false) AS high_dose,
                  coalesce(d.k2_mcg, 0) > $cof AS has_k2, coalesce(d.mg_mg, 0) > $cof AS has_mg
           FROM dose_summary d WHERE d.product_id IN (SELECT unnest($ids::VARCHAR[]))""",
        {"ids": sorted(set(product_ids)), "high": float(params["high_dose_vitamin_d_mcg"]),
         "cof": float(params["min_cofactor_amount"])})
    cols = [c[0] for c in cur.description]
    return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}


def evaluate(con: duckdb.DuckDBPyConnection, ruleset: RuleSet, catalog: str) -> list[Flag]:
    """Flags for one catalog's current products, per the enabled rules.

    Rule SQL comes from config files, so each rule runs as a query and nothing more: one SELECT
    (check_query), in a read-only transaction, on a connection with file and network access off
    (lock_out_files, which stays in force on ``con`` afterwards). It must return product_key and
    product_id, and every name its message uses. Anything else is a ConfigError naming the rule."""
    prepare(con, catalog)
    evidence = _EvidenceIndex(con)
    lock_out_files(con)
    flags: list[Flag] = []
    for rule in ruleset.enabled_rules():
        check_query(rule.id, rule.sql)  # also for a RuleSet built without load_ruleset
        known = {**sql_constants(), **{p: ruleset.params[p] for p in rule.params}}
        bound = {p: v for p, v in known.items() if f"${p}" in rule.sql}
        cols, rows = _run_read_only(con, rule, bound)
        missing = [c for c in ("product_key", "product_id") if c not in cols]
        if missing:
            raise ConfigError(f"rule {rule.id}: its SQL must return the columns product_key and product_id; "
                              f"it lacks {', '.join(missing)} (it returns {', '.join(cols) or 'nothing'})")
        unknown = _message_fields(rule.message) - _message_names(cols, ruleset.params)
        if unknown:
            raise ConfigError(f"rule {rule.id}: its message names {', '.join(sorted(unknown))}, which is neither a "
                              "column its SQL returns nor a parameter")
        for values in rows:
            row = dict(zip(cols, values, strict=True))
            flags.append(Flag(
                rule_id=rule.id, severity=rule.severity, product_key=row["product_key"], product_id=row["product_id"],
                message=_message(rule, ruleset.params, row),
                evidence=json.dumps(evidence.for_flag(rule, row), sort_keys=True, default=float),
            ))
    return flags


def lock_out_files(con: duckdb.DuckDBPyConnection) -> None:
    """Switch off file and network access (read_text, read_csv, COPY, ATTACH, INSTALL, httpfs)
    and then lock the configuration, for the whole database instance behind ``con``.

    DuckDB has this switch per database instance only, and it cannot be turned back on while
    the instance lives. The rules run on the audit's own connection (the staging copy being
    written, whose rows are not yet on disk for any other connection to see), so that
    connection stays without file access for the rest of its life. It needs none: it only
    inserts rows registered from Python, checkpoints and closes."""
    settings = con.execute(
        "SELECT current_setting('enable_external_access'), current_setting('lock_configuration')").fetchone()
    assert settings is not None  # a SELECT without FROM has one row
    external, locked = settings
    if external:
        con.execute("SET enable_external_access = false")
    if not locked:
        con.execute("SET lock_configuration = true")


def _run_read_only(con: duckdb.DuckDBPyConnection, rule: Rule, bound: dict[str, Any]) -> tuple[list[str], list[tuple]]:
    """The rule's rows, read in a READ ONLY transaction: DuckDB refuses any write in it, and the
    rollback leaves nothing behind whatever happens."""
    try:
        con.execute("BEGIN TRANSACTION READ ONLY")
    except duckdb.TransactionException as e:
        raise RuntimeError("rules must be evaluated on a connection with no open transaction") from e
    try:
        cur = con.execute(rule.sql, bound)
        return [c[0] for c in cur.description], cur.fetchall()
    except duckdb.PermissionException as e:
        raise ConfigError(f"rule {rule.id}: its SQL reads a file or the network, which rules may not: {e}") from e
    except duckdb.TransactionException as e:
        raise ConfigError(f"rule {rule.id}: its SQL tries to change the warehouse, which rules may not: {e}") from e
    except duckdb.Error as e:
        raise ConfigError(f"rule {rule.id}: its SQL failed: {e}") from e
    finally:
        con.execute("ROLLBACK")


def _message_fields(template: str) -> set[str]:
    try:
        return {re.split(r"[.\[]", f)[0] for _, f, _, _ in string.Formatter().parse(template) if f}
    except ValueError:
        return set()  # a malformed template: _message says what is wrong with it


def _message_names(cols: list[str], params: dict[str, Any]) -> set[str]:
    """The names a message template may use (see _message)."""
    names = {*cols, *params, *sql_constants(), "k1_note"}
    return names | {n[: -len("_mcg")] + "_iu" for n in names if n.endswith("_mcg")}


def _message(rule: Rule, params: dict[str, Any], row: dict[str, Any]) -> str:
    values: dict[str, Any] = {**sql_constants(), **params, **{k: (0 if v is None else v) for k, v in row.items()}}
    for k in list(values):
        if k.endswith("_mcg") and isinstance(values[k], (int, float)):
            values[k] = round_sig(float(values[k]))
            values[k[: -len("_mcg")] + "_iu"] = values[k] * IU_PER_MCG_VITAMIN_D
    values["k1_note"] = " (its vitamin K is K1, phylloquinone, which does not count)" if row.get("has_k1") else ""
    try:
        return rule.message.format(**values)
    except (KeyError, ValueError) as e:
        raise ConfigError(f"rule {rule.id}: message template needs {e}") from e


_EVIDENCE_COLS = ["nutrient", "form", "label_text", "amount_text", "amount_canonical", "canonical_unit",
                  "daily_amount_canonical", "percent_dv", "page", "x0", "top", "x1", "bottom"]


class _EvidenceIndex:
    """The label rows and serving facts of every product being judged, read in two queries
    (a query per flag made re-judging a 2,000-label catalog take 10 s)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}
        for values in con.execute(
            f"""SELECT n.product_id, {', '.join('n.' + c for c in _EVIDENCE_COLS)}
                FROM nutrients n JOIN (SELECT DISTINCT product_id FROM run_products) p USING (product_id)
                ORDER BY n.product_id, n.row_index"""
        ).fetchall():
            self.rows.setdefault(values[0], []).append(dict(zip(_EVIDENCE_COLS, values[1:], strict=True)))
        self.serving = {
            r[0]: r[1:] for r in con.execute(
                "SELECT product_id, servings_per_day, servings_per_day_assumed, serving_size, directions "
                "FROM run_products"
            ).fetchall()
        }

    def for_flag(self, rule: Rule, row: dict[str, Any]) -> dict[str, Any]:
        pid = row["product_id"]
        spd = self.serving.get(pid)
        wanted = set(rule.evidence_nutrients)
        return {
            "values": {k: v for k, v in row.items() if k not in ("product_key", "product_id")},
            "serving_size": spd[2] if spd else None,
            "servings_per_day": spd[0] if spd else None,
            "servings_per_day_assumed": spd[1] if spd else None,
            "directions": spd[3] if spd else None,
            "rows": [r for r in self.rows.get(pid, []) if r["nutrient"] in wanted],
        }
