"""A simulated expression compendium on the real human interactome, with its ground truth.

Stands in for the paper's 27,887-array microarray compendium (not redistributable in this
project). The genes are real interactome genes (Menche et al. 2015, symbols); the biology is
planted:

- **modules**: Louvain communities of the interactome restricted to the chosen genes act as
  co-expressed modules (a gene's log-expression follows its module's activity with a loading);
- **cell types**: each cell type is a program, a vector of module activities; each sample adds its
  own module noise around its cell type's program;
- **diseases**: disease samples shift a planted subset of the real OMIM/GWAS genes of their disease
  (random sign, fixed magnitude) on top of their cell type; disease is independent of cell type.

Counts are negative-binomial around the log-means, so the paper's preprocessing (log2(1 + x),
noise floor, gene-wise min-max) applies. A few off-interactome genes (real RefSeq symbols absent
from the interactome) are added as background so analyses must count genes missing from the network.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

DEFAULT_DISEASES = ("multiple sclerosis", "crohn disease", "diabetes mellitus, type 1",
                    "lupus erythematosus, systemic", "psoriasis", "arthritis, rheumatoid")


@dataclass
class CompendiumTruth:
    """What the simulator planted.

    Attributes
    ----------
    module : Series (n_genes,)
        Module id of every gene; -1 for background genes (small communities, off-interactome genes).
    programs : DataFrame (n_cell_types, n_modules)
        Module activity of each cell type's program.
    disease_genes : dict disease -> set of genes
        The planted (perturbed) genes of each disease, all among the simulated genes.
    disease_effect : DataFrame (n_genes, n_diseases)
        Log-scale shift of each planted gene in each disease (0 where not planted).
    module_effect : DataFrame (n_modules, n_diseases)
        Shift of each module's activity in each disease (0 where none).
    candidate_genes : dict disease -> set of genes
        The disease's OMIM+GWAS genes among the simulated genes (the planted ones are a subset).
    graph : networkx.Graph
        The interactome induced on the simulated genes that are in it.
    off_network : list of str
        Simulated genes absent from the interactome.
    """

    module: pd.Series
    programs: pd.DataFrame
    disease_genes: dict
    disease_effect: pd.DataFrame
    candidate_genes: dict
    graph: nx.Graph
    off_network: list
    module_effect: pd.DataFrame | None = None


@dataclass
class Compendium:
    """Counts (n_samples, n_genes) with sample labels (columns ``cell_type``, ``disease``; healthy
    samples have disease ``"healthy"``) and the :class:`CompendiumTruth`."""

    counts: pd.DataFrame
    labels: pd.DataFrame
    truth: CompendiumTruth


def _choose_genes(graph, candidates, n_network, rng):
    """Candidate disease genes first (at most half of the genes), then breadth-first rings around them,
    shuffled within each ring, until ``n_network`` genes: a connected neighbourhood of the diseases."""
    cand = [g for g in candidates if g in graph]
    rng.shuffle(cand)
    chosen = list(dict.fromkeys(cand[: n_network // 2]))
    seen = set(chosen)
    frontier = list(chosen)
    while len(chosen) < n_network and frontier:
        ring = sorted({nb for g in frontier for nb in graph.neighbors(g)} - seen)
        rng.shuffle(ring)
        take = ring[: n_network - len(chosen)]
        chosen += take
        seen.update(take)
        frontier = take
    if len(chosen) < n_network:  # the neighbourhood is exhausted: fill with random other genes
        rest = sorted(set(graph.nodes) - seen)
        chosen += list(rng.choice(rest, size=n_network - len(chosen), replace=False))
    return chosen


def simulate_compendium(n_genes: int = 2000, n_samples: int = 2000, n_cell_types: int = 8,
                        diseases=DEFAULT_DISEASES, disease_fraction: float = 0.3, planted_fraction: float = 0.5,
                        effect: float = 1.0, module_noise: float = 0.5, off_network_fraction: float = 0.02,
                        program_scale: float = 1.0, module_effect: float = 0.0, module_effect_spread: float = 0.0,
                        min_module_size: int = 10, dispersion: float = 0.1, mean_count: float = 50.0,
                        seed: int = 0, edges: pd.DataFrame | None = None,
                        disease_table: pd.DataFrame | None = None) -> Compendium:
    """Simulate a labelled expression compendium on the real interactome.

    Parameters
    ----------
    n_genes, n_samples : int
        Size of the count matrix (n_samples, n_genes).
    n_cell_types : int
        Number of cell-type programs (sample counts per type are Dirichlet-drawn).
    diseases : sequence of str
        Disease names of the interactome's disease table (their OMIM+GWAS genes are perturbed).
    disease_fraction : float
        Fraction of samples that carry one of the diseases (uniformly chosen); the rest are healthy.
    planted_fraction : float
        Fraction of each disease's OMIM+GWAS genes (among the simulated genes) that are perturbed.
    effect : float
        Magnitude of a planted gene's log-scale shift in its disease's samples.
    program_scale : float
        Standard deviation of the cell-type programs' module activities (sets the cell-type variance fraction).
    module_effect : float
        Shift of the activity of every module holding a planted gene of a disease, in that disease's samples
        (random sign per module and disease; 0: only the planted genes shift). Real disease contrasts move
        co-expressed programs, not isolated genes (see the calibration in notebook 03).
    module_effect_spread : float
        Standard deviation of the log of each shifted module's magnitude: the magnitude is ``module_effect`` times a
        log-normal factor with median 1 (0: every module shifts by ``module_effect``). Real disease contrasts have a
        long tail of effect sizes (a few programs move strongly, many weakly; see the calibration in notebook 03).
    module_noise : float
        Standard deviation of a sample's module activity around its cell type's program.
    off_network_fraction : float
        Fraction of genes that are real symbols absent from the interactome (background genes).
    seed : int
    edges, disease_table : DataFrames, optional
        From :mod:`genenets.data.interactome` (loaded from the registry when omitted).
    """
    from ..data import interactome

    if n_genes < 20 or n_samples < 10:
        raise ValueError(f"need at least 20 genes and 10 samples, got {n_genes} and {n_samples}")
    if not 0 <= disease_fraction < 1 or not 0 < planted_fraction <= 1:
        raise ValueError("disease_fraction must be in [0, 1) and planted_fraction in (0, 1]")
    rng = np.random.default_rng(seed)
    edges = interactome.load_edges() if edges is None else edges
    disease_table = interactome.load_disease_genes() if disease_table is None else disease_table
    full = interactome.to_graph(edges)
    full = full.subgraph(max(nx.connected_components(full), key=len))
    diseases = list(diseases)
    unknown = [d for d in diseases if d not in disease_table.index]
    if unknown:
        raise ValueError(f"unknown diseases {unknown}; see interactome.load_disease_genes().index")
    candidates = sorted({g for d in diseases for g in disease_table.loc[d, "gwas"] | disease_table.loc[d, "omim"]})

    n_off = int(round(off_network_fraction * n_genes))
    n_network = n_genes - n_off
    if n_network > full.number_of_nodes():  # paper-size: more genes than the interactome holds
        n_off += n_network - full.number_of_nodes()
        n_network = full.number_of_nodes()
    network_genes = _choose_genes(full, candidates, n_network, rng)
    symbols = interactome.entrez_to_symbol()
    off_pool = sorted(set(symbols.values) - set(full.nodes))
    off_genes = list(rng.choice(off_pool, size=n_off, replace=False)) if n_off else []
    genes = network_genes + off_genes
    # built edge by edge in gene order: a networkx subgraph view iterates a set, whose order of strings
    # changes between processes (hash randomisation) and would change Louvain's result
    sub = nx.Graph()
    sub.add_nodes_from(network_genes)
    chosen_set = set(network_genes)
    sub.add_edges_from(sorted((a, b) for a in network_genes for b in full.neighbors(a)
                              if b in chosen_set and a < b))

    # modules: Louvain communities of the induced subgraph (on integer labels, for the same reason);
    # small ones become background
    as_int = nx.convert_node_labels_to_integers(sub, ordering="default")
    communities = nx.community.louvain_communities(as_int, seed=seed)
    communities = [[network_genes[i] for i in sorted(c)] for c in communities if len(c) >= min_module_size]
    communities = sorted(communities, key=lambda c: (-len(c), c[0]))
    module = pd.Series(-1, index=pd.Index(genes, name="gene"), name="module")
    for m, members in enumerate(communities):
        module[members] = m
    n_modules = len(communities)

    # cell-type programs and per-sample module activity
    programs = rng.normal(0.0, program_scale, size=(n_cell_types, n_modules))
    type_share = rng.dirichlet(np.full(n_cell_types, 5.0))
    cell_type = rng.choice(n_cell_types, size=n_samples, p=type_share)
    activity = programs[cell_type] + rng.normal(0.0, module_noise, size=(n_samples, n_modules))
    loading = np.where(module.values >= 0, rng.uniform(0.5, 1.0, n_genes), 0.0)
    base = np.log(mean_count) + rng.normal(0.0, 1.0, n_genes)
    act_full = np.concatenate([activity, np.zeros((n_samples, 1))], axis=1)  # column -1 = background
    log_mean = base + loading * act_full[:, module.values]

    # diseases: a planted subset of each disease's real genes shifts in its samples
    disease = np.full(n_samples, "healthy", dtype=object)
    sick = rng.random(n_samples) < disease_fraction
    disease[sick] = rng.choice(diseases, size=int(sick.sum()))
    gene_pos = {g: i for i, g in enumerate(genes)}
    effect_table = pd.DataFrame(0.0, index=module.index, columns=diseases)
    planted, candidate_sets = {}, {}
    module_shift = pd.DataFrame(0.0, index=[f"M{m}" for m in range(n_modules)], columns=diseases)
    for d in diseases:
        cand = sorted((disease_table.loc[d, "gwas"] | disease_table.loc[d, "omim"]) & set(gene_pos))
        candidate_sets[d] = set(cand)
        n_plant = max(1, int(round(planted_fraction * len(cand)))) if cand else 0
        chosen = list(rng.choice(cand, size=n_plant, replace=False)) if n_plant else []
        planted[d] = set(chosen)
        shift = effect * rng.choice([-1.0, 1.0], size=len(chosen))
        effect_table.loc[chosen, d] = shift
        rows = np.flatnonzero(disease == d)
        cols = [gene_pos[g] for g in chosen]
        log_mean[np.ix_(rows, cols)] += shift
        if module_effect:
            mods = sorted({int(module[g]) for g in chosen if module[g] >= 0})
            signs = rng.choice([-1.0, 1.0], size=len(mods))
            signs = signs * np.exp(rng.normal(0.0, module_effect_spread, size=len(mods)))  # magnitudes, median 1
            module_shift.loc[[f"M{m}" for m in mods], d] = module_effect * signs
            for m, sign in zip(mods, signs):
                members = np.flatnonzero(module.values == m)
                log_mean[np.ix_(rows, members)] += module_effect * sign * loading[members]

    # negative-binomial counts (gamma-Poisson) around the log-means
    mu = np.exp(log_mean)
    lam = rng.gamma(shape=1.0 / dispersion, scale=mu * dispersion)
    counts = rng.poisson(lam).astype(np.float32)

    sample_names = pd.Index([f"S{i:05d}" for i in range(n_samples)], name="sample")
    type_names = np.array([f"type_{t}" for t in range(n_cell_types)])
    labels = pd.DataFrame({"cell_type": type_names[cell_type], "disease": disease.astype(str)}, index=sample_names)
    truth = CompendiumTruth(module=module,
                            programs=pd.DataFrame(programs, index=type_names,
                                                  columns=[f"M{m}" for m in range(n_modules)]),
                            disease_genes=planted, disease_effect=effect_table, candidate_genes=candidate_sets,
                            graph=sub, off_network=off_genes, module_effect=module_shift)
    return Compendium(counts=pd.DataFrame(counts, index=sample_names, columns=module.index), labels=labels,
                      truth=truth)


#: Settings calibrated to real data (notebook 03 prints the table real vs simulated): the cell-type variance
#: fraction of pbmc68k (pooled eta² 0.26) and the AML-vs-ALL contrast of the leukemia arrays, measured at that
#: contrast's design (24 vs 24 samples; :func:`genenets.tools.deepae.calibration_stats` with ``n_per_group=24``):
#: 30 % of genes with |Cohen's d| > 0.8, top-5 % genes' median |d| 1.85, disease variance fraction 0.13, probe AUROC
#: on 10 PCs 0.98. With equal module shifts (``module_effect_spread=0``) the share of large effects matched (0.32) but
#: the top genes' |d| did not (1.35): the real contrast has a longer tail. Chosen on a small grid at 2,000 genes,
#: seed 0, by the largest relative gap over those four properties (module_effect / spread / effect at 2,000 samples:
#: 0.8/0/1.5 27 %, 0.8/0/2.5 24 %, 1.5/0/1.5 162 %, 0.8/0.3/1.5 29 %, 0.7/0.45/1.5 19 %; at 1,000 samples: 0.8/0.3/1.5
#: 18 %, 0.75/0.4/1.5 23 %, 0.8/0.6/1.5 84 %). One seed's draw of module magnitudes moves the top genes' |d| by ~0.2.
CALIBRATED = {"program_scale": 0.7, "dispersion": 0.3, "module_effect": 0.7, "module_effect_spread": 0.45, "effect": 1.5,
              "disease_fraction": 0.5}


def compendium_dataset(n_genes: int = 2000, n_samples: int = 2000, seed: int = 0, **kwargs):
    """Registry loader of ``compendium-simulated``: ``(ExpressionSet of counts, CompendiumTruth)`` from
    :func:`simulate_compendium` with the :data:`CALIBRATED` settings (``kwargs`` override them)."""
    from ..data.expression import ExpressionSet

    comp = simulate_compendium(n_genes=n_genes, n_samples=n_samples, seed=seed, **{**CALIBRATED, **kwargs})
    es = ExpressionSet(comp.counts, comp.labels, name="simulated", is_counts=True,
                       preprocess={"log": True, "floor": None})
    return es, comp.truth
