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
