"""Chinese text in matplotlib figures.

matplotlib's default font has no Chinese glyphs: without a CJK font every character is
drawn as an empty box and a warning is printed per character. ``setup_cjk_font`` finds an
installed CJK font (also one installed after matplotlib built its font cache) and makes it
the default; when there is none it says once how to install one, and ``label`` then falls
back to English glosses so that figures stay readable.
"""

from __future__ import annotations

import os
import warnings

import matplotlib as mpl
from matplotlib import font_manager

# Families tried in order; the first installed one wins.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Sarasa Gothic SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)
# File-name fragments of CJK fonts, to find fonts the cached font list does not know yet.
_CJK_FILE_HINTS = (
    "notosanscjk",
    "notoserifcjk",
    "sourcehansans",
    "wqy",
    "simhei",
    "msyh",
    "pingfang",
)

INSTALL_HINT = (
    "No Chinese (CJK) font found for matplotlib; figures will use English labels. "
    "Install one, e.g. `sudo apt-get install fonts-noto-cjk` (Debian/Ubuntu), "
    "then restart the kernel."
)

_state = {"family": None, "warned": False}


def _first_installed():
    """The first family of CJK_FAMILIES that matplotlib's font manager knows, or None."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)


def find_cjk_font():
    """Name of an installed CJK font family, or None.

    Fonts installed after matplotlib cached its font list are found too: their files are
    looked up on disk and added to the running font manager (public ``addfont`` API).
    """
    family = _first_installed()
    if family is not None:
        return family
    for path in font_manager.findSystemFonts():
        if any(hint in os.path.basename(path).lower() for hint in _CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return _first_installed()


def setup_cjk_font(quiet=False):
    """Make an installed CJK font matplotlib's default sans-serif font.

    Args:
        quiet: if True, do not warn when no CJK font is found.

    Returns:
        The family name (str), or None when no CJK font is installed; in that case a
        warning with the install command is issued once per process.
    """
    family = find_cjk_font()
    _state["family"] = family
    if family is None:
        if not quiet and not _state["warned"]:
            warnings.warn(INSTALL_HINT, stacklevel=2)
            _state["warned"] = True
        return None
    sans = [f for f in mpl.rcParams["font.sans-serif"] if f != family]
    mpl.rcParams["font.sans-serif"] = [family, *sans]
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["axes.unicode_minus"] = False  # the CJK fonts lack U+2212 in some builds
    return family


def cjk_available():
    """True when ``setup_cjk_font`` found a CJK font."""
    return _state["family"] is not None


def label(text, gloss):
    """``text`` (Chinese) when a CJK font is active, else its English ``gloss``."""
    return text if cjk_available() else gloss
