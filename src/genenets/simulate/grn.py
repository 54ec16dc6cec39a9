"""Gene regulatory network simulator in the spirit of GeneNetWeaver (the generator of DREAM4).

A directed network with modules and scale-free out-degrees (preferential attachment of regulators,
mostly within a module), Hill-type activation (OR-combined) and repression (multiplicative), and
stochastic dynamics (chemical-Langevin-like intrinsic noise) observed with measurement noise.
Perturbation time series are shaped like DREAM4's: from the wild-type steady state, a perturbation
of the production rate of about a third of the genes is applied for the first half of the time course
and removed for the second half; 21 time points from 0 to 1000.

The result has the same attributes as :class:`genenets.data.dream4.Dream4Network` (``name``,
``genes``, ``times``, ``timeseries``, ``gold``, ``adjacency()``), so every analysis runs unchanged on
real and simulated networks, and the simulation also returns its ground truth (signs, kinetics).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse


@dataclass
class GRNSimulation:
    """A simulated network, its perturbation time series and its ground truth.

    Attributes
    ----------
    name : str
    genes : list of str, length n_genes
    times : array of shape (n_times,)
    timeseries : array of shape (n_series, n_times, n_genes)
        Measured (noisy, scaled to a maximum of 1) expression.
    signed_adjacency : int array of shape (n_genes, n_genes)
        +1 where gene i activates gene j, -1 where it represses it, 0 otherwise.
    gold : DataFrame
        Every ordered pair of distinct genes: ``regulator``, ``target``, ``edge`` (0/1), as DREAM4.
    wildtype : array of shape (n_genes,)
        Noise-free steady state, on the same scale as ``timeseries``.
    perturbations : array of shape (n_series, n_genes)
        Multiplicative change of each gene's production rate during the first half (1 = untouched).
    modules : int array of shape (n_genes,)
    knockouts, knockdowns : array of shape (n_genes, n_genes)
        Measured steady states, row ``g`` after deleting gene ``g`` (production 0) / halving its
        production, as DREAM4's knockout and knockdown files.
    multifactorial : array of shape (n_genes, n_genes)
        Measured steady states after small random changes of every gene's production rate
        (``exp(N(0, 0.25))``; DREAM4's multifactorial design, one experiment per row).
    params : dict
        Simulation settings and kinetic parameters (``hill_k``, ``hill_n``, ``max_rate``, ``decay``).
    """

    name: str
    genes: list
    times: np.ndarray
    timeseries: np.ndarray
    signed_adjacency: np.ndarray
    gold: pd.DataFrame
    wildtype: np.ndarray
    perturbations: np.ndarray
    modules: np.ndarray
    knockouts: np.ndarray | None = None
    knockdowns: np.ndarray | None = None
    multifactorial: np.ndarray | None = None
    params: dict = field(default_factory=dict)

    @property
    def n_genes(self) -> int:
        return len(self.genes)

    def adjacency(self) -> np.ndarray:
        """0/1 adjacency of shape (n_genes, n_genes): ``A[i, j] = 1`` when gene i regulates gene j."""
        return (self.signed_adjacency != 0).astype(np.int8)

    def to_networkx(self) -> nx.DiGraph:
        """The true network as a directed graph with ``sign`` (+1/-1) on each edge."""
        g = nx.DiGraph()
        g.add_nodes_from(self.genes)
        src, dst = np.nonzero(self.signed_adjacency)
        g.add_edges_from((self.genes[i], self.genes[j], {"sign": int(self.signed_adjacency[i, j])})
                         for i, j in zip(src, dst))
        return g


def random_network(n_genes: int, *, n_modules: int | None = None, mean_in_degree: float = 2.0,
                   p_within_module: float = 0.85, p_activation: float = 0.6, frac_inputs: float = 0.1,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A directed modular network with scale-free out-degrees.

    Each non-input gene draws an in-degree (1 + Poisson(mean_in_degree - 1), at most 8) and picks its
    regulators with probability proportional to (out-degree + 1), weighted towards its own module:
    preferential attachment makes a few hubs (as transcription-factor networks have).

    Returns
    -------
    signed_adjacency : int8 array of shape (n_genes, n_genes), entries in {-1, 0, +1}
    modules : int array of shape (n_genes,)
    """
    if n_genes < 2:
        raise ValueError(f"a network needs at least 2 genes, got n_genes={n_genes}")
    if not 0 < mean_in_degree < n_genes:
        raise ValueError(f"mean_in_degree must be in (0, n_genes), got {mean_in_degree}")
    n_modules = n_modules or max(1, int(round(np.sqrt(n_genes) / 2)))
    modules = rng.integers(0, n_modules, size=n_genes)
    adj = np.zeros((n_genes, n_genes), dtype=np.int8)
    out_degree = np.zeros(n_genes)
    for j in rng.permutation(n_genes):
        if rng.random() < frac_inputs:
            continue  # an input gene: no regulator
        k = min(1 + rng.poisson(mean_in_degree - 1), 8, n_genes - 1)
        weight = (out_degree + 1.0) * np.where(modules == modules[j], p_within_module, 1 - p_within_module)
        weight[j] = 0.0  # no self-regulation (DREAM4 gold standards have none)
        regulators = rng.choice(n_genes, size=k, replace=False, p=weight / weight.sum())
        adj[regulators, j] = np.where(rng.random(k) < p_activation, 1, -1)
        out_degree[regulators] += 1
    return adj, modules


def simulate_grn(n_genes: int = 100, *, n_series: int = 10, n_times: int = 21, t_end: float = 1000.0,
                 dt: float = 1.0, perturbed_fraction: float = 1 / 3, perturbation_strength: float = 1.0,
                 intrinsic_noise: float = 0.05, measurement_noise: float = 0.025, multiplicative_noise: float = 0.1,
                 mean_in_degree: float = 2.0, n_modules: int | None = None, seed: int = 0,
                 name: str | None = None) -> GRNSimulation:
    """Simulate one network and DREAM4-like perturbation time series.

    Parameters
    ----------
    n_genes : int
        Any size from 2 up (1,000+ genes take seconds).
    n_series, n_times, t_end : int, int, float
        Number of perturbation experiments and their sampling (DREAM4: 10, 21, 1000).
    dt : float
        Euler-Maruyama step.
    perturbed_fraction, perturbation_strength : float
        Share of genes whose production rate is multiplied by ``exp(U(-s, s))`` during the first half.
    intrinsic_noise : float
        Scale of the Langevin noise ``sigma * sqrt(production + degradation) dW``.
    measurement_noise, multiplicative_noise : float
        Additive Gaussian SD and log-normal SD of the measurement (DREAM4's mixed noise model).
    seed : int
        Everything (network, kinetics, noise) follows from it.

    Returns
    -------
    GRNSimulation
    """
    if n_times < 2:
        raise ValueError(f"n_times must be at least 2, got {n_times}")
    if not 0 <= perturbed_fraction <= 1:
        raise ValueError(f"perturbed_fraction must be in [0, 1], got {perturbed_fraction}")
    rng = np.random.default_rng(seed)
    signed, modules = random_network(n_genes, n_modules=n_modules, mean_in_degree=mean_in_degree, rng=rng)
    src, dst = np.nonzero(signed)
    sign = signed[src, dst]
    n_edges = len(src)
    max_level = rng.uniform(0.4, 1.0, n_genes)
    k_spread = np.exp(rng.uniform(-0.5, 0.5, n_edges))
    hill_k = max_level[src] * 0.3 * k_spread
    hill_n = rng.uniform(1.0, 4.0, n_edges)
    decay = rng.uniform(0.01, 0.04, n_genes)
    max_rate = decay * max_level
    basal = rng.uniform(0.02, 0.15, n_genes)
    # edge -> target incidence, to average the regulatory terms per target with one sparse product
    incidence = sparse.csr_matrix((np.ones(n_edges), (np.arange(n_edges), dst)), shape=(n_edges, n_genes))
    in_degree = np.maximum(np.asarray(incidence.sum(axis=0)).ravel(), 1)
    is_act = sign > 0

    def production(x, factor):
        """Production rate of every gene, shape (n_series, n_genes)."""
        if n_edges == 0:
            return max_rate * factor * np.ones_like(x)
        h = (np.maximum(x[:, src], 0) / hill_k) ** hill_n
        # each regulator contributes its Hill activation h/(1+h) or repression 1/(1+h); the target's
        # activity is their mean (additive input functions keep every regulator's effect visible,
        # where a product lets one saturated repressor silence a target's other inputs)
        terms = np.where(is_act, h / (1 + h), 1 / (1 + h))
        activity = np.where(in_degree > 0, (terms @ incidence) / in_degree, 1.0)
        f = basal + (1 - basal) * activity
        return max_rate * factor * f

    def integrate(x, factor, duration, noise, step=dt):
        for _ in range(int(round(duration / step))):
            prod, deg = production(x, factor), decay * x
            x = x + (prod - deg) * step
            if noise > 0:
                x = x + noise * np.sqrt((prod + deg) * step) * rng.standard_normal(x.shape)
            x = np.maximum(x, 0.0)
        return x

    # wild type: deterministic steady state. The Hill thresholds are then re-centred on the
    # regulators' wild-type levels (a few rounds), so that every regulator works in the sensitive part
    # of its response curve, as the sampled kinetics of GeneNetWeaver mostly do; otherwise cascades
    # of switched-off genes carry no signal.
    # (deterministic, so a step of 5 time units is accurate: decay rates are below 0.04)
    wildtype = integrate(0.5 * max_level[None, :], np.ones(n_genes), 3000.0, 0.0, step=5.0)[0]
    for _ in range(5):
        hill_k[:] = np.sqrt(hill_k * np.maximum(wildtype[src], 1e-3 * max_level[src]) * k_spread)  # damped
        wildtype = integrate(wildtype[None, :], np.ones(n_genes), 1000.0, 0.0, step=5.0)[0]
    factors = np.ones((n_series, n_genes))
    for s in range(n_series):
        hit = rng.random(n_genes) < perturbed_fraction
        factors[s, hit] = np.exp(rng.uniform(-perturbation_strength, perturbation_strength, hit.sum()))
    times = np.linspace(0.0, t_end, n_times)
    step = times[1] - times[0]
    x = np.repeat(wildtype[None, :], n_series, axis=0)
    traj = np.empty((n_series, n_times, n_genes))
    traj[:, 0] = x
    for i in range(1, n_times):
        factor = factors if times[i - 1] < t_end / 2 else np.ones(n_genes)
        x = integrate(x, factor, step, intrinsic_noise)
        traj[:, i] = x
    measured = traj * np.exp(multiplicative_noise * rng.standard_normal(traj.shape))
    measured = np.maximum(measured + measurement_noise * rng.standard_normal(traj.shape), 0.0)
    scale = measured.max() if measured.max() > 0 else 1.0

    # steady-state experiments (drawn after the time series, so these are unchanged by them): knockouts,
    # knockdowns and a multifactorial design, each integrated deterministically from the wild type to
    # its new steady state and measured with the same noise model
    def steady(factor):
        x = integrate(np.repeat(wildtype[None, :], len(factor), axis=0), factor, 3000.0, 0.0, step=5.0)
        x = x * np.exp(multiplicative_noise * rng.standard_normal(x.shape))
        return np.maximum(x + measurement_noise * rng.standard_normal(x.shape), 0.0) / scale

    eye = np.eye(n_genes)
    knockouts, knockdowns = steady(1.0 - eye), steady(1.0 - 0.5 * eye)
    multifactorial = steady(np.exp(0.25 * rng.standard_normal((n_genes, n_genes))))
    genes = [f"G{i + 1}" for i in range(n_genes)]
    adj01 = (signed != 0).astype(int)
    reg, tgt = np.nonzero(~np.eye(n_genes, dtype=bool))
    gold = pd.DataFrame({"regulator": np.asarray(genes)[reg], "target": np.asarray(genes)[tgt],
                         "edge": adj01[reg, tgt]})
    gold = gold.sort_values("edge", ascending=False, kind="stable").reset_index(drop=True)  # DREAM4 order
    return GRNSimulation(
        name=name or f"simulated_size{n_genes}_seed{seed}", genes=genes, times=times,
        timeseries=measured / scale, signed_adjacency=signed, gold=gold, wildtype=wildtype / scale,
        perturbations=factors, modules=modules, knockouts=knockouts, knockdowns=knockdowns,
        multifactorial=multifactorial,
        params={"seed": seed, "n_series": n_series, "n_times": n_times, "t_end": t_end, "dt": dt,
                "intrinsic_noise": intrinsic_noise, "measurement_noise": measurement_noise,
                "multiplicative_noise": multiplicative_noise, "hill_k": hill_k, "hill_n": hill_n,
                "decay": decay, "max_rate": max_rate})


def simulate_networks(n_networks: int = 5, n_genes: int = 100, seed: int = 0, **kwargs) -> list[GRNSimulation]:
    """``n_networks`` independent simulated networks (seeds ``seed``, ``seed + 1``, ...), named like DREAM4's."""
    return [simulate_grn(n_genes, seed=seed + k, name=f"simulated_size{n_genes}_{k + 1}", **kwargs)
            for k in range(n_networks)]
