"""Person-major conversion of the genome-wide .bed (issue 19): MB of .bed per second, today's kernel and the first pass's, one run, side by side.

The simulated genome-wide fileset of ``bench_genomewide_epoch`` (3,000 people x 570,000 variants, 408 MB
``.bed``; the 511,608 variants that reach a gene are converted). Each version runs in its own subprocess
(so that its peak RSS is its own) into a fresh file in a temporary folder (never the cached copy): first a
4,096-variant conversion outside the timing (numba compilation or cache load), then the whole conversion,
timed as wall and CPU seconds (all threads), written to disk and ``fsync``-ed as in real use. ``v1`` is
:func:`benchmarks._fused_v1.convert_to_person_major_v1` (table look-up kernel, one write per person per
16,384 variants), ``today`` :func:`genenets.data.streaming.convert_to_person_major`. The two outputs are
compared byte for byte. ``load_avg_1min`` and ``uptime`` are read before and after: the wall time
depends on the other jobs, the CPU seconds much less.

Separate from ``genomewide_epoch`` (which used to measure it) so that it can be run alone when the machine
is quiet; ``genomewide_epoch`` reads this CSV for its 470,000-people projection.
"""
from __future__ import annotations

import filecmp
import os
import tempfile

import pandas as pd

HEAVY = True  # needs the 408 MB simulated fileset; ~1 minute
THREADS = 2


def run() -> pd.DataFrame:
    from .bench_genomewide_epoch import _CONVERT, N_SAMPLES, N_VARIANTS, _json_of

    load_before = (round(os.getloadavg()[0], 2), os.popen("uptime").read().strip())
    sim, _ = _json_of(["simulate", "--samples", str(N_SAMPLES), "--variants", str(N_VARIANTS)])
    _json_of(["epoch", "--prefix", sim["prefix"], "--n-samples", "32", "--engine", "fused"])  # graph + cached copy
    rows, conv = [], {}
    env = os.environ.get("NUMBA_NUM_THREADS")
    os.environ["NUMBA_NUM_THREADS"] = str(THREADS)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            outs = {}
            for version in ("v1", "today"):
                outs[version] = os.path.join(tmp, f"copy_{version}.bits")
                conv[version], wall = _json_of(["-c", _CONVERT, sim["prefix"], outs[version], version], module=False)
                c = conv[version]
                rows.append({"stage": f"person_major_conversion_{version} (fresh file)", "samples": sim["n_samples"],
                             "bed_mb": round(c["bed_mb"], 1), "process_wall_s": round(wall, 1),
                             "process_cpu_s": round(c["process_cpu_s"], 1), "peak_rss_mb": round(c["peak_rss_mb"], 1),
                             "convert_s": round(c["convert_s"], 2), "convert_cpu_s": round(c["convert_cpu_s"], 2),
                             "convert_mb_per_s": round(c["bed_mb"] / c["convert_s"], 1),
                             "convert_mb_per_cpu_s": round(c["bed_mb"] / c["convert_cpu_s"], 1),
                             "load_avg_1min": round(os.getloadavg()[0], 2)})
            identical = filecmp.cmp(outs["v1"], outs["today"], shallow=False)
    finally:
        if env is None:
            os.environ.pop("NUMBA_NUM_THREADS", None)
        else:
            os.environ["NUMBA_NUM_THREADS"] = env
    rows.append({"stage": "ratio conversion today / v1 (same run)",
                 "convert_mb_per_s": round(conv["v1"]["convert_s"] / conv["today"]["convert_s"], 2),
                 "convert_mb_per_cpu_s": round(conv["v1"]["convert_cpu_s"] / conv["today"]["convert_cpu_s"], 2),
                 "note": "convert_mb_per_s column = wall-time ratio; convert_mb_per_cpu_s column = CPU-time ratio; "
                         f"outputs identical byte for byte: {identical}"})
    rows.append({"stage": "target: >= 50 MB/s of .bed on 2 cores",
                 "convert_mb_per_s": round(conv["today"]["bed_mb"] / conv["today"]["convert_s"], 1),
                 "note": "met" if conv["today"]["bed_mb"] / conv["today"]["convert_s"] >= 50 else "not met"})
    table = pd.DataFrame(rows)
    table["numba_threads"] = THREADS
    table["load_avg_1min_before"], table["uptime_before"] = load_before
    table["load_avg_1min_after"] = round(os.getloadavg()[0], 2)
    table["uptime_after"] = os.popen("uptime").read().strip()
    return table
