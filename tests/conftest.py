"""Shared fixtures: the book built once per test session, and the browser for site checks.

Options:
    --book-build-dir DIR   build into DIR (emptied first) instead of a pytest temp folder,
                           e.g. to look at the site and screenshots afterwards
    --built-site DIR       use an already built HTML folder (DIR/_build/html or DIR itself)
                           instead of building; for quick iteration on site tests only
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def require(message: str):
    """A missing prerequisite: a failure in CI (CI=true), a skip elsewhere."""
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def toc_pages(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every docname in a jb-book ``_toc.yml``, in reading order (no extension)."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key))

    for key in ("parts", "chapters", "sections"):
        walk(toc.get(key))
    return [re.sub(r"\.(md|ipynb|rst)$", "", p) for p in pages]


def pytest_addoption(parser):
    group = parser.getgroup("book")
    group.addoption("--book-build-dir", default=None, help="build the book into this folder")
    group.addoption("--built-site", default=None, help="reuse this built HTML folder")


def jupyter_book_command() -> list[str]:
    """The jupyter-book of the running interpreter's environment."""
    exe = Path(sys.executable).with_name("jupyter-book")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("jupyter-book")
    if found is None:
        pytest.fail("jupyter-book is not installed: pip install -r requirements.txt")
    return [found]


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(repr=False)
class BookBuild:
    html: Path
    log: str
    seconds: float
    returncode: int

    def __repr__(self) -> str:
        return f"BookBuild(exit {self.returncode} in {self.seconds:.1f} s: {self.html})"

    def problems(self) -> list[str]:
        return [line for line in self.lines() if "WARNING:" in line or "ERROR:" in line]

    def lines(self) -> list[str]:
        return ANSI_ESCAPE.sub("", self.log).splitlines()

    def failure(self, limit: int) -> str:
        lines = self.lines()
        return (
            f"the book build failed (exit {self.returncode}) after {self.seconds:.0f} s; "
            f"full log: {self.html.parent.parent / 'build.log'}\n"
            + "\n".join(self.problems()[:limit] + ["...", *lines[-limit:]])
        )


def build_book(out_dir: Path) -> BookBuild:
    """Build the whole book into ``out_dir`` with warnings as errors (-W -n --keep-going).

    Runs from the repository root, because the jieba dictionary path in _config.yml is
    relative to the folder the build runs in.
    """
    cmd = jupyter_book_command() + [
        "build", str(ROOT), "--path-output", str(out_dir),
        "--all", "-W", "-n", "--keep-going",
    ]
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", errors="replace"
    )
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    (out_dir / "build.log").write_text(log, encoding="utf-8")
    return BookBuild(out_dir / "_build" / "html", log, seconds, proc.returncode)


@pytest.fixture(scope="session")
def book_build(request, tmp_path_factory) -> BookBuild:
    """One clean build of the book per test session (it may have failed: see built_site)."""
    reuse = request.config.getoption("--built-site")
    if reuse:
        html = Path(reuse).resolve()
        if (html / "_build" / "html").is_dir():
            html = html / "_build" / "html"
        if not (html / "index.html").is_file():
            pytest.fail(f"--built-site {reuse}: no index.html in {html}", pytrace=False)
        log_file = html.parent.parent / "build.log"
        log = log_file.read_text(encoding="utf-8") if log_file.is_file() else ""
        return BookBuild(html, log, 0.0, 0)
    chosen = request.config.getoption("--book-build-dir")
    if chosen:
        out = Path(chosen).resolve()
        if out == ROOT or ROOT.is_relative_to(out):
            pytest.fail(f"--book-build-dir {chosen} would delete the repository", pytrace=False)
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
    else:
        out = tmp_path_factory.mktemp("book")
    result = build_book(out)
    print(f"\nbook build: exit {result.returncode} in {result.seconds:.1f} s: {result.html}")
    return result


@pytest.fixture(scope="session")
def built_site(book_build) -> Path:
    """The HTML folder of the book, built once per session (clean, -W -n --keep-going).

    A failed build fails every test that uses the site; the full list of warnings is in
    tests/test_book.py::test_book_builds_without_warnings.
    """
    if book_build.returncode != 0:
        pytest.fail(book_build.failure(limit=5), pytrace=False)
    return book_build.html


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Path of Debian's Chromium. Missing: a failure in CI (CI=true), a skip elsewhere."""
    path = os.environ.get("CHROMIUM_PATH") or next(
        (p for p in CHROMIUM_CANDIDATES if Path(p).exists()), None
    )
    if path and Path(path).exists():
        return path
    require("Chromium not found (apt-get install chromium); set CHROMIUM_PATH to override")
