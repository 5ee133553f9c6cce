"""The Vega-Embed JavaScript bundle (Vega, Vega-Lite and Vega-Embed, from
vl-convert) that self-contained HTML pages inline, so that a page needs no network.

vl-convert builds the bundle afresh on every call (about 3 s on a 2-core machine,
more than the rest of a report's HTML). It depends only on vl-convert's version,
so it is kept in a cache file named for that version, in ``$MATEQUITY_CACHE_DIR``
if set, else ``$XDG_CACHE_HOME/matequity``, else ``~/.cache/matequity`` (the XDG
Base Directory Specification). The file is written to a temporary name and renamed
(a reader never sees half a bundle); a folder that cannot be written means the
bundle is built each time, never a failed report.

The bundle is script inlined into published pages, so a cache file is used only
if it is the current user's and neither it nor its folder can be written by
anyone else (as OpenSSH judges its own files), and only if it looks like the
bundle; otherwise it is built afresh and not kept there.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from functools import lru_cache
from pathlib import Path

import vl_convert as vlc


def cache_dir() -> Path | None:
    """Where matequity keeps files it can rebuild (the bundle); None where there
    is nowhere (no cache variable set and no home folder, as in some containers)."""
    if os.environ.get("MATEQUITY_CACHE_DIR"):
        return Path(os.environ["MATEQUITY_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "matequity"
    try:
        return Path.home() / ".cache" / "matequity"
    except (RuntimeError, KeyError):
        return None


def cache_file() -> Path | None:
    """The bundle's cache file for the installed vl-convert (None: no cache)."""
    d = cache_dir()
    return None if d is None else d / f"vega-embed-bundle-vl-convert-{vlc.__version__}.js"


#: a text every Vega-Embed bundle holds (its entry point)
MARK = "vegaEmbed"


def _private(path: Path) -> bool:
    """``path`` belongs to this user and only this user can write it."""
    st = path.stat()
    owner = getattr(os, "getuid", lambda: st.st_uid)()
    return st.st_uid == owner and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _trusted(path: Path) -> bool:
    """The cache file and its folder are this user's alone."""
    try:
        return _private(path) and _private(path.parent)
    except OSError:
        return False


def _keep(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically; give up quietly if the folder is not
    writable (the cache is an optimisation)."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(path.parent):
            return
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bundle-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


@lru_cache(maxsize=1)
def embed_bundle() -> str:
    """The bundle: from the cache file when there is one, else built and kept."""
    path = cache_file()
    if path is not None and _trusted(path):
        with contextlib.suppress(OSError, UnicodeDecodeError):
            text = path.read_text(encoding="utf-8")
            if MARK in text:
                return text
    text = vlc.javascript_bundle()
    if path is not None:
        _keep(path, text)
    return text
