"""Tests of genenets.data.yeast: id mapping, bad input, exclusions (real files via the mirror)."""
import numpy as np
import pandas as pd
import pytest

from genenets.data import DataError, yeast


@pytest.fixture(scope="module")
def gene_ids():
    return yeast.load_net4_gene_ids()


def test_gene_ids_are_in_network_order(gene_ids):
    assert len(gene_ids) == 5950
    assert gene_ids.index[0] == "G1" and gene_ids.iloc[0] == "YHR084W"
    assert gene_ids.loc["G2"] == "YER109C"


def test_known_pair_maps_to_its_orfs(gene_ids):
    # first row of gener_testing_pairs.npy is (1355, 5947, 1): index i is gene G(i+1)
    pairs = yeast.load_gener_pairs(["testing"])
    first = pairs.iloc[0]
    assert (first["index_a"], first["index_b"], first["label"]) == (1355, 5947, 1)
    assert first["gene_a"] == gene_ids.loc["G1356"]
    assert first["gene_b"] == gene_ids.loc["G5948"]
    assert len(pairs) == 97748 and pairs["label"].mean() == 0.5


def test_pairs_out_of_range_are_an_error(gene_ids):
    bad = np.array([[0, 1, 1], [2, 5950, 0]], float)
    with pytest.raises(DataError, match=r"bad.npy: 1 rows have gene indices outside 0..5949"):
        yeast.pairs_from_indices(bad, gene_ids, "bad.npy")
    with pytest.raises(DataError, match="NaN"):
        yeast.pairs_from_indices(np.array([[0, np.nan, 1]]), gene_ids, "bad.npy")
    with pytest.raises(DataError, match="labels must be 0 or 1"):
        yeast.pairs_from_indices(np.array([[0, 1, 2]], float), gene_ids, "bad.npy")
    with pytest.raises(DataError, match=r"shape \(n_pairs, 3\)"):
        yeast.pairs_from_indices(np.zeros((3, 2)), gene_ids, "bad.npy")


def test_expression_nan_genes_dropped_and_counted():
    expr = yeast.load_cell_cycle_expression()
    assert expr.shape[1] == 50
    assert not expr.isna().any().any()
    assert expr.attrs["n_dropped_nan"] > 0
    assert len(expr) + expr.attrs["n_dropped_nan"] == 2555
    with pytest.raises(DataError, match=r"yeast.RData: \d+ ORFs of exp.cc hold NaN"):
        yeast.load_cell_cycle_expression(nan="raise")


def test_restrict_to_expression_counts_exclusions():
    pairs = pd.DataFrame({"gene_a": ["A", "A", "B", "C", "A"], "gene_b": ["B", "Z", "A", "C", "C"],
                          "label": [1, 0, 1, 0, 0]})
    m = yeast.restrict_to_expression(pairs, ["A", "B", "C"])
    assert (m.n_input, m.n_missing_gene, m.n_self_pairs, m.n_duplicates) == (5, 1, 1, 1)
    assert m.pairs[["gene_a", "gene_b"]].values.tolist() == [["A", "B"], ["A", "C"]]
    assert m.summary()["pairs"].tolist() == [5, 1, 1, 1, 2]
    # a pair listed in both directions with labels 0 then 1 keeps label 1
    both = pd.DataFrame({"gene_a": ["A", "B", "C"], "gene_b": ["B", "A", "A"], "label": [0, 1, 0]})
    kept = yeast.restrict_to_expression(both, ["A", "B", "C"]).pairs
    assert kept.values.tolist() == [["B", "A", 1], ["C", "A", 0]]


def test_gold_standard_maps_to_tf_orfs():
    gold = yeast.load_gold_standard()
    tfs = set(yeast.load_transcription_factors())
    positives = gold[gold["label"] == 1]
    assert len(positives) == 3940
    assert set(positives["gene_a"]) <= tfs
