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


def minor_allele_dosage(dosage) -> np.ndarray:
    """Allele counts re-oriented so that each column counts its *minor* allele (frequency <= 0.5),
    shape as ``dosage`` (n_samples, m). Burden and SKAT-style tests need this orientation: summing
    arbitrary "allele 1" counts lets common and rare alleles cancel."""
    D = np.asarray(dosage, dtype=np.float32)
    flip = D.mean(axis=0) / 2 > 0.5
    out = D.copy()
    out[:, flip] = 2 - out[:, flip]
    return out


# ------------------------------------------------------------------------------------------------
# genetic association: single-variant tests and gene-level combinations


def trend_test(dosage, y, covariates=None) -> pd.DataFrame:
    """Cochran-Armitage trend test of every variant (the logistic-regression score test for an additive
    allele effect), optionally adjusted for covariates (e.g. principal components).

    With ``r`` the correlation between the (covariate-residualised) dosage and case status over ``n``
    people, ``chi2 = (n - k) r^2`` on 1 degree of freedom (``k`` covariates; ``k = 0``: Armitage's
    ``n r^2``); ``z = sign(r) sqrt(chi2)``. Computed with matrix products, without copying ``dosage``.

    Parameters
    ----------
    dosage : array (n_samples, m) of allele counts
    y : 0/1 array (n_samples,)
    covariates : array (n_samples, k), optional

    Returns
    -------
    DataFrame with m rows: ``z``, ``chi2``, ``p``. Monomorphic variants get NaN.
    """
    G = np.asarray(dosage)
    G = G if G.dtype in (np.float32, np.float64) else G.astype(np.float32)
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    C = np.ones((n, 1))
    if covariates is not None:
        C = np.column_stack([C, np.asarray(covariates, dtype=np.float64).reshape(n, -1)])
    k = C.shape[1] - 1
    Q, _ = np.linalg.qr(C)  # orthonormal basis of [1, covariates]
    yr = y - Q @ (Q.T @ y)
    num = (G.T @ yr.astype(G.dtype)).astype(np.float64)  # G . y_r = G_r . y_r
    QG = (Q.T.astype(G.dtype) @ G).astype(np.float64)  # (k+1, m)
    sq = np.einsum("ij,ij->j", G, G, dtype=np.float64) - (QG ** 2).sum(0)  # |G_r|^2
    with np.errstate(invalid="ignore", divide="ignore"):
        r = num / np.sqrt(sq * (yr ** 2).sum())
    r = np.where(sq > 1e-9 * n, r, np.nan)
    chi2 = (n - k) * r ** 2
    return pd.DataFrame({"z": np.sign(r) * np.sqrt(chi2), "chi2": chi2, "p": sps.chi2.sf(chi2, 1)})


def allelic_chi2(dosage, y) -> pd.DataFrame:
    """Allelic chi-square test (2 x 2 table of allele counts in cases and controls, no continuity
    correction) of every variant; equals ``scipy.stats.chi2_contingency(table, correction=False)``.

    Returns a DataFrame with ``chi2`` and ``p`` (m rows; NaN for monomorphic variants).
    """
    G = np.asarray(dosage, dtype=np.float64)
    case = np.asarray(y).astype(bool)
    a1 = np.stack([G[case].sum(0), G[~case].sum(0)])  # allele-1 counts in cases, controls
    a2 = np.stack([2 * case.sum() - a1[0], 2 * (~case).sum() - a1[1]])
    table = np.stack([a1, a2])  # (allele, group, m)
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum((0, 1), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        chi2 = ((table - expected) ** 2 / expected).sum((0, 1))
    return pd.DataFrame({"chi2": chi2, "p": sps.chi2.sf(chi2, 1)})


def ld_matrix(dosage) -> np.ndarray:
    """Pearson correlation between the columns of ``dosage`` (n_samples, k): the LD matrix ``R`` (k, k)
    of the null covariance of their trend-test z-scores. Monomorphic columns get 0 off the diagonal."""
    G = np.asarray(dosage, dtype=np.float32)
    G = G - G.mean(0)
    sd = np.sqrt((G.astype(np.float64) ** 2).sum(0))
    sd[sd == 0] = np.inf
    R = (G.T @ G).astype(np.float64) / np.outer(sd, sd)
    np.fill_diagonal(R, 1.0)
    return R


def sum_chi2_pvalue(z, R) -> float:
    """LD-aware gene test: p-value of ``Q = sum(z_i^2)`` over a gene's variants when ``z ~ N(0, R)``.

    Under the null ``Q`` is a weighted sum of independent chi-square(1) variables with weights the
    eigenvalues ``lambda`` of ``R`` (the VEGAS / fastBAT statistic). The p-value uses the
    Satterthwaite-Welch moment match ``Q ~ a chi2(d)``, ``a = sum(l^2) / sum(l)``,
    ``d = sum(l)^2 / sum(l^2)`` (the same two moments Brown's method matches). With ``R = I`` it is the
    chi-square(k) test; with perfect LD (``R`` all ones) it is the single-variant test.
    """
    z = np.asarray(z, dtype=float)
    ok = np.isfinite(z)
    if not ok.any():
        return float("nan")
    z, R = z[ok], np.asarray(R, dtype=float)[np.ix_(ok, ok)]
    # sum(l) = trace(R), sum(l^2) = trace(R^2) = sum of squared entries: no eigendecomposition needed
    return satterthwaite_sf((z ** 2).sum(), float(np.trace(R)), float((R ** 2).sum()))


def satterthwaite_sf(q, s1, s2):
    """P(Q > q) for ``Q = sum_i l_i chi2_1`` with ``s1 = sum(l)``, ``s2 = sum(l^2)``, by the scaled
    chi-square ``a chi2(d)`` with the same mean and variance (``a = s2 / s1``, ``d = s1^2 / s2``)."""
    a, d = np.asarray(s2) / np.asarray(s1), np.asarray(s1) ** 2 / np.asarray(s2)
    return sps.chi2.sf(np.asarray(q) / a, d)


def brown_combine(p, R) -> float:
    """Brown's method: Fisher's ``-2 sum log p`` for dependent tests, scaled to match its mean ``2k`` and
    variance ``4k + 2 sum_{i<j} cov_ij``. ``cov_ij`` is Kost and McDermott's (2002) polynomial
    ``3.263 c + 0.710 c^2 + 0.027 c^3`` evaluated at ``c = rho_ij^2``, the correlation of two chi-square(1)
    statistics whose z-scores correlate ``rho_ij`` (an approximation for two-sided tests; with
    ``R = I`` it is Fisher's method exactly)."""
    p = np.asarray(p, dtype=float)
    ok = np.isfinite(p)
    p, R = np.clip(p[ok], 1e-300, 1.0), np.asarray(R, dtype=float)[np.ix_(ok, ok)]
    k = len(p)
    if k == 0:
        return float("nan")
    r2 = R[np.triu_indices(k, 1)] ** 2
    var = 4 * k + 2 * (3.263 * r2 + 0.710 * r2 ** 2 + 0.027 * r2 ** 3).sum()
    c, f = var / (4 * k), 2 * (2 * k) ** 2 / var
    return float(sps.chi2.sf(-2 * np.log(p).sum() / c, f))


def burden_test(dosage, y, covariates=None) -> tuple[float, float]:
    """Burden test of one gene: the trend test of the sum of *minor*-allele counts over its variants
    (:func:`minor_allele_dosage`). Returns ``(z, p)``."""
    b = minor_allele_dosage(dosage).sum(axis=1, keepdims=True)
    res = trend_test(b, y, covariates).iloc[0]
    return float(res["z"]), float(res["p"])
