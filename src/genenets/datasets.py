"""Every dataset of the compendium by name: ``load(name, **params) -> Dataset``.

A :class:`Dataset` holds the data, the ground truth (simulators only; ``None`` for real data) and a
short provenance dict: the registry files read with their sha256, or the simulator and its seed.
This module is the one place that maps dataset names to loaders; each loader lives in
``genenets.data.<source>`` (real files) or ``genenets.simulate.<module>`` (simulators) and is
registered here with :func:`register`.

One fallback policy: a name registered with ``fallback=<simulator name>`` may be loaded as
``"auto"`` (``load(name, auto=True)``): the real files are used when they can be had; only when they
*cannot be had* (:class:`~genenets.errors.DataUnavailable`: not downloadable, not in the mirror) does
it fall back to the simulator, and ``Dataset.fallback`` then says so in words for results.json, the
report and the notebook. A corrupt or wrong file is an error, never a silent fallback.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import ConfigError, DataUnavailable

__all__ = ["Dataset", "register", "load", "names", "describe"]


@dataclass
class Dataset:
    """A named dataset.

    Attributes
    ----------
    name : str
        The name it was loaded under (after any fallback: the simulator's name).
    data : object
        What the paper's analyses read (an expression set, networks, a cohort...).
    truth : object or None
        Ground truth of a simulator; None for real data.
    provenance : dict
        ``{"kind": "real" | "simulated" | "user", "files": {name: sha256}, "simulator": ...,
        "seed": ..., "params": {...}}``.
    fallback : str
        Empty, or a sentence saying that the real data could not be had and a simulator was used.
    """

    name: str
    data: Any
    truth: Any = None
    provenance: dict = field(default_factory=dict)
    fallback: str = ""

    @property
    def is_simulated(self) -> bool:
        return self.provenance.get("kind") == "simulated"


@dataclass
class _Entry:
    name: str
    loader: str | Callable  # "module:function" (imported on first use) or a callable
    kind: str  # real | simulated | user
    description: str
    fallback: str | None = None

    def resolve(self) -> Callable:
        if callable(self.loader):
            return self.loader
        module, func = self.loader.split(":")
        return getattr(importlib.import_module(module, __package__), func)


_REGISTRY: dict[str, _Entry] = {}


def register(name: str, loader: str | Callable, *, kind: str, description: str, fallback: str | None = None):
    """Register a loader ``(**params) -> Dataset`` (or ``-> (data, truth)``) under ``name``."""
    if kind not in ("real", "simulated", "user"):
        raise ConfigError(f"dataset {name!r}: kind must be real, simulated or user, got {kind!r}")
    _REGISTRY[name] = _Entry(name, loader, kind, description, fallback)


def names() -> list[str]:
    return sorted(_REGISTRY)


def describe() -> list[dict]:
    """One row per dataset: name, kind, description, fallback simulator."""
    return [{"name": e.name, "kind": e.kind, "description": e.description, "fallback": e.fallback or ""}
            for e in sorted(_REGISTRY.values(), key=lambda e: e.name)]


def _call(entry: _Entry, params: dict) -> Dataset:
    from .data.registry import FETCH_EVENTS

    start = len(FETCH_EVENTS)
    out = entry.resolve()(**params)
    if not isinstance(out, Dataset):
        data, truth = out if isinstance(out, tuple) and len(out) == 2 else (out, None)
        out = Dataset(entry.name, data, truth)
    prov = {"kind": entry.kind, "params": {k: v for k, v in params.items() if _plain(v)}}
    files = dict(sorted(FETCH_EVENTS[start:]))  # every file this call read, fetched before or not
    if files:
        prov["files"] = files
    if entry.kind == "simulated":
        prov["simulator"] = entry.name
        prov.setdefault("seed", params.get("seed"))
    out.provenance = {**prov, **out.provenance}
    out.name = entry.name
    return out


def _plain(v) -> bool:
    return isinstance(v, (str, int, float, bool, type(None))) or (
        isinstance(v, (list, tuple)) and all(isinstance(x, (str, int, float, bool)) for x in v))


def load(name: str, *, auto: bool = False, fallback_params: dict | None = None, **params) -> Dataset:
    """Load dataset ``name`` with ``params`` (passed to its loader).

    ``auto=True`` (what a notebook's ``dataset="auto"`` means): if the real files cannot be had
    (:class:`DataUnavailable`), load the registered fallback simulator with ``fallback_params``
    (default: ``params``) instead and say so in ``Dataset.fallback``.
    """
    if name not in _REGISTRY:
        raise ConfigError(f"unknown dataset {name!r}; known datasets: {', '.join(names())}")
    entry = _REGISTRY[name]
    try:
        return _call(entry, params)
    except DataUnavailable as err:
        if not (auto and entry.fallback):
            raise
        sim = _REGISTRY[entry.fallback]
        ds = _call(sim, dict(fallback_params if fallback_params is not None else params))
        ds.fallback = (f"The real dataset {name!r} could not be had here ({str(err).splitlines()[0]}), so this "
                       f"run used the simulator {sim.name!r} instead: its numbers are not the real data's.")
        ds.provenance["fallback_from"] = name
        return ds


# ------------------------------------------------------------------------------------------------
# The registry. Each paper's datasets; loaders return a Dataset or ``(data, truth)``.
# (Paper modules register their loaders here, one block per paper.)

# --- GENER (notebook 07) ---
register("yeast", "genenets.data.yeast:load_gener_dataset", kind="real",
         description="Yeast cell-cycle expression (netZooR exp.cc, 50 arrays) with GENER's BioGRID&DREAM5 pairs "
                     "and the DREAM5 network-4 gold standard", fallback="gener-simulated")
register("gener-simulated", "genenets.simulate.interactions:load_simulated", kind="simulated",
         description="Simulated expression programs with a hub-structured interaction network of known signal")
# --- end GENER ---

# --- DREAM4 GRN (notebook 08) ---
register("dream4", "genenets.data.dream4:load_dataset", kind="real",
         description="DREAM4 in-silico size 100 (5 networks): time series, knockouts, knockdowns, wild type, "
                     "multifactorial, gold standards", fallback="dream4-simulated")
register("dream4-simulated", "genenets.simulate.grn:simulate_networks", kind="simulated",
         description="GeneNetWeaver-like GRN dynamics with DREAM4-shaped time series and steady states")
# --- end DREAM4 GRN ---

# --- deep autoencoder (notebooks 03-06) ---
register("compendium-simulated", "genenets.simulate.compendium:compendium_dataset", kind="simulated",
         description="Simulated expression compendium on the real interactome (modules = interactome communities, "
                     "cell-type programs, diseases shifting real OMIM/GWAS genes); notebooks 03-06")
register("pbmc68k", "genenets.data.expression:pbmc68k_dataset", kind="real",
         description="scanpy's pbmc68k_reduced: 700 cells x 765 genes, UMI counts, 10 cell types (03-05)")
register("leukemia", "genenets.data.expression:leukemia_dataset", kind="real",
         description="Golub leukemia arrays: 48 samples (24 ALL, 24 AML), noise floor 20 (04, 06)")
# --- end deep autoencoder ---

# --- multi-omics (notebook 09) ---
register("multiomics-simulated", "genenets.simulate.multiomics:simulate_multiomics", kind="simulated",
         description="paired transcriptome (FPKM) + metabolome with shared latent factors and planted pathway "
                     "genes on the target metabolite's factor (09)")
register("nutrimouse", "genenets.data.multiomics:nutrimouse_dataset", kind="real",
         fallback="multiomics-simulated",
         description="nutrimouse (Martin et al. 2007): 40 mice, 120 liver genes, 21 hepatic fatty acids, "
                     "diet and genotype (09)")
register("multiomics-csv", "genenets.data.multiomics:csv_dataset", kind="user",
         description="a user's genes x samples and metabolites x samples CSV pair, optional labels (09)")
# --- end multi-omics ---

# --- GeneDAE (notebooks 01-02) ---
register("mhc-cohort-simulated", "genenets.simulate.cohort:load", kind="simulated",
         description="msprime cohort of the MHC (real chr6 recombination map) with four liability-threshold "
                     "immune diseases whose causal variants are drawn from the annotation (01, 02)")
register("hapmap", "genenets.data.genotypes:load_hapmap_mhc", kind="real",
         description="HapMap CEU genotypes (PLINK), restricted to the MHC window chr6:28.5-33.4 Mb, GRCh37 (00, 01)")
register("plink", "genenets.data.genotypes:read_plink", kind="user",
         description="a user's PLINK 1 fileset (prefix=...), MHC window; phenotypes from a separate table (01, 02)")
# --- end GeneDAE ---
