"""GeneDAE at genome-wide and biobank size: the genome-wide graph of a PLINK fileset and streamed training.

* :func:`graph_for_plink` annotates a ``.bim`` genome-wide with
  :func:`genenets.data.annotation.genomewide_graph` (RefSeq GRCh37 genes of every chromosome, ANNOVAR-style
  rules) and caches the graph by content (:mod:`genenets.cache`: the ``.bim`` and GTF by their sha256);
  the gene-table helpers live in :mod:`genenets.data.annotation` and are re-exported here;
* :class:`StreamingGeneDAE` trains GeneDAE with ``genenets.train.fit`` on batches streamed from the
  fileset (:mod:`genenets.data.streaming`), so the genotypes never sit in memory; a per-epoch checkpoint
  makes an interrupted run resume exactly. ``engine="fused"`` (CPU default):
  :class:`~genenets.models.genomewide.FusedGeneDAE` on bit-packed batches of a person-major copy of the
  ``.bed``; ``engine="reference"``: :class:`~genenets.models.genomewide.GenomewideGeneDAE` (torch CSR
  products) on float batches read by bed-reader (the path before issue 19, and the GPU path);
* :func:`genomewide_epoch` is training with its timings and peak memory, run by
  ``benchmarks/bench_genomewide_epoch.py`` in a subprocess (``python -m genenets.tools.scale epoch ...``).
"""
from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from .. import cache as gcache
from .. import train
from ..data import annotation as ann
from ..data import genotypes as gt
from ..data.annotation import GENOME_CHROMOSOMES, genome_gene_models, genome_gene_table, genomewide_graph  # noqa: F401
from ..data.registry import DataError, fetch
from ..data.streaming import plink_loader, stream_dosage_blocks
from ..models.genedae import bce_loss
from ..models.genomewide import FusedGeneDAE, GenomewideGeneDAE, packed_bce_loss
from ..models.masked import CSRMaskedLinear  # noqa: F401  (moved; old import path kept)

def graph_for_plink(prefix, gtf=None, flank: int = 1000, splice: int = 2, intergenic_distance: int = 100_000,
                    cache: bool = True, progress: bool = False) -> ann.VariantGeneGraph:
    """:func:`~genenets.data.annotation.genomewide_graph` of a PLINK fileset's ``.bim``, cached.

    Content-keyed in :mod:`genenets.cache` (namespace ``genomewide_graph``): the ``.bim`` and the GTF by
    their sha256 and the annotation rules, so a replaced ``.bim`` or GTF gives a new graph.
    ``variant_index`` of the result indexes the ``.bim`` rows, i.e. the ``.bed`` columns to stream.
    ``cache=False`` rebuilds the graph and stores nothing.
    """
    bim_path = gt.plink_paths(prefix)[1]
    gtf_path = Path(gtf) if gtf is not None else fetch(ann.REFSEQ_GENOME)
    if not bim_path.is_file():
        raise DataError(f"{bim_path}: PLINK file not found")

    def compute():
        bim = gt.read_bim(bim_path)
        return ann.genomewide_graph(bim, ann.genome_gene_models(gtf_path), flank=flank, splice=splice,
                                    intergenic_distance=intergenic_distance, progress=progress)

    inputs = {"bim": gcache.File(bim_path), "gtf": gcache.File(gtf_path), "flank": flank, "splice": splice,
              "intergenic_distance": intergenic_distance}
    graph, _ = gcache.get_or_compute("genomewide_graph", inputs, compute, version=2, use_cache=cache)
    return graph


# ----------------------------------------------------------------------------------------------
# streamed training


def _discard_unreadable_checkpoint(path) -> None:
    """A truncated or corrupted checkpoint is removed with a warning (the run starts afresh) instead of
    failing inside ``torch.load``."""
    if path is None or not Path(path).exists():
        return
    try:
        torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # truncated zip, unpickling error, ...
        import warnings

        warnings.warn(f"checkpoint {path} is unreadable ({type(err).__name__}: {err}); discarded, training "
                      f"starts from epoch 0", gcache.CacheWarning, stacklevel=3)
        Path(path).unlink()


class StreamingGeneDAE:
    """GeneDAE trained on batches streamed from a PLINK ``.bed`` (genotypes never loaded whole).

    Parameters
    ----------
    noise_std : float
        Input noise ``gamma`` (paper 0.3).
    lr : float
        Adam learning rate (paper 1e-4).
    epochs : int
    batch_size : int
        Samples per step; memory per step grows as ``batch_size x 2m``.
    block_size : int
        Samples read per bed-reader call (shuffled block-wise); memory ``block_size x m`` bytes.
    seed : int
        Seeds the weights, the input noise and the block order.
    checkpoint : path, optional
        Per-epoch checkpoint; an interrupted fit resumes after its last finished epoch with the same result.
    device : str
    amp : bool
        Mixed precision (``train.fit``): float16 autocast on CUDA, bfloat16 on CPU.
    n_threads : int, optional
        torch CPU threads while fitting (restored afterwards).
    num_workers : int
        DataLoader processes reading and encoding blocks in the background.
    distributed : bool
        Each ``torch.distributed`` process streams its share of the blocks (run under ``torchrun``
        after ``train.init_distributed()``).
    progress : bool
    engine : {"fused", "reference"}
        ``"fused"`` (CPU): :class:`~genenets.models.genomewide.FusedGeneDAE` on bit-packed batches read
        from a person-major copy of the ``.bed`` (made once, content-keyed in the cache). ``"reference"``:
        :class:`~genenets.models.genomewide.GenomewideGeneDAE` (torch CSR products) on float batches that
        bed-reader reads from the SNP-major ``.bed`` (the path before issue 19; also used on GPUs). Same
        model, parameters and loss; the fused engine draws its noise differently (see ``FusedGeneDAE``).
    noise_draws : {"per_gene", "per_input"}
        Fused engine only (``FusedGeneDAE(noise_draws=...)``). ``"per_gene"`` (default here, the
        genome-wide kernels): the summed noise of the inputs that reach one gene only is one normal draw
        per gene and sample with the sum's variance, the same corruption distribution with one draw per
        gene instead of one per edge (its gradient: the per-input one's conditional expectation given
        the gene's noise sum). ``"per_input"``: one draw per input (the stream notebooks 01-02 use).
    """

    def __init__(self, noise_std: float = 0.3, lr: float = 1e-4, epochs: int = 1, batch_size: int = 32,
                 block_size: int = 512, seed: int = 0, checkpoint=None, device: str = "cpu", amp: bool = False,
                 n_threads: int | None = None, num_workers: int = 0, distributed: bool = False,
                 progress: bool = False, engine: str = "fused", noise_draws: str = "per_gene"):
        self.noise_std = noise_std
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.block_size = block_size
        self.seed = seed
        self.checkpoint = checkpoint
        self.device = device
        self.amp = amp
        self.n_threads = n_threads
        self.num_workers = num_workers
        self.distributed = distributed
        self.progress = progress
        self.engine = engine
        self.noise_draws = noise_draws

    def fit(self, prefix, graph: ann.VariantGeneGraph, sample_index=None, val_sample_index=None):
        """Train on the samples ``sample_index`` (default all) of the SNP-major fileset ``prefix``.

        Parameters
        ----------
        prefix : PLINK prefix
        graph : VariantGeneGraph
            ``A`` of shape (m, n_genes); ``graph.variant_index`` (shape (m,)) are the ``.bed`` columns.
        sample_index, val_sample_index : int arrays, optional
            Training samples and (optionally) validation samples, rows of the ``.fam``.
        """
        if self.engine not in ("fused", "reference"):
            raise ValueError(f"engine must be 'fused' or 'reference', not {self.engine!r}")
        fused = self.engine == "fused" and torch.device(self.device).type == "cpu"
        torch.manual_seed(self.seed)
        if fused:
            self.model_ = FusedGeneDAE(graph.A_prime(), noise_std=self.noise_std, noise_draws=self.noise_draws)
        else:
            self.model_ = GenomewideGeneDAE(graph.A_prime(), noise_std=self.noise_std)
        self.genes_ = list(graph.genes)
        self.variant_index_ = np.asarray(graph.variant_index)
        io = dict(reader="person", output="packed", progress=self.progress) if fused else {}
        loss_fn = packed_bce_loss if fused else bce_loss
        loader = plink_loader(prefix, batch_size=self.batch_size, block_size=self.block_size,
                              variant_index=self.variant_index_, sample_index=sample_index, shuffle=True,
                              seed=self.seed, num_workers=self.num_workers, distributed=self.distributed, **io)
        val = None
        if val_sample_index is not None:
            val = plink_loader(prefix, batch_size=self.block_size, block_size=self.block_size,
                               variant_index=self.variant_index_, sample_index=val_sample_index, shuffle=False, **io)
        _discard_unreadable_checkpoint(self.checkpoint)
        import numba

        threads, numba_threads = torch.get_num_threads(), numba.get_num_threads()
        if self.n_threads:
            torch.set_num_threads(self.n_threads)
            numba.set_num_threads(min(self.n_threads, numba.config.NUMBA_NUM_THREADS))
        try:
            # fused engine: torch's single-kernel Adam (one pass over the 3.3 M genome-wide parameters instead
            # of several; 0.003 vs the default foreach Adam's 0.017 CPU s per step, 2 threads: the optimizer row of
            # benchmarks/results/genomewide_step.csv, fused against fused v1, session 13's run)
            opt_kwargs = {"fused": True} if fused else None
            stamps = []  # (wall, CPU) at the start of every training step: steady-state throughput

            def timed_loss(model, batch):
                stamps.append((time.perf_counter(), time.process_time(), len(batch[0])))
                return loss_fn(model, batch)

            t0, c0 = time.perf_counter(), time.process_time()
            self.history_ = train.fit(self.model_, loader, timed_loss, val_loader=val, epochs=self.epochs, lr=self.lr,
                                      optimizer_kwargs=opt_kwargs, checkpoint=self.checkpoint, device=self.device,
                                      amp=self.amp, progress=self.progress, desc="GeneDAE (streamed)")
            end = (time.perf_counter(), time.process_time())
            #: wall and CPU seconds of the training loop alone (model and loader set-up excluded)
            self.loop_seconds_ = (end[0] - t0, end[1] - c0)
            #: (samples, wall s, CPU s) from the second step to the end: without the first step's one-time
            #: costs (torch's optimizer imports, loading compiled kernels), what every further step costs
            self.steady_ = ((sum(n for *_, n in stamps[1:]), end[0] - stamps[1][0], end[1] - stamps[1][1])
                            if len(stamps) > 1 else None)
        finally:
            torch.set_num_threads(threads)
            numba.set_num_threads(numba_threads)
        self.model_.to("cpu")
        return self

    def transform(self, prefix, sample_index=None) -> np.ndarray:
        """Gene embeddings of the samples (default all, in ``.fam`` order), shape (n_samples, n_genes)."""
        from ..data.genotypes import encode_two_bit

        out = []
        self.model_.eval()
        with torch.no_grad():
            for _, dosage in stream_dosage_blocks(prefix, self.block_size, self.variant_index_, sample_index):
                x = encode_two_bit(np.where(dosage == gt.MISSING_INT8, 0, dosage))
                if isinstance(self.model_, FusedGeneDAE):
                    packed = torch.from_numpy(np.packbits(x.astype(np.uint8), axis=1, bitorder="little"))
                    out.append(self.model_.encode_packed(packed).numpy())
                else:
                    out.append(self.model_.encode(torch.from_numpy(x)).numpy())
        return np.concatenate(out)

    def score(self, prefix, sample_index=None) -> float:
        """Mean binary cross entropy of the reconstruction of the streamed samples (lower is better)."""
        loader = plink_loader(prefix, batch_size=self.block_size, block_size=self.block_size,
                              variant_index=self.variant_index_, sample_index=sample_index, shuffle=False)
        self.model_.eval()
        total, n = 0.0, 0
        with torch.no_grad():
            for batch in loader:
                x = batch[0]
                if isinstance(self.model_, FusedGeneDAE):
                    x = torch.from_numpy(np.packbits(x.numpy().astype(np.uint8), axis=1, bitorder="little"))
                    total += float(packed_bce_loss(self.model_, (x,))) * len(x)
                else:
                    total += float(bce_loss(self.model_, batch)) * len(x)
                n += len(batch[0])
        return total / n


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB.

    Linux ``VmHWM`` (reset by ``exec``); ``ru_maxrss`` is the fallback elsewhere, but on Linux it keeps
    the parent's peak across ``fork`` + ``exec``, which would hide a small child under a big parent.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def genomewide_epoch(prefix, batch_size: int = 32, block_size: int = 512, seed: int = 0, n_threads: int | None = None,
                     epochs: int = 1, checkpoint=None, graph_cache: bool = True, gtf=None, progress: bool = False,
                     engine: str = "fused", n_samples: int | None = None, noise_draws: str = "per_gene") -> dict:
    """Build the genome-wide graph of ``prefix`` and train GeneDAE for ``epochs`` streamed epochs.

    Parameters
    ----------
    engine : {"fused", "reference"}
        See :class:`StreamingGeneDAE`. For ``"fused"`` the person-major copy is made (or found in the
        cache) first and timed on its own (``convert_s``, ``convert_mb_per_s``).
    n_samples : int, optional
        Train on the first ``n_samples`` people only (a fixed number of batches instead of a whole
        epoch: ``n_samples / batch_size`` steps, each reading and computing as in the full epoch when
        ``n_samples`` is a multiple of ``block_size``).
    noise_draws : {"per_gene", "per_input"}
        The fused engine's noise (see :class:`StreamingGeneDAE`).

    Returns
    -------
    dict with sizes (samples, variants in the file and in the graph, genes, masked-layer edges), the
    seconds spent on the graph, the conversion and the training (``train_s``: the whole ``fit`` with the
    model's set-up; ``loop_s``: ``train.fit``'s loop alone; ``steady_s``: from the second step on, without
    the first step's one-time imports and kernel loading; ``*_cpu_s``: CPU seconds of all threads of this
    process), ``samples_per_s`` / ``samples_per_cpu_s`` of the steady part, the final training
    loss and the peak RSS of this process (MB). ``graph_cache=False`` builds the graph in this process
    (so that its memory counts) instead of reusing a cached one.
    """
    from ..data.streaming import convert_to_person_major, file_size_mb

    layout = gt.bed_layout(prefix)
    if n_threads:
        torch.set_num_threads(n_threads)
    t0 = time.perf_counter()
    graph = graph_for_plink(prefix, gtf=gtf, cache=graph_cache, progress=progress)
    t_graph = time.perf_counter() - t0
    rss_after_graph = peak_rss_mb()
    convert_s = None
    if engine == "fused":
        t0 = time.perf_counter()
        convert_to_person_major(prefix, np.asarray(graph.variant_index), progress=progress)
        convert_s = time.perf_counter() - t0
    n = layout["n_samples"] if n_samples is None else min(int(n_samples), layout["n_samples"])
    model = StreamingGeneDAE(epochs=epochs, batch_size=batch_size, block_size=block_size, seed=seed,
                             checkpoint=checkpoint, n_threads=n_threads, progress=progress, engine=engine,
                             noise_draws=noise_draws)
    t1, c1 = time.perf_counter(), time.process_time()
    model.fit(prefix, graph, sample_index=np.arange(n) if n_samples is not None else None)
    t_train, cpu_train = time.perf_counter() - t1, time.process_time() - c1
    bed_mb = file_size_mb(prefix)
    return {"engine": engine, "noise_draws": noise_draws if engine == "fused" else None, "n_samples": n,
            "n_samples_file": layout["n_samples"],
            "n_variants_file": layout["n_variants"], "n_variants_graph": int(graph.A.shape[0]),
            "n_genes": int(graph.A.shape[1]), "n_edges_per_layer": int(model.model_.encoder.n_edges),
            "inputs_2m": int(model.model_.n_inputs), "batch_size": batch_size, "block_size": block_size,
            "torch_threads": torch.get_num_threads(), "epochs": epochs, "graph_s": round(t_graph, 1),
            "convert_s": None if convert_s is None else round(convert_s, 2),
            "convert_mb_per_s": None if not convert_s else round(bed_mb / convert_s, 1),
            "bed_mb": round(bed_mb, 1), "train_s": round(t_train, 2),
            "samples_per_s_incl_setup": round(epochs * n / t_train, 2), "train_cpu_s": round(cpu_train, 2),
            "loop_s": round(model.loop_seconds_[0], 2), "loop_cpu_s": round(model.loop_seconds_[1], 2),
            "samples_per_s_loop": round(epochs * n / model.loop_seconds_[0], 2),
            "steady_samples": model.steady_[0] if model.steady_ else None,
            "steady_s": round(model.steady_[1], 2) if model.steady_ else None,
            "steady_cpu_s": round(model.steady_[2], 2) if model.steady_ else None,
            "samples_per_s": round(model.steady_[0] / model.steady_[1], 2) if model.steady_ else None,
            "samples_per_cpu_s": round(model.steady_[0] / model.steady_[2], 2) if model.steady_ else None,
            "final_train_loss": float(model.history_.train_loss[-1]),
            "peak_rss_after_graph_mb": round(rss_after_graph, 1), "peak_rss_mb": round(peak_rss_mb(), 1),
            **{f"excluded_{k}": v for k, v in graph.exclusions.items()}}


def overview_counts(graph: ann.VariantGeneGraph, prefix) -> tuple[pd.DataFrame, pd.Series]:
    """Variants and genes per chromosome of a genome-wide graph, and variants per gene.

    Parameters
    ----------
    graph : VariantGeneGraph of the fileset (``graph_for_plink(prefix)``)
    prefix : PLINK prefix whose ``.bim`` the graph indexes

    Returns
    -------
    per_chromosome : DataFrame indexed by chromosome (genome order), columns ``variants`` (in the graph)
        and ``genes`` (by the chromosome of each gene's first variant)
    snps_per_gene : Series gene -> number of variants
    """
    bim = gt.read_bim(gt.plink_paths(prefix)[1])
    chrom = bim["chrom"].to_numpy()[graph.variant_index]
    order = [c for c in GENOME_CHROMOSOMES if c in set(chrom)]
    by_gene = graph.A.tocsc()
    gene_chrom = pd.Series(chrom[by_gene.indices[by_gene.indptr[:-1]]])
    table = pd.DataFrame({"variants": pd.Series(chrom).value_counts().reindex(order, fill_value=0),
                          "genes": gene_chrom.value_counts().reindex(order, fill_value=0)})
    table.index.name = "chrom"
    return table, graph.snps_per_gene


def overview_figure(graph: ann.VariantGeneGraph, prefix, title: str = ""):
    """:func:`genenets.plotting.scale.overview_figure` of :func:`overview_counts` (kept for callers)."""
    from ..plotting.scale import overview_figure as draw

    per_chrom, counts = overview_counts(graph, prefix)
    return draw(per_chrom, counts, title=title or f"Genome-wide variant-gene graph: {graph.A.shape[0]:,} variants, "
                                                  f"{graph.A.shape[1]:,} genes")


def _train_command(args) -> int:
    """``train`` subcommand: one process, or one of ``torchrun``'s (gloo on CPU, nccl on GPU)."""
    import os

    rank, world = train.init_distributed()
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = f"cuda:{local}" if torch.cuda.is_available() else "cpu"
    if device != "cpu":
        torch.cuda.set_device(local)
    graph = graph_for_plink(args.prefix, gtf=args.gtf) if rank == 0 else None
    if rank == 0 and args.engine == "fused" and device == "cpu":  # one process writes the person-major copy
        from ..data.streaming import convert_to_person_major

        convert_to_person_major(args.prefix, np.asarray(graph.variant_index))
    if world > 1:  # rank 0 builds (and caches) the graph once; the others read the cache
        torch.distributed.barrier()
        graph = graph_for_plink(args.prefix, gtf=args.gtf) if graph is None else graph
    model = StreamingGeneDAE(noise_std=args.noise_std, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                             block_size=args.block_size, seed=args.seed, checkpoint=args.checkpoint, device=device,
                             amp=args.amp, n_threads=args.threads, num_workers=args.workers, distributed=world > 1,
                             progress=False, engine=args.engine, noise_draws=args.noise_draws)
    model.fit(args.prefix, graph)
    if rank == 0:
        torch.save({"state_dict": model.model_.state_dict(), "genes": model.genes_,
                    "variant_index": model.variant_index_, "history": model.history_.to_frame()}, args.out)
        print(json.dumps({"world_size": world, "device": device, "train_loss": model.history_.train_loss}))
    if train.is_distributed():
        torch.distributed.destroy_process_group()
    return 0


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m genenets.tools.scale",
                                     description="Genome-wide GeneDAE: simulate a fileset, or train one streamed epoch")
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="write the simulated genome-wide PLINK fileset (cached); print its prefix")
    sim.add_argument("--samples", type=int, default=3000)
    sim.add_argument("--variants", type=int, default=570_000)
    sim.add_argument("--seed", type=int, default=0)
    ep = sub.add_parser("epoch", help="train GeneDAE for one streamed epoch; print sizes, times, peak RSS as JSON")
    ep.add_argument("--prefix", required=True)
    ep.add_argument("--batch-size", type=int, default=32)
    ep.add_argument("--block-size", type=int, default=512)
    ep.add_argument("--threads", type=int, default=None)
    ep.add_argument("--epochs", type=int, default=1)
    ep.add_argument("--seed", type=int, default=0)
    ep.add_argument("--rebuild-graph", action="store_true", help="build the graph here instead of reusing the cache")
    ep.add_argument("--engine", choices=("fused", "reference"), default="fused")
    ep.add_argument("--n-samples", type=int, default=None, help="train on the first N people only")
    ep.add_argument("--noise-draws", choices=("per_gene", "per_input"), default="per_gene")
    ep.add_argument("--progress", action="store_true")
    tr = sub.add_parser("train", help="streamed GeneDAE training with checkpoints; under torchrun, one process "
                                      "per GPU/CPU share (DistributedDataParallel)")
    tr.add_argument("--prefix", required=True)
    tr.add_argument("--epochs", type=int, default=60)
    tr.add_argument("--lr", type=float, default=1e-4)
    tr.add_argument("--batch-size", type=int, default=32, help="per process")
    tr.add_argument("--block-size", type=int, default=512)
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--checkpoint", default=None, help="per-epoch checkpoint; an existing one is resumed")
    tr.add_argument("--out", required=True, help="where rank 0 saves the trained weights and gene names (.pt)")
    tr.add_argument("--amp", action="store_true", help="mixed precision (float16 on CUDA, bfloat16 on CPU)")
    tr.add_argument("--workers", type=int, default=0, help="DataLoader processes reading the .bed")
    tr.add_argument("--noise-std", type=float, default=0.3, help="input noise gamma (paper 0.3)")
    tr.add_argument("--gtf", default=None, help="gene annotation (default: the registry's RefSeq GRCh37 genes)")
    tr.add_argument("--threads", type=int, default=None, help="torch CPU threads per process")
    tr.add_argument("--engine", choices=("fused", "reference"), default="fused",
                    help="fused numba kernels on a person-major copy (CPU), or the torch reference path")
    tr.add_argument("--noise-draws", choices=("per_gene", "per_input"), default="per_gene",
                    help="fused engine: noise of single-gene inputs drawn as one sum per gene, or one draw per input")
    args = parser.parse_args(argv)
    if args.command == "train":
        return _train_command(args)
    if args.command == "simulate":
        from ..simulate.genomewide import simulate_genomewide, truth_summary

        t0 = time.perf_counter()
        genome = simulate_genomewide(n_samples=args.samples, n_variants=args.variants, seed=args.seed, progress=False)
        print(json.dumps({"prefix": str(genome.prefix), "simulate_s": round(time.perf_counter() - t0, 1),
                          "peak_rss_mb": round(peak_rss_mb(), 1), **truth_summary(genome)}))
    else:
        print(json.dumps(genomewide_epoch(args.prefix, batch_size=args.batch_size, block_size=args.block_size,
                                          seed=args.seed, n_threads=args.threads, epochs=args.epochs,
                                          graph_cache=not args.rebuild_graph, progress=args.progress,
                                          engine=args.engine, n_samples=args.n_samples,
                                          noise_draws=args.noise_draws)))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
