"""Genotype loading: streamed PLINK reading (bed-reader, chunked) against reading the whole .bed at once.

For simulated SNP-major filesets of growing size, every reader makes one full pass over the file in its
own subprocess (so that its peak RSS is its own); throughput is (variants x samples) per second and
memory is the peak RSS above a bare interpreter that imported the same modules. Readers:

* ``whole_int8``: ``open_bed.read(dtype="int8")`` of everything (1 byte per call);
* ``whole_float32``: the bed-reader default dtype (4 bytes per call), what a first script usually does;
* ``variant_chunks``: ``genenets.data.genotypes.iter_dosage_chunks`` (2,048 variants x all samples a time);
* ``sample_blocks``: ``genenets.data.streaming`` blocks of 512 samples x all variants (the training reader);
* ``sample_blocks_two_bit``: the training stream itself, batches of 64 samples encoded to 2m float32 inputs.

Ratios are against ``whole_int8`` of the same size. bed-reader runs with one thread in every reader.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pandas as pd

SIZES = [(2_000, 20_000), (4_000, 100_000)]  # (samples, variants)
READERS = ["baseline", "whole_int8", "whole_float32", "variant_chunks", "sample_blocks", "sample_blocks_two_bit"]


def _fileset(n_samples: int, n_variants: int):
    import numpy as np
    import pandas as pd

    from genenets.simulate.genomewide import simulate_genomewide

    # evenly spaced synthetic genes on chromosome 1 so that no registry file is needed
    n_genes = max(1, n_variants // 50)
    genes = pd.DataFrame({"chrom": "1", "start": 1_000 + 20_000 * np.arange(n_genes),
                          "end": 11_000 + 20_000 * np.arange(n_genes)})
    return simulate_genomewide(n_samples=n_samples, n_variants=n_variants, genes=genes, seed=0).prefix


def measure(reader: str, prefix: str) -> dict:
    """One full pass of ``reader`` over ``prefix`` in this process: seconds, a checksum, peak RSS (MB)."""
    import numpy as np
    import torch  # noqa: F401  (imported by every reader's process so that the baseline is the same)
    from bed_reader import open_bed

    from genenets.data import genotypes as gt
    from genenets.data.streaming import PlinkBatchStream, stream_dosage_blocks
    from genenets.tools.scale import peak_rss_mb  # VmHWM: ru_maxrss would include the parent's peak

    bed = f"{prefix}.bed"
    t0 = time.perf_counter()
    checksum = 0.0
    if reader == "whole_int8":
        checksum = float(open_bed(bed, count_A1=True, num_threads=1).read(dtype="int8").sum(dtype=np.int64))
    elif reader == "whole_float32":
        checksum = float(open_bed(bed, count_A1=True, num_threads=1).read(dtype="float32").sum(dtype=np.float64))
    elif reader == "variant_chunks":
        for _, chunk in gt.iter_dosage_chunks(prefix, chunk_size=2048, num_threads=1):
            checksum += float(chunk.sum(dtype=np.int64))
    elif reader == "sample_blocks":
        for _, block in stream_dosage_blocks(prefix, block_size=512):
            checksum += float(block.sum(dtype=np.int64))
    elif reader == "sample_blocks_two_bit":
        for (x,) in PlinkBatchStream(prefix, batch_size=64, block_size=512, shuffle=True, seed=0):
            checksum += float(x.sum(dtype=torch.float64))  # sum of both bits = sum of dosages
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "checksum": checksum, "peak_rss_mb": peak_rss_mb()}


def _run_reader(reader: str, prefix) -> dict:
    code = (f"import json; from benchmarks.bench_genotype_loading import measure; "
            f"print(json.dumps(measure({reader!r}, {str(prefix)!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> pd.DataFrame:
    rows = []
    for n_samples, n_variants in SIZES:
        prefix = _fileset(n_samples, n_variants)
        _run_reader("whole_int8", prefix)  # warm the page cache so that every reader reads from memory
        results = {r: _run_reader(r, prefix) for r in READERS}
        base = results["baseline"]["peak_rss_mb"]
        ref = results["whole_int8"]
        for reader in READERS[1:]:
            r = results[reader]
            calls = n_samples * n_variants
            rows.append({"samples": n_samples, "variants": n_variants, "bed_mb": round(calls / 4 / 2**20, 1),
                         "reader": reader, "seconds": round(r["seconds"], 3),
                         "calls_per_s_millions": round(calls / r["seconds"] / 1e6, 1),
                         "peak_rss_above_baseline_mb": round(r["peak_rss_mb"] - base, 1),
                         "throughput_vs_whole_int8": round(ref["seconds"] / r["seconds"], 2),
                         "memory_vs_whole_int8": round((r["peak_rss_mb"] - base) / max(ref["peak_rss_mb"] - base, 1e-9), 3),
                         "same_checksum": bool(abs(r["checksum"] - ref["checksum"]) < 1e-6 * max(1.0, ref["checksum"])),
                         "baseline_rss_mb": round(base, 1)})
    table = pd.DataFrame(rows)
    table["load_avg_1min"] = round(os.getloadavg()[0], 1)  # other jobs on the machine slow every row
    return table
