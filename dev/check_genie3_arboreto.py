"""Check our GENIE3 against arboreto's (the reference implementation of GENIE3 / GRNBoost2) on one DREAM4 network.

    pip install arboreto==0.1.6 pyarrow   # not in the lock: this one-off check only (pyarrow: arboreto's dask import)
    python dev/check_genie3_arboreto.py [--trees 300] [--network 1]

Both run random forests with K = sqrt and the same number of trees on the same matrix (network N's ten time series,
210 samples x 100 genes, every gene a candidate regulator of every other). Writes
``figures/checks/genie3_arboreto.csv`` (one row per method: DREAM AUPR / AUROC, average precision) and
``genie3_arboreto_agreement.csv`` (rank agreement of the scores), which ``figures/checks/README.md`` describes.

The one known difference is by design: the GENIE3 paper (Huynh-Thu et al. 2010) scales each target to unit variance
and sums the trees' raw variance reductions, so a well-predicted target's regulators rank above a poorly predicted
one's; arboreto uses scikit-learn's ``feature_importances_``, normalised to sum to 1 per target. Within one target the
two orders agree up to the forests' randomness, which a second seed of our own measures (the noise floor).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from genenets import datasets
from genenets.tools import grn

OUT = Path(__file__).resolve().parents[1] / "figures" / "checks"


def arboreto_matrix(X: np.ndarray, genes: list[str], n_estimators: int, seed: int) -> np.ndarray:
    """arboreto's GENIE3 scores as a (regulator, target) matrix.

    arboreto's own per-target step (``arboreto.core.infer_partial_network``: its regressor, its importances) is
    called target by target; its dask graph (``arboreto.algo.genie3``) is not, because arboreto 0.1.6 fails with
    today's dask ("Must supply at least one delayed object" from ``dask.dataframe.from_delayed``)."""
    from arboreto.core import RF_KWARGS, infer_partial_network, to_tf_matrix  # RF, max_features sqrt

    kwargs = {**RF_KWARGS, "n_estimators": n_estimators}
    tf_matrix, tf_names = to_tf_matrix(X, genes, genes)
    links = pd.concat([infer_partial_network("RF", kwargs, tf_matrix, tf_names, g, X[:, j], seed=seed)
                       for j, g in enumerate(genes)])
    index = {g: i for i, g in enumerate(genes)}
    m = np.zeros((len(genes), len(genes)))
    m[links["TF"].map(index).to_numpy(), links["target"].map(index).to_numpy()] = links["importance"].to_numpy()
    return m


def per_target_spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Median over targets of Spearman's rho between two score columns (self-pairs left out)."""
    n = a.shape[0]
    rhos = [spearmanr(np.delete(a[:, j], j), np.delete(b[:, j], j)).statistic for j in range(n)]
    return float(np.nanmedian(rhos))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trees", type=int, default=300)  # quick's count (the papers: 1,000)
    ap.add_argument("--network", type=int, default=1)
    args = ap.parse_args(argv)
    try:
        import arboreto  # noqa: F401
    except ImportError as err:
        print(f"arboreto is not installed ({err}); pip install arboreto==0.1.6 pyarrow", file=sys.stderr)
        return 2
    net = datasets.load("dream4", n_networks=args.network).data[args.network - 1]
    ts = np.asarray(net.timeseries, dtype=float)
    X = ts.reshape(-1, ts.shape[2])
    genes = [str(g) for g in net.genes]
    adj = np.asarray(net.adjacency())
    scores, seconds = {}, {}
    for label, fn in [
        ("ours RF (seed 0)", lambda: grn.GENIE3(args.trees, "RF", random_state=0).fit(ts).scores_),
        ("ours RF (seed 1)", lambda: grn.GENIE3(args.trees, "RF", random_state=1).fit(ts).scores_),
        ("ours ET (quick's engine, seed 0)", lambda: grn.GENIE3(args.trees, "ET", random_state=0).fit(ts).scores_),
        ("arboreto RF (seed 0)", lambda: arboreto_matrix(X, genes, args.trees, seed=0)),
    ]:
        t0 = time.process_time()
        scores[label] = fn()
        seconds[label] = round(time.process_time() - t0, 1)
    ours = scores["ours RF (seed 0)"]
    col_sums = ours.sum(axis=0, keepdims=True)
    scores["ours RF, normalised per target like arboreto"] = ours / np.where(col_sums > 0, col_sums, 1.0)
    rows = []
    for label, m in scores.items():
        ev = grn.evaluate_matrix(m, adj)
        rows.append({"method": label, "network": net.name, "trees": args.trees, **ev,
                     "cpu_s_in_this_process": seconds.get(label, 0.0)})
    reg, tgt = grn.ordered_pairs(adj.shape[0])
    arb = scores["arboreto RF (seed 0)"]
    agreement = pd.DataFrame([
        {"pair": "ours RF seed 0 vs arboreto RF",
         "spearman_all_pairs": spearmanr(ours[reg, tgt], arb[reg, tgt]).statistic,
         "median_spearman_within_target": per_target_spearman(ours, arb)},
        {"pair": "ours RF seed 0 vs ours RF seed 1 (noise floor)",
         "spearman_all_pairs": spearmanr(ours[reg, tgt], scores["ours RF (seed 1)"][reg, tgt]).statistic,
         "median_spearman_within_target": per_target_spearman(ours, scores["ours RF (seed 1)"])},
        {"pair": "ours RF normalised per target vs arboreto RF",
         "spearman_all_pairs": spearmanr(scores["ours RF, normalised per target like arboreto"][reg, tgt],
                                         arb[reg, tgt]).statistic,
         "median_spearman_within_target": np.nan},  # within one target the scaling changes no order
    ])
    OUT.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows)
    table.to_csv(OUT / "genie3_arboreto.csv", index=False)
    agreement.to_csv(OUT / "genie3_arboreto_agreement.csv", index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(4).to_string(index=False))
        print(agreement.round(4).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
