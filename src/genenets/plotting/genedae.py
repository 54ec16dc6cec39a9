"""Figures of the GeneDAE notebooks (01, 02). Each function gets the data it draws and takes ``ax=``
(single panel, returns the Figure) or returns a Figure (multi-panel)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import plots


def _ax(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def snps_per_gene(counts: pd.Series, ax=None, title: str = ""):
    """Fig. 2: histogram of variants per gene.

    Parameters
    ----------
    counts : Series gene -> number of variants (``VariantGeneGraph.snps_per_gene``)
    """
    ax = _ax(ax, (6, 4))
    counts = pd.Series(counts)
    bins = np.arange(0, counts.max() + 10, max(1, int(np.ceil(counts.max() / 40))))
    ax.hist(counts, bins=bins, color="tab:blue", edgecolor="white")
    ax.set(xlabel="variants per gene", ylabel="number of genes",
           title=title or f"{len(counts)} genes (median {int(counts.median())} variants per gene)")
    top = counts.sort_values(ascending=False).head(3)
    ax.text(0.97, 0.95, "most variants:\n" + "\n".join(f"{name}: {int(v)}" for name, v in top.items()),
            transform=ax.transAxes, ha="right", va="top", fontsize=8,
            bbox=dict(boxstyle="round", facecolor="white", edgecolor="lightgrey"))
    return ax.figure


def categories(table: pd.DataFrame, ax=None, title: str = "Variant categories (ANNOVAR-style)"):
    """Number of variants per annotation category (``annotation.category_table``)."""
    ax = _ax(ax, (6, 3.8))
    c = table[table["n_variants"] > 0]
    ax.barh(c["category"], c["n_variants"], color="tab:blue")
    ax.invert_yaxis()
    for y, v in enumerate(c["n_variants"]):
        ax.text(v, y, f" {v}", va="center", fontsize=8)
    ax.set(xlabel="variants", title=title)
    ax.set_xlim(0, c["n_variants"].max() * 1.18)
    return ax.figure


def graph_overview(table: pd.DataFrame, counts: pd.Series):
    """Two panels: variant categories and Fig. 2 (variants per gene)."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    categories(table, ax=axes[0])
    snps_per_gene(counts, ax=axes[1], title=f"Fig. 2: variants per gene\n{len(counts)} genes, median "
                                            f"{int(pd.Series(counts).median())}")
    fig.tight_layout()
    return fig


def loss(histories: dict, title: str = "GeneDAE reconstruction loss", ax=None):
    """Fig. 1: train (solid) and validation (dashed) BCE per epoch, log scale; ``histories`` name -> frame."""
    ax = plots.loss_curves(histories, ax=ax, log=True, title=title)
    ax.set_ylabel("binary cross entropy (log scale)")
    return ax.figure


def subgraph_losses(histories: dict, ncols: int = 3, title: str = ""):
    """Fig. 3: one panel per gene / gene set trained on its own subgraph (train and validation BCE)."""
    n = len(histories)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows), squeeze=False)
    for ax, (name, h) in zip(axes.ravel(), histories.items()):
        ax.plot(h["epoch"], h["train_loss"], label="train")
        if "val_loss" in h:
            ax.plot(h["epoch"], h["val_loss"], ls="--", label="validation")
        ax.set_yscale("log")
        ax.set(title=name, xlabel="epoch", ylabel="BCE (log)")
        ax.title.set_fontsize(9)
        ax.legend(frameon=False, fontsize=8)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, y=1.02)
    fig.tight_layout()
    return fig


def embeddings(E: np.ndarray, names, recon: pd.DataFrame, top: int = 25, title: str = ""):
    """Embeddings of the most variable genes (samples x genes heatmap, z-scored) beside the per-gene
    reconstruction accuracy (``recon``: columns gene, accuracy)."""
    var = E.var(axis=0)
    order = np.argsort(-var)[:top]
    Z = E[:, order]
    Z = (Z - Z.mean(0)) / np.where(Z.std(0) > 0, Z.std(0), 1)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [2, 1]})
    im = a1.imshow(Z.T, aspect="auto", cmap="RdBu_r", vmin=-3, vmax=3, interpolation="nearest")
    a1.set_yticks(range(len(order)), [names[i] for i in order], fontsize=7)
    a1.set(xlabel="sample", title=title or f"Gene embeddings ({len(order)} most variable genes, z-scored)")
    a1.grid(False)
    fig.colorbar(im, ax=a1, label="z-score", shrink=0.8)
    a2.hist(recon["accuracy"], bins=20, color="tab:green", edgecolor="white")
    a2.set(xlabel="per-gene reconstruction accuracy", ylabel="genes",
           title=f"Reconstruction, all {len(E)} samples\n(median gene {recon['accuracy'].median():.3f})")
    fig.tight_layout()
    return fig


def auc_bars(t2: pd.DataFrame, title: str = "Disease prediction: test AUC (mean ± SE over trials)", ax=None):
    """Table 2 as bars: ``t2`` has disease, features, auc_mean, auc_se."""
    ax = plots.grouped_bars(t2, x="disease", y="auc_mean", hue="features", err="auc_se", title=title, ax=ax,
                            baseline=0.5, baseline_label="random")
    lo = max(0.0, min(0.45, float(np.nanmin(t2["auc_mean"] - t2["auc_se"].fillna(0))) - 0.05))
    ax.set(ylabel="test ROC AUC", xlabel="", ylim=(lo, 1.0))
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax.figure


def pvalue_heatmap(tests: pd.DataFrame, top: int = 5, ax=None, title: str = "", planted: dict | None = None):
    """Fig. 4: -log10 p of the union of each disease's ``top`` genes across diseases.

    ``planted`` (simulated data: disease -> genes) labels each planted gene with the diseases it was
    planted in, so the reader sees which associations are true and which are LD neighbours.
    """
    genes = list(dict.fromkeys(g for _, t in tests.groupby("disease", sort=False)
                               for g in t.sort_values("p")["gene"].head(top)))
    wide = tests.pivot(index="gene", columns="disease", values="p").loc[genes, list(dict.fromkeys(tests["disease"]))]
    logp = -np.log10(wide.astype(float).clip(lower=1e-300))
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 * logp.shape[1] + 3, 0.35 * len(genes) + 1.5))
    if planted:
        where = {g: [d for d, gs in planted.items() if g in gs] for g in logp.index}
        logp.index = [f"{g} [planted: {','.join(where[g])}]" if where[g] else g for g in logp.index]
    plots.heatmap(logp, ax=ax, title=title or "Gene-disease associations", cbar_label="-log10 p", fmt=".1f")
    ax.set(xlabel="", ylabel="")
    return ax.figure


def recovery(rec: pd.DataFrame, ax=None, title: str = "Planted genes found at Bonferroni (recall)"):
    """Recall of the planted genes per disease and method (``rec``: disease, method, recall)."""
    ax = plots.grouped_bars(rec.fillna({"recall": 0.0}), x="disease", y="recall", hue="method", ax=ax, title=title)
    ax.set(ylabel="recall of planted genes", xlabel="", ylim=(0, 1.05))
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax.figure


def planted_ranks(ranks: pd.DataFrame, ax=None, title: str = "Rank of each planted gene (1 = most significant)"):
    """Strip plot of the rank of every planted gene per method (``ranks``: method, disease, gene, rank)."""
    ax = _ax(ax, (7, 4))
    methods = list(dict.fromkeys(ranks["method"]))
    diseases = list(dict.fromkeys(ranks["disease"]))
    colours = dict(zip(diseases, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    rng = np.random.default_rng(0)
    for i, m in enumerate(methods):
        for d in diseases:
            r = ranks[(ranks["method"] == m) & (ranks["disease"] == d)]["rank"].to_numpy(float)
            ax.scatter(i + rng.uniform(-0.25, 0.25, len(r)), r, s=18, color=colours[d], alpha=0.8,
                       label=d if i == 0 else None)
    ax.set_yscale("log")
    ax.invert_yaxis()
    ax.set_xticks(range(len(methods)), methods, rotation=20, ha="right")
    ax.set(ylabel="rank among genes (log)", title=title)
    ax.legend(frameon=False, fontsize=8, title="disease", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax.figure


def embedding_agreement(table: pd.DataFrame, ax=None, title: str = "G4: gene trained alone vs in the full model"):
    """|Pearson r| across people between a gene's embedding trained alone (or in its gene set) and the
    full model's, beside the seed-to-seed reference (``table``: unit, abs_r_vs_full, abs_r_seed_to_seed)."""
    ax = _ax(ax, (7, 0.45 * len(table) + 1.8))
    y = np.arange(len(table))
    ax.barh(y - 0.2, table["abs_r_vs_full"], height=0.4, label="alone vs full model", color="tab:blue")
    if "abs_r_seed_to_seed" in table:
        ax.barh(y + 0.2, table["abs_r_seed_to_seed"], height=0.4, label="alone, seed vs seed", color="tab:grey")
    ax.set_yticks(y, table["unit"], fontsize=8)
    ax.invert_yaxis()
    ax.set(xlim=(0, 1.05), xlabel="|Pearson r| across people", title=title)
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)  # below: no bar hidden
    return ax.figure
