"""The package's error classes: every problem a user can fix names the file or parameter and what to do.

``GenenetsError`` is the base; ``DataError`` is a bad or missing input file; ``ConfigError`` a bad
parameter, weight, grid or parameters file. Both are also ``ValueError``/``RuntimeError`` subclasses
where older code caught those.
"""
from __future__ import annotations


class GenenetsError(Exception):
    """Base of every error genenets raises on purpose."""


class DataError(GenenetsError, RuntimeError):
    """A data file could not be obtained or is not what it should be (the message names the file)."""


class DataUnavailable(DataError):
    """A real data file cannot be had here (not downloadable, not in the mirror). The only error after
    which ``dataset="auto"`` may fall back to a simulator; a corrupt file is a plain :class:`DataError`."""


class ConfigError(GenenetsError, ValueError):
    """A parameter, parameters file, grid or weights file is invalid (the message names it)."""


__all__ = ["GenenetsError", "DataError", "DataUnavailable", "ConfigError"]
