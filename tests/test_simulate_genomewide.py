"""The chunked genome-wide PLINK simulator: packed bytes that bed-reader reads back, genes covered,
allele frequencies and LD blocks as specified, reproducibility and the cache."""
import numpy as np
import pandas as pd
import pytest
from bed_reader import open_bed

from genenets.data import genotypes as gt
from genenets.simulate.genomewide import pack_dosage, place_variants, simulate_genomewide

GENES = pd.DataFrame({"chrom": ["1", "1", "1", "2", "X"], "start": [10_000, 40_000, 45_000, 5_000, 70_000],
                      "end": [20_000, 50_000, 48_000, 9_000, 90_000]})


def _write_plink(prefix, dosage, missing=None):
    n, m = dosage.shape
    with open(f"{prefix}.bed", "wb") as fh:
        fh.write(gt.BED_MAGIC + bytes([gt.SNP_MAJOR]) + pack_dosage(dosage, missing))
    pd.DataFrame({"c": "1", "s": [f"v{j}" for j in range(m)], "cm": 0, "p": np.arange(1, m + 1), "a1": "A",
                  "a2": "G"}).to_csv(f"{prefix}.bim", sep="\t", header=False, index=False)
    pd.DataFrame({"f": range(n), "i": range(n), "a": 0, "b": 0, "s": 0, "ph": -9}).to_csv(
        f"{prefix}.fam", sep="\t", header=False, index=False)


@pytest.mark.parametrize("n_samples", [1, 4, 7, 13])
def test_pack_dosage_is_read_back_by_bed_reader(tmp_path, n_samples):
    rng = np.random.default_rng(n_samples)
    dosage = rng.integers(0, 3, size=(n_samples, 9)).astype(np.int8)
    missing = rng.random(dosage.shape) < 0.2
    _write_plink(tmp_path / "x", dosage, missing)
    assert gt.bed_layout(tmp_path / "x") == {"n_samples": n_samples, "n_variants": 9, "mode": "snp"}
    read = open_bed(tmp_path / "x.bed", count_A1=True).read(dtype="int8")
    np.testing.assert_array_equal(read, np.where(missing, gt.MISSING_INT8, dosage))


def test_pack_dosage_rejects_bad_values():
    with pytest.raises(ValueError, match="0, 1 or 2"):
        pack_dosage(np.array([[0, 3]]))
    with pytest.raises(ValueError, match="2-D"):
        pack_dosage(np.array([0, 1]))


def test_place_variants_covers_every_gene_with_distinct_sorted_positions():
    table = place_variants(GENES, 400, genic_fraction=0.5, seed=3)
    assert len(table) == 400 and table["genic"].sum() == 200
    for chrom, g in table.groupby("chrom"):
        assert np.all(np.diff(g["pos"].to_numpy()) > 0), chrom
    assert list(dict.fromkeys(table["chrom"])) == ["1", "2", "X"]
    for _, gene in GENES.iterrows():
        on = table[(table["chrom"] == gene["chrom"]) & table["pos"].between(gene["start"], gene["end"])]
        assert len(on) >= 1
    with pytest.raises(ValueError, match="at least the number of genes"):
        place_variants(GENES, 3)


def test_simulation_matches_its_truth_and_is_reproducible(tmp_path):
    kwargs = dict(n_samples=400, n_variants=600, genes=GENES, ld_block_size=20, chunk_variants=100, seed=5)
    genome = simulate_genomewide(prefix=tmp_path / "a", **kwargs)
    assert gt.bed_layout(genome.prefix) == {"n_samples": 400, "n_variants": 600, "mode": "snp"}
    dosage = open_bed(f"{genome.prefix}.bed", count_A1=True).read(dtype="int8")
    assert set(np.unique(dosage)) <= {0, 1, 2}
    # observed allele-1 frequencies agree with the expected ones (binomial SE ~ 0.018 for 800 alleles)
    observed = dosage.mean(axis=0) / 2
    assert np.abs(observed - genome.truth.allele_frequency).mean() < 0.03
    # LD: neighbours in the same block are more correlated than neighbours across a block boundary
    corr = np.abs([np.corrcoef(dosage[:, j], dosage[:, j + 1])[0, 1] for j in range(599)])
    same = genome.truth.block[:-1] == genome.truth.block[1:]
    corr = np.nan_to_num(corr)
    assert corr[same].mean() > 2 * corr[~same].mean()
    bim = gt.read_bim(f"{genome.prefix}.bim")
    assert genome.truth.n_genes_seeded == len(GENES) and bim["chrom"].tolist()[0] == "1"
    again = simulate_genomewide(prefix=tmp_path / "b", **kwargs)
    assert (tmp_path / "a.bed").read_bytes() == (tmp_path / "b.bed").read_bytes()
    assert (tmp_path / "a.bim").read_text() == (tmp_path / "b.bim").read_text()
    other = simulate_genomewide(prefix=tmp_path / "c", **{**kwargs, "seed": 6})
    assert (tmp_path / "a.bed").read_bytes() != (tmp_path / "c.bed").read_bytes()


def test_cached_simulation_is_reused_and_missing_rate_applies(tmp_path):
    kwargs = dict(n_samples=50, n_variants=100, genes=GENES, ld_block_size=10, chunk_variants=30,
                  missing_rate=0.1, prefix=tmp_path / "m")
    genome = simulate_genomewide(**kwargs)
    mtime = (tmp_path / "m.bed").stat().st_mtime_ns
    again = simulate_genomewide(**kwargs)
    assert (tmp_path / "m.bed").stat().st_mtime_ns == mtime
    np.testing.assert_array_equal(again.truth.allele_frequency, genome.truth.allele_frequency)
    dosage = open_bed(tmp_path / "m.bed", count_A1=True).read(dtype="int8")
    assert 0.05 < (dosage == gt.MISSING_INT8).mean() < 0.15
    with pytest.raises(ValueError, match="missing_rate"):
        simulate_genomewide(n_samples=5, n_variants=10, genes=GENES, missing_rate=1.5, prefix=tmp_path / "z")
