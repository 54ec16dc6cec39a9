import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr

from genenets.simulate.multiomics import simulate_multiomics


@pytest.fixture(scope="module")
def sim():
    return simulate_multiomics(n_samples=100, n_genes=600, n_metabolites=60, n_pathway_genes=15,
                               n_pathway_metabolites=3, n_markers=40, seed=1)


def _log(df):
    return np.log2(df + 1)


def test_shapes_labels_truth_and_homology(sim):
    data, truth = sim
    assert data.genes.shape == (100, 600) and data.metabolites.shape == (100, 60)
    assert list(data.labels.columns) == ["tissue", "geography"]
    assert (data.genes >= 0).all().all() and (data.metabolites >= 0).all().all()
    assert len(truth.pathway_genes) == 15 and set(truth.pathway_genes) <= set(data.genes.columns)
    assert not set(truth.pathway_genes) & set(truth.marker_genes)
    assert truth.factors.shape == (100, 5)
    hits = data.homology
    assert set(hits.columns) == {"query_gene", "family", "evalue"} and (hits["evalue"] > 0).all()
    assert set(hits["query_gene"]) <= set(data.genes.columns)


def test_planted_genes_correlate_with_the_target_metabolite_above_the_markers_background(sim):
    data, truth = sim
    genes, metab = _log(data.genes), _log(data.metabolites)

    def mean_r(gene_names):
        return np.mean([abs(pearsonr(genes[g], metab[m])[0]) for g in gene_names for m in truth.pathway_metabolites])

    planted, markers = mean_r(truth.pathway_genes), mean_r(truth.marker_genes)
    assert planted > 0.3 and planted > 2.5 * markers
    # the planted genes load on the factor that drives the target metabolites
    r_factor = np.mean([abs(pearsonr(genes[g], truth.activity)[0]) for g in truth.pathway_genes])
    assert r_factor > 0.5


def test_module_genes_share_their_program_and_metabolites_have_non_detects(sim):
    data, truth = sim
    genes = _log(data.genes)
    best = [max(abs(pearsonr(genes[g], truth.factors[f])[0]) for f in truth.factors.columns[1:])
            for g in truth.program_genes[:30]]
    assert np.median(best) > 0.3
    zeros = (data.metabolites == 0).to_numpy()
    # non-detects as in nutrimouse (17.5% overall, concentrated in some metabolites)
    assert 0.08 < zeros.mean() < 0.35 and zeros.mean(0).max() > 2 * zeros.mean()


def test_same_seed_same_data_and_bad_sizes():
    a = simulate_multiomics(n_genes=300, n_metabolites=30, n_markers=20, seed=3)[0]
    b = simulate_multiomics(n_genes=300, n_metabolites=30, n_markers=20, seed=3)[0]
    c = simulate_multiomics(n_genes=300, n_metabolites=30, n_markers=20, seed=4)[0]
    pd.testing.assert_frame_equal(a.genes, b.genes)
    assert not a.genes.equals(c.genes)
    with pytest.raises(ValueError, match="too small"):
        simulate_multiomics(n_genes=50, n_markers=40)
