"""msprime MHC cohort: genotypes in the window, MAF filter, liability-threshold diseases with known truth."""
import numpy as np
import pandas as pd
import pytest

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


def _annotation(small):
    gm = ann.load_ensembl_mhc(REGION[1], REGION[2])
    return ann.annotate_variants(small.variants["pos"], gm)


def test_planted_diseases_case_counts_categories_and_shared_variants(small):
    annotation = _annotation(small)
    spec = {"D1": {"prevalence": 0.25, "h2": 0.9, "n_causal": 4}, "D2": {"prevalence": 0.1, "h2": 0.5, "n_causal": 3}}
    pheno, truth = cohort.plant_diseases(small, annotation, spec, n_shared=1, maf_min_causal=0.05, seed=0)
    assert pheno["D1"].sum() == 10 and pheno["D2"].sum() == 4  # top prevalence fraction of 40 people
    c = truth.causal
    assert c.groupby("disease").size().to_dict() == {"D1": 4, "D2": 3}
    assert c["shared"].sum() == 2 and c.loc[c["shared"], "variant"].nunique() == 1  # one variant, two diseases
    assert c["category"].nunique() >= 2  # spread over annotation categories
    assert (c["maf"] >= 0.05 - 1e-9).all()
    for d, genes in truth.planted_genes.items():  # planted genes = the annotation's genes of the causal variants
        expected = {g for j in c.loc[c["disease"] == d, "variant"] for g in annotation["genes"].iloc[j]}
        assert set(genes) == expected and genes


def test_default_cohort_spec_has_powered_case_fractions():
    for d, spec in cohort.DEFAULT_DISEASES.items():
        assert spec["prevalence"] * 12_500 >= 300, d  # >= 300 cases per disease in the quick cohort
        assert 0 < spec["h2"] < 1 and spec["n_causal"] >= 1


def test_cohort_goes_through_plink_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path))
    spec = {"PSO": {"prevalence": 0.2, "h2": 0.5, "n_causal": 2}}
    c1 = cohort.simulate_cohort(30, n_variants=200, diseases=spec, seed=1, region=REGION)
    assert c1.genotypes.exclusions["n_variants_in_file"] == c1.genotypes.shape[1]  # read back from PLINK
    assert list((tmp_path / "simulate.cohort").glob("*.joblib"))
    c2 = cohort.simulate_cohort(30, n_variants=200, diseases=spec, seed=1, region=REGION)  # from the cache
    np.testing.assert_array_equal(c1.genotypes.dosage, c2.genotypes.dosage)
    pd.testing.assert_frame_equal(c1.phenotypes, c2.phenotypes)
    assert c1.phenotypes["PSO"].sum() == 6 and len(c1.truth.causal) == 2
