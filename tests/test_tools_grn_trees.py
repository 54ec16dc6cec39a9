"""The compiled extra-trees kernel of GENIE3 against scikit-learn's ExtraTreesRegressor."""
import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.ensemble import ExtraTreesRegressor

from genenets.tools import grn
from genenets.tools.grn_trees import extra_trees_importances


def _data(n=150, p=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    Y = np.stack([2 * X[:, 0] + X[:, 1], np.sin(2 * X[:, 2]) + 0.3 * rng.normal(size=n), X[:, 3] * X[:, 4],
                  rng.normal(size=n)], axis=1)
    return X, Y


def _sklearn(X, Y, n_estimators, seed):
    return np.stack([np.mean([t.tree_.compute_feature_importances(normalize=False) for t in
                              ExtraTreesRegressor(n_estimators=n_estimators, max_features="sqrt", random_state=seed)
                              .fit(X, y).estimators_], axis=0) for y in Y.T], axis=1)


def test_same_importances_as_sklearn_extra_trees():
    X, Y = _data()
    ours = extra_trees_importances(X, Y, n_estimators=400, seed=0)
    ref = _sklearn(X, Y, 400, seed=0)
    assert ours.shape == ref.shape == (12, 4)
    # the same estimator: totals (the target's variance explained) within 3%, rankings of inputs alike
    np.testing.assert_allclose(ours.sum(axis=0), ref.sum(axis=0), rtol=0.03)
    for j, inputs in enumerate([[0, 1], [2], [3, 4]]):  # each target's true inputs: the same share of the variance
        assert set(np.argsort(-ours[:, j])[:len(inputs)]) == set(inputs) == set(np.argsort(-ref[:, j])[:len(inputs)])
        np.testing.assert_allclose(ours[inputs, j], ref[inputs, j], rtol=0.1)


def test_deterministic_across_threads_and_exclude_self():
    X, Y = _data(p=5)
    a = extra_trees_importances(X, X, n_estimators=50, exclude_self=True, seed=3, n_jobs=1)
    b = extra_trees_importances(X, X, n_estimators=50, exclude_self=True, seed=3, n_jobs=2)
    np.testing.assert_array_equal(a, b)
    assert np.all(np.diag(a) == 0) and np.all(a[~np.eye(5, dtype=bool)] >= 0)
    assert not np.array_equal(a, extra_trees_importances(X, X, n_estimators=50, exclude_self=True, seed=4))
    with pytest.raises(ValueError, match="share n_samples"):
        extra_trees_importances(X, Y[:10])


def test_genie3_engines_agree():
    rng = np.random.default_rng(1)
    ts = rng.normal(size=(4, 15, 6)).cumsum(axis=1)
    fast = grn.GENIE3(n_estimators=300, tree_method="ET", time_lagged=True).fit(ts).scores_
    slow = grn.GENIE3(n_estimators=300, tree_method="ET", time_lagged=True, engine="sklearn").fit(ts).scores_
    off = ~np.eye(6, dtype=bool)
    assert spearmanr(fast[off], slow[off])[0] > 0.8
    np.testing.assert_allclose(fast.sum(), slow.sum(), rtol=0.05)
    with pytest.raises(ValueError, match="engine"):
        grn.GENIE3(tree_method="ET", engine="gpu").fit(ts)


def test_trees_leave_torch_threads_as_they_were():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        grn.GENIE3(n_estimators=5, tree_method="ET", n_jobs=2).fit(np.random.default_rng(0).random((2, 6, 4)))
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
