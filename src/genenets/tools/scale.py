"""GeneDAE at genome-wide and biobank size: the genome-wide variant-to-gene graph and streamed training.

* :func:`genome_gene_models` reads the registry's RefSeq GRCh37 protein-coding GTF for every chromosome
  (1-22, X, Y) with :func:`genenets.data.annotation.read_gtf`, i.e. the same rules as the MHC analyses;
* :func:`genomewide_graph` annotates variants chromosome by chromosome with
  :func:`~genenets.data.annotation.annotate_variants` (ANNOVAR-style precedence, flanks, nearest genes of
  intergenic variants) and stacks the per-chromosome adjacencies block-diagonally into one sparse ``A``;
  :func:`graph_for_plink` does it for a PLINK ``.bim`` and caches the result;
* :class:`StreamingGeneDAE` trains :class:`GenomewideGeneDAE` (GeneDAE whose sparse masked layers are
  computed with CSR products, :class:`CSRMaskedLinear`, same weights and outputs) with
  ``genenets.train.fit`` on batches streamed from the ``.bed`` (:mod:`genenets.data.streaming`), so the
  genotypes never sit in memory; a per-epoch checkpoint makes an interrupted run resume exactly;
* :func:`genomewide_epoch` is one such epoch with its timings and peak memory, run by
  ``benchmarks/bench_genomewide_epoch.py`` in a subprocess (``python -m genenets.tools.scale epoch ...``).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import resource
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from .. import train
from ..data import annotation as ann
from ..data import genotypes as gt
from ..data.registry import DataError, fetch
from ..data.streaming import plink_loader, stream_dosage_blocks
from ..models.genedae import GeneDAE, bce_loss
from ..models.masked import SparseMaskedLinear

# CSR products are what CSRMaskedLinear is for; torch's notices about them are not for the user
warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
warnings.filterwarnings("ignore", message="Sparse invariant checks are implicitly disabled")

#: Chromosomes of the genome-wide graph (RefSeq ``NC_`` accessions; alt loci / patches are left out).
GENOME_CHROMOSOMES = tuple([str(c) for c in range(1, 23)] + ["X", "Y"])

_GENE_MODELS_CACHE: dict = {}


def genome_gene_models(path=None, chromosomes=GENOME_CHROMOSOMES, biotypes=ann.DEFAULT_BIOTYPES) -> dict:
    """Gene models of every chromosome of a genome-wide GTF, read with ``annotation.read_gtf``.

    The (gzipped) GTF is split by chromosome in one pass, then each part goes through ``read_gtf``
    so that gene merging, biotype filters and chromosome naming are exactly those of the MHC analyses.

    Parameters
    ----------
    path : GTF path, optional
        Default: the registry's ``annotation/GRCh37_latest_genomic.protein_coding.gtf.gz``.
    chromosomes : chromosome names to keep (``NC_000006.11``, ``chr6`` and ``6`` all mean ``6``)
    biotypes : passed to ``read_gtf``

    Returns
    -------
    dict chromosome -> GeneModel, in ``chromosomes`` order, chromosomes without genes left out.

    Raises
    ------
    DataError
        Unreadable file, or no gene on any of ``chromosomes``.
    """
    path = Path(path) if path is not None else fetch(ann.REFSEQ_GENOME)
    key = (str(path.resolve()), path.stat().st_mtime_ns, tuple(chromosomes), tuple(biotypes or ()))
    if key in _GENE_MODELS_CACHE:
        return _GENE_MODELS_CACHE[key]
    wanted = {str(c) for c in chromosomes}
    opener = gzip.open if path.suffix == ".gz" else open
    parts: dict[str, list[str]] = {}
    try:
        with opener(path, "rt") as fh:
            for line in fh:
                if line.startswith("#") or not line.strip():
                    continue
                chrom = ann._chrom_name(line.split("\t", 1)[0])
                if chrom in wanted:
                    parts.setdefault(chrom, []).append(line)
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: cannot be read as a GTF ({err})") from err
    models = {}
    with tempfile.TemporaryDirectory() as tmp:
        for chrom in chromosomes:
            lines = parts.get(str(chrom))
            if not lines:
                continue
            part = Path(tmp) / f"chr{chrom}.gtf"
            part.write_text("".join(lines))
            try:
                model = ann.read_gtf(part, chrom, biotypes=biotypes)
            except DataError:  # no gene of the wanted biotypes on this chromosome
                continue
            model.source = f"{path} (chr{chrom})"
            models[str(chrom)] = model
    if not models:
        raise DataError(f"{path}: no gene on chromosomes {', '.join(map(str, chromosomes))}; "
                        f"check the chromosome names (NC_ accessions, chrN or N)")
    _GENE_MODELS_CACHE[key] = models
    return models


def genome_gene_table(path=None, chromosomes=GENOME_CHROMOSOMES) -> pd.DataFrame:
    """One row per gene genome-wide: ``gene, chrom, start, end, strand`` (chromosome order, then start)."""
    models = genome_gene_models(path, chromosomes)
    frames = [m.genes.reset_index()[["gene", "chrom", "start", "end", "strand"]] for m in models.values()]
    return pd.concat(frames, ignore_index=True)


def genomewide_graph(variants: pd.DataFrame, gene_models: dict | None = None, flank: int = 1000, splice: int = 2,
                     intergenic_distance: int = 100_000, progress: bool = False) -> ann.VariantGeneGraph:
    """The variant-to-gene graph of all chromosomes, one chromosome at a time.

    Parameters
    ----------
    variants : DataFrame with ``chrom`` (str, no ``chr`` prefix) and ``pos`` (1-based, GRCh37), m rows
    gene_models : dict chromosome -> GeneModel, optional (default :func:`genome_gene_models`)
    flank, splice, intergenic_distance : annotation rules, as in ``annotation.annotate_variants``

    Returns
    -------
    VariantGeneGraph
        ``A`` of shape (m_kept, n_genes), rows in increasing ``variant_index`` (rows of ``variants``);
        ``genes`` are gene names, suffixed ``@chrom`` when a name occurs on several chromosomes (the
        X/Y pseudo-autosomal genes). ``exclusions`` counts ``variants_on_chromosomes_without_genes``,
        ``variants_without_gene`` and ``genes_without_variants``.
    """
    if not {"chrom", "pos"} <= set(variants.columns):
        raise ValueError(f"variants need columns 'chrom' and 'pos', got {list(variants.columns)}")
    gene_models = gene_models if gene_models is not None else genome_gene_models()
    chrom = variants["chrom"].astype(str).str.replace("^chr", "", regex=True, case=False).to_numpy()
    pos = variants["pos"].to_numpy(np.int64)
    name_count = pd.Series([g for m in gene_models.values() for g in m.genes.index]).value_counts()
    blocks, genes, rows = [], [], []
    exclusions = {"variants_on_chromosomes_without_genes": 0, "variants_without_gene": 0, "genes_without_variants": 0}
    groups = pd.Series(np.arange(len(chrom))).groupby(chrom, sort=False).indices
    from tqdm.auto import tqdm

    for c, idx in tqdm(groups.items(), desc="annotating chromosomes", disable=not progress):
        model = gene_models.get(str(c))
        if model is None:
            exclusions["variants_on_chromosomes_without_genes"] += len(idx)
            continue
        annotation = ann.annotate_variants(pos[idx], model, flank=flank, splice=splice,
                                           intergenic_distance=intergenic_distance)
        try:
            graph = ann.variant_gene_adjacency(annotation, model.genes.index)
        except DataError:  # no variant of this chromosome reaches a gene
            exclusions["variants_without_gene"] += len(idx)
            exclusions["genes_without_variants"] += len(model.genes)
            continue
        exclusions["variants_without_gene"] += graph.exclusions["variants_without_gene"]
        exclusions["genes_without_variants"] += graph.exclusions["genes_without_variants"]
        blocks.append(graph.A)
        genes += [g if name_count[g] == 1 else f"{g}@{c}" for g in graph.genes]
        rows.append(idx[graph.variant_index])
    for c, model in gene_models.items():  # chromosomes without any variant
        if c not in groups:
            exclusions["genes_without_variants"] += len(model.genes)
    if not blocks:
        raise DataError("no variant is annotated to any gene: are the variants and the GTF on the same chromosome "
                        "names and build (GRCh37)?")
    A = sp.block_diag(blocks, format="csr", dtype=np.float32)
    variant_index = np.concatenate(rows)
    order = np.argsort(variant_index, kind="stable")  # rows follow the .bed columns for sequential reads
    return ann.VariantGeneGraph(A[order].tocsr(), genes, variant_index[order], exclusions)


def _file_key(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"


def graph_for_plink(prefix, gtf=None, flank: int = 1000, splice: int = 2, intergenic_distance: int = 100_000,
                    cache: bool = True, cache_dir=None, progress: bool = False) -> ann.VariantGeneGraph:
    """:func:`genomewide_graph` of a PLINK fileset's ``.bim``, cached (default under ``data/cache/genomewide/``).

    ``variant_index`` of the result indexes the ``.bim`` rows, i.e. the ``.bed`` columns to stream.
    ``cache=False`` rebuilds the graph and writes nothing.
    """
    bim_path = gt.plink_paths(prefix)[1]
    gtf_path = Path(gtf) if gtf is not None else fetch(ann.REFSEQ_GENOME)
    key = hashlib.sha256(json.dumps([_file_key(bim_path), _file_key(gtf_path), flank, splice,
                                     intergenic_distance]).encode()).hexdigest()[:16]
    folder = Path(cache_dir) if cache_dir is not None else gt.genotype_cache_dir().parent / "genomewide"
    cache_file = folder / f"graph_{key}.npz"
    if cache and cache_file.exists():
        with np.load(cache_file, allow_pickle=False) as z:
            A = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            return ann.VariantGeneGraph(A, list(z["genes"]), z["variant_index"], json.loads(str(z["exclusions"])))
    bim = gt.read_bim(bim_path)
    graph = genomewide_graph(bim, genome_gene_models(gtf_path), flank=flank, splice=splice,
                             intergenic_distance=intergenic_distance, progress=progress)
    if cache:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache_file, data=graph.A.data, indices=graph.A.indices, indptr=graph.A.indptr,
                 shape=np.array(graph.A.shape), genes=np.array(graph.genes, dtype=str),
                 variant_index=graph.variant_index, exclusions=json.dumps(graph.exclusions))
    return graph


# ----------------------------------------------------------------------------------------------
# a masked layer that scales to a million edges


class _CSRMaskedMatmul(torch.autograd.Function):
    """``y = x @ W.T`` for a sparse ``W`` (out, in) whose nonzeros are the edge weights, in CSR order."""

    @staticmethod
    def forward(ctx, x, weight, layer):
        xt = x.t().contiguous()  # (in, batch)
        W = torch.sparse_csr_tensor(layer.crow, layer.input_index, weight, (layer.out_features, layer.in_features),
                                    check_invariants=False)
        ctx.save_for_backward(xt, weight)
        ctx.layer = layer
        return (W @ xt).t()

    @staticmethod
    def backward(ctx, grad_y):
        xt, weight = ctx.saved_tensors
        layer = ctx.layer
        gyt = grad_y.t().contiguous()  # (out, batch)
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:  # W.T @ grad_y.T with the transposed CSR structure
            Wt = torch.sparse_csr_tensor(layer.crow_t, layer.col_t, weight[layer.perm_t],
                                         (layer.in_features, layer.out_features), check_invariants=False)
            grad_x = (Wt @ gyt).t()
        if ctx.needs_input_grad[1]:  # one value per edge: sum over the batch of grad_y[out] * x[in]
            grad_w = (gyt.index_select(0, layer.output_index) * xt.index_select(0, layer.input_index)).sum(dim=1)
        return grad_x, grad_w, None


class CSRMaskedLinear(SparseMaskedLinear):
    """:class:`~genenets.models.masked.SparseMaskedLinear` computed with sparse CSR matrix products.

    Same parameters (one weight per edge, same order and initialisation, same ``state_dict``) and the same
    output; only the arithmetic differs. ``SparseMaskedLinear`` sums edge contributions with a row-wise
    ``index_add_`` (also in its backward), slow on CPU with ~10^6 edges; here a CSR product (``W @ x.T``)
    and, for the weight gradient, one gather of each side. In one profiled genome-wide GeneDAE step
    (batch 32, 898,308 inputs, 19,305 genes; shared machine under load) forward + backward took 9.0 s
    instead of 12.0 s: the element-wise work on the (batch, 2m) tensors then dominates. At MHC size it
    is no faster (``benchmarks/results/training_throughput.csv``). Autocast does not apply to it (float32).
    """

    def __init__(self, mask, bias: bool = True):
        super().__init__(mask, bias)
        self._build_csr()

    def _build_csr(self):
        out_idx, in_idx = self.output_index, self.input_index  # edges sorted by output then input = CSR order
        crow = torch.zeros(self.out_features + 1, dtype=torch.int64)
        crow[1:] = torch.cumsum(torch.bincount(out_idx, minlength=self.out_features), 0)
        perm = torch.as_tensor(np.lexsort((out_idx.numpy(), in_idx.numpy())))  # by input then output
        crow_t = torch.zeros(self.in_features + 1, dtype=torch.int64)
        crow_t[1:] = torch.cumsum(torch.bincount(in_idx, minlength=self.in_features), 0)
        # derived from the edges: not saved in the state_dict, which stays that of SparseMaskedLinear
        self.register_buffer("crow", crow, persistent=False)
        self.register_buffer("crow_t", crow_t, persistent=False)
        self.register_buffer("col_t", out_idx[perm].clone(), persistent=False)
        self.register_buffer("perm_t", perm, persistent=False)

    @classmethod
    def from_layer(cls, layer: SparseMaskedLinear) -> "CSRMaskedLinear":
        """The same layer (same weights) computed with CSR products."""
        new = cls.__new__(cls)
        torch.nn.Module.__init__(new)
        new.in_features, new.out_features = layer.in_features, layer.out_features
        new.register_buffer("input_index", layer.input_index.clone())
        new.register_buffer("output_index", layer.output_index.clone())
        new.weight = torch.nn.Parameter(layer.weight.detach().clone())
        new.bias = None if layer.bias is None else torch.nn.Parameter(layer.bias.detach().clone())
        new._build_csr()
        return new

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` of shape (batch, in_features) -> (batch, out_features)."""
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} input features, got {x.shape[-1]}")
        with torch.autocast(x.device.type, enabled=False):
            out = _CSRMaskedMatmul.apply(x.float(), self.weight, self)
            return out if self.bias is None else out + self.bias


class GenomewideGeneDAE(GeneDAE):
    """:class:`~genenets.models.genedae.GeneDAE` with :class:`CSRMaskedLinear` layers.

    Built from the same seed it has exactly GeneDAE's weights (the GeneDAE layers are built first and
    copied), so its outputs, losses and ``state_dict`` are those of GeneDAE; it is only faster with
    ~10^6 edges.
    """

    def __init__(self, adjacency, noise_std: float = 0.3, nodes_per_gene: int = 1):
        super().__init__(adjacency, noise_std=noise_std, nodes_per_gene=nodes_per_gene)
        self.encoder = CSRMaskedLinear.from_layer(self.encoder)
        self.decoder = CSRMaskedLinear.from_layer(self.decoder)


# ----------------------------------------------------------------------------------------------
# streamed training


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
    """

    def __init__(self, noise_std: float = 0.3, lr: float = 1e-4, epochs: int = 1, batch_size: int = 32,
                 block_size: int = 512, seed: int = 0, checkpoint=None, device: str = "cpu", amp: bool = False,
                 n_threads: int | None = None, num_workers: int = 0, distributed: bool = False,
                 progress: bool = False):
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
        torch.manual_seed(self.seed)
        self.model_ = GenomewideGeneDAE(graph.A_prime(), noise_std=self.noise_std)
        self.genes_ = list(graph.genes)
        self.variant_index_ = np.asarray(graph.variant_index)
        loader = plink_loader(prefix, batch_size=self.batch_size, block_size=self.block_size,
                              variant_index=self.variant_index_, sample_index=sample_index, shuffle=True,
                              seed=self.seed, num_workers=self.num_workers, distributed=self.distributed)
        val = None
        if val_sample_index is not None:
            val = plink_loader(prefix, batch_size=self.block_size, block_size=self.block_size,
                               variant_index=self.variant_index_, sample_index=val_sample_index, shuffle=False)
        threads = torch.get_num_threads()
        if self.n_threads:
            torch.set_num_threads(self.n_threads)
        try:
            self.history_ = train.fit(self.model_, loader, bce_loss, val_loader=val, epochs=self.epochs, lr=self.lr,
                                      checkpoint=self.checkpoint, device=self.device, amp=self.amp,
                                      progress=self.progress, desc="GeneDAE (streamed)")
        finally:
            torch.set_num_threads(threads)
        self.model_.to("cpu")
        return self

    def transform(self, prefix, sample_index=None) -> np.ndarray:
        """Gene embeddings of the samples (default all, in ``.fam`` order), shape (n_samples, n_genes)."""
        from ..data.genotypes import encode_two_bit

        out = []
        self.model_.eval()
        with torch.no_grad():
            for _, dosage in stream_dosage_blocks(prefix, self.block_size, self.variant_index_, sample_index):
                x = torch.from_numpy(encode_two_bit(np.where(dosage == gt.MISSING_INT8, 0, dosage)))
                out.append(self.model_.encode(x).numpy())
        return np.concatenate(out)

    def score(self, prefix, sample_index=None) -> float:
        """Mean binary cross entropy of the reconstruction of the streamed samples (lower is better)."""
        loader = plink_loader(prefix, batch_size=self.block_size, block_size=self.block_size,
                              variant_index=self.variant_index_, sample_index=sample_index, shuffle=False)
        self.model_.eval()
        total, n = 0.0, 0
        with torch.no_grad():
            for batch in loader:
                total += float(bce_loss(self.model_, batch)) * len(batch[0])
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
                     epochs: int = 1, checkpoint=None, graph_cache: bool = True, gtf=None, progress: bool = False) -> dict:
    """Build the genome-wide graph of ``prefix`` and train GeneDAE for ``epochs`` streamed epochs.

    Returns
    -------
    dict with sizes (samples, variants in the file and in the graph, genes, masked-layer edges), the
    seconds spent on the graph and the training, samples per second, the final training loss and the
    peak RSS of this process (MB). ``graph_cache=False`` builds the graph in this process (so that its
    memory counts) instead of reusing a cached one.
    """
    layout = gt.bed_layout(prefix)
    t0 = time.perf_counter()
    graph = graph_for_plink(prefix, gtf=gtf, cache=graph_cache, progress=progress)
    t_graph = time.perf_counter() - t0
    rss_after_graph = peak_rss_mb()
    model = StreamingGeneDAE(epochs=epochs, batch_size=batch_size, block_size=block_size, seed=seed,
                             checkpoint=checkpoint, n_threads=n_threads, progress=progress)
    t1 = time.perf_counter()
    model.fit(prefix, graph)
    t_train = time.perf_counter() - t1
    return {"n_samples": layout["n_samples"], "n_variants_file": layout["n_variants"],
            "n_variants_graph": int(graph.A.shape[0]), "n_genes": int(graph.A.shape[1]),
            "n_edges_per_layer": int(model.model_.encoder.n_edges), "inputs_2m": int(model.model_.n_inputs),
            "batch_size": batch_size, "block_size": block_size, "torch_threads": torch.get_num_threads(),
            "epochs": epochs, "graph_s": round(t_graph, 1), "train_s": round(t_train, 1),
            "samples_per_s": round(epochs * layout["n_samples"] / t_train, 1),
            "final_train_loss": float(model.history_.train_loss[-1]),
            "peak_rss_after_graph_mb": round(rss_after_graph, 1), "peak_rss_mb": round(peak_rss_mb(), 1),
            **{f"excluded_{k}": v for k, v in graph.exclusions.items()}}


def overview_figure(graph: ann.VariantGeneGraph, prefix, title: str = ""):
    """Genome-wide graph at a glance: variants and genes per chromosome, and variants per gene.

    Parameters
    ----------
    graph : VariantGeneGraph of the fileset (``graph_for_plink(prefix)``)
    prefix : PLINK prefix whose ``.bim`` the graph indexes
    """
    import matplotlib.pyplot as plt

    bim = gt.read_bim(gt.plink_paths(prefix)[1])
    chrom = bim["chrom"].to_numpy()[graph.variant_index]
    order = [c for c in GENOME_CHROMOSOMES if c in set(chrom)]
    per_chrom_variants = pd.Series(chrom).value_counts().reindex(order, fill_value=0)
    by_gene = graph.A.tocsc()
    gene_chrom = pd.Series(chrom[by_gene.indices[by_gene.indptr[:-1]]])  # chromosome of each gene's first variant
    per_chrom_genes = gene_chrom.value_counts().reindex(order, fill_value=0)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [2, 1]})
    x = np.arange(len(order))
    ax1.bar(x - 0.2, per_chrom_variants.to_numpy(), width=0.4, label="variants in the graph", color="tab:blue")
    ax1b = ax1.twinx()
    ax1b.bar(x + 0.2, per_chrom_genes.to_numpy(), width=0.4, label="genes", color="tab:orange")
    ax1.set_xticks(x, order, fontsize=8)
    ax1.set(xlabel="chromosome", ylabel="variants")
    ax1b.set_ylabel("genes")
    handles = ax1.get_legend_handles_labels()[0] + ax1b.get_legend_handles_labels()[0]
    ax1.legend(handles, ["variants in the graph", "genes"], loc="upper right", fontsize=8)
    counts = graph.snps_per_gene
    ax2.hist(counts, bins=np.unique(np.geomspace(1, counts.max() + 1, 30).astype(int)), color="tab:blue",
             edgecolor="white")
    ax2.set(xscale="log", yscale="log", xlabel="variants per gene", ylabel="genes",
            title=f"variants per gene (median {int(counts.median())})")
    fig.suptitle(title or f"Genome-wide variant-gene graph: {graph.A.shape[0]:,} variants, {graph.A.shape[1]:,} genes")
    fig.tight_layout()
    return fig


def _train_command(args) -> int:
    """``train`` subcommand: one process, or one of ``torchrun``'s (gloo on CPU, nccl on GPU)."""
    import os

    rank, world = train.init_distributed()
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = f"cuda:{local}" if torch.cuda.is_available() else "cpu"
    if device != "cpu":
        torch.cuda.set_device(local)
    graph = graph_for_plink(args.prefix, gtf=args.gtf, cache_dir=args.cache_dir) if rank == 0 else None
    if world > 1:  # rank 0 builds (and caches) the graph once; the others read the cache
        torch.distributed.barrier()
        graph = graph_for_plink(args.prefix, gtf=args.gtf, cache_dir=args.cache_dir) if graph is None else graph
    model = StreamingGeneDAE(noise_std=args.noise_std, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                             block_size=args.block_size, seed=args.seed, checkpoint=args.checkpoint, device=device,
                             amp=args.amp, n_threads=args.threads, num_workers=args.workers, distributed=world > 1,
                             progress=False)
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
    tr.add_argument("--cache-dir", default=None, help="where the graph is cached (default data/cache/genomewide)")
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
                                          graph_cache=not args.rebuild_graph, progress=args.progress)))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
