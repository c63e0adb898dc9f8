"""``labelaudit ui``: the analyst's page, a local web app over the warehouse.

It serves 127.0.0.1 only, with no CDN (every byte comes from here): the review queue; per
product the label crop beside the rows as read and in force, and forms that call the same
functions as ``labelaudit correct`` and ``labelaudit waive`` (flows.analyst), so the records are
the same. Reads open the warehouse read-only per request, so an audit publishing in between is
simply seen on the next page.

Writes are guarded against cross-site requests: the Host header must name this server (a DNS
rebinding page cannot pass), a browser's Origin, when sent, must be this server, and each form
carries the token of the browser's session (a cookie, SameSite=Strict), which another site
cannot read.
"""
from __future__ import annotations

import base64
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import duckdb
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from jinja2 import Environment
from markupsafe import Markup

from flows.analyst import CorrectionRequest, correct, product_rows, review_queue, undo_correction
from warehouse.store import connect_read_only

_ENV = Environment(autoescape=True)
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2430}header{background:#1d3557;color:#fff;padding:10px 20px}
header a{color:#fff}main{padding:16px 20px;max-width:1200px}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #d5dbe3;padding:4px 7px;text-align:left;vertical-align:top}th{background:#eef2f7}
.grid{display:grid;grid-template-columns:minmax(200px,420px) 1fr;gap:20px}.crop img{max-width:100%;border:1px solid \
#ccc}
.sev-high{background:#c62828;color:#fff;padding:1px 5px;border-radius:3px}.sev-warning{background:#ef8f00;color:#fff;
padding:1px 5px;border-radius:3px}.sev-info{background:#607d8b;color:#fff;padding:1px 5px;border-radius:3px}
.msg{background:#e8f5e9;border:1px solid #81c784;padding:6px 10px}.err{background:#ffebee;border:1px solid #e57373;
padding:6px 10px}.corrected{color:#8a4b00;font-weight:600}code{font-size:.9em}form.inline{display:inline}
input[type=text],input[type=number]{width:7em}input.wide{width:14em}fieldset{border:1px solid #d5dbe3;margin:8px 0}
"""

_BASE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }} · labelaudit</title>
<style>{{ css }}</style></head><body><header><b><a href="/">labelaudit</a></b> · the analyst's page · {{ db }}</header>
<main>{% if msg %}<p class="msg" id="msg">{{ msg }}</p>{% endif %}{% if err %}<p class="err" id="err">{{ err }}</p>{% \
endif %}
{{ body }}</main></body></html>"""

_QUEUE = """<h1>Review queue ({{ queue|length }})</h1>
<p>Products the latest audit of each catalog could not settle, most serious first. Open one to check the label and
correct, confirm or waive.</p>
{% if queue %}<table id="queue"><thead><tr><th>Product</th><th>Key</th><th>Would be flagged</th><th>Why it waits</th>\
</tr></thead><tbody>
{% for r in queue %}<tr><td>\
<a href="/product?key={{ r.product_key|urlencode }}&catalog={{ r.catalog|urlencode }}">{{ r.brand or "" }} {{ \
r.product_name or r.source_file }}</a></td>
<td><code>{{ r.product_key }}</code></td>\
<td>{% if r.flags %}<span class="sev-{{ r.worst_flag }}">{{ r.flags }}</span>{% endif %}</td><td>{{ r.reasons }}</td>\
</tr>{% endfor %}
</tbody></table>{% else %}<p>Nothing waits for review.</p>{% endif %}
<h2>Flagged products ({{ flagged|length }})</h2>
{% if flagged %}<table id="flagged"><thead><tr><th>Product</th><th>Key</th><th>Flags</th></tr></thead><tbody>
{% for r in flagged %}<tr><td>\
<a href="/product?key={{ r.product_key|urlencode }}&catalog={{ r.catalog|urlencode }}">{{ r.brand or "" }} {{ \
r.product_name or "" }}</a></td>
<td><code>{{ r.product_key }}</code></td><td>{{ r.flags }}</td></tr>{% endfor %}</tbody>\
</table>{% else %}<p>None.</p>{% endif %}"""

_PRODUCT = """<h1>{{ p.brand or "" }} {{ p.product_name or p.source_file }}</h1>
<p>Key <code id="key">{{ p.product_key }}</code> · {{ p.source_file }}{% if p.page %}, page {{ p.page }}{% endif %} ·
verdict <b id="verdict">{{ (verdict or "none").replace("_", " ") }}</b>{% if reasons %}: {{ reasons }}{% endif %}</p>
<div class="grid"><div class="crop">{% if crop %}<img alt="the label's Supplement Facts panel" src="{{ crop }}">{% \
else %}<p>{{ crop_note }}</p>{% endif %}</div>
<div>
<h2>Flags in the latest run</h2>
{% if flags %}<table id="flags"><tbody>{% for f in flags %}<tr><td>\
<span class="sev-{{ f.severity }}">{{ f.rule_id }}</span>{% if f.waived %} (waived){% endif %}</td>\
<td>{{ f.message }}</td>
<td>{% if not f.waived %}<form method="post" action="/waive" class="inline">{{ token }}{{ ident }}<input type="hidden" \
name="rule_id" value="{{ f.rule_id }}">
<input class="wide" name="reason" placeholder="why it is accepted" required> <input name="by" placeholder="who" \
required>
<input type="date" name="expires" value="{{ expires }}" required> <button>Waive</button></form>{% endif %}</td>\
</tr>{% endfor %}</tbody></table>
{% else %}<p id="noflags">No flag.</p>{% endif %}
<h2>Changes since the previous run</h2><p id="changes">{{ changes }}</p>
<h2>Rows</h2>
<table id="rows"><thead><tr><th>Row as printed</th><th>As read</th><th>In force</th><th>Per day</th><th>Correct it</th>\
</tr></thead><tbody>
{% for r in rows %}<tr data-nutrient="{{ r.nutrient or '' }}">\
<td>{{ r.label_text }}{% if r.form %} <small>({{ r.form }})</small>{% endif %}</td>
<td>{{ r.read }}</td>\
<td{% if r.corrected %} class="corrected"{% endif %}>{{ r.in_force }}{% if r.confirmed %} ✓ confirmed{% endif %}</td>
<td>{{ r.daily }}</td><td>{% if r.nutrient and r.read_method != 'analyst' %}
<form method="post" action="/correct" class="inline correct-row">{{ token }}{{ ident }}<input type="hidden" \
name="nutrient" value="{{ r.nutrient }}">
<input type="hidden" name="row" value="{{ r.label_text }}">\
<input type="number" step="any" min="0" name="amount" placeholder="amount" required>
<input type="text" name="unit" value="{{ r.unit or '' }}" placeholder="unit" required>\
<input class="wide" name="reason" placeholder="what the label shows" required>
<input name="by" placeholder="who" required> <button name="action" value="amount">Correct</button></form>
<form method="post" action="/correct" class="inline">{{ token }}{{ ident }}<input type="hidden" name="nutrient" \
value="{{ r.nutrient }}"><input type="hidden" name="row" value="{{ r.label_text }}">
<input type="hidden" name="reason" value="checked against the label"><input name="by" placeholder="who" required>
<button name="action" value="confirm">Confirm as read</button> <button name="action" value="remove">Not on the \
label</button></form>{% endif %}</td></tr>{% endfor %}
</tbody></table>
<fieldset><legend>Add a row the reader missed</legend><form method="post" action="/correct">{{ token }}{{ ident }}
<input name="nutrient" placeholder="vitamin_k" required> <input name="form" placeholder="form (K2)"> <input \
type="number" step="any" min="0" name="amount" placeholder="amount" required>
<input name="unit" placeholder="unit" required> <input class="wide" name="reason" placeholder="what the label shows" \
required> <input name="by" placeholder="who" required>
<button name="action" value="add">Add</button></form></fieldset>
<fieldset><legend>Servings per day (now {{ p.servings_per_day }}{% if p.servings_per_day_assumed %}, assumed{% endif \
%})</legend>
<form method="post" action="/correct">{{ token }}{{ ident }}<input type="number" step="any" min="0" \
name="servings_per_day" required>
<input class="wide" name="reason" placeholder="the directions say" required> <input name="by" placeholder="who" \
required> <button name="action" value="spd">Set</button></form></fieldset>
<fieldset><legend>The whole reading is right</legend><form method="post" action="/correct">{{ token }}{{ ident }}
<input class="wide" name="reason" placeholder="checked against the label" required> <input name="by" placeholder="who" \
required>
<button name="action" value="confirm">Confirm the reading</button></form></fieldset>
<h2>Corrections</h2>{% if corrections %}<table id="corrections"><tbody>{% for c in corrections %}<tr><td>\
<code>{{ c.correction_id }}</code></td>
<td>{{ c.label_text or c.nutrient or "servings per day" }}: {{ c.value_read }} → {{ c.value_set }}</td>\
<td>{{ c.by }}: {{ c.reason }}</td><td>{{ c.state }}</td>
<td>{% if c.state == 'holds' %}<form method="post" action="/undo" class="inline">{{ token }}{{ ident }}<input \
type="hidden" name="correction_id" value="{{ c.correction_id }}">
<input name="by" placeholder="who" required> <button>Undo</button></form>{% endif %}</td></tr>{% endfor %}</tbody>\
</table>{% else %}<p>None.</p>{% endif %}
</div></div>"""


def _words(amount: Any, unit: Any) -> str:
    return "no amount" if amount is None else f"{amount:g} {unit or ''}".strip()


def create_app(db: Path, port: int, config: Path | None = None) -> FastAPI:
    from flows.pipeline import add_waiver
    from rules import load_ruleset

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    sessions: dict[str, str] = {}   # session cookie -> its form token
    allowed_hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
    cache = Path(tempfile.mkdtemp(prefix="labelaudit-ui-"))

    def session(request: Request) -> tuple[str, str, bool]:
        """(session id, its form token, new?); one per request, made on a browser's first visit."""
        if hasattr(request.state, "session"):
            return request.state.session
        sid = request.cookies.get("labelaudit_session")
        if sid in sessions:
            request.state.session = (sid, sessions[sid], False)
        else:
            sid = secrets.token_urlsafe(24)
            sessions[sid] = secrets.token_urlsafe(24)
            request.state.session = (sid, sessions[sid], True)
        return request.state.session

    def page(request: Request, title: str, body: str, status: int = 200) -> HTMLResponse:
        sid, _, new = session(request)
        html = _ENV.from_string(_BASE).render(title=title, css=Markup(_CSS), db=str(db), body=Markup(body),
                                              msg=request.query_params.get("msg"), err=request.query_params.get("err"))
        resp = HTMLResponse(html, status_code=status)
        if new:
            resp.set_cookie("labelaudit_session", sid, httponly=True, samesite="strict")
        return resp

    @app.middleware("http")
    async def host_check(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.headers.get("host") not in allowed_hosts:
            return PlainTextResponse("this page serves 127.0.0.1 only", status_code=421)
        return await call_next(request)

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request) -> HTMLResponse:
        con = connect_read_only(db)
        try:
            rows = review_queue(con)
            columns = ("catalog", "product_key", "brand", "product_name", "flags")
            flagged = [dict(zip(columns, r, strict=True)) for r in con.execute(
                """SELECT catalog, product_key, any_value(brand), any_value(product_name),
                          string_agg(rule_id || CASE WHEN waived THEN ' (waived)' ELSE '' END, ', ' ORDER BY rule_id)
                   FROM flagged_products GROUP BY 1, 2 ORDER BY 2""").fetchall()]
        finally:
            con.close()
        body = _ENV.from_string(_QUEUE).render(queue=rows, flagged=flagged)
        return page(request, "review queue", body)

    @app.get("/product", response_class=HTMLResponse)
    def product(request: Request, key: str, catalog: str | None = None) -> HTMLResponse:
        _, token, _ = session(request)
        con = connect_read_only(db)
        try:
            found = con.execute("SELECT * FROM products WHERE product_key = $k AND ($c IS NULL OR catalog = $c)",
                                {"k": key, "c": catalog})
            cols = [c[0] for c in found.description]
            prods = [dict(zip(cols, r, strict=True)) for r in found.fetchall()]
            if not prods:
                return page(request, "not found", f"<p>No product with key <code>{_esc(key)}</code>.</p>", 404)
            p = prods[0]
            ctx = _product_context(con, p, cache)
        finally:
            con.close()
        ident = Markup(f'<input type="hidden" name="key" value="{_esc(p["product_key"])}">'
                       f'<input type="hidden" name="catalog" value="{_esc(p["catalog"])}">')
        body = _ENV.from_string(_PRODUCT).render(
            p=p, token=Markup(f'<input type="hidden" name="token" value="{token}">'), ident=ident,
            expires=(date.today() + timedelta(days=365)).isoformat(), **ctx)
        return page(request, p["product_name"] or key, body)

    async def form(request: Request) -> dict[str, str] | None:
        """The POSTed form, or None where it may come from another site."""
        origin = request.headers.get("origin")
        if origin is not None and origin.split("://", 1)[-1] not in allowed_hosts:
            return None
        sid = request.cookies.get("labelaudit_session")
        fields = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True).items()}
        if not sid or sid not in sessions or not secrets.compare_digest(fields.get("token", ""), sessions[sid]):
            return None
        return fields

    def back(f: dict[str, str], msg: str | None = None, err: str | None = None) -> RedirectResponse:
        q = f"/product?key={quote(f.get('key', ''))}&catalog={quote(f.get('catalog', ''))}"
        q += f"&msg={quote(msg)}" if msg else f"&err={quote(err or '')}"
        return RedirectResponse(q, status_code=303)

    refused = PlainTextResponse("refused: this form did not come from the labelaudit page in this browser session",
                                status_code=403)

    @app.post("/correct")
    async def do_correct(request: Request) -> Response:
        f = await form(request)
        if f is None:
            return refused
        action = f.get("action", "amount")
        num = lambda k: float(f[k]) if f.get(k, "").strip() else None  # noqa: E731
        try:
            req = CorrectionRequest(
                product_key=f.get("key", ""), catalog=f.get("catalog") or None, reason=f.get("reason", ""),
                by=f.get("by", ""), nutrient=f.get("nutrient") or None, row=f.get("row") or None,
                form=f.get("form") or None, unit=f.get("unit") or None,
                amount=num("amount") if action in ("amount", "add") else None,
                servings_per_day=num("servings_per_day") if action == "spd" else None,
                add=action == "add", remove=action == "remove", confirm=action == "confirm")
            out = correct(db, req, load_ruleset(config))
        except (LookupError, ValueError) as e:
            return back(f, err=str(e.args[0] if e.args else e))
        return back(f, msg=out.message)

    @app.post("/undo")
    async def do_undo(request: Request) -> Response:
        f = await form(request)
        if f is None:
            return refused
        try:
            out = undo_correction(db, f.get("correction_id", ""), f.get("by", "") or "analyst", load_ruleset(config))
        except LookupError as e:
            return back(f, err=str(e.args[0]))
        return back(f, msg=out.message)

    @app.post("/waive")
    async def do_waive(request: Request) -> Response:
        f = await form(request)
        if f is None:
            return refused
        try:
            expires = date.fromisoformat(f.get("expires", ""))
            wid, _ = add_waiver(db, f.get("key", ""), f.get("rule_id", ""), f.get("reason", ""), f.get("by", ""),
                                expires, load_ruleset(config), f.get("catalog") or None)
        except (LookupError, ValueError) as e:
            return back(f, err=str(e.args[0] if e.args else e))
        return back(f, msg=f"waiver {wid}: {f.get('rule_id')} accepted until {expires}")

    return app


def _esc(s: Any) -> str:
    from markupsafe import escape

    return str(escape(s))


def _product_context(con: duckdb.DuckDBPyConnection, p: dict[str, Any], cache: Path) -> dict[str, Any]:
    from reports.crops import crop_file

    read = {(r["nutrient"], r["label_text"]): r for r in product_rows(con, p["product_id"], as_read=True)}
    rows = []
    for r in product_rows(con, p["product_id"]):
        a = read.get((r["nutrient"], r["label_text"]))
        rows.append({**r, "read": _words(a["amount"], a["unit"]) if a else "not read",
                     "in_force": _words(r["amount"], r["unit"]),
                     "daily": _words(r["daily_amount_canonical"], r["canonical_unit"])})
    in_force = {(r["nutrient"], r["label_text"]) for r in rows}
    for k, a in read.items():
        if k not in in_force:  # removed by a correction: still shown, as read
            rows.append({**a, "read": _words(a["amount"], a["unit"]), "in_force": "removed", "daily": "",
                         "corrected": True, "confirmed": False, "read_method": "analyst"})
    lv = con.execute("SELECT x0, top, x1, bottom FROM label_versions WHERE product_id = ?",
                     [p["product_id"]]).fetchall()
    box = tuple(lv[0]) if lv and all(v is not None for v in lv[0]) else None
    boxes = [(r["x0"], r["top"], r["x1"], r["bottom"]) for r in rows
             if r.get("x0") is not None and r.get("nutrient") in ("vitamin_d", "vitamin_k", "magnesium")]
    crop = crop_file(p["catalog"], p["source_file"], p["page"], p["product_id"], box, boxes, cache)
    src = ("data:image/png;base64," + base64.b64encode(crop.path.read_bytes()).decode()) if crop.path else None
    flags = [dict(zip(("rule_id", "severity", "message", "waived"), r, strict=True)) for r in con.execute(
        "SELECT rule_id, severity, message, waived FROM flagged_products "
        "WHERE catalog = ? AND product_key = ? ORDER BY rule_id",
        [p["catalog"], p["product_key"]]).fetchall()]
    v = con.execute("""SELECT verdict, reasons FROM verdicts JOIN latest_runs USING (catalog, audit_run_id)
                       WHERE catalog = ? AND product_key = ?""", [p["catalog"], p["product_key"]]).fetchall()
    prev_run = con.execute(
        """SELECT arg_max(audit_run_id, finished_at) FROM audit_runs WHERE catalog = $c AND finished_at IS NOT NULL
             AND audit_run_id <> (SELECT audit_run_id FROM latest_runs WHERE catalog = $c)""",
        {"c": p["catalog"]}).fetchall()[0][0]
    if prev_run is None:
        changes = "this is the first run of the catalog: nothing to compare with yet"
    else:
        then_ids = {r[0] for r in con.execute(
            "SELECT DISTINCT rule_id FROM flags WHERE catalog = ? AND product_key = ? AND audit_run_id = ?",
            [p["catalog"], p["product_key"], prev_run]).fetchall()}
        now_ids = {f["rule_id"] for f in flags}
        changes = "; ".join(filter(None, [
            f"new: {', '.join(sorted(now_ids - then_ids))}" if now_ids - then_ids else "",
            f"gone: {', '.join(sorted(then_ids - now_ids))}" if then_ids - now_ids else ""])) or "no flag changed"
        changes += f" (against run {prev_run})"
    correction_columns = ("correction_id", "label_text", "nutrient", "value_read", "value_set", "by", "reason", "state")
    corrections = [dict(zip(correction_columns, r, strict=True))
                   for r in con.execute(
        """SELECT correction_id, label_text, nutrient, value_read, value_set, "by", reason,
                  CASE WHEN undone_at IS NOT NULL THEN 'taken back' WHEN lapsed_in_run IS NOT NULL
                       THEN 'lapsed: ' || lapse_reason ELSE 'holds' END
           FROM corrections WHERE catalog = ? AND product_key = ? ORDER BY "at" DESC""",
        [p["catalog"], p["product_key"]]).fetchall()]
    return {"rows": rows, "crop": src, "crop_note": crop.note, "flags": flags, "verdict": v[0][0] if v else None,
            "reasons": v[0][1] if v else None, "changes": changes, "corrections": corrections}


def serve(db: Path, port: int = 8765, config: Path | None = None) -> None:
    import uvicorn

    uvicorn.run(create_app(db, port, config), host="127.0.0.1", port=port, log_level="warning")
