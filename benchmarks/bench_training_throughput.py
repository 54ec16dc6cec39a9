"""GeneDAE training throughput (samples/s) at MHC size: CPU threads 1 and 2, in-memory vs streamed from PLINK, GPU if present.

Also GeneDAE's ``SparseMaskedLinear`` (gather + ``index_add_``) against the CSR-product layer
(``genenets.models.masked.CSRMaskedLinear``, same weights and outputs) and the fused numba model of issue 19
(``genenets.models.genomewide.FusedGeneDAE``: bit-packed input, noise drawn in the kernel, decoder + loss +
gradients in one pass; ``masked_layer="fused"``), in memory and streamed from the person-major copy.
``ratio_vs_genedae_in_memory_2_threads`` is the MHC-size before/after ratio (before = GeneDAE in memory,
2 threads, the path notebooks 01-02 used before issue 19). ``masked_layer="fused_v1"`` is the fused model
with the kernels as they were before issue 19's second pass (:mod:`benchmarks._fused_v1`), in the same run.
``epoch_cpu_s`` is the CPU time of this process (all threads) for the best epoch's run; on a machine shared
with other jobs it moves much less with the load than the wall time.

By default only the rows of issue 19 run (GeneDAE, fused_v1 and fused at 1 and 2 threads, the fused model
streamed from the person-major copy); ``GENENETS_BENCH_FULL=1`` adds the bed-reader stream, bfloat16 and the
torch CSR layer rows.

MHC size as in the paper: 8,817 variants (17,634 two-bit inputs) and 239 genes. The graph is synthetic
(genes as runs of consecutive variants, ~15% of variants also in the neighbouring gene, like overlapping
MHC genes), the genotypes random; neither changes the cost, which depends on the number of edges and the
batch size. Each configuration trains one epoch of ``N_SAMPLES`` samples with ``genenets.train.fit``
(batch 64, the GeneDAE default) after a warm-up epoch, best of ``REPEATS``. Ratios are against the
in-memory loader on one CPU thread. On CUDA: float32 and mixed precision (``amp=True``) with pinned memory.
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

N_VARIANTS, N_GENES, N_SAMPLES, BATCH, REPEATS = 8_817, 239, 1_024, 64, 2


def mhc_size_graph(n_variants: int | None = None, n_genes: int | None = None, overlap: float = 0.15, seed: int = 0):
    """Synthetic (n_variants, n_genes) 0/1 adjacency: consecutive runs per gene plus overlaps, CSR."""
    n_variants, n_genes = n_variants or N_VARIANTS, n_genes or N_GENES
    rng = np.random.default_rng(seed)
    sizes = 1 + rng.multinomial(n_variants - n_genes, rng.dirichlet(np.ones(n_genes)))
    gene = np.repeat(np.arange(n_genes), sizes)
    rows, cols = [np.arange(n_variants)], [gene]
    extra = np.flatnonzero(rng.random(n_variants) < overlap)
    rows.append(extra)
    cols.append(np.minimum(gene[extra] + 1, n_genes - 1))
    A = sp.csr_matrix((np.ones(sum(len(r) for r in rows), np.float32), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_variants, n_genes))
    A.data[:] = 1
    return A


def _epoch_seconds(loader, A_prime, device: str, amp: bool, layer: str = "index_add") -> float:
    from genenets import train
    from genenets.models.genedae import GeneDAE, bce_loss
    from genenets.models.genomewide import FusedGeneDAE, GenomewideGeneDAE, packed_bce_loss

    from ._fused_v1 import FusedGeneDAEv1

    best, best_cpu = float("inf"), float("inf")
    for repeat in range(REPEATS + 1):  # the first epoch warms up allocators and kernels
        torch.manual_seed(repeat)
        model = {"index_add": GeneDAE, "csr": GenomewideGeneDAE, "fused": FusedGeneDAE,
                 "fused_v1": FusedGeneDAEv1}[layer](A_prime)
        loss = packed_bce_loss if layer.startswith("fused") else bce_loss
        t0, c0 = time.perf_counter(), time.process_time()
        train.fit(model, loader, loss, epochs=1, lr=1e-4, device=device, amp=amp, progress=False)
        if device == "cuda":
            torch.cuda.synchronize()
        if repeat:
            best = min(best, time.perf_counter() - t0)
            best_cpu = min(best_cpu, time.process_time() - c0)
    return best, best_cpu


def run() -> pd.DataFrame:
    from genenets import train
    from genenets.data import genotypes as gt
    from genenets.data.annotation import duplicate_rows
    from genenets.data.streaming import plink_loader
    from genenets.simulate.genomewide import pack_dosage

    A = mhc_size_graph()
    A_prime = duplicate_rows(A)
    rng = np.random.default_rng(0)
    dosage = rng.binomial(2, rng.uniform(0.05, 0.5, N_VARIANTS), size=(N_SAMPLES, N_VARIANTS)).astype(np.int8)
    X = gt.encode_two_bit(dosage)
    X_packed = np.packbits(X.astype(np.uint8), axis=1, bitorder="little")  # FusedGeneDAE's input
    tmp = Path(tempfile.mkdtemp(prefix="bench_throughput_"))
    prefix = tmp / "mhc"
    with open(f"{prefix}.bed", "wb") as fh:
        fh.write(gt.BED_MAGIC + bytes([gt.SNP_MAJOR]) + pack_dosage(dosage))
    pd.DataFrame({"c": "6", "s": [f"v{j}" for j in range(N_VARIANTS)], "cm": 0, "p": np.arange(1, N_VARIANTS + 1),
                  "a1": "A", "a2": "G"}).to_csv(f"{prefix}.bim", sep="\t", header=False, index=False)
    pd.DataFrame({"f": range(N_SAMPLES), "i": range(N_SAMPLES), "a": 0, "b": 0, "s": 0, "p": -9}).to_csv(
        f"{prefix}.fam", sep="\t", header=False, index=False)

    I, C, F, F1 = "index_add", "csr", "fused", "fused_v1"  # GeneDAE / torch CSR / numba fused (today, v1)
    configs = [("in_memory", "cpu", 1, False, I), ("in_memory", "cpu", 2, False, I),
               ("in_memory_packed", "cpu", 1, False, F1), ("in_memory_packed", "cpu", 2, False, F1),
               ("in_memory_packed", "cpu", 1, False, F), ("in_memory_packed", "cpu", 2, False, F),
               ("streamed_person_major", "cpu", 2, False, F)]
    if os.environ.get("GENENETS_BENCH_FULL"):
        configs += [("streamed_plink", "cpu", 1, False, I), ("streamed_plink", "cpu", 2, False, I),
                    ("in_memory_amp_bf16", "cpu", 1, True, I), ("in_memory", "cpu", 1, False, C),
                    ("in_memory", "cpu", 2, False, C), ("streamed_plink", "cpu", 2, False, C)]
    if torch.cuda.is_available():
        configs += [("in_memory", "cuda", 0, False, I), ("in_memory_amp_fp16", "cuda", 0, True, I),
                    ("streamed_plink", "cuda", 0, False, I), ("in_memory", "cuda", 0, False, C)]
    import numba

    threads_before, numba_before = torch.get_num_threads(), numba.get_num_threads()
    rows = []
    try:
        for loader_kind, device, threads, amp, layer in configs:
            if threads:
                torch.set_num_threads(threads)
                numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            if loader_kind == "in_memory_packed":
                loader = train.make_loader(X_packed, batch_size=BATCH, shuffle=True, seed=0)
            elif loader_kind.startswith("in_memory"):
                loader = train.make_loader(X, batch_size=BATCH, shuffle=True, seed=0)
            elif loader_kind == "streamed_person_major":
                loader = plink_loader(prefix, batch_size=BATCH, block_size=512, seed=0, reader="person",
                                      output="packed")
            else:
                loader = plink_loader(prefix, batch_size=BATCH, block_size=512, seed=0)
            seconds, cpu_seconds = _epoch_seconds(loader, A_prime, device, amp, layer)
            rows.append({"loader": loader_kind, "masked_layer": layer, "device": device, "threads": threads or None,
                         "amp": amp,
                         "variants": N_VARIANTS, "genes": N_GENES, "edges_per_layer": int(A_prime.nnz),
                         "batch_size": BATCH, "epoch_s": round(seconds, 3), "epoch_cpu_s": round(cpu_seconds, 3),
                         "samples_per_s": round(N_SAMPLES / seconds, 1),
                         "samples_per_cpu_s": round(N_SAMPLES / cpu_seconds, 1)})
    finally:
        torch.set_num_threads(threads_before)
        numba.set_num_threads(numba_before)
    table = pd.DataFrame(rows)
    ref = table.loc[(table["loader"] == "in_memory") & (table["device"] == "cpu") & (table["threads"] == 1)
                    & (table["masked_layer"] == "index_add"), "samples_per_s"].iloc[0]
    table["speedup_vs_1_thread_in_memory"] = (table["samples_per_s"] / ref).round(2)
    before = table.loc[(table["loader"] == "in_memory") & (table["threads"] == 2) & (table["masked_layer"] == I),
                       "samples_per_s"].iloc[0]
    table["ratio_vs_genedae_in_memory_2_threads"] = (table["samples_per_s"] / before).round(2)
    same = table.set_index(["loader", "masked_layer", "threads"])
    for t in (1, 2):  # today's fused kernels against the first-pass ones, same loader and threads
        v1 = same.loc[("in_memory_packed", F1, t)]
        table.loc[(table["masked_layer"] == F) & (table["loader"] == "in_memory_packed") & (table["threads"] == t),
                  "ratio_cpu_vs_fused_v1"] = round(v1["epoch_cpu_s"] / same.loc[("in_memory_packed", F, t), "epoch_cpu_s"], 2)
    cpu_before = same.loc[("in_memory", I, 1), "epoch_cpu_s"]
    table["ratio_cpu_vs_genedae_in_memory_1_thread"] = (cpu_before / table["epoch_cpu_s"]).round(2)
    table["load_avg_1min"] = round(os.getloadavg()[0], 1)  # other jobs on the machine slow every row
    table["uptime"] = os.popen("uptime").read().strip()
    return table
