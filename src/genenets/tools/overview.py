"""Notebook 00: every registered dataset at a glance (shapes, the main matrix), through ``genenets.datasets``.

Real datasets are loaded whole (they are small); simulators at a reduced size (``scale`` times
:data:`SMALL_SIZES`); user datasets (``kind="user"``) need the user's files and are listed, not loaded.
"""
from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pandas as pd

from .. import datasets

#: Sizes of the simulated examples in notebook 00 (the quick profile; scaled by ``scale``).
SMALL_SIZES = {"n_individuals": 400, "n_variants": 2500, "n_genes": 300, "n_samples": 400, "n_arrays": 50,
               "n_positive": 2000, "n_networks": 1, "n_metabolites": 40}


#: Parameters a simulator needs beside the sizes (derived from them).
EXTRA = {"gener-simulated": lambda p: {"n_programs": max(4, p.get("n_genes", 300) // 10)},
         "multiomics-simulated": lambda p: {"n_genes": max(300, p.get("n_genes", 300))}}


def look(name: str, scale: float = 1.0, seed: int = 0) -> datasets.Dataset:
    """Load dataset ``name`` for a look: simulators at ``scale`` x :data:`SMALL_SIZES` (at least 20)."""
    entry = datasets._REGISTRY[name]
    accepted = inspect.signature(entry.resolve()).parameters
    params = {}
    if "n_networks" in accepted:
        params["n_networks"] = 1
    if entry.kind == "simulated":
        params.update({k: max(20, int(v * scale)) for k, v in SMALL_SIZES.items() if k in accepted and k != "n_networks"})
        params["seed"] = seed
        params.update(EXTRA.get(name, lambda p: {})(params))
    return datasets.load(name, **params)


def shapes(obj, prefix: str = "", depth: int = 2) -> dict[str, tuple]:
    """``{component: shape}`` of the arrays and frames inside ``obj`` (dataclasses, dicts, lists; ``depth`` levels)."""
    out = {}
    if hasattr(obj, "shape") and isinstance(getattr(obj, "shape"), tuple) and not isinstance(obj, type):
        return {prefix or "data": tuple(int(s) for s in obj.shape)}
    if depth < 0:
        return out
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        items = [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)]
    elif isinstance(obj, dict):
        items = list(obj.items())
    elif isinstance(obj, (list, tuple)):
        items = [(str(i), v) for i, v in enumerate(obj[:1])]  # one network / element shows the layout
    elif hasattr(obj, "__dict__"):
        items = list(vars(obj).items())
    else:
        return out
    for key, value in items:
        out.update(shapes(value, f"{prefix}.{key}" if prefix else str(key), depth - 1))
    return out


def main_matrix(ds: datasets.Dataset) -> pd.DataFrame | None:
    """The largest two-dimensional numeric table in ``ds.data`` (samples x features), or None."""
    best, found = None, []

    def walk(obj, depth):
        if isinstance(obj, pd.DataFrame):
            num = obj.select_dtypes("number")
            if num.shape[1] > 1:
                found.append(num)
        elif isinstance(obj, np.ndarray) and obj.ndim == 2 and np.issubdtype(obj.dtype, np.number):
            found.append(pd.DataFrame(obj))
        elif depth > 0:
            if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
                for f in dataclasses.fields(obj):
                    walk(getattr(obj, f.name), depth - 1)
            elif isinstance(obj, dict):
                for v in obj.values():
                    walk(v, depth - 1)
            elif isinstance(obj, (list, tuple)):
                for v in obj[:1]:
                    walk(v, depth - 1)
            elif hasattr(obj, "__dict__"):
                for v in vars(obj).values():
                    walk(v, depth - 1)

    walk(ds.data, 3)
    if found:  # the most matrix-like table: largest smaller side (expression over a 3-column pair list)
        best = max(found, key=lambda m: (min(m.shape), m.size))
    return best


def overview(scale: float = 1.0, seed: int = 0) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Every registered dataset: a table (dataset, kind, component, shape, provenance) and the main matrix of each
    loaded one. User datasets are listed with what they need."""
    rows, matrices = [], {}
    for d in datasets.describe():
        base = {"dataset": d["name"], "kind": d["kind"], "description": d["description"]}
        if d["kind"] == "user":
            rows.append({**base, "component": "(your files)", "shape": "", "source": "user-supplied files"})
            continue
        ds = look(d["name"], scale=scale, seed=seed)
        prov = ds.provenance
        files = ", ".join(sorted(prov.get("files", {})))
        source = (f"simulator {prov.get('simulator', ds.name)}, seed {prov.get('seed')}"
                  + (f" (calibrated on / built over {files})" if files else "")) if ds.is_simulated else files
        if ds.fallback:
            source += f" [fallback: {ds.fallback}]"
        for comp, shape in shapes(ds.data).items():
            rows.append({**base, "component": comp, "shape": str(shape), "source": source})
        m = main_matrix(ds)
        if m is not None:
            matrices[d["name"]] = m
    return pd.DataFrame(rows), matrices


def registry_table() -> pd.DataFrame:
    """Every registry file fetched (downloaded or copied from the mirror) and hash-checked: one row each
    (file, source, MB, sha256 prefix, licence)."""
    from .. import data

    rows = []
    for name, entry in data.entries().items():
        path = data.fetch(name)
        rows.append({"file": name, "source": name.split("/")[0], "MB": path.stat().st_size / 1e6,
                     "sha256": entry.sha256[:12], "license": entry.license})
    return pd.DataFrame(rows)


def genomewide_example(n_samples: int, n_variants: int, seed: int = 0):
    """A simulated genome-wide PLINK fileset and its variant-to-gene graph.

    Returns ``(shapes, per_chromosome, snps_per_gene, title)``: the shapes, and what
    :func:`genenets.plotting.scale.overview_figure` draws.
    """
    from ..simulate.genomewide import simulate_genomewide
    from . import scale

    genome = simulate_genomewide(n_samples=n_samples, n_variants=n_variants, seed=seed, progress=False)
    graph = scale.graph_for_plink(genome.prefix)
    shapes_ = {"genome-wide simulated PLINK (samples x variants)": (genome.n_samples, genome.n_variants),
               "genome-wide variant-gene graph A (variants x genes)": tuple(graph.A.shape)}
    per_chrom, counts = scale.overview_counts(graph, genome.prefix)
    title = f"Genome-wide variant-gene graph: {graph.A.shape[0]:,} variants, {graph.A.shape[1]:,} genes"
    return shapes_, per_chrom, counts, title
