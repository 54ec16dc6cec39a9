"""genenets.cache: content keys, atomic entries, corrupted entries recomputed, read-only folders tolerated."""
import os
import warnings

import numpy as np
import pandas as pd
import pytest

from genenets import cache


@pytest.fixture(autouse=True)
def _cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path / "cache"))


def test_keys_follow_array_content_not_identity():
    a = np.arange(10.0)
    assert cache.key(a) == cache.key(a.copy())
    b = a.copy()
    b[3] += 1e-9
    assert cache.key(a) != cache.key(b)
    df = pd.DataFrame({"g": [1.0, 2.0]}, index=["s1", "s2"])
    assert cache.key(df) != cache.key(df.rename(index={"s1": "s3"}))


def test_file_arguments_are_keyed_by_content(tmp_path):
    calls = []

    @cache.cached(version=1)
    def total(path):
        calls.append(path)
        return float(np.loadtxt(path).sum())

    f = tmp_path / "x.txt"
    f.write_text("1 2 3")
    assert total(f) == 6 and total(f) == 6 and len(calls) == 1 and total.last_hit
    f.write_text("1 2 4")  # same name, same size, other content
    os.utime(f, ns=(1, 1))  # even with a reset modification time
    assert total(f) == 7 and len(calls) == 2 and not total.last_hit


def test_version_and_ignored_arguments():
    n = []

    @cache.cached(version=1, ignore=("progress",))
    def f(x, progress=False):
        n.append(1)
        return x * 2

    f(3, progress=True)
    f(3, progress=False)
    assert len(n) == 1
    assert f(3, use_cache=False) == 6 and len(n) == 2


def test_corrupted_entry_is_discarded_and_recomputed():
    n = []

    @cache.cached(version=1)
    def g(x):
        n.append(1)
        return {"x": x}

    g(1)
    entries = list(cache.root().rglob("*.joblib"))
    assert len(entries) == 1
    entries[0].write_bytes(b"\x80\x04truncated")
    with pytest.warns(cache.CacheWarning, match="corrupted"):
        assert g(1) == {"x": 1}
    assert len(n) == 2
    assert g(1) == {"x": 1} and len(n) == 2  # stored again, intact


def test_unwritable_cache_folder_computes_without_storing(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")  # a cache root below a file cannot be created, even as root
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(blocker / "cache"))
    with pytest.warns(cache.CacheWarning, match="not writable"):
        value, hit = cache.get_or_compute("ns", {"a": 1}, lambda: 42)
    assert value == 42 and not hit


def test_no_temporary_files_left_behind():
    cache.get_or_compute("ns", [1, 2], lambda: np.zeros(1000))
    leftovers = [p for p in cache.root().rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
