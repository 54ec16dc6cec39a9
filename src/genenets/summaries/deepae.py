"""Headline metrics, verdict rules and sentences of the deep-autoencoder paper (notebooks 03-06).

Everything here reads result tables of :mod:`genenets.tools.deepae` and returns numbers, verdicts
(:data:`genenets.claims.VERDICTS`) or sentences; tested on small fabricated tables.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from .. import claims
from ..robustness import claim_rows
from ..tools.deepae import fit_power_law, matching_width, wins_against_pca

DEEP_LAYERS = ("deepAE layer 1", "deepAE layer 2", "deepAE layer 3")
#: reverse-training routes from the least to the most of the deep model used
DEPTH_ROUTES = ("deepAE layer 1", "deepAE layers 1-2", "deepAE all three layers")


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


# ----------------------------------------------------------------------------------------------
# verdict rules of claims D1-D4 (each returns (verdict, evidence {name: number}))


def combine_verdicts(verdicts) -> str:
    """One verdict from several parts: all the same -> that one; "not testable here" parts are ignored
    (all of them -> not testable); otherwise mixed."""
    v = [x for x in verdicts if x != claims.NOT_TESTABLE]
    if not v:
        return claims.NOT_TESTABLE
    return v[0] if len(set(v)) == 1 else claims.MIXED


def d1_verdict(table: pd.DataFrame, split: str = "validation", min_r2: float = 0.9) -> tuple[str, dict]:
    """D1: the deepAE's error follows a power law in width, and a deepAE of width w reaches the error of an SAE
    of width 2w.

    Votes: (1) the power law of the deepAE's global 1 - R² fits (r² >= ``min_r2``) with an exponent whose 95 %
    interval is above 0 (with two widths: b > 0); (2) deepAE(w) <= SAE(2w) at more than half of the widths w
    where both were trained (no such pair: no vote). Verdict: :func:`genenets.claims.from_votes`.
    """
    val = table[table["split"] == split]
    deep = val[val.model == "deepAE"].set_index("width")["global"].sort_index()
    sae = val[val.model == "SAE"].set_index("width")["global"]
    law = fit_power_law(deep.index, deep.values)
    low = law["b_low"] if np.isfinite(law["b_low"]) else law["b"]
    fits = bool(law["r2"] >= min_r2 and low > 0)
    pairs = [(w, bool(deep[w] <= sae[2 * w])) for w in deep.index if 2 * w in sae.index]
    half = (sum(ok for _, ok in pairs) * 2 > len(pairs)) if pairs else None
    evidence = {"deepAE_power_law_b": law["b"], "deepAE_power_law_b_low": law["b_low"],
                "deepAE_power_law_b_high": law["b_high"], "deepAE_power_law_r2": law["r2"],
                "n_width_pairs": len(pairs), "n_pairs_deep_w_at_most_sae_2w": sum(ok for _, ok in pairs)}
    return claims.from_votes([fits, half]), evidence


def d2_verdict(table: pd.DataFrame, alpha: float = 0.05, min_groups: int = 3) -> tuple[str, dict]:
    """D2: hidden-layer codes separate cell types and diseases better than PCA in most groups (Fig. 3).

    Separate binomial tests per grouping (cell types, diseases), as the paper ran them: for every layer, the
    groups where its silhouette beats PCA's, one-sided binomial test against 1/2. A layer counts when it wins
    more than half the groups with p < ``alpha``; a grouping's verdict is :func:`genenets.claims.from_votes` over
    its layers; a grouping with fewer than ``min_groups`` groups cannot reach significance and is not testable.
    Overall: :func:`combine_verdicts` of the groupings.
    """
    evidence, parts = {}, []
    for grouping, sub in table.groupby("grouping", sort=False):
        wins = wins_against_pca(sub)
        n_groups = int(wins["n_groups"].max()) if len(wins) else 0
        votes = []
        for r in wins.itertuples():
            p = sps.binomtest(int(r.wins), int(r.n_groups), 0.5, alternative="greater").pvalue if r.n_groups else 1.0
            evidence[f"{grouping}: {r.method} wins"] = int(r.wins)
            evidence[f"{grouping}: {r.method} binomial p"] = float(p)
            votes.append(bool(r.wins * 2 > r.n_groups and p < alpha))
        evidence[f"{grouping}: n_groups"] = n_groups
        parts.append(claims.NOT_TESTABLE if n_groups < min_groups else claims.from_votes(votes))
    return combine_verdicts(parts), evidence


def d3_verdict(summary: pd.DataFrame, alpha: float = 0.05) -> tuple[str, dict]:
    """D3: genes lit up by first-layer nodes are close and central in the interactome, fading with depth (Fig. 4).

    Votes over the paper's cut-offs (every k of ``summary``, :func:`genenets.tools.deepae.lightup_summary`):
    (1) deepAE layer 1's lit sets are closer than random sets (Mann-Whitney p < ``alpha``) at more than half of
    the k; (2) more central (betweenness, same test) at more than half of the k; (3) fading with depth: the
    mean over k of the median distance rises from layer 1 to 2 to 3. Verdict: :func:`genenets.claims.from_votes`.
    """
    first = summary[summary["layer"] == DEEP_LAYERS[0]]
    close = (first["distance_mwu_p"] < alpha).mean()
    central = (first["betweenness_mwu_p"] < alpha).mean() if "betweenness_mwu_p" in first else float("nan")
    dist = summary[summary["layer"].isin(DEEP_LAYERS)].groupby("layer")["median_distance"].mean()
    fading = claims.ordering({k: -v for k, v in dist.items()}, list(DEEP_LAYERS)) == claims.REPRODUCED
    evidence = {"layer1_frac_k_closer_than_random": float(close), "layer1_frac_k_more_central": float(central),
                **{f"{k}: mean median distance": float(v) for k, v in dist.items()},
                "random_mean_median_distance": float(summary.groupby("k")["random_median_distance"].first().mean())}
    votes = [bool(close > 0.5), bool(central > 0.5) if np.isfinite(central) else None, bool(fading)]
    return claims.from_votes(votes), evidence


def d4_verdict(combined: pd.DataFrame, alpha: float = 0.05, recall_curve: pd.DataFrame | None = None) -> tuple[str, dict]:
    """D4: reverse-training top genes are enriched for GWAS genes, more with the full deep model, and the deepAE
    beats the SAE (Fig. 2).

    ``combined``: :func:`genenets.tools.deepae.combine_enrichment` (Fisher's combined p over diseases per
    method). Votes: (1) the full deepAE route ("deepAE all three layers") has combined p < ``alpha``; (2) its
    -log10 p rises with the layers used (layer 1 < layers 1-2 < all three); (3) the full deepAE's combined p is
    below the SAE's. The t-test baseline is reported beside them, not voted. With ``recall_curve``
    (:func:`genenets.tools.deepae.recall_along_training` of both kinds), the budgets at which the deepAE's
    planted-gene recall beats the SAE's are counted as evidence.
    """
    p = combined.set_index("method")["combined_p"]
    full = DEPTH_ROUTES[-1]
    enriched = bool(p[full] < alpha)
    deeper = claims.ordering({m: -np.log10(max(p[m], 1e-300)) for m in DEPTH_ROUTES}, list(DEPTH_ROUTES)[::-1])
    evidence = {**{f"combined p, {m}": float(p[m]) for m in (*DEPTH_ROUTES, "SAE")},
                "combined p, baseline t-test": float(p.get("baseline t-test", np.nan))}
    if recall_curve is not None and len(recall_curve):
        piv = recall_curve.pivot(index="epochs", columns="kind", values="recall")
        evidence["n_budgets"] = len(piv)
        evidence["n_budgets_deepAE_recall_above_SAE"] = int((piv["deepAE"] > piv["SAE"]).sum())
    return claims.from_votes([enriched, deeper == claims.REPRODUCED, bool(p[full] < p["SAE"])]), evidence


def convergence_sentence(table: pd.DataFrame, what: str) -> str:
    """Which models of a :func:`genenets.train.convergence_table` converged, hit the epoch cap or did not learn,
    and what that means for a claim resting on them."""
    counts = table["status"].value_counts()
    bad = table[table["status"] != "converged"]
    out = (f"{what}: {counts.get('converged', 0)} of {len(table)} models converged (early stopping on the validation "
           f"loss)")
    if len(bad):
        out += ("; " + ", ".join(f"{r.model} {r.status}" for r in bad.itertuples())
                + ". A claim resting on these is marked not robust; a budget-limited model is under-trained, not a loser.")
    return out + "."


def d0_verdict(probe: pd.DataFrame, threshold: float = 0.9) -> tuple[str, dict]:
    """D0 (the compendium's check): the linear probe on raw expression reaches AUROC >= ``threshold`` for every
    disease (``probe``: :func:`genenets.tools.deepae.disease_probe_table`). Votes per disease."""
    votes = [bool(a >= threshold) for a in probe["probe_auroc_raw"]]
    return claims.from_votes(votes), {f"probe AUROC, {r.disease}": float(r.probe_auroc_raw) for r in probe.itertuples()}


def reconstruction_headline(table: pd.DataFrame) -> dict:
    """REPORT rows of notebook 03: validation R² of the widest SAE, deepAE and PCA, and the deepAE's exponent."""
    val = table[table["split"] == "validation"]
    widest = int(val["width"].max())
    out = {f"validation R², {m} w={widest}": round(1 - float(val[(val.model == m) & (val.width == widest)]["global"].iloc[0]), 4)
           for m in ("SAE", "deepAE", "PCA")}
    law = fit_power_law(val[val.model == "deepAE"]["width"], val[val.model == "deepAE"]["global"])
    out["deepAE power-law exponent b"] = round(law["b"], 3)
    return out


def disease_gene_metrics(combined: pd.DataFrame, top_n: int) -> dict:
    """Metrics of notebook 06 from :func:`genenets.tools.deepae.combine_enrichment`: top N, combined p, median odds
    ratio and (if present) mean planted-gene recall per method."""
    c = combined.set_index("method")
    out = {"top_n": int(top_n), "combined_p": c["combined_p"].to_dict(),
           "median_odds_ratio": c["median_odds_ratio"].round(4).to_dict()}
    if "mean_recall_planted" in c:
        out["recall_planted"] = c["mean_recall_planted"].round(4).to_dict()
    return out


def disease_gene_headline(combined: pd.DataFrame, curve: pd.DataFrame | None = None) -> dict:
    """REPORT rows of notebook 06: -log10 combined p per route and the t-test; planted recall of the full deepAE, the
    SAE and the t-test; recall of both kinds at the last budget of the recall curve."""
    c = combined.set_index("method")
    out = {f"-log10 combined p, {m}": round(float(-np.log10(max(c.loc[m, "combined_p"], 1e-300))), 3)
           for m in (*DEPTH_ROUTES, "SAE", "baseline t-test") if m in c.index}
    if "mean_recall_planted" in c:
        out.update({f"planted recall, {m}": round(float(c.loc[m, "mean_recall_planted"]), 3)
                    for m in ("deepAE all three layers", "SAE", "baseline t-test") if m in c.index})
    if curve is not None and len(curve):
        last = curve[curve["epochs"] == curve["epochs"].max()]
        out.update({f"planted recall after {int(r.epochs)} epochs, {r.kind}": round(float(r.recall), 3)
                    for r in last.itertuples()})
    return out


# ----------------------------------------------------------------------------------------------
# per claim: this run's verdict, and whether seeds and budgets agree (the robustness grid)


grid_rows = claim_rows  # the one reader of a claim's grid table (genenets.robustness)


def _list(values) -> str:
    return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in sorted(set(values)))


def claim_sentence(claim, grid: pd.DataFrame | None) -> str:
    """What this run decided on ``claim`` (a :class:`genenets.claims.Claim`) and whether seeds and training
    budgets agree on it: the robustness grid's verdicts (``grid``: :func:`grid_rows`) counted, agreeing only when
    every grid run gives this run's verdict over at least two seeds and two budgets."""
    out = f"{claim.id}: {claim.verdict} in this run"
    if claim.why:
        out += f" (not robust here: {claim.why})"
    if grid is None:
        return out + (". Seeds and budgets: the robustness grid (notebooks/robustness.yaml) has not run this claim "
                      "yet, so one seed and one budget decide it.")
    counts = grid["verdict"].value_counts()
    seeds, budgets = grid["seed"].dropna().unique(), grid["budget_scale"].dropna().unique()
    spans = len(seeds) >= 2 and len(budgets) >= 2
    agree = len(counts) == 1 and counts.index[0] == claim.verdict
    out += (f". Seeds and budgets: the robustness grid ({len(grid)} runs, seeds {_list(seeds)} x budget scales "
            f"{_list(budgets)}) gives " + ", ".join(f"{v} x{n}" for v, n in counts.items()))
    if agree and spans:
        return out + ": seeds and budgets agree."
    if agree:
        return out + ": they agree, but the grid does not span two seeds and two budgets yet."
    return out + ": they disagree, so the verdict is not robust."


def claim_sentences(claims_, notebook: str, figures_dir=None) -> str:
    """:func:`claim_sentence` of every claim in ``claims_`` (``{id: Claim}``, e.g. ``run.claims``), one per line,
    with the grid read from ``figures_dir`` (default: the checkout's committed ``figures/``)."""
    if figures_dir is None:
        from ..params import repo_root

        figures_dir = repo_root() / "figures"
    return "\n".join(claim_sentence(c, grid_rows(figures_dir, notebook, c.id)) for c in claims_.values())


# ----------------------------------------------------------------------------------------------
# notebook 03's calibration table and training-settings comparison, in words

#: The disease properties the compendium is calibrated on, and how the sentence names them.
CALIBRATED_PROPERTIES = {"disease_top_genes_median_abs_d": "median |d| of the top 5 % genes",
                         "disease_frac_genes_abs_d_gt_0.8": "share of genes with |d| > 0.8",
                         "disease_variance_fraction": "disease variance fraction",
                         "disease_probe_auroc_10_pcs": "probe AUROC on 10 PCs"}


def calibration_gaps(table: pd.DataFrame, real: str, simulated: str) -> pd.Series:
    """Relative gap (simulated - real) / real of each :data:`CALIBRATED_PROPERTIES` row of a
    :func:`genenets.tools.deepae.calibration_table` between columns ``real`` and ``simulated``."""
    rows = [k for k in CALIBRATED_PROPERTIES if k in table.index]
    return ((table.loc[rows, simulated] - table.loc[rows, real]) / table.loc[rows, real]).astype(float)


def calibration_sentence(table: pd.DataFrame, real: str, simulated: str) -> str:
    """Simulated vs real disease effect sizes (columns ``real`` and ``simulated`` of the calibration table), and the
    largest relative gap."""
    gaps = calibration_gaps(table, real, simulated)
    parts = [f"{CALIBRATED_PROPERTIES[k]} {table.loc[k, simulated]:.2f} (real {table.loc[k, real]:.2f})" for k in gaps.index]
    worst = gaps.abs().idxmax()
    return (f"Disease effect sizes, simulated at the real contrast's design vs real: " + "; ".join(parts)
            + f". Largest gap: {CALIBRATED_PROPERTIES[worst]}, {gaps[worst]:+.0%}.")


def settings_sentence(study: pd.DataFrame, chosen: dict) -> str:
    """Which candidate of :func:`genenets.tools.deepae.settings_study` reaches the lowest validation loss, how the
    ``chosen`` settings (``lr``, ``batch_size``, centred input) compare, and how the others ended."""
    ok = study[study["status"] != "did not learn"]
    best = (ok if len(ok) else study).sort_values("best_val_loss").iloc[0]
    mine = study[(study.lr == chosen["lr"]) & (study.batch_size == chosen["batch_size"]) & study.centred_input]
    out = (f"Lowest validation loss: lr {best.lr:g}, batch {int(best.batch_size)}"
           f"{'' if best.centred_input else ', uncentred'} ({best.best_val_loss:.5f} after {int(best.best_epoch)} epochs, "
           f"{int(best.steps_to_best)} Adam steps).")
    if len(mine):
        m = mine.iloc[0]
        out += (f" The settings in force (lr {m.lr:g}, batch {int(m.batch_size)}, centred) reach {m.best_val_loss:.5f} "
                f"({m.best_val_loss / best.best_val_loss - 1:+.1%}) after {int(m.best_epoch)} epochs.")
    others = [f"lr {r.lr:g}, batch {int(r.batch_size)}{'' if r.centred_input else ', uncentred'}: {r.status} "
              f"({r.best_val_loss:.5f}, best epoch {int(r.best_epoch)} of {int(r.epochs_run)})" for r in study.itertuples()]
    return out + " All candidates: " + "; ".join(others) + "."
