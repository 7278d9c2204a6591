"""Sphinx extension: the built book serves its own front-end libraries (no CDN).

A default Jupyter Book 1.x page loads MathJax, require.js, the Jupyter widgets HTML
manager and Mermaid from CDNs, Font Awesome from a CDN (matplotlib's ``to_jshtml``), and
wires up Thebe (unpkg + mybinder.org). On a slow or blocked network the formulas stay raw
TeX and every widget cell stays blank. This extension:

* copies the needed files from ``node_modules`` (installed with ``npm ci`` from the
  committed ``package-lock.json``) into ``<html>/_vendor/`` at build time. Not under
  ``_static``: Jupyter Book adds every .js/.css found in a static folder to every page;
* points ``mathjax_path``, ``nb_ipywidgets_js`` (require.js, a small setup script, the
  widget manager) and ``mermaid_use_local`` at those copies;
* removes Thebe's scripts (the offline site has no live-code button) and rewrites the
  Font Awesome CDN link written by ``to_jshtml`` to the local copy;
* marks live ipywidgets on the static page as needing a kernel and disables their
  controls, so no control on the site moves without effect;
* warns (an error under ``-W``) about any other script, stylesheet or image that a page
  would load from outside the site.

The build stops with a clear message if ``node_modules`` is missing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path, PurePosixPath

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.osutil import relative_uri

logger = logging.getLogger(__name__)

VENDOR = "_vendor"
# Sphinx resolves relative JS paths against _static; this leaves it again.
_FROM_STATIC = f"../{VENDOR}/"

# (source under node_modules, destination under _vendor, glob patterns to copy)
ASSETS = [
    ("requirejs", "requirejs", ["require.js", "LICENSE"]),
    ("@jupyter-widgets/html-manager", "html-manager",
     ["dist/embed-amd.js", "dist/*.woff2", "dist/*.woff", "LICENSE"]),
    ("mathjax", "mathjax",
     ["es5/tex-mml-chtml.js", "es5/input/**/*.js", "es5/output/chtml.js",
      "es5/output/chtml/**/*", "es5/a11y/**/*.js", "es5/ui/**/*.js", "es5/adaptors/**/*.js",
      "es5/sre/**/*", "LICENSE"]),
    ("mermaid", "mermaid",
     ["dist/mermaid.esm.min.mjs", "dist/chunks/mermaid.esm.min/*.mjs", "LICENSE"]),
    ("font-awesome", "font-awesome",
     ["css/font-awesome.min.css", "fonts/*.woff2", "fonts/*.woff", "README.md"]),
]
# package.json names and the path a page loads, relative to _vendor
MATHJAX_JS = "mathjax/es5/tex-mml-chtml.js"
REQUIRE_JS = "requirejs/require.js"
WIDGETS_SETUP_JS = "widgets-setup.js"
HTML_MANAGER_JS = "html-manager/dist/embed-amd.js"
# What a page showing a widget loads, in this order (and nothing else needs).
WIDGET_JS = (REQUIRE_JS, WIDGETS_SETUP_JS, HTML_MANAGER_JS)
MERMAID_JS = "mermaid/dist/mermaid.esm.min.mjs"
FONT_AWESOME_CSS = "font-awesome/css/font-awesome.min.css"

_FA_CDN = re.compile(r"https?://[^\"']*/font-awesome/4\.\d+\.\d+/css/font-awesome(?:\.min)?\.css")
# Labels and tooltips of matplotlib's to_jshtml player (matplotlib/_animation_data.py)
_JSHTML_ZH = {
    "Once": "播放一次", "Loop": "循环", "Reflect": "往返", "Repetition mode": "重复方式",
    "Decrease speed": "减速", "Increase speed": "加速", "First frame": "第一帧",
    "Previous frame": "上一帧", "Play backwards": "倒放", "Pause": "暂停", "Play": "播放",
    "Next frame": "下一帧", "Last frame": "最后一帧",
}
# Resources a browser fetches by itself (links <a href> are followed only on click).
_REMOTE = re.compile(
    r"""<(?:script|img|iframe|source|video|audio|embed)\b[^>]*?\bsrc\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
    r"""|<link\b[^>]*?\bhref\s*=\s*["']?((?:https?:)?//[^"'\s>]+)[^>]*>"""
    r"""|@import\s+(?:url\()?["']?((?:https?:)?//[^"')\s]+)""",
    re.IGNORECASE,
)
_LINK_OK = re.compile(r"""rel\s*=\s*["']?(?:canonical|alternate|author|license|me)""", re.I)

# Runs between require.js and the widget manager: tells both where the manager's own
# files (icon fonts) are, sends any unknown widget module to the site (a 404, seen in the
# console) instead of a CDN, and marks live widgets as needing a kernel.
_WIDGETS_SETUP = r"""/* Offline set-up of the Jupyter widgets HTML manager (offline_assets.py) */
(function () {
  var me = document.currentScript;
  var base = new URL(".", me.src).href;
  window.__jupyter_widgets_assets_path__ = base + "html-manager/dist/";
  me.setAttribute("data-jupyter-widgets-cdn", base + "missing-widget-module/");
  if (window.requirejs) {
    window.requirejs.config(
      {paths: {"@jupyter-widgets/html-manager/dist": base + "html-manager/dist"}});
  }
  // Widget labels call MathJax 2's MathJax.Hub.Queue; the site runs MathJax 3.
  window.addEventListener("load", function () {  // runs before the manager's handler
    var M = window.MathJax;
    if (!M || M.Hub) return;
    M.Hub = {Queue: function (job) {
      var el = Array.isArray(job) ? job[2] : undefined;
      var ready = (M.startup && M.startup.promise) || Promise.resolve();
      ready.then(function () {
        return M.typesetPromise && M.typesetPromise(el ? [el] : undefined);
      })
        .catch(function (e) { console.warn("MathJax typeset of a widget failed", e); });
    }};
  });
  var NOTE = "此交互控件需要运行中的 Python 内核" +
             "（在 Binder、Colab 或本地 JupyterLab 中打开本页）。" +
             "网页版没有内核，因此控件已停用；请使用页面上预先计算的静态版本。";
  function mark() {
    document.querySelectorAll(".widget-subarea").forEach(function (area) {
      if (area.getAttribute("data-offline") === "1") return;
      area.setAttribute("data-offline", "1");
      var note = document.createElement("div");
      note.className = "widget-needs-kernel admonition note";
      note.setAttribute("role", "note");
      note.textContent = NOTE;
      note.style.cssText = "font-size:.9em;margin:.3em 0;padding:.4em .7em;";
      area.parentNode.insertBefore(note, area);
    });
    document.querySelectorAll(".widget-subarea input, .widget-subarea select, " +
                              ".widget-subarea button, .widget-subarea textarea")
      .forEach(function (el) { if (!el.disabled) { el.disabled = true; } });
  }
  new MutationObserver(mark).observe(document.documentElement, {childList: true, subtree: true});
})();
"""


def _node_modules(app) -> Path:
    path = Path(app.config.offline_assets_node_modules)
    if not path.is_absolute():
        path = Path(app.srcdir) / path
    return path


def _check_sources(app) -> list[tuple[Path, Path]]:
    """Return [(source file, destination relative to _vendor)] or stop the build."""
    root = _node_modules(app)
    if not root.is_dir():
        raise ExtensionError(
            f"offline_assets: node_modules not found at {root}. The site serves MathJax, "
            f"require.js, the widget manager and Mermaid itself; install them first with "
            f"`npm ci` in the folder holding package.json (the setup and test scripts do this)."
        )
    pairs, missing = [], []
    for package, dest, patterns in ASSETS:
        pkg = root / package
        for pattern in patterns:
            found = sorted(p for p in pkg.glob(pattern) if p.is_file())
            if not found and not pattern.endswith(("LICENSE", "README.md")):
                missing.append(f"{package}/{pattern}")
            pairs += [(p, Path(dest) / p.relative_to(pkg)) for p in found]
    if missing:
        raise ExtensionError(
            f"offline_assets: {root} lacks {missing}; run `npm ci` so that node_modules "
            f"matches package-lock.json."
        )
    return pairs


def configure(app, config) -> None:
    """config-inited: point every front-end library at the site's own copy."""
    config.mathjax_path = _FROM_STATIC + MATHJAX_JS
    config.nb_ipywidgets_js = {_FROM_STATIC + js: {} for js in WIDGET_JS}
    if "mermaid_use_local" in config:
        config.mermaid_use_local = _FROM_STATIC + MERMAID_JS
        if config.mermaid_fullscreen_button == "\u26f6":  # no font on the reader's machine has it
            config.mermaid_fullscreen_button = "全屏"
        for key in ("mermaid_include_elk", "mermaid_include_zenuml", "mermaid_d3_zoom"):
            if config[key] if key in config else False:
                raise ExtensionError(
                    f"offline_assets: {key} loads code from a CDN; set it to False"
                )
    if not (config.html_context or {}).get("default_mode"):
        # pydata-sphinx-theme logs "Got invalid theme mode: ." on every page without it
        config.html_context = {**(config.html_context or {}), "default_mode": "auto"}
    theme = config.html_theme_options or {}
    if (theme.get("launch_buttons") or {}).get("thebe"):
        logger.warning(
            "offline_assets: launch_buttons.thebe needs unpkg and mybinder.org and is removed "
            "from the offline site; set `thebe: false` (Binder/Colab buttons still work)",
            type="offline_assets",
        )


def copy_assets(app) -> None:
    """builder-inited: copy the vendored files into <html>/_vendor/."""
    if app.builder.format != "html":
        return
    pairs = _check_sources(app)
    out = Path(app.outdir) / VENDOR
    for src, rel in pairs:
        dst = out / rel
        if dst.exists() and dst.stat().st_size == src.stat().st_size \
                and dst.stat().st_mtime >= src.stat().st_mtime:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    (out / WIDGETS_SETUP_JS).write_text(_WIDGETS_SETUP, encoding="utf-8")


def rewrite_raw_html(app, doctree, docname) -> None:
    """doctree-resolved: send to_jshtml's Font Awesome link to the local copy."""
    if app.builder.format != "html":
        return
    page = app.builder.get_target_uri(docname)
    local = relative_uri(page, f"{VENDOR}/{FONT_AWESOME_CSS}")
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if "html" in node.get("format", "") and _FA_CDN.search(text):
            text = _FA_CDN.sub(local, text)
            if 'class="animation"' in text:  # matplotlib's to_jshtml player: Chinese labels
                for en, zh in _JSHTML_ZH.items():
                    text = text.replace(f'"{en}"', f'"{zh}"').replace(f">{en}</label>",
                                                                      f">{zh}</label>")
            node.replace_self(nodes.raw("", text, format=node["format"]))


def _is_thebe(js) -> bool:
    name = getattr(js, "filename", "") or ""
    body = (getattr(js, "attributes", {}) or {}).get("body", "")
    return "THEBE_JS_URL" in body or PurePosixPath(name.split("?")[0]).name.startswith(
        ("sphinx-thebe", "thebe")
    ) or "unpkg.com/thebe" in name


_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _is_widget_support(js) -> bool:
    """The embedded widget state, or one of the scripts that render it."""
    name = getattr(js, "filename", "") or ""
    attributes = getattr(js, "attributes", {}) or {}
    return attributes.get("type") == _WIDGET_STATE or name.endswith(WIDGET_JS)


def page_context(app, pagename, templatename, context, doctree) -> None:
    """html-page-context (late): drop Thebe and unused widget support, then refuse
    anything still remote."""
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        scripts[:] = [js for js in scripts if not _is_thebe(js)]
        # The executor stores the widget state even when every widget's output is removed
        # (tag remove-output); a page that shows no widget view needs neither the state nor
        # the widget manager (about 3.6 MB).
        if _WIDGET_VIEW not in (context.get("body", "") or ""):
            scripts[:] = [js for js in scripts if not _is_widget_support(js)]
    css = context.get("css_files")
    if isinstance(css, list):
        css[:] = [c for c in css if "thebe" not in (getattr(c, "filename", "") or "")]
    remote = []
    for item in list(scripts or []) + list(css or []):
        name = getattr(item, "filename", "") or ""
        if "://" in name or name.startswith("//"):
            remote.append(name)
    for m in _REMOTE.finditer(context.get("body", "") or ""):
        url = next(g for g in m.groups() if g)
        if m.group(2) and _LINK_OK.search(m.group(0)):
            continue
        remote.append(url)
    for url in dict.fromkeys(remote):
        logger.warning(
            f"offline_assets: page {pagename!r} would load {url} from outside the site; "
            f"serve it from the site (npm + _ext/offline_assets.py) or remove it",
            type="offline_assets", location=pagename,
        )


def setup(app):
    app.add_config_value("offline_assets_node_modules", "node_modules", "html")
    app.connect("config-inited", configure, priority=900)
    app.connect("builder-inited", copy_assets)
    app.connect("doctree-resolved", rewrite_raw_html)
    app.connect("html-page-context", page_context, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
