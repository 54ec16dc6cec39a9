import numpy as np
import pytest
from scipy import stats as sps
from sklearn import metrics as skm

from genenets import stats


def test_ttest_columns_matches_scipy_and_bonferroni():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5))
    case = np.arange(60) < 20
    X[case, 0] += 2.0
    df = stats.ttest_columns(X, case, columns=list("abcde"), method="bonferroni", alpha=0.01)
    t, p = sps.ttest_ind(X[case], X[~case], equal_var=False)
    assert np.allclose(df.loc[list("abcde"), "p"], p)
    assert np.allclose(df.loc[list("abcde"), "p_adj"], np.minimum(p * 5, 1))
    assert df.index[0] == "a" and df.loc["a", "significant"]
    assert df["significant"].sum() == int((p * 5 < 0.01).sum())


def test_ttest_needs_two_groups():
    with pytest.raises(ValueError, match="one group is empty"):
        stats.ttest_columns(np.zeros((4, 2)), np.ones(4, bool))


def test_adjust_pvalues_keeps_nan():
    reject, adj = stats.adjust_pvalues([0.01, np.nan, 0.04], method="bonferroni", alpha=0.05)
    assert np.isnan(adj[1]) and np.allclose(adj[[0, 2]], [0.02, 0.08]) and list(reject) == [True, False, False]


def test_enrichment_equals_hypergeometric_tail():
    universe = range(100)
    selected, reference = range(10), range(5, 30)
    res = stats.enrichment(selected, reference, universe)
    assert res["overlap"] == 5
    assert res["p"] == pytest.approx(sps.hypergeom.sf(4, 100, 25, 10))


def test_enrichment_empty_reference_is_an_error():
    with pytest.raises(ValueError, match="no member"):
        stats.enrichment([1], [1000], range(10))


def test_empirical_pvalue_never_zero():
    assert stats.empirical_pvalue(-1.0, np.zeros(99)) == pytest.approx(0.01)
    assert stats.empirical_pvalue(5.0, np.arange(10), alternative="greater") == pytest.approx(6 / 11)


def test_auc_wrappers_and_precision_at_k():
    y, s = np.array([0, 1, 1, 0, 1]), np.array([0.1, 0.8, 0.4, 0.5, 0.9])
    assert stats.auroc(y, s) == skm.roc_auc_score(y, s)
    assert stats.aupr(y, s) == skm.average_precision_score(y, s)
    assert stats.precision_at_k(["a", "b", "c", "d"], {"a", "d"}, 2) == 0.5
    m, se = stats.mean_se([1.0, 2.0, 3.0])
    assert m == 2.0 and se == pytest.approx(1 / np.sqrt(3))


def test_combine_pvalues_fisher():
    assert stats.combine_pvalues([0.01, 0.2, np.nan]) == pytest.approx(
        sps.combine_pvalues([0.01, 0.2], method="fisher").pvalue)


# ------------------------------------------------------------------------------------------------
# association tests against scipy / statsmodels on small data


def _genotypes(n=400, m=6, seed=0):
    rng = np.random.default_rng(seed)
    G = rng.binomial(2, rng.uniform(0.1, 0.6, m), size=(n, m)).astype(np.int8)
    y = (rng.random(n) < 0.2 + 0.15 * (G[:, 0] > 0)).astype(int)
    return G, y


def test_allelic_chi2_equals_scipy_contingency():
    G, y = _genotypes()
    res = stats.allelic_chi2(G, y)
    for j in range(G.shape[1]):
        a_case, a_ctrl = G[y == 1, j].sum(), G[y == 0, j].sum()
        table = [[a_case, 2 * (y == 1).sum() - a_case], [a_ctrl, 2 * (y == 0).sum() - a_ctrl]]
        chi2, p, _, _ = sps.chi2_contingency(table, correction=False)
        assert res["chi2"][j] == pytest.approx(chi2) and res["p"][j] == pytest.approx(p)


def test_trend_test_is_n_r2_and_the_partial_correlation_with_covariates():
    import statsmodels.api as sm

    G, y = _genotypes()
    res = stats.trend_test(G, y)
    for j in range(G.shape[1]):
        r = np.corrcoef(G[:, j], y)[0, 1]
        assert res["chi2"][j] == pytest.approx(len(y) * r ** 2, rel=1e-4)  # float32 products
        assert np.sign(res["z"][j]) == np.sign(r)
    # with covariates: chi2 / (n - k) is the squared partial correlation, t^2 / (t^2 + df) of an OLS fit
    rng = np.random.default_rng(1)
    C = rng.normal(size=(len(y), 2))
    adj = stats.trend_test(G, y, C)
    for j in range(G.shape[1]):
        ols = sm.OLS(y.astype(float), sm.add_constant(np.column_stack([C, G[:, j]]))).fit()
        t = ols.tvalues[-1]
        assert adj["chi2"][j] / (len(y) - 2) == pytest.approx(t ** 2 / (t ** 2 + ols.df_resid), rel=1e-4)
    # the score test approximates the logistic likelihood-ratio test on this size
    logit = sm.Logit(y, sm.add_constant(G[:, 0].astype(float))).fit(disp=0)
    assert res["p"][0] == pytest.approx(logit.llr_pvalue, rel=0.3)
    mono = stats.trend_test(np.zeros((10, 1)), np.r_[np.ones(5), np.zeros(5)])
    assert np.isnan(mono["p"][0])


def test_ld_matrix_is_the_genotype_correlation():
    G, _ = _genotypes(m=4)
    np.testing.assert_allclose(stats.ld_matrix(G), np.corrcoef(G.T), atol=1e-6)


def test_sum_chi2_pvalue_limits_and_monte_carlo():
    z = np.array([1.5, -0.5, 2.0])
    assert stats.sum_chi2_pvalue(z, np.eye(3)) == pytest.approx(sps.chi2.sf((z ** 2).sum(), 3))
    # perfect LD: three copies of one test; Q = 3 z^2 and the p-value is the single-variant test's
    assert stats.sum_chi2_pvalue(np.full(3, 2.0), np.ones((3, 3))) == pytest.approx(sps.chi2.sf(4.0, 1))
    rng = np.random.default_rng(0)
    R = np.array([[1, 0.8, 0.3], [0.8, 1, 0.5], [0.3, 0.5, 1]])
    null = ((rng.multivariate_normal(np.zeros(3), R, size=200_000)) ** 2).sum(1)
    for q in (3.0, 8.0, 12.0):
        zq = np.array([np.sqrt(q), 0, 0])
        assert stats.sum_chi2_pvalue(zq, R) == pytest.approx((null > q).mean(), rel=0.15)


def test_brown_is_fisher_without_correlation_and_more_conservative_with_it():
    p = np.array([0.01, 0.2, 0.03])
    assert stats.brown_combine(p, np.eye(3)) == pytest.approx(sps.combine_pvalues(p, method="fisher").pvalue)
    assert stats.brown_combine(p, np.full((3, 3), 0.9) + 0.1 * np.eye(3)) > stats.brown_combine(p, np.eye(3))


def test_minor_allele_orientation_and_burden():
    G = np.array([[2, 0], [2, 1], [1, 0], [2, 0]])  # column 0: allele 1 is the major allele
    np.testing.assert_array_equal(stats.minor_allele_dosage(G), [[0, 0], [0, 1], [1, 0], [0, 0]])
    y = np.array([0, 1, 1, 0])
    z, p = stats.burden_test(G, y)
    assert p == pytest.approx(stats.trend_test(stats.minor_allele_dosage(G).sum(1, keepdims=True), y)["p"][0])
