"""Headline numbers, sentences and verdict rules of the DREAM4 gene-regulatory-network paper (notebook 08).

Every function reads tables made by :mod:`genenets.tools.grn` (``summary``: one row per protocol x
method x network, plus a ``network == "mean"`` row per protocol x method) and returns numbers,
sentences or one of :data:`genenets.claims.VERDICTS`.
"""
from __future__ import annotations

import pandas as pd


def metrics_dict(summary: pd.DataFrame, protocol: str, metric: str) -> dict:
    """``{method: {network: mean over seeds}}`` of one protocol, for results.json."""
    sub = summary[summary["protocol"] == protocol]
    return {m: dict(zip(g["network"], g[metric].round(4))) for m, g in sub.groupby("method", sort=False)}


def ranking_sentence(summary: pd.DataFrame, protocol: str, metric: str = "aupr") -> str:
    """A sentence naming the best method, the best neural model and the best baseline (mean over networks)."""
    sub = summary[(summary["protocol"] == protocol) & (summary["network"] == "mean")].sort_values(metric,
                                                                                                 ascending=False)
    best = sub.iloc[0]
    best_nn = sub[sub["kind"] == "neural"].iloc[0] if (sub["kind"] == "neural").any() else None
    best_bl = sub[sub["kind"] == "baseline"].iloc[0] if (sub["kind"] == "baseline").any() else None
    name = protocol.replace("_", " ")
    is_pr = "aupr" in metric
    text = (f"{name}: {best['method']} wins on mean {metric.upper()} ({best[metric]:.3f}; random "
            f"{best['random_aupr']:.3f})" if is_pr else
            f"{name}: {best['method']} wins on mean {metric.upper()} ({best[metric]:.3f}; random 0.5)")
    if best_nn is not None and best_bl is not None:
        leader, other = (best_nn, best_bl) if best_nn[metric] >= best_bl[metric] else (best_bl, best_nn)
        what = "neural model" if leader["kind"] == "neural" else "baseline"
        text += (f"; the best {what} ({leader['method']}, {leader[metric]:.3f}) beats the best "
                 f"{'baseline' if what == 'neural model' else 'neural model'} ({other['method']}, "
                 f"{other[metric]:.3f}).")
    return text


def below_random_sentences(summary: pd.DataFrame, metric: str = "auroc") -> list[str]:
    """One sentence per protocol listing the neural models that rank a network below random (AUROC < 0.5)."""
    below = summary[(summary["kind"] == "neural") & (summary["network"] != "mean") & (summary[metric] < 0.5)]
    return [f"{protocol}: neural models ranking below random ({metric.upper()} < 0.5): "
            + ", ".join(f"{m} on {n} ({a:.3f})" for m, n, a in zip(rows["method"], rows["network"], rows[metric]))
            for protocol, rows in below.groupby("protocol")]
