"""Figures of notebook 08 draw on a given ax (or return a Figure) from the data they are given."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from genenets.plotting import grn as grn_plots  # noqa: E402


class _Net:
    name = "toy"
    genes = ["G1", "G2", "G3"]
    times = np.arange(5.0)
    timeseries = np.random.default_rng(0).random((2, 5, 3))

    def adjacency(self):
        return np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]])


def _summary():
    return pd.DataFrame([{"protocol": p, "method": m, "network": n, "aupr": 0.1 + k / 10, "aupr_sd": 0.01,
                          "auroc": 0.6, "auroc_sd": 0.02, "random_aupr": 0.05}
                         for p in ("random_split", "leave_one_network_out")
                         for k, m in enumerate(["LSTM", "GENIE3"]) for n in ("net1", "net2")])


def test_timecourses_draws_on_the_given_ax():
    fig, ax = plt.subplots()
    out = grn_plots.timecourses(_Net(), ax=ax, n_genes=2)
    assert out is ax and len(ax.lines) == 2 and "toy" in ax.get_title()
    plt.close(fig)


def test_metric_bars_on_ax_and_random_line():
    fig, ax = plt.subplots()
    sub = _summary()[lambda d: d["protocol"] == "random_split"]
    out = grn_plots.metric_bars(sub, "aupr", ax=ax, title="t")
    assert out is ax and len(ax.patches) == 4  # 2 methods x 2 networks
    assert [t.get_text() for t in ax.get_xticklabels()] == ["net1", "net2"] and ax.get_ylabel() == "AUPR"
    assert len(ax.collections) >= 1  # the dashed random baseline
    plt.close(fig)


def test_multi_panel_figures_return_a_figure():
    fig = grn_plots.metric_per_network(_summary(), "auroc")
    assert len(fig.axes) == 2 and fig.axes[0].get_title().startswith("(b) leave one network out")
    plt.close(fig)
    features = pd.DataFrame({"network": "toy", "label": [0, 1] * 20, "correlation": np.linspace(-1, 1, 40),
                             "lagged_correlation": np.linspace(-1, 1, 40), "mutual_information": np.linspace(0, 1, 40)})
    fig = grn_plots.feature_distributions(features)
    assert len(fig.axes) == 3 and "20 regulatory vs 20 non-regulatory" in fig._suptitle.get_text()
    plt.close(fig)
