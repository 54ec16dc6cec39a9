"""Registry of the real public data files the compendium reads.

Every entry has a public URL at a pinned commit and a sha256 (``registry.tsv`` beside this
file, taken from the shared ``MANIFEST.tsv``). Files are downloaded with pooch into a cache
(``data/raw/`` in a checkout, ``GENENETS_DATA_DIR`` overrides). With
``GENENETS_DATA_MIRROR=<dir>`` the registry copies from a local mirror laid out like the
manifest instead of the network (offline clusters, CI). Either way the sha256 is checked and
a file that fails the check never stays in the cache.

Errors say what to fix: a file that cannot be had (network, mirror) is :class:`DataUnavailable`; a
wrong hash is :class:`DataError`; a cache folder on a read-only or full disk is a :class:`DataError`
that says "disk" and names the folder (never "check the network"). Temporary files left by a download
that was killed (``kill -9``) are removed by the next fetch into the same folder.

Every file handed out is recorded in :data:`ACCESS_LOG`, so a notebook's provenance
(``run.json``) can list the sha256 of each data file it read.
"""
from __future__ import annotations

from ..errors import DataError, DataUnavailable  # noqa: F401  (re-exported from genenets.data)

import csv
import errno
import logging
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pooch

REGISTRY_TSV = Path(__file__).with_name("registry.tsv")

#: ``{registry name: sha256}`` of every file handed out in this process.
ACCESS_LOG: dict[str, str] = {}
#: Every hand-out in order, ``(name, sha256)``, so a caller can tell which files one call read
#: (``genenets.datasets`` records them in a dataset's provenance even when fetched before).
FETCH_EVENTS: list[tuple[str, str]] = []

#: A download temporary file (pooch's ``tmpXXXXXXXX``) untouched for this long belongs to a dead download.
STALE_TEMP_S = 600
_POOCH_TEMP = re.compile(r"^tmp[a-z0-9_]{8}$")
#: errno values that mean the local disk, not the source, is the problem.
DISK_ERRORS = {errno.EROFS: "read-only file system", errno.ENOSPC: "no space left on the disk",
               errno.EDQUOT: "disk quota exceeded", errno.EACCES: "permission denied",
               errno.EPERM: "operation not permitted"}


@dataclass(frozen=True)
class Entry:
    name: str
    sha256: str
    bytes: int
    url: str
    license: str
    description: str


def entries() -> dict[str, Entry]:
    """All registry entries, keyed by their name (``folder/file`` as in the manifest)."""
    with open(REGISTRY_TSV, newline="") as fh:
        rows = csv.DictReader(fh, delimiter="\t")
        return {
            r["file"]: Entry(r["file"], r["sha256"], int(r["bytes"]), r["url"], r["license"], r["description"])
            for r in rows
        }


def _repo_root() -> Path | None:
    # src/genenets/data/registry.py -> repository root, when running from a checkout
    root = Path(__file__).resolve().parents[3]
    return root if (root / "pyproject.toml").exists() and (root / "notebooks").is_dir() else None


def cache_dir() -> Path:
    """Where downloaded files live: ``$GENENETS_DATA_DIR``, else ``data/raw`` of the checkout."""
    env = os.environ.get("GENENETS_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    root = _repo_root()
    if root is not None:
        return root / "data" / "raw"
    return Path(pooch.os_cache("genenets"))


def mirror_dir() -> Path | None:
    env = os.environ.get("GENENETS_DATA_MIRROR")
    return Path(env).expanduser().resolve() if env else None


def _mirror_downloader(mirror: Path, name: str):
    """A pooch downloader that copies ``name`` from a local mirror instead of the network."""

    def download(url, output_file, pooch_obj):  # signature required by pooch
        source = mirror / name
        if not source.exists():
            raise DataUnavailable(
                f"{name}: not found in the mirror {mirror} (GENENETS_DATA_MIRROR). "
                f"Copy it there from {url}, or unset GENENETS_DATA_MIRROR to download it."
            )
        if isinstance(output_file, (str, Path)):
            shutil.copyfile(source, output_file)
        else:
            with open(source, "rb") as fh:
                shutil.copyfileobj(fh, output_file)

    return download


@contextmanager
def _quiet_pooch():
    """pooch logs "Downloading file ..." to stderr on a file's first fetch only, so a notebook's output would
    depend on what the data cache held before the run (``make verify`` compares outputs). The fetch is
    recorded in :data:`FETCH_EVENTS` and a download can show its progress bar instead."""
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def fetch(name: str, *, progress: bool = False) -> Path:
    """Return the local path of registry file ``name``, downloading or copying it if needed.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"dream4/DREAM4_InSilico_Size100.zip"``.
    progress : bool
        Show a download progress bar (tqdm).

    Raises
    ------
    DataError
        Unknown name, a wrong hash, a truncated file or an unreachable source; the message names
        the file, the URL and what to do. Nothing that failed the check is left in the cache.
    """
    table = entries()
    if name not in table:
        raise DataError(f"{name!r} is not in the data registry; known files: {', '.join(sorted(table))}")
    entry = table[name]
    cache = cache_dir()
    mirror = mirror_dir()
    clean_stale_downloads((cache / name).parent)
    fetcher = pooch.create(path=cache, base_url="", registry={name: f"sha256:{entry.sha256}"},
                           urls={name: entry.url}, retry_if_failed=1)
    downloader = _mirror_downloader(mirror, name) if mirror else pooch.HTTPDownloader(progressbar=progress)
    try:
        with _quiet_pooch():
            path = Path(fetcher.fetch(name, downloader=downloader))
    except DataError:
        raise
    except ValueError as err:  # pooch: hash mismatch (the bad download is already deleted)
        source = mirror / name if mirror else entry.url
        raise DataError(
            f"{name}: sha256 check failed for the copy from {source} ({err}). The file is truncated or "
            f"changed; nothing was kept in {cache}. Restore the original from {entry.url}."
        ) from err
    except Exception as err:  # network errors, permissions, ...
        disk = _disk_error(err)
        if disk is not None:
            raise DataError(
                f"{name}: cannot be written into the data cache {(cache / name).parent} ({disk}: {err}). This is a "
                f"local disk problem, not the network: free disk space, make the folder writable, or set "
                f"GENENETS_DATA_DIR to a writable folder."
            ) from err
        raise DataUnavailable(
            f"{name}: could not be obtained from {entry.url} ({type(err).__name__}: {err}). "
            f"Check the network, or set GENENETS_DATA_MIRROR to a folder holding a copy of the data."
        ) from err
    ACCESS_LOG[name] = entry.sha256
    FETCH_EVENTS.append((name, entry.sha256))
    return path


def _disk_error(err: BaseException) -> str | None:
    """The disk problem behind ``err`` (read-only, full...), following its causes; None for other errors."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, OSError) and err.errno in DISK_ERRORS:
            return DISK_ERRORS[err.errno]
        if isinstance(err, PermissionError):
            return "permission denied"
        err = err.__cause__ or err.__context__
    return None


def clean_stale_downloads(folder: Path, max_age_s: float = STALE_TEMP_S) -> list[Path]:
    """Remove download temporary files in ``folder`` left by a killed fetch (untouched for ``max_age_s``)."""
    removed = []
    try:
        candidates = [p for p in Path(folder).iterdir() if _POOCH_TEMP.match(p.name) and p.is_file()]
    except OSError:
        return removed
    now = time.time()
    for path in candidates:
        try:
            if now - path.stat().st_mtime > max_age_s:
                path.unlink()
                removed.append(path)
        except OSError:
            pass
    return removed


def verify(name: str) -> tuple[bool, str]:
    """Check the cached copy of ``name`` against its sha256 without fetching it.

    Returns ``(ok, message)``; a missing file is not ok.
    """
    entry = entries()[name]
    path = cache_dir() / name
    if not path.exists():
        return False, "not in cache"
    digest = pooch.file_hash(str(path), alg="sha256")
    if digest != entry.sha256:
        return False, f"sha256 mismatch: {digest} (expected {entry.sha256})"
    return True, "ok"


def available(name: str) -> bool:
    """Whether ``name`` can be had without error (cached, in the mirror, or downloadable)."""
    try:
        fetch(name)
        return True
    except DataError:
        return False
