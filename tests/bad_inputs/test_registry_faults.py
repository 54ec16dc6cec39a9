"""Faults of the data registry and of ``dataset="auto"``: a file that cannot be had, a corrupt one, a disk
that refuses writes, a download killed half-way. Uses a fabricated registry entry and mirror in tmp."""
from __future__ import annotations

import errno
import hashlib
import os
import time
from pathlib import Path

import pytest

from genenets import datasets
from genenets.data import registry
from genenets.errors import ConfigError, DataError, DataUnavailable

MODULE = "genenets.data.registry / genenets.datasets"
NAME = "badinputs/table.csv"
CONTENT = b"gene,value\nA,1\nB,2\n"
URL = "https://example.invalid/badinputs/table.csv"


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A registry with one entry NAME, a private mirror holding a good copy and a private cache."""
    entry = registry.Entry(NAME, hashlib.sha256(CONTENT).hexdigest(), len(CONTENT), URL, "CC0", "test table")
    monkeypatch.setattr(registry, "entries", lambda: {NAME: entry})
    mirror = tmp_path / "mirror"
    (mirror / "badinputs").mkdir(parents=True)
    (mirror / NAME).write_bytes(CONTENT)
    monkeypatch.setenv("GENENETS_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("GENENETS_DATA_DIR", str(tmp_path / "cache"))
    return mirror


def _cache_files(tmp_path):
    cache = tmp_path / "cache"
    return sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file()) if cache.exists() else []


def test_unknown_registry_name(fake):
    """`fetch('nope/x.csv')` -> DataError naming the name and listing the known files."""
    with pytest.raises(DataError, match=rf"'nope/x.csv' is not in the data registry; known files: {NAME}"):
        registry.fetch("nope/x.csv")


def test_truncated_mirror_copy(fake, tmp_path):
    """A truncated copy in the mirror -> DataError naming the file, sha256 and URL; nothing kept in the cache."""
    (fake / NAME).write_bytes(CONTENT[:7])
    with pytest.raises(DataError, match=rf"{NAME}: sha256 check failed .*{URL}") as err:
        registry.fetch(NAME)
    assert not isinstance(err.value, DataUnavailable)
    assert _cache_files(tmp_path) == []


def test_file_missing_from_mirror(fake, tmp_path):
    """The file absent from the mirror -> DataUnavailable naming the file and the mirror; nothing in the cache."""
    (fake / NAME).unlink()
    with pytest.raises(DataUnavailable, match=rf"{NAME}: not found in the mirror {fake}"):
        registry.fetch(NAME)
    assert _cache_files(tmp_path) == []


def test_unreachable_url(fake, tmp_path, monkeypatch):
    """No mirror and an unreachable URL -> DataUnavailable naming the file and URL, advising network or mirror."""
    monkeypatch.delenv("GENENETS_DATA_MIRROR")
    entry = registry.entries()[NAME]
    bad = registry.Entry(NAME, entry.sha256, entry.bytes, "https://127.0.0.1:9/table.csv", "CC0", "")
    monkeypatch.setattr(registry, "entries", lambda: {NAME: bad})
    with pytest.raises(DataUnavailable, match=rf"{NAME}: could not be obtained from https://127.0.0.1:9/table.csv"):
        registry.fetch(NAME)
    assert _cache_files(tmp_path) == []


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs a Linux /sys")
def test_cache_on_read_only_disk(fake, monkeypatch):
    """GENENETS_DATA_DIR on a file system refusing writes -> DataError (not DataUnavailable) saying 'disk' and
    naming the folder, never 'check the network'."""
    monkeypatch.setenv("GENENETS_DATA_DIR", "/sys/genenets-bad-input-cache")
    with pytest.raises(DataError, match=r"data cache /sys/genenets-bad-input-cache/badinputs .*local disk") as err:
        registry.fetch(NAME)
    assert not isinstance(err.value, DataUnavailable) and "network" not in str(err.value).split("not the")[0]


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "no space left on the disk"),
                                         (errno.EROFS, "read-only file system")])
def test_cache_disk_full_or_read_only(fake, tmp_path, monkeypatch, code, words):
    """Copying into the cache fails with ENOSPC / EROFS -> DataError saying so and naming the cache folder;
    no partial file left in the cache."""
    def refuse(src, dst, *args, **kwargs):
        Path(dst).write_bytes(CONTENT[:3])  # a partial copy, as a full disk leaves it
        raise OSError(code, os.strerror(code), str(dst))

    monkeypatch.setattr(registry.shutil, "copyfile", refuse)
    with pytest.raises(DataError, match=rf"cannot be written into the data cache .*cache/badinputs \({words}") as err:
        registry.fetch(NAME)
    assert not isinstance(err.value, DataUnavailable) and "disk" in str(err.value)
    assert _cache_files(tmp_path) == []


def test_stale_download_temp_file_removed(fake, tmp_path):
    """A temp file left by a download killed an hour ago -> removed by the next fetch; a fresh one (a download
    in progress) is kept."""
    folder = tmp_path / "cache" / "badinputs"
    folder.mkdir(parents=True)
    stale, fresh = folder / "tmpab12cd34", folder / "tmpzz99yy88"
    stale.write_bytes(b"half a download")
    fresh.write_bytes(b"a download in progress")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    assert registry.fetch(NAME).read_bytes() == CONTENT
    assert not stale.exists() and fresh.exists()


def test_corrupted_cached_copy(fake, tmp_path):
    """A cached copy corrupted after download -> verify() says sha256 mismatch; fetch() replaces it with a good copy."""
    path = registry.fetch(NAME)
    path.write_bytes(b"garbage")
    ok, message = registry.verify(NAME)
    assert not ok and "sha256 mismatch" in message
    assert registry.fetch(NAME).read_bytes() == CONTENT


@pytest.fixture
def fake_dataset(fake, monkeypatch):
    """A registered real dataset reading NAME, with a simulated fallback."""
    def load_real():
        return registry.fetch(NAME).read_text(), None

    def load_sim(seed=0):
        return "simulated table", None

    monkeypatch.setitem(datasets._REGISTRY, "badinputs-real", datasets._Entry(
        "badinputs-real", load_real, "real", "test", fallback="badinputs-sim"))
    monkeypatch.setitem(datasets._REGISTRY, "badinputs-sim", datasets._Entry("badinputs-sim", load_sim, "simulated",
                                                                             "test"))
    return fake


def test_auto_with_corrupt_real_file(fake_dataset, tmp_path):
    """dataset=auto with a corrupt real file -> DataError naming the file; no silent fallback to the simulator."""
    (fake_dataset / NAME).write_bytes(b"gene,value\nA,1\nB,3\n")
    with pytest.raises(DataError, match=rf"{NAME}: sha256 check failed") as err:
        datasets.load("badinputs-real", auto=True)
    assert not isinstance(err.value, DataUnavailable)


def test_auto_with_missing_real_file(fake_dataset):
    """dataset=auto when the real file cannot be had -> the simulator, and Dataset.fallback says so in words."""
    (fake_dataset / NAME).unlink()
    ds = datasets.load("badinputs-real", auto=True)
    assert ds.data == "simulated table" and ds.name == "badinputs-sim"
    assert "'badinputs-real' could not be had here" in ds.fallback and "simulator 'badinputs-sim'" in ds.fallback
    assert ds.provenance["fallback_from"] == "badinputs-real"


def test_real_dataset_missing_without_auto(fake_dataset):
    """A real dataset whose file cannot be had, without auto -> DataUnavailable naming the file (no fallback)."""
    (fake_dataset / NAME).unlink()
    with pytest.raises(DataUnavailable, match=NAME):
        datasets.load("badinputs-real")


def test_real_dataset_good_file(fake_dataset):
    """dataset=auto with a good real file -> the real data, no fallback, the file's sha256 in the provenance."""
    registry.ACCESS_LOG.clear()  # as start_run does
    ds = datasets.load("badinputs-real", auto=True)
    assert ds.data == CONTENT.decode() and ds.fallback == ""
    assert ds.provenance["files"] == {NAME: hashlib.sha256(CONTENT).hexdigest()}


def test_unknown_dataset_name():
    """`datasets.load('nope')` -> ConfigError naming it and listing the known datasets."""
    with pytest.raises(ConfigError, match=r"unknown dataset 'nope'; known datasets: "):
        datasets.load("nope")
