"""Figures shared by the notebooks (seaborn/matplotlib). Paper-specific figures live in
``genenets.tools.<paper>``; everything here takes an ``ax`` or returns a ``(fig, ax)``."""
from __future__ import annotations

# No backend is forced here: in a notebook (Jupyter or papermill) the inline backend embeds every figure in
# the executed notebook; scripts and tests without a display fall back to Agg (the tests set MPLBACKEND).
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from sklearn import metrics as skm


def set_style():
    """One readable style for every figure: white grid, 10 pt text, colour-blind palette."""
    sns.set_theme(context="paper", style="whitegrid", palette="colorblind", font_scale=1.2)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 300, "axes.titlesize": 12, "axes.labelsize": 11,
                         "legend.fontsize": 9, "figure.autolayout": False})


def loss_curves(histories: dict[str, pd.DataFrame], ax=None, log: bool = True, title: str = "Training loss"):
    """Train (solid) and validation (dashed) loss per epoch for each named history frame
    (columns ``epoch``, ``train_loss``, optional ``val_loss``)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    palette = sns.color_palette("colorblind", len(histories))
    for colour, (name, h) in zip(palette, histories.items()):
        ax.plot(h["epoch"], h["train_loss"], color=colour, label=f"{name} train")
        if "val_loss" in h:
            ax.plot(h["epoch"], h["val_loss"], color=colour, ls="--", label=f"{name} validation")
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="loss" + (" (log scale)" if log else ""), title=title)
    ax.legend(frameon=False)
    return ax


def roc_pr_curves(scores: dict[str, np.ndarray], y_true: np.ndarray, axes=None, title: str = ""):
    """ROC (left) and precision-recall (right) curves of several scorers on the same labels, with
    the AUC of each in the legend and the random baseline drawn."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    y_true = np.asarray(y_true)
    for name, s in scores.items():
        fpr, tpr, _ = skm.roc_curve(y_true, s)
        prec, rec, _ = skm.precision_recall_curve(y_true, s)
        axes[0].plot(fpr, tpr, label=f"{name} ({skm.roc_auc_score(y_true, s):.3f})")
        axes[1].plot(rec, prec, label=f"{name} ({skm.average_precision_score(y_true, s):.3f})")
    axes[0].plot([0, 1], [0, 1], color="grey", ls=":", label="random (0.5)")
    axes[1].axhline(y_true.mean(), color="grey", ls=":", label=f"random ({y_true.mean():.3f})")
    axes[0].set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC {title}".strip())
    axes[1].set(xlabel="recall", ylabel="precision", title=f"Precision-recall {title}".strip())
    for ax in axes:
        ax.legend(frameon=False, fontsize=8, loc="best")
    return axes


def heatmap(df: pd.DataFrame, ax=None, title: str = "", cbar_label: str = "", **kwargs):
    """Annotated heatmap of a small table (rows x columns)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4, 0.6 * df.shape[1] + 2), max(3, 0.35 * df.shape[0] + 1.5)))
    kwargs.setdefault("annot", df.size <= 200)
    kwargs.setdefault("fmt", ".2f")
    kwargs.setdefault("cmap", "viridis")
    sns.heatmap(df, ax=ax, cbar_kws={"label": cbar_label}, **kwargs)
    ax.set_title(title)
    return ax


def grouped_bars(df: pd.DataFrame, x: str, y: str, hue: str, ax=None, err: str | None = None, title: str = "",
                 baseline: float | None = None, baseline_label: str = "random"):
    """Bar chart of ``y`` by ``x`` and ``hue`` from a long table; optional error column and baseline line."""
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6, 0.9 * df[x].nunique() * max(1, df[hue].nunique()) / 2), 4.5))
    sns.barplot(data=df, x=x, y=y, hue=hue, ax=ax, errorbar=None)
    if err is not None:
        # error bars at each bar's centre, in seaborn's drawing order (hue-major)
        hues, xs = list(dict.fromkeys(df[hue])), list(dict.fromkeys(df[x]))
        for container, h in zip(ax.containers, hues):
            sub = df[df[hue] == h].set_index(x)
            centres = [bar.get_x() + bar.get_width() / 2 for bar in container]
            vals = [sub.loc[xx, y] if xx in sub.index else np.nan for xx in xs]
            errs = [sub.loc[xx, err] if xx in sub.index else np.nan for xx in xs]
            ax.errorbar(centres, vals, yerr=errs, fmt="none", ecolor="black", capsize=2, lw=1)
    if baseline is not None:
        ax.axhline(baseline, color="grey", ls=":", label=baseline_label)
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    return ax
