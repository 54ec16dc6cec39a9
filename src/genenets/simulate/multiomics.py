"""Paired transcriptome (FPKM) + metabolome with planted biosynthetic pathway genes.

Generative model (per sample ``s``, gene ``g``, metabolite ``m``)::

    tissue_s, geography_s         balanced categorical labels
    activity_s = a * tissue_effect[tissue_s] + N(0, 1)          pathway activity
    log2(FPKM_gs + 1) = mu_g + tissue/geography marker effects + loading_g * activity_s + noise
    log(intensity_ms) = nu_m + drive_m * activity_s + tissue effects + log(dilution_s) + noise

``loading_g`` is non-zero only for the planted pathway genes, ``drive_m`` only for the planted
metabolites, so the planted genes are those whose expression drives the planted metabolites.
``dilution_s`` is a per-sample factor on every metabolite (what median/PQN normalization removes).
A BLAST/HMM-like homology table gives hits to most planted genes and to some decoys.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.multiomics import MultiOmics

FAMILIES = ["CYP450", "OMT", "UGT", "BAHD", "2OGD", "TPS"]


@dataclass
class MultiOmicsTruth:
    """Ground truth of :func:`simulate_multiomics`.

    Attributes
    ----------
    pathway_genes : list of str, the planted genes (length n_pathway_genes)
    pathway_metabolites : list of str, the metabolites they drive
    activity : array of shape (n_samples,), the pathway activity per sample
    gene_family : Series, family of every planted gene
    """

    pathway_genes: list
    pathway_metabolites: list
    activity: np.ndarray
    gene_family: pd.Series


def simulate_multiomics(n_samples: int = 20, n_genes: int = 2000, n_metabolites: int = 200,
                        n_pathway_genes: int = 20, n_pathway_metabolites: int = 10, n_tissues: int = 4,
                        n_markers: int = 50, loading: float = 1.5, noise: float = 1.0,
                        tissue_activity: float = 0.7, homology_recall: float = 0.6,
                        homology_decoys: float = 0.03, seed: int = 0):
    """Simulate a paired transcriptome + metabolome with a planted pathway.

    Parameters
    ----------
    n_samples, n_genes, n_metabolites : int
    n_pathway_genes, n_pathway_metabolites : int
        Planted genes and the metabolites they drive.
    n_tissues : int
        Levels of the ``tissue`` label (``geography`` has 2).
    n_markers : int
        Genes (per label) whose expression shifts with tissue / geography.
    loading : float
        Effect of the pathway activity on planted genes (log2 units per SD of activity).
    noise : float
        SD of the per-gene noise in log2 units.
    tissue_activity : float
        How much the pathway activity depends on tissue (0: independent).
    homology_recall : float
        Fraction of planted genes with a homology hit.
    homology_decoys : float
        Fraction of the other genes with a (mostly weaker) hit.
    seed : int

    Returns
    -------
    data : MultiOmics
        genes (n_samples, n_genes) FPKM, metabolites (n_samples, n_metabolites) intensities,
        labels (n_samples, 2) ``tissue`` and ``geography``.
    homology : DataFrame
        Columns ``query_gene``, ``family``, ``evalue``: the simulated BLAST/HMM hits table.
    truth : MultiOmicsTruth
    """
    if n_pathway_genes > n_genes or n_pathway_metabolites > n_metabolites:
        raise ValueError("more planted features than features")
    if 2 * n_markers + n_pathway_genes > n_genes:
        raise ValueError(f"n_genes={n_genes} too small for 2 x {n_markers} markers + {n_pathway_genes} planted genes")
    if n_samples < 2 * n_tissues:
        raise ValueError(f"n_samples={n_samples} too small for {n_tissues} tissues (need >= 2 per tissue)")
    rng = np.random.default_rng(seed)
    samples = pd.Index([f"S{i + 1:02d}" for i in range(n_samples)], name="sample")
    genes = np.array([f"g{i + 1:05d}" for i in range(n_genes)])
    metabolites = np.array([f"m{i + 1:04d}" for i in range(n_metabolites)])

    tissue = rng.permutation(np.arange(n_samples) % n_tissues)
    geography = rng.permutation(np.arange(n_samples) % 2)
    tissue_effect = rng.normal(0, 1, n_tissues)
    activity = tissue_activity * tissue_effect[tissue] + rng.normal(0, 1, n_samples)
    activity = (activity - activity.mean()) / activity.std()

    # disjoint roles: planted pathway genes, tissue markers, geography markers, the rest
    order = rng.permutation(n_genes)
    planted = order[:n_pathway_genes]
    tissue_markers = order[n_pathway_genes:n_pathway_genes + n_markers]
    geo_markers = order[n_pathway_genes + n_markers:n_pathway_genes + 2 * n_markers]

    log_expr = rng.normal(4.0, 2.0, n_genes)[None, :] + rng.normal(0, noise, (n_samples, n_genes))
    log_expr[:, tissue_markers] += rng.normal(0, 1.5, (n_tissues, n_markers))[tissue]
    log_expr[:, geo_markers] += np.outer(geography - 0.5, rng.choice([-2.0, 2.0], n_markers))
    sign = rng.choice([-1.0, 1.0], n_pathway_genes, p=[0.2, 0.8])
    log_expr[:, planted] += np.outer(activity, sign * loading * rng.uniform(0.7, 1.3, n_pathway_genes))
    fpkm = np.clip(2.0 ** log_expr - 1.0, 0.0, None)

    m_planted = rng.choice(n_metabolites, n_pathway_metabolites, replace=False)
    log_int = rng.normal(10.0, 1.5, n_metabolites)[None, :] + rng.normal(0, 0.5, (n_samples, n_metabolites))
    log_int += rng.normal(0, 0.5, (n_tissues, n_metabolites))[tissue]
    log_int[:, m_planted] += np.outer(activity, rng.uniform(0.8, 1.2, n_pathway_metabolites))
    log_int += np.log(rng.lognormal(0, 0.3, n_samples))[:, None]  # sample dilution
    intensity = np.exp(log_int)

    family = pd.Series(rng.choice(FAMILIES, n_pathway_genes), index=genes[planted], name="family")
    hit_planted = rng.random(n_pathway_genes) < homology_recall
    others = np.setdiff1d(np.arange(n_genes), planted)
    decoys = others[rng.random(len(others)) < homology_decoys]
    homology = pd.DataFrame({
        "query_gene": np.concatenate([genes[planted][hit_planted], genes[decoys]]),
        "family": np.concatenate([family.values[hit_planted], rng.choice(FAMILIES, len(decoys))]),
        "evalue": np.concatenate([10.0 ** -rng.uniform(20, 80, hit_planted.sum()),
                                  10.0 ** -rng.uniform(5, 50, len(decoys))]),
    }).sample(frac=1.0, random_state=seed).reset_index(drop=True)

    labels = pd.DataFrame({"tissue": pd.Categorical([f"tissue{t + 1}" for t in tissue]),
                           "geography": pd.Categorical(np.where(geography == 1, "north", "south"))}, index=samples)
    data = MultiOmics(pd.DataFrame(fpkm, index=samples, columns=genes),
                      pd.DataFrame(intensity, index=samples, columns=metabolites), labels, "fpkm", {},
                      "simulated", homology)
    truth = MultiOmicsTruth(list(genes[planted]), list(metabolites[m_planted]), activity, family)
    return data, truth
