import numpy as np
import pytest
from scipy.stats import pearsonr

from genenets.simulate.multiomics import simulate_multiomics


def test_shapes_truth_and_planted_signal():
    data, truth = simulate_multiomics(n_samples=20, n_genes=300, n_metabolites=30, n_pathway_genes=10,
                                      n_pathway_metabolites=5, n_markers=20, seed=1)
    hits = data.homology
    assert data.genes.shape == (20, 300) and data.metabolites.shape == (20, 30)
    assert list(data.labels.columns) == ["tissue", "geography"]
    assert (data.genes >= 0).all().all() and (data.metabolites > 0).all().all()
    assert len(truth.pathway_genes) == 10 and set(truth.pathway_genes) <= set(data.genes.columns)
    # planted genes follow the pathway activity much more than the others
    logx = np.log2(data.genes + 1)
    r_planted = np.mean([abs(pearsonr(logx[g], truth.activity)[0]) for g in truth.pathway_genes])
    others = [g for g in data.genes.columns if g not in truth.pathway_genes][:50]
    r_other = np.mean([abs(pearsonr(logx[g], truth.activity)[0]) for g in others])
    assert r_planted > 0.6 > r_other
    assert set(hits.columns) == {"query_gene", "family", "evalue"} and (hits["evalue"] > 0).all()
    assert set(hits["query_gene"]) <= set(data.genes.columns)


def test_same_seed_same_data_and_bad_sizes():
    a = simulate_multiomics(n_genes=300, n_metabolites=30, n_markers=20, seed=3)[0]
    b = simulate_multiomics(n_genes=300, n_metabolites=30, n_markers=20, seed=3)[0]
    assert a.genes.equals(b.genes)
    with pytest.raises(ValueError, match="too small"):
        simulate_multiomics(n_genes=50, n_markers=40)
