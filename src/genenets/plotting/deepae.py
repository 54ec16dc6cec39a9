"""Figures of the deep-autoencoder paper (notebooks 03-06; Dwivedi et al., Nat Commun 2020).

Each function gets the tables it draws (from :mod:`genenets.tools.deepae`) and returns a Figure
(multi-panel) or draws on a given ``ax``.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def plot_reconstruction(table: pd.DataFrame, laws: dict | None = None, mean_error: dict | None = None):
    """Fig. 1-style panels: 1 - R^2 vs width (log2) for global and gene-wise error, train (dashed) and
    validation (solid), per model; optional power-law curves ``{model: {"a", "b"}}`` (validation) and the
    validation error of the gene-mean predictor ``mean_error`` (from :func:`mean_predictor_error`)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=False)
    colours = {"SAE": "tab:blue", "deepAE": "tab:red", "PCA": "tab:grey"}
    for ax, measure in zip(axes, ("global", "genewise")):
        for (model, split), sub in table.groupby(["model", "split"]):
            sub = sub.sort_values("width")
            ax.plot(sub["width"], sub[measure], marker="o", color=colours.get(model), ls="-" if split == "validation"
                    else "--", label=f"{model} {split}")
        for model, law in (laws if measure == "global" else {}).items() if laws else ():  # fitted on global error
            w = np.geomspace(table["width"].min(), table["width"].max(), 50)
            ax.plot(w, law["a"] * w ** (-law["b"]), color=colours.get(model), ls=":", lw=1,
                    label=f"{model} power law (b={law['b']:.2f})")
        if mean_error is not None:
            ax.axhline(mean_error[measure], color="black", lw=0.8, ls="-.",
                       label="gene means (learned nothing)" if measure == "global" else None)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set(xlabel="hidden nodes per layer", ylabel=f"1 - R² ({measure})",
               title=f"Reconstruction error, {'global variance' if measure == 'global' else 'gene-wise variance'}")
    handles, names = axes[0].get_legend_handles_labels()  # the power-law labels sit on the first panel
    axes[1].legend(handles, names, frameon=False, fontsize=8, bbox_to_anchor=(1.02, 1), loc="upper left")
    fig.tight_layout()
    return fig


def plot_clustering(embeddings: dict, labels, table: pd.DataFrame, grouping: str):
    """Top: the 2-PC embedding of each method coloured by group; bottom: silhouette per group."""
    labels = np.asarray(labels, dtype=str)
    groups = sorted(set(labels))
    palette = dict(zip(groups, plt.get_cmap("tab10" if len(groups) <= 10 else "tab20").colors))
    n = len(embeddings)
    fig = plt.figure(figsize=(3.3 * n, 7.2))
    grid = fig.add_gridspec(2, n, height_ratios=[1, 1.1])
    for i, (method, emb) in enumerate(embeddings.items()):
        ax = fig.add_subplot(grid[0, i])
        for g in groups:
            m = labels == g
            ax.scatter(emb[m, 0], emb[m, 1], s=4, alpha=0.6, color=palette[g], label=g, rasterized=True)
        ax.set(title=method, xticks=[], yticks=[], xlabel="PC1", ylabel="PC2")
    ax.legend(frameon=False, fontsize=7, markerscale=3, bbox_to_anchor=(1.02, 1), loc="upper left")
    ax = fig.add_subplot(grid[1, :])
    sub = table[table["grouping"] == grouping].pivot(index="group", columns="method", values="silhouette")
    sub = sub[list(embeddings)]
    sub.plot.bar(ax=ax, width=0.8)
    ax.axhline(0, color="black", lw=0.8)
    ax.set(ylabel="mean silhouette (2 PCs)", xlabel="", title=f"Silhouette per {grouping}")
    ax.tick_params(axis="x", labelrotation=30)
    plt.setp(ax.get_xticklabels(), ha="right", fontsize=8)
    ax.legend(frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


def plot_lightup(per_node: pd.DataFrame, null: pd.DataFrame):
    """Fig. 4-style: distance (left) and betweenness (right) of lit gene sets vs k, per layer, with the
    random sets' median and 5-95 % band."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, col, better in zip(axes, ("distance", "betweenness"),
                               ("lower = closer in the interactome", "higher = more central")):
        q = null.groupby("k")[col].quantile([0.05, 0.5, 0.95]).unstack()
        ax.fill_between(q.index, q[0.05], q[0.95], color="grey", alpha=0.25, label="random sets 5-95 %")
        ax.plot(q.index, q[0.5], color="grey", ls="--", label="random sets median")
        for layer, sub in per_node.groupby("layer", sort=False):
            m = sub.groupby("k")[col].median()
            ax.plot(m.index, m.values, marker="o", label=f"{layer} nodes median")
        ax.set_xscale("log", base=2)
        ax.set(xlabel="top-k lit genes", ylabel=("harmonic-mean shortest path" if col == "distance"
                                                 else "mean betweenness centrality"),
               title=f"Lit gene sets: {col}\n({better})")
    axes[1].legend(frameon=False, fontsize=8, bbox_to_anchor=(1.02, 1), loc="upper left")
    fig.tight_layout()
    return fig


def plot_enrichment(table: pd.DataFrame):
    """-log10 enrichment p per disease and method (left) and planted-gene recall (right, if present)."""
    has_recall = "recall_planted" in table
    fig, axes = plt.subplots(1, 2 if has_recall else 1, figsize=(12 if has_recall else 7, 4.5), squeeze=False)
    t = table.assign(neglog10p=-np.log10(table["p"].clip(lower=1e-300)))
    t.pivot(index="disease", columns="method", values="neglog10p").plot.barh(ax=axes[0, 0], width=0.8, legend=False)
    axes[0, 0].axvline(-np.log10(0.05), color="grey", ls=":")
    axes[0, 0].set(xlabel="-log10 p (Fisher, top N vs reference)", ylabel="", title="GWAS enrichment")
    if has_recall:
        t.pivot(index="disease", columns="method", values="recall_planted").plot.barh(ax=axes[0, 1], width=0.8)
        axes[0, 1].set(xlabel="recall of planted genes in top N", ylabel="", title="Planted genes found",
                       yticklabels=[])
        axes[0, 1].legend(frameon=False, fontsize=8, bbox_to_anchor=(1.02, 1), loc="upper left")
    else:
        axes[0, 0].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def overview_figure(es, label: str = "cell_type", n_genes_shown: int = 50):
    """Small overview: samples per label (left) and log2(1 + x) of the most variable genes (right)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    es.labels[label].value_counts().plot.barh(ax=axes[0], color="tab:blue")
    axes[0].set(xlabel="samples", ylabel="", title=f"{es.name}: {es.shape[0]} samples x {es.shape[1]} genes")
    v = np.log2(1 + es.values.clip(lower=0))
    top = v.var().sort_values(ascending=False).index[:n_genes_shown]
    axes[1].imshow(v[top].to_numpy().T, aspect="auto", cmap="viridis", interpolation="nearest")
    axes[1].set(xlabel="samples", ylabel=f"top {n_genes_shown} variable genes", title="log2(1 + x)", yticks=[])
    fig.tight_layout()
    return fig


def plot_recall_curves(curve: pd.DataFrame):
    """Planted-gene recall (left) and validation loss (right) of each autoencoder kind along training (epochs, log2),
    from :func:`genenets.tools.deepae.recall_curves`."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    colours = {"SAE": "tab:blue", "deepAE": "tab:red"}
    for kind, sub in curve.groupby("kind", sort=False):
        sub = sub.sort_values("epochs")
        axes[0].plot(sub["epochs"], sub["recall"], marker="o", color=colours.get(kind), label=kind)
        axes[1].plot(sub["epochs"], sub["val_loss"], marker="o", color=colours.get(kind), label=kind)
    for ax, ylabel, title in zip(axes, ("mean recall of planted genes in top N", "validation MSE"),
                                 ("Reverse-training recall along training", "Reconstruction loss along training")):
        ax.set_xscale("log", base=2)
        ax.set(xlabel="autoencoder training epochs", ylabel=ylabel, title=title)
    axes[0].set_ylim(0, 1.02)
    axes[0].legend(frameon=False)
    fig.tight_layout()
    return fig
