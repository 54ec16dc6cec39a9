"""Notebook 00's helpers: shapes of what a dataset holds and its main matrix; the figures draw on given axes."""
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from genenets import datasets  # noqa: E402
from genenets.plotting import overview as plot_overview  # noqa: E402
from genenets.tools import overview  # noqa: E402


@dataclass
class _Toy:
    expression: pd.DataFrame
    pairs: pd.DataFrame
    series: np.ndarray


def _toy():
    expr = pd.DataFrame(np.arange(60.0).reshape(12, 5))
    pairs = pd.DataFrame({"a": range(100), "b": range(100), "y": [0, 1] * 50})
    return _Toy(expr, pairs, np.zeros((3, 4, 5)))


def test_shapes_walks_dataclasses_dicts_and_lists():
    out = overview.shapes({"nets": [_toy(), _toy()], "x": np.ones(3)})
    assert out == {"nets.0.expression": (12, 5), "nets.0.pairs": (100, 3), "nets.0.series": (3, 4, 5), "x": (3,)}


def test_main_matrix_prefers_the_most_matrix_like_table():
    ds = datasets.Dataset("toy", _toy())
    m = overview.main_matrix(ds)
    assert m.shape == (12, 5)  # not the longer 3-column pair list
    assert overview.main_matrix(datasets.Dataset("none", {"labels": pd.Series([1, 2])})) is None


def test_figures_draw_on_given_axes():
    m = pd.DataFrame(np.random.default_rng(0).normal(size=(80, 70)))
    fig, axes = plt.subplots(1, 2)
    assert plot_overview.matrix_panel(m, ax=axes[0]) is axes[0] and axes[0].images
    plot_overview.value_hist(m, ax=axes[1])
    assert axes[1].patches
    fig2 = plot_overview.dataset_figure("toy", m, "simulated")
    assert len(fig2.axes) == 3  # two panels and a colour bar
    plt.close("all")
