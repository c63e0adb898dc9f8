"""What a report shows, read from the warehouse (no rendering here).

A report covers one audit run of one catalog, optionally narrowed to one retailer. The
products of the catalog's latest run are the ``products`` table; those of an earlier run
are rebuilt from ``product_versions`` and ``label_versions`` (identity from today's
``products`` where the key still exists).

What the rule engine decided is read, never decided again: the daily doses and whether they
are high (``rules.engine.dose_summary``), the run's thresholds and their names
(``audit_runs.rule_params``), each product's verdict and its reasons (``verdicts``). A product
is "flagged" when its verdict is; flags are counted as flags.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from labelaudit.contracts.reference import IU_PER_MCG_VITAMIN_D

if TYPE_CHECKING:
    from rules.sources import Source

SEVERITY_ORDER = {"high": 0, "warning": 1, "info": 2}
PRODUCT_COLS = ("product_key", "product_id", "source_file", "page", "panel", "brand", "product_name", "sku",
                "retailer", "serving_size", "servings_per_day", "servings_per_day_assumed", "directions",
                "status", "status_detail")


@dataclass
class ReportProduct:
    """One product as the reports show it. Every field a report reads is declared here, whichever
    step fills it: the snapshot (identity, serving facts, the rules' doses, the verdict),
    :func:`report_data` (flags and the one-line reason) and the renderer (the evidence crop)."""

    product_key: str
    product_id: str | None
    source_file: str
    page: int | None
    panel: int | None
    brand: str | None
    product_name: str | None
    sku: str | None
    retailer: str | None
    serving_size: str | None
    servings_per_day: float | None
    servings_per_day_assumed: bool | None
    directions: str | None
    status: str
    status_detail: str | None
    # The rule engine's daily amounts and verdicts on them (rules.engine.dose_summary); readable products only.
    daily_d_mcg: float | None = None
    daily_d_all_mcg: float | None = None
    k2_mcg: float | None = None
    has_k1: bool | None = None
    mg_mg: float | None = None
    high_dose: bool | None = None
    has_k2: bool | None = None
    has_mg: bool | None = None
    # The run's verdict on it (verdicts), and its reasons in words.
    verdict: str | None = None
    why: str | None = None
    # Products with flags: the flags (most serious first), the one-line reason, the label rows behind them.
    flags: list[dict[str, Any]] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)
    severity: str | None = None
    reason: str = ""
    nutrients: list[dict[str, Any]] = field(default_factory=list)
    evidence_rows: list[dict[str, Any]] = field(default_factory=list)
    # The renderer's evidence crop (reports.render attach_crops).
    panel_box: tuple[float, float, float, float] | None = None
    cropped: bool = False
    crop_path: Path | None = None
    crop_note: str | None = None
    crop_width_pt: float | None = None


def _product(row: dict[str, Any], **more: Any) -> ReportProduct:
    return ReportProduct(**{k: row[k] for k in PRODUCT_COLS}, **more)


@dataclass
class ReportData:
    run: dict[str, Any]
    previous_run: dict[str, Any] | None
    retailer: str | None
    params: dict[str, float]
    headline: dict[str, Any]
    flagged: list[ReportProduct]
    needs_review: list[ReportProduct]
    brands: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    param_names: dict[str, str] = field(default_factory=dict)
    noted: list[ReportProduct] = field(default_factory=list)  # flags, but a verdict other than flagged
    daily_d: list[float] = field(default_factory=list)
    high_dose: dict[str, int] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    retailers: list[str] = field(default_factory=list)
    chart_svgs: dict[str, str] | None = field(default=None, repr=False, compare=False)  # drawn once, for HTML and PDF
    # Analysts' corrections of the catalog: in force (who, why), and lapsed ones to redo.
    corrections: list[dict[str, Any]] = field(default_factory=list)

    @property
    def catalog(self) -> str:
        return self.run["catalog"]


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _q(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list | None = None) -> list[dict[str, Any]]:
    if isinstance(params, dict):  # DuckDB refuses named parameters a statement does not use
        params = {k: v for k, v in params.items() if f"${k}" in sql}
    return _dicts(con.execute(sql, params or []))


# ------------------------------------------------------------------ runs

def resolve_run(con: duckdb.DuckDBPyConnection, run_id: str | None = None, catalog: str | None = None,
                ) -> dict[str, Any]:
    """The run asked for, else the latest finished run (of ``catalog`` when given)."""
    if run_id:
        runs = _q(con, "SELECT * FROM audit_runs WHERE audit_run_id = ?", [run_id])
        if not runs:
            latest = _q(con, "SELECT audit_run_id FROM audit_runs ORDER BY finished_at DESC LIMIT 5")
            known = [r["audit_run_id"] for r in latest]
            raise LookupError(f"no audit run {run_id} in the warehouse (latest: {', '.join(known) or 'none'})")
        return runs[0]
    sql = "SELECT * FROM audit_runs WHERE finished_at IS NOT NULL"
    args: list[Any] = []
    if catalog:
        sql += " AND catalog = ?"
        args.append(catalog)
    runs = _q(con, sql + " ORDER BY finished_at DESC LIMIT 1", args)
    if not runs:
        raise LookupError("the warehouse holds no finished audit run" + (f" of {catalog}" if catalog else ""))
    return runs[0]


def previous_run(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> dict[str, Any] | None:
    rows = _q(con, """SELECT * FROM audit_runs WHERE catalog = ? AND finished_at IS NOT NULL AND finished_at < ?
                      ORDER BY finished_at DESC LIMIT 1""", [run["catalog"], run["finished_at"]])
    return rows[0] if rows else None


def _is_latest(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> bool:
    return resolve_run(con, catalog=run["catalog"])["audit_run_id"] == run["audit_run_id"]


def products_at(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> list[ReportProduct]:
    """Every product (any status) of the run's catalog as that run saw it."""
    return [_product(r) for r in _product_rows(con, run)]


def _product_rows(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> list[dict[str, Any]]:
    cols = ", ".join(PRODUCT_COLS)
    if _is_latest(con, run):
        return _q(con, f"SELECT {cols} FROM products WHERE catalog = ? ORDER BY source_file, page, panel",
                  [run["catalog"]])
    return _q(con, """
        WITH runs AS (SELECT audit_run_id, finished_at FROM audit_runs WHERE catalog = $cat)
        SELECT v.product_key, v.product_id, v.source_file, lv.page, lv.panel,
               coalesce(p.brand, lv.label_brand) AS brand,
               coalesce(p.product_name, lv.label_product_name) AS product_name,
               p.sku, p.retailer, lv.serving_size, lv.servings_per_day, lv.servings_per_day_assumed, lv.directions,
               coalesce(lv.status, 'error') AS status, lv.status_detail
        FROM product_versions v
        JOIN runs f ON f.audit_run_id = v.first_seen_run
        LEFT JOIN runs r ON r.audit_run_id = v.removed_in_run
        LEFT JOIN label_versions lv ON lv.product_id = v.product_id
        LEFT JOIN products p ON p.catalog = v.catalog AND p.product_key = v.product_key
        WHERE v.catalog = $cat AND f.finished_at <= $t AND (v.removed_in_run IS NULL OR r.finished_at > $t)
        ORDER BY v.source_file, lv.page, lv.panel""", {"cat": run["catalog"], "t": run["finished_at"]})


def retailers_of(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> list[str]:
    return sorted({p.retailer for p in products_at(con, run) if p.retailer})


def _flags(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    rows = _q(con, "SELECT * FROM flags WHERE audit_run_id = ?", [run_id])
    for r in rows:
        r["evidence"] = json.loads(r["evidence"]) if r["evidence"] else {}
    return rows


def _run_params(run: dict[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """The thresholds the run judged with, and their names; a run that recorded none (or no names)
    gets today's rule set's."""
    try:
        recorded = json.loads(run.get("rule_params") or "{}")
    except (TypeError, ValueError):
        recorded = {}
    from rules import load_ruleset

    current = load_ruleset()
    params = {**current.params, **recorded.get("params", {})}
    return params, {**current.param_names, **recorded.get("names", {})}


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                            [name]).fetchall()[0][0])


def _waivers(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the optional ``waivers`` table in force for the run (its catalog, not revoked, not expired)."""
    if not _table_exists(con, "waivers"):
        return []
    try:
        rows = _q(con, "SELECT * FROM waivers")
    except duckdb.Error:
        return []
    day = run["finished_at"].date() if hasattr(run.get("finished_at"), "date") else None
    return [w for w in rows if "product_key" in w and (not w.get("catalog") or w["catalog"] == run["catalog"])
            and not w.get("revoked_at") and not (day and w.get("expires_on") and w["expires_on"] < day)]


def _corrections(con: duckdb.DuckDBPyConnection, run: dict[str, Any]) -> list[dict[str, Any]]:
    """The catalog's corrections in force or lapsed (taken-back ones are history, not news)."""
    if not _table_exists(con, "corrections"):
        return []
    return _q(con, """SELECT c.correction_id, c.product_key, p.brand, p.product_name, c.nutrient, c.label_text, c.field,
                             c.value_read, c.value_set, c."by", c.reason, c."at", c.lapsed_in_run, c.lapse_reason
                      FROM corrections c LEFT JOIN products p ON p.catalog = c.catalog AND p.product_key = c.product_key
                      WHERE c.catalog = ? AND c.undone_at IS NULL ORDER BY c.lapsed_in_run NULLS FIRST, c."at" """,
              [run["catalog"]])


def _is_waived(flag: dict[str, Any], waivers: list[dict[str, Any]]) -> bool:
    """The run's own record (flags.waived) where the warehouse has one, else a matching waiver."""
    if flag.get("waived") is not None and "waived" in flag:
        return bool(flag["waived"])
    return any(w["product_key"] == flag["product_key"] and (not w.get("rule_id") or w["rule_id"] == flag["rule_id"])
               and (not w.get("product_id") or w["product_id"] == flag["product_id"]) for w in waivers)


# ------------------------------------------------------------------ doses

DOSE_KEYS = ("daily_d_mcg", "daily_d_all_mcg", "k2_mcg", "has_k1", "mg_mg", "high_dose", "has_k2", "has_mg")
assert set(DOSE_KEYS) <= {f.name for f in fields(ReportProduct)}


_NUTRIENT_COLS = """row_index, nutrient, form, form_detail, label_text, amount_text, dv_text, amount_canonical,
                     canonical_unit, daily_amount_canonical, percent_dv, page, x0, top, x1, bottom,
                     amount, unit, {corrected}"""


def _nutrient_cols(con: duckdb.DuckDBPyConnection) -> str:
    """The columns reports read; a warehouse from before corrections (schema version 2, read without
    upgrading) has none, so its rows read as uncorrected."""
    has = con.execute("SELECT count(*) FROM duckdb_columns() "
                      "WHERE table_name = 'nutrients' AND column_name = 'corrected' "
                      "AND database_name = current_database()").fetchall()[0][0]
    return _NUTRIENT_COLS.format(corrected="corrected, correction_id" if has else
                                 "false AS corrected, NULL::VARCHAR AS correction_id")


def _nutrient_rows(con: duckdb.DuckDBPyConnection, product_id: str) -> list[dict[str, Any]]:
    return _q(con, f"SELECT {_nutrient_cols(con)} FROM nutrients WHERE product_id = ? ORDER BY row_index", [product_id])


def _nutrient_rows_of(con: duckdb.DuckDBPyConnection, product_ids: Iterable[str | None],
                      ) -> dict[str, list[dict[str, Any]]]:
    """:func:`_nutrient_rows` of many products in one query (one query per product took most of the load)."""
    ids = sorted({i for i in product_ids if i is not None})
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return out
    cur = con.execute(f"""SELECT product_id, {_nutrient_cols(con)} FROM nutrients
                          WHERE product_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY product_id, row_index""", [ids])
    cols = [c[0] for c in cur.description]
    for r in cur.fetchall():
        d = dict(zip(cols, r, strict=True))
        out[d.pop("product_id")].append(d)
    return out


def fmt_amount(v: float | None, unit: str = "") -> str:
    if v is None:
        return "none"
    s = f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"
    return f"{s} {unit}".strip()


def servings_text(spd: float | None, assumed: bool | None) -> str:
    """``2 servings a day``, ``1 serving a week``, ``1 serving every 2 days``."""
    if spd is None:
        return "servings a day unknown"
    if spd >= 1 or spd <= 0:
        s = f"{spd:g} serving{'s' if spd != 1 else ''} a day"
    else:
        n = 1 / spd
        s = ("1 serving a week" if abs(n - 7) < 1e-6 else f"1 serving every {round(n):d} days"
             if abs(n - round(n)) < 1e-6 else f"{spd:.3g} servings a day")
    return s + (" (assumed: the label gives no directions)" if assumed else "")


def threshold_text(params: dict[str, float], names: dict[str, str], param: str) -> str:
    """``4,000 IU high-dose vitamin D threshold``: a vitamin D threshold of the run, with its name."""
    return f"{params[param] * IU_PER_MCG_VITAMIN_D:,.0f} IU {names.get(param, param)}"


def plain_reason(p: ReportProduct, params: dict[str, float], names: dict[str, str]) -> str:
    """One sentence a buyer reads in the table; the rule messages carry the detail."""
    d = p.daily_d_mcg or 0.0
    defs = rule_definitions()
    rules = list(dict.fromkeys(p.rule_ids))
    missing = [defs[r].missing_phrase(bool(p.has_k1)) for r in rules if r in defs and defs[r].missing]
    other = sorted(r for r in rules if not (r in defs and defs[r].missing))
    limit = params["high_dose_vitamin_d_mcg"]
    if missing:
        s = (f"{d * IU_PER_MCG_VITAMIN_D:,.0f} IU vitamin D a day ({d / limit:.1f}× the "
             f"{threshold_text(params, names, 'high_dose_vitamin_d_mcg')}) with " + " and ".join(missing) + ".")
    else:
        s = ""
    if other:
        titles = rule_titles()
        extra = "; ".join(titles.get(r, r) for r in other)
        s += (" Also: " if s else "") + extra + "."
    return s


_RULES: dict[str, Any] | None = None


def rule_definitions() -> dict[str, Any]:
    """The rule definitions by id (none where they cannot be read: ids are shown instead)."""
    global _RULES
    if _RULES is None:
        try:
            from rules import load_ruleset

            _RULES = {r.id: r for r in load_ruleset().rules}
        except Exception:
            _RULES = {}
    return _RULES


def rule_titles() -> dict[str, str]:
    """Each rule's one-line title from the rule definitions."""
    return {rid: r.title for rid, r in rule_definitions().items()}


def rule_sources() -> dict[str, list[Source]]:
    """Each rule's sources: the sections of docs/references.md it cites, with their links."""
    from rules.sources import cite

    return {rid: cite(r.reference) for rid, r in rule_definitions().items()}


def _reasons_text(reasons: Any) -> str:
    try:
        val = json.loads(reasons) if isinstance(reasons, str) else reasons
    except ValueError:
        return str(reasons)
    if isinstance(val, list):
        return "; ".join(str(v.get("detail") or v.get("reason") or v) if isinstance(v, dict) else str(v) for v in val)
    return str(val or "needs review")


# ------------------------------------------------------------------ the report

@dataclass
class RunSnapshot:
    """Everything the reports of one run read from the warehouse, read once: the catalog summary and
    each retailer's report are cut from it (:func:`report_data`) without querying again."""
    run: dict[str, Any]
    params: dict[str, float]
    previous_run: dict[str, Any] | None
    products: list[ReportProduct]
    retailers: list[str]
    flags: list[dict[str, Any]]
    waivers: list[dict[str, Any]]
    nutrients: dict[str, list[dict[str, Any]]]
    param_names: dict[str, str] = field(default_factory=dict)
    before: list[ReportProduct] = field(default_factory=list)
    previous_flags: list[dict[str, Any]] = field(default_factory=list)
    corrections: list[dict[str, Any]] = field(default_factory=list)


def load_snapshot(con: duckdb.DuckDBPyConnection, run_id: str | None = None, catalog: str | None = None,
                  details: bool = True) -> RunSnapshot:
    """Read a run once. ``details=False`` skips the label rows (nutrients) that only the evidence and the
    reformulation diffs show."""
    from rules.engine import dose_summary

    run = resolve_run(con, run_id, catalog)
    params, names = _run_params(run)
    prev = previous_run(con, run)
    rows = _product_rows(con, run)
    doses = dose_summary(con, [r["product_id"] for r in rows if r["status"] == "ok"], params)
    verdicts = {v["product_key"]: v for v in _q(
        con, "SELECT product_key, verdict, reasons FROM verdicts WHERE audit_run_id = ?", [run["audit_run_id"]])}
    every = []
    for r in rows:
        d = doses.get(r["product_id"], {}) if r["status"] == "ok" else {}
        v = verdicts.get(r["product_key"], {})
        every.append(_product(r, **{k: d.get(k) for k in DOSE_KEYS}, verdict=v.get("verdict"),
                              why=_reasons_text(v["reasons"]) if v.get("reasons") else None))
    flags = _flags(con, run["audit_run_id"])
    before, prev_flags = [], []
    if prev:
        before = products_at(con, prev)
        prev_flags = _flags(con, prev["audit_run_id"])
    nutrients: dict[str, list[dict[str, Any]]] = {}
    if details:
        by_key = {p.product_key: p for p in every}
        ids = {by_key[f["product_key"]].product_id for f in flags if f["product_key"] in by_key}
        old = {p.product_key: p.product_id for p in before}
        for k, p in by_key.items():  # reformulated labels: both versions' rows
            if k in old and old[k] != p.product_id:
                ids |= {old[k], p.product_id}
        nutrients = _nutrient_rows_of(con, ids)
    return RunSnapshot(run=run, params=params, param_names=names, previous_run=prev, products=every,
                       retailers=sorted({p.retailer for p in every if p.retailer}), flags=flags,
                       waivers=_waivers(con, run), nutrients=nutrients, corrections=_corrections(con, run),
                       before=before, previous_flags=prev_flags)


def load_report_data(con: duckdb.DuckDBPyConnection, run_id: str | None = None, retailer: str | None = None,
                     catalog: str | None = None) -> ReportData:
    return report_data(load_snapshot(con, run_id, catalog), retailer)


def report_data(snap: RunSnapshot, retailer: str | None = None) -> ReportData:
    """One report's content (the catalog summary, or ``retailer``'s) from a run read once."""
    run, params, prev, every = snap.run, snap.params, snap.previous_run, snap.products
    all_retailers = snap.retailers
    scope = [p for p in every if not retailer or p.retailer == retailer]
    in_scope = {p.product_key for p in scope}
    ok = [p for p in scope if p.status == "ok"]

    flags = [f for f in snap.flags if f["product_key"] in in_scope]
    waivers = snap.waivers
    by_key = {p.product_key: p for p in scope}
    carrying: dict[str, ReportProduct] = {}  # every product with a flag, waived or not; a copy per report
    for f in sorted(flags, key=lambda f: (SEVERITY_ORDER.get(f["severity"], 9), f["rule_id"])):
        p = carrying.setdefault(f["product_key"], replace(by_key[f["product_key"]], flags=[]))
        f["waived"] = _is_waived(f, waivers)
        p.flags.append(f)
    for p in carrying.values():
        p.rule_ids = [f["rule_id"] for f in p.flags]
        live = [f for f in p.flags if not f["waived"]] or p.flags
        p.severity = min((f["severity"] for f in live), key=lambda s: SEVERITY_ORDER.get(s, 9))
        p.reason = plain_reason(p, params, snap.param_names)
        p.nutrients = snap.nutrients.get(p.product_id or "", [])
        used: dict[int, dict[str, Any]] = {}
        for f in p.flags:
            for r in f["evidence"].get("rows", []):
                match = [n for n in p.nutrients if (n["label_text"], n["amount_text"], n["top"]) ==
                         (r.get("label_text"), r.get("amount_text"), r.get("top"))]
                for n in match:
                    used[n["row_index"]] = n
        p.evidence_rows = [used[i] for i in sorted(used)] or [
            n for n in p.nutrients if n["nutrient"] in ("vitamin_d", "vitamin_k", "magnesium")]
        p.directions = p.directions or p.flags[0]["evidence"].get("directions")

    def order(p: ReportProduct) -> tuple[int, float, str, str]:
        return (SEVERITY_ORDER.get(p.severity or "", 9), -(p.daily_d_mcg or 0),
                (p.brand or "").lower(), (p.product_name or "").lower())

    # "Flagged" is the verdict (an unwaived warning or high flag, read with confidence); products whose
    # flags are information only, waived, or wait for a review are listed apart, never counted as flagged.
    flagged = sorted((p for p in carrying.values() if p.verdict == "flagged"), key=order)
    noted = sorted((p for p in carrying.values() if p.verdict != "flagged"), key=order)
    flagged_keys = {p.product_key for p in flagged}
    needs_review = [p for p in scope if p.verdict == "needs_review"]

    brands_map: dict[str, dict[str, Any]] = {}
    for p in ok:
        brand = p.brand or "(unknown brand)"
        b = brands_map.setdefault(brand, {"brand": brand, "products": 0, "flagged": 0, "high": 0, "warning": 0})
        b["products"] += 1
        if p.product_key in flagged_keys:
            b["flagged"] += 1
            b[carrying[p.product_key].severity or "high"] += 1
    brands = sorted(brands_map.values(), key=lambda b: (-b["flagged"] / max(b["products"], 1), b["brand"].lower()))

    rules_map: dict[str, dict[str, Any]] = {}
    for f in flags:
        r = rules_map.setdefault(f["rule_id"], {"rule_id": f["rule_id"], "severity": f["severity"], "products": set()})
        r["products"].add(f["product_key"])
    rules = sorted(({**r, "products": len(r["products"])} for r in rules_map.values()),
                   key=lambda r: (SEVERITY_ORDER.get(r["severity"], 9), r["rule_id"]))

    high_dose = {"K2 and magnesium": 0, "K2 only": 0, "magnesium only": 0, "neither": 0}
    for p in ok:
        if p.high_dose:
            k2, mg = bool(p.has_k2), bool(p.has_mg)
            coverage = "K2 and magnesium" if k2 and mg else "K2 only" if k2 else "magnesium only" if mg else "neither"
            high_dose[coverage] += 1

    live_flags = [f for f in flags if not f["waived"]]
    headline = {
        "products": len(ok),
        "files_not_read": sum(p.status != "ok" for p in scope),
        "flagged": len(flagged),
        "flagged_by_severity": {s: sum(p.severity == s for p in flagged) for s in ("high", "warning")},
        "flags_by_severity": {s: sum(f["severity"] == s for f in live_flags) for s in ("high", "warning", "info")},
        "needs_review": len(needs_review),
        "passed": sum(p.verdict == "pass" for p in scope),
        "noted": len(noted),
        "flags_waived": sum(bool(f["waived"]) for f in flags),
        "products_waived": len({f["product_key"] for f in flags if f["waived"]}),
        "high_dose": sum(high_dose.values()),
    }
    changes = _changes(snap, scope, flags, retailer) if prev else {}
    return ReportData(
        run=run, previous_run=prev, retailer=retailer, params=params, headline=headline, flagged=flagged,
        needs_review=needs_review, brands=brands, rules=rules, param_names=snap.param_names, noted=noted,
        daily_d=[p.daily_d_all_mcg for p in ok if p.daily_d_all_mcg is not None],
        high_dose=high_dose, changes=changes, retailers=all_retailers,
        corrections=[c for c in snap.corrections if c["product_key"] in in_scope or c["lapsed_in_run"]],
    )


# ------------------------------------------------------------------ changes since the previous run

def _row_key(n: dict[str, Any]) -> tuple:
    return (n["nutrient"] or (n["label_text"] or "").lower(), n["form"])


def nutrient_diff(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows added, removed or changed between two label versions, matched by nutrient and form."""
    def group(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
        g: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for n in rows:
            g.setdefault(_row_key(n), []).append(n)
        return g

    go, gn = group(old), group(new)
    out: list[dict[str, Any]] = []
    for key in list(go) + [k for k in gn if k not in go]:
        a, b = go.get(key, []), gn.get(key, [])
        for i in range(max(len(a), len(b))):
            o = a[i] if i < len(a) else None
            n = b[i] if i < len(b) else None
            if o is None:
                out.append({"change": "added", "old": None, "new": n})
            elif n is None:
                out.append({"change": "removed", "old": o, "new": None})
            elif (o["amount_text"], o["label_text"], o["daily_amount_canonical"]) != (
                    n["amount_text"], n["label_text"], n["daily_amount_canonical"]):
                out.append({"change": "changed", "old": o, "new": n})
    return out


def _changes(snap: RunSnapshot, scope: list[ReportProduct], flags: list[dict[str, Any]],
             retailer: str | None) -> dict[str, Any]:
    before = snap.before
    cur = {p.product_key: p for p in scope}
    # Retailers come from today's products: a removed product's retailer is known only when it was in this
    # catalog's manifest under a key still present, so a retailer's report lists removals it can attribute.
    old = {p.product_key: p for p in before if not retailer or p.retailer == retailer}
    prev_flags = [f for f in snap.previous_flags if f["product_key"] in old or f["product_key"] in cur]
    new_products = [cur[k] for k in cur if k not in old]
    removed_products = [old[k] for k in old if k not in cur]
    reformulated: list[dict[str, Any]] = []
    for k in cur:
        if k in old and old[k].product_id != cur[k].product_id:
            diff = nutrient_diff(snap.nutrients.get(old[k].product_id or "", []),
                                 snap.nutrients.get(cur[k].product_id or "", []))
            reformulated.append({"old": old[k], "new": cur[k], "diff": diff})
    now_pairs = {(f["product_key"], f["rule_id"]) for f in flags}
    then_pairs = {(f["product_key"], f["rule_id"]) for f in prev_flags}
    reformulated_keys = {r["new"].product_key for r in reformulated}

    def describe(key: str, products: dict[str, ReportProduct]) -> dict[str, Any]:
        p = products.get(key) or cur.get(key) or old.get(key)
        return {"product_key": key, "brand": p and p.brand, "product_name": p and p.product_name,
                "sku": p and p.sku, "source_file": p and p.source_file}

    new_flags = [dict(describe(f["product_key"], cur), rule_id=f["rule_id"], severity=f["severity"],
                      message=f["message"],
                      why=("new product" if f["product_key"] not in old else
                           "label changed" if f["product_key"] in reformulated_keys else
                           "same label; rules or thresholds changed"))
                 for f in flags if (f["product_key"], f["rule_id"]) not in then_pairs]
    resolved = [dict(describe(f["product_key"], old), rule_id=f["rule_id"], severity=f["severity"],
                     message=f["message"],
                     why=("product removed from the catalog" if f["product_key"] not in cur else
                          "label reformulated" if f["product_key"] in reformulated_keys else
                          "same label; rules or thresholds changed"))
                for f in prev_flags if (f["product_key"], f["rule_id"]) not in now_pairs
                and (f["product_key"] in old)]

    def key(d: dict[str, Any]) -> tuple[int, str, str]:
        severity = SEVERITY_ORDER.get(d.get("severity") or "", 9)
        return severity, (d.get("brand") or "").lower(), d.get("product_name") or ""

    return {
        "new_flags": sorted(new_flags, key=key), "resolved_flags": sorted(resolved, key=key),
        "new_products": new_products, "removed_products": removed_products, "reformulated": reformulated,
    }
