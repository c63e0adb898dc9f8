"""The analyst's loop: the review queue, corrections, waivers, and the journal that keeps a
correction made while an audit holds the warehouse.

The CLI (``labelaudit review|correct|waive``) and the page (``labelaudit ui``) call these same
functions, so both make the same records. A correction or a waiver re-judges its catalog in
place: the latest run's flags and verdicts are replaced and its counts updated, and no audit run
is recorded, so the next report still compares audit against audit.
"""
from __future__ import annotations

import contextlib
import difflib
import fcntl
import json
import math
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from labelaudit.contracts.errors import TerminalError, WarehouseBusy
from labelaudit.contracts.records import AuditRun, RowRecord
from rules import RuleSet
from warehouse.load import now, record_run
from warehouse.store import cleanup_stale_stages, connect_read_only, staged_write, writer_lock

UNITS = ("mcg", "mg", "g", "IU", "mcg RAE", "mcg DFE")
_UNIT_SPELLINGS = {"µg": "mcg", "μg": "mcg", "ug": "mcg", "mcg": "mcg", "mg": "mg", "g": "g", "iu": "IU",
                   "mcg rae": "mcg RAE", "µg rae": "mcg RAE", "ug rae": "mcg RAE", "mcg dfe": "mcg DFE"}
# Units an amount of these nutrients may be declared in; others take any SPEC unit.
_UNITS_FOR = {
    "vitamin_d": ("mcg", "mg", "IU"),
    "vitamin_k": ("mcg", "mg"),
    "vitamin_a": ("mcg RAE", "mcg", "IU"),
    "magnesium": ("mg", "g", "mcg"),
    "calcium": ("mg", "g", "mcg"),
}
SEVERITY_RANK = {"high": 3, "warning": 2, "info": 1}


class AnalystInputError(TerminalError, LookupError):
    """A correction, waiver or undo that cannot be made as asked; nothing was changed."""

    exit_code = 2


@dataclass
class CorrectionRequest:
    """One correction as asked (by the CLI, the page, or the journal)."""

    product_key: str
    reason: str
    by: str
    nutrient: str | None = None
    form: str | None = None          # selects the row by its form (D3, K2...)
    row: str | None = None           # selects the row by its name as printed
    amount: float | None = None
    unit: str | None = None
    set_form: str | None = None
    servings_per_day: float | None = None
    add: bool = False
    remove: bool = False
    confirm: bool = False
    catalog: str | None = None
    correction_id: str = field(default_factory=lambda: "c-" + uuid.uuid4().hex[:10])


# --- reading -------------------------------------------------------------------------------------

def review_queue(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[dict[str, Any]]:
    """The products in ``needs_review`` in the latest run of each catalog, most serious first: the
    worst flag they would carry, then how many reasons, then the key."""
    cur = con.execute(
        """WITH latest AS (SELECT * FROM latest_runs WHERE $c IS NULL OR catalog = $c),
                fl AS (SELECT f.catalog, f.product_key, max(CASE f.severity WHEN 'high' THEN 3 WHEN 'warning' THEN 2
                                                             WHEN 'info' THEN 1 ELSE 0 END) AS worst,
                              string_agg(f.rule_id, ', ' ORDER BY f.rule_id) AS flags
                       FROM flags f JOIN latest r USING (catalog, audit_run_id) WHERE NOT coalesce(f.waived, false)
                       GROUP BY ALL)
           SELECT v.catalog, v.product_key, p.product_name, p.brand, p.retailer, p.source_file, p.page, p.panel,
                  CASE coalesce(fl.worst, 0) WHEN 3 THEN 'high' WHEN 2 THEN 'warning' WHEN 1 THEN 'info' ELSE '' END
                      AS worst_flag,
                  fl.flags, v.reasons, v.audit_run_id
           FROM verdicts v JOIN latest r USING (catalog, audit_run_id)
           LEFT JOIN products p ON p.catalog = v.catalog AND p.product_key = v.product_key
           LEFT JOIN fl ON fl.catalog = v.catalog AND fl.product_key = v.product_key
           WHERE v.verdict = 'needs_review'
           ORDER BY coalesce(fl.worst, 0) DESC, len(string_split(coalesce(v.reasons, ''), '; ')) DESC, v.product_key""",
        {"c": catalog})
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def find_product(con: duckdb.DuckDBPyConnection, key: str, catalog: str | None) -> dict[str, Any]:
    """The product under ``key`` (in ``catalog``), or an error that suggests the keys meant."""
    cur = con.execute(
        """SELECT p.catalog, p.product_key, p.product_id, p.status, p.servings_per_day, lv.servings_per_day AS spd_read,
                  lv.extractor_version, p.product_name
           FROM products p LEFT JOIN label_versions lv USING (product_id)
           WHERE p.product_key = $k AND ($c IS NULL OR p.catalog = $c)""", {"k": key, "c": catalog})
    cols = [c[0] for c in cur.description]
    found = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise AnalystInputError(f"product key {key!r} is in several catalogs; name one with --catalog")
    keys = [r[0] for r in con.execute("SELECT product_key FROM products WHERE $c IS NULL OR catalog = $c",
                                      {"c": catalog}).fetchall()]
    # The common slip: a file's key without its #page#panel suffix.
    near = sorted(k for k in keys if k.startswith(key + "#"))
    near += [k for k in difflib.get_close_matches(key, keys, n=5, cutoff=0.6) if k not in near]
    hint = f"; did you mean {' or '.join(repr(k) for k in near[:5])}?" if near else (
        "; `labelaudit review` and the reports show each product's key")
    raise AnalystInputError(f"no product with key {key!r} in the warehouse{hint}")


def product_rows(con: duckdb.DuckDBPyConnection, product_id: str, as_read: bool = False) -> list[dict[str, Any]]:
    table = "nutrients_as_read" if as_read else "nutrients"
    extra = "" if as_read else ", corrected, confirmed, correction_id"
    cur = con.execute(f"""SELECT row_index, nutrient, form, label_text, amount, unit, amount_canonical, canonical_unit,
                                 daily_amount_canonical, read_method, confidence, page, x0, top, x1, bottom{extra}
                          FROM {table} WHERE product_id = ? ORDER BY row_index""", [product_id])
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


# --- building a correction -------------------------------------------------------------------------

def _unit(text: str | None) -> str | None:
    if text is None:
        return None
    u = _UNIT_SPELLINGS.get(" ".join(text.split()).lower())
    if u is None:
        raise AnalystInputError(f"unknown unit {text!r}; use one of {', '.join(UNITS)}")
    return u


def _amount(x: float | None, what: str) -> float | None:
    if x is None:
        return None
    if not math.isfinite(x) or x < 0:
        raise AnalystInputError(f"{what} must be a number of zero or more, not {x:g}")
    return float(x)


def _words(amount: float | None, unit: str | None) -> str:
    return "no amount" if amount is None else f"{amount:g} {unit or ''}".strip()


def _known_nutrients() -> dict[str, tuple[str, ...]]:
    from warehouse.names import catalog as nutrient_catalog

    return {spec.id: tuple(f for f, _ in spec.forms) for spec in nutrient_catalog()}


def build(con: duckdb.DuckDBPyConnection, req: CorrectionRequest,
          extractor_version: str | None = None) -> dict[str, Any]:
    """The ``corrections`` row ``req`` makes, checked against the warehouse; AnalystInputError
    (changing nothing) where it cannot be made as asked."""
    if not (req.reason or "").strip() or not (req.by or "").strip():
        raise AnalystInputError("a correction needs --reason (why) and --by (who)")
    acts = [bool(req.add), bool(req.remove), bool(req.confirm), req.servings_per_day is not None]
    if not any(acts):  # amount, unit and form are what --add sets, or the change itself
        acts.append(req.amount is not None or req.unit is not None or req.set_form is not None)
    if sum(acts) != 1:
        raise AnalystInputError("say one thing to do: --amount/--unit/--set-form, --add, --remove, --confirm or "
                                "--servings-per-day")
    p = find_product(con, req.product_key, req.catalog)
    base = {"correction_id": req.correction_id, "catalog": p["catalog"], "product_key": p["product_key"],
            "product_id": p["product_id"], "reason": req.reason.strip(), "by": req.by.strip(), "at": now(),
            "extractor_version": p["extractor_version"]}
    if req.servings_per_day is not None:
        spd = _amount(req.servings_per_day, "--servings-per-day")
        if not spd:
            raise AnalystInputError("--servings-per-day must be more than zero")
        return {**base, "field": "servings_per_day", "amount_read": p["spd_read"], "servings_per_day": spd,
                "value_read": _words(p["spd_read"], "a day"), "value_set": _words(spd, "a day")}
    if req.confirm and req.nutrient is None:
        if p["status"] != "ok":
            raise AnalystInputError(f"{req.product_key}: no panel was read ({p['status']}), so there is no reading to "
                                    "confirm; --add the rows the label declares instead")
        return {**base, "field": "confirmed", "value_read": "the reading as a whole", "value_set": "confirmed"}
    if not req.nutrient:
        raise AnalystInputError("name the row's nutrient with --nutrient (e.g. vitamin_d)")
    nutrient = req.nutrient.strip().lower().replace(" ", "_")
    known = _known_nutrients()
    # Rows as read (what a correction applies to) and rows added by hand (which only --undo changes).
    rows = product_rows(con, p["product_id"], as_read=True) + [
        r for r in product_rows(con, p["product_id"]) if r["read_method"] == "analyst"]
    amount, unit = _amount(req.amount, "--amount"), _unit(req.unit)
    if req.add:
        if nutrient not in known:
            raise AnalystInputError(f"unknown nutrient {req.nutrient!r}; known: {', '.join(sorted(known))}")
        if amount is None or unit is None:
            raise AnalystInputError("--add needs --amount and --unit")
        form = _form(nutrient, req.form or req.set_form, known)
        _check_unit(nutrient, unit)
        label = req.row or nutrient.replace("_", " ").capitalize() + (f" ({form})" if form else "")
        canonical, cunit = _canonical(nutrient, label, amount, unit)
        return {**base, "field": "added", "nutrient": nutrient, "label_text": label, "form": form, "amount": amount,
                "unit": unit, "amount_canonical": canonical, "canonical_unit": cunit, "value_read": "not read",
                "value_set": _words(amount, unit)}
    mine = [r for r in rows if r["nutrient"] == nutrient]
    if not mine:
        have = sorted({r["nutrient"] for r in rows if r["nutrient"]})
        what = "unknown nutrient" if nutrient not in known else f"{req.product_key} has no {nutrient} row"
        raise AnalystInputError(f"{what} {req.nutrient!r}" if nutrient not in known else
                                f"{what}; its rows: {', '.join(have) or 'none'} (--add adds a row that was missed)")
    if req.form:
        mine = [r for r in mine if (r["form"] or "").lower() == req.form.lower()]
    if req.row:
        exact = [r for r in mine if (r["label_text"] or "").lower() == req.row.lower()]
        mine = exact or [r for r in mine if req.row.lower() in (r["label_text"] or "").lower()]
    if len({(r["label_text"], r["amount"], r["unit"]) for r in mine}) != 1:
        listing = "; ".join(f"{r['label_text']!r} ({r['form'] or 'no form'}, {_words(r['amount'], r['unit'])})"
                            for r in (mine or [r for r in rows if r["nutrient"] == nutrient]))
        raise AnalystInputError(f"{req.product_key} has {'several' if mine else 'no matching'} {nutrient} rows: "
                                f"{listing}; pick one with --row TEXT or --form F")
    r = mine[0]
    if r.get("read_method") == "analyst":
        raise AnalystInputError(f"that {nutrient} row was added by correction {r['correction_id']}: take it back with "
                                f"--undo {r['correction_id']} and --add it again")
    ident = {"nutrient": nutrient, "label_text": r["label_text"], "form_read": r["form"], "amount_read": r["amount"],
             "unit_read": r["unit"], "value_read": _words(r["amount"], r["unit"])}
    if req.remove:
        return {**base, **ident, "field": "removed", "value_set": "not on the label"}
    if req.confirm:
        return {**base, **ident, "field": "confirmed", "value_set": "confirmed as read"}
    if req.set_form is not None:
        form = _form(nutrient, req.set_form, known)
        return {**base, **ident, "field": "form", "form": form, "value_read": r["form"] or "no form",
                "value_set": form or "no form"}
    amount = r["amount"] if amount is None else amount
    unit = unit or r["unit"]
    if amount is None or unit is None:
        raise AnalystInputError("the row was read with no amount or unit: give both --amount and --unit")
    _check_unit(nutrient, unit)
    if amount == r["amount"] and unit == r["unit"]:
        raise AnalystInputError(f"{_words(amount, unit)} is what was read; --confirm accepts a reading as it is")
    canonical, cunit = _canonical(nutrient, r["label_text"], amount, unit)
    return {**base, **ident, "field": "amount" if amount != r["amount"] else "unit", "amount": amount, "unit": unit,
            "amount_canonical": canonical, "canonical_unit": cunit, "value_set": _words(amount, unit)}


def _form(nutrient: str, form: str | None, known: dict[str, tuple[str, ...]]) -> str | None:
    if form is None or form == "":
        return None
    forms = known.get(nutrient, ())
    match = [f for f in forms if f.lower() == form.lower()]
    if not match:
        raise AnalystInputError(f"{form!r} is not a form of {nutrient}; forms: {', '.join(forms) or 'none'}")
    return match[0]


def _check_unit(nutrient: str, unit: str) -> None:
    allowed = _UNITS_FOR.get(nutrient, UNITS)
    if unit not in allowed:
        raise AnalystInputError(f"{unit} is not a unit for {nutrient}; use {', '.join(allowed)}")


def _canonical(nutrient: str, label: str, amount: float, unit: str) -> tuple[float | None, str | None]:
    from warehouse.units import canonical_amount, round_sig

    value, cunit = canonical_amount(nutrient, RowRecord(label_text=label, amount=amount, unit=unit))
    return round_sig(value), cunit


# --- writing ---------------------------------------------------------------------------------------

_COLS = ["correction_id", "catalog", "product_key", "product_id", "nutrient", "field", "value_read", "value_set",
         "reason", "by", "at", "label_text", "form_read", "amount_read", "unit_read", "extractor_version", "form",
         "amount", "unit", "amount_canonical", "canonical_unit", "servings_per_day"]


def record(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> None:
    """Insert ``row``; a later correction of the same row (or of servings per day) replaces the one
    in force, which is kept as undone so its history stays."""
    if row["field"] in ("amount", "unit", "form", "removed", "confirmed", "servings_per_day"):
        same_kind = ("('confirmed')" if row["field"] == "confirmed" else
                     "('servings_per_day')" if row["field"] == "servings_per_day" else
                     "('amount', 'unit', 'form', 'removed')")
        con.execute(
            f"""UPDATE corrections SET undone_at = $at, undone_by = 'replaced by ' || $id
                WHERE undone_at IS NULL AND lapsed_in_run IS NULL AND product_id = $pid AND product_key = $key
                  AND catalog = $cat AND field IN {same_kind}
                  AND nutrient IS NOT DISTINCT FROM $n AND label_text IS NOT DISTINCT FROM $lt
                  AND amount_read IS NOT DISTINCT FROM $ar AND unit_read IS NOT DISTINCT FROM $ur""",
            {"at": row["at"], "id": row["correction_id"], "pid": row["product_id"], "key": row["product_key"],
             "cat": row["catalog"], "n": row.get("nutrient"), "lt": row.get("label_text"),
             "ar": row.get("amount_read"), "ur": row.get("unit_read")})
    quoted = ", ".join(f'"{c}"' for c in _COLS)  # "by" and "at" are SQL keywords
    con.execute(f"INSERT INTO corrections ({quoted}) VALUES ({', '.join('?' * len(_COLS))})",
                [row.get(c) for c in _COLS])


def undo(con: duckdb.DuckDBPyConnection, correction_id: str, by: str) -> dict[str, Any]:
    found = con.execute("SELECT catalog, product_key, undone_at FROM corrections WHERE correction_id = ?",
                        [correction_id]).fetchall()
    if not found:
        raise AnalystInputError(f"no correction {correction_id!r}; `labelaudit corrections` lists them")
    catalog, key, undone = found[0]
    if undone is not None:
        raise AnalystInputError(f"correction {correction_id} was already taken back")
    con.execute("UPDATE corrections SET undone_at = ?, undone_by = ? WHERE correction_id = ?",
                [now(), by, correction_id])
    return {"catalog": catalog, "product_key": key}


def rejudge(con: duckdb.DuckDBPyConnection, catalog: str, ruleset: RuleSet) -> AuditRun | None:
    """Judge ``catalog`` again into its latest run (no new run). With rules other than that run's,
    a new ``reevaluate`` run instead: a run's flags always come from the rules it records."""
    from flows.pipeline import judge, new_run_id

    latest = con.execute(
        """SELECT a.audit_run_id, a.started_at, a.kind, a.ruleset_version FROM latest_runs r
           JOIN audit_runs a USING (audit_run_id) WHERE r.catalog = ?""", [catalog]).fetchall()
    if not latest:
        return None
    run_id, started, kind, version = latest[0]
    if version != ruleset.version_label:
        run = judge(con, catalog, new_run_id(), now(), ruleset, kind="reevaluate")
        record_run(con, run)
        return run
    con.execute("DELETE FROM flags WHERE audit_run_id = ? AND catalog = ?", [run_id, catalog])
    con.execute("DELETE FROM verdicts WHERE audit_run_id = ? AND catalog = ?", [run_id, catalog])
    run = judge(con, catalog, run_id, started, ruleset, kind=kind)
    con.execute(
        """UPDATE audit_runs SET products_ok = ?, products_not_ok = ?, flags_high = ?, flags_warning = ?,
               flags_info = ?, products_flagged = ?, products_needing_review = ?, products_waived = ?
           WHERE audit_run_id = ?""",
        [run.products_ok, run.products_not_ok, run.flags_high, run.flags_warning, run.flags_info,
         run.products_flagged, run.products_needing_review, run.products_waived, run_id])
    return run


# --- the journal: corrections made while an audit holds the writer lock -------------------------

def journal_path(db: Path) -> Path:
    return db.with_name(db.name + ".journal")


@contextlib.contextmanager
def _journal_lock(db: Path) -> Iterator[None]:
    fd = os.open(db.with_name(db.name + ".journal.lock"), os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held for a file append or rewrite: milliseconds
        yield
    finally:
        os.close(fd)


def journal_append(db: Path, entry: dict[str, Any]) -> None:
    with _journal_lock(db), open(journal_path(db), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def journal_entries(db: Path) -> list[dict[str, Any]]:
    path = journal_path(db)
    if not path.exists():
        return []
    with _journal_lock(db):
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def apply_journal(con: duckdb.DuckDBPyConnection, db: Path) -> tuple[list[str], set[str]]:
    """Apply the queued entries inside the caller's staged write. Returns (the ids handled, the
    catalogs changed); the caller calls ``journal_done`` with the ids once the write is published.
    Each entry applies once (its id is looked up first), so a crash between publish and
    ``journal_done`` cannot apply one twice. An entry the warehouse no longer accepts (its product
    left the catalog in the audit) goes to ``.journal.rejected`` with the reason: never dropped."""
    handled: list[str] = []
    changed: set[str] = set()
    for entry in journal_entries(db):
        eid = entry["id"]
        handled.append(eid)
        try:
            if entry["op"] == "correct":
                if con.execute("SELECT count(*) FROM corrections WHERE correction_id = ?", [eid]).fetchall()[0][0]:
                    continue
                row = build(con, CorrectionRequest(**entry["request"]))
                record(con, row)
                changed.add(row["catalog"])
            elif entry["op"] == "undo":
                done = con.execute("SELECT undone_at IS NOT NULL FROM corrections WHERE correction_id = ?",
                                   [entry["correction_id"]]).fetchall()
                if done and done[0][0]:
                    continue
                changed.add(undo(con, entry["correction_id"], entry["by"])["catalog"])
        except AnalystInputError as e:
            with open(db.with_name(db.name + ".journal.rejected"), "a", encoding="utf-8") as fh:
                fh.write(json.dumps({**entry, "error": str(e)}, default=str) + "\n")
            print(f"labelaudit: queued {entry['op']} {eid} could not be applied: {e} "
                  f"(kept in {db.name}.journal.rejected)", file=sys.stderr)
    return handled, changed


def journal_done(db: Path, ids: list[str]) -> None:
    if not ids:
        return
    path = journal_path(db)
    with _journal_lock(db):
        if not path.exists():
            return
        keep = [line for line in path.read_text("utf-8").splitlines()
                if line.strip() and json.loads(line)["id"] not in set(ids)]
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text("".join(line + "\n" for line in keep), "utf-8")
        os.replace(tmp, path)


@contextlib.contextmanager
def analyst_write(db: Path, wait_seconds: float = 0.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """The writer lock (no waiting by default: WarehouseBusy), the queued journal applied first,
    then the caller's writes, published together."""
    with writer_lock(db):
        cleanup_stale_stages(db)
        with staged_write(db) as con:
            handled, _ = apply_journal(con, db)
            yield con
        journal_done(db, handled)


# --- the operations --------------------------------------------------------------------------------

@dataclass
class Outcome:
    queued: bool
    correction_id: str
    message: str
    run: AuditRun | None = None


def correct(db: Path, req: CorrectionRequest, ruleset: RuleSet) -> Outcome:
    """Make ``req`` now, or, while an audit holds the warehouse, check it against the published
    warehouse and queue it in the journal (applied when that audit publishes, or by the next write)."""
    try:
        with analyst_write(db) as con:
            row = build(con, req)
            record(con, row)
            run = rejudge(con, row["catalog"], ruleset)
        return Outcome(False, row["correction_id"], f"correction {row['correction_id']}: {_said(row)}", run)
    except WarehouseBusy:
        pass
    con = connect_read_only(db)
    try:
        row = build(con, req)  # bad input is refused now, not when the audit ends
    finally:
        con.close()
    journal_append(db, {"id": req.correction_id, "op": "correct", "request": asdict(req)})
    return Outcome(True, req.correction_id,
                   f"correction {req.correction_id} queued: {_said(row)}. An audit is writing the warehouse; the "
                   "correction is applied when it publishes (or by the next audit, reevaluate or correction)")


def undo_correction(db: Path, correction_id: str, by: str, ruleset: RuleSet) -> Outcome:
    try:
        with analyst_write(db) as con:
            where = undo(con, correction_id, by)
            run = rejudge(con, where["catalog"], ruleset)
        return Outcome(False, correction_id, f"correction {correction_id} on {where['product_key']} taken back", run)
    except WarehouseBusy:
        pass
    con = connect_read_only(db)
    try:
        if not con.execute("SELECT count(*) FROM corrections WHERE correction_id = ? AND undone_at IS NULL",
                           [correction_id]).fetchall()[0][0]:
            raise AnalystInputError(f"no correction {correction_id!r} in force to take back")
    finally:
        con.close()
    journal_append(db, {"id": "u-" + uuid.uuid4().hex[:10], "op": "undo", "correction_id": correction_id, "by": by})
    return Outcome(True, correction_id, f"taking back {correction_id} is queued: an audit is writing the warehouse; "
                   "it is applied when the audit publishes")


def _said(row: dict[str, Any]) -> str:
    what = row.get("label_text") or row.get("nutrient") or "servings per day"
    if row["field"] == "confirmed" and not row.get("nutrient"):
        what = "the reading"
    return f"{row['product_key']}: {what} {row['value_read']} -> {row['value_set']} ({row['field']})"
