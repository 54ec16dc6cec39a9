"""Genome-wide GeneDAE: training throughput before (reference) and after (fused) issue 19 in one run, as a ratio; peak RSS; conversion MB/s; projection to 470,000 people.

Subprocesses, so that each peak RSS is that of one job alone:

1. ``python -m genenets.tools.scale simulate``: the simulated genome-wide PLINK fileset (570,000 variants,
   of which 511,608 reach one of the 19,305 RefSeq GRCh37 genes of the registry; 3,000 people), cached;
2. the person-major conversion of the ``.bed`` (``genenets.data.streaming.convert_to_person_major``) into a
   fresh file (not the cached copy), timed: MB of ``.bed`` per second;
3. ``python -m genenets.tools.scale epoch --engine reference|fused --n-samples 512``: GeneDAE trained with
   ``genenets.train.fit`` on the first 512 people, i.e. a fixed number of batches (16 of 32), not a whole
   30-minute epoch: one shuffled block of 512 people, exactly what each of the ~6 blocks of a full epoch
   costs (the reference engine reads a block with one bed-reader call over the whole ``.bed``; the fused
   one reads 512 rows of the person-major copy, made beforehand and reported in step 2).

The two engines run one after the other in the same run on the same (shared) machine: the ratio is the
result; ``load_avg_1min`` and ``uptime`` say how busy the machine was. The 470,000-people projection is
``470,000 / samples_per_s`` seconds per epoch on these 2 cores (plus the one-time conversion at the
measured MB/s), a projection, not a measurement; no GPU was available (see ``docs/scaling.md``).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import pandas as pd

HEAVY = True  # several minutes on 2 cores: `make benchmark` skips it; run `python -m benchmarks genomewide_epoch`
BOUND_MB = 4096
N_SAMPLES, N_VARIANTS = 3_000, 570_000  # ~512,000 variants keep a gene within 100 kb
BATCH, BLOCK, THREADS, N_TRAIN = 32, 512, 2, 512
BIOBANK = 470_000

_CONVERT = """
import json, sys, time, numpy as np
from genenets.data.streaming import convert_to_person_major, file_size_mb
from genenets.tools.scale import graph_for_plink, peak_rss_mb
prefix, out = sys.argv[1], sys.argv[2]
graph = graph_for_plink(prefix)
vi = np.asarray(graph.variant_index)
t0 = time.perf_counter()
convert_to_person_major(prefix, vi, out=out)
s = time.perf_counter() - t0
print(json.dumps({"convert_s": s, "bed_mb": file_size_mb(prefix), "peak_rss_mb": peak_rss_mb()}))
"""


def _json_of(args: list[str], module: bool = True) -> tuple[dict, float]:
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "genenets.tools.scale", *args] if module else [sys.executable, *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1]), time.perf_counter() - t0


def run() -> pd.DataFrame:
    from genenets.simulate.genomewide import genomewide_cache_dir

    before = {p.name for p in genomewide_cache_dir().glob("*.bed")}
    sim, sim_wall = _json_of(["simulate", "--samples", str(N_SAMPLES), "--variants", str(N_VARIANTS)])
    reused = os.path.basename(sim["prefix"]) + ".bed" in before
    rows = [{"stage": "simulate_plink_chunked" + (" (cached, not re-run)" if reused else ""),
             "samples": sim["n_samples"], "variants": sim["n_variants"], "genes": sim["n_genes_seeded"],
             "bed_mb": sim["bed_mb"], "wall_s": round(sim_wall, 1), "peak_rss_mb": sim["peak_rss_mb"]}]
    _json_of(["epoch", "--prefix", sim["prefix"], "--n-samples", "32", "--engine", "fused"])  # graph + cached copy
    with tempfile.TemporaryDirectory() as tmp:
        conv, conv_wall = _json_of(["-c", _CONVERT, sim["prefix"], os.path.join(tmp, "copy.bits")], module=False)
    rows.append({"stage": "person_major_conversion (fresh file)", "samples": sim["n_samples"],
                 "bed_mb": round(conv["bed_mb"], 1), "wall_s": round(conv_wall, 1), "peak_rss_mb": conv["peak_rss_mb"],
                 "convert_s": round(conv["convert_s"], 1),
                 "convert_mb_per_s": round(conv["bed_mb"] / conv["convert_s"], 1)})
    epochs = {}
    for engine in ("reference", "fused"):
        ep, wall = _json_of(["epoch", "--prefix", sim["prefix"], "--batch-size", str(BATCH), "--block-size",
                             str(BLOCK), "--threads", str(THREADS), "--engine", engine, "--n-samples", str(N_TRAIN)])
        epochs[engine] = ep
        rows.append({"stage": f"train_{N_TRAIN}_people_{engine}", "engine": engine, "samples": ep["n_samples"],
                     "variants": ep["n_variants_graph"], "genes": ep["n_genes"], "bed_mb": ep["bed_mb"],
                     "wall_s": round(wall, 1), "peak_rss_mb": ep["peak_rss_mb"], "train_s": ep["train_s"],
                     "samples_per_s": ep["samples_per_s"], "edges_per_layer": ep["n_edges_per_layer"],
                     "inputs_2m": ep["inputs_2m"], "batch_size": BATCH, "block_size": BLOCK,
                     "torch_threads": THREADS, "final_train_loss": round(ep["final_train_loss"], 4),
                     "biobank_epoch_h_projected": round(BIOBANK / ep["samples_per_s"] / 3600, 2)})
    ratio = epochs["fused"]["samples_per_s"] / epochs["reference"]["samples_per_s"]
    conv_h = BIOBANK / N_SAMPLES * conv["bed_mb"] / (conv["bed_mb"] / conv["convert_s"]) / 3600
    rows.append({"stage": "ratio fused / reference (same run)", "samples_per_s": round(ratio, 2),
                 "peak_rss_mb": round(epochs["fused"]["peak_rss_mb"] / epochs["reference"]["peak_rss_mb"], 3),
                 "note": "samples_per_s column = throughput ratio; peak_rss_mb column = memory ratio"})
    rows.append({"stage": f"projection: {BIOBANK:,} people, fused, these {THREADS} cores (not measured)",
                 "samples": BIOBANK, "biobank_epoch_h_projected": round(BIOBANK / epochs["fused"]["samples_per_s"] / 3600, 2),
                 "note": f"plus a one-time conversion of ~{BIOBANK / N_SAMPLES * conv['bed_mb'] / 1024:.0f} GB of .bed: "
                         f"{conv_h:.2f} h at the measured MB/s"})
    table = pd.DataFrame(rows)
    table["bound_mb"] = BOUND_MB
    table["within_bound"] = table["peak_rss_mb"].where(~table["stage"].str.startswith("ratio")) <= BOUND_MB
    table["load_avg_1min"] = round(os.getloadavg()[0], 1)
    table["uptime"] = os.popen("uptime").read().strip()
    return table
