"""PLINK reading (both layouts), validation errors, missing-call handling and the two-bit encoding."""
import numpy as np
import pandas as pd
import pytest

from genenets.data import DataError
from genenets.data import genotypes as gt


def _genotypes(n=7, m=9, seed=0, chrom="6", start=30_000_000):
    rng = np.random.default_rng(seed)
    dosage = rng.integers(0, 3, size=(n, m)).astype(np.int8)
    variants = pd.DataFrame({"chrom": chrom, "snp": [f"v{j}" for j in range(m)], "cm": 0.0,
                             "pos": start + 1000 * np.arange(m), "a1": "A", "a2": "G"})
    samples = pd.DataFrame({"fid": [f"f{i}" for i in range(n)], "iid": [f"i{i}" for i in range(n)],
                            "father": "0", "mother": "0", "sex": "0", "phenotype": "-9"})
    return gt.Genotypes(dosage, variants, samples)


def test_encode_two_bit_matches_paper():
    x = gt.encode_two_bit(np.array([[0, 1, 2]]))
    assert x.tolist() == [[0, 0, 1, 0, 1, 1]]
    d = np.random.default_rng(1).integers(0, 3, (5, 4))
    np.testing.assert_array_equal(gt.decode_two_bit(gt.encode_two_bit(d)), d)


def test_encode_rejects_missing_values():
    with pytest.raises(ValueError, match="0, 1 or 2 only"):
        gt.encode_two_bit(np.array([[0, -127]]))


def test_plink_roundtrip_in_chunks(tmp_path):
    g = _genotypes()
    prefix = gt.write_plink(tmp_path / "toy", g)
    back = gt.read_plink(prefix, region=("6", 0, 10**9), chunk_size=2)
    np.testing.assert_array_equal(back.dosage, g.dosage)
    assert back.variants["snp"].tolist() == g.variants["snp"].tolist()
    chunks = list(gt.iter_dosage_chunks(prefix, chunk_size=4))
    assert [len(idx) for idx, _ in chunks] == [4, 4, 1]
    np.testing.assert_array_equal(np.concatenate([c for _, c in chunks], axis=1), g.dosage)


def test_individual_major_conversion(tmp_path):
    g = _genotypes(n=6, m=11)
    snp_major = gt.write_plink(tmp_path / "snp", g)
    # build the legacy individual-major .bed of the same genotypes from the packed codes
    n, m = g.dosage.shape
    raw = np.fromfile(str(snp_major) + ".bed", dtype=np.uint8)[3:].reshape(m, -1)
    codes = gt._unpack_codes(raw, n)  # (m, n)
    ind = gt._pack_codes(np.ascontiguousarray(codes.T))  # (n, ceil(m/4))
    legacy = tmp_path / "legacy"
    (tmp_path / "legacy.bed").write_bytes(b"\x6c\x1b\x00" + ind.tobytes())
    for ext in ("bim", "fam"):
        (tmp_path / f"legacy.{ext}").write_bytes((tmp_path / f"snp.{ext}").read_bytes())
    assert gt.bed_layout(legacy)["mode"] == "individual"
    converted = gt.convert_to_snp_major(legacy, tmp_path / "conv", block_variants=4)
    assert gt.bed_layout(converted)["mode"] == "snp"
    back = gt.read_plink(legacy, region=None)
    np.testing.assert_array_equal(back.dosage, g.dosage)


def test_truncated_bed_is_an_error(tmp_path):
    prefix = gt.write_plink(tmp_path / "toy", _genotypes())
    bed = tmp_path / "toy.bed"
    bed.write_bytes(bed.read_bytes()[:-2])
    with pytest.raises(DataError, match="truncated"):
        gt.read_plink(prefix)


def test_bim_fam_disagreeing_with_bed(tmp_path):
    prefix = gt.write_plink(tmp_path / "toy", _genotypes())
    bim = tmp_path / "toy.bim"
    bim.write_text("".join(bim.read_text().splitlines(keepends=True)[:-3]))
    with pytest.raises(DataError, match="toy.bim"):
        gt.read_plink(prefix)


def test_other_chromosome_or_build(tmp_path):
    prefix = gt.write_plink(tmp_path / "c7", _genotypes(chrom="7"))
    with pytest.raises(DataError, match="no variant in chr6"):
        gt.read_plink(prefix)
    g = _genotypes()
    g.variants.loc[0, "snp"], g.variants.loc[0, "pos"] = "rs2075015", 30_680_607 - 22_000
    prefix = gt.write_plink(tmp_path / "b38", g)
    with pytest.raises(DataError, match="another genome build"):
        gt.read_plink(prefix)


def test_variants_outside_region_are_counted(tmp_path):
    g = _genotypes(m=9, start=28_470_000)  # the first 8 positions lie before the MHC window
    back = gt.read_plink(gt.write_plink(tmp_path / "toy", g))
    assert back.exclusions["outside_region"] == 8 and back.shape == (7, 1)


def test_missing_calls_drop_or_mode(tmp_path):
    g = _genotypes(n=8, m=4)
    g.dosage[:] = [[0, 1, 2, 2]] * 8
    g.dosage = g.dosage.astype(np.float32)
    g.dosage[0, 1] = np.nan  # one missing call in variant 1
    from bed_reader import to_bed

    props = {"iid": g.samples["iid"].tolist(), "chromosome": ["6"] * 4, "sid": g.variants["snp"].tolist(),
             "bp_position": g.variants["pos"].tolist()}
    to_bed(tmp_path / "toy.bed", g.dosage, properties=props)
    dropped = gt.read_plink(tmp_path / "toy", missing="drop", max_sample_missing=0.5)
    assert dropped.shape == (8, 3) and dropped.exclusions["missing_dropped_variants"] == 1
    imputed = gt.read_plink(tmp_path / "toy", missing="mode", max_missing=0.2, max_sample_missing=0.5)
    assert imputed.shape == (8, 4) and imputed.exclusions["missing_imputed_calls"] == 1
    assert imputed.dosage[0, 1] == 1  # the mode of the other seven calls
    with pytest.raises(ValueError, match="missing must be"):
        gt.read_plink(tmp_path / "toy", missing="zero")


def test_hapmap_legacy_file_reads():
    g = gt.load_hapmap_mhc()
    assert g.dosage.dtype == np.int8 and set(np.unique(g.dosage)) <= {0, 1, 2}
    assert g.variants["pos"].between(28_477_797, 33_448_355).all()
    assert g.exclusions["missing_dropped_samples"] + g.shape[0] == 90


def test_failed_samples_are_dropped_and_counted(tmp_path):
    from bed_reader import to_bed

    val = np.ones((5, 4), np.float32)
    val[2, :3] = np.nan  # sample 2 failed: 75% missing
    to_bed(tmp_path / "toy.bed", val, properties={"chromosome": ["6"] * 4, "bp_position": [30_000_000 + i for i in range(4)]})
    g = gt.read_plink(tmp_path / "toy", max_sample_missing=0.2)
    assert g.shape == (4, 4) and g.exclusions["missing_dropped_samples"] == 1
