"""`appi-kb catalog --out DIR`: the static catalog site, checked in a real headless browser.

Chromium is Debian's (/usr/bin/chromium, installed by .ci/run), driven by playwright's Python
package pointed at that binary (browser downloads are blocked here). In CI (env CI set) a missing
browser fails the test; elsewhere it skips with the command that installs it.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from conftest import ROOT

TODAY = "2026-12-03"
ARTIFACTS = Path(os.environ.get("APPI_KB_ARTIFACTS", ROOT / "build" / "test-artifacts"))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    path = os.environ.get("APPI_KB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        message = ("Chromium is not installed: `apt-get install -y chromium` (as root); "
                   ".ci/run installs it")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory):
    from click.testing import CliRunner

    import cli
    out = tmp_path_factory.mktemp("catalog") / "site"
    r = CliRunner().invoke(cli.main, ["catalog", "--out", str(out), "--today", TODAY],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert f"to {out}" in r.output
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        # a persistent context is how playwright takes a fresh --user-data-dir of our own
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_FLAGS[1:],
            viewport={"width": 1280, "height": 900})
        yield context
        context.close()


class Visit:
    """Every page of the site, opened once: console errors, links and element ids."""

    def __init__(self, context, site: Path) -> None:
        self.errors: dict[str, list[str]] = {}
        self.links: dict[str, list[str]] = {}
        self.ids: dict[str, set[str]] = {}
        page = context.new_page()
        current: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors[current[0]].append(m.text))
        page.on("pageerror", lambda e: self.errors[current[0]].append(str(e)))
        page.on("requestfailed", lambda req: self.errors[current[0]].append(f"failed: {req.url}"))
        for path in sorted(site.rglob("*.html")):
            url = path.as_uri()
            current[:] = [url]
            self.errors[url] = []
            response = page.goto(url)
            assert response is None or response.ok, url
            page.wait_for_load_state("load")
            self.links[url] = page.eval_on_selector_all(
                "a[href], link[href], script[src]",
                "els => els.map(e => e.href || e.src)")
            self.ids[url] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        page.close()


@pytest.fixture(scope="module")
def visit(browser, site_dir):
    return Visit(browser, site_dir)


def test_every_page_loads_without_console_errors(visit, site_dir):
    pages = list(visit.errors)
    assert len(pages) == 3 + len(list((site_dir / "units").glob("*.html")))   # index, parameters, fixtures
    bad = {url: errs for url, errs in visit.errors.items() if errs}
    assert not bad, bad


def test_every_internal_link_resolves(visit):
    checked = 0
    for page, links in visit.links.items():
        for link in links:
            if not link.startswith("file:"):
                assert urlparse(link).scheme in ("http", "https"), (page, link)
                continue                      # a link to an official source on the web
            target, fragment = urldefrag(link)
            path = Path(unquote(urlparse(target).path))
            assert path.is_file(), f"{page}: link to missing {path}"
            if fragment:
                ids = visit.ids.get(target)
                assert ids is not None, f"{page}: {target} is not a page of the site"
                assert unquote(fragment) in ids, f"{page}: no #{fragment} in {target}"
            checked += 1
    assert checked > 500          # rules, parameters, fixtures and units all link to each other


def test_search_finds_a_rule_by_clause_name(browser, site_dir):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto((site_dir / "units" / "act26.html").as_uri())    # the box is on every page
    for spelling in ("規則7条2号", "第７条２号"):
        page.fill("#search", spelling)
        results = page.locator("#results a")
        results.first.wait_for()
        texts = results.all_inner_texts()
        assert any(t.startswith("reg7.item2 — ") for t in texts), (spelling, texts)
    page.fill("#search", "26条1項但書")
    assert any(t.startswith("act26-1.proviso — ") for t in page.locator("#results a").all_inner_texts())
    page.fill("#search", "規則7条2号")
    page.locator("#results a", has_text=re.compile(r"^reg7\.item2 — ")).first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/units/reg7.html#rule-reg7.item2"), page.url
    assert page.locator("#rule-reg7\\.item2").is_visible()
    page.fill("#search", "no-such-clause-anywhere")
    assert page.locator("#results li.empty").is_visible()
    assert errors == []
    page.close()


def test_a_screenshot_of_the_index_is_produced(browser, site_dir):
    page = browser.new_page()
    page.goto((site_dir / "index.html").as_uri())
    page.fill("#search", "規則7条")
    page.locator("#results a").first.wait_for()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "catalog-index.png"
    page.screenshot(path=str(shot))
    page.close()
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    print(f"catalog screenshot: {shot}")
