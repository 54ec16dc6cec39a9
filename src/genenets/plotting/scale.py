"""Figures of the genome-wide GeneDAE (``genenets.tools.scale``)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def overview_figure(per_chromosome: pd.DataFrame, snps_per_gene: pd.Series, title: str = ""):
    """Genome-wide graph at a glance: variants and genes per chromosome, and variants per gene.

    Parameters
    ----------
    per_chromosome : DataFrame indexed by chromosome with columns ``variants`` and ``genes``
        (``genenets.tools.scale.overview_counts``)
    snps_per_gene : Series gene -> number of variants
    title : str

    Returns
    -------
    Figure with the per-chromosome bars (variants left axis, genes right axis) and the histogram.
    """
    order = list(per_chromosome.index)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [2, 1]})
    x = np.arange(len(order))
    ax1.bar(x - 0.2, per_chromosome["variants"].to_numpy(), width=0.4, label="variants in the graph",
            color="tab:blue")
    ax1b = ax1.twinx()
    ax1b.bar(x + 0.2, per_chromosome["genes"].to_numpy(), width=0.4, label="genes", color="tab:orange")
    ax1.set_xticks(x, order, fontsize=8)
    ax1.set(xlabel="chromosome", ylabel="variants")
    ax1b.set_ylabel("genes")
    handles = ax1.get_legend_handles_labels()[0] + ax1b.get_legend_handles_labels()[0]
    ax1.legend(handles, ["variants in the graph", "genes"], loc="upper right", fontsize=8)
    counts = snps_per_gene
    ax2.hist(counts, bins=np.unique(np.geomspace(1, counts.max() + 1, 30).astype(int)), color="tab:blue",
             edgecolor="white")
    ax2.set(xscale="log", yscale="log", xlabel="variants per gene", ylabel="genes",
            title=f"variants per gene (median {int(counts.median())})")
    fig.suptitle(title or f"Genome-wide variant-gene graph: {int(per_chromosome['variants'].sum()):,} variants, "
                          f"{len(counts):,} genes")
    fig.tight_layout()
    return fig
