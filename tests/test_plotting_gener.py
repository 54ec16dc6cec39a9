"""The GENER figures draw the data they are given on the axes they are given."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from genenets.plotting import gener as P  # noqa: E402

PAIRS = pd.DataFrame({"gene_a": ["a", "a", "a", "b", "c"], "gene_b": ["b", "c", "d", "c", "d"],
                      "label": [1, 1, 1, 1, 0]})
EXPR = pd.DataFrame(np.arange(24, dtype=float).reshape(4, 6), index=list("abcd"))
TABLE = pd.DataFrame({"split": ["random", "random", "C3", "C3"], "method": ["GENER", "degree"] * 2,
                      "auroc": [0.8, 0.7, 0.55, 0.5]})


def test_functions_draw_on_the_given_ax():
    fig, axes = plt.subplots(1, 4)
    assert P.expression_traces(EXPR, n=3, ax=axes[0]) is axes[0]
    assert len(axes[0].lines) == 3 and len(axes[0].lines[0].get_xdata()) == 6  # 3 genes over 6 arrays
    assert P.degree_distribution(PAIRS, ax=axes[1]) is axes[1]
    x, y = axes[1].lines[0].get_data()
    assert list(x) == [1, 2, 3] and list(y) == [1, 2, 1]  # degrees: a 3, b 2, c 2, d 1
    assert P.metric_bars(TABLE, paper={"GENER": 0.834}, ax=axes[2]) is axes[2]
    assert any(line.get_marker() == "D" for line in axes[2].lines)
    surv = pd.DataFrame({"method": ["GENER", "degree"], "original": [0.8, 0.7], "degree-balanced": [0.6, 0.5]})
    assert P.survival_bars(surv, ax=axes[3]) is axes[3]
    heights = sorted(round(b.get_height(), 2) for c in axes[3].containers for b in c)
    assert heights == [0.5, 0.6, 0.7, 0.8]
    plt.close(fig)


def test_multi_panel_figures():
    fig = P.overview(EXPR, PAIRS)
    assert len(fig.axes) == 2
    y = np.array([0, 1, 0, 1, 1, 0])
    scores = {"random": {"m": np.c_[1 - y * 0.8, y * 0.8]}, "C3": {"m": np.full((6, 2), 0.5)}}
    fig2 = P.roc_pr(scores, {"random": y, "C3": y})
    assert len(fig2.axes) == 4
    plt.close("all")


def test_benchmarks_overview_draws_both_benchmarks_and_survival():
    rows = [{"benchmark": bm, "split": s, "method": m, "auroc": 0.5 + 0.1 * (bm == "original") + 0.01 * i}
            for bm in ("original", "degree-balanced") for s in ("random", "C1") for i, m in enumerate(["a", "b"])]
    fig = P.benchmarks_overview(pd.DataFrame(rows), title="x: ")
    assert len(fig.axes) == 3 and fig.axes[2].get_title() == "x: random split, before and after balancing"
    plt.close(fig)
