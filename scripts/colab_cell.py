"""The first code cell of every chapter: makes ``import lstm_lib`` work on Google Colab.

Colab opens a single notebook without the rest of the repository, so ``lstm_lib`` is not
installed there. The cell installs it from the repository named in ``_config.yml`` only when
the import fails; locally and on Binder the package is installed and the cell does nothing.

Usage (from the repository root):
    python scripts/colab_cell.py            print the cell for the configured repository
    python scripts/colab_cell.py --check    exit 1 if a chapter's first code cell differs
    python scripts/colab_cell.py --write    put the current cell first in every chapter

After changing ``repository.url`` or ``repository.branch`` in ``_config.yml`` (e.g. in a
fork), run ``--write`` so that Colab installs the library from the fork.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
MARKER = "# Runs only where lstm_lib is missing (e.g. Google Colab)"
TAGS = ["remove-cell"]  # not shown on the website; present in the .ipynb and on Colab

TEMPLATE = """\
{marker}: installs it from the book's repository.
# Locally and on Binder lstm_lib is already installed and this cell does nothing.
try:
    import lstm_lib
except ImportError:
    %pip install --quiet "lstm_lib @ git+{url}@{branch}"
    import lstm_lib"""


def repository(config_path: Path = ROOT / "_config.yml") -> tuple[str, str]:
    """Return (url, branch) from the ``repository`` section of ``_config.yml``."""
    config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8"))
    repo = config.get("repository") or {}
    url, branch = repo.get("url"), repo.get("branch")
    if not isinstance(url, str) or not url.startswith("https://github.com/"):
        raise ValueError(
            f"repository.url in {config_path} must be a https://github.com/ORG/REPO URL, "
            f"got {url!r}"
        )
    if not isinstance(branch, str) or not branch:
        raise ValueError(
            f"repository.branch in {config_path} must be a branch name, got {branch!r}"
        )
    return url.rstrip("/"), branch


def cell_source(url: str, branch: str) -> str:
    """The exact source of the install cell for a repository URL and branch."""
    return TEMPLATE.format(marker=MARKER, url=url, branch=branch)


def first_code_cell(nb) -> nbformat.NotebookNode | None:
    return next((c for c in nb.cells if c.cell_type == "code"), None)


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "chapters").rglob("*.ipynb"))


def check(paths: list[Path], source: str) -> list[str]:
    """Return one message per notebook whose first code cell is not ``source``."""
    problems = []
    for path in paths:
        cell = first_code_cell(nbformat.read(path, as_version=4))
        if cell is None or cell.source != source:
            problems.append(f"{path}: the first code cell is not the Colab install cell")
        elif list(cell.metadata.get("tags", [])) != TAGS:
            problems.append(f"{path}: the Colab install cell must have the tags {TAGS}")
    return problems


def write(paths: list[Path], source: str) -> None:
    """Make ``source`` the first code cell of each notebook (replacing an older version)."""
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        cell = first_code_cell(nb)
        if cell is not None and cell.source.startswith(MARKER):
            cell.source = source
            cell.metadata["tags"] = list(TAGS)
        else:
            new = nbformat.v4.new_code_cell(source, metadata={"tags": list(TAGS)})
            if nb.nbformat_minor < 5:  # cell ids exist from format 4.5 on
                new.pop("id", None)
            index = nb.cells.index(cell) if cell is not None else len(nb.cells)
            nb.cells.insert(index, new)
        nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="verify every chapter")
    group.add_argument("--write", action="store_true", help="update every chapter")
    args = parser.parse_args(argv)
    source = cell_source(*repository())
    if args.write:
        write(notebooks(), source)
        return 0
    if args.check:
        problems = check(notebooks(), source)
        print("\n".join(problems) or "every chapter starts with the current Colab cell")
        return 1 if problems else 0
    print(source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
