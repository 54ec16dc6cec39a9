"""Figures of the multi-omics gene-ranking notebook (09). Each function gets the data it draws and
either takes ``ax=`` (one panel) or returns a Figure (several panels); nothing is computed here
beyond arranging the numbers it is given (the computations are in :mod:`genenets.tools.multiomics`)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns


def _ax(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def qc_figure(prep, meta: pd.DataFrame, colour_by: str | None = None):
    """2 x 2 QC panels of a stage-1 ``Prepared``: per-sample distributions of log expression and of
    log metabolite intensity, the sample-sample Pearson correlation heatmap, and the PCA of samples
    (``meta`` from :func:`genenets.tools.multiomics.sample_metadata`). Returns the Figure."""
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    n = len(prep.genes)
    show_names = n <= 40
    for ax, df, what in ((axes[0, 0], prep.gene_log, "log expression"),
                         (axes[0, 1], prep.metabolite_log, "log2 normalized intensity")):
        ax.boxplot(df.to_numpy().T, showfliers=False)
        ax.set(title=f"{what} per sample", xlabel="sample", ylabel=what)
        ax.set_xticks(np.arange(1, n + 1), df.index if show_names else [""] * n, rotation=90, fontsize=6)
    corr = np.corrcoef(np.hstack([prep.genes.to_numpy(), prep.metabolites.to_numpy()]))
    sns.heatmap(pd.DataFrame(corr, index=prep.genes.index, columns=prep.genes.index), ax=axes[1, 0],
                cmap="vlag", center=0, xticklabels=show_names, yticklabels=show_names,
                cbar_kws={"label": "Pearson r"})
    axes[1, 0].tick_params(labelsize=6)
    axes[1, 0].set_title("sample correlation (z-scored genes + metabolites)")
    hue = colour_by if colour_by in meta.columns else None
    sns.scatterplot(data=meta, x="PC1", y="PC2", hue=hue, ax=axes[1, 1], s=40)
    axes[1, 1].set_title("PCA of samples")
    if hue:
        axes[1, 1].legend(title=hue, frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


def embedding_figure(embeddings: dict, labels: pd.DataFrame):
    """One row per label column, one column per embedding (``{method: array (n_samples, 2)}``),
    points coloured by label. Returns the Figure."""
    tasks = list(labels.columns) or [None]
    fig, axes = plt.subplots(len(tasks), len(embeddings), figsize=(4.2 * len(embeddings), 3.8 * len(tasks)),
                             squeeze=False)
    for i, task in enumerate(tasks):
        for j, (method, E) in enumerate(embeddings.items()):
            ax = axes[i, j]
            hue = None if task is None else labels[task].astype(str).values
            sns.scatterplot(x=E[:, 0], y=E[:, 1], hue=hue, hue_order=None if hue is None else sorted(set(hue)),
                            ax=ax, s=35, legend=(j == len(embeddings) - 1))
            ax.set(title=f"{method}" + (f" - {task}" if task else ""), xlabel=f"{method} 1", ylabel=f"{method} 2")
            ax.set_xticks([]), ax.set_yticks([])
            if j == len(embeddings) - 1 and task is not None:
                ax.legend(title=task, frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


def correlation_heatmap(rho: pd.DataFrame, q: pd.DataFrame, n_genes: int = 30, n_metabolites: int = 25,
                        alpha: float = 0.05, ax=None):
    """Heatmap of the strongest gene-metabolite Spearman correlations (top genes and metabolites by
    max |rho|); cells with BH q < ``alpha`` marked with a dot. ``rho``, ``q`` : (n_genes, n_metabolites)."""
    g = rho.abs().max(axis=1).nlargest(n_genes).index
    m = rho.loc[g].abs().max(axis=0).nlargest(n_metabolites).index
    sub, sig = rho.loc[g, m], q.loc[g, m] < alpha
    ax = _ax(ax, (0.3 * len(m) + 3, 0.25 * len(g) + 2))
    sns.heatmap(sub, cmap="vlag", center=0, vmin=-1, vmax=1, ax=ax, cbar_kws={"label": "Spearman rho"},
                xticklabels=True, yticklabels=True)
    yy, xx = np.nonzero(sig.to_numpy())
    ax.scatter(xx + 0.5, yy + 0.5, s=4, color="black", label=f"BH q < {alpha}")
    ax.tick_params(labelsize=7)
    ax.set(title=f"Top {len(g)} genes x {len(m)} metabolites by |Spearman rho|", xlabel="metabolite", ylabel="gene")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(0, -0.12))
    ax.figure.tight_layout()
    return ax


def ranking_figure(ranked: pd.DataFrame, weights: dict, n_top: int = 25, truth=None, ax=None):
    """Stacked bars of each evidence's weighted contribution (``weight x <evidence>_rank``) to the
    fused score of the ``n_top`` first genes of ``ranked`` (:func:`genenets.ranking.fuse`); planted
    genes (``truth``: their names) marked with a star."""
    top = ranked.head(n_top)
    contrib = pd.DataFrame({k: w * top[f"{k}_rank"] for k, w in weights.items()}, index=top.index)
    ax = _ax(ax, (8, 0.28 * len(top) + 1.5))
    contrib.iloc[::-1].plot.barh(stacked=True, ax=ax, width=0.8)
    planted = set(truth) if truth is not None else set()
    labels = [f"{g} *" if g in planted else g for g in top.index[::-1]]
    ax.set_yticks(range(len(top)), labels, fontsize=7)
    ax.set(xlabel="fused score (weighted rank-normalized evidence)", ylabel="",
           title=f"Top {len(top)} genes" + (" (* = planted pathway gene)" if truth is not None else ""))
    ax.legend(frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.figure.tight_layout()
    return ax


def precision_figure(table: pd.DataFrame, k: int, random: float | None = None, ax=None,
                     metric: str = "precision", n_samples: int | None = None):
    """``metric`` (precision or recall) at ``k`` per evidence over replicates: mean bar with a 95%
    bootstrap interval and one dot per replicate; a random ranking's expected value (``random``) as
    a dotted line. ``table`` : rows (seed, evidence, k, precision[, recall]); ``n_samples`` (the
    replicates' sample count) goes into the title."""
    sub = table[table["k"] == k]
    order = sub.groupby("evidence")[metric].mean().sort_values(ascending=False).index
    ax = _ax(ax, (8, 4))
    sns.barplot(data=sub, x="evidence", y=metric, order=order, ax=ax, errorbar=("ci", 95), color="tab:blue",
                alpha=0.6, seed=0)
    sns.stripplot(data=sub, x="evidence", y=metric, order=order, ax=ax, color="black", size=3, jitter=0.2)
    if random is not None:
        ax.axhline(random, color="grey", ls=":", label=f"random ranking ({random:.3f})")
        ax.legend(frameon=False, fontsize=8, loc="upper right")
    ax.set(ylabel=f"{metric}@{k} of planted genes", xlabel="", ylim=(0, 1.05),
           title=f"Planted-gene recovery over {sub['seed'].nunique()} simulated data sets"
                 + (f" of {n_samples} samples" if n_samples else "") + " (bars: 95% CI)")
    ax.tick_params(axis="x", rotation=30)
    ax.figure.tight_layout()
    return ax


def overview_figure(pcs: dict, labels: pd.DataFrame, name: str = ""):
    """PCA of samples from the genes and from the metabolites (``pcs``: ``{"genes (120)": array (n, 2),
    ...}`` from :func:`genenets.tools.multiomics.overview_pcs`), coloured by the first label column.
    Returns the Figure."""
    hue = labels.iloc[:, 0].astype(str).values if labels.shape[1] else None
    fig, axes = plt.subplots(1, len(pcs), figsize=(5 * len(pcs), 4), squeeze=False)
    axes = axes[0]
    for ax, (what, P) in zip(axes, pcs.items()):
        sns.scatterplot(x=P[:, 0], y=P[:, 1], hue=hue, ax=ax, s=40, legend=ax is axes[-1])
        ax.set(title=f"{name}: PCA of samples ({what})", xlabel="PC1", ylabel="PC2")
    if hue is not None:
        axes[-1].legend(title=labels.columns[0], frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1),
                        loc="upper left")
    fig.tight_layout()
    return fig


def heldout_loss_figure(losses: pd.DataFrame, ax=None):
    """Held-out reconstruction loss per model (autoencoder, PCA at the same latent size, training
    mean) and omics: one dot per fold, bars at the mean. ``losses`` : rows (omics, model, fold, loss)."""
    ax = _ax(ax, (7, 4))
    sns.barplot(data=losses, x="omics", y="loss", hue="model", ax=ax, errorbar=None, alpha=0.6)
    sns.stripplot(data=losses, x="omics", y="loss", hue="model", dodge=True, ax=ax, palette="dark:black", size=3,
                  legend=False)
    ax.set(ylabel="held-out MSE (z-scored features)", xlabel="",
           title="Held-out reconstruction: autoencoder vs PCA vs training mean")
    ax.legend(frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.figure.tight_layout()
    return ax


def classifier_figure(acc: pd.DataFrame, ax=None):
    """Held-out accuracy per task and method, faceted by the features the classifiers saw.
    ``acc`` : rows (task, features, method, accuracy)."""
    ax = _ax(ax, (8, 4))
    d = acc.assign(group=acc["task"] + "\n" + acc["features"])
    sns.barplot(data=d, x="group", y="accuracy", hue="method", ax=ax, errorbar=None)
    ax.set(xlabel="task / features", ylabel="held-out accuracy", ylim=(0, 1.05),
           title="Held-out accuracy: GAT vs logistic regression vs majority")
    ax.legend(frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.figure.tight_layout()
    return ax
