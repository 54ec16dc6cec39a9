"""Headline metrics, verdict rules and sentences of the GENER notebook (07), from its result tables.

Result tables are long: one row per (label set, scheme, test split, method) with ``auroc`` (the
paper's micro-average), ``aupr``, ``mcc_0``, ``mcc_1``, ``auroc_class1``.
"""
from __future__ import annotations

import pandas as pd

#: Paper's Table 4 AUROC (BioGRID&DREAM5, 536 arrays, random pair split).
PAPER_AUROC = {"GENER": 0.834, "GNE": 0.825, "node2vec": 0.739, "|Pearson|": 0.582}


def metric_dict(table: pd.DataFrame, column: str) -> dict:
    """``{split: {method: value}}`` of one metric column of a benchmark table."""
    return {s: dict(zip(g["method"], g[column].round(4))) for s, g in table.groupby("split", sort=False)}


def record_metrics(run, table: pd.DataFrame, label_set: str) -> list[str]:
    """Store ``metrics.auroc/aupr/mcc[split][method]`` of ``label_set`` (and the other label sets'
    AUROC under ``<label_set>_auroc``), the paper's Table 4, and return computed sentences."""
    main = table[table["label_set"] == label_set]
    run.metrics["auroc"] = metric_dict(main, "auroc")
    run.metrics["aupr"] = metric_dict(main, "aupr")
    run.metrics["mcc"] = metric_dict(main, "mcc_1")  # for two classes MCC(class 0) == MCC(class 1)
    for other in table["label_set"].unique():
        if other != label_set:
            run.metrics[f"{other}_auroc"] = metric_dict(table[table["label_set"] == other], "auroc")
    run.paper["auroc"] = {"random": dict(PAPER_AUROC)}
    return summary_sentences(main, label_set)


def summary_sentences(table: pd.DataFrame, label_set: str = "") -> list[str]:
    """Which method wins where, and how far hub recognition alone goes, from a benchmark table."""
    out = []
    rand = table[table["split"] == "random"].set_index("method")["auroc"]
    best = rand.idxmax()
    out.append(f"[{label_set}] Random pair split: best AUROC {best} ({rand[best]:.3f}); GENER {rand['GENER']:.3f} "
               f"vs paper 0.834; CNN-only {rand['CNN-only']:.3f}; |Pearson| {rand['|Pearson|']:.3f} vs paper 0.582.")
    if best != "GENER":
        out.append(f"[{label_set}] A baseline ({best}) beats GENER on the random split by "
                   f"{rand[best] - rand['GENER']:.3f} AUROC.")
    out.append(f"[{label_set}] The degree-only baseline, which reads no expression, reaches {rand['degree']:.3f} "
               f"AUROC on the random split ({rand['degree'] - 0.5:.3f} above chance; GENER "
               f"{rand['GENER'] - 0.5:.3f} above chance).")
    if "C3" in set(table["split"]):
        c3 = table[table["split"] == "C3"].set_index("method")["auroc"]
        others = ", ".join(f"{m} {c3[m]:.3f}" for m in c3.index if m != c3.idxmax())
        out.append(f"[{label_set}] No gene seen in training (C3): best {c3.idxmax()} ({c3.max():.3f}); {others}.")
        b3 = table[table["split"] == "C3"].set_index("method")["auroc_class1"]
        out.append(f"[{label_set}] C3, ordinary AUROC of the interaction class (0.5 = chance whatever the balance): "
                   + ", ".join(f"{m} {b3[m]:.3f}" for m in b3.index) + ".")
        c1 = table[table["split"] == "C1"].set_index("method")["auroc"]
        out.append(f"[{label_set}] Both genes seen, pair unseen (C1): best {c1.idxmax()} ({c1.max():.3f}); "
                   f"GENER {c1['GENER']:.3f}, degree {c1['degree']:.3f}.")
    return out
