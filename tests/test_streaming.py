"""The PLINK streaming loader: exactly the genotypes bed-reader reads, every sample once per epoch in a
seeded block order, distributed shares, missing calls and bad files."""
import numpy as np
import pandas as pd
import pytest
import torch
from bed_reader import open_bed

from genenets.data import genotypes as gt
from genenets.data.registry import DataError
from genenets.data.streaming import BlockSampler, PlinkBatchStream, plink_loader, stream_dosage_blocks
from genenets.simulate.genomewide import simulate_genomewide

GENES = pd.DataFrame({"chrom": ["1", "2"], "start": [1_000, 3_000], "end": [9_000, 8_000]})


@pytest.fixture(scope="module")
def fileset(tmp_path_factory):
    d = tmp_path_factory.mktemp("stream")
    genome = simulate_genomewide(n_samples=53, n_variants=40, genes=GENES, ld_block_size=8, chunk_variants=16,
                                 seed=1, prefix=d / "g")
    return genome.prefix


def _full(prefix):
    return open_bed(f"{prefix}.bed", count_A1=True).read(dtype="int8")


def test_stream_yields_exactly_the_genotypes_bed_reader_reads(fileset):
    samples = np.array([50, 3, 17, 8, 9, 31, 44, 0, 2, 12, 40])
    variants = np.array([0, 5, 6, 7, 39, 20, 21])
    stream = PlinkBatchStream(fileset, batch_size=4, block_size=5, variant_index=variants, sample_index=samples,
                              seed=7)
    stream.set_epoch(2)
    batches = [b[0] for b in stream]
    assert all(isinstance(b, torch.Tensor) and b.dtype == torch.float32 for b in batches)
    assert [len(b) for b in batches] == [4, 4, 3]  # reads of 4 samples (block 5 rounded to whole batches)
    assert len(batches) == len(stream)
    order = stream.sampler.indices()
    assert [len(s) for s in stream.segments()] == [4, 4, 3]
    expected = gt.encode_two_bit(_full(fileset)[samples[order]][:, variants])
    np.testing.assert_array_equal(torch.cat(batches).numpy(), expected)
    assert stream.n_features == 2 * len(variants)


def test_every_sample_once_per_epoch_in_a_seeded_order():
    sampler = BlockSampler(23, block_size=5, seed=3)
    orders = []
    for epoch in range(3):
        sampler.set_epoch(epoch)
        order = sampler.indices()
        assert sorted(order) == list(range(23))
        # blocks stay together: each run of 5 positions of the order is one block of the file
        assert {len(set(order[i:i + 5] // 5)) for i in range(0, 20, 5)} <= {1, 2}
        orders.append(order)
    assert not np.array_equal(orders[0], orders[1])
    again = BlockSampler(23, block_size=5, seed=3)
    again.set_epoch(1)
    np.testing.assert_array_equal(again.indices(), orders[1])  # (seed, epoch) alone decide
    plain = BlockSampler(23, block_size=5, shuffle=False)
    np.testing.assert_array_equal(plain.indices(), np.arange(23))


def test_distributed_shares_match_one_process_with_a_larger_batch():
    one = BlockSampler(41, 4, seed=2).indices()
    shares = [BlockSampler(41, 4, seed=2, num_replicas=3, rank=r).indices() for r in range(3)]
    assert {len(s) for s in shares} == {14}  # equal steps on every process (padded with the first samples)
    assert set(np.concatenate(shares)) == set(range(41))
    # step t of 3 processes with batch 2 = step t of one process with batch 6
    for t in range(6):
        np.testing.assert_array_equal(np.sort(np.concatenate([s[2 * t:2 * t + 2] for s in shares])),
                                      np.sort(one[6 * t:6 * t + 6]))
    with pytest.raises(ValueError, match="rank must be in"):
        BlockSampler(10, 2, num_replicas=2, rank=2)


def test_loader_with_workers_streams_the_same_samples(fileset):
    full = gt.encode_two_bit(_full(fileset))
    loader = plink_loader(fileset, batch_size=8, block_size=10, seed=4, num_workers=2)
    rows = torch.cat([b[0] for b in loader]).numpy()
    assert rows.shape == full.shape
    # same multiset of rows: sort both lexicographically
    key = lambda a: a[np.lexsort(a.T[::-1])]  # noqa: E731
    np.testing.assert_array_equal(key(rows), key(full))
    assert hasattr(loader.sampler, "set_epoch")


def test_unshuffled_blocks_follow_the_fam_order(fileset):
    blocks = list(stream_dosage_blocks(fileset, block_size=20))
    np.testing.assert_array_equal(np.concatenate([b for _, b in blocks]), _full(fileset))
    assert [len(p) for p, _ in blocks] == [20, 20, 13]


def test_missing_calls_raise_or_are_counted(tmp_path):
    genome = simulate_genomewide(n_samples=12, n_variants=10, genes=GENES, ld_block_size=5, missing_rate=0.2,
                                 seed=0, prefix=tmp_path / "m")
    with pytest.raises(DataError, match=r"m\.bed: \d+ missing calls"):
        list(PlinkBatchStream(genome.prefix, batch_size=4))
    stream = PlinkBatchStream(genome.prefix, batch_size=4, block_size=12, missing="zero", shuffle=False)
    x = torch.cat([b[0] for b in stream]).numpy()
    dosage = _full(genome.prefix)
    assert stream.missing_calls_ == int((dosage == gt.MISSING_INT8).sum()) > 0
    np.testing.assert_array_equal(x, gt.encode_two_bit(np.where(dosage == gt.MISSING_INT8, 0, dosage)))


def test_bad_files_and_arguments_are_named(fileset, tmp_path):
    bed = tmp_path / "t.bed"
    bed.write_bytes(open(f"{fileset}.bed", "rb").read()[:-3])
    for ext in ("bim", "fam"):
        (tmp_path / f"t.{ext}").write_bytes(open(f"{fileset}.{ext}", "rb").read())
    with pytest.raises(DataError, match=r"t\.bed: .*truncated"):
        PlinkBatchStream(tmp_path / "t")
    legacy = tmp_path / "l.bed"
    legacy.write_bytes(gt.BED_MAGIC + bytes([gt.INDIVIDUAL_MAJOR]) + bytes(53 * 10))
    for ext in ("bim", "fam"):
        (tmp_path / f"l.{ext}").write_bytes(open(f"{fileset}.{ext}", "rb").read())
    with pytest.raises(DataError, match="individual-major"):
        PlinkBatchStream(tmp_path / "l")
    with pytest.raises(ValueError, match=r"variant_index out of range.*\[0, 40\)"):
        PlinkBatchStream(fileset, variant_index=[0, 40])
    with pytest.raises(ValueError, match="missing must be"):
        PlinkBatchStream(fileset, missing="mean")


# ----------------------------------------------------------------------------------------------
# person-major bit-packed copy (issue 19)


def _fileset_with_missing(path, n=45, m=61, seed=0):
    """A SNP-major fileset with 3% missing calls, n not a multiple of 4 (padding in every variant)."""
    from genenets.simulate.genomewide import pack_dosage

    rng = np.random.default_rng(seed)
    dosage = rng.integers(0, 3, (n, m)).astype(np.int8)
    missing = rng.random((n, m)) < 0.03
    with open(f"{path}.bed", "wb") as fh:
        fh.write(gt.BED_MAGIC + bytes([gt.SNP_MAJOR]) + pack_dosage(dosage, missing))
    pd.DataFrame({"c": "1", "s": [f"v{j}" for j in range(m)], "cm": 0, "p": np.arange(1, m + 1), "a1": "A",
                  "a2": "G"}).to_csv(f"{path}.bim", sep="\t", header=False, index=False)
    pd.DataFrame({"f": range(n), "i": range(n), "a": 0, "b": 0, "s": 0, "p": -9}).to_csv(
        f"{path}.fam", sep="\t", header=False, index=False)
    return path


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_person_major_reader_returns_exactly_what_bed_reader_returns(tmp_path, cache_dir, seed):
    from genenets.data.streaming import PersonMajorFile, convert_to_person_major

    prefix = _fileset_with_missing(tmp_path / "f", seed=seed)
    rng = np.random.default_rng(seed + 10)
    variants = rng.choice(61, size=int(rng.integers(5, 61)), replace=False)  # any order, any subset
    people = rng.choice(45, size=int(rng.integers(1, 45)), replace=False)
    pm = PersonMajorFile(convert_to_person_major(prefix, variants, chunk_variants=8))
    with open_bed(f"{prefix}.bed", count_A1=True) as reader:
        expected = reader.read(index=np.s_[people, variants], dtype="int8")
    assert (expected == gt.MISSING_INT8).any()
    np.testing.assert_array_equal(pm.read_dosage(people), expected)
    # the packed input (missing as [0, 0]) is encode_two_bit of the dosages with missing calls zeroed
    bits = np.unpackbits(pm.read_packed(people), axis=1, bitorder="little", count=2 * len(variants))
    np.testing.assert_array_equal(bits, gt.encode_two_bit(np.where(expected == gt.MISSING_INT8, 0, expected)))


@pytest.mark.parametrize("output", ["float", "packed"])
def test_person_major_stream_yields_the_batches_of_the_bed_reader_stream(tmp_path, cache_dir, output):
    prefix = _fileset_with_missing(tmp_path / "f")
    variants = np.array([60, 3, 4, 5, 17, 30, 2])
    samples = np.array([44, 0, 3, 9, 10, 11, 30, 31, 7, 8, 20, 21, 22])
    kw = dict(batch_size=3, block_size=7, variant_index=variants, sample_index=samples, seed=5, missing="zero",
              output=output)
    bed, person = PlinkBatchStream(prefix, **kw), PlinkBatchStream(prefix, reader="person", **kw)
    for epoch in (0, 1):
        bed.set_epoch(epoch), person.set_epoch(epoch)
        a, b = [x for (x,) in bed], [x for (x,) in person]
        assert len(a) == len(b) == len(bed)
        for x, y in zip(a, b):
            assert x.dtype == y.dtype == (torch.uint8 if output == "packed" else torch.float32)
            assert torch.equal(x, y)
    with pytest.raises(DataError, match=r"f\.bed: \d+ missing calls"):
        PlinkBatchStream(prefix, reader="person", variant_index=variants)  # missing="error"


def test_person_major_copy_is_keyed_by_content(tmp_path, cache_dir):
    from genenets.data.streaming import person_major_path

    prefix = _fileset_with_missing(tmp_path / "f")
    first = person_major_path(prefix)
    assert person_major_path(prefix, np.arange(61)) != first  # the variant selection is part of the key
    _fileset_with_missing(tmp_path / "f", seed=7)  # same names and shape, other genotypes
    assert person_major_path(prefix) != first


def test_killed_conversion_leaves_no_half_file_that_is_read(tmp_path, cache_dir):
    """A conversion killed (SIGKILL) after two chunks: only ``.part`` files exist, nothing reads them as a
    copy; the next conversion resumes and gives the bytes of an uninterrupted one."""
    import os
    import subprocess
    import sys

    from genenets.data.streaming import PersonMajorFile, convert_to_person_major, person_major_path

    prefix = _fileset_with_missing(tmp_path / "f", n=45, m=61)
    script = (f"import os, signal; from genenets.data.streaming import convert_to_person_major as c; "
              f"c({str(prefix)!r}, chunk_variants=8, stop_after=2); os.kill(os.getpid(), signal.SIGKILL)")
    run = subprocess.run([sys.executable, "-c", script], env={**os.environ}, capture_output=True, timeout=300)
    assert run.returncode == -9
    final = person_major_path(prefix)
    assert not final.exists() and not final.with_suffix(".json").exists()
    assert final.with_name(final.name + ".part").exists()
    resumed = PersonMajorFile(convert_to_person_major(prefix, chunk_variants=8))
    assert not final.with_name(final.name + ".part").exists()
    fresh = PersonMajorFile(convert_to_person_major(prefix, out=tmp_path / "fresh.bits", chunk_variants=8))
    np.testing.assert_array_equal(np.asarray(resumed.data), np.asarray(fresh.data))
    assert resumed.missing_calls == fresh.missing_calls


def test_a_truncated_person_major_copy_is_a_clear_error(tmp_path, cache_dir):
    from genenets.data.streaming import PersonMajorFile, convert_to_person_major

    prefix = _fileset_with_missing(tmp_path / "f", n=45, m=61)
    path = convert_to_person_major(prefix, out=tmp_path / "t.bits")
    assert PersonMajorFile(path).read_packed([3, 0]).shape == (2, 16)
    with pytest.raises(IndexError, match="t.bits"):
        PersonMajorFile(path).read_packed([45])
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DataError, match="t.bits.*truncated or changed"):
        PersonMajorFile(path)


def test_person_major_copy_in_person_blocks_equals_one_block(tmp_path, cache_dir):
    """A memory bound small enough to split the 45 people (not a multiple of 4) into blocks of 4, with a
    last incomplete chunk of variants: the same bytes and missing calls as one block; a bad index is named."""
    from genenets.data.streaming import PersonMajorFile, convert_to_person_major

    prefix = _fileset_with_missing(tmp_path / "f", n=45, m=61)
    variants = np.random.default_rng(3).permutation(61)[:59]
    one = PersonMajorFile(convert_to_person_major(prefix, variants, out=tmp_path / "one.bits", chunk_variants=16))
    blocks = PersonMajorFile(convert_to_person_major(prefix, variants, out=tmp_path / "blocks.bits",
                                                     chunk_variants=16, chunk_mb=16 * 1 / 2**20))  # 1 byte/variant
    np.testing.assert_array_equal(np.asarray(blocks.data), np.asarray(one.data))
    assert blocks.missing_calls == one.missing_calls > 0
    with pytest.raises(DataError, match="variant_index outside"):
        convert_to_person_major(prefix, np.array([0, 61]), out=tmp_path / "bad.bits")


def test_person_major_stream_reuses_its_block_buffers_but_never_under_a_kept_batch(tmp_path, cache_dir):
    """Two block buffers serve an epoch when the consumer drops each batch (as train.fit does); a batch the
    consumer keeps is never overwritten by a later block."""
    import pickle

    prefix = _fileset_with_missing(tmp_path / "f")
    kw = dict(batch_size=2, block_size=4, seed=1, missing="zero", output="packed", reader="person")
    stream = PlinkBatchStream(prefix, **kw)
    expected = [x.clone() for (x,) in PlinkBatchStream(prefix, **kw)]
    assert len(stream.segments()) >= 4
    seen = []
    for (x,) in stream:  # dropped at once
        seen.append((x.numpy().__array_interface__["data"][0], x.clone()))
    for (_, x), y in zip(seen, expected):
        torch.testing.assert_close(x, y)
    starts = [b.__array_interface__["data"][0] for b in stream._buffers]
    assert len(stream._buffers) == 2
    assert all(any(s <= ptr < s + b.nbytes for s, b in zip(starts, stream._buffers)) for ptr, _ in seen)
    kept = [x for (x,) in stream]  # every batch kept: later blocks go to fresh arrays
    for x, y in zip(kept, expected):
        torch.testing.assert_close(x, y)
    assert "_buffers" not in pickle.loads(pickle.dumps(stream)).__dict__
