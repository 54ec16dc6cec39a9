"""genenets: neural networks that find disease genes and gene relationships, as a compendium.

The notebooks explain; this package computes. Entry points used by every notebook:

- :func:`genenets.report.start_run` opens a run (seeds, device, output folder) and records
  figures, tables and metrics;
- :mod:`genenets.train` is the one training loop every model uses;
- :mod:`genenets.data` fetches real public files; :mod:`genenets.simulate` makes data with
  known ground truth.
"""
from __future__ import annotations

import os
import random

import numpy as np

__version__ = "0.1.0"


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and torch, make torch deterministic on CPU; return a NumPy Generator."""
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    # Deterministic kernels where torch has them; warn (not fail) where it does not.
    torch.use_deterministic_algorithms(True, warn_only=True)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return np.random.default_rng(seed)


def get_device(device: str = "auto"):
    """Pick a torch device: ``"auto"`` prefers cuda, then mps, then cpu; anything else is used as given."""
    import torch

    if device in (None, "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(device)


__all__ = ["__version__", "seed_everything", "get_device"]
