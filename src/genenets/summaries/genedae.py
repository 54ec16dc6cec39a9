"""GeneDAE (notebooks 01-02): result tables, headline metrics, the verdict rules of claims G1-G5 and
the sentences built from them. Every function takes tables of a run and returns tables, numbers or
one of :data:`genenets.claims.VERDICTS`; none computes a model."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import claims
from ..robustness import claim_rows

# ----------------------------------------------------------------------------------------------
# tables


def table1(tests: pd.DataFrame, phenotypes: pd.DataFrame) -> pd.DataFrame:
    """Paper's Table 1: per disease, cases, number of significant genes and the top two with p-values."""
    rows = []
    for d, t in tests.groupby("disease", sort=False):
        t = t.sort_values("p")
        rows.append({"disease": d, "cases": int(phenotypes[d].sum()), "n_significant": int(t["significant"].sum()),
                     "top1": t["gene"].iloc[0], "p_top1": t["p"].iloc[0],
                     "top2": t["gene"].iloc[1], "p_top2": t["p"].iloc[1]})
    return pd.DataFrame(rows)


def overlap_table(tests: pd.DataFrame) -> pd.DataFrame:
    """Number of significant genes shared by each pair of diseases (diagonal: own count)."""
    sig = {d: set(t.loc[t["significant"], "gene"]) for d, t in tests.groupby("disease", sort=False)}
    names = list(sig)
    return pd.DataFrame([[len(sig[a] & sig[b]) for b in names] for a in names], index=names, columns=names)


def _base_gene(names: pd.Series) -> pd.Series:
    return names.astype(str).str.split("#").str[0]  # k nodes per gene: "GENE#i" -> GENE


def planted_recovery(tests: pd.DataFrame, planted: dict) -> pd.DataFrame:
    """Per disease: precision and recall of the significant genes against the planted ones, and the
    rank (by p) of every planted gene.

    ``tests``: long table with disease, gene, significant, rank (rank 1 = smallest p).
    """
    rows = []
    for d, t in tests.groupby("disease", sort=False):
        truth = set(planted.get(d, []))
        t = t.assign(gene=_base_gene(t["gene"]))
        sig = set(t.loc[t["significant"], "gene"])
        ranks = t.groupby("gene")["rank"].min()
        rows.append({"disease": d, "n_planted": len(truth), "n_significant": len(sig),
                     "true_positives": len(sig & truth),
                     "precision": len(sig & truth) / len(sig) if sig else np.nan,
                     "recall": len(sig & truth) / len(truth) if truth else np.nan,
                     "planted_ranks": "; ".join(f"{g}:{int(ranks[g])}" if g in ranks else f"{g}:absent"
                                                for g in sorted(truth))})
    return pd.DataFrame(rows)


def planted_rank_table(tests_by_method: dict, planted: dict) -> pd.DataFrame:
    """Long table method, disease, gene, rank, p, significant: the rank of each planted gene per method."""
    rows = []
    for method, tests in tests_by_method.items():
        for d, t in tests.groupby("disease", sort=False):
            t = t.assign(gene=_base_gene(t["gene"])).groupby("gene").agg(rank=("rank", "min"), p=("p", "min"),
                                                                        significant=("significant", "max"))
            for g in planted.get(d, []):
                r = t.loc[g] if g in t.index else None
                rows.append({"method": method, "disease": d, "gene": g,
                             "rank": int(r["rank"]) if r is not None else np.nan,
                             "p": float(r["p"]) if r is not None else np.nan,
                             "significant": bool(r["significant"]) if r is not None else False})
    return pd.DataFrame(rows)


def recovery_by_method(tests_by_method: dict, planted: dict) -> pd.DataFrame:
    """:func:`planted_recovery` of several methods stacked with a ``method`` column."""
    return pd.concat([planted_recovery(t, planted).assign(method=m) for m, t in tests_by_method.items()],
                     ignore_index=True)


def best_method(rec: pd.DataFrame, key: str = "recall") -> tuple[str, pd.Series]:
    """The method with the highest mean ``key`` over diseases (ties: the higher mean precision), and
    the means of every method."""
    means = rec.groupby("method", sort=False)[[key, "precision"]].mean().fillna(0.0)
    order = means.sort_values([key, "precision"], ascending=False)
    return str(order.index[0]), means[key]


def auc_wide(t2: pd.DataFrame) -> pd.DataFrame:
    """Table 2 as disease x feature set of mean AUCs."""
    return t2.pivot(index="disease", columns="features", values="auc_mean").loc[list(dict.fromkeys(t2["disease"]))]


# ----------------------------------------------------------------------------------------------
# verdict rules (declared in the notebooks before results are read; tested on fabricated tables)

G1_RULE = ("per disease: GeneDAE has at least one Bonferroni-significant gene (alpha 0.01 over genes) and at least "
           "one planted gene among them; all diseases -> reproduced, none -> not reproduced, else mixed")
G2_RULE = ("per disease: GeneDAE's mean test AUC over the 70/30 trials exceeds 0.5 by more than 2 SE; all "
           "diseases -> reproduced, none -> not reproduced, else mixed (paper: 0.55-0.61)")
G3_RULE = ("the full GeneDAE fit, with early stopping on the validation BCE at a tolerance (training.min_delta, "
           "absolute: an epoch improves only when its BCE is more than min_delta below the best so far, Keras' "
           "min_delta convention; 1e-4 is scikit-learn's default tol; patience epochs without an improvement stop "
           "it): stopped by patience at or before epoch 60 with a best validation BCE more than 5% below the "
           "bit-frequency (no-learning) BCE -> reproduced; did not learn, or ran 60 epochs without stopping -> not "
           "reproduced; stopped by a cap under 60 -> mixed. Beside it, the strict view (evidence, not a vote): how "
           "much the validation BCE fell over the last 10 epochs before the stop or cap")
G4_RULE = ("median over the trained genes / gene sets of |Pearson r| across people between the unit trained alone "
           "and the same gene's unit in the full model: >= 0.9 -> reproduced, < 0.5 -> not reproduced, else mixed")
G5_RULE = ("mean recall of planted genes over diseases at Bonferroni: GeneDAE vs the best of single-variant GWAS "
           "(min p per gene) and the LD-aware gene test; GeneDAE higher by > 0.1 -> reproduced, lower by > 0.1 -> "
           "not reproduced, else mixed")


#: id -> (claim, paper reference, rule, paper's value); declared by both notebooks with :func:`declare`
CLAIMS = {
    "G1": ("GeneDAE embeddings give significant gene-disease associations that include the causal genes",
           "Table 1, Fig. 4", G1_RULE, "HLA-DQA2, LY6G5B among top genes"),
    "G2": ("GeneDAE embeddings predict disease", "Table 2", G2_RULE, "test AUC 0.55-0.61"),
    "G3": ("GeneDAE training converges within 60 epochs", "Fig. 1", G3_RULE, "converged by epoch 60"),
    "G4": ("A gene or gene-set model trained alone gives the same embeddings as the full model", "Fig. 3",
           G4_RULE, "same embeddings"),
    "G5": ("(compendium check) GeneDAE finds the causal genes at least as well as a single-variant GWAS or an "
           "LD-aware gene test", "-", G5_RULE, ""),
}


def declare(run, ids) -> None:
    """Declare claims ``ids`` (of :data:`CLAIMS`) on a run, before any result is read."""
    for i in ids:
        claim, ref, rule, paper = CLAIMS[i]
        run.claim(i, claim, ref, rule=rule, paper_value=paper)


def recent_fall(history: pd.DataFrame, window: int = 10) -> dict:
    """How much the monitored loss (validation if recorded, else training) fell over the last ``window``
    epochs of a fit: ``fall`` = the loss ``window`` epochs before the last minus the lowest loss since,
    ``relative_fall`` = that as a fraction of the earlier loss, ``window`` = the epochs it spans (fewer for
    a shorter fit). ``history``: a :meth:`genenets.train.History.to_frame` table."""
    col = "val_loss" if "val_loss" in history else "train_loss"
    v = history[col].to_numpy(float)
    if len(v) < 2:
        return {"window": 0, "fall": float("nan"), "relative_fall": float("nan")}
    w = min(window, len(v) - 1)
    before = v[-w - 1]
    fall = float(before - v[-w:].min())
    return {"window": w, "fall": fall, "relative_fall": fall / before if before else float("nan")}


def decide_g3(run, convergence_row: dict, budgets, history: pd.DataFrame | None = None,
              figure: str = "fig1_loss_curves.png"):
    """Decide G3 from the full fit's convergence row (one seed: the robustness grid varies seeds), with the
    strict evidence beside it: the validation BCE's fall over the fit's last 10 epochs (:func:`recent_fall`
    of ``history``, the fit's loss table)."""
    row = convergence_row
    fall = recent_fall(history) if history is not None else None
    evidence = {"epochs_run": row["epochs_run"], "best_epoch": row["best_epoch"], "best_val_bce": row["best_loss"],
                "no_learning_bce": row["no_learning_loss"], "min_delta": row.get("min_delta", 0.0)}
    ours = f"{row['status']}: {row['stop_reason']} at epoch {row['epochs_run']} (cap {row['epochs_cap']})"
    if fall is not None:
        # fixed names (the grid's tables stack runs); fall_window_epochs is 10 unless the fit was shorter
        evidence.update({"val_bce_fall_last_10_epochs": fall["fall"],
                         "val_bce_relative_fall_last_10_epochs": fall["relative_fall"],
                         "fall_window_epochs": fall["window"]})
        w = fall["window"]
        ours += (f"; validation BCE fell {fall['fall']:.2g} ({fall['relative_fall']:.2%}) over its last "
                 f"{w} epoch{'s' if w != 1 else ''}")
    # models=[]: G3's claim is about how training ends, so the convergence row is its evidence, not a reason to
    # doubt it (a fit the cap ended is G3's "not reproduced" or "mixed", not a veto of the verdict)
    return run.decide("G3", g3_verdict(row), evidence=evidence, seeds=1, budgets=list(budgets), figure=figure,
                      models=[], ours=ours)


def subgraph_convergence(summary: pd.DataFrame) -> list[dict]:
    """Convergence rows (model, status) of the gene / gene-set models trained alone, from
    :func:`genenets.tools.genedae.train_subgraphs`' summary (its first seed's models)."""
    if "convergence" not in summary:
        return []
    trained = summary[summary["status"] == "trained"]
    return [{"model": f"alone: {r.genes}", "status": r.convergence} for r in trained.itertuples()]


def decide_g4(run, agreement: pd.DataFrame, seeds: int, budgets, figure: str = "fig3_embedding_agreement.png",
              summary: pd.DataFrame | None = None):
    """Decide G4 from :func:`genenets.tools.genedae.train_subgraphs`' agreement table; ``summary`` (its
    per-set table) adds the models trained alone to the models G4 rests on, so a claim on gene models that
    did not learn or that their cap stopped is flagged as on the full model's."""
    med = float(agreement["abs_r_vs_full"].median()) if len(agreement) else float("nan")
    ref = float(agreement["abs_r_seed_to_seed"].median()) if "abs_r_seed_to_seed" in agreement else float("nan")
    verdict = g4_verdict(agreement)
    per_seed = [g4_verdict(agreement.assign(abs_r_vs_full=agreement[c]))
                for c in agreement.columns if c.startswith("abs_r_vs_full_seed")]
    robust = bool(per_seed) and len(set(per_seed + [verdict])) == 1
    alone = subgraph_convergence(summary) if summary is not None else []
    return run.decide("G4", verdict, evidence={"median_abs_r_vs_full": med, "median_abs_r_seed_to_seed": ref},
                      seeds=seeds, budgets=list(budgets), figure=figure, robust=robust,
                      why="" if robust else "verdict differs between the seeds of the gene models trained alone",
                      convergence=list(run.convergence) + alone, models=["GeneDAE"] + [r["model"] for r in alone],
                      ours=f"median |r| {med:.2f} (seed-to-seed {ref:.2f})")


def g1_verdict(rec: pd.DataFrame) -> str:
    """``rec``: GeneDAE's :func:`planted_recovery` (n_significant, true_positives per disease)."""
    return claims.from_votes([bool(r.n_significant > 0 and r.true_positives > 0) for r in rec.itertuples()])


def g2_verdict(t2: pd.DataFrame, features: str = "GeneDAE embeddings") -> str:
    """``t2``: Table 2 (disease, features, auc_mean, auc_se)."""
    t = t2[t2["features"] == features]
    return claims.from_votes([bool(r.auc_mean - 2 * (r.auc_se if np.isfinite(r.auc_se) else 0) > 0.5)
                              for r in t.itertuples()])


def g3_verdict(convergence_row: dict, limit: int = 60) -> str:
    """``convergence_row``: one row of :func:`genenets.train.convergence_table`."""
    status, run = convergence_row["status"], int(convergence_row["epochs_run"])
    if status == "did not learn":
        return claims.NOT_REPRODUCED
    if convergence_row["stop_reason"] == "patience" and run <= limit:
        return claims.REPRODUCED
    if run >= limit:
        return claims.NOT_REPRODUCED
    return claims.MIXED


def g4_verdict(agreement: pd.DataFrame, high: float = 0.9, low: float = 0.5) -> str:
    """``agreement``: one row per trained unit with ``abs_r_vs_full``."""
    r = agreement["abs_r_vs_full"].dropna()
    if r.empty:
        return claims.NOT_TESTABLE
    med = float(r.median())
    return claims.REPRODUCED if med >= high else claims.NOT_REPRODUCED if med < low else claims.MIXED


def g5_verdict(rec: pd.DataFrame, method: str = "GeneDAE", baselines=("GWAS min p", "LD-aware gene test"),
               margin: float = 0.1) -> str:
    """``rec``: :func:`recovery_by_method`."""
    means = rec.groupby("method")["recall"].mean().fillna(0.0)
    best = max(float(means[b]) for b in baselines if b in means)
    return claims.greater(float(means[method]), best, margin=margin)


# ----------------------------------------------------------------------------------------------
# sentences


def stopping_sentence(convergence_row: dict, resting=("G1", "G2", "G4", "G5")) -> str:
    """How the full GeneDAE fit ended (``convergence_row``: one :func:`genenets.train.convergence_table` row)
    and what that means for the claims ``resting`` on its embeddings, in words."""
    row = convergence_row
    out = (f"GeneDAE: {'early stopping' if row['stop_reason'] == 'patience' else 'the epoch cap'} ended training "
           f"at epoch {row['epochs_run']} (cap {row['epochs_cap']}, best epoch {row['best_epoch']}): "
           f"{row['status']}")
    ids = ", ".join(resting)
    if row["status"] == "converged":
        return out + f"; the claims resting on its embeddings ({ids}) carry no flag from it."
    return out + f"; the claims resting on its embeddings ({ids}) are flagged {row['status']} (not robust)."


def recovery_sentence(rec: pd.DataFrame) -> str:
    """Which method finds the planted genes best, in words."""
    best, means = best_method(rec)
    parts = ", ".join(f"{m} {v:.2f}" for m, v in means.sort_values(ascending=False).items())
    return f"Planted-gene recall at Bonferroni (mean over diseases): {parts}. Best: {best}."


# ----------------------------------------------------------------------------------------------
# the robustness grid's support (figures/robustness/<notebook>__<claim>.csv, written by genenets.robustness)


def grid_rows(figures_dir, notebook: str, claim_id: str) -> pd.DataFrame | None:
    """A claim's robustness-grid table (:func:`genenets.robustness.claim_rows`, the one reader), from
    ``figures_dir`` (a run's figures folder: the parent of its output folder) when that folder holds the
    grid's tables, else from the checkout's committed ``figures/``: a run that writes elsewhere (``make
    verify``'s temporary folder, a grid run's nested folder) reads the committed grid, as the deep-AE
    notebooks' sentences do, so its sentences are the committed run's."""
    from pathlib import Path

    from ..params import repo_root

    folder = Path(figures_dir) if figures_dir is not None else None
    if folder is None or not (folder / "robustness").is_dir():
        folder = repo_root() / "figures"
    return claim_rows(folder, notebook, claim_id)


def _values(values) -> str:
    return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in sorted(set(values)))


def grid_sentence(claim, grid: pd.DataFrame | None) -> str:
    """This run's verdict on ``claim`` (a :class:`genenets.claims.Claim`) and the robustness grid's verdicts
    over seeds and budgets (``grid``: :func:`grid_rows`), in words."""
    out = f"{claim.id}: {claim.verdict} in this run"
    if grid is None:
        return out + "; the robustness grid has not run this claim yet (one seed and one budget decide it)."
    counts = grid["verdict"].value_counts()
    seeds, budgets = grid["seed"].dropna().unique(), grid["budget_scale"].dropna().unique()
    out += (f"; the robustness grid ({len(grid)} runs: seeds {_values(seeds)} x budget scales {_values(budgets)}) "
            "gives " + ", ".join(f"{v} x{n}" for v, n in counts.items()))
    flagged = int(grid["why"].astype(str).str.contains("resting on models").sum()) if "why" in grid else 0
    caveat = (f"; but {flagged} of {len(grid)} runs rest on models that did not learn or were budget-limited, so "
              "not robust" if flagged else "")
    if len(counts) == 1 and counts.index[0] == claim.verdict:
        spans = len(seeds) >= 2 and len(budgets) >= 2
        agree = ": seeds and budgets agree" if spans else ": they agree, on fewer than 2 seeds x 2 budgets"
        return out + agree + caveat + "."
    return out + ": not robust."


def best_method_sentence(rec: pd.DataFrame, grid: pd.DataFrame | None) -> str:
    """Which method finds the planted (causal) genes best: this run (``rec``: :func:`recovery_by_method`) and
    every run of the robustness grid (``grid``: G5's :func:`grid_rows`, whose ``evidence.<method>`` columns
    are each method's mean recall over diseases), in words."""
    best, means = best_method(rec)
    out = f"In this run {best} finds the most planted genes (mean recall {means[best]:.2f})"
    cols = [c for c in (grid.columns if grid is not None else []) if c.startswith("evidence.")]
    if not cols:
        return out + "; the robustness grid has not run notebook 02 yet, so one seed and one budget say so."
    recall = grid[cols].astype(float).rename(columns=lambda c: c[len("evidence."):])
    best_of_run = recall.idxmax(axis=1)
    winners = best_of_run.value_counts()
    top = str(winners.index[0])
    spread = "; ".join(f"{m} {recall[m].min():.2f}-{recall[m].max():.2f}"
                       for m in recall.mean().sort_values(ascending=False).index)
    seeds, budgets = grid["seed"].dropna().unique(), grid["budget_scale"].dropna().unique()
    where = "; ".join(f"{m}: {_where(grid.loc[best_of_run == m])}" for m in winners.index)
    verdict = ("the same method in every run" if len(winners) == 1
               else f"not the same method in every run, so {top} is best only in the majority of runs")
    return (out + f". Across the robustness grid ({len(grid)} runs: seeds {_values(seeds)} x budget scales "
            f"{_values(budgets)}) {top} is best in {int(winners[top])} of {len(grid)} runs ({where}): {verdict} "
            f"(mean recall, lowest-highest over the runs: {spread}).")


def _where(rows: pd.DataFrame) -> str:
    """Where in the grid ``rows`` (runs with ``seed`` and ``budget_scale``) lie, in words, seed by seed."""
    parts = []
    for seed, g in rows.groupby("seed", sort=True):
        parts.append(f"seed {_values([seed])} at budget scales {_values(g['budget_scale'].unique())}")
    return ", ".join(parts)
