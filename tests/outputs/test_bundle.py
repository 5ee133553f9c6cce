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
    kept.write_text("/* kept: vegaEmbed */", encoding="utf-8")
    bundle.embed_bundle.cache_clear()
    assert bundle.embed_bundle() == "/* kept: vegaEmbed */"
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


def test_a_cache_file_others_can_write_is_not_trusted(tmp_path, monkeypatch):
    """Script planted in a cache file that someone else could have written (the
    file or its folder writable by group or others), or a file that is not a
    bundle, never reaches a page: the bundle is built afresh."""
    real = vlc.javascript_bundle()
    _fresh(monkeypatch, tmp_path / "cache")
    bundle.embed_bundle()
    kept = bundle.cache_file()
    kept.write_text("alert('planted'); vegaEmbed", encoding="utf-8")
    kept.chmod(0o666)
    bundle.embed_bundle.cache_clear()
    assert bundle.embed_bundle() == real
    assert kept.read_text(encoding="utf-8") == real  # replaced by a private copy
    assert not kept.stat().st_mode & 0o022

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    _fresh(monkeypatch, shared)
    planted = bundle.cache_file()
    planted.write_text("alert('planted'); vegaEmbed", encoding="utf-8")
    planted.chmod(0o600)
    assert bundle.embed_bundle() == real
    assert planted.read_text(encoding="utf-8").startswith("alert")  # nothing kept there

    _fresh(monkeypatch, tmp_path / "cache")
    kept.write_text("not a bundle", encoding="utf-8")
    kept.chmod(0o600)
    assert bundle.embed_bundle() == real
    bundle.embed_bundle.cache_clear()
