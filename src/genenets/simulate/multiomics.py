"""Paired transcriptome (FPKM) + metabolome with shared latent structure and a planted pathway.

Generative model (per sample ``s``, gene ``g``, metabolite ``m``)::

    tissue_s, geography_s              balanced categorical labels
    activity_s = a * tissue_effect[tissue_s] + N(0, 1)          pathway activity (standardized)
    program_sk ~ N(0, 1), k = 1..n_programs                      other biological programs
    log2(FPKM_gs + 1) = mu_g + marker effects + L_g . [activity, programs] + N(0, noise^2)
    log(intensity_ms) = nu_m + D_m . [activity, programs] + tissue effect + log(dilution_s) + N(0, sd^2)
    intensity_ms = 0 below the limit of detection, and at random with probability ``dropout``

The latent factors drive genes and metabolites through sparse loadings ``L`` and ``D``: each
program drives a module of co-expressed genes and a few metabolites; the planted pathway genes
load on the activity factor that drives the *target* metabolites, so they correlate with them
through the same factor, while module genes correlate just as well with their own programs'
metabolites (the background a ranking must beat). ``dilution_s`` is a per-sample factor on every
metabolite (what median/PQN normalization removes). A BLAST/HMM-like homology table gives hits to
most planted genes and to some decoys.

Calibration (``genenets.tools.multiomics.calibration``; the notebook prints both): nutrimouse
(Martin et al. 2007) has 17.5% zero fatty-acid values, concentrated in a few low-abundance lipids
(up to 72% zeros in one), which per-metabolite limits of detection reproduce (``lod_fraction``, default 0.15,
plus 2% random dropout as in untargeted LC-MS); its 120 preselected liver genes put 73% of their
variance on 5 PCs and the median gene's best |r| with a fatty acid is 0.44 (95th percentile 0.71);
a genome-wide table is less structured: with the programs covering ``program_fraction`` (60%) of
the genes and gene noise 0.7 (log2), 5 PCs carry about 29% of the variance and the median gene's
best |r| with a metabolite is about 0.37 (95th percentile about 0.6) at n = 100.
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
    pathway_metabolites : list of str, the target metabolites they drive
    activity : array of shape (n_samples,), the pathway activity per sample
    gene_family : Series, family of every planted gene
    marker_genes : list of str, tissue and geography markers
    program_genes : list of str, genes of the other programs' modules
    factors : DataFrame (n_samples, 1 + n_programs), the latent factors
    """

    pathway_genes: list
    pathway_metabolites: list
    activity: np.ndarray
    gene_family: pd.Series
    marker_genes: list = None
    program_genes: list = None
    factors: pd.DataFrame = None


def simulate_multiomics(n_samples: int = 100, n_genes: int = 1000, n_metabolites: int = 100,
                        n_pathway_genes: int = 20, n_pathway_metabolites: int = 3, n_tissues: int = 4,
                        n_markers: int = 50, n_programs: int = 4, program_fraction: float = 0.6,
                        loading: float = 1.0, program_loading: float = 0.6, noise: float = 0.7,
                        metabolite_noise: float = 0.5, tissue_activity: float = 0.7, lod_fraction: float = 0.15,
                        dropout: float = 0.02, homology_recall: float = 0.6, homology_decoys: float = 0.03,
                        seed: int = 0):
    """Simulate a paired transcriptome + metabolome with shared factors and a planted pathway.

    Parameters
    ----------
    n_samples, n_genes, n_metabolites : int
    n_pathway_genes, n_pathway_metabolites : int
        Planted genes and the target metabolites their factor drives.
    n_tissues : int
        Levels of the ``tissue`` label (``geography`` has 2).
    n_markers : int
        Genes (per label) whose expression shifts with tissue / geography.
    n_programs, program_fraction, program_loading : int, float, float
        Other latent programs, the fraction of the remaining genes in their modules, and the mean
        |loading| of a module gene (log2 units per SD of the program).
    loading : float
        Mean |loading| of a planted gene on the pathway activity (log2 units per SD).
    noise, metabolite_noise : float
        SD of the gene (log2) and metabolite (log) noise.
    tissue_activity : float
        How much the pathway activity depends on tissue (0: independent).
    lod_fraction : float
        Mean fraction of each metabolite's values below its limit of detection (reported as 0); the
        fraction varies between metabolites (Beta distribution, at most 0.75).
    dropout : float
        Fraction of the other intensities set to 0 at random.
    homology_recall, homology_decoys : float
        Fraction of planted genes with a homology hit; fraction of the other genes with a weaker hit.
    seed : int

    Returns
    -------
    data : MultiOmics
        genes (n_samples, n_genes) FPKM, metabolites (n_samples, n_metabolites) intensities (zeros
        where not detected), labels ``tissue`` and ``geography``, and the homology hits table
        (``query_gene``, ``family``, ``evalue``) in ``data.homology``.
    truth : MultiOmicsTruth
    """
    if n_pathway_genes > n_genes or n_pathway_metabolites > n_metabolites:
        raise ValueError("more planted features than features")
    if 2 * n_markers + n_pathway_genes > n_genes:
        raise ValueError(f"n_genes={n_genes} too small for 2 x {n_markers} markers + {n_pathway_genes} planted genes")
    if n_samples < 2 * n_tissues:
        raise ValueError(f"n_samples={n_samples} too small for {n_tissues} tissues (need >= 2 per tissue)")
    rng = np.random.default_rng(seed)
    samples = pd.Index([f"S{i + 1:03d}" for i in range(n_samples)], name="sample")
    genes = np.array([f"g{i + 1:05d}" for i in range(n_genes)])
    metabolites = np.array([f"m{i + 1:04d}" for i in range(n_metabolites)])

    tissue = rng.permutation(np.arange(n_samples) % n_tissues)
    geography = rng.permutation(np.arange(n_samples) % 2)
    tissue_effect = rng.normal(0, 1, n_tissues)
    activity = tissue_activity * tissue_effect[tissue] + rng.normal(0, 1, n_samples)
    activity = (activity - activity.mean()) / activity.std()
    programs = rng.normal(0, 1, (n_samples, n_programs))

    # disjoint gene roles: planted, tissue markers, geography markers, program modules, the rest
    order = rng.permutation(n_genes)
    planted = order[:n_pathway_genes]
    tissue_markers = order[n_pathway_genes:n_pathway_genes + n_markers]
    geo_markers = order[n_pathway_genes + n_markers:n_pathway_genes + 2 * n_markers]
    rest = order[n_pathway_genes + 2 * n_markers:]
    in_program = rest[:int(round(program_fraction * len(rest)))] if n_programs else rest[:0]
    program_of = rng.integers(0, max(n_programs, 1), len(in_program))

    log_expr = rng.normal(4.0, 2.0, n_genes)[None, :] + rng.normal(0, noise, (n_samples, n_genes))
    log_expr[:, tissue_markers] += rng.normal(0, 1.5, (n_tissues, n_markers))[tissue]
    log_expr[:, geo_markers] += np.outer(geography - 0.5, rng.choice([-2.0, 2.0], n_markers))
    sign = rng.choice([-1.0, 1.0], n_pathway_genes, p=[0.2, 0.8])
    log_expr[:, planted] += np.outer(activity, sign * loading * rng.uniform(0.7, 1.3, n_pathway_genes))
    if len(in_program):
        w = rng.choice([-1.0, 1.0], len(in_program)) * program_loading * rng.uniform(0.5, 1.5, len(in_program))
        log_expr[:, in_program] += programs[:, program_of] * w
    fpkm = np.clip(2.0 ** log_expr - 1.0, 0.0, None)

    m_order = rng.permutation(n_metabolites)
    m_planted = m_order[:n_pathway_metabolites]
    m_program = m_order[n_pathway_metabolites:]
    log_int = rng.normal(10.0, 1.5, n_metabolites)[None, :] + rng.normal(0, metabolite_noise,
                                                                         (n_samples, n_metabolites))
    log_int += rng.normal(0, 0.5, (n_tissues, n_metabolites))[tissue]
    log_int[:, m_planted] += np.outer(activity, rng.uniform(0.8, 1.2, n_pathway_metabolites))
    if n_programs:  # each other metabolite is driven by one program with probability 1/2
        driven = m_program[rng.random(len(m_program)) < 0.5]
        log_int[:, driven] += programs[:, rng.integers(0, n_programs, len(driven))] * rng.uniform(0.4, 1.0,
                                                                                                  len(driven))
    log_int += np.log(rng.lognormal(0, 0.3, n_samples))[:, None]  # sample dilution
    intensity = np.exp(log_int)
    # below each metabolite's limit of detection: its lowest fraction f_m of values, f_m ~ Beta with mean
    # lod_fraction and at most 0.75 (nutrimouse: 17.5% zeros overall, up to 72% in one fatty acid)
    if lod_fraction > 0:
        f = np.clip(rng.beta(0.5, 0.5 * (1 - lod_fraction) / lod_fraction, n_metabolites), 0, 0.75)
        intensity[log_int < np.quantile(log_int, f, axis=0).diagonal()[None, :]] = 0.0
    intensity[rng.random(intensity.shape) < dropout] = 0.0

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
    factors = pd.DataFrame(np.column_stack([activity, programs]), index=samples,
                           columns=["pathway activity"] + [f"program {k + 1}" for k in range(n_programs)])
    truth = MultiOmicsTruth(list(genes[planted]), list(metabolites[m_planted]), activity, family,
                            list(genes[np.concatenate([tissue_markers, geo_markers])]), list(genes[in_program]),
                            factors)
    return data, truth
