# ---
# jupyter:
#   genenets:
#     paper: All five papers (the compendium's data)
#     result: 'Every registry dataset and simulator: shapes and one figure each'
#     params: 00_data_overview
#   jupytext:
#     formats: ipynb,src//py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---
# %% [markdown]
# # 00 Data overview
#
# **What this notebook shows.** Every real public dataset the compendium reads, fetched through the data
# registry (public URL at a pinned commit + sha256; `GENENETS_DATA_MIRROR` serves them offline), and every
# simulator that stands in where data are closed (UK Biobank) or where ground truth is needed. For each: its
# shape and one figure. Later notebooks load the same data through the same functions.
#
# | source | real data | simulator | used in |
# |---|---|---|---|
# | genotypes + annotation | HapMap CEU chr6 (PLINK), Ensembl 75 chr6 GTF, RefSeq GRCh37 genes, chr6 recombination map | msprime cohort of the MHC with four planted diseases | 01, 02 |
# | interactome + expression | Menche et al. interactome and 299 disease gene sets; pbmc68k (scanpy), leukemia ALL/AML | expression compendium on the real interactome | 03-06 |
# | yeast | GENER's BioGRID&DREAM5 pairs, DREAM5 network 4, netZooR cell-cycle expression | interactions with shared regulatory programs | 07 |
# | dream4 | DREAM4 in-silico size 100 (5 networks) | GeneNetWeaver-like GRN dynamics | 08 |
# | multiomics | nutrimouse (40 mice, genes + fatty acids) | paired transcriptome/metabolome with planted pathway | 09 |
#
# **How to read it.** Every dataset is loaded by name through `genenets.datasets.load(name)`, the one place that
# maps names to loaders (the paper notebooks load theirs the same way); for each, the table lists its arrays with
# their shapes and where the numbers come from (registry files, or a simulator and its seed), and a figure shows
# its main matrix. User datasets (your own PLINK files or CSVs) are listed with what they need. The provenance of this run
# (sha256 of every file read, package versions, git commit) is in `run.json` beside the executed copy.

# %% tags=["parameters"]
profile = "quick"  # smoke | quick | paper
seed = 0
device = "auto"  # auto: cuda, then mps, then cpu
sim_scale = 1.0  # size of the simulated examples relative to the quick profile
genomewide_variants = 25_000  # genome-wide simulated PLINK example (0: skip)
output_dir = "../figures/00_data_overview"

# %%
import matplotlib.pyplot as plt

import genenets
from genenets import data, report
from genenets.plotting import overview as plot_overview
from genenets.plotting import scale as plot_scale
from genenets.tools import overview

run = report.start_run("00_data_overview", globals())
print(f"genenets {genenets.__version__}; mirror: {'set' if data.mirror_dir() else 'none (downloads)'}")

# %% [markdown]
# ## The registry
# Fetch every file (download, or copy from the mirror) and check its sha256.

# %%
registry = overview.registry_table()
run.table(registry, "registry")
run.savefig(plot_overview.registry_sizes(registry), "registry_sizes")
registry

# %% [markdown]
# ## Every dataset by name
# Real datasets are loaded whole; simulators at a reduced size (`sim_scale`). The paper notebooks use the same
# names: `mhc-cohort-simulated`, `hapmap`, `plink` (01-02); `compendium-simulated`, `pbmc68k`, `leukemia` (03-06);
# `yeast`, `gener-simulated` (07); `dream4`, `dream4-simulated` (08); `multiomics-simulated`, `nutrimouse`,
# `multiomics-csv` (09).

# %%
shapes, matrices = overview.overview(scale=sim_scale, seed=seed)
run.table(shapes, "shapes")
shapes[["dataset", "kind", "component", "shape", "source"]]

# %% [markdown]
# One figure per dataset: a block of its main matrix (z-scored by column) and the distribution of its values.
# Real data and their simulators side by side show what the simulators were built to imitate.

# %%
kinds = dict(zip(shapes["dataset"], shapes["kind"]))
for name, matrix in matrices.items():
    run.savefig(plot_overview.dataset_figure(name, matrix, kinds[name]), f"dataset_{name}")
    plt.show()

# %% [markdown]
# ### Genome-wide scale
# For biobank-size and genome-wide use (see `docs/scaling.md`): a simulated genome-wide PLINK file, written chunk
# by chunk, and its variant-to-gene graph over all RefSeq GRCh37 protein-coding genes, with the same annotation
# rules as the MHC.

# %%
if genomewide_variants:
    gw_shapes, per_chrom, snps_per_gene, title = overview.genomewide_example(
        n_samples=max(20, int(200 * sim_scale)), n_variants=genomewide_variants, seed=seed)
    run.savefig(plot_scale.overview_figure(per_chrom, snps_per_gene, title=title), "genomewide_graph")
    plt.show()
    print(gw_shapes)

# %% [markdown]
# ## Summary

# %%
run.metrics["n_registry_files"] = len(registry)
run.metrics["registry_MB"] = round(registry["MB"].sum(), 2)
run.metrics["n_datasets"] = shapes["dataset"].nunique()
run.metrics["n_datasets_loaded"] = len(matrices)
run.headline.update(run.metrics)
run.finish()
