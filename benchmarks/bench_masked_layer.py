"""Sparse vs dense masked layer at MHC size (GeneDAE encoder + decoder, one Adam step per batch).

    .venv/bin/python benchmarks/bench_masked_layer.py [--variants 8817] [--genes 239] [--batch 64] [--steps 20]

Each layer kind runs in its own subprocess so that its peak resident memory (``VmHWM``) is its own;
the reported memory is the peak minus that of the same process before the model is built. Writes
``benchmarks/results/masked_layer.csv`` (time per step, ratio, peak memory, parameter count). Timings on a
shared machine are noisy: compare ratios, not absolute seconds. Not a test.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

WORKER = r"""
import json, sys, time
import numpy as np, scipy.sparse as sp, torch
from genenets.models.masked import DenseMaskedLinear, SparseMaskedLinear
kind, m, n, batch, steps, seed = sys.argv[1], *map(int, sys.argv[2:])
torch.set_num_threads(1)
rng = np.random.default_rng(seed)
# each variant maps to 1 or 2 genes (the MHC graph has ~1.5 genes per variant), genes in position order
genes_per_variant = rng.choice([1, 2], size=m, p=[0.55, 0.45])
first = np.sort(rng.integers(0, n, size=m))
rows = np.concatenate([np.arange(m), np.flatnonzero(genes_per_variant == 2)])
cols = np.concatenate([first, np.minimum(first[genes_per_variant == 2] + 1, n - 1)])
A = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(m, n))
A.data[:] = 1
Ap = sp.kron(A, np.ones((2, 1), np.float32), format="csr")
x = torch.as_tensor(rng.integers(0, 2, size=(batch, 2 * m)).astype(np.float32))
Layer = SparseMaskedLinear if kind == "sparse" else DenseMaskedLinear
def peak_mb():  # VmHWM: this process's peak RSS (ru_maxrss can carry the parent's peak across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
# warm-up on a tiny mask: torch's one-time allocations (autograd, Adam, kernels) are not the layer's
tiny = Layer(np.eye(4, dtype=np.float32)); o = torch.optim.Adam(tiny.parameters())
tiny(torch.ones(2, 4)).sum().backward(); o.step()
before = peak_mb()
enc, dec = Layer(Ap), Layer(Ap.T)
params = list(enc.parameters()) + list(dec.parameters())
opt = torch.optim.Adam(params, lr=1e-4)
def step():
    opt.zero_grad()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(dec(torch.relu(enc(x))), x)
    loss.backward()
    opt.step()
step()
times = []
for _ in range(steps):
    t0 = time.perf_counter(); step(); times.append(time.perf_counter() - t0)
peak = peak_mb()
print(json.dumps({"layer": kind, "n_inputs": 2 * m, "n_genes": n, "n_edges": int(Ap.nnz), "batch": batch,
                  "parameters": sum(p.numel() for p in params), "median_step_s": float(np.median(times)),
                  "peak_extra_MB": peak - before}))
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", type=int, default=8817)
    ap.add_argument("--genes", type=int, default=239)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "masked_layer.csv"))
    args = ap.parse_args(argv)
    rows = []
    for kind in ("sparse", "dense"):
        out = subprocess.run([sys.executable, "-c", WORKER, kind, str(args.variants), str(args.genes), str(args.batch),
                              str(args.steps), str(args.seed)], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    df = pd.DataFrame(rows)
    sparse, dense = df.set_index("layer").loc["sparse"], df.set_index("layer").loc["dense"]
    df["time_ratio_dense_over_sparse"] = dense["median_step_s"] / sparse["median_step_s"]
    df["memory_ratio_dense_over_sparse"] = dense["peak_extra_MB"] / max(sparse["peak_extra_MB"], 1e-9)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out, index=False)
    print(df.to_string(index=False))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
