"""Sparse vs dense masked layer, at MHC size and growing sizes (GeneDAE encoder + decoder, one Adam step).

    .venv/bin/python -m benchmarks masked_layer     (or: python benchmarks/bench_masked_layer.py --scales 1 2 4)

Sizes are multiples of the MHC (8,817 variants, 239 genes, about 1.5 genes per variant); the dense layer is
measured while its estimated footprint fits ``DENSE_BUDGET_GB``, and marked as not fitting beyond.

Each layer kind runs in its own subprocess so that its peak resident memory (``VmHWM``) is its own;
the reported memory is the peak minus that of the same process before the model is built. Writes
``benchmarks/results/masked_layer.csv`` (time per step, ratios, peak memory). Timings on a
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


SCALES = (1, 2, 4, 8, 16, 64)  # multiples of the MHC size (8,817 variants, 239 genes)
DENSE_BUDGET_GB = 6.0  # beyond this estimated footprint the dense layer "does not fit" on these 24 GB machines


def dense_footprint_gb(variants: int, genes: int) -> float:
    """Weights, mask, gradient and two Adam moments of the dense encoder and decoder (float32)."""
    return 2 * (2 * variants * genes) * 4 * 5 / 1e9


def measure(kind: str, variants: int, genes: int, batch: int, steps: int, seed: int = 0) -> dict:
    out = subprocess.run([sys.executable, "-c", WORKER, kind, str(variants), str(genes), str(batch), str(steps),
                          str(seed)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(scales=SCALES, batch: int = 64, seed: int = 0) -> pd.DataFrame:
    """Sparse and dense masked layers side by side at growing sizes, up to where dense no longer fits."""
    rows = []
    for scale in scales:
        variants, genes = 8817 * scale, 239 * scale
        steps = max(3, 20 // scale)
        sparse = measure("sparse", variants, genes, batch, steps, seed)
        row = {"scale_vs_mhc": scale, "variants": variants, "genes": genes, "edges": sparse["n_edges"],
               "sparse_step_s": sparse["median_step_s"], "sparse_peak_MB": sparse["peak_extra_MB"],
               "dense_estimated_GB": round(dense_footprint_gb(variants, genes), 2)}
        if row["dense_estimated_GB"] <= DENSE_BUDGET_GB:
            dense = measure("dense", variants, genes, batch, steps, seed)
            row.update(dense_step_s=dense["median_step_s"], dense_peak_MB=dense["peak_extra_MB"],
                       time_ratio_dense_over_sparse=dense["median_step_s"] / sparse["median_step_s"],
                       memory_ratio_dense_over_sparse=dense["peak_extra_MB"] / max(sparse["peak_extra_MB"], 1e-9),
                       dense_fits=True)
        else:
            row.update(dense_fits=False)
        rows.append(row)
        print(row, flush=True)
    return pd.DataFrame(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=int, nargs="+", default=list(SCALES))
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args(argv)
    df = run(args.scales, args.batch)
    out = Path(__file__).parent / "results" / "masked_layer.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False)
    print(df.to_string(index=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
