"""Figures of the deep-autoencoder paper: each draws what it is given, with its labels, and returns a Figure."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from genenets.data.expression import ExpressionSet  # noqa: E402
from genenets.plotting import deepae as deepae_plots  # noqa: E402


def _recon():
    rows = [{"model": m, "width": w, "split": s, "global": 1 / w, "genewise": 2 / w}
            for m in ("SAE", "deepAE", "PCA") for w in (8, 16) for s in ("train", "validation")]
    return pd.DataFrame(rows)


def test_plot_reconstruction_panels_and_anchor():
    fig = deepae_plots.plot_reconstruction(_recon(), {"deepAE": {"a": 1.0, "b": 1.0}}, {"global": 0.5, "genewise": 0.6})
    a, b = fig.axes[:2]
    assert a.get_xscale() == "log" and "global" in a.get_ylabel() and "gene-wise" in b.get_title()
    assert len(a.get_lines()) == 6 + 1 + 1  # 3 models x 2 splits, power law, gene-mean line
    plt.close(fig)


def test_plot_clustering_and_lightup_and_enrichment():
    rng = np.random.default_rng(0)
    emb = {"PCA (all genes)": rng.normal(size=(6, 2)), "layer 1": rng.normal(size=(6, 2))}
    labels = np.array(["a", "a", "a", "b", "b", "b"])
    table = pd.DataFrame({"grouping": "g", "group": ["a", "b"] * 2, "method": ["PCA (all genes)"] * 2 + ["layer 1"] * 2,
                          "silhouette": [0.1, 0.2, 0.3, 0.4], "n": 3})
    fig = deepae_plots.plot_clustering(emb, labels, table, "g")
    assert len(fig.axes) == 3 and fig.axes[-1].get_title() == "Silhouette per g"
    plt.close(fig)
    per_node = pd.DataFrame({"layer": "deepAE layer 1", "node": [0, 1], "k": [8, 8], "distance": [2.0, 2.1],
                             "betweenness": [0.1, 0.2]})
    null = pd.DataFrame({"k": [8] * 5, "distance": np.linspace(2.5, 3, 5), "betweenness": np.linspace(0, 0.1, 5)})
    fig = deepae_plots.plot_lightup(per_node, null)
    assert "distance" in fig.axes[0].get_title() and fig.axes[0].get_xlabel() == "top-k lit genes"
    plt.close(fig)
    enr = pd.DataFrame({"method": ["SAE", "t"], "disease": "d", "p": [0.01, 1e-5], "recall_planted": [0.5, 1.0]})
    fig = deepae_plots.plot_enrichment(enr)
    assert len(fig.axes) == 2 and fig.axes[1].get_title() == "Planted genes found"
    plt.close(fig)


def test_plot_recall_curves_and_overview():
    curve = pd.DataFrame({"kind": ["SAE", "deepAE"] * 2, "epochs": [25, 25, 50, 50], "recall": [0.2, 0.1, 0.5, 0.4],
                          "val_loss": [0.1, 0.12, 0.08, 0.09]})
    fig = deepae_plots.plot_recall_curves(curve)
    assert [len(ax.get_lines()) for ax in fig.axes] == [2, 2] and fig.axes[0].get_ylim()[1] > 1
    plt.close(fig)
    es = ExpressionSet(pd.DataFrame(np.arange(12.0).reshape(4, 3), columns=list("xyz")),
                       pd.DataFrame({"cell_type": list("aabb")}), name="toy")
    fig = deepae_plots.overview_figure(es, n_genes_shown=2)
    assert fig.axes[0].get_title().startswith("toy: 4 samples x 3 genes")
    plt.close(fig)
