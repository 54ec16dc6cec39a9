"""Genome-wide GeneDAE: one streamed training epoch on >= 500,000 variants and >= 19,000 genes, peak RSS against a 4 GB bound.

Two subprocesses, so that each peak RSS is that of one job alone:

1. ``python -m genenets.tools.scale simulate``: the simulated genome-wide PLINK fileset (500,000 variants
   over the registry's RefSeq GRCh37 genes, 3,000 people), generated and written chunk by chunk
   (cached under ``data/cache/genomewide/``; a cached fileset is reused and its row says so);
2. ``python -m genenets.tools.scale epoch --rebuild-graph``: builds the genome-wide variant-gene graph
   (``annotation.annotate_variants`` per chromosome) in that process and trains GeneDAE (sparse masked
   layers, ``genenets.train.fit``) for one epoch on batches streamed from the ``.bed``.

``within_bound`` is ``peak_rss_mb <= 4096``; ``rss_vs_bound`` the ratio. Heavy (minutes): not part of
the test suite; run it alone on a quiet machine.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pandas as pd

HEAVY = True  # about half an hour on 2 cores: `make benchmark` skips it; run `python -m benchmarks genomewide_epoch`
BOUND_MB = 4096
N_SAMPLES, N_VARIANTS = 3_000, 570_000  # ~512,000 variants keep a gene within 100 kb
BATCH, BLOCK, THREADS = 32, 512, 2


def _json_of(args: list[str]) -> tuple[dict, float]:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "genenets.tools.scale", *args], capture_output=True, text=True,
                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if out.returncode != 0:
        raise RuntimeError(f"genenets.tools.scale {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1]), time.perf_counter() - t0


def run() -> pd.DataFrame:
    from genenets.simulate.genomewide import genomewide_cache_dir

    before = {p.name for p in genomewide_cache_dir().glob("*.bed")}
    sim, sim_wall = _json_of(["simulate", "--samples", str(N_SAMPLES), "--variants", str(N_VARIANTS)])
    reused = os.path.basename(sim["prefix"]) + ".bed" in before
    epoch, epoch_wall = _json_of(["epoch", "--prefix", sim["prefix"], "--batch-size", str(BATCH),
                                  "--block-size", str(BLOCK), "--threads", str(THREADS), "--rebuild-graph"])
    rows = [
        {"stage": "simulate_plink_chunked" + (" (cached, not re-run)" if reused else ""),
         "samples": sim["n_samples"], "variants": sim["n_variants"], "genes": sim["n_genes_seeded"],
         "bed_mb": sim["bed_mb"], "wall_s": round(sim_wall, 1), "peak_rss_mb": sim["peak_rss_mb"]},
        {"stage": "graph_and_one_streamed_epoch", "samples": epoch["n_samples"], "variants": epoch["n_variants_graph"],
         "genes": epoch["n_genes"], "bed_mb": sim["bed_mb"], "wall_s": round(epoch_wall, 1),
         "peak_rss_mb": epoch["peak_rss_mb"], "graph_s": epoch["graph_s"], "train_s": epoch["train_s"],
         "samples_per_s": epoch["samples_per_s"], "edges_per_layer": epoch["n_edges_per_layer"],
         "inputs_2m": epoch["inputs_2m"], "batch_size": BATCH, "block_size": BLOCK, "torch_threads": THREADS,
         "final_train_loss": round(epoch["final_train_loss"], 4),
         "peak_rss_after_graph_mb": epoch["peak_rss_after_graph_mb"],
         "variants_without_gene": epoch["excluded_variants_without_gene"],
         "genes_without_variants": epoch["excluded_genes_without_variants"]},
    ]
    table = pd.DataFrame(rows)
    table["bound_mb"] = BOUND_MB
    table["rss_vs_bound"] = (table["peak_rss_mb"] / BOUND_MB).round(3)
    table["within_bound"] = table["peak_rss_mb"] <= BOUND_MB
    return table
