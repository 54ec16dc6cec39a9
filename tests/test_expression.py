import numpy as np
import pandas as pd
import pytest

from genenets.data import DataError, expression


def _values(X, genes=None):
    X = np.asarray(X, dtype=float)
    return pd.DataFrame(X, columns=genes or [f"g{i}" for i in range(X.shape[1])])


def test_preprocessor_log_minmax_and_constant_genes():
    values = _values([[0, 3, 5], [1, 7, 5], [3, 15, 5]])
    pre = expression.ExpressionPreprocessor(log=True).fit(values)
    X = pre.transform(values)
    assert list(pre.genes_) == ["g0", "g1"] and list(pre.constant_genes_) == ["g2"]
    logged = np.log2(1 + values[["g0", "g1"]].to_numpy())
    expected = (logged - logged.min(0)) / (logged.max(0) - logged.min(0))
    np.testing.assert_allclose(X, expected, rtol=1e-6)
    assert X.min() == 0 and X.max() == 1


def test_floor_sets_noise_to_zero_and_counts():
    values = _values([[-50, 100], [10, 200], [300, 400]])
    pre = expression.ExpressionPreprocessor(log=True, floor=20).fit(values)
    assert pre.n_floored_ == 2
    X = pre.transform(values)
    assert X[0, 0] == 0 and X[1, 0] == 0  # both floored values map to the gene's minimum


def test_negative_and_nan_values_are_clear_errors():
    with pytest.raises(DataError, match="negative values where log2"):
        expression.ExpressionPreprocessor(log=True).fit(_values([[-1, 2], [3, 4]]), source="my.tsv")
    with pytest.raises(DataError, match="my.tsv: 1 NaN"):
        expression.ExpressionPreprocessor(log=True).fit(_values([[np.nan, 2], [3, 4]]), source="my.tsv")
    with pytest.raises(DataError, match="every gene is constant"):
        expression.ExpressionPreprocessor(log=True).fit(_values([[1, 2], [1, 2]]))


def test_transform_clips_to_training_range_and_checks_width():
    pre = expression.ExpressionPreprocessor(log=False).fit(_values([[0.0, 1.0], [1.0, 3.0]]))
    X = pre.transform(_values([[2.0, -1.0]]))
    np.testing.assert_allclose(X, [[1.0, 0.0]])
    # aligned by gene name: other order and extra genes are fine
    np.testing.assert_allclose(pre.transform(_values([[-1.0, 2.0, 7.0]], genes=["g1", "g0", "extra"])), [[1.0, 0.0]])
    with pytest.raises(DataError, match="missing"):
        pre.transform(_values([[1.0, 2.0]], genes=["g0", "other"]))


def test_from_table_and_label_errors():
    table = pd.DataFrame({"A": [1.0, 2.0], "B": [3.0, 4.0], "type": ["x", "y"]})
    es = expression.from_table(table, ["type"])
    assert es.shape == (2, 2) and list(es.labels["type"]) == ["x", "y"]
    with pytest.raises(DataError, match="label columns"):
        expression.from_table(table, ["missing"])


def test_load_leukemia():
    es = expression.load_leukemia()
    assert es.shape[0] == 48 and es.values.columns.is_unique
    assert es.labels["cell_type"].value_counts().to_dict() == {"ALL": 24, "AML": 24}
    assert es.info["n_collapsed_probes"] > 0


def test_load_pbmc68k_counts():
    es = expression.load_pbmc68k()
    assert es.shape == (700, 765) and es.is_counts
    assert (es.values.to_numpy() >= 0).all() and np.allclose(es.values.to_numpy() % 1, 0)
    assert es.labels["cell_type"].nunique() == 10
