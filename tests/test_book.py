"""Checks of the book's frame: configuration, notebooks as stored, and the built HTML."""

from __future__ import annotations

import importlib.util
import json
import pkgutil
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import ROOT, toc_pages

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))

# Search terms a reader types, and the page each must lead to (data, not code: extend it
# when a chapter introduces a term that readers will search for).
SEARCH_EXPECTATIONS = {
    "遗忘门": "chapters/2_3_1_lstm_cell",
    "梯度消失": "chapters/2_2_rnn",
    "梯度高速公路": "chapters/2_3_2_long_range",
    "窥孔连接": "chapters/exercises",
}


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


colab_cell = _load_script("colab_cell")
check_fonts = _load_script("check_fonts")


def source_of(docname: str) -> Path:
    for suffix in (".ipynb", ".md"):
        path = ROOT / f"{docname}{suffix}"
        if path.is_file():
            return path
    raise FileNotFoundError(f"_toc.yml names {docname!r}, but no {docname}.ipynb/.md exists")


NOTEBOOKS = colab_cell.notebooks()
NOTEBOOK_DOCS = [p.relative_to(ROOT).with_suffix("").as_posix() for p in NOTEBOOKS]


# ---------------------------------------------------------------------------------------
# Configuration and sources


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks under chapters/"


def test_every_notebook_is_in_the_toc_and_every_toc_entry_exists():
    entries = toc_pages()
    assert len(entries) == len(set(entries)), f"_toc.yml lists a page twice: {entries}"
    orphans = sorted(set(NOTEBOOK_DOCS) - set(entries))
    assert not orphans, f"notebooks missing from _toc.yml: {orphans}"
    for entry in entries:
        source_of(entry)  # raises when the page does not exist


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: code cells {dirty} have outputs or execution counts"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_starts_with_a_title_and_uses_the_python3_kernel(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.lstrip().startswith("# "), (
        f"{path.name}: the first cell must be a markdown cell with the page's H1 title"
    )
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", path.name


def test_every_chapter_starts_with_the_colab_install_cell():
    source = colab_cell.cell_source(*colab_cell.repository())
    problems = colab_cell.check(NOTEBOOKS, source)
    assert not problems, "\n".join(problems) + "\nfix: python scripts/colab_cell.py --write"


def test_colab_cell_does_nothing_when_lstm_lib_is_installed():
    source = colab_cell.cell_source(*colab_cell.repository())
    # The %pip line is IPython syntax; here only the try-branch may run.
    runnable = source.replace("%pip install", "raise AssertionError #")
    namespace: dict = {}
    exec(compile(runnable, "colab_cell", "exec"), namespace)
    assert namespace["lstm_lib"].__name__ == "lstm_lib"


def test_colab_cell_installs_from_the_configured_repository(tmp_path):
    url, branch = colab_cell.repository()
    source = colab_cell.cell_source(url, branch)
    assert f'"lstm_lib @ git+{url}@{branch}"' in source
    fork = tmp_path / "_config.yml"
    fork.write_text(yaml.safe_dump({"repository": {"url": "https://github.com/me/fork",
                                                   "branch": "dev"}}), encoding="utf-8")
    assert colab_cell.repository(fork) == ("https://github.com/me/fork", "dev")
    fork.write_text(yaml.safe_dump({"repository": {"url": "gitlab.com/x"}}), encoding="utf-8")
    with pytest.raises(ValueError, match="repository.url"):
        colab_cell.repository(fork)


def test_language_is_set_where_sphinx_reads_it():
    assert "language" not in CONFIG, "a top-level language key is ignored by Jupyter Book"
    assert CONFIG["sphinx"]["config"]["language"] == "zh_CN"


def test_execution_fails_on_errors_and_stderr():
    execute = CONFIG["execute"]
    assert execute["raise_on_error"] is True
    assert execute["allow_errors"] is False
    assert execute["stderr_output"] in ("error", "severe")


def test_jieba_dictionary_exists_and_lists_the_book_terms():
    path = ROOT / CONFIG["sphinx"]["config"]["html_search_options"]["dict"]
    words = [line.split()[0] for line in path.read_text(encoding="utf-8").splitlines() if line]
    for term in SEARCH_EXPECTATIONS:
        assert term in words, f"{term} missing from {path.name}"


def test_launch_buttons_and_repository():
    launch = CONFIG["launch_buttons"]
    assert launch["notebook_interface"] == "jupyterlab"
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["colab_url"] == "https://colab.research.google.com"
    assert "jupyterhub_url" in launch
    assert CONFIG["repository"]["branch"]  # Jupyter Book's default would be "master"
    # The repository URL is written in exactly one place of the configuration.
    text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert text.count(CONFIG["repository"]["url"]) == 1


def test_requirements_pin_every_direct_dependency():
    lines = [
        line.split("#")[0].strip()
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    ]
    lines = [line for line in lines if line]
    editable = [line for line in lines if line.startswith("-e")]
    assert editable and editable[0].split()[1].split("[")[0] == ".", "requirements needs -e ."
    pins = {}
    for line in lines:
        if line.startswith("-e"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([\w.\-+]+)", line)
        assert match, f"requirements.txt: {line!r} is not pinned with =="
        pins[match[1].lower().replace("_", "-")] = match[2]
    assert pins["jupyter-book"].startswith("1."), "Jupyter Book 2.x does not read _config.yml"
    for needed in ("jieba", "sphinx-design", "jupyterlab", "nbval", "pytest", "playwright",
                   "numpy", "matplotlib", "tqdm", "ipywidgets"):
        assert needed in pins, f"{needed} is not pinned in requirements.txt"


def test_binder_files():
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"
    assert "fonts-noto-cjk" in (ROOT / "apt.txt").read_text().split()


def test_api_page_documents_every_public_module():
    import lstm_lib

    modules = {
        f"lstm_lib.{m.name}"
        for m in pkgutil.iter_modules(lstm_lib.__path__)
        if not m.name.startswith("_")
    }
    api = (ROOT / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\.\. automodule:: (lstm_lib\.\w+)\s*$", api, re.M))
    assert modules - documented == set(), f"add to api.md: {sorted(modules - documented)}"
    assert documented - modules == set(), f"no such module: {sorted(documented - modules)}"


def test_chinese_text_renders_with_a_cjk_font():
    """matplotlib draws Chinese with a real CJK font (a failure, never a skip)."""
    result = check_fonts.run_probe_in_new_process()
    assert result["available"], (
        f"none of lstm_lib.fonts.CJK_FAMILIES is known to matplotlib; "
        f"install: {check_fonts.INSTALL}; then run python scripts/check_fonts.py"
    )
    assert not result["problems"], result["problems"][:3]


# ---------------------------------------------------------------------------------------
# The built site (one clean build per session, shared with tests/test_site.py)


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lang = None
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def parse_page(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def page_html(site: Path, docname: str) -> Path:
    path = site / f"{docname}.html"
    assert path.is_file(), f"{docname} was not built ({path} missing)"
    return path


@pytest.mark.slow
def test_book_builds_without_warnings(book_build):
    assert book_build.returncode == 0, book_build.failure(limit=40)
    assert not book_build.problems(), "\n".join(book_build.problems()[:40])
    assert (book_build.html / "index.html").is_file()
    reports = book_build.html / "reports"
    assert not reports.exists(), f"a notebook failed: see {reports}"


@pytest.mark.slow
@pytest.mark.parametrize("docname", toc_pages())
def test_every_page_is_chinese(built_site, docname):
    assert parse_page(page_html(built_site, docname)).lang == "zh-CN"


@pytest.mark.slow
@pytest.mark.parametrize("docname", NOTEBOOK_DOCS)
def test_widget_manager_loads_only_where_a_widget_is_shown(built_site, docname):
    html = page_html(built_site, docname).read_text(encoding="utf-8")
    shows_widget = "application/vnd.jupyter.widget-view+json" in html
    loads_manager = "html-manager/dist/embed-amd.js" in html
    assert loads_manager == shows_widget, (
        f"{docname}: shows a widget: {shows_widget}, loads the widget manager: {loads_manager}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("docname", NOTEBOOK_DOCS)
def test_notebook_pages_have_launch_and_download_links(built_site, docname):
    url, branch = colab_cell.repository()
    org_repo = url.removeprefix("https://github.com/")
    hrefs = parse_page(page_html(built_site, docname)).hrefs
    binder = (f"https://mybinder.org/v2/gh/{org_repo}/{branch}"
              f"?urlpath=lab/tree/{docname}.ipynb")
    colab = f"https://colab.research.google.com/github/{org_repo}/blob/{branch}/{docname}.ipynb"
    assert binder in hrefs, f"no Binder link {binder}"
    assert colab in hrefs, f"no Colab link {colab}"
    assert url in hrefs, "no repository button"
    downloads = [h for h in hrefs if h.endswith(f"_sources/{docname}.ipynb")]
    assert downloads, "no .ipynb download link"
    downloaded = (built_site / f"{docname}.html").parent / downloads[0]
    stored = nbformat.read(downloaded.resolve(), as_version=4)
    assert stored.cells, "the downloadable notebook is empty"


def load_search_index(site: Path) -> dict:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


@pytest.mark.slow
@pytest.mark.parametrize(
    "term,docname",
    SEARCH_EXPECTATIONS.items(),
    ids=[docname.split("/")[-1] for docname in SEARCH_EXPECTATIONS.values()],
)
def test_search_index_finds_chinese_terms(built_site, term, docname):
    index = load_search_index(built_site)
    docs = set()
    for table in ("terms", "titleterms"):
        hit = index[table].get(term, [])
        docs.update([hit] if isinstance(hit, int) else hit)
    found = sorted(index["docnames"][i] for i in docs)
    assert docname in found, (
        f"searching {term} finds {found}, not {docname}; is jieba installed and "
        f"book_terms.dict loaded (the build must run from the repository root)?"
    )


@pytest.mark.slow
def test_search_page_is_in_chinese(built_site):
    assert parse_page(built_site / "search.html").lang == "zh-CN"
    js = (built_site / "searchindex.js").read_text(encoding="utf-8")
    assert js.startswith("Search.setIndex(")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v"]))
