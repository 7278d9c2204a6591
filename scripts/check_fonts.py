"""Check that matplotlib draws Chinese with the font lstm_lib.fonts.setup_cjk_font picks.

matplotlib caches its list of fonts (``fontlist-*.json`` in ``matplotlib.get_cachedir()``)
and does not notice fonts installed after the cache was written: a freshly installed
``fonts-noto-cjk`` stays invisible and every Chinese character is drawn as a box with a
warning on stderr. This script finds that case, deletes the stale cache and checks again in a
new process (the font list is read once per process).

Exit status: 0 when a Chinese label renders with a CJK font, 1 otherwise (with the command to
install one). Run from anywhere: ``python scripts/check_fonts.py``.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import warnings
from pathlib import Path

RCFILE = Path(__file__).resolve().parent.parent / "chapters" / "matplotlibrc"
SAMPLE = "遗忘门、细胞状态与梯度消失"
INSTALL = "sudo apt-get install fonts-noto-cjk   (Debian/Ubuntu; Binder reads apt.txt)"


def probe() -> dict:
    """Render SAMPLE as a chapter does (its rc file, then ``setup_cjk_font``); report the font."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    from lstm_lib import fonts

    matplotlib.rc_file(RCFILE)
    # Before setup_cjk_font, which adds uncached CJK files to this process's font list.
    cached = {Path(f.fname).resolve() for f in font_manager.fontManager.ttflist}
    family = fonts.setup_cjk_font(quiet=True)
    problems: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            problems.append(record.getMessage())

    handler = Collect(level=logging.WARNING)
    logging.getLogger("matplotlib").addHandler(handler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.set_title(SAMPLE)
        fig.canvas.draw()
        plt.close(fig)
    logging.getLogger("matplotlib").removeHandler(handler)
    problems += [str(w.message) for w in caught]
    used = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    on_disk = {Path(p).resolve() for p in font_manager.findSystemFonts()}
    return {
        "uncached_files": sorted(map(str, on_disk - cached)),
        "available": [family] if family else [],
        "used_file": used,
        "problems": problems,
        "cache_dir": matplotlib.get_cachedir(),
    }


def run_probe_in_new_process() -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--probe"], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"font probe failed:\n{out.stderr}")
    return json.loads(out.stdout)


def main(argv: list[str]) -> int:
    if argv == ["--probe"]:
        print(json.dumps(probe()))
        return 0
    result = run_probe_in_new_process()
    ok = result["available"] and not result["problems"]
    if not ok and result["uncached_files"]:
        stale = sorted(Path(result["cache_dir"]).glob("fontlist-*.json"))
        print(
            f"matplotlib's font cache misses {len(result['uncached_files'])} installed font "
            "file(s) (installed after the cache was written); rebuilding it "
            f"(removing {', '.join(map(str, stale))})"
        )
        for path in stale:
            path.unlink()
        result = run_probe_in_new_process()
    if result["available"] and not result["problems"]:
        print(f"Chinese text renders with {result['available'][0]} ({result['used_file']})")
        return 0
    print("matplotlib cannot draw Chinese text: none of lstm_lib.fonts.CJK_FAMILIES is installed.")
    for problem in result["problems"][:3]:
        print("  ", problem)
    print(f"Install a CJK font: {INSTALL}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
