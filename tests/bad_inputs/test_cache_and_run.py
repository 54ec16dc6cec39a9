"""Faults of the content-keyed cache and misuse of the run object a notebook writes through: corrupted
entries, an unwritable cache, replaced input files, undecided claims, missing user files, and figures
that must not change bytes when nothing changed."""
from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from genenets import cache, report
from genenets.errors import ConfigError, DataError

MODULE = "genenets.cache / genenets.report"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path / "cache"))


def _counting():
    calls = []

    @cache.cached(version=1)
    def double(a):
        calls.append(1)
        return np.asarray(a) * 2

    return double, calls


def _entries():
    return sorted(cache.root().rglob("*.joblib"))


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupted_cache_entry(damage):
    """A truncated or garbage cache entry -> CacheWarning naming the entry, the value recomputed and stored again."""
    double, calls = _counting()
    double([1, 2])
    (entry,) = _entries()
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 3] if damage == "truncate" else b"\x80\x04not a pickle")
    with pytest.warns(cache.CacheWarning, match=rf"cache entry {entry} is corrupted .*discarded and recomputed"):
        assert list(double([1, 2])) == [2, 4]
    assert len(calls) == 2 and not double.last_hit
    assert list(double([1, 2])) == [2, 4] and double.last_hit and len(calls) == 2


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs a Linux /sys")
def test_cache_root_not_writable(monkeypatch):
    """GENENETS_CACHE_DIR on a file system refusing writes -> one CacheWarning naming the folder; results still
    computed (no raw OSError)."""
    monkeypatch.setenv("GENENETS_CACHE_DIR", "/sys/genenets-bad-input-cache")
    double, calls = _counting()
    with pytest.warns(cache.CacheWarning, match=r"cache folder /sys/genenets-bad-input-cache/.* is not writable"):
        assert list(double([3])) == [6]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(double([4])) == [8]  # warned once per folder
    assert len(calls) == 2


def test_replaced_input_file_same_name(tmp_path):
    """A data file replaced by another of the same name, size and modification time -> recomputed from the
    new content (the cache is keyed by content, not path)."""
    calls = []

    @cache.cached(version=1)
    def total(path):
        calls.append(1)
        return float(np.loadtxt(path).sum())

    f = tmp_path / "genotypes.txt"
    f.write_text("1 2 3")
    os.utime(f, ns=(10**9, 10**9))
    assert total(f) == 6 and total(f) == 6 and len(calls) == 1
    f.write_text("1 2 4")
    os.utime(f, ns=(10**9, 10**9))
    assert total(f) == 7 and len(calls) == 2


def test_missing_input_file_digest(tmp_path):
    """`cache.file_digest` of a missing file -> DataError naming the file (no raw FileNotFoundError)."""
    with pytest.raises(DataError, match=rf"{tmp_path / 'gone.bed'}: cannot read this file"):
        cache.file_digest(tmp_path / "gone.bed")


def _run(tmp_path, **kw):
    return report.start_run("99_test", tmp_path / "out", profile="quick", params={"x": 1}, **kw)


def test_finish_with_undecided_claim(tmp_path):
    """`run.finish()` with a declared claim never decided -> ConfigError naming the claim; no results.json."""
    run = _run(tmp_path)
    run.claim("R1", "A beats B", "Fig. 1", rule="AUROC(A) > AUROC(B)")
    with pytest.raises(ConfigError, match=r"99_test: claims \['R1'\] were declared but never decided"):
        run.finish()
    assert not (tmp_path / "out" / "results.json").exists() and not (tmp_path / "out" / "run.json").exists()


def test_decide_undeclared_claim(tmp_path):
    """`run.decide('R9', ...)` without `run.claim('R9', ...)` -> ConfigError naming R9 and what to do."""
    run = _run(tmp_path)
    with pytest.raises(ConfigError, match=r"claim R9 was not declared in 99_test; declare it with run.claim first"):
        run.decide("R9", "reproduced")


def test_claim_declared_twice(tmp_path):
    """The same claim id declared twice -> ConfigError naming the id."""
    run = _run(tmp_path)
    run.claim("R1", "A beats B", "Fig. 1", rule="r")
    with pytest.raises(ConfigError, match=r"claim R1 declared twice in 99_test"):
        run.claim("R1", "again", "Fig. 1", rule="r")


def test_start_run_without_output_folder():
    """`start_run(name)` without an output folder or the notebook's globals() -> ConfigError saying what it needs."""
    with pytest.raises(ConfigError, match=r"99_test: start_run needs an output folder or the notebook's globals\(\)"):
        report.start_run("99_test")


def test_read_file_missing(tmp_path):
    """`run.read_file('missing.csv')` (a user-supplied file that is not there) -> DataError naming the file."""
    run = _run(tmp_path)
    with pytest.raises(DataError, match=rf"{tmp_path / 'missing.csv'}: cannot read this file"):
        run.read_file(tmp_path / "missing.csv")


def test_read_file_listed_in_run_json(tmp_path):
    """User-supplied files read through `run.read_file` -> listed in run.json with their sha256."""
    f = tmp_path / "cohort.fam"
    f.write_text("fam1 ind1 0 0 1 2\n")
    run = _run(tmp_path)
    run.read_file(f)
    run.finish()
    prov = json.loads((tmp_path / "out" / "run.json").read_text())
    assert prov["user_files"] == {str(f): {"sha256": cache.file_digest(f)}}


def test_non_finite_metrics(tmp_path):
    """Metrics holding NaN or inf -> results.json stays valid JSON (null), not NaN/Infinity tokens."""
    run = _run(tmp_path)
    run.metrics.update(auroc=float("nan"), loss=np.inf, per_seed=np.array([0.5, np.nan]))
    run.finish()
    text = (tmp_path / "out" / "results.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["metrics"] == {"auroc": None, "loss": None, "per_seed": [0.5, None]}


def test_figures_byte_identical_across_reruns(tmp_path):
    """The same figure saved by two runs -> identical PNG and PDF bytes (no creation date or version stamp)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    files = []
    for i in range(2):
        run = report.start_run("99_test", tmp_path / f"out{i}", profile="quick")
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1, 2], [1, 0, 1])
        ax.set_title("same numbers")
        run.savefig(fig, "fig1", dpi=50)
        plt.close(fig)
        files.append(((tmp_path / f"out{i}" / "fig1.png").read_bytes(), (tmp_path / f"out{i}" / "fig1.pdf").read_bytes()))
    assert files[0] == files[1]
    png, pdf = files[0]
    assert b"CreationDate" not in pdf and b"Software" not in png


def test_temp_entry_of_killed_store_removed():
    """A temporary cache file left by a process killed while storing (an hour old) -> removed by the next store in
    its folder; a fresh one (a store in progress) is kept."""
    double, _ = _counting()
    double([1])
    folder = _entries()[0].parent
    stale, fresh = folder / ".abc.joblib.x1.tmp", folder / ".abc.joblib.x2.tmp"
    stale.write_bytes(b"half an entry")
    fresh.write_bytes(b"being written")
    old = os.path.getmtime(stale) - 3600
    os.utime(stale, (old, old))
    double([2])
    assert not stale.exists() and fresh.exists()
