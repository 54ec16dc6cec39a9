"""Bad inputs of the deep-autoencoder preprocessing (issue 12, bad 6): a frame with genes in another order is
aligned by name; missing genes, +inf, an empty matrix or a single sample raise DataError naming the input; the
preprocessor is left as it was (nothing half-fitted)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genenets.data.expression import ExpressionPreprocessor
from genenets.errors import DataError


def _frame(X, genes):
    return pd.DataFrame(np.asarray(X, float), columns=genes)


@pytest.fixture
def fitted():
    return ExpressionPreprocessor(log=True).fit(_frame([[0, 1, 5], [3, 7, 1]], ["A", "B", "C"]), source="train.tsv")


def test_transform_aligns_by_gene_name(fitted):
    """Expression with the training genes in another order (and an extra gene) -> aligned by gene name, same values."""
    same = fitted.transform(_frame([[3, 7, 1]], ["A", "B", "C"]))
    shuffled = fitted.transform(_frame([[1, 3, 7, 99]], ["C", "A", "B", "unused"]))
    np.testing.assert_array_equal(same, shuffled)


def test_missing_genes_are_named(fitted):
    """Expression lacking a training gene -> DataError naming the source and the missing genes."""
    with pytest.raises(DataError, match=r"new\.tsv: 1 of the 3 genes .* missing, e.g. \['B'\]"):
        fitted.transform(_frame([[1, 2]], ["A", "C"]), source="new.tsv")


def test_infinite_values_are_named(fitted):
    """+inf or -inf in expression (fit or transform) -> DataError naming the source and the genes."""
    with pytest.raises(DataError, match=r"new\.tsv: 1 infinite values \(genes e\.g\. \['B'\]\)"):
        fitted.transform(_frame([[1, np.inf, 2]], ["A", "B", "C"]), source="new.tsv")
    with pytest.raises(DataError, match="cohort.csv: 1 infinite"):
        ExpressionPreprocessor().fit(_frame([[1, 2], [-np.inf, 3]], ["A", "B"]), source="cohort.csv")


def test_empty_matrix_and_single_sample():
    """An empty expression matrix or a single sample -> DataError naming the source; nothing half-fitted."""
    pre = ExpressionPreprocessor()
    with pytest.raises(DataError, match=r"empty.csv: the expression matrix is empty \(0 samples x 2 genes\)"):
        pre.fit(_frame(np.zeros((0, 2)), ["A", "B"]), source="empty.csv")
    with pytest.raises(DataError, match="one.csv: one sample"):
        pre.fit(_frame([[1, 2]], ["A", "B"]), source="one.csv")
    assert not hasattr(pre, "genes_") and not hasattr(pre, "scaler_")  # nothing half-fitted


def test_failed_transform_leaves_the_fit_intact(fitted):
    """A failed transform (empty matrix) -> DataError; the fitted preprocessor is unchanged."""
    before = (fitted.genes_.copy(), fitted.scaler_.data_min_.copy())
    with pytest.raises(DataError):
        fitted.transform(_frame(np.zeros((0, 3)), ["A", "B", "C"]), source="empty.tsv")
    assert fitted.genes_.equals(before[0]) and np.array_equal(fitted.scaler_.data_min_, before[1])
