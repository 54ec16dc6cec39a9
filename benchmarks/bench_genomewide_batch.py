"""Genome-wide GeneDAE (fused, per-gene noise): samples per second and per CPU second against the batch size, one run.

The simulated genome-wide fileset of ``bench_genomewide_epoch`` (1.14 M edges per masked layer, 1,023,216
two-bit inputs). For each batch size, the whole training step as ``train.fit`` runs it (read the rows of
the person-major copy, forward, backward, torch's fused Adam), best of ``REPEATS`` after a warm-up, as wall
and CPU seconds of this process (all threads), with 1 and with 2 threads (numba and torch). The work per
sample is fixed; what a larger batch amortises is per step (Adam over 3.3 M parameters, the per-edge index
and weight loads, each output's reductions over the batch). The batch size is a training setting (the paper's
is 32): a larger one changes the optimisation, so this table measures only what it would cost.
``load_avg_1min`` says how busy the machine was, ``probe_*_before`` / ``_after``
(:func:`benchmarks.speed_probe`) how fast it was.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import torch

from . import probe_columns, speed_probe

HEAVY = True  # needs the 408 MB simulated fileset and its person-major copy
BATCHES, THREADS, REPEATS, GAMMA = (16, 32, 64, 128, 256), (1, 2), 3, 0.3


def run() -> pd.DataFrame:
    import numba

    from genenets.data.streaming import PersonMajorFile
    from genenets.models.genomewide import FusedGeneDAE

    from .bench_genomewide_step import _best, genomewide_fixture

    _, graph, path, _ = genomewide_fixture()
    pm = PersonMajorFile(path)
    rows = []
    before = speed_probe()
    for threads in THREADS:
        torch.set_num_threads(threads)
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        torch.manual_seed(0)
        model = FusedGeneDAE(graph.A_prime(), noise_std=GAMMA, noise_draws="per_gene")
        opt = torch.optim.Adam(model.parameters(), lr=1e-4, fused=True)
        for batch in BATCHES:
            idx = np.arange(batch)

            def step():
                b = torch.from_numpy(pm.read_packed(idx))
                opt.zero_grad()
                model(b).backward()
                opt.step()

            wall, cpu = _best(step, REPEATS)
            rows.append({"batch_size": batch, "threads": threads, "step_s": round(wall, 4), "step_cpu_s": round(cpu, 4),
                         "samples_per_s": round(batch / wall, 1), "samples_per_cpu_s": round(batch / cpu, 1),
                         "cpu_ms_per_sample": round(1000 * cpu / batch, 3),
                         "load_avg_1min": round(os.getloadavg()[0], 2)})
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    for threads in THREADS:
        sel = table["threads"] == threads
        base = table.loc[sel & (table["batch_size"] == 32), "samples_per_cpu_s"].iloc[0]
        table.loc[sel, "ratio_samples_per_cpu_s_vs_batch_32"] = (table.loc[sel, "samples_per_cpu_s"] / base).round(2)
    table["edges_per_layer"], table["inputs_2m"] = int(2 * graph.A.nnz), int(2 * graph.A.shape[0])
    table["noise_draws"] = "per_gene"
    for k, v in probe_columns(before, speed_probe()).items():
        table[k] = v
    table["uptime"] = os.popen("uptime").read().strip()
    return table
