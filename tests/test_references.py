"""The sources the rules cite are on docs/references.md, with links, and `rules --explain` and
the reports point at them: nothing cites a file that exists only outside the repository."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from urllib.parse import urlsplit

from rules import load_ruleset
from rules.sources import PAGE, Source, cite, sections
from tests.conftest import ROOT, SAMPLE

PAGE_TEXT = (ROOT / PAGE).read_text(encoding="utf-8")


def test_every_rule_cites_sections_of_the_page_that_have_links():
    headings = {line[3:].strip().lower() for line in PAGE_TEXT.splitlines() if line.startswith("## ")}
    for rule in load_ruleset().rules:
        sources = cite(rule.reference)
        assert sources, f"{rule.id} cites no source"
        for s in sources:
            assert s.title.lower() in headings, f"{rule.id} cites {s.title!r}, not a section of {PAGE}"
            assert s.links and all(url.startswith("https://") for _, url in s.links), s


def test_every_link_on_the_page_is_a_well_formed_https_url_the_parser_reads():
    # Liveness cannot be checked offline; the form can: a link the parser skips (not a "- [label](url)"
    # bullet) would silently drop out of `rules --explain` and the reports.
    written = re.findall(r"\]\((\S+?)\)", PAGE_TEXT)
    parsed = [url for links in sections(PAGE_TEXT).values() for _, url in links]
    assert written and sorted(written) == sorted(parsed)
    for url in parsed:
        parts = urlsplit(url)
        assert parts.scheme == "https" and "." in parts.netloc and parts.netloc == parts.netloc.lower(), url
        assert not parts.query and not parts.fragment and not re.search(r"[\s<>\"'`]", url), url


def test_a_section_not_on_the_page_has_no_links():
    assert cite("No such section (note); Upper limits")[0].links == ()
    assert cite("No such section (note)")[0].note == "note"


def test_sections_parse_headings_and_link_bullets_only():
    text = "## One\n- [A](https://a.example/x)\nprose [B](https://b.example)\n## Two\n- plain\n"
    assert sections(text) == {"one": (("A", "https://a.example/x"),), "two": ()}


def test_the_shipped_files_cite_the_page_not_a_file_outside_the_repository():
    owned = [*ROOT.glob("rules/**/*.toml"), *ROOT.glob("rules/*.py"), *ROOT.glob("reports/**/*.*"),
             *ROOT.glob("labelaudit/**/*.*"), ROOT / "README.md"]
    for path in owned:
        if path.suffix in {".py", ".toml", ".md", ".j2", ".sql"}:
            text = path.read_text(encoding="utf-8")
            assert "shared/reference.md" not in text and '"reference.md:' not in text, path


def test_rules_explain_prints_the_page_and_the_links():
    out = subprocess.run([sys.executable, "-m", "labelaudit", "rules", "--explain", "D3_HIGH_NO_K2"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"{PAGE}#why-the-rules-exist" in out.stdout and f"{PAGE}#upper-limits" in out.stdout
    assert "https://ods.od.nih.gov/factsheets/VitaminK-HealthProfessional/" in out.stdout
    assert "https://nap.nationalacademies.org/catalog/13050" in out.stdout
    # The anchors printed are the ones a Markdown viewer makes of the page's headings.
    anchors = {Source(line[3:].strip(), "", ()).anchor for line in PAGE_TEXT.splitlines() if line.startswith("## ")}
    printed = re.findall(re.escape(PAGE) + r"#([a-z0-9-]+)", out.stdout)
    assert printed and set(printed) <= anchors


def test_the_summary_report_links_each_flagged_rule_to_its_sources(tmp_path):
    from flows.run import run_audit

    root = tmp_path / "catalog"
    shutil.copytree(SAMPLE, root)
    run_audit(root, tmp_path / "w.duckdb", out=tmp_path / "out", report_formats=["html"], workers=2)
    html = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert PAGE in html
    assert '<a href="https://ods.od.nih.gov/factsheets/VitaminK-HealthProfessional/"' in html
    assert '<a href="https://ods.od.nih.gov/factsheets/Magnesium-HealthProfessional/"' in html


def test_the_page_ships_inside_the_rules_package_so_a_wheel_install_keeps_the_links():
    import importlib.resources
    import tomllib

    shipped = importlib.resources.files("rules") / "references.md"
    assert shipped.read_text(encoding="utf-8") == (ROOT / PAGE).read_text(encoding="utf-8")
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "references.md" in data["tool"]["setuptools"]["package-data"]["rules"]
