"""Graph measures of gene sets in an interactome, shared by the notebooks.

Distances come from one breadth-first search per source gene (``scipy.sparse.csgraph``, C speed),
restricted to the genes of interest, never an all-pairs matrix of the whole graph. Betweenness is
networkx's (optionally pivot-sampled, seeded) estimate. Gene-set significance is empirical: the
observed value against random gene sets of the same size drawn from the same universe.
"""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import csgraph

from .stats import empirical_pvalue

#: Stored for unreachable pairs in the uint8 distance matrices (distances in an interactome are < 20).
UNREACHABLE = 255


def bfs_distances(graph: nx.Graph, sources, targets=None) -> pd.DataFrame:
    """Shortest-path lengths (number of edges) from each source, by one BFS per source.

    Parameters
    ----------
    graph : networkx.Graph, unweighted, undirected
    sources : sequence of node names, all in ``graph`` (ValueError otherwise)
    targets : sequence of node names, optional (default: all nodes)

    Returns
    -------
    DataFrame of shape (n_sources, n_targets), dtype uint8; unreachable pairs hold :data:`UNREACHABLE`.
    """
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    sources = list(sources)
    missing = [s for s in sources if s not in index]
    if missing:
        raise ValueError(f"{len(missing)} source genes are not in the graph, e.g. {missing[:5]}")
    targets = nodes if targets is None else list(targets)
    missing = [t for t in targets if t not in index]
    if missing:
        raise ValueError(f"{len(missing)} target genes are not in the graph, e.g. {missing[:5]}")
    adjacency = nx.to_scipy_sparse_array(graph, nodelist=nodes, weight=None, format="csr")
    t_idx = np.array([index[t] for t in targets], dtype=int)
    out = np.empty((len(sources), len(targets)), dtype=np.uint8)
    for start in range(0, len(sources), 256):  # chunks keep memory at 256 x n_nodes floats
        chunk = [index[s] for s in sources[start:start + 256]]
        d = csgraph.shortest_path(adjacency, method="D", unweighted=True, directed=False, indices=chunk)
        d = d[:, t_idx]
        d[~np.isfinite(d)] = UNREACHABLE
        out[start:start + len(chunk)] = np.minimum(d, UNREACHABLE).astype(np.uint8)
    return pd.DataFrame(out, index=pd.Index(sources), columns=pd.Index(targets))


def harmonic_mean_distance(distances) -> float:
    """Harmonic mean of the pairwise shortest-path lengths of a gene set.

    Parameters
    ----------
    distances : array of shape (k, k)
        Symmetric distances among the k genes of the set (:data:`UNREACHABLE` or inf for unreachable
        pairs, which add 0 to the sum of reciprocals, so a set stays finite if some pairs are apart).

    Returns
    -------
    float: ``n_pairs / sum(1 / d_ij)`` over pairs ``i < j``; inf if no pair is connected; NaN for k < 2.
    """
    d = np.asarray(distances, dtype=float)
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise ValueError(f"distances must be a square (k, k) matrix, got shape {d.shape}")
    k = d.shape[0]
    if k < 2:
        return float("nan")
    pairs = d[np.triu_indices(k, 1)]
    pairs = np.where((pairs >= UNREACHABLE) | ~np.isfinite(pairs), np.inf, pairs)
    recip = np.sum(1.0 / pairs)
    return float(len(pairs) / recip) if recip > 0 else float("inf")


def betweenness(graph: nx.Graph, n_pivots: int | None = None, seed: int = 0) -> pd.Series:
    """Normalised betweenness centrality of every node (networkx). ``n_pivots`` source nodes are
    sampled (seeded) for an estimate; ``None`` computes it exactly (slow on a whole interactome)."""
    k = None if n_pivots is None or n_pivots >= graph.number_of_nodes() else int(n_pivots)
    return pd.Series(nx.betweenness_centrality(graph, k=k, seed=seed, normalized=True), name="betweenness")


def random_gene_sets(universe, size: int, n_sets: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``n_sets`` random gene sets of ``size`` genes each (without replacement within a set)."""
    universe = np.asarray(list(universe))
    if size > len(universe):
        raise ValueError(f"cannot draw {size} genes from a universe of {len(universe)}")
    return [rng.choice(universe, size=size, replace=False) for _ in range(n_sets)]


class GeneSetTopology:
    """Harmonic-mean distance and mean betweenness of gene sets within a gene universe.

    The BFS distances among the universe are computed once at construction (one BFS per universe gene
    on the whole graph), so every set afterwards is a lookup.

    Parameters
    ----------
    graph : networkx.Graph
    universe : sequence of genes
        The genes a set may contain (e.g. the measured genes). Genes absent from the graph are dropped
        and counted in ``n_absent`` / listed in ``absent``.
    betweenness : Series, optional
        Betweenness per node (from :func:`betweenness`); required for :meth:`mean_betweenness`.
    """

    def __init__(self, graph: nx.Graph, universe, betweenness: pd.Series | None = None):
        universe = list(dict.fromkeys(universe))
        self.absent = [g for g in universe if g not in graph]
        self.n_absent = len(self.absent)
        self.universe = [g for g in universe if g in graph]
        if len(self.universe) < 2:
            raise ValueError(f"only {len(self.universe)} of {len(universe)} genes are in the interactome")
        self._pos = {g: i for i, g in enumerate(self.universe)}
        self.distances = bfs_distances(graph, self.universe, self.universe).to_numpy()
        self.betweenness = None if betweenness is None else betweenness.reindex(self.universe).fillna(0).to_numpy()

    def _index(self, genes) -> np.ndarray:
        return np.array([self._pos[g] for g in genes if g in self._pos], dtype=int)

    def harmonic_distance(self, genes) -> float:
        """Harmonic-mean shortest-path distance of ``genes`` (those outside the universe are ignored)."""
        i = self._index(genes)
        return harmonic_mean_distance(self.distances[np.ix_(i, i)])

    def mean_betweenness(self, genes) -> float:
        if self.betweenness is None:
            raise ValueError("GeneSetTopology was built without betweenness values")
        i = self._index(genes)
        return float(self.betweenness[i].mean()) if len(i) else float("nan")

    def null(self, size: int, n_sets: int, rng: np.random.Generator) -> pd.DataFrame:
        """Both measures for ``n_sets`` random sets of ``size`` universe genes. Columns ``distance``,
        ``betweenness`` (NaN without betweenness values)."""
        sets = random_gene_sets(self.universe, size, n_sets, rng)
        return pd.DataFrame({
            "distance": [self.harmonic_distance(s) for s in sets],
            "betweenness": [self.mean_betweenness(s) if self.betweenness is not None else np.nan for s in sets]})

    def test(self, genes, null: pd.DataFrame) -> dict:
        """Observed measures of ``genes`` and their empirical p-values against ``null`` (from :meth:`null`
        with the same size): a small distance and a high betweenness are extreme."""
        dist = self.harmonic_distance(genes)
        out = {"distance": dist, "distance_p": empirical_pvalue(dist, null["distance"], "less")}
        if self.betweenness is not None:
            btw = self.mean_betweenness(genes)
            out.update(betweenness=btw, betweenness_p=empirical_pvalue(btw, null["betweenness"], "greater"))
        return out
