"""Stream GeneDAE training batches straight from a PLINK ``.bed``, so training never loads the file.

A biobank-size fileset (~470,000 people) does not fit in memory as two-bit floats (``n x 2m x 4``
bytes). :class:`PlinkBatchStream` is a torch ``IterableDataset`` that reads one *block* of samples at a
time with bed-reader (int8 dosages, 1 byte per call), encodes each batch of it on the fly with the
GeneDAE two-bit encoding (:func:`genenets.data.genotypes.encode_two_bit`) and yields ``(x,)`` tuples,
the batch format of ``genenets.models.genedae.bce_loss``. Memory is about ``2 x block_size x m`` bytes
for the block plus ``batch_size x 2m x 4`` bytes for one encoded batch, whatever the number of samples.

Shuffling is by blocks: every epoch, the order of the sample blocks and the order of samples inside
each block are permuted from ``(seed, epoch)`` only (:class:`BlockSampler`, the same contract as
``torch.utils.data.DistributedSampler``, whose split between processes it copies). ``genenets.train.fit`` calls ``loader.sampler.set_epoch``
before each epoch, so a run resumed from a checkpoint sees exactly the batches an uninterrupted run
would. Under ``torch.distributed`` each process reads its own share of the blocks.

:func:`plink_loader` wraps the stream in a ``DataLoader`` (pinned memory on CUDA, optional worker
processes) and exposes the sampler where ``fit`` looks for it.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from .genotypes import MISSING_INT8, bed_layout, plink_paths
from .registry import DataError


#: Two-bit encoding of dosages 0, 1, 2 (as :func:`genenets.data.genotypes.encode_two_bit`).
_TWO_BIT = np.array([[0, 0], [1, 0], [1, 1]], dtype=np.float32)


class BlockSampler:
    """Seeded epoch order of samples that keeps contiguous blocks together, reshuffled from ``(seed, epoch)``.

    The epoch order is the blocks of ``block_size`` consecutive samples in a permuted order, each
    block's samples permuted too. Under ``torch.distributed`` the order is padded (with its first
    samples) to a multiple of ``num_replicas`` and process ``rank`` takes every ``num_replicas``-th
    sample from ``rank`` on, exactly as ``torch.utils.data.DistributedSampler`` does: with the same
    seed, one process with batch ``k * b`` and ``k`` processes with batch ``b`` see the same samples
    at every step, and every process has the same number of steps (DDP needs that).

    Parameters
    ----------
    n_samples : int
        Number of samples streamed (after ``sample_index``).
    block_size : int
        Samples per block of the shuffle.
    shuffle : bool
        Permute the blocks and the samples inside each block every epoch.
    seed : int
    num_replicas, rank : int
    """

    def __init__(self, n_samples: int, block_size: int, shuffle: bool = True, seed: int = 0,
                 num_replicas: int = 1, rank: int = 0):
        if block_size < 1:
            raise ValueError(f"block_size must be >= 1, got {block_size}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank must be in [0, {num_replicas}), got {rank}")
        self.n_samples, self.block_size, self.shuffle, self.seed = n_samples, block_size, shuffle, seed
        self.num_replicas, self.rank = num_replicas, rank
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Called by ``genenets.train.fit`` before every epoch."""
        self.epoch = int(epoch)

    @property
    def n_blocks(self) -> int:
        return math.ceil(self.n_samples / self.block_size)

    def epoch_order(self) -> np.ndarray:
        """All positions 0..n_samples-1 in this epoch's order (before the split between processes)."""
        if not self.shuffle:
            return np.arange(self.n_samples)
        rng = np.random.default_rng([self.seed, self.epoch])
        parts = []
        for b in rng.permutation(self.n_blocks):
            parts.append(rng.permutation(np.arange(b * self.block_size, min(self.n_samples, (b + 1) * self.block_size))))
        return np.concatenate(parts)

    def indices(self) -> np.ndarray:
        """Positions this process streams in this epoch, in order, shape (ceil(n_samples / num_replicas),)."""
        order = self.epoch_order()
        if self.num_replicas > 1:
            total = math.ceil(self.n_samples / self.num_replicas) * self.num_replicas
            order = np.concatenate([order, np.resize(order, total - len(order))])
            order = order[self.rank::self.num_replicas]
        return order

    def __len__(self) -> int:
        """Samples this process sees per epoch."""
        return math.ceil(self.n_samples / self.num_replicas)


class PlinkBatchStream(IterableDataset):
    """Batches of two-bit encoded genotypes read block by block from a SNP-major PLINK ``.bed``.

    Parameters
    ----------
    prefix : path
        PLINK prefix of a SNP-major fileset (``prefix.bed/.bim/.fam``); an individual-major file must be
        converted first (:func:`genenets.data.genotypes.snp_major_prefix`).
    batch_size : int
        Samples per yielded batch (only the epoch's last batch may be smaller).
    block_size : int
        Samples per shuffled block and (rounded down to whole batches) per bed-reader call; memory
        about ``2 x block_size x m`` bytes (the read and its reordering).
    variant_index : int array of shape (m,), optional
        Columns of the ``.bed`` to stream, in this order (default: all). For GeneDAE, the rows of the
        variant-gene graph (``VariantGeneGraph.variant_index``).
    sample_index : int array of shape (n,), optional
        Samples (rows of the ``.fam``) to stream, e.g. the training split (default: all).
    shuffle : bool
        Block-wise shuffle, reproducible from ``seed`` and the epoch (see :class:`BlockSampler`).
    seed : int
    missing : {"error", "zero"}
        A missing call (``-127``) raises :class:`DataError` naming the file (``"error"``), or is encoded as
        ``[0, 0]`` like dosage 0 and counted in ``missing_calls_`` (``"zero"``).
    num_replicas, rank : int, optional
        Process share under ``torch.distributed`` (default: taken from the initialized group, else 1/0).
    num_threads : int
        bed-reader threads per read.
    dtype : torch dtype of the yielded batches.

    Yields
    ------
    ``(x,)`` with ``x`` a tensor of shape (batch, 2m): columns ``2j, 2j+1`` are the two bits of variant ``j``.
    """

    def __init__(self, prefix, batch_size: int = 64, block_size: int = 1024, variant_index=None,
                 sample_index=None, shuffle: bool = True, seed: int = 0, missing: str = "error",
                 num_replicas: int | None = None, rank: int | None = None, num_threads: int = 1,
                 dtype=torch.float32):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if missing not in ("error", "zero"):
            raise ValueError(f"missing must be 'error' or 'zero', not {missing!r}")
        layout = bed_layout(prefix)  # DataError on missing / truncated / mismatched files
        self.bed = plink_paths(prefix)[0]
        if layout["mode"] != "snp":
            raise DataError(f"{self.bed}: individual-major (legacy) layout cannot be streamed by samples; convert it "
                            f"with genenets.data.genotypes.snp_major_prefix first")
        self.n_samples_file, self.n_variants_file = layout["n_samples"], layout["n_variants"]
        self.variant_index = self._check_index(variant_index, self.n_variants_file, "variant_index")
        self.sample_index = self._check_index(sample_index, self.n_samples_file, "sample_index")
        if num_replicas is None:
            from ..train import is_distributed

            if is_distributed():
                import torch.distributed as dist

                num_replicas, rank = dist.get_world_size(), dist.get_rank()
            else:
                num_replicas, rank = 1, 0
        self.batch_size, self.block_size = int(batch_size), int(block_size)
        self.missing, self.num_threads, self.dtype = missing, num_threads, dtype
        self.sampler = BlockSampler(len(self.sample_index), self.block_size, shuffle, seed, num_replicas, rank or 0)
        self.missing_calls_ = 0

    @staticmethod
    def _check_index(index, size: int, name: str) -> np.ndarray:
        if index is None:
            return np.arange(size, dtype=np.intp)
        index = np.asarray(index)
        if index.dtype == bool:
            if len(index) != size:
                raise ValueError(f"{name}: boolean mask of length {len(index)}, the file has {size}")
            return np.flatnonzero(index)
        index = index.astype(np.intp)
        if index.ndim != 1 or len(index) == 0:
            raise ValueError(f"{name} must be a non-empty 1-D index")
        if index.min() < 0 or index.max() >= size:
            raise ValueError(f"{name} out of range: values must be in [0, {size}), got [{index.min()}, {index.max()}]")
        return index

    @property
    def n_features(self) -> int:
        """Width of a batch, ``2m``."""
        return 2 * len(self.variant_index)

    def set_epoch(self, epoch: int) -> None:
        self.sampler.set_epoch(epoch)

    def read_block(self, positions) -> np.ndarray:
        """Int8 dosages of samples ``sample_index[positions]``, shape (len(positions), m); missing = -127."""
        from bed_reader import open_bed

        rows = self.sample_index[np.asarray(positions)]
        # bed-reader reads rows in any order; sorted rows keep each variant's read sequential
        order = np.argsort(rows, kind="stable")
        with open_bed(self.bed, count_A1=True, num_threads=self.num_threads,
                      iid_count=self.n_samples_file, sid_count=self.n_variants_file) as reader:
            sorted_block = reader.read(index=np.s_[rows[order], self.variant_index], dtype="int8", order="C")
        if np.all(order[:-1] < order[1:]):  # already in file order (no shuffle): no reordering copy
            return sorted_block
        block = np.empty_like(sorted_block)
        block[order] = sorted_block
        return block

    def _encode(self, dosage: np.ndarray) -> torch.Tensor:
        is_missing = dosage == MISSING_INT8
        if is_missing.any():
            if self.missing == "error":
                j = int(np.flatnonzero(is_missing.any(axis=0))[0])
                raise DataError(f"{self.bed}: {int(is_missing.sum())} missing calls in a block (e.g. variant "
                                f"{int(self.variant_index[j])} of the .bim); impute them first or stream with "
                                f"missing='zero'")
            self.missing_calls_ += int(is_missing.sum())
            dosage = np.where(is_missing, 0, dosage)
        # bed-reader's int8 holds only 0, 1, 2 now: one table lookup gives encode_two_bit's pairs
        return torch.from_numpy(_TWO_BIT[dosage].reshape(len(dosage), -1)).to(self.dtype)

    def segments(self) -> list[np.ndarray]:
        """Positions read per bed-reader call this epoch: this process's order cut every ``read_size`` samples.

        ``read_size`` is ``block_size`` rounded down to whole batches, so that only the epoch's last batch
        can be short and every process yields ``ceil(len(sampler) / batch_size)`` batches.
        """
        read_size = max(1, self.block_size // self.batch_size) * self.batch_size
        order = self.sampler.indices()
        segments = [order[i:i + read_size] for i in range(0, len(order), read_size)]
        worker = get_worker_info()
        if worker is not None:  # DataLoader workers split this process's segments between them
            segments = segments[worker.id::worker.num_workers]
        return segments

    def __iter__(self):
        for positions in self.segments():
            block = self.read_block(positions)
            for start in range(0, len(block), self.batch_size):
                yield (self._encode(block[start:start + self.batch_size]),)

    def __len__(self) -> int:
        """Batches per epoch for this process."""
        return math.ceil(len(self.sampler) / self.batch_size)


class StreamingLoader:
    """A ``DataLoader`` over a :class:`PlinkBatchStream` that shows the stream's sampler to ``train.fit``.

    ``fit`` reshuffles through ``loader.sampler.set_epoch(epoch)``; a plain ``DataLoader`` over an
    ``IterableDataset`` hides the dataset's sampler, hence this thin wrapper.
    """

    def __init__(self, stream: PlinkBatchStream, num_workers: int = 0, pin_memory: bool | None = None):
        self.dataset = stream
        self.sampler = stream.sampler
        pin = torch.cuda.is_available() if pin_memory is None else pin_memory  # page-locked for fast H2D copies
        self.loader = DataLoader(stream, batch_size=None, num_workers=num_workers, pin_memory=pin)

    def __iter__(self):
        return iter(self.loader)

    def __len__(self) -> int:
        return len(self.dataset)


def plink_loader(prefix, batch_size: int = 64, block_size: int = 1024, variant_index=None, sample_index=None,
                 shuffle: bool = True, seed: int = 0, missing: str = "error", num_workers: int = 0,
                 num_threads: int = 1, distributed: bool = False, pin_memory: bool | None = None) -> StreamingLoader:
    """A training loader for ``genenets.train.fit`` that streams two-bit batches from a PLINK fileset.

    Parameters are those of :class:`PlinkBatchStream`; ``distributed=True`` gives each process of the
    initialized ``torch.distributed`` group its share of the blocks (one process when none is).
    ``num_workers > 0`` reads and encodes in background processes (each with its own share of the
    blocks; the batch order then interleaves the workers', still reproducible).
    """
    replicas = None if distributed else 1
    stream = PlinkBatchStream(prefix, batch_size=batch_size, block_size=block_size, variant_index=variant_index,
                              sample_index=sample_index, shuffle=shuffle, seed=seed, missing=missing,
                              num_replicas=replicas, rank=None if distributed else 0, num_threads=num_threads)
    return StreamingLoader(stream, num_workers=num_workers, pin_memory=pin_memory)


def stream_dosage_blocks(prefix, block_size: int = 1024, variant_index=None, sample_index=None):
    """Unshuffled int8 dosage blocks of a SNP-major fileset, for analyses that need every sample once.

    Yields ``(sample_positions, dosage)`` with dosage of shape (len(block), m); missing calls are -127.
    """
    stream = PlinkBatchStream(prefix, batch_size=block_size, block_size=block_size, variant_index=variant_index,
                              sample_index=sample_index, shuffle=False, missing="zero", num_replicas=1, rank=0)
    for positions in stream.segments():
        yield positions, stream.read_block(positions)


def file_size_mb(prefix) -> float:
    """Size of the ``.bed`` in MB (for benchmark tables)."""
    return Path(plink_paths(prefix)[0]).stat().st_size / 2**20
