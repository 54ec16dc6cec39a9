"""Headline metrics, verdict rules and sentences of the deep-autoencoder paper (notebooks 03-06).

Everything here reads result tables of :mod:`genenets.tools.deepae` and returns numbers, verdicts
(:data:`genenets.claims.VERDICTS`) or sentences; tested on small fabricated tables.
"""
from __future__ import annotations

import pandas as pd

from ..tools.deepae import fit_power_law, matching_width


def reconstruction_metrics(table: pd.DataFrame) -> dict:
    """Headline numbers of a :func:`reconstruction_table`: validation R^2 (global) per model and width
    (``r2``), validation gene-wise 1 - R^2, the power law of SAE and deepAE, and :func:`matching_width`."""
    val = table[table["split"] == "validation"]
    models = [m for m in ("SAE", "deepAE", "PCA") if m in set(val["model"])]
    by = val.set_index(["model", "width"])
    r2 = {m: {str(w): round(1 - float(by.loc[(m, w), "global"]), 4) for w in sorted(val[val.model == m].width)}
          for m in models}
    genewise = {m: {str(w): round(float(by.loc[(m, w), "genewise"]), 4) for w in sorted(val[val.model == m].width)}
                for m in models}
    laws = {m: {k: round(v, 4) for k, v in fit_power_law(val[val.model == m]["width"], val[val.model == m]["global"]).items()}
            for m in ("SAE", "deepAE")}
    return {"r2": r2, "one_minus_r2_genewise_val": genewise, "power_law": laws,
            "deepAE_matching_width": matching_width(table)}


def reconstruction_sentence(table: pd.DataFrame, dataset: str, mean_error: dict | None = None) -> str:
    """Which model reconstructs held-out samples best (validation, global 1 - R^2), and how SAE and deepAE
    compare width by width; built from the numbers, for notebooks and notes. With ``mean_error`` (from
    :func:`mean_predictor_error`), autoencoders within 1 % of the gene-mean predictor are named as stuck."""
    val = table[table["split"] == "validation"]
    best = {m: float(val[val.model == m]["global"].min()) for m in ("SAE", "deepAE", "PCA")}
    winner = min(best, key=best.get)
    piv = val.pivot(index="width", columns="model", values="global")
    stuck = (val[val.model.isin(["SAE", "deepAE"]) & (val["global"] >= 0.99 * mean_error["global"])]
             if mean_error is not None else val.iloc[:0])
    compared = [w for w in piv.index if w not in set(stuck["width"])]  # both stuck: no real difference
    deep_wins = [int(w) for w in compared if piv.loc[w, "deepAE"] < piv.loc[w, "SAE"]]
    match = matching_width(table)
    out = (f"{dataset}: lowest validation 1 - R² (global) is {winner}'s ({best[winner]:.3f}; best SAE "
           f"{best['SAE']:.3f}, deepAE {best['deepAE']:.3f}, PCA {best['PCA']:.3f}). The deepAE is below the SAE "
           f"at {len(deep_wins)} of {len(compared)} widths" + (" where neither is stuck" if len(stuck) else "")
           + (f" ({', '.join(map(str, deep_wins))})" if deep_wins else "") + "; ")
    if match["deep_width_empirical"] is not None:
        out += (f"it reaches the {match['sae_width']}-node SAE's error with {match['deep_width_empirical']} "
                "nodes per layer.")
    else:
        out += f"it never reaches the {match['sae_width']}-node SAE's error at the widths tried."
    if winner == "PCA":
        out += " The linear PCA baseline beats both autoencoders."
    if mean_error is not None:
        if len(stuck):
            out += (" No better than the training gene means (1 - R² " + f"{mean_error['global']:.3f}): "
                    + ", ".join(f"{r.model} w={r.width}" for r in stuck.itertuples()) + " (stuck on a plateau).")
    return out


def clustering_metrics(table: pd.DataFrame, wins: pd.DataFrame) -> dict:
    """``silhouette_wins`` per layer (wins, n_groups, odds ratio, binomial p), mean silhouette per grouping
    and method, and the PCA baseline's mean silhouette per grouping."""
    groupings = list(dict.fromkeys(table["grouping"]))
    return {
        "silhouette_wins": {r.method: {"wins": r.wins, "n_groups": r.n_groups, "odds_ratio": r.odds_ratio,
                                       "binom_p": r.binom_p} for r in wins.itertuples()},
        "mean_silhouette": {g: table[table.grouping == g].groupby("method").silhouette.mean().round(4).to_dict()
                            for g in groupings},
        "baseline_pca_mean_silhouette": {g: round(float(table[(table.grouping == g) &
                                                              (table.method == "PCA (all genes)")].silhouette.mean()), 4)
                                         for g in groupings}}


def clustering_sentence(wins: pd.DataFrame, dataset: str) -> str:
    """The layer with the most wins over PCA, its odds ratio and binomial p, and whether PCA wins."""
    best = wins.sort_values(["wins", "binom_p"], ascending=[False, True]).iloc[0]
    out = (f"{dataset}: {best.method} beats PCA in {best.wins} of {best.n_groups} groups (odds ratio "
           f"{best.odds_ratio:.2f}, binomial p = {best.binom_p:.3g}); ")
    if best.wins * 2 < best.n_groups:
        return out + "PCA of all genes separates most groups better than every layer."
    if best.wins * 2 == best.n_groups:
        return out + "a tie with PCA of all genes."
    return out + "the compressed codes separate most groups better than PCA" + (
        ", significantly (p < 0.05)." if best.binom_p < 0.05 else ", but not significantly at 0.05.")


def lightup_metrics(summary: pd.DataFrame, k: int) -> dict:
    """Per layer at top-``k``: Mann-Whitney p of distance and betweenness vs random sets, the fraction of
    nodes with empirical p < 0.05, the nodes' median distance and the random sets' median distance."""
    ref = summary[summary.k == k].set_index("layer")
    return {"lightup_k": int(k),
            "lightup_distance_p": ref["distance_mwu_p"].to_dict(),
            "lightup_betweenness_p": ref["betweenness_mwu_p"].to_dict(),
            "lightup_frac_nodes_distance_p05": ref["frac_nodes_distance_p"].round(4).to_dict(),
            "lightup_median_distance": ref["median_distance"].round(4).to_dict(),
            "baseline_random_median_distance": round(float(ref["random_median_distance"].iloc[0]), 4)}


def lightup_sentence(summary: pd.DataFrame, k: int, dataset: str, distinct: dict | None = None) -> str:
    """The layer whose nodes light up the most network-local gene sets at top-``k``; with ``distinct`` (from
    :func:`lightup_distinct_genes`), how many different genes each layer's nodes light up together."""
    ref = summary[summary.k == k].set_index("layer")
    closest = ref["median_distance"].idxmin()
    rnd = float(ref["random_median_distance"].iloc[0])
    below = ref[ref["median_distance"] < rnd].index.tolist()
    return (f"{dataset}, k = {k}: {closest} lights up the most tightly connected gene sets (median harmonic "
            f"distance {ref.loc[closest, 'median_distance']:.3f} vs {rnd:.3f} for random sets; "
            f"{ref.loc[closest, 'frac_nodes_distance_p']:.0%} of its nodes with empirical p < 0.05). "
            f"Layers below the random median: {', '.join(below) if below else 'none'}."
            + ("" if distinct is None else
               f" Distinct genes in the union of all nodes' top {k} (at most {ref.loc[closest, 'n_nodes'] * k}): "
               + ", ".join(f"{layer} {n}" for layer, n in distinct.items())
               + (f"; {closest}'s nodes mostly light up one shared gene set, so its fraction of significant nodes "
                  "is not independent evidence." if distinct[closest] < 4 * k else ".")))
