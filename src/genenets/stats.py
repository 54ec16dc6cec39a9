"""Statistics shared by the notebooks: thin, documented wrappers over scipy, statsmodels and
scikit-learn so that each notebook states its tests in one line."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps
from sklearn import metrics as skm
from statsmodels.stats.multitest import multipletests


def adjust_pvalues(p, method: str = "fdr_bh", alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Multiple-testing correction (statsmodels). Returns ``(reject, p_adjusted)``.

    ``method``: ``"bonferroni"``, ``"fdr_bh"``, ``"holm"``, ... (see ``statsmodels.stats.multitest``).
    NaN p-values are kept as NaN and not counted as tests.
    """
    p = np.asarray(p, dtype=float)
    reject, adjusted = np.zeros(p.shape, bool), np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        reject[ok], adjusted[ok], _, _ = multipletests(p[ok], alpha=alpha, method=method)
    return reject, adjusted


def ttest_columns(X, is_case, columns=None, method: str = "bonferroni", alpha: float = 0.01,
                  equal_var: bool = False) -> pd.DataFrame:
    """t-test of every column of ``X`` between cases and controls (Welch's, or Student's pooled-variance
    test with ``equal_var=True``), with multiple-testing correction.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
    is_case : bool array of shape (n_samples,)
    columns : names of the features
    method, alpha : multiple-testing correction and level

    Returns
    -------
    DataFrame indexed by feature: ``t``, ``p``, ``p_adj``, ``significant``, sorted by ``p``.
    Constant features give NaN statistics and are not counted as tests.
    """
    X = np.asarray(X, dtype=float)
    is_case = np.asarray(is_case, dtype=bool)
    if is_case.all() or not is_case.any():
        raise ValueError("t-test needs both cases and controls; one group is empty")
    with np.errstate(invalid="ignore", divide="ignore"):
        t, p = sps.ttest_ind(X[is_case], X[~is_case], axis=0, equal_var=equal_var)
    reject, p_adj = adjust_pvalues(p, method=method, alpha=alpha)
    df = pd.DataFrame({"t": t, "p": p, "p_adj": p_adj, "significant": reject},
                      index=pd.Index(columns if columns is not None else np.arange(X.shape[1]), name="feature"))
    return df.sort_values("p")


def enrichment(selected, reference, universe) -> dict:
    """One-sided Fisher exact test that ``selected`` is enriched for ``reference`` within ``universe``.

    Returns ``{"overlap", "n_selected", "n_reference", "n_universe", "odds_ratio", "p"}``.
    Both sets are intersected with the universe first.
    """
    universe = set(universe)
    selected, reference = set(selected) & universe, set(reference) & universe
    if not reference:
        raise ValueError("enrichment: the reference gene set has no member in the universe")
    a = len(selected & reference)
    b = len(selected - reference)
    c = len(reference - selected)
    d = len(universe) - a - b - c
    odds, p = sps.fisher_exact([[a, b], [c, d]], alternative="greater")
    return {"overlap": a, "n_selected": len(selected), "n_reference": len(reference), "n_universe": len(universe),
            "odds_ratio": float(odds), "p": float(p)}


def combine_pvalues(p, method: str = "fisher") -> float:
    """Combined p-value over independent tests (scipy's ``combine_pvalues``)."""
    p = np.asarray(p, dtype=float)
    p = p[~np.isnan(p)]
    return float(sps.combine_pvalues(np.clip(p, 1e-300, 1.0), method=method).pvalue)


def empirical_pvalue(observed: float, null, alternative: str = "less") -> float:
    """Empirical p-value of ``observed`` against null draws, with the +1 correction
    (a p-value is never 0). ``alternative="less"``: small values are extreme."""
    null = np.asarray(null, dtype=float)
    extreme = (null <= observed) if alternative == "less" else (null >= observed)
    return float((extreme.sum() + 1) / (len(null) + 1))


def auroc(y_true, score) -> float:
    return float(skm.roc_auc_score(y_true, score))


def aupr(y_true, score) -> float:
    """Area under the precision-recall curve as average precision (scikit-learn)."""
    return float(skm.average_precision_score(y_true, score))


def mean_se(values) -> tuple[float, float]:
    """Mean and standard error of the mean (ddof=1; SE is NaN for a single value)."""
    v = np.asarray(values, dtype=float)
    se = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")
    return float(v.mean()), se


def precision_at_k(ranked, relevant, k: int) -> float:
    """Fraction of the first ``k`` items of ``ranked`` that are in ``relevant``."""
    top = list(ranked)[:k]
    return len(set(top) & set(relevant)) / max(k, 1)
