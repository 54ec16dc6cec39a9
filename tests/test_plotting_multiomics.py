"""Every figure function of notebook 09 draws on the axes it is given (or returns a Figure)."""
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from genenets import ranking  # noqa: E402
from genenets.plotting import multiomics as mplot  # noqa: E402
from genenets.simulate.multiomics import simulate_multiomics  # noqa: E402
from genenets.tools import multiomics as mo  # noqa: E402


@pytest.fixture(scope="module")
def prep():
    data, truth = simulate_multiomics(n_samples=16, n_genes=150, n_metabolites=20, n_pathway_genes=8, n_markers=10,
                                      seed=0)
    return mo.prepare(data), truth, data


def test_single_panel_functions_draw_on_the_given_ax(prep):
    p, truth, data = prep
    rho, q = mo.spearman_matrix(p.genes, p.metabolites)
    genes = p.genes.columns
    ev = pd.DataFrame({e: np.linspace(0, 1, len(genes)) for e in mo.EVIDENCES}, index=genes)
    ranked = ranking.fuse(ev, ranking.DEFAULT_WEIGHTS)
    prec = pd.DataFrame([{"seed": s, "evidence": e, "k": 8, "precision": 0.1 * s} for s in range(3)
                         for e in ("correlation", "fused")])
    losses = pd.DataFrame([{"omics": o, "model": m, "fold": f, "loss": 1.0} for o in ("genes", "metabolites")
                           for m in ("autoencoder", "PCA") for f in range(3)])
    acc = pd.DataFrame([{"task": "tissue", "features": f, "method": m, "accuracy": 0.5} for f in ("latents", "raw")
                        for m in ("GAT", "majority")])
    calls = [lambda ax: mplot.correlation_heatmap(rho, q, n_genes=10, n_metabolites=8, ax=ax),
             lambda ax: mplot.ranking_figure(ranked, ranking.DEFAULT_WEIGHTS, n_top=10, truth=truth.pathway_genes, ax=ax),
             lambda ax: mplot.precision_figure(prec, 8, random=0.05, ax=ax, n_samples=20),
             lambda ax: mplot.heldout_loss_figure(losses, ax=ax),
             lambda ax: mplot.classifier_figure(acc, ax=ax)]
    for draw in calls:
        fig, ax = plt.subplots()
        with warnings.catch_warnings():  # no deprecated seaborn call (its FutureWarnings print in the notebook)
            warnings.simplefilter("error", FutureWarning)
            assert draw(ax) is ax
        assert ax.has_data() and ax.get_title()
        assert "precision" not in ax.get_ylabel() or "of 20 samples" in ax.get_title()
        plt.close(fig)


def test_multi_panel_functions_return_figures(prep):
    p, _, data = prep
    meta = mo.sample_metadata(p)
    fig = mplot.qc_figure(p, meta, colour_by="tissue")
    assert len(fig.axes) >= 4 and all(a.has_data() or a.images or a.collections for a in fig.axes[:4])
    emb = mo.embed_latents(np.random.default_rng(0).normal(size=(16, 4)), ["pca"])
    assert len(mplot.embedding_figure(emb, p.labels).axes) == 2
    fig = mplot.overview_figure(mo.overview_pcs(data), data.labels, "sim")
    assert len(fig.axes) == 2 and "genes" in fig.axes[0].get_title()
    plt.close("all")
