"""Generation of the quick-profile simulated MHC cohort (``mhc-cohort-simulated``), uncached, by stage.

    .venv/bin/python -m benchmarks cohort_generation

Simulates the quick cohort (12,500 people, 8,800 variants) from scratch (``use_cache=False``) in a
subprocess limited to 2 CPU threads, timing each stage: msprime ancestry + mutations and the two passes
over the sites, the PLINK round trip (bed-reader write + the chunked reader), annotation and planting
the diseases. The requirement (issue 14) is under 2 minutes on 2 cores; ``within_budget`` says whether
it held. The load average is recorded: on a shared machine wall time exceeds CPU time, so both are
written. Not a test.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd

BUDGET_S = 120.0
N_INDIVIDUALS, N_VARIANTS = 12_500, 8800

WORKER = r"""
import json, os, resource, sys, tempfile, time
from pathlib import Path
import numpy as np
from genenets.data import annotation as ann, genotypes as gt
from genenets.simulate import cohort
n, m = int(sys.argv[1]), int(sys.argv[2])
t = {}
def clock():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), r.ru_utime + r.ru_stime
w0, c0 = clock()
gm = ann.load_ensembl_mhc()
w, c = clock(); raw = cohort.simulate_genotypes(n, n_variants=m, seed=0); w1, c1 = clock()
t["msprime_genotypes"] = (w1 - w, c1 - c)
with tempfile.TemporaryDirectory() as tmp:
    w, c = clock(); prefix = gt.write_plink(Path(tmp) / "c", raw); g = gt.read_plink(prefix); w1, c1 = clock()
t["plink_round_trip"] = (w1 - w, c1 - c)
w, c = clock()
annotation = ann.annotate_variants(g.variants["pos"], gm)
pheno, truth = cohort.plant_diseases(g, annotation, seed=0)
w1, c1 = clock()
t["annotate_and_plant"] = (w1 - w, c1 - c)
w, c = clock(); full = cohort.simulate_cohort(n, n_variants=m, seed=0, use_cache=False); w1, c1 = clock()
t["simulate_cohort_total"] = (w1 - w, c1 - c)
cases = full.phenotypes.drop(columns="iid").sum().to_dict()
print(json.dumps({"stages": t, "cases": cases, "shape": list(full.genotypes.shape)}))
"""


def run() -> pd.DataFrame:
    env = {**os.environ, "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
    out = subprocess.run([sys.executable, "-c", WORKER, str(N_INDIVIDUALS), str(N_VARIANTS)], env=env,
                         capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    load = os.getloadavg()[0]
    rows = [{"stage": k, "individuals": N_INDIVIDUALS, "variants": res["shape"][1], "wall_s": round(w, 2),
             "cpu_s": round(c, 2)} for k, (w, c) in res["stages"].items()]
    table = pd.DataFrame(rows)
    total = table.set_index("stage").loc["simulate_cohort_total"]
    table["min_cases"] = min(res["cases"].values())
    table["budget_s"] = BUDGET_S
    table["within_budget"] = bool(total["wall_s"] < BUDGET_S)
    table["load_avg_1min"] = round(load, 1)
    return table


if __name__ == "__main__":
    print(run().to_string(index=False))
