"""Headline metrics, verdict rules and sentences of the GENER notebook (07), from its result tables.

A result table is long: one row per (benchmark, scheme, test split, method) with ``auroc`` (the
paper's micro-average), ``aupr``, ``mcc_0``, ``mcc_1``, ``auroc_class1``. Benchmarks are
``"original"`` (the paper's balanced pairs) and ``"degree-balanced"`` (every gene as often among
negatives as among positives). Methods: ``"GENER (paper)"``, ``"CNN-only (paper)"``,
``"GENER (authors)"``, ``"CNN-only (authors)"``, ``"GNE"``, ``"node2vec"``, ``"degree"``,
``"|Pearson|"``, ``"|Spearman|"``.
"""
from __future__ import annotations

import pandas as pd

from .. import claims

#: Paper's Table 4 AUROC (BioGRID&DREAM5, 536 arrays, random pair split).
PAPER_AUROC = {"GENER": 0.834, "GNE": 0.825, "node2vec": 0.739, "|Pearson|": 0.582}
#: The same numbers keyed by our method names (both GENER variants carry the paper's GENER value).
PAPER_BY_METHOD = {"GENER (paper)": 0.834, "GENER (authors)": 0.834, "GNE": 0.825, "node2vec": 0.739,
                   "|Pearson|": 0.582}
VARIANTS = ("paper", "authors")
#: E1/E3 margins (AUROC): a difference within it is a tie (mixed).
MARGIN = 0.01
#: The degree-balanced benchmark is valid only if the degree-only baseline scores within this range.
DEGREE_CHANCE = (0.45, 0.55)

CLAIMS = {
    "E1": ("GENER's parallel network (CNN + product MLP) beats its CNN-only branch", "Table 3",
           "AUROC 0.834 vs lower for CNN-only"),
    "E2": ("GENER > GNE > node2vec > |Pearson| correlation in AUROC on BioGRID&DREAM5 pairs", "Table 4",
           "0.834 > 0.825 > 0.739 > 0.582"),
    "E3": ("GENER beats expression-free baselines (degree, node2vec) when degree carries no signal "
           "(degree-balanced negatives)", "compendium's own check", ""),
}

RULES = {
    "E1": ("Original benchmark, random split, micro AUROC: for each GENER variant (paper text, authors' code), "
           f"GENER vs its own CNN-only ablation; > {MARGIN} better: yes, > {MARGIN} worse: no, else tie. Both "
           "variants yes: reproduced; both no: not reproduced; otherwise mixed."),
    "E2": ("Original benchmark, random split, micro AUROC: GENER > GNE > node2vec > |Pearson| as adjacent "
           "pairs (claims.ordering), once with each GENER variant; the same verdict with both: that verdict, "
           "otherwise mixed."),
    "E3": ("Degree-balanced benchmark, random split, micro AUROC: for each GENER variant, GENER vs the best "
           f"expression-free baseline (degree, and node2vec when run) with margin {MARGIN}, combined as E1. "
           "Not testable "
           f"if the degree-only baseline falls outside {DEGREE_CHANCE[0]}-{DEGREE_CHANCE[1]} there (then "
           "the balancing failed)."),
}


def auroc_of(table: pd.DataFrame, benchmark: str = "original", split: str = "random",
             metric: str = "auroc") -> dict:
    """``{method: metric}`` on one benchmark and test split."""
    rows = table[(table["benchmark"] == benchmark) & (table["split"] == split)]
    return {m: float(v) for m, v in zip(rows["method"], rows[metric])}


def combine(verdicts) -> str:
    """One verdict from several (per GENER variant): all equal -> that one, else mixed."""
    verdicts = list(verdicts)
    return verdicts[0] if len(set(verdicts)) == 1 else claims.MIXED


def _missing(a: dict, needed) -> str:
    gone = [m for m in needed if m not in a]
    return f"methods not run: {', '.join(gone)}" if gone else ""


def e1(table: pd.DataFrame) -> tuple[str, dict, str]:
    """E1 (Table 3): GENER beats its CNN-only ablation, per variant.
    Returns ``(verdict, evidence, why)``; ``why`` is non-empty when not testable."""
    a = auroc_of(table)
    needed = [f"{k} ({v})" for v in VARIANTS for k in ("GENER", "CNN-only")]
    if _missing(a, needed):
        return claims.NOT_TESTABLE, {}, _missing(a, needed)
    verdict = combine(claims.greater(a[f"GENER ({v})"], a[f"CNN-only ({v})"], margin=MARGIN) for v in VARIANTS)
    return verdict, {m: a[m] for m in needed}, ""


def e2(table: pd.DataFrame) -> tuple[str, dict, str]:
    """E2 (Table 4): GENER > GNE > node2vec > |Pearson|, with each variant as GENER."""
    a = auroc_of(table)
    needed = ["GENER (paper)", "GENER (authors)", "GNE", "node2vec", "|Pearson|"]
    if _missing(a, needed):
        return claims.NOT_TESTABLE, {}, _missing(a, needed)
    verdict = combine(claims.ordering({**a, "GENER": a[f"GENER ({v})"]}, ["GENER", "GNE", "node2vec", "|Pearson|"])
                      for v in VARIANTS)
    return verdict, {m: a[m] for m in needed}, ""


def e3(table: pd.DataFrame) -> tuple[str, dict, str]:
    """E3 (ours): on degree-balanced negatives GENER beats expression-free baselines.
    Returns ``(verdict, evidence, why)``; ``why`` is non-empty when not testable."""
    a = auroc_of(table, "degree-balanced")
    needed = ["GENER (paper)", "GENER (authors)", "degree"]
    if _missing(a, needed):
        return claims.NOT_TESTABLE, {}, _missing(a, needed)
    free = [m for m in ("degree", "node2vec") if m in a]  # node2vec when it was run
    best_free = max(free, key=a.get)
    evidence = {m: a[m] for m in needed + free[1:]}
    if not DEGREE_CHANCE[0] <= a["degree"] <= DEGREE_CHANCE[1]:
        return claims.NOT_TESTABLE, evidence, (f"the degree-only baseline scores {a['degree']:.3f} on the "
                                                f"degree-balanced benchmark, outside {DEGREE_CHANCE}")
    verdict = combine(claims.greater(a[f"GENER ({v})"], a[best_free], margin=MARGIN) for v in VARIANTS)
    return verdict, evidence, ""


def survival(table: pd.DataFrame, split: str = "random") -> pd.DataFrame:
    """Per method: AUROC on the original and the degree-balanced benchmark, and the share of its
    margin above chance that survives balancing, ``(balanced - 0.5) / (original - 0.5)``."""
    o, b = auroc_of(table, "original", split), auroc_of(table, "degree-balanced", split)
    rows = [{"method": m, "original": o[m], "degree-balanced": b[m],
             "surviving share": (b[m] - 0.5) / (o[m] - 0.5) if o[m] != 0.5 else float("nan")}
            for m in o if m in b]
    return pd.DataFrame(rows)


def paper_table4(table: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 4 AUROC beside ours (original benchmark, random split)."""
    a = auroc_of(table)
    names = {"GENER": ["GENER (paper)", "GENER (authors)"], "GNE": ["GNE"], "node2vec": ["node2vec"],
             "|Pearson|": ["|Pearson|"]}
    return pd.DataFrame([{"method": ours, "paper AUROC (536 DREAM5 arrays)": PAPER_AUROC[paper],
                          "our AUROC (50 cell-cycle arrays)": a.get(ours, float("nan"))}
                         for paper, mine in names.items() for ours in mine])


def metric_dict(table: pd.DataFrame, column: str) -> dict:
    """``{benchmark: {split: {method: value}}}`` of one metric column."""
    return {bm: {s: dict(zip(g["method"], g[column].round(4))) for s, g in t.groupby("split", sort=False)}
            for bm, t in table.groupby("benchmark", sort=False)}


def record_metrics(run, table: pd.DataFrame) -> None:
    """``metrics.auroc/aupr/mcc/auroc_class1[benchmark][split][method]`` and the paper's Table 4."""
    for column, name in [("auroc", "auroc"), ("aupr", "aupr"), ("mcc_1", "mcc"), ("auroc_class1", "auroc_class1")]:
        run.metrics[name] = metric_dict(table, column)
    run.paper["auroc"] = {"original": {"random": dict(PAPER_AUROC)}}


def headline(table: pd.DataFrame) -> dict:
    """At most 15 numbers for REPORT.md: random-split AUROC of the main methods on both benchmarks
    and GENER's on the split with no gene seen in training (C3)."""
    out = {}
    for bm in ("original", "degree-balanced"):
        a = auroc_of(table, bm)
        for m in ("GENER (paper)", "GENER (authors)", "CNN-only (authors)", "GNE", "node2vec", "degree"):
            if m in a:
                out[f"{bm} random AUROC: {m}"] = round(a[m], 4)
    c3 = auroc_of(table, "original", "C3", "auroc_class1")
    for m in ("GENER (paper)", "GENER (authors)"):
        if m in c3:
            out[f"original C3 class-1 AUROC: {m}"] = round(c3[m], 4)
    return dict(list(out.items())[:15])


def summary_sentences(table: pd.DataFrame) -> list[str]:
    """Which method wins on each benchmark (random split and C3), computed from the table."""
    out = []
    for bm in table["benchmark"].unique():
        a = auroc_of(table, bm)
        best = max(a, key=a.get)
        out.append(f"[{bm}] random split: best {best} ({a[best]:.3f}); degree-only {a['degree']:.3f}; "
                   + ", ".join(f"{m} {a[m]:.3f}" for m in a if m not in (best, "degree")) + ".")
        c3 = auroc_of(table, bm, "C3", "auroc_class1")
        if c3:
            best3 = max(c3, key=c3.get)
            out.append(f"[{bm}] no gene seen in training (C3, class-1 AUROC, chance 0.5): best {best3} "
                       f"({c3[best3]:.3f}); degree {c3.get('degree', float('nan')):.3f}.")
    return out


def learning_sentences(convergence: pd.DataFrame) -> list[str]:
    """Per benchmark (models of the deciding label set: names without a ``label_set:`` prefix), how many
    trained models the 5 % rule calls "did not learn", their range of best-loss / no-learning-loss ratio
    and of validation AUROC (column ``val_auroc``): a model can rank validation pairs better than
    chance while its loss stays within 5 % of ln 2.

    convergence : :func:`genenets.train.convergence_table` rows plus ``val_auroc``; model names
    ``"<benchmark>/<scheme>/<method>"``.
    """
    out = []
    main = convergence[~convergence["model"].str.contains(":")]
    for bm, rows in main.groupby(main["model"].str.split("/").str[0], sort=False):
        flagged = rows[rows["status"] == "did not learn"]
        if flagged.empty:
            out.append(f"[{bm}] every trained model learned by the 5 % rule ({len(rows)} models).")
            continue
        out.append(f"[{bm}] {len(flagged)} of {len(rows)} trained models 'did not learn' by the 5 % rule (best "
                   f"validation loss {flagged['loss_ratio'].min():.3f}-{flagged['loss_ratio'].max():.3f} x the "
                   f"no-learning loss), with validation AUROC {flagged['val_auroc'].min():.3f}-"
                   f"{flagged['val_auroc'].max():.3f} (chance 0.5).")
    return out
