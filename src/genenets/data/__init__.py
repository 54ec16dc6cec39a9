"""Data: the registry of real public files and one loader module per source.

Loader modules: ``dream4``, ``yeast``, ``genotypes``, ``annotation``, ``interactome``,
``expression``, ``multiomics``. Import them as ``from genenets.data import dream4``.
"""
from .registry import ACCESS_LOG, DataError, DataUnavailable, cache_dir, entries, fetch, mirror_dir, verify

__all__ = ["ACCESS_LOG", "DataError", "DataUnavailable", "cache_dir", "entries", "fetch", "mirror_dir", "verify"]
