"""The data registry: hashes checked, clear errors, nothing half-written left in the cache."""
import hashlib
import shutil

import pytest

from genenets.data import registry
from genenets.data.registry import DataError

NAME = "multiomics/nutrimouse_diet.csv"


@pytest.fixture
def mirror_copy(tmp_path, monkeypatch):
    """A private cache and a private mirror holding one good copy of NAME."""
    source = registry.mirror_dir()
    if source is None or not (source / NAME).exists():
        pytest.skip("no data mirror (GENENETS_DATA_MIRROR) available")
    mirror = tmp_path / "mirror"
    (mirror / "multiomics").mkdir(parents=True)
    shutil.copyfile(source / NAME, mirror / NAME)
    monkeypatch.setenv("GENENETS_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("GENENETS_DATA_DIR", str(tmp_path / "cache"))
    return mirror


def test_registry_matches_manifest_format():
    table = registry.entries()
    assert len(table) >= 20
    for name, e in table.items():
        assert len(e.sha256) == 64 and e.url.startswith("https://") and e.bytes > 0, name


def test_fetch_from_mirror_checks_hash_and_logs_access(mirror_copy, tmp_path):
    registry.ACCESS_LOG.clear()
    path = registry.fetch(NAME)
    assert path == tmp_path / "cache" / NAME
    assert hashlib.sha256(path.read_bytes()).hexdigest() == registry.entries()[NAME].sha256
    assert registry.ACCESS_LOG == {NAME: registry.entries()[NAME].sha256}
    assert registry.verify(NAME) == (True, "ok")


def test_a_first_fetch_prints_nothing(mirror_copy):
    # a notebook's output must not depend on what the data cache held before the run (make verify); pooch's
    # logger is outside logging's tree, so its records are collected by a handler of our own
    import logging

    import pooch

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    pooch.get_logger().addHandler(handler)
    try:
        registry.fetch(NAME)
        registry.fetch(NAME)
    finally:
        pooch.get_logger().removeHandler(handler)
    assert [r.getMessage() for r in records] == []


def test_truncated_mirror_file_is_a_clear_error_and_leaves_nothing(mirror_copy, tmp_path):
    data = (mirror_copy / NAME).read_bytes()
    (mirror_copy / NAME).write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError) as err:
        registry.fetch(NAME)
    message = str(err.value)
    assert NAME in message and "sha256" in message and registry.entries()[NAME].url in message
    cache = tmp_path / "cache"
    assert not (cache / NAME).exists()
    assert not [p for p in cache.rglob("*") if p.is_file()], "a half-written file stayed in the cache"


def test_missing_mirror_file_names_file_and_url(mirror_copy):
    (mirror_copy / NAME).unlink()
    with pytest.raises(DataError, match="not found in the mirror"):
        registry.fetch(NAME)


def test_corrupted_cache_is_detected_by_verify(mirror_copy, tmp_path):
    path = registry.fetch(NAME)
    path.write_bytes(b"garbage")
    ok, message = registry.verify(NAME)
    assert not ok and "mismatch" in message


def test_unknown_name_lists_known_files():
    with pytest.raises(DataError, match="not in the data registry"):
        registry.fetch("nope/nothing.txt")


def test_unreachable_source_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("GENENETS_DATA_MIRROR", raising=False)
    monkeypatch.setenv("GENENETS_DATA_DIR", str(tmp_path / "cache"))
    entry = registry.entries()[NAME]
    bad = registry.Entry(NAME, entry.sha256, entry.bytes, "https://127.0.0.1:9/none.csv", entry.license, "")
    monkeypatch.setattr(registry, "entries", lambda: {NAME: bad})
    with pytest.raises(DataError, match="could not be obtained"):
        registry.fetch(NAME)
    assert not (tmp_path / "cache" / NAME).exists()
