"""The built site, checked in a real browser with no kernel and no network.

Debian's Chromium (never a browser download) is driven by Playwright against the built
HTML served on 127.0.0.1. Every request to any other host is blocked and counted, and the
count must be 0. Each page of ``_toc.yml`` must load without console errors, typeset its
formulas, draw its Mermaid diagrams, and every kernel-free control on it (static
explorers, ``to_jshtml`` sliders, tabs of figures) must change the figure shown. Live
widgets must be disabled and labelled as needing a kernel. Search must find the book's
key terms. A full-page screenshot of every page is written to ``_build/screenshots/``
and load metrics to ``_build/site-metrics.json``.

Uses the session fixtures ``built_site`` (the built HTML folder) and
``chromium_executable`` from tests/conftest.py. ``BOOK_ROOT`` (environment) points the
page list at another book's ``_toc.yml``, e.g. a scratch book built with ``--built-site``.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from conftest import require, toc_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BOOK_ROOT = Path(os.environ.get("BOOK_ROOT", Path(__file__).resolve().parents[1]))
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    # Defence in depth: even a request Playwright does not see cannot resolve a name.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
# term -> page that must be among its search results once that page mentions the term
SEARCH_TERMS = {
    "遗忘门": "chapters/2_3_1_lstm_cell",
    "梯度消失": "chapters/2_2_rnn",
}
LOAD_TIMEOUT_MS = 60_000


TOC = BOOK_ROOT / "_toc.yml"
PAGES = toc_pages(TOC) if TOC.exists() else []


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def site(built_site):
    """(html folder, base URL) of the built site served on 127.0.0.1."""
    root = Path(built_site)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(chromium_executable):
    """Debian's Chromium driven by Playwright (a missing browser fails in CI)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - environment problem
        require(f"the playwright package is missing: {exc}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS,
                              headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots(site):
    folder = site[0].parent / "screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


class Visit:
    """One page load in a fresh context: blocked requests, console errors, bytes."""

    def __init__(self, browser, base, path):
        self.base = base
        self.external, self.errors, self.bytes = [], [], 0
        self.context = browser.new_context(viewport={"width": 1280, "height": 900},
                                           service_workers="block")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", self._request)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("response", self._response)
        t0 = time.perf_counter()
        self.page.goto(base + path, wait_until="load", timeout=LOAD_TIMEOUT_MS)
        self.settle()
        self.seconds = time.perf_counter() - t0

    def _local(self, url):
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"

    def _route(self, route):
        if self._local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def _request(self, request):
        if not self._local(request.url):
            self.external.append(request.url)

    def _response(self, response):
        length = response.headers.get("content-length")
        if length and length.isdigit():
            self.bytes += int(length)

    def settle(self):
        """Wait for MathJax, Mermaid and the widget manager to finish."""
        page = self.page
        page.evaluate("""async () => {
            if (window.MathJax && MathJax.startup && MathJax.startup.promise)
                await MathJax.startup.promise;
        }""")
        if page.locator(".mermaid").count():
            page.wait_for_function(
                "[...document.querySelectorAll('.mermaid')].every(e => e.querySelector('svg'))",
                timeout=LOAD_TIMEOUT_MS)
        # Only a page that shows a widget view has one to wait for: a notebook whose widget
        # cell output is removed (tag remove-output) still embeds the widget state.
        if page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count():
            page.wait_for_function(
                "document.querySelectorAll('.widget-subarea .jupyter-widgets').length > 0",
                timeout=LOAD_TIMEOUT_MS)
        page.wait_for_timeout(300)

    def close(self):
        self.context.close()


def _html_path(page):
    return page + ".html"


@pytest.fixture(scope="session")
def page_weights() -> dict:
    """Bytes each page loads, as measured by test_page_offline (reused by test_site_metrics)."""
    return {}


# ----------------------------------------------------------------------------- tests
def test_toc_lists_pages():
    assert TOC.exists(), f"{TOC} is missing: the site checks visit every page it lists"
    assert len(PAGES) >= 2, f"_toc.yml lists only {PAGES}"


_TEXT_JS = """() => {
  const skip = new Set(['PRE', 'CODE', 'SCRIPT', 'STYLE', 'TEXTAREA', 'MJX-CONTAINER',
                        'MJX-ASSISTIVE-MML', 'SVG', 'NOSCRIPT']);
  const out = [];
  const walk = (n) => {
    for (const c of n.childNodes) {
      if (c.nodeType === 3) out.push(c.textContent);
      else if (c.nodeType === 1 && !skip.has(c.tagName.toUpperCase())
               && !c.classList.contains('highlight')) walk(c);
    }
  };
  walk(document.querySelector('main') || document.body);
  return out.join(' ');
}"""
_RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\$[^$\n]{0,200}?\\[A-Za-z]+[^$\n]{0,200}?\$")


@pytest.mark.parametrize("page", PAGES)
def test_page_offline(browser, site, shots, page_weights, page):
    root, base = site
    assert (root / _html_path(page)).exists(), f"{page} from _toc.yml was not built"
    v = Visit(browser, base, _html_path(page))
    page_weights[page] = v.bytes
    try:
        p = v.page
        p.screenshot(path=str(shots / (page.replace("/", "__") + ".png")), full_page=True)
        assert v.external == [], f"requests outside 127.0.0.1: {v.external}"
        assert v.errors == [], f"console errors on {page}: {v.errors}"

        # formulas: every Sphinx math element typeset, no raw TeX left in the text
        n_math = p.locator("main .math").count()
        if n_math:
            assert p.locator("main .math mjx-container").count() >= n_math, "formula not typeset"
        raw = _RAW_TEX.findall(p.evaluate(_TEXT_JS))
        assert not raw, f"raw TeX left in the text of {page}: {raw[:5]}"

        # Mermaid diagrams drawn
        for i in range(p.locator(".mermaid").count()):
            d = p.locator(".mermaid").nth(i)
            assert d.locator("svg").count() == 1, f"Mermaid diagram {i} not drawn"
            assert "Syntax error" not in d.inner_text()

        # live widgets (need a kernel): rendered, labelled, and every control disabled
        areas = p.locator(".widget-subarea")
        for i in range(areas.count()):
            note = areas.nth(i).locator("xpath=preceding-sibling::*[1]")
            assert "需要运行中的 Python 内核" in note.inner_text()
        enabled = p.locator(
            ".widget-subarea input:enabled, .widget-subarea select:enabled, "
            ".widget-subarea button:enabled").count()
        assert enabled == 0, f"{enabled} live widget controls on {page} would do nothing"

        _check_static_controls(p, page)
        assert v.external == [] and v.errors == [], (v.external, v.errors)
    finally:
        v.close()


def _img_src(locator):
    return locator.evaluate("img => img.src")


def _check_static_controls(p, page):
    """Moving any kernel-free control must change the image shown."""
    explorers = p.locator(".lstm-explorer")
    for i in range(explorers.count()):
        ex = explorers.nth(i)
        img = ex.locator("img").first
        for j in range(ex.locator("[data-k]").count()):
            ctrl = ex.locator("[data-k]").nth(j)
            kind = ctrl.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
            if kind == "input:radio":
                if ctrl.is_checked():
                    continue
            before = _img_src(img)
            if kind == "input:radio":
                ctrl.check()
            elif kind == "select:select-one":
                values = ctrl.locator("option").evaluate_all("os => os.map(o => o.value)")
                now = ctrl.input_value()
                ctrl.select_option(next(x for x in values if x != now))
            elif kind == "input:range":
                ctrl.focus()
                at_end = ctrl.input_value() == ctrl.get_attribute("max")
                ctrl.press("ArrowLeft" if at_end else "ArrowRight")
            else:
                raise AssertionError(f"unknown explorer control {kind} on {page}")
            after = _img_src(img)
            assert after != before, f"explorer {i} control {j} ({kind}) on {page} did nothing"

    # matplotlib to_jshtml animations
    anims = p.locator("div.animation")
    for i in range(anims.count()):
        a = anims.nth(i)
        img, slider = a.locator("img").first, a.locator("input[type=range]").first
        before = _img_src(img)
        slider.focus()
        slider.press("ArrowRight")
        assert _img_src(img) != before, f"to_jshtml slider {i} on {page} did nothing"

    # sphinx-design tabs of precomputed figures (e.g. myst-nb glue)
    tabsets = p.locator(".sd-tab-set")
    for i in range(tabsets.count()):
        ts = tabsets.nth(i)
        labels = ts.locator(":scope > label")
        if labels.count() < 2 or not ts.locator("img").count():
            continue
        shown = ts.locator(":scope > .sd-tab-content:visible img").first
        before = _img_src(shown)
        labels.nth(1).click()
        after = _img_src(ts.locator(":scope > .sd-tab-content:visible img").first)
        assert after != before, f"tab set {i} on {page} shows the same figure on every tab"


def _page_text(root: Path, page: str) -> str:
    html = (root / _html_path(page)).read_text(encoding="utf-8")
    m = re.search(r"<main.*?</main>", html, re.S)
    return re.sub(r"<[^>]+>", " ", m.group(0) if m else html)


@pytest.mark.parametrize("term", list(SEARCH_TERMS))
def test_search_finds_term(browser, site, term):
    root, base = site
    v = Visit(browser, base, "search.html?q=" + quote(term))
    try:
        p = v.page
        p.wait_for_function(
            "() => { const s = document.querySelector('#search-results .search-summary, "
            "#search-results p'); return s && s.textContent.trim().length > 0; }",
            timeout=LOAD_TIMEOUT_MS)
        hrefs = p.locator("#search-results ul.search li a").evaluate_all(
            "as => as.map(a => new URL(a.href).pathname)")
        assert v.external == [] and v.errors == [], (v.external, v.errors)
    finally:
        v.close()
    found = {h.lstrip("/").removesuffix(".html") for h in hrefs}
    assert found, f"search for {term} returned nothing"
    assert found <= set(PAGES) | {"genindex", "py-modindex"}, f"stray results: {found}"
    # the chapter that teaches the term must be found once it exists and mentions it
    target = SEARCH_TERMS[term]
    if target in PAGES and term in _page_text(root, target):
        assert target in found, f"search for {term} misses {target}; found {sorted(found)}"


def test_site_metrics(browser, site, page_weights):
    """Measure the site: total size, heaviest page, its load time (written to JSON)."""
    root, base = site
    total = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    for page in PAGES:
        if page not in page_weights:  # e.g. when run alone with -k
            v = Visit(browser, base, _html_path(page))
            page_weights[page] = v.bytes
            v.close()
    weights = {page: page_weights[page] for page in PAGES}
    heaviest = max(weights, key=weights.get)
    times = []
    for _ in range(3):
        v = Visit(browser, base, _html_path(heaviest))
        times.append(v.seconds)
        v.close()
    metrics = {
        "total_site_bytes": total,
        "vendor_bytes": sum(f.stat().st_size for f in (root / "_vendor").rglob("*")
                            if f.is_file()),
        "page_weight_bytes": weights,
        "heaviest_page": heaviest,
        "heaviest_load_seconds_median": round(statistics.median(times), 3),
        "heaviest_load_seconds": [round(t, 3) for t in times],
    }
    (root.parent / "site-metrics.json").write_text(json.dumps(metrics, indent=2,
                                                              ensure_ascii=False))
    print(json.dumps(metrics, indent=2, ensure_ascii=False))
    assert weights[heaviest] > 0
    assert statistics.median(times) < 30, f"{heaviest} takes {times} s to load"
