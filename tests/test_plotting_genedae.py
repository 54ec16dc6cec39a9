"""GeneDAE figures draw on the axes they are given (or return a Figure for multi-panel ones)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from genenets.plotting import genedae as plot  # noqa: E402

HIST = pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [0.5, 0.4, 0.35], "val_loss": [0.52, 0.45, 0.44]})
TESTS = pd.DataFrame({"disease": ["D"] * 3 + ["E"] * 3, "gene": ["a", "b", "c"] * 2,
                      "p": [1e-9, 1e-5, 0.5, 1e-8, 0.3, 0.4], "significant": [True, True, False, True, False, False],
                      "rank": [1, 2, 3, 1, 2, 3]})


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize("draw", [
    lambda ax: plot.snps_per_gene(pd.Series([3, 10, 40], index=["a", "b", "c"]), ax=ax),
    lambda ax: plot.categories(pd.DataFrame({"category": ["exonic", "intronic"], "n_variants": [5, 9]}), ax=ax),
    lambda ax: plot.loss({"GeneDAE": HIST}, ax=ax),
    lambda ax: plot.pvalue_heatmap(TESTS, top=2, ax=ax, planted={"D": ["a"]}),
    lambda ax: plot.auc_bars(pd.DataFrame({"disease": ["D", "D"], "features": ["x", "y"], "auc_mean": [0.6, 0.7],
                                           "auc_se": [0.01, 0.02]}), ax=ax),
    lambda ax: plot.recovery(pd.DataFrame({"disease": ["D", "D"], "method": ["x", "y"], "recall": [0.5, np.nan]}), ax=ax),
    lambda ax: plot.planted_ranks(pd.DataFrame({"method": ["x", "y"], "disease": ["D", "D"], "gene": ["a", "a"],
                                                "rank": [1, 5]}), ax=ax),
    lambda ax: plot.embedding_agreement(pd.DataFrame({"unit": ["g1", "g2"], "abs_r_vs_full": [0.9, 0.4],
                                                      "abs_r_seed_to_seed": [0.95, 0.8]}), ax=ax),
])
def test_single_panel_functions_draw_on_the_given_ax(draw):
    fig, ax = plt.subplots()
    out = draw(ax)
    assert out is fig
    assert ax.has_data() or ax.images or ax.collections


def test_multi_panel_functions_return_figures():
    f = plot.subgraph_losses({"g1 (3 variants)": HIST, "g2 (4 variants)": HIST}, title="t")
    assert len([a for a in f.axes if a.get_visible()]) == 2
    f = plot.graph_overview(pd.DataFrame({"category": ["exonic"], "n_variants": [5]}), pd.Series([3, 4], index=["a", "b"]))
    assert len(f.axes) == 2
    E = np.random.default_rng(0).normal(size=(20, 4))
    recon = pd.DataFrame({"gene": list("abcd"), "accuracy": [0.9, 0.8, 0.95, 0.7]})
    f = plot.embeddings(E, list("abcd"), recon, top=3)
    assert f.axes[0].images
