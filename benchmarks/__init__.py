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
