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
