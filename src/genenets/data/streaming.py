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

import functools
import os
import math
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from .genotypes import MISSING_INT8, bed_layout, check_padding, plink_paths
from .registry import DataError


#: Two-bit encoding of dosages 0, 1, 2 (as :func:`genenets.data.genotypes.encode_two_bit`).
_TWO_BIT = np.array([[0, 0], [1, 0], [1, 1]], dtype=np.float32)
_TWO_BIT_U8 = _TWO_BIT.astype(np.uint8)


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
    reader : {"bed", "person"}
        ``"bed"``: bed-reader reads each block from the SNP-major ``.bed`` (every block touches the whole
        file). ``"person"``: a one-time person-major bit-packed copy of the streamed variants
        (:func:`convert_to_person_major`, content-keyed in the cache, atomic and resumable) is read
        instead: a block is one contiguous read per person, and the next block is read in a background
        thread while the current one is yielded. Both yield the same batches.
    output : {"float", "packed"}
        ``"float"``: the two-bit input as ``dtype`` (batch, 2m). ``"packed"``: the same bits packed
        eight per byte, uint8 (batch, ceil(2m / 8)), bit ``i % 8`` of byte ``i // 8`` (input of
        :class:`genenets.models.genomewide.FusedGeneDAE`).
    progress : bool
        Progress bar of the person-major conversion.

    Yields
    ------
    ``(x,)`` with ``x`` a tensor of shape (batch, 2m): columns ``2j, 2j+1`` are the two bits of variant ``j``
    (or its packed form, see ``output``).
    """

    def __init__(self, prefix, batch_size: int = 64, block_size: int = 1024, variant_index=None,
                 sample_index=None, shuffle: bool = True, seed: int = 0, missing: str = "error",
                 num_replicas: int | None = None, rank: int | None = None, num_threads: int = 1,
                 dtype=torch.float32, reader: str = "bed", output: str = "float", progress: bool = False):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if missing not in ("error", "zero"):
            raise ValueError(f"missing must be 'error' or 'zero', not {missing!r}")
        if reader not in ("bed", "person") or output not in ("float", "packed"):
            raise ValueError(f"reader must be 'bed' or 'person' and output 'float' or 'packed', got {reader!r}, "
                             f"{output!r}")
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
        self.reader, self.output, self.person = reader, output, None
        if reader == "person":
            self.person = PersonMajorFile(convert_to_person_major(prefix, self.variant_index, progress=progress))
            if self.person.missing_calls and missing == "error":
                raise DataError(f"{self.bed}: {self.person.missing_calls} missing calls in the streamed variants; "
                                f"impute them first or stream with missing='zero'")

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

    def read_block(self, positions, out: np.ndarray | None = None) -> np.ndarray:
        """Samples ``sample_index[positions]``: int8 dosages (len(positions), m), missing = -127 (``reader="bed"``),
        or packed two-bit inputs (len(positions), ceil(m / 4)) uint8, missing as ``[0, 0]`` (``"person"``; read
        into ``out`` when given)."""
        from bed_reader import open_bed

        rows = self.sample_index[np.asarray(positions)]
        if self.person is not None:
            return self.person.read_packed(rows, missing="zero", out=out)
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
        if self.person is not None:  # packed two-bit codes already
            if self.output == "packed":
                return torch.from_numpy(dosage)
            bits = np.unpackbits(dosage, axis=1, bitorder="little", count=self.n_features)
            return torch.from_numpy(bits).to(self.dtype)
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
        if self.output == "packed":
            return torch.from_numpy(np.packbits(_TWO_BIT_U8[dosage].reshape(len(dosage), -1), axis=1,
                                                bitorder="little"))
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
        segments = self.segments()
        if self.person is None or len(segments) < 2:
            for positions in segments:
                yield from self._batches(self.read_block(positions))
            return
        # person-major copy: the next block is read in a background thread while this one trains (the read
        # waits on the disk and releases the GIL; a copy not read in the last minute is usually out of the page
        # cache on this project's VM, docs/scaling.md). At most two blocks are held; leaving the loop early
        # waits for the read in flight.
        from concurrent.futures import ThreadPoolExecutor

        buffers = self._block_buffers(max(len(seg) for seg in segments))
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="genenets-prefetch") as pool:
            pending = pool.submit(self.read_block, segments[0], self._free_buffer(buffers, len(segments[0])))
            for i in range(len(segments)):
                block = pending.result()
                for j, batch in enumerate(self._batches(block)):
                    yield batch
                    if j == 0 and i + 1 < len(segments):
                        # after the block's first batch: the consumer has let go of the previous block's last
                        # batch, so its buffer is free again and two buffers serve the whole epoch
                        pending = pool.submit(self.read_block, segments[i + 1],
                                              self._free_buffer(buffers, len(segments[i + 1])))
                block = batch = None

    def __getstate__(self):  # DataLoader workers get the stream without its block buffers
        state = self.__dict__.copy()
        state.pop("_buffers", None)
        return state

    def _block_buffers(self, n_rows: int) -> list:
        """The stream's two block buffers, made (and touched) once: a new 64 MB block genome-wide costs ~16,000
        page faults, and on this project's VM first-touched memory faults slowly; made while the next block
        is read, they slowed the training steps of that time 2-4x (measured). Kept with the stream, so a
        later epoch reuses them."""
        buffers = self.__dict__.setdefault("_buffers", [])
        if buffers and buffers[0].shape[0] < n_rows:
            buffers.clear()
        while len(buffers) < 2:
            buf = np.empty((n_rows, self.person.row_bytes), np.uint8)
            buf.fill(0)
            buffers.append(buf)
        return buffers

    @staticmethod
    def _free_buffer(buffers: list, n_rows: int) -> np.ndarray:
        """``n_rows`` rows of a block buffer that no yielded batch still uses (a new array if none is free)."""
        import sys

        for buf in buffers:
            # references: the list, this loop's name and getrefcount's argument; each live batch (a view) adds one
            if sys.getrefcount(buf) == 3:
                return buf[:n_rows]
        return np.empty((n_rows, buffers[0].shape[1]), np.uint8)

    def _batches(self, block):
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
                 num_threads: int = 1, distributed: bool = False, pin_memory: bool | None = None,
                 reader: str = "bed", output: str = "float", progress: bool = False) -> StreamingLoader:
    """A training loader for ``genenets.train.fit`` that streams two-bit batches from a PLINK fileset.

    Parameters are those of :class:`PlinkBatchStream`; ``distributed=True`` gives each process of the
    initialized ``torch.distributed`` group its share of the blocks (one process when none is).
    ``num_workers > 0`` reads and encodes in background processes (each with its own share of the
    blocks; the batch order then interleaves the workers', still reproducible).
    """
    replicas = None if distributed else 1
    stream = PlinkBatchStream(prefix, batch_size=batch_size, block_size=block_size, variant_index=variant_index,
                              sample_index=sample_index, shuffle=shuffle, seed=seed, missing=missing,
                              num_replicas=replicas, rank=None if distributed else 0, num_threads=num_threads,
                              reader=reader, output=output, progress=progress)
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


# ----------------------------------------------------------------------------------------------
# person-major bit-packed copy (issue 19): a batch of people is one contiguous read per person

#: Two-bit GeneDAE code of each PLINK 2-bit code (``count_A1``: 00 hom A1 = dosage 2, 01 missing,
#: 10 het = 1, 11 hom A2 = 0). Low bit = "at least one copy", high bit = "two copies" (the two inputs
#: ``2j, 2j+1``); missing is ``10`` (high without low), a pair that no dosage produces.
_GENEDAE_CODE = np.array([0b11, 0b10, 0b01, 0b00], dtype=np.uint8)
#: Per PLINK byte (four people): their four GeneDAE codes and the number of missing calls.
_BYTE_LUT = np.array([[_GENEDAE_CODE[(b >> s) & 3] for s in (0, 2, 4, 6)] + [sum((b >> s) & 3 == 1 for s in (0, 2, 4, 6))]
                      for b in range(256)], dtype=np.uint8)
PERSON_MAJOR_VERSION = 1


def _convert_kernel():
    from numba import njit, prange

    @njit(parallel=True, cache=True)
    def convert(raw, n, out):
        """SNP-major bytes (nv, ceil(n / 4)) -> person-major GeneDAE codes (n, ceil(nv / 4)); returns the
        missing calls per tile of 256 variants (padding is zero, :func:`check_padding`: no missing call).

        Bit arithmetic, no table: four input bytes (variants ``v .. v+3`` of people ``4q .. 4q+3``) are one
        32-bit word whose 4 x 4 two-bit fields are transposed by two delta swaps, so that byte ``r`` holds
        person ``4q + r``'s four variants; the GeneDAE code of a PLINK code is its bitwise NOT
        (:data:`_GENEDAE_CODE`). Missing calls (field ``01``) are counted by a popcount of the word.
        Variants go by tiles of 64 output bytes (one cache line of every output row) in parallel; a tile
        reads its 256 input rows once per 64 people, so both sides stay in cache.
        """
        nv, n_q = raw.shape
        n_v4 = (nv + 3) // 4
        tile = 64
        n_tiles = (n_v4 + tile - 1) // tile
        missing = np.zeros(n_tiles, np.int64)
        m8, m24 = np.uint32(8), np.uint32(24)
        for ti in prange(n_tiles):
            miss = 0
            v4_end = min(n_v4, (ti + 1) * tile)
            for q in range(n_q):
                people = min(4, n - 4 * q)
                for v4 in range(ti * tile, v4_end):
                    v = 4 * v4
                    if v + 3 < nv:
                        w = (np.uint32(raw[v, q]) | (np.uint32(raw[v + 1, q]) << m8)
                             | (np.uint32(raw[v + 2, q]) << np.uint32(16)) | (np.uint32(raw[v + 3, q]) << m24))
                    else:  # the last, incomplete group: PLINK 11 (GeneDAE 00) past the end
                        w = np.uint32(0xFFFFFFFF)
                        for t in range(nv - v):
                            sh = np.uint32(8 * t)
                            w = (w & ~(np.uint32(0xFF) << sh)) | (np.uint32(raw[v + t, q]) << sh)
                    mm = w & ~(w >> np.uint32(1)) & np.uint32(0x55555555)  # fields 01: missing
                    mm = (mm & np.uint32(0x33333333)) + ((mm >> np.uint32(2)) & np.uint32(0x33333333))
                    mm = (mm & np.uint32(0x0F0F0F0F)) + ((mm >> np.uint32(4)) & np.uint32(0x0F0F0F0F))
                    miss += ((mm * np.uint32(0x01010101)) >> m24) & np.uint32(0xFF)
                    x = ((w >> np.uint32(6)) ^ w) & np.uint32(0x00CC00CC)
                    w = w ^ x ^ (x << np.uint32(6))
                    x = ((w >> np.uint32(12)) ^ w) & np.uint32(0x0000F0F0)
                    w = (w ^ x ^ (x << np.uint32(12))) ^ np.uint32(0xFFFFFFFF)
                    if people == 4:
                        out[4 * q, v4] = np.uint8(w & np.uint32(0xFF))
                        out[4 * q + 1, v4] = np.uint8((w >> m8) & np.uint32(0xFF))
                        out[4 * q + 2, v4] = np.uint8((w >> np.uint32(16)) & np.uint32(0xFF))
                        out[4 * q + 3, v4] = np.uint8(w >> m24)
                    else:
                        for r in range(people):
                            out[4 * q + r, v4] = np.uint8((w >> np.uint32(8 * r)) & np.uint32(0xFF))
            missing[ti] = miss
        return missing

    return convert


def person_major_path(prefix, variant_index=None) -> Path:
    """Where the person-major copy of ``prefix`` (restricted to ``variant_index``) lives in the cache.

    Keyed by the content (sha256) of the ``.bed``, ``.bim`` and ``.fam`` and by ``variant_index``.
    """
    from .. import cache

    vi = None if variant_index is None else np.asarray(variant_index, dtype=np.int64)
    digest = cache.key("person_major", PERSON_MAJOR_VERSION, *[cache.File(p) for p in plink_paths(prefix)], vi)
    return cache.root() / "personmajor" / f"{plink_paths(prefix)[0].stem}.{digest[:20]}.bits"


def convert_to_person_major(prefix, variant_index=None, out=None, chunk_variants: int = 65536,
                            progress: bool = False, stop_after: int | None = None,
                            chunk_mb: float = 64.0) -> Path:
    """Write the GeneDAE two-bit codes of a SNP-major ``.bed`` person by person, bit-packed.

    Row ``p`` of the output (``ceil(m / 4)`` bytes) holds the ``m`` variants ``variant_index`` (in that
    order) of sample ``p``: bits ``2j, 2j+1`` are the two GeneDAE inputs of variant ``j``, so a batch of
    people is ``batch`` contiguous reads and its input is ``np.unpackbits(..., bitorder="little")``.

    Atomic and resumable: the work goes to ``<out>.part`` with a ``<out>.part.json`` progress record
    written after each flushed chunk; a killed conversion resumes from its last chunk, and ``out`` appears
    (one rename) only when complete, after its ``<out>.json`` metadata (samples, variants, missing calls).
    A killed process loses nothing written (the progress record follows each chunk's writes; a machine
    crash may lose page-cache data, the final copy is ``fsync``-ed before its rename).
    The padding bits of every variant are checked (:func:`check_padding`). ``stop_after`` stops after
    that many chunks (to test resuming). Returns ``out`` (default :func:`person_major_path`).

    Work goes by chunks of ``chunk_variants`` variants (one progress record each) and, inside a chunk, by
    blocks of people so that one block's input and output stay under ``chunk_mb`` MB each whatever the
    number of people (a biobank-size ``.bed`` converts in bounded memory); the two buffers are allocated
    once and reused. Each block is one ``take`` of its variants' bytes from the memory-mapped ``.bed``
    and one numba pass (:func:`_convert_kernel`) into the reused output buffer, then one ``pwrite`` per
    person of the block (16 kB with the default chunk; writing through a shared memory map instead was
    slower, measured: a page fault per 4 kB).
    """
    import json
    import os

    layout = bed_layout(prefix)
    bed = plink_paths(prefix)[0]
    if layout["mode"] != "snp":
        raise DataError(f"{bed}: individual-major (legacy) layout; convert it with "
                        f"genenets.data.genotypes.snp_major_prefix first")
    n, m_file = layout["n_samples"], layout["n_variants"]
    vi = np.arange(m_file) if variant_index is None else np.asarray(variant_index, dtype=np.int64)
    if len(vi) and (vi.min() < 0 or vi.max() >= m_file):
        raise DataError(f"{bed}: variant_index outside 0 .. {m_file - 1} (the .bim has {m_file} variants)")
    out = Path(out) if out is not None else person_major_path(prefix, variant_index)
    if out.exists() and out.with_suffix(".json").exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    part, record = out.with_name(out.name + ".part"), out.with_name(out.name + ".part.json")
    m, per_variant, row_bytes = len(vi), (n + 3) // 4, (len(vi) + 3) // 4
    chunk = max(4, chunk_variants // 4 * 4)
    # people per block: a multiple of 4 (whole input bytes) with block input <= chunk_mb
    block_q = max(1, min(per_variant, int(chunk_mb * 2**20) // max(1, chunk)))
    done, missing = 0, 0
    if part.exists() and record.exists() and part.stat().st_size == n * row_bytes:
        state = json.loads(record.read_text())
        if state.get("n") == n and state.get("m") == m:
            done, missing = int(state["done"]), int(state["missing"])
    fd = os.open(part, os.O_RDWR | os.O_CREAT | (0 if done else os.O_TRUNC), 0o644)
    os.ftruncate(fd, n * row_bytes)
    src = np.memmap(bed, dtype=np.uint8, mode="r", offset=3, shape=(m_file, per_variant))
    convert = _convert_kernel()
    from tqdm.auto import tqdm

    raw_buf = np.empty(min(chunk, m) * block_q, np.uint8)
    out_buf = np.empty(min(n, 4 * block_q) * ((min(chunk, m) + 3) // 4), np.uint8)
    bar = tqdm(total=m, initial=done, desc=f"person-major copy of {bed.name}", unit="variant",
               disable=not progress)
    for k, c0 in enumerate(range(done, m, chunk)):
        if stop_after is not None and k >= stop_after:
            bar.close()
            os.close(fd)
            return part
        idx = vi[c0:c0 + chunk]
        nv, nb = len(idx), (len(idx) + 3) // 4
        for q0 in range(0, per_variant, block_q):
            q1 = min(per_variant, q0 + block_q)
            rows = raw_buf[:nv * (q1 - q0)].reshape(nv, q1 - q0)
            np.take(src[:, q0:q1] if (q0, q1) != (0, per_variant) else src, idx, axis=0, out=rows,
                    mode="clip")  # indices checked above; 'clip' writes straight into out
            if q1 == per_variant:
                try:
                    check_padding(bed, rows, n)
                except DataError:
                    os.close(fd)
                    raise
            people = min(n, 4 * q1) - 4 * q0
            block = out_buf[:people * nb].reshape(people, nb)
            missing += int(convert(rows, people, block).sum())
            for p in range(people):  # one write per person: its bytes of this chunk
                os.pwrite(fd, block[p].data, (4 * q0 + p) * row_bytes + c0 // 4)
        tmp = record.with_name(record.name + ".tmp")
        tmp.write_text(json.dumps({"n": n, "m": m, "done": min(m, c0 + chunk), "missing": missing}))
        os.replace(tmp, record)
        bar.update(nv)
    bar.close()
    os.fsync(fd)
    os.close(fd)
    meta = out.with_suffix(".json")
    tmp = meta.with_name(meta.name + ".tmp")
    tmp.write_text(json.dumps({"n_samples": n, "n_variants": m, "missing_calls": missing, "bed": str(bed),
                               "version": PERSON_MAJOR_VERSION}))
    os.replace(tmp, meta)
    os.replace(part, out)  # last: `out` exists only complete
    record.unlink(missing_ok=True)
    return out


class PersonMajorFile:
    """Read access to a person-major copy (:func:`convert_to_person_major`).

    Attributes
    ----------
    n_samples, n_variants : int
    missing_calls : int
        Missing calls in the copied variants.
    """

    def __init__(self, path):
        import json

        self.path = Path(path)
        meta = json.loads(self.path.with_suffix(".json").read_text())
        self.n_samples, self.n_variants = int(meta["n_samples"]), int(meta["n_variants"])
        self.missing_calls = int(meta["missing_calls"])
        self.row_bytes = (self.n_variants + 3) // 4
        size = self.path.stat().st_size
        if size != self.n_samples * self.row_bytes:
            raise DataError(f"{self.path}: {size} bytes, not the {self.n_samples} x {self.row_bytes} of its "
                            f"{self.path.with_suffix('.json').name} (truncated or changed); delete both to have "
                            f"it converted again")

    @functools.cached_property
    def data(self) -> np.memmap:
        """The whole copy as a read-only memmap (n_samples, row_bytes); :meth:`read_packed` does not use it."""
        return np.memmap(self.path, dtype=np.uint8, mode="r", shape=(self.n_samples, self.row_bytes))

    def read_packed(self, rows, missing: str = "zero", out: np.ndarray | None = None) -> np.ndarray:
        """Packed two-bit inputs of samples ``rows`` (in this order), shape (len(rows), ceil(m / 4)) uint8.

        ``missing="zero"`` encodes a missing call as ``[0, 0]`` (dosage 0); ``"keep"`` leaves its ``10``.
        ``out``: a C-contiguous uint8 array of that shape to read into (returned), e.g. a reused buffer.
        """
        rows = np.asarray(rows, dtype=np.intp)
        if rows.ndim != 1 or (len(rows) and (rows.min() < 0 or rows.max() >= self.n_samples)):
            raise IndexError(f"{self.path}: rows must be a 1-D index in [0, {self.n_samples})")
        if out is None:
            block = np.empty((len(rows), self.row_bytes), np.uint8)
        elif out.shape != (len(rows), self.row_bytes) or out.dtype != np.uint8 or not out.flags.c_contiguous:
            raise ValueError(f"out must be C-contiguous uint8 of shape {(len(rows), self.row_bytes)}, got "
                             f"{out.dtype} {out.shape}")
        else:
            block = out
        # one read() per row, in file order, straight into its place: a forward pass with reads of a whole row
        # (128 kB genome-wide). Fancy-indexing the memmap faulted the rows in page by page instead: 512 random
        # genome-wide rows took 0.85-1.43 s against 0.19 s this way with the file out of the page cache, 30
        # against 11 ms with it in (session 7, the destination memory already touched).
        order = np.argsort(rows, kind="stable")
        with open(self.path, "rb", buffering=0) as fh:
            if hasattr(os, "posix_fadvise") and len(rows):
                # ask for every run of consecutive rows at once: the kernel queues the reads of a whole block
                # instead of one readahead window at a time (a 512-row genome-wide block out of the page cache:
                # 0.21 s without, 0.11 s with, this VM)
                ordered = rows[order]
                cuts = np.flatnonzero(np.diff(ordered) != 1) + 1
                for first, last in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(ordered)]])):
                    os.posix_fadvise(fh.fileno(), int(ordered[first]) * self.row_bytes,
                                     int(ordered[last - 1] - ordered[first] + 1) * self.row_bytes,
                                     os.POSIX_FADV_WILLNEED)
            for i in order:
                fh.seek(int(rows[i]) * self.row_bytes)
                view, got = memoryview(block[i]), 0
                while got < self.row_bytes and (n := fh.readinto(view[got:])):  # a read may return less
                    got += n
                if got != self.row_bytes:
                    raise DataError(f"{self.path}: shorter than its {self.n_samples} rows of {self.row_bytes} "
                                    f"bytes (truncated?); delete it to have it converted again")
        if missing == "zero" and self.missing_calls:
            high = (block >> 1) & 0x55
            block &= ~((high & ~block & 0x55) << 1).astype(np.uint8)
        return block

    def read_dosage(self, rows) -> np.ndarray:
        """Int8 dosages of samples ``rows``, shape (len(rows), m); missing calls are ``-127`` (as bed-reader)."""
        bits = np.unpackbits(self.read_packed(rows, missing="keep"), axis=1, bitorder="little",
                             count=2 * self.n_variants).reshape(len(rows), self.n_variants, 2)
        dosage = (bits[..., 0] + bits[..., 1]).astype(np.int8)
        dosage[(bits[..., 0] == 0) & (bits[..., 1] == 1)] = MISSING_INT8
        return dosage
