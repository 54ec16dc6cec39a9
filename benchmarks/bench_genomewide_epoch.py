"""Genome-wide GeneDAE: training throughput before (reference) and after (fused) issue 19 in one run, as a ratio; peak RSS; conversion MB/s; projection to 470,000 people.

Subprocesses, so that each peak RSS is that of one job alone:

1. ``python -m genenets.tools.scale simulate``: the simulated genome-wide PLINK fileset (570,000 variants,
   of which 511,608 reach one of the 19,305 RefSeq GRCh37 genes of the registry; 3,000 people), cached;
2. the person-major conversion is measured by ``bench_person_major_conversion`` (its own run, so that it can
   be run when the machine is quiet); this benchmark reads its CSV for the 470,000-people projection;
3. ``python -m genenets.tools.scale epoch --engine reference|fused``: GeneDAE trained with ``genenets.train.fit``
   for one whole epoch over the 3,000 people, the epoch of the issue's 1.7 samples/s: 94 batches of 32 from 6
   shuffled blocks of 512 people (the reference engine reads each block with one bed-reader call over the whole
   ``.bed``, every epoch; the fused one reads the block's 512 rows of the person-major copy, one ``read()``
   each, the copy made beforehand and reported in step 2). Until session 7 the runs trained on the first 512
   people only (one block), so their steady part (below) had no block read of the reference in it, while a
   whole epoch reads 5 more blocks after its first step.

``samples_per_s`` is measured over ``train.fit``'s loop from its second step to the end of the epoch (reading,
steps, optimizer: 93 of the 94 batches, 5 of the reference's 6 block reads), so that one-time costs of a process
(the model's set-up, torch's optimizer importing ``torch._dynamo`` on its first use, ~8 s under load, loading the
compiled kernels; and the reference's first block read) do not count as training; the whole fit is ``train_s`` /
``samples_per_s_incl_setup``, and ``samples_per_s_loop`` counts the first step too.

Engines: ``reference`` (the path before issue 19), ``fused_v2`` (the fused kernels with one noise draw per input,
``--noise-draws per_input``: the second pass of issue 19 and what notebooks 01-02 run) and ``fused`` (today's
genome-wide kernels, ``--noise-draws per_gene``, the ``StreamingGeneDAE`` default).
The engines run one after the other in the same run on the same (shared) machine, in ``ROUNDS`` rounds that
interleave them (the order reversed every other round): this virtual machine's speed drifts by up to ~1.7x within
minutes, also at a 1-minute load near 1 (in session 6, three single runs of the same commands gave a fused /
reference ratio of 34x, 42x and 73x within 40 minutes), so a ratio from one pair of runs measures the drift as
much as the code. Each round gives one ratio per pair of engines; the result is their **median**, with their
range (``ratio_min`` / ``ratio_max``), and each engine's median throughput over the rounds.
``load_avg_1min`` (per run) and ``uptime`` say how busy the machine was; ``probe_exp_ns`` and
``probe_copy_gb_s``, measured just before and just after each run (:func:`benchmarks.speed_probe`), how fast
it was for vectorised arithmetic and for memory copies: they separate the machine's state from the code's.
Each subprocess's CPU seconds (user + system, all threads, ``RUSAGE_CHILDREN``) are recorded next to its wall
time: on a machine shared with other jobs the wall time measures the load as much as the code, the CPU time much
less; ``samples_per_cpu_s`` is the throughput per CPU second. The fused engine also runs with 1 thread (on a loaded machine the second
thread mostly waits for a core). The 470,000-people projection is
``470,000 / samples_per_s`` seconds per epoch on these 2 cores (plus the one-time conversion at the
measured MB/s), a projection, not a measurement; no GPU was available (see ``docs/scaling.md``).
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import probe_columns, speed_probe

HEAVY = True  # several minutes on 2 cores: `make benchmark` skips it; run `python -m benchmarks genomewide_epoch`
BOUND_MB = 4096
N_SAMPLES, N_VARIANTS = 3_000, 570_000  # ~512,000 variants keep a gene within 100 kb
BATCH, BLOCK, THREADS = 32, 512, 2
#: engines and threads, run once per round; rounds interleave them (reversed every other round) so that a change
#: of the shared machine's speed during the benchmark falls on every engine, not on one
ENGINES = (("reference", THREADS), ("fused_v2", THREADS), ("fused", THREADS), ("fused_v2", 1), ("fused", 1))
ROUNDS = 3
BIOBANK = 470_000

_CONVERT = """
import json, sys, time, numpy as np
from genenets.data.streaming import convert_to_person_major, file_size_mb
from genenets.tools.scale import graph_for_plink, peak_rss_mb
from benchmarks._fused_v1 import convert_to_person_major_v1
prefix, out, version = sys.argv[1], sys.argv[2], sys.argv[3]
graph = graph_for_plink(prefix)
vi = np.asarray(graph.variant_index)
convert = convert_to_person_major_v1 if version == "v1" else convert_to_person_major
convert(prefix, vi[:4096], out=out + ".warm")  # numba compilation / cache load outside the timing
t0, c0 = time.perf_counter(), time.process_time()
convert(prefix, vi, out=out)
s, c = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"convert_s": s, "convert_cpu_s": c, "bed_mb": file_size_mb(prefix), "peak_rss_mb": peak_rss_mb()}))
"""


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _json_of(args: list[str], module: bool = True) -> tuple[dict, float]:
    """Run a subprocess; its last stdout line as JSON (plus ``process_cpu_s``) and its wall seconds."""
    t0, c0 = time.perf_counter(), _children_cpu()
    cmd = [sys.executable, "-m", "genenets.tools.scale", *args] if module else [sys.executable, *args]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": os.pathsep.join(
        [root] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_cpu_s"] = _children_cpu() - c0
    return result, time.perf_counter() - t0


def _label(name: str, threads: int) -> str:
    return name if threads == THREADS else f"{name}_1_thread"


def within_bound(table: pd.DataFrame) -> pd.Series:
    """Peak RSS <= ``BOUND_MB`` for rows that measured one (empty for ratios and projections)."""
    measured = ~table["stage"].str.startswith(("ratio", "projection")) & table["peak_rss_mb"].notna()
    return (table["peak_rss_mb"] <= BOUND_MB).where(measured).astype("object").where(measured, None)


def run() -> pd.DataFrame:
    from genenets.simulate.genomewide import genomewide_cache_dir

    before = {p.name for p in genomewide_cache_dir().glob("*.bed")}
    sim, sim_wall = _json_of(["simulate", "--samples", str(N_SAMPLES), "--variants", str(N_VARIANTS)])
    reused = os.path.basename(sim["prefix"]) + ".bed" in before
    rows = [{"stage": "simulate_plink_chunked" + (" (cached, not re-run)" if reused else ""),
             "samples": sim["n_samples"], "variants": sim["n_variants"], "genes": sim["n_genes_seeded"],
             "bed_mb": sim["bed_mb"], "wall_s": round(sim_wall, 1), "peak_rss_mb": sim["peak_rss_mb"]}]
    _json_of(["epoch", "--prefix", sim["prefix"], "--n-samples", "32", "--engine", "fused"])  # graph + cached copy
    conv_csv = Path(__file__).parent / "results" / "person_major_conversion.csv"
    conv_rows = pd.read_csv(conv_csv).set_index("stage") if conv_csv.exists() else None
    conv_mb_s = (float(conv_rows.loc["person_major_conversion_today (fresh file)", "convert_mb_per_s"])
                 if conv_rows is not None else float("nan"))
    runs = {}  # label -> one result per round
    for r in range(ROUNDS):  # rounds interleave the engines, in reverse order every other round
        for name, threads in (ENGINES if r % 2 == 0 else ENGINES[::-1]):
            engine = "reference" if name == "reference" else "fused"
            draws = ["--noise-draws", "per_input" if name == "fused_v2" else "per_gene"]
            before = speed_probe()
            ep, wall = _json_of(["epoch", "--prefix", sim["prefix"], "--batch-size", str(BATCH), "--block-size",
                                 str(BLOCK), "--threads", str(threads), "--engine", engine, *draws])
            after = speed_probe()
            runs.setdefault(_label(name, threads), []).append(ep)
            rows.append({"stage": f"train_epoch_{ep['n_samples']}_people_{name}_{threads}_threads",
                         "round": r + 1, "engine": name, "samples": ep["n_samples"],
                         "variants": ep["n_variants_graph"], "genes": ep["n_genes"], "bed_mb": ep["bed_mb"],
                         "wall_s": round(wall, 1), "process_cpu_s": round(ep["process_cpu_s"], 1),
                         "peak_rss_mb": ep["peak_rss_mb"], "train_s": ep["train_s"],
                         "samples_per_s": ep["samples_per_s"],
                         "samples_per_cpu_s": ep["samples_per_cpu_s"], "loop_s": ep["loop_s"],
                         "loop_cpu_s": ep["loop_cpu_s"], "train_cpu_s": ep["train_cpu_s"], "steady_s": ep["steady_s"],
                         "steady_cpu_s": ep["steady_cpu_s"], "steady_samples": ep["steady_samples"],
                         "samples_per_s_incl_setup": ep["samples_per_s_incl_setup"],
                         "samples_per_s_loop": ep["samples_per_s_loop"],
                         "edges_per_layer": ep["n_edges_per_layer"],
                         "inputs_2m": ep["inputs_2m"], "batch_size": BATCH, "block_size": BLOCK,
                         "torch_threads": threads, "final_train_loss": round(ep["final_train_loss"], 4),
                         "load_avg_1min": round(os.getloadavg()[0], 1),
                         "biobank_epoch_h_projected": round(BIOBANK / ep["samples_per_s"] / 3600, 2)}
                        | probe_columns(before, after))
    median = {label: {k: float(np.median([ep[k] for ep in eps])) for k in ("samples_per_s", "samples_per_cpu_s")}
              | {"peak_rss_mb": max(ep["peak_rss_mb"] for ep in eps)} for label, eps in runs.items()}
    for label, m in median.items():
        rows.append({"stage": f"median of {ROUNDS} rounds: {label}", "engine": label,
                     "samples_per_s": round(m["samples_per_s"], 2),
                     "samples_per_cpu_s": round(m["samples_per_cpu_s"], 2), "peak_rss_mb": m["peak_rss_mb"],
                     "biobank_epoch_h_projected": round(BIOBANK / m["samples_per_s"] / 3600, 2),
                     "note": "median over the rounds; peak_rss_mb: the largest of the rounds"})
    bed_mb = runs["fused"][0]["bed_mb"]
    conv_h = BIOBANK / N_SAMPLES * bed_mb / conv_mb_s / 3600
    for a, b, label in (("fused", "reference", "same threads"), ("fused", "fused_v2", "same threads"),
                        ("fused_1_thread", "fused_v2_1_thread", "1 thread"),
                        ("fused_1_thread", "reference", "fused 1 thread, reference 2 threads")):
        wall = [x["samples_per_s"] / y["samples_per_s"] for x, y in zip(runs[a], runs[b])]
        cpu = [x["samples_per_cpu_s"] / y["samples_per_cpu_s"] for x, y in zip(runs[a], runs[b])]
        rows.append({"stage": f"ratio {a} / {b} (same run, {label})",
                     "samples_per_s": round(float(np.median(wall)), 2),
                     "samples_per_cpu_s": round(float(np.median(cpu)), 2),
                     "ratio_min": round(min(wall), 2), "ratio_max": round(max(wall), 2),
                     "ratio_cpu_min": round(min(cpu), 2), "ratio_cpu_max": round(max(cpu), 2),
                     "peak_rss_mb": round(median[a]["peak_rss_mb"] / median[b]["peak_rss_mb"], 3),
                     "note": f"median of the {ROUNDS} rounds' ratios (each round: both engines one after the other); "
                             "samples_per_s column = wall throughput ratio, ratio_min/max its range over the rounds; "
                             "samples_per_cpu_s column = CPU-time ratio (ratio_cpu_min/max); peak_rss_mb column = "
                             "memory ratio; per round (wall): " + ", ".join(f"{x:.1f}" for x in wall)})
    best = max(median["fused"]["samples_per_s"], median["fused_1_thread"]["samples_per_s"])
    per_cpu = max(median["fused"]["samples_per_cpu_s"], median["fused_1_thread"]["samples_per_cpu_s"])
    rows.append({"stage": f"projection: {BIOBANK:,} people, fused, these {THREADS} cores at this load (not measured)",
                 "samples": BIOBANK, "biobank_epoch_h_projected": round(BIOBANK / best / 3600, 2),
                 "note": f"best median wall throughput; plus a one-time conversion of "
                         f"~{BIOBANK / N_SAMPLES * bed_mb / 1024:.0f} GB of .bed: {conv_h:.2f} h at {conv_mb_s} MB/s "
                         f"(benchmarks/results/person_major_conversion.csv)"})
    rows.append({"stage": f"projection: {BIOBANK:,} people, fused, {THREADS} idle cores (not measured)",
                 "samples": BIOBANK, "samples_per_s": round(THREADS * per_cpu, 1),
                 "biobank_epoch_h_projected": round(BIOBANK / (THREADS * per_cpu) / 3600, 2),
                 "note": f"{THREADS} x the median samples per CPU second: assumes each core gives the work a whole "
                         f"CPU second per second and the 2 threads scale perfectly (an upper bound)"})
    table = pd.DataFrame(rows)
    table["bound_mb"] = BOUND_MB
    table["within_bound"] = within_bound(table)
    table["load_avg_1min"] = table["load_avg_1min"].fillna(round(os.getloadavg()[0], 1))
    table["uptime"] = os.popen("uptime").read().strip()
    return table
