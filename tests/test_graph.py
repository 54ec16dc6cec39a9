import networkx as nx
import numpy as np
import pytest
from scipy.stats import hmean

from genenets import graph


@pytest.fixture
def path_graph():
    g = nx.path_graph(["a", "b", "c", "d", "e"])
    g.add_edge("x", "y")  # a second component
    return g


def test_bfs_distances_match_networkx(path_graph):
    d = graph.bfs_distances(path_graph, ["a", "c"], ["a", "b", "e", "x"])
    assert d.shape == (2, 4)
    ref = dict(nx.single_source_shortest_path_length(path_graph, "a"))
    assert list(d.loc["a", ["a", "b", "e"]]) == [ref["a"], ref["b"], ref["e"]]
    assert d.loc["a", "x"] == graph.UNREACHABLE


def test_bfs_missing_source(path_graph):
    with pytest.raises(ValueError, match="not in the graph"):
        graph.bfs_distances(path_graph, ["zz"])


def test_harmonic_mean_distance_matches_scipy():
    g = nx.path_graph(4)
    d = nx.floyd_warshall_numpy(g)
    pairs = d[np.triu_indices(4, 1)]
    assert graph.harmonic_mean_distance(d) == pytest.approx(hmean(pairs))
    d2 = d.copy()
    d2[0, 3] = d2[3, 0] = np.inf  # an unreachable pair adds 0 to the reciprocal sum
    assert graph.harmonic_mean_distance(d2) == pytest.approx(6 / (np.sum(1 / pairs) - 1 / 3))
    assert np.isnan(graph.harmonic_mean_distance(np.zeros((1, 1))))
    with pytest.raises(ValueError, match="square"):
        graph.harmonic_mean_distance(np.zeros((2, 3)))


def test_betweenness_exact_equals_networkx():
    g = nx.karate_club_graph()
    b = graph.betweenness(g, n_pivots=None)
    ref = nx.betweenness_centrality(g)
    assert b[0] == pytest.approx(ref[0])


def test_gene_set_topology_counts_absent_and_tests(path_graph):
    topo = graph.GeneSetTopology(path_graph, ["a", "b", "c", "d", "e", "ghost"],
                                 betweenness=graph.betweenness(path_graph))
    assert topo.n_absent == 1 and topo.absent == ["ghost"]
    assert topo.harmonic_distance(["a", "b"]) == 1.0
    assert topo.harmonic_distance(["a", "e"]) == 4.0
    rng = np.random.default_rng(0)
    null = topo.null(2, 50, rng)
    assert null.shape == (50, 2)
    res = topo.test(["b", "c"], null)
    assert res["distance"] == 1.0 and 0 < res["distance_p"] <= 1
    assert res["betweenness"] == pytest.approx(np.mean([graph.betweenness(path_graph)[g] for g in "bc"]))


def test_random_gene_sets_sizes():
    sets = graph.random_gene_sets(list("abcdef"), 3, 4, np.random.default_rng(1))
    assert len(sets) == 4 and all(len(set(s)) == 3 for s in sets)
    with pytest.raises(ValueError, match="cannot draw"):
        graph.random_gene_sets(list("ab"), 3, 1, np.random.default_rng(1))
