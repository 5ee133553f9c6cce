"""The Vega-Embed bundle is built once per vl-convert version and kept in a file."""

from __future__ import annotations

import vl_convert as vlc

from matequity.outputs.charts import bundle


def _fresh(monkeypatch, where) -> None:
    monkeypatch.setenv("MATEQUITY_CACHE_DIR", str(where))
    bundle.embed_bundle.cache_clear()


def test_built_once_then_read_from_the_cache_file(tmp_path, monkeypatch):
    _fresh(monkeypatch, tmp_path / "cache")
    built = bundle.embed_bundle()
    kept = bundle.cache_file()
    assert kept is not None and kept.parent == tmp_path / "cache"
    assert vlc.__version__ in kept.name
    assert kept.read_text(encoding="utf-8") == built
    assert "vegaEmbed" in built
    assert not [p for p in kept.parent.iterdir() if p.suffix == ".tmp"]
    # the next process reads the file rather than building again: mark the file
    kept.write_text("/* kept */", encoding="utf-8")
    bundle.embed_bundle.cache_clear()
    assert bundle.embed_bundle() == "/* kept */"
    bundle.embed_bundle.cache_clear()


def test_an_unwritable_cache_still_gives_the_bundle(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    _fresh(monkeypatch, blocker / "cache")
    text = bundle.embed_bundle()
    assert "vegaEmbed" in text
    assert blocker.read_text() == "not a folder"
    bundle.embed_bundle.cache_clear()


def test_an_empty_cache_file_is_rebuilt(tmp_path, monkeypatch):
    _fresh(monkeypatch, tmp_path)
    bundle.cache_file().write_text("", encoding="utf-8")
    assert "vegaEmbed" in bundle.embed_bundle()
    assert bundle.cache_file().read_text(encoding="utf-8") == bundle.embed_bundle()
    bundle.embed_bundle.cache_clear()


def test_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("MATEQUITY_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert bundle.cache_dir() == tmp_path / "matequity"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert bundle.cache_dir() == tmp_path / "home" / ".cache" / "matequity"


def test_no_home_folder_means_no_cache_not_a_failure(monkeypatch):
    """A container with no HOME, no passwd entry and no cache variable: the bundle
    is built each time, the report does not fail."""
    monkeypatch.delenv("MATEQUITY_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(bundle.Path, "home", staticmethod(no_home))
    bundle.embed_bundle.cache_clear()
    assert bundle.cache_dir() is None and bundle.cache_file() is None
    assert "vegaEmbed" in bundle.embed_bundle()
    bundle.embed_bundle.cache_clear()
