"""Notebook 00's figures: what each dataset's main matrix looks like."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def matrix_panel(matrix: pd.DataFrame, ax=None, title: str = "", max_rows: int = 60, max_cols: int = 60):
    """Heatmap of the first ``max_rows`` x ``max_cols`` block of ``matrix`` (rows x columns), z-scored by column."""
    ax = ax or plt.gca()
    block = matrix.iloc[:max_rows, :max_cols].astype(float)
    z = (block - block.mean()) / block.std(ddof=0).replace(0, 1)
    im = ax.imshow(np.clip(z.to_numpy(), -3, 3), aspect="auto", cmap="RdBu_r", vmin=-3, vmax=3,
                   interpolation="nearest")
    ax.set(xlabel=f"columns (first {block.shape[1]} of {matrix.shape[1]})",
           ylabel=f"rows (first {block.shape[0]} of {matrix.shape[0]})", title=title)
    ax.grid(False)
    plt.colorbar(im, ax=ax, label="z-score")
    return ax


def value_hist(matrix: pd.DataFrame, ax=None, title: str = ""):
    """Histogram of every value of ``matrix``, with the share of zeros in the legend."""
    ax = ax or plt.gca()
    values = matrix.to_numpy(dtype=float).ravel()
    values = values[np.isfinite(values)]
    lo, hi = np.percentile(values, [0.5, 99.5]) if values.size else (0, 1)
    ax.hist(np.clip(values, lo, hi), bins=60, color="tab:blue")
    ax.set(xlabel="value (0.5-99.5 percentile range; the tails piled at the ends)", ylabel="count", title=title)
    ax.legend([f"{values.size:,} values, {np.mean(values == 0):.0%} zeros"], loc="upper right", frameon=False)
    return ax


def dataset_figure(name: str, matrix: pd.DataFrame, kind: str = ""):
    """Two panels for a dataset: a block of its main matrix and the distribution of its values."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    matrix_panel(matrix, ax=axes[0], title=f"{name} ({kind}): main matrix {matrix.shape[0]} x {matrix.shape[1]}")
    value_hist(matrix, ax=axes[1], title="values")
    fig.tight_layout()
    return fig


def registry_sizes(registry: pd.DataFrame, ax=None):
    """Bar chart of the registry's megabytes per source (``registry``: columns source, MB)."""
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.5))
    registry.groupby("source")["MB"].sum().sort_values().plot.barh(ax=ax, color="tab:blue")
    ax.set(xlabel="size on disk (MB)", ylabel="", title=f"{len(registry)} registry files by source")
    return fig if fig is not None else ax.figure
