import numpy as np
import pandas as pd
import pytest

from genenets.data import DataError
from genenets.data import multiomics as mdata


@pytest.fixture
def csv_pair(tmp_path):
    rng = np.random.default_rng(0)
    genes = pd.DataFrame(rng.uniform(0, 50, (30, 6)), index=[f"g{i}" for i in range(30)],
                         columns=[f"s{i}" for i in range(6)])
    metab = pd.DataFrame(rng.uniform(1, 9, (8, 5)), index=[f"m{i}" for i in range(8)],
                         columns=["s0", "s1", "s2", "s3", "x9"])
    metab.loc["m7"] = np.nan
    g, m = tmp_path / "genes.csv", tmp_path / "metab.csv"
    genes.to_csv(g)
    metab.to_csv(m)
    return g, m, genes, metab


def test_csv_pair_intersects_samples_and_counts_exclusions(csv_pair):
    g, m, genes, _ = csv_pair
    d = mdata.load_csv_pair(g, m)
    assert list(d.genes.index) == ["s0", "s1", "s2", "s3"]
    assert d.genes.shape == (4, 30) and d.metabolites.shape == (4, 7)
    assert d.exclusions["samples_only_in_genes"] == 2 and d.exclusions["samples_only_in_metabolites"] == 1
    assert d.exclusions["metabolites_all_nan"] == 1
    np.testing.assert_allclose(d.genes.loc["s1"], genes["s1"])


def test_negative_fpkm_and_no_common_sample_are_errors(csv_pair, tmp_path):
    g, m, genes, metab = csv_pair
    genes.iloc[3, 2] = -1.0
    bad = tmp_path / "neg.csv"
    genes.to_csv(bad)
    with pytest.raises(DataError, match=r"neg.csv: 1 negative FPKM"):
        mdata.load_csv_pair(bad, m)
    assert mdata.load_csv_pair(bad, m, gene_scale="log").genes.shape == (4, 30)
    other = tmp_path / "other.csv"
    metab.set_axis([f"z{i}" for i in range(5)], axis=1).to_csv(other)
    with pytest.raises(DataError, match="share no sample name"):
        mdata.load_csv_pair(g, other)


def test_nutrimouse(monkeypatch):
    import os

    if not os.environ.get("GENENETS_DATA_MIRROR"):
        monkeypatch.setenv("GENENETS_DATA_MIRROR", "/work/shared/data")
    d = mdata.load_nutrimouse()
    assert d.shape == {"samples": 40, "genes": 120, "metabolites": 21, "tasks": 2}
    assert d.labels["diet"].nunique() == 5 and d.labels["genotype"].nunique() == 2
    assert d.gene_scale == "log" and d.exclusions["metabolites_all_nan"] == 0
