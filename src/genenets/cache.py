"""One content-keyed cache for everything the compendium computes once and reuses.

A cached result is keyed by the *content* of every input: arrays and frames by their bytes
(``joblib.hash``), files by the sha256 of their bytes (pass them as :class:`pathlib.Path` or
:class:`File`), everything else by its value, plus the function's name, its source code and an
explicit ``version``. Replacing a PLINK file or a CSV behind a notebook therefore gives new results,
never the old ones.

Usage::

    from genenets import cache

    @cache.cached(version=1, ignore=("progress",))
    def train_family(X, widths, seed, progress=False):
        ...

    cache.get_or_compute("09_stage2", {"X": X, "params": params}, compute)  # without a decorator

Everything lives under one root, ``$GENENETS_CACHE_DIR`` or ``data/cache/`` of the checkout. Entries are
written atomically (temporary file + rename), so notebooks running side by side never read a half
file (a temporary file left by a process killed while storing is removed by a later store in its folder); a corrupted entry is discarded with a :class:`CacheWarning` and recomputed; a read-only cache
folder is reported once and results are computed without being stored.
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import os
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import joblib

__all__ = ["CacheWarning", "File", "root", "file_digest", "key", "get_or_compute", "cached", "clear"]


class CacheWarning(UserWarning):
    """A cache entry was discarded (corrupted) or could not be stored (read-only or full disk)."""


class File:
    """A file argument whose *content* (sha256) goes into the key, not its path."""

    def __init__(self, path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"File({str(self.path)!r})"


def root() -> Path:
    """The cache root: ``$GENENETS_CACHE_DIR`` or ``data/cache/`` of the checkout."""
    env = os.environ.get("GENENETS_CACHE_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "data" / "cache"


_DIGESTS: dict[tuple, str] = {}


def file_digest(path) -> str:
    """sha256 of a file's bytes (memoised per process by path, inode, size, modification and change time:
    a file replaced by one of the same size and modification time, as ``cp -p`` or an archive leaves it,
    still changes its change time, which no copy tool can set)."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError as err:
        from .errors import DataError

        raise DataError(f"{path}: cannot read this file ({err.strerror}); check the path") from err
    memo = (str(path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if memo not in _DIGESTS:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        _DIGESTS[memo] = h.hexdigest()
    return _DIGESTS[memo]


def _normalise(value: Any) -> Any:
    """Replace files by their content digest and torch tensors/modules by arrays, recursively."""
    if isinstance(value, File):
        return ("file", value.path.name, file_digest(value.path))
    if isinstance(value, Path):
        if value.is_file():
            return ("file", value.name, file_digest(value))
        if value.is_dir():  # a folder: every file in it, by content
            return ("dir", tuple((str(p.relative_to(value)), file_digest(p))
                                 for p in sorted(value.rglob("*")) if p.is_file()))
        return ("missing-path", str(value))
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return type(value)(_normalise(v) for v in value)
    mod = type(value).__module__
    if mod.startswith("torch"):
        import torch

        if isinstance(value, torch.Tensor):
            return ("tensor", value.detach().cpu().numpy())
        if isinstance(value, torch.nn.Module):
            return ("module", type(value).__name__,
                    {k: v.detach().cpu().numpy() for k, v in value.state_dict().items()})
        if isinstance(value, torch.device):
            return ("device", value.type)
    return value


def key(*parts: Any) -> str:
    """A hex digest of ``parts`` by content (see the module docstring)."""
    return joblib.hash(_normalise(list(parts)), hash_name="sha1")


_WARNED_READONLY: set[str] = set()
#: A temporary entry file untouched for this long was left by a process killed while storing (kill -9).
STALE_TEMP_S = 600


def _clean_stale_temps(folder: Path) -> None:
    now = time.time()
    for tmp in folder.glob(".*.joblib.*.tmp"):
        try:
            if now - tmp.stat().st_mtime > STALE_TEMP_S:
                tmp.unlink()
        except OSError:
            pass


def _store(path: Path, value: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale_temps(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            joblib.dump(value, tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as err:
        where = str(path.parent)
        if where not in _WARNED_READONLY:
            _WARNED_READONLY.add(where)
            warnings.warn(f"cache folder {where} is not writable ({err.strerror}): results are computed but "
                          "not stored; set GENENETS_CACHE_DIR to a writable folder or free disk space",
                          CacheWarning, stacklevel=3)


def _load(path: Path):
    """``(True, value)`` from an entry, or ``(False, None)``; a corrupted entry is removed with a warning."""
    if not path.exists():
        return False, None
    try:
        return True, joblib.load(path)
    except Exception as err:  # truncated, unpicklable, wrong format: recompute
        warnings.warn(f"cache entry {path} is corrupted ({type(err).__name__}: {err}); discarded and "
                      "recomputed", CacheWarning, stacklevel=3)
        try:
            path.unlink()
        except OSError:
            pass
        return False, None


def entry_path(namespace: str, digest: str) -> Path:
    return root() / namespace / f"{digest}.joblib"


def get_or_compute(namespace: str, inputs: Any, compute: Callable[[], Any], *, version: Any = 0,
                   use_cache: bool = True):
    """The cached result for ``inputs`` under ``namespace``, computing and storing it if absent.

    Returns ``(value, hit)`` where ``hit`` says whether the value came from the cache.
    """
    digest = key(namespace, version, inputs)
    path = entry_path(namespace, digest)
    if use_cache:
        ok, value = _load(path)
        if ok:
            return value, True
    value = compute()
    if use_cache:
        _store(path, value)
    return value, False


def cached(func: Callable | None = None, *, version: Any = 0, ignore: tuple[str, ...] = (),
           namespace: str | None = None):
    """Decorator: cache ``func``'s result by the content of its arguments, its source and ``version``.

    ``ignore`` names arguments that do not change the result (progress bars, verbosity). The wrapped
    function takes one more keyword, ``use_cache=True``; ``wrapper.last_hit`` tells whether the latest
    call was served from the cache.
    """

    def decorate(fn):
        sig = inspect.signature(fn)
        try:
            source = hashlib.sha1(inspect.getsource(fn).encode()).hexdigest()
        except (OSError, TypeError):
            source = ""
        ns = namespace or f"{fn.__module__}.{fn.__qualname__}".replace("genenets.", "")

        @functools.wraps(fn)
        def wrapper(*args, use_cache: bool = True, **kwargs):
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            inputs = {k: v for k, v in bound.arguments.items() if k not in ignore}
            value, hit = get_or_compute(ns, inputs, lambda: fn(*args, **kwargs), version=(version, source),
                                        use_cache=use_cache)
            wrapper.last_hit = hit
            return value

        wrapper.last_hit = False
        wrapper.namespace = ns
        return wrapper

    return decorate(func) if func is not None else decorate


def clear(namespace: str | None = None) -> int:
    """Delete cache entries (one namespace, or all); return how many files were removed."""
    base = root() / namespace if namespace else root()
    n = 0
    for p in base.rglob("*.joblib") if base.exists() else []:
        p.unlink()
        n += 1
    return n
