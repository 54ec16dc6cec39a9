"""msprime MHC cohort: genotypes in the window, MAF filter, liability-threshold diseases with known truth."""
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from genenets.data import annotation as ann
from genenets.data import genotypes as gt
from genenets.simulate import cohort

REGION = ("6", 31_200_000, 31_700_000)  # 500 kb around HLA-B .. LY6G5B: fast


@pytest.fixture(scope="module")
def small():
    return cohort.simulate_genotypes(40, region=REGION, n_variants=300, maf_min=0.05, seed=3)


def test_genotypes_in_region_with_maf_filter(small):
    assert small.dosage.dtype == np.int8 and small.shape[0] == 40 and 0 < small.shape[1] <= 300
    assert small.variants["pos"].between(REGION[1], REGION[2]).all()
    assert small.variants["pos"].is_monotonic_increasing
    assert (small.minor_allele_frequency() >= 0.05 - 1e-9).all()
    assert set(np.unique(small.dosage)) <= {0, 1, 2}


def test_same_seed_same_genotypes(small):
    again = cohort.simulate_genotypes(40, region=REGION, n_variants=300, maf_min=0.05, seed=3)
    np.testing.assert_array_equal(again.dosage, small.dosage)


def test_rate_map_is_the_real_map_slice():
    rm = cohort.rate_map(REGION)
    assert rm.sequence_length == REGION[2] - REGION[1]
    assert 1e-10 < rm.mean_rate < 1e-7


def test_planted_diseases_prevalence_and_truth(small):
    # two fake genes covering the first and second half of the variants
    m = small.shape[1]
    A = np.zeros((m, 2), np.float32)
    A[: m // 2, 0] = 1
    A[m // 2:, 1] = 1
    graph = ann.VariantGeneGraph(sp.csr_matrix(A), ["GA", "GB"], np.arange(m), {})
    spec = {"D1": {"prevalence": 0.25, "h2": 0.9, "genes": ["GA"]}, "D2": {"prevalence": 0.1, "h2": 0.5,
                                                                          "genes": ["GB", "NOPE"]}}
    pheno, truth = cohort.plant_diseases(small, graph, spec, causal_per_gene=2, seed=0)
    assert pheno["D1"].sum() == 10 and pheno["D2"].sum() == 4
    assert truth.planted_genes == {"D1": ["GA"], "D2": ["GB"]}
    assert (truth.causal.query("disease == 'D1'")["variant"] < m // 2).all()
    assert (truth.causal.query("disease == 'D2'")["variant"] >= m // 2).all()
    with pytest.raises(ValueError, match="none of the planted genes"):
        cohort.plant_diseases(small, graph, {"D3": {"prevalence": 0.1, "h2": 0.5, "genes": ["NOPE"]}})


def test_cohort_goes_through_plink_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path))
    spec = {"PSO": {"prevalence": 0.2, "h2": 0.5, "genes": ["HLA-C", "HLA-B"]}}
    c1 = cohort.simulate_cohort(30, n_variants=200, diseases=spec, seed=1, region=REGION)
    assert c1.genotypes.exclusions["n_variants_in_file"] == c1.genotypes.shape[1]  # read back from PLINK
    assert list((tmp_path / "simulate.cohort").glob("*.joblib"))
    c2 = cohort.simulate_cohort(30, n_variants=200, diseases=spec, seed=1, region=REGION)  # from the cache
    np.testing.assert_array_equal(c1.genotypes.dosage, c2.genotypes.dosage)
    pd.testing.assert_frame_equal(c1.phenotypes, c2.phenotypes)
    assert c1.phenotypes["PSO"].sum() == 6 and set(c1.truth.causal["gene"]) <= {"HLA-C", "HLA-B"}
