"""Figures of the DREAM4 gene-regulatory-network paper (notebook 08).

Each function gets the data it draws (tables from :mod:`genenets.tools.grn`) and either takes an
``ax=`` (single panel; a new figure when None) or returns a Figure (multi-panel figures).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

PROTOCOL_TITLES = {"leave_one_network_out": "(b) leave one network out (all pairs of the held-out network)",
                   "random_split": "(a) random split of pairs within networks (test pairs)"}


def timecourses(network, ax=None, n_genes: int = 5):
    """The time courses of a network's ``n_genes`` best-connected genes in its first series (the
    perturbation is on during the first half). ``network``: ``genes``, ``timeseries`` (n_series,
    n_times, n_genes), ``times`` (optional) and ``adjacency()`` (n_genes, n_genes). Returns the ax."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    adj = np.asarray(network.adjacency())
    ts = np.asarray(network.timeseries, dtype=float)
    times = np.asarray(getattr(network, "times", None) if getattr(network, "times", None) is not None
                       else np.arange(ts.shape[1]))
    degree = adj.sum(1) + adj.sum(0)
    for g in np.argsort(degree)[::-1][:n_genes]:
        ax.plot(times, ts[0, :, g], marker="o", ms=3, label=f"{network.genes[g]} (degree {degree[g]})")
    ax.axvspan(times[0], times[len(times) // 2], color="grey", alpha=0.15, label="perturbation on")
    ax.set(xlabel="time", ylabel="expression", title=f"{network.name}: series 1, best-connected genes")
    ax.legend(frameon=False, fontsize=7, bbox_to_anchor=(1.01, 1), loc="upper left")
    return ax


def feature_distributions(features: pd.DataFrame):
    """Fig. 2 equivalent: densities of correlation, time-lagged correlation and mutual information for
    regulatory (label 1) and other (label 0) pairs. ``features``: :func:`genenets.tools.grn.pair_feature_table`
    rows (columns ``network``, ``label``, ``correlation``, ``lagged_correlation``, ``mutual_information``).
    Returns the Figure (3 panels)."""
    cols = [("correlation", "Pearson correlation"), ("lagged_correlation", "time-lagged correlation (lag 1)"),
            ("mutual_information", "mutual information (nats)")]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    data = features.assign(pair=np.where(features["label"] == 1, "regulatory", "non-regulatory"))
    for ax, (col, label) in zip(axes, cols):
        sns.histplot(data=data, x=col, hue="pair", hue_order=["non-regulatory", "regulatory"], stat="density",
                     common_norm=False, element="step", bins=40, ax=ax)
        ax.set(xlabel=label, ylabel="density")
        if ax is not axes[-1] and ax.get_legend() is not None:
            ax.get_legend().remove()
    n_pos, n_all = int(features["label"].sum()), len(features)
    fig.suptitle(f"Pair features: {n_pos} regulatory vs {n_all - n_pos} non-regulatory ordered pairs "
                 f"({features['network'].nunique()} networks)", y=1.02)
    fig.tight_layout()
    return fig


def metric_bars(summary: pd.DataFrame, metric: str = "aupr", ax=None, title: str = "", methods=None):
    """Bars per network and method (mean over seeds, error bar = SD over seeds) with the random
    baseline per network as a dashed black mark. ``summary``: rows of one protocol with columns
    ``method``, ``network``, ``<metric>``, ``<metric>_sd`` and (for AUPR) ``random_aupr``. Returns the ax."""
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 3.8))
    methods = list(dict.fromkeys(summary["method"])) if methods is None else list(methods)
    palette = dict(zip(methods, sns.color_palette("colorblind", len(methods))
                       if len(methods) <= 10 else sns.color_palette("husl", len(methods))))
    networks = list(dict.fromkeys(summary["network"]))
    width = 0.8 / max(len(methods), 1)
    for k, method in enumerate(methods):
        m = summary[summary["method"] == method].set_index("network").reindex(networks)
        x = np.arange(len(networks)) - 0.4 + width * (k + 0.5)
        sd = m[f"{metric}_sd"] if f"{metric}_sd" in m else None
        ax.bar(x, m[metric], width, yerr=sd, color=palette[method], label=method,
               error_kw={"elinewidth": 0.8, "capsize": 1.5})
    is_pr = "aupr" in metric or metric == "average_precision"
    base = (summary.groupby("network", sort=False)["random_aupr"].mean().reindex(networks) if is_pr
            else pd.Series(0.5, index=networks))
    ax.hlines(base, np.arange(len(networks)) - 0.42, np.arange(len(networks)) + 0.42, color="black", ls="--",
              lw=1, label="random (edge density)" if is_pr else "random (0.5)")
    ax.set_xticks(np.arange(len(networks)), [str(n).replace("insilico_size100_", "network ") for n in networks])
    ax.set(ylabel=metric.upper().replace("_", " "), title=title, ylim=(0, 1.0) if not is_pr else (0, None))
    ax.legend(frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    return ax


def metric_per_network(summary: pd.DataFrame, metric: str = "aupr"):
    """Fig. 11 (AUPR) / Fig. 12 (AUROC) equivalent: one panel per protocol present in ``summary``
    (column ``protocol``), bars per network and method. Returns the Figure."""
    protocols = [p for p in PROTOCOL_TITLES if p in set(summary["protocol"])]
    methods = list(dict.fromkeys(summary["method"]))
    fig, axes = plt.subplots(len(protocols), 1, figsize=(12, 3.8 * len(protocols)), squeeze=False)
    for ax, protocol in zip(axes[:, 0], protocols):
        metric_bars(summary[summary["protocol"] == protocol], metric, ax=ax, title=PROTOCOL_TITLES[protocol],
                    methods=methods)
    fig.tight_layout()
    return fig
