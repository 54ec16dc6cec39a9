"""Figures of the GENER notebook (07): every function draws the data it is given, on ``ax``/``axes``
when given, and returns the axes (or a Figure for multi-panel figures)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import plots


def expression_traces(expr: pd.DataFrame, n: int = 5, ax=None, ylabel: str = "expression (preprocessed)"):
    """Expression of the first ``n`` genes over the arrays. ``expr``: (genes, arrays)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4))
    ax.plot(expr.to_numpy()[:n].T, lw=1)
    ax.set(xlabel="array (cell-cycle time point)", ylabel=ylabel, title=f"{n} of {len(expr)} genes")
    return ax


def degree_distribution(pairs: pd.DataFrame, ax=None, title: str | None = None):
    """Number of genes (log) by number of positive partners (log): hubs are why random splits are easy.
    ``pairs``: ``gene_a``, ``gene_b``, ``label``."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4))
    pos = pairs[pairs["label"] == 1]
    degree = pd.concat([pos["gene_a"], pos["gene_b"]]).value_counts()
    counts = degree.value_counts().sort_index()
    ax.loglog(counts.index, counts.to_numpy(), "o", ms=4, color="tab:blue")
    ax.set(xlabel="positive partners per gene (log)", ylabel="genes (log)",
           title=title or f"{len(pairs):,} labelled pairs")
    return ax


def overview(expr: pd.DataFrame, pairs: pd.DataFrame, title: str | None = None):
    """Two panels: :func:`expression_traces` and :func:`degree_distribution`; returns the Figure."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    expression_traces(expr, ax=axes[0])
    degree_distribution(pairs, ax=axes[1], title=title)
    fig.tight_layout()
    return fig


def roc_pr(scores: dict, labels: dict, methods=None, title_prefix: str = ""):
    """ROC and PR curves (class 1 = interaction), one row per test set; returns the Figure.

    scores : {test set: {method: (n, 2) probabilities}}; labels : {test set: (n,) 0/1 labels}.
    """
    tests = list(scores)
    fig, axes = plt.subplots(len(tests), 2, figsize=(11, 4.2 * len(tests)), squeeze=False)
    for row, test in zip(axes, tests):
        chosen = methods or list(scores[test])
        plots.roc_pr_curves({m: np.asarray(scores[test][m])[:, 1] for m in chosen}, labels[test], axes=row,
                            title=f"{title_prefix}{test}".strip())
    fig.tight_layout()
    return fig


def metric_bars(table: pd.DataFrame, metric: str = "auroc", paper: dict | None = None, title: str = "", ax=None):
    """Grouped bars of one metric per test split (x) and method (hue), chance at 0.5, and the paper's
    value of each method as a black diamond on its bar of the random split.

    table : long table with ``split``, ``method`` and ``metric`` columns.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.5))
    plots.grouped_bars(table, x="split", y=metric, hue="method", ax=ax, baseline=0.5, baseline_label="chance",
                       title=title)
    ax.set(ylim=(min(0.4, float(table[metric].min()) - 0.05), 1.0), ylabel=metric.upper(), xlabel="test split")
    if paper:
        hues, splits = list(dict.fromkeys(table["method"])), list(dict.fromkeys(table["split"]))
        if "random" in splits:
            col = splits.index("random")
            marked = [(ax.containers[hues.index(m)][col], v) for m, v in paper.items() if m in hues]
            for i, (bar, value) in enumerate(marked):
                ax.plot(bar.get_x() + bar.get_width() / 2, value, "D", color="black", ms=6,
                        label="paper (random split)" if i == 0 else None)
        ax.legend(frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    return ax


def survival_bars(survival: pd.DataFrame, ax=None, title: str = "AUROC before and after degree balancing"):
    """Per method, AUROC on the original and on the degree-balanced benchmark side by side.

    survival : table with ``method``, ``original``, ``degree-balanced`` (see
    :func:`genenets.summaries.gener.survival`).
    """
    long = survival.melt(id_vars="method", value_vars=["original", "degree-balanced"], var_name="benchmark",
                         value_name="auroc")
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.5))
    plots.grouped_bars(long, x="method", y="auroc", hue="benchmark", ax=ax, baseline=0.5, baseline_label="chance",
                       title=title)
    low = min(0.4, float(long["auroc"].min()) - 0.05)
    ax.set(ylim=(low, 1.0), ylabel="AUROC (random split)", xlabel="")
    ax.tick_params(axis="x", labelrotation=30)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return ax


def benchmarks_overview(table: pd.DataFrame, title: str = ""):
    """One label set at a glance: AUROC by test split on each benchmark (left, one row per benchmark)
    and each method's random-split AUROC before and after degree balancing (right); returns the Figure.

    table : long table with ``benchmark``, ``split``, ``method``, ``auroc`` (one label set).
    """
    from ..summaries.gener import survival

    benchmarks = list(dict.fromkeys(table["benchmark"]))
    fig = plt.figure(figsize=(16, 4.2 * len(benchmarks)))
    grid = fig.add_gridspec(len(benchmarks), 2, width_ratios=[3, 2])
    for i, bm in enumerate(benchmarks):
        metric_bars(table[table["benchmark"] == bm], title=f"{title}{bm} benchmark: AUROC by test split",
                    ax=fig.add_subplot(grid[i, 0]))
    if {"original", "degree-balanced"} <= set(benchmarks):
        survival_bars(survival(table), ax=fig.add_subplot(grid[:, 1]),
                      title=f"{title}random split, before and after balancing")
    fig.tight_layout()
    return fig
