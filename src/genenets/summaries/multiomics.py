"""Headline numbers, verdict rules and sentences of the multi-omics notebook (09), from result tables.

Claims (declared in the notebook before any result is read):

- **M1** multi-evidence fusion ranks the planted pathway genes above every single-evidence ranking;
- **M2** the GAT's held-out accuracy shows that the latents carry biological signal;
- **M3** the autoencoders learn despite the feature-to-sample ratio (held-out loss below the
  training mean's), and **M3b** (the compendium's check) below a PCA with the same latent size.

Each rule takes a small table and returns one of :data:`genenets.claims.VERDICTS`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import claims

#: fused minus best single evidence: the rule reads the 95% interval of this paired difference
M1_LEVEL = 0.95
#: M2: the GAT must beat the majority class by this much and be within it of the best logistic regression
M2_MARGIN = 0.05
#: M3: "learned" = held-out loss below (1 - this) x the training mean's loss (as train.History.status)
M3_TOLERANCE = 0.05


def bootstrap_ci(values, level: float = M1_LEVEL, n_boot: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """Mean and percentile bootstrap interval of the mean of ``values`` (1-D)."""
    v = np.asarray(values, float)
    if len(v) == 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = rng.choice(v, (n_boot, len(v)), replace=True).mean(axis=1)
    a = (1 - level) / 2
    return float(v.mean()), float(np.quantile(means, a)), float(np.quantile(means, 1 - a))


def ci_verdict(lo: float, hi: float) -> str:
    """Interval of (fused - best single) entirely above 0: reproduced; entirely below: not reproduced;
    containing 0: mixed."""
    if not np.isfinite(lo) or not np.isfinite(hi):
        return claims.NOT_TESTABLE
    if lo > 0:
        return claims.REPRODUCED
    if hi < 0:
        return claims.NOT_REPRODUCED
    return claims.MIXED


def fusion_gain(prec: pd.DataFrame, fused: str, singles, metric: str = "precision") -> dict:
    """Paired gain of ``fused`` over the best single evidence (the one with the highest mean over
    replicates, chosen on the same replicates, which favours the single evidence).

    ``prec`` : rows (seed, evidence, <metric>) at one k. Returns ``{"best_single", "fused_mean",
    "single_mean", "gain", "lo", "hi", "verdict"}``.
    """
    wide = prec.pivot_table(index="seed", columns="evidence", values=metric)
    singles = [s for s in singles if s in wide.columns]
    best = wide[singles].mean().idxmax()
    gain, lo, hi = bootstrap_ci(wide[fused] - wide[best])
    return {"best_single": best, "fused_mean": float(wide[fused].mean()), "single_mean": float(wide[best].mean()),
            "gain": gain, "lo": lo, "hi": hi, "verdict": ci_verdict(lo, hi)}


def m1_verdict(gains: dict) -> str:
    """M1 from the gains of each fusion (``{"seed weights": fusion_gain(...), "cv weights": ...}``):
    all reproduced -> reproduced, all not reproduced -> not reproduced, else mixed."""
    verdicts = [g["verdict"] for g in gains.values()]
    if all(v == claims.NOT_TESTABLE for v in verdicts):
        return claims.NOT_TESTABLE
    if all(v == claims.REPRODUCED for v in verdicts):
        return claims.REPRODUCED
    if all(v == claims.NOT_REPRODUCED for v in verdicts):
        return claims.NOT_REPRODUCED
    return claims.MIXED


def m2_verdict(acc: pd.DataFrame, margin: float = M2_MARGIN) -> tuple[str, dict]:
    """M2 from held-out accuracies ``acc`` (rows task, features, method, accuracy; methods "GAT",
    "logistic regression", "majority"; features "latents" and "raw").

    Per task: the GAT on the latents beats the majority class by more than ``margin`` AND is within
    ``margin`` of the best logistic regression (latents or raw features). Every task yes:
    reproduced; none: not reproduced; some: mixed. Returns ``(verdict, evidence)``.
    """
    votes, ev = [], {}
    for task, d in acc.groupby("task"):
        get = {(r.features, r.method): r.accuracy for r in d.itertuples()}
        gat = get.get(("latents", "GAT"))
        if gat is None:
            continue
        major = get.get(("latents", "majority"), get.get(("raw", "majority")))
        best_lr = max(v for (f, m), v in get.items() if m == "logistic regression")
        ev.update({f"{task}: GAT (latents)": gat, f"{task}: majority": major,
                   f"{task}: best logistic regression": best_lr})
        votes.append(bool(gat > major + margin and gat >= best_lr - margin))
    return claims.from_votes(votes) if votes else claims.NOT_TESTABLE, ev


def heldout_summary(fold_losses: pd.DataFrame) -> pd.DataFrame:
    """Mean held-out loss per omics of the autoencoder, PCA at the same latent size and the training
    mean (``fold_losses``: rows model, heldout_loss, pca_loss, mean_loss, over folds and replicates)."""
    return fold_losses.groupby("model")[["heldout_loss", "pca_loss", "mean_loss"]].mean()


def m3_verdict(summary: pd.DataFrame, tolerance: float = M3_TOLERANCE) -> str:
    """M3: every autoencoder's mean held-out loss below (1 - tolerance) x the training mean's:
    reproduced; none: not reproduced; some: mixed."""
    return claims.from_votes([bool(r.heldout_loss < (1 - tolerance) * r.mean_loss) for r in summary.itertuples()])


def m3b_verdict(fold_losses: pd.DataFrame) -> tuple[str, dict]:
    """M3b: per omics, the autoencoder's held-out loss vs PCA's at the same latent size, paired over
    folds and replicates; the 95% bootstrap interval of (PCA - AE) above 0 for every omics:
    reproduced; below 0 for every omics: not reproduced; else mixed."""
    verdicts, ev = [], {}
    for model, d in fold_losses.groupby("model"):
        gain, lo, hi = bootstrap_ci(d["pca_loss"] - d["heldout_loss"])
        ev[f"{model}: PCA - AE held-out loss"] = gain
        ev[f"{model}: 95% CI low"], ev[f"{model}: 95% CI high"] = lo, hi
        verdicts.append(ci_verdict(lo, hi))
    if not verdicts:
        return claims.NOT_TESTABLE, ev
    if all(v == claims.REPRODUCED for v in verdicts):
        return claims.REPRODUCED, ev
    if all(v == claims.NOT_REPRODUCED for v in verdicts):
        return claims.NOT_REPRODUCED, ev
    return claims.MIXED, ev


# ------------------------------------------------------------------------------------------------
# sentences


def classifier_sentences(acc: pd.DataFrame) -> list[str]:
    """One sentence per task and feature set: the best held-out classifier and the GAT's accuracy."""
    out = []
    by = ["task", "features"] if "features" in acc.columns else ["task"]
    for key, d in acc.groupby(by):
        row = d.set_index("method")["accuracy"]
        best = row.idxmax()
        where = " / ".join(key) if isinstance(key, tuple) else key
        gat = f"; GAT {row['GAT']:.2f}" if "GAT" in row else ""
        out.append(f"{where}: the best held-out classifier is {best} ({row.max():.2f}){gat}, "
                   f"majority {row.get('majority', float('nan')):.2f}.")
    return out


def fusion_sentence(gain: dict, n_replicates: int, k: int, label: str = "fused ranking") -> str:
    """Whether fusion beats the best single evidence, in words, with the interval."""
    word = {claims.REPRODUCED: "beats", claims.NOT_REPRODUCED: "does not beat",
            claims.MIXED: "is not distinguishable from"}.get(gain["verdict"], "cannot be compared with")
    return (f"Over {n_replicates} simulated replicates, the {label} (precision@{k} {gain['fused_mean']:.2f}) "
            f"{word} the best single evidence, {gain['best_single']} ({gain['single_mean']:.2f}): paired gain "
            f"{gain['gain']:+.3f}, 95% CI [{gain['lo']:+.3f}, {gain['hi']:+.3f}].")


def heldout_sentences(summary: pd.DataFrame) -> list[str]:
    """One sentence per autoencoder: held-out loss against PCA's and the training mean's."""
    return [f"{m} autoencoder: held-out loss {r.heldout_loss:.3f} vs PCA with the same latent size "
            f"{r.pca_loss:.3f} and the training mean {r.mean_loss:.3f}." for m, r in summary.iterrows()]


def m3_evidence(summary: pd.DataFrame) -> dict:
    """``{"<omics>: <loss>": value}`` from :func:`heldout_summary`."""
    return {f"{m}: {c}": float(v) for m, r in summary.iterrows() for c, v in r.items()}


def loss_long(fold_losses: pd.DataFrame) -> pd.DataFrame:
    """Fold losses in long form for :func:`genenets.plotting.multiomics.heldout_loss_figure`:
    rows (omics, model in {autoencoder, PCA, training mean}, fold, loss)."""
    names = {"heldout_loss": "autoencoder", "pca_loss": "PCA", "mean_loss": "training mean"}
    long = fold_losses.melt(id_vars=["model", "fold"], value_vars=list(names), var_name="kind", value_name="loss")
    return long.rename(columns={"model": "omics"}).assign(model=lambda d: d["kind"].map(names)).drop(columns="kind")


def headline(prec: pd.DataFrame | None, gains: dict | None, held: pd.DataFrame, acc: pd.DataFrame | None,
             prec_small: pd.DataFrame | None = None) -> dict:
    """At most 15 numbers a reader needs: precision@k of correlation, homology and the two fusions
    (and at the ablation's n), held-out losses, and the GAT's and logistic regression's accuracies."""
    out = {}
    if prec is not None:
        means = prec.groupby("evidence")["precision"].mean()
        for e in ("correlation", "homology", "autoencoder", "gnn", "fused (seed weights)", "fused (CV weights)"):
            if e in means:
                out[f"precision@k {e}"] = float(means[e])
    if prec_small is not None:
        means = prec_small.groupby("evidence")["precision"].mean()
        for e in ("correlation", "fused (CV weights)"):
            if e in means:
                out[f"precision@k {e}, small n"] = float(means[e])
    for m, r in held.iterrows():
        out[f"held-out loss {m}: AE / PCA"] = f"{r.heldout_loss:.3f} / {r.pca_loss:.3f}"
    if acc is not None:
        a = acc.set_index(["task", "features", "method"])["accuracy"]
        for task in acc["task"].unique():
            out[f"{task} accuracy: GAT / logreg (latents)"] = \
                f"{a[(task, 'latents', 'GAT')]:.2f} / {a[(task, 'latents', 'logistic regression')]:.2f}"
    return dict(list(out.items())[:15])


def m1_evidence(gains: dict) -> dict:
    """The numbers M1 rests on: per fusion, the means, the paired gain and its interval."""
    return {f"{w}: {k}": v for w, g in gains.items() for k, v in g.items() if k not in ("verdict", "best_single")}


def verdict_sentences(claim_records) -> list[str]:
    """One plain sentence per decided claim: its id, the claim, the verdict and whether it is robust."""
    out = []
    for c in claim_records:
        c = c if isinstance(c, dict) else c.as_dict()
        robust = "robust" if c.get("robust") else f"not robust ({c.get('why') or 'see the ledger'})"
        out.append(f"{c['id']} - {c['claim']} Verdict: {c['verdict']}; {robust}." + (
            f" Ours: {str(c['ours']).rstrip('.')}." if c.get("ours") else ""))
    return out


def convergence_flags(records, contains: str = "") -> tuple[bool, str]:
    """Whether the trained models whose name contains ``contains`` all converged, and if not a short
    reason counting them by kind and status (e.g. "genes AE: did not learn in 23 of 50 fits").

    ``records`` : rows of :func:`genenets.train.convergence_table` (DataFrame or list of dicts).
    """
    df = pd.DataFrame(records.to_dict("records") if hasattr(records, "to_dict") else list(records))
    if df.empty:
        return True, ""
    df = df[df["model"].str.contains(contains, regex=False)]
    kind = df["model"].str.replace(r"^rep \d+: ", "", regex=True).str.replace(r" fold \d+$", "", regex=True)
    bad = df["status"].isin(claims.UNRELIABLE)
    parts = [f"{k}: {s} in {int(((kind == k) & (df['status'] == s)).sum())} of {int((kind == k).sum())} fits"
             for k, s in sorted(set(zip(kind[bad], df["status"][bad])))]
    return not bad.any(), "; ".join(parts)


def m3b_ours(evidence: dict) -> str:
    """Short text for the ledger: PCA minus autoencoder held-out loss per omics (from :func:`m3b_verdict`)."""
    return "; ".join(f"{k.split(':')[0]} PCA - AE {v:+.3f}" for k, v in evidence.items() if k.endswith("AE held-out loss"))
