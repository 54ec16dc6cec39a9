"""Benchmarks: speed and memory measured side by side in one run and reported as ratios.

    python -m benchmarks [NAME ...]      (or `make benchmark`: every benchmark but the heavy ones)

Each ``bench_<name>.py`` module has ``run() -> pandas.DataFrame``; the driver prints the table with the
machine and package versions and writes ``benchmarks/results/<name>.csv``. Not part of the test suite.
A module with ``HEAVY = True`` (the genome-wide epoch, about half an hour) runs only when named.
"""
from __future__ import annotations

import os
import platform
import resource
import time
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def machine() -> dict:
    import torch

    return {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "torch": metadata.version("torch"), "torch_threads": torch.get_num_threads(),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
            "date": time.strftime("%Y-%m-%d")}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_time(fn, repeats: int = 5, warmup: int = 1) -> float:
    """Best wall time of ``fn()`` over ``repeats`` calls after ``warmup`` calls (seconds)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def speed_probe() -> dict:
    """How fast this shared virtual machine runs right now, on two fixed workloads (about 1 s in all).

    This VM's speed changes within minutes, and not alike for all work: between two runs of the genome-wide
    step 35 minutes apart, the fused kernels (vectorised float32 arithmetic) ran 1.47x faster and the reference
    (sparse products, memory-bound) 1.25x (``docs/scaling.md``). So benchmarks record, next to each timed
    run, ``probe_exp_ns``: nanoseconds per float32 element of ``np.exp`` over 1 M values (one thread,
    vectorised arithmetic), best of 7; and ``probe_copy_gb_s``: GB/s of copying 256 MB (memory-bound), best
    of 3. They describe the machine, not the code.
    """
    import numpy as np

    x = np.linspace(-5, 5, 1 << 20, dtype=np.float32)
    out = np.empty_like(x)
    exp_s = best_time(lambda: np.exp(x, out=out), repeats=7, warmup=2)
    src = np.ones(1 << 26, np.float32)  # 256 MB
    dst = np.empty_like(src)
    copy_s = best_time(lambda: np.copyto(dst, src), repeats=3, warmup=1)
    return {"probe_exp_ns": round(exp_s / x.size * 1e9, 3), "probe_copy_gb_s": round(src.nbytes / copy_s / 1e9, 2)}


def probe_columns(before: dict, after: dict) -> dict:
    """Two :func:`speed_probe` readings as table columns: ``probe_exp_ns_before``, ..., ``probe_copy_gb_s_after``."""
    return {f"{k}_before": v for k, v in before.items()} | {f"{k}_after": v for k, v in after.items()}
