"""Headline numbers, sentences and verdict rules of the DREAM4 gene-regulatory-network paper (notebook 08).

Every function reads tables made by :mod:`genenets.tools.grn` (``summary``: one row per protocol x
method x network, plus a ``network == "mean"`` row per protocol x method) and returns numbers,
sentences or one of :data:`genenets.claims.VERDICTS`.
"""
from __future__ import annotations

import pandas as pd

from .. import claims


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


# ------------------------------------------------------------------------------------------------
# verdict rules of claims R1-R4 (declared in the notebook before the results are read)

NEURAL_ORDER = ("AE+NN", "LSTM", "CNN")  # R2: the paper's order, strongest first


def r1_verdict(neural_aupr: float, neural_auroc: float, reference_aupr: float, reference_auroc: float) -> str:
    """R1 "the neural models beat the DREAM4 top methods on AUPR but not on AUROC": two votes, the best
    neural model's AUPR above the reference's, and its AUROC not above the reference's. Both true:
    reproduced; both false: not reproduced; one: mixed."""
    return claims.from_votes([neural_aupr > reference_aupr, neural_auroc <= reference_auroc])


def r2_verdict(means: dict) -> str:
    """R2 "AE+NN strongest, RNN close, CNN weakest": ``means`` = ``{model: mean AUPR}``; AE+NN > LSTM > CNN
    in both adjacent pairs: reproduced; in neither: not reproduced; one: mixed."""
    return claims.ordering(means, list(NEURAL_ORDER))


def r3_verdict(aupr_by_network: dict, random_by_network: dict, factor: float = 2.0) -> str:
    """R3 "a supervised pair classifier transfers to an unseen network": one vote per held-out network,
    the neural model's AUPR at least ``factor`` x the random AUPR (edge density). All: reproduced;
    none: not reproduced; some: mixed."""
    return claims.from_votes([aupr_by_network[n] >= factor * random_by_network[n] for n in aupr_by_network])


def r4_verdict(all_data_aupr: float, time_series_aupr: float, margin: float = 0.02) -> str:
    """R4 "all data types beat time series alone": the best all-data method's mean AUPR against the best
    time-series-only method's, with a margin: :func:`genenets.claims.greater`."""
    return claims.greater(all_data_aupr, time_series_aupr, margin=margin)


def per_seed_verdicts(results: pd.DataFrame, rule, protocol: str, metric: str = "aupr") -> dict:
    """Apply ``rule({method: mean over networks})`` to each seed of ``results`` (one row per protocol x
    method x network x seed) for the neural models; returns ``{seed: verdict}``."""
    sub = results[(results["protocol"] == protocol) & (results["kind"] == "neural")]
    means = sub.groupby(["seed", "method"])[metric].mean().unstack("method")
    return {int(seed): rule(row.to_dict()) for seed, row in means.iterrows()}


def best(summary: pd.DataFrame, protocol: str, kind: str | None = None, metric: str = "aupr") -> pd.Series:
    """The ``network == "mean"`` row with the highest ``metric`` of a protocol (and kind)."""
    sub = summary[(summary["protocol"] == protocol) & (summary["network"] == "mean")]
    if kind is not None:
        sub = sub[sub["kind"] == kind]
    return sub.sort_values(metric, ascending=False).iloc[0]


def method_means(table: pd.DataFrame) -> pd.DataFrame:
    """Mean over networks per method of :func:`genenets.tools.grn.method_table` rows (``data`` kept), best first,
    with the DREAM4 overall score (``-0.5 (mean log10 p_AUPR + mean log10 p_AUROC)``)."""
    g = table.groupby(["method", "data"], sort=False)
    out = g.agg(aupr=("aupr", "mean"), auroc=("auroc", "mean"), average_precision=("average_precision", "mean"),
                random_aupr=("random_aupr", "mean"), n_networks=("network", "nunique"),
                lp_aupr=("log10_p_aupr", "mean"), lp_auroc=("log10_p_auroc", "mean")).reset_index()
    out["dream_overall_score"] = -0.5 * (out.pop("lp_aupr") + out.pop("lp_auroc"))
    return out.sort_values("aupr", ascending=False).reset_index(drop=True)


def winners_sentence(means: pd.DataFrame) -> str:
    """Which method wins overall and which wins with time series only (rows of :func:`method_means`)."""
    top = means.iloc[0]
    ts = means[means["data"] == "time series"]
    text = (f"Best overall: {top['method']} ({top['data']}), mean DREAM AUPR {top['aupr']:.3f}, AUROC "
            f"{top['auroc']:.3f} over {int(top['n_networks'])} networks")
    if len(ts):
        t = ts.iloc[0]
        text += (f"; best with time series only: {t['method']}, AUPR {t['aupr']:.3f}, AUROC {t['auroc']:.3f}")
    return text + "."


def replace_aupr(table: pd.DataFrame, method: str, aupr_by_network: dict) -> pd.DataFrame:
    """A copy of a method table with ``method``'s AUPR per network replaced (e.g. one seed's values)."""
    out = table.copy()
    rows = out["method"] == method
    out.loc[rows, "aupr"] = out.loc[rows, "network"].map(aupr_by_network).to_numpy()
    return out


def r4_means(table: pd.DataFrame) -> tuple[dict, dict]:
    """R4's two sides from a method table (``method``, ``data``, ``network``, ``aupr``): the best method
    using all data types (``data`` starting "all data") and the best time-series method (``data``
    starting "time series"), each chosen by its mean AUPR, then both averaged over the networks both
    ran on. Returns two dicts: ``method``, ``aupr``, ``n_networks``."""
    def pick(prefix):
        sub = table[table["data"].str.startswith(prefix)]
        if sub.empty:
            raise ValueError(f"no method with data {prefix!r} in the table")
        return sub.groupby("method")["aupr"].mean().idxmax()

    a, t = pick("all data"), pick("time series")
    nets_a = set(table.loc[table["method"] == a, "network"])
    common = nets_a & set(table.loc[table["method"] == t, "network"])

    def side(m):
        rows = table[(table["method"] == m) & table["network"].isin(common)]
        return {"method": m, "aupr": float(rows["aupr"].mean()), "n_networks": len(common)}

    return side(a), side(t)


def headline(means: pd.DataFrame, summary: pd.DataFrame, combination: pd.Series) -> dict:
    """At most 15 numbers for REPORT.md: mean DREAM AUPR of the 11 best methods (over the networks each
    ran on), the combination's AUROC, and the best neural model's AUPR and AUROC under both protocols."""
    out = {f"mean DREAM AUPR, {m} ({int(n)} nets)": float(a)
           for m, a, n in zip(means["method"][:11], means["aupr"][:11], means["n_networks"][:11])}
    out["mean DREAM AUROC, combination (LONO)"] = float(combination["auroc"])
    for protocol in ("leave_one_network_out", "random_split"):
        nn = best(summary, protocol, "neural")
        out[f"best neural {protocol.replace('_', ' ')}: {nn['method']} AUROC"] = float(nn["auroc"])
    out["edge density (random AUPR)"] = float(means["random_aupr"].mean())
    return dict(list(out.items())[:15])


def chosen_settings(search: pd.DataFrame) -> dict:
    """``{model: {"width": w, "lr": r}}`` of the chosen rows of the width / learning-rate search table."""
    rows = search[search["chosen"]] if len(search) else search
    return {m: {"width": int(w), "lr": float(r)} for m, w, r in zip(rows["model"], rows["width"], rows["lr"])}


def search_sentence(search: pd.DataFrame) -> str:
    """One sentence: per model, the width and learning rate chosen on validation loss, among how many tried."""
    if search is None or not len(search):
        return "No search: every model used the one width and learning rate given."
    parts = []
    for model, g in search.groupby("model", sort=False):
        c = g[g["chosen"]].iloc[0]
        parts.append(f"{model}: width {int(c['width'])}, lr {c['lr']:g} (validation loss {c['val_loss']:.3f}; "
                     f"{len(g)} settings tried, {int((g['status'] == 'converged').sum())} converged)")
    return "Chosen on the validation pairs of the training networks: " + "; ".join(parts) + "."


def verdict_sentences(claim_records, per_seed: dict | None = None) -> list[str]:
    """One sentence per decided claim: its verdict, whether its seeds agree (``per_seed``: ``{claim id:
    {seed: verdict}}`` where the notebook decided it per seed), whether budgets were varied, and robustness."""
    out = []
    for c in claim_records:
        c = c if isinstance(c, dict) else c.as_dict()
        votes = (per_seed or {}).get(c["id"]) or {}
        if len(votes) > 1:
            agree = claims.robust_across(votes.values())
            seeds = (f"its {len(votes)} seeds {'agree' if agree else 'disagree'}"
                     + ("" if agree else " (" + ", ".join(f"seed {s}: {v}" for s, v in votes.items()) + ")"))
        else:
            seeds = f"decided at {c.get('seeds', 1)} seed{'s' if c.get('seeds', 1) != 1 else ''}"
        budgets = ("budgets varied in this run" if c.get("budgets_varied") else
                   "one training budget per model here (" + ", ".join(map(str, c.get("budgets") or [])) +
                   "), the robustness grid varies it" if c.get("budgets") else "no trained model")
        robust = "robust" if c.get("robust") else f"not robust: {c.get('why') or 'see the ledger'}"
        out.append(f"{c['id']} ({c['claim']}): {c['verdict']}; {seeds}; {budgets}; {robust}.")
    return out
