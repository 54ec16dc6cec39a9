"""Simulated expression compendium with a gene-gene interaction network of known signal strength.

Genes belong to regulatory programs; each program has an activity profile over the arrays and a
gene's expression is ``sqrt(signal) * sign * program activity + sqrt(1 - signal) * noise``. Interacting
pairs are drawn mostly within a program, with hub genes (heavy-tailed propensity) taking part in
many interactions, as in BioGRID; negatives are random non-interacting pairs, balanced 1:1.
So ``signal`` sets how much an expression model can read (0 = nothing), and hub structure lets a
model score random pair splits by recognising genes, exactly the confound of the real data.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class InteractionTruth:
    """Ground truth of :func:`simulate_interactions`."""

    program: np.ndarray  # (n_genes,) program of each gene
    sign: np.ndarray  # (n_genes,) +1 activated / -1 repressed by its program
    propensity: np.ndarray  # (n_genes,) hubness: relative chance of taking part in an interaction
    activity: np.ndarray  # (n_programs, n_arrays) program activity profiles
    signal: float
    within_program_fraction: float


@dataclass
class SimulatedInteractions:
    expression: pd.DataFrame  # (n_genes, n_arrays)
    pairs: pd.DataFrame  # gene_a, gene_b, label
    truth: InteractionTruth


def simulate_interactions(n_genes: int = 5950, n_arrays: int = 536, n_programs: int = 150, n_positive: int = 20000,
                          signal: float = 0.5, within_program_fraction: float = 0.8, hub_exponent: float = 1.5,
                          seed: int = 0) -> SimulatedInteractions:
    """Simulate expression and balanced labelled pairs.

    Parameters
    ----------
    n_genes, n_arrays : int
        Expression matrix shape (paper scale: 5,950 DREAM5 network-4 genes x 536 arrays).
    n_programs : int
        Number of regulatory programs (co-expression modules).
    n_positive : int
        Interacting pairs drawn (before removing duplicates); as many negatives are drawn.
    signal : float in [0, 1]
        Fraction of each gene's expression variance explained by its program.
    within_program_fraction : float in [0, 1]
        Fraction of interactions between genes of the same program (the rest ignore programs).
    hub_exponent : float > 0
        Pareto shape of gene propensities; smaller = stronger hubs.
    seed : int

    Returns
    -------
    SimulatedInteractions: ``expression`` (genes ``g0..`` x arrays ``a0..``), ``pairs`` (balanced,
    ``gene_a``, ``gene_b``, ``label``) and ``truth``.
    """
    if not 0 <= signal <= 1:
        raise ValueError(f"signal must be in [0, 1], got {signal}")
    if not 0 <= within_program_fraction <= 1:
        raise ValueError(f"within_program_fraction must be in [0, 1], got {within_program_fraction}")
    if n_genes < 2 * n_programs:
        raise ValueError(f"need at least 2 genes per program: n_genes={n_genes}, n_programs={n_programs}")
    rng = np.random.default_rng(seed)
    program = rng.integers(0, n_programs, n_genes)
    sign = rng.choice([-1.0, 1.0], n_genes)
    propensity = rng.pareto(hub_exponent, n_genes) + 1.0
    activity = rng.standard_normal((n_programs, n_arrays))
    noise = rng.standard_normal((n_genes, n_arrays))
    expr = np.sqrt(signal) * sign[:, None] * activity[program] + np.sqrt(1 - signal) * noise

    # positives: first gene by propensity, partner by propensity within its program (or anywhere)
    p_all = propensity / propensity.sum()
    a = rng.choice(n_genes, n_positive, p=p_all)
    b = rng.choice(n_genes, n_positive, p=p_all)
    within = rng.random(n_positive) < within_program_fraction
    members = [np.flatnonzero(program == k) for k in range(n_programs)]
    for k in range(n_programs):
        rows = np.flatnonzero(within & (program[a] == k))
        if len(rows) and len(members[k]) > 1:
            w = propensity[members[k]] / propensity[members[k]].sum()
            b[rows] = rng.choice(members[k], len(rows), p=w)
    pos = _unique_pairs(a, b)
    # negatives: uniform random pairs that are not positives
    pos_keys = set(map(tuple, pos))
    neg = _unique_pairs(rng.integers(0, n_genes, 3 * len(pos)), rng.integers(0, n_genes, 3 * len(pos)))
    neg = np.array([p for p in map(tuple, neg) if p not in pos_keys])[: len(pos)]
    neg = neg[rng.permutation(len(neg))]
    names = np.array([f"g{i}" for i in range(n_genes)])
    both = np.vstack([pos, neg])
    pairs = pd.DataFrame({"gene_a": names[both[:, 0]], "gene_b": names[both[:, 1]],
                          "label": np.r_[np.ones(len(pos), int), np.zeros(len(neg), int)]})
    pairs = pairs.iloc[rng.permutation(len(pairs))].reset_index(drop=True)
    expression = pd.DataFrame(expr, index=pd.Index(names, name="gene"),
                              columns=pd.Index([f"a{j}" for j in range(n_arrays)], name="array"))
    truth = InteractionTruth(program, sign, propensity, activity, signal, within_program_fraction)
    return SimulatedInteractions(expression, pairs, truth)


def _unique_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unordered, distinct, non-self pairs of shape (n, 2) in first-seen order."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    pairs = np.stack([lo[keep], hi[keep]], axis=1)
    _, first = np.unique(pairs, axis=0, return_index=True)
    return pairs[np.sort(first)]


def load_simulated(n_genes: int = 2000, n_arrays: int = 100, n_positive: int = 8000, signal: float = 0.3,
                   seed: int = 0, **kwargs):
    """The simulated dataset of the GENER notebook (registered as ``"gener-simulated"``).

    Returns
    -------
    (InteractionData with the single label set ``"simulated"``, InteractionTruth)
    """
    from ..data.yeast import InteractionData

    sim = simulate_interactions(n_genes=n_genes, n_arrays=n_arrays, n_positive=n_positive, signal=signal,
                                seed=seed, **kwargs)
    note = (f"Simulated data: {n_genes} genes x {n_arrays} arrays, signal {signal} (share of expression "
            "variance from the shared program).")
    return InteractionData(sim.expression, {"simulated": sim.pairs}, [note]), sim.truth
