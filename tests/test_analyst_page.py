"""The analyst's page in a real browser (headless Debian chromium through Playwright): a row
corrected through the form clears its flag; a form posted from another origin is refused."""
from __future__ import annotations

import http.server
import os
import random
import socket
import subprocess
import sys
import threading
import time

import pytest

from flows.pipeline import audit_catalog
from tests.conftest import ROOT
from tests.conftest import query as q
from tests.labelgen import random_product, render_label

D3 = "d3.pdf#1#0"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path, ruleset):
    root = tmp_path / "cat"
    root.mkdir()
    render_label(random_product(random.Random(11), kind="d3_only", d_iu=5000, directions_style="daily"),
                 root / "d3.pdf")
    db = tmp_path / "w.duckdb"
    audit_catalog(root, db, ruleset, workers=1)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "labelaudit", "ui", "--db", str(db), "--port", str(port)],
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"labelaudit ui exited: {proc.stderr.read().decode()}")
            time.sleep(0.3)
    try:
        yield db, port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_correcting_a_row_in_the_page_clears_its_flag(served, browser):
    db, port = served
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{port}/")
    # Straight to the product from a fresh browser too: the first page a browser sees sets its session.
    page.context.clear_cookies()
    page.goto(f"http://127.0.0.1:{port}/" + page.get_attribute("#flagged a", "href").lstrip("/"))
    assert page.inner_text("#key") == D3
    assert "D3_HIGH_NO_K2" in page.inner_text("#flags")
    assert page.locator(".crop img").count() == 1  # the label's panel beside its rows
    form = page.locator('tr[data-nutrient="vitamin_d"] form.correct-row')
    form.locator('input[name="amount"]').fill("25")
    form.locator('input[name="unit"]').fill("mcg")
    form.locator('input[name="reason"]').fill("the label prints 25 mcg")
    form.locator('input[name="by"]').fill("A. Analyst")
    form.locator('button[value="amount"]').click()
    page.wait_for_selector("#msg")
    assert "125 mcg -> 25 mcg" in page.inner_text("#msg")
    flags_now = page.inner_text("#flags") if page.locator("#flags").count() else ""
    assert "D3_HIGH_NO_K2" not in flags_now and "D3_HIGH_NO_MG" not in flags_now
    assert "25 mcg" in page.inner_text('tr[data-nutrient="vitamin_d"] td.corrected')
    # The same record the CLI makes.
    assert q(db, 'SELECT field, value_read, value_set, "by" FROM corrections') == [
        ("amount", "125 mcg", "25 mcg", "A. Analyst")]


def test_a_post_from_another_origin_is_refused(served, browser, tmp_path):
    db, port = served
    # A page of another origin that posts the correction form to the labelaudit page.
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "index.html").write_text(
        f"""<form id="f" method="post" action="http://127.0.0.1:{port}/correct">
        <input name="key" value="{D3}"><input name="nutrient" value="vitamin_d"><input name="amount" value="1">
        <input name="unit" value="mcg"><input name="reason" value="x"><input name="by" value="x">
        <input name="token" value="guessed"><input name="action" value="amount"></form>
        <script>document.getElementById('f').submit()</script>""")
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(evil), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")  # the analyst's session exists in this browser
        with page.expect_response(lambda r: r.url.endswith("/correct")) as posted:
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
        assert posted.value.status == 403
        assert "refused" in page.content()
    finally:
        server.shutdown()
    assert q(db, "SELECT count(*) FROM corrections") == [(0,)]
    # A request naming another host (DNS rebinding) is refused before any page is served.
    import urllib.error
    import urllib.request

    req = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": f"evil.example:{port}"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 421
