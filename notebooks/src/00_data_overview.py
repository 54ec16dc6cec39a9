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
# **How to read it.** Each section names the loader call and what the arrays hold. The provenance of this run
# (sha256 of every file read, package versions, git commit) is in `run.json` beside the executed copy.

# %% tags=["parameters"]
profile = "quick"  # smoke | quick | paper
seed = 0
device = "auto"
sim_scale = 1.0  # size of the simulated examples relative to the quick profile
genomewide_variants = 25_000  # genome-wide simulated PLINK example (0: skip)
output_dir = "../figures/00_data_overview"

# %%
import matplotlib.pyplot as plt
import pandas as pd

import genenets
from genenets import data, report

run = report.start_run("00_data_overview", globals())
shapes = {}  # dataset -> shape, collected for the summary table at the end
print(f"genenets {genenets.__version__}; cache {data.cache_dir()}; mirror {data.mirror_dir()}")


def size(n):
    return max(20, int(n * sim_scale))


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

# %% [markdown]
# ## Genotypes and the variant-to-gene graph (GeneDAE, notebooks 01-02)
# Real: HapMap CEU genotypes of chr6 (legacy individual-major PLINK, converted to SNP-major and read with
# bed-reader), annotated against Ensembl 75 the way ANNOVAR does. Simulated: an msprime cohort of the MHC with the
# real chr6 recombination map and four planted diseases (T1D, PSO, MS, AS).

# %%
from genenets.tools import genedae

genedae_shapes, fig = genedae.overview(n_individuals=size(400), seed=seed)
shapes.update(genedae_shapes)
run.savefig(fig, "genotypes_snps_per_gene")
genedae_shapes

# %% [markdown]
# ### Genome-wide scale
# For biobank-size and genome-wide use (see `docs/scaling.md`): a simulated genome-wide PLINK file, written chunk
# by chunk, and its variant-to-gene graph over all RefSeq GRCh37 protein-coding genes, with the same annotation rules.

# %%
if genomewide_variants:
    from genenets.simulate.genomewide import simulate_genomewide
    from genenets.tools import scale

    genome = simulate_genomewide(n_samples=size(200), n_variants=genomewide_variants, seed=seed, progress=False)
    gw_graph = scale.graph_for_plink(genome.prefix)
    shapes["genome-wide simulated PLINK (samples x variants)"] = (genome.n_samples, genome.n_variants)
    shapes["genome-wide variant-gene graph A (variants x genes)"] = gw_graph.A.shape
    run.savefig(scale.overview_figure(gw_graph, genome.prefix), "genomewide_graph")
    plt.show()

# %% [markdown]
# ## Interactome, disease genes and expression (deep autoencoder, notebooks 03-06)
# Real: the human interactome (Entrez ids mapped to symbols with RefSeq) and the 299 diseases' OMIM/GWAS genes;
# pbmc68k (700 cells, cell types) and the leukemia set (ALL/AML). Simulated: a compendium whose co-expressed
# modules are communities of the real interactome.

# %%
from genenets.data import expression, interactome
from genenets.tools import deepae

ppi, diseases = interactome.load_edges(), interactome.load_disease_genes()
shapes["interactome edges (rows x columns)"] = ppi.shape
shapes["disease gene table (rows x columns)"] = diseases.shape
for es in (expression.load_pbmc68k(), expression.load_leukemia(),
           deepae.load_dataset("simulated", n_genes=size(300), n_samples=size(400), seed=seed)[0]):
    shapes[f"expression {es.name}"] = es.shape
    run.savefig(deepae.overview_figure(es), f"expression_{es.name}")
    plt.show()

# %% [markdown]
# ## Yeast gene-gene interactions (GENER, notebook 07)
# Real: GENER's balanced BioGRID&DREAM5 pairs and the DREAM5 network-4 gold standard, mapped to ORFs, with the
# netZooR cell-cycle expression (2,555 ORFs x 50 arrays). Simulated: genes whose interacting partners share
# regulatory programs.

# %%
from genenets.tools import gener

for dataset, kwargs in [("yeast", {}), ("simulated", {"sim": dict(n_genes=size(400), n_arrays=50, n_programs=size(40),
                                                                    n_positive=size(2000))})]:
    gd = gener.load_dataset(dataset, seed=seed, **kwargs)
    shapes[f"{dataset} expression (genes x arrays)"] = gd.expression.shape
    for label_set, pairs in gd.pairs.items():
        shapes[f"{dataset} pairs: {label_set}"] = pairs.shape
    run.savefig(gener.overview(gd), f"interactions_{dataset}")
    plt.show()

# %% [markdown]
# ## Gene regulatory networks (notebook 08)
# Real: DREAM4 in-silico size 100, five networks with ten perturbation time series of 21 points each and the gold
# standard. Simulated: a GeneNetWeaver-like network with Hill kinetics and noisy measurements.

# %%
from genenets.tools import grn

for dataset in ("dream4", "simulated"):
    network = grn.load_networks(dataset, n_networks=1, n_genes=size(50), seed=seed)[0]
    shapes[f"{dataset} network 1: genes"] = (len(network.genes),)
    run.savefig(grn.overview_figure(network), f"grn_{dataset}")
    plt.show()

# %% [markdown]
# ## Multi-omics (notebook 09)
# Real: nutrimouse, 40 mice with 120 liver genes and 21 hepatic fatty acids, diet and genotype labels. Simulated:
# about 20 samples with planted pathway genes that drive planted metabolites.

# %%
from genenets.tools import multiomics

for dataset in ("nutrimouse", "simulated"):
    omics = multiomics.load_dataset(dataset, seed=seed)[0]
    shapes[f"{dataset} genes (samples x genes)"] = omics.genes.shape
    shapes[f"{dataset} metabolites (samples x metabolites)"] = omics.metabolites.shape
    run.savefig(multiomics.overview_figure(omics, seed=seed), f"multiomics_{dataset}")
    plt.show()

# %% [markdown]
# ## Summary
# Every dataset and simulator above, with its shape.

# %%
summary = pd.DataFrame({"dataset": list(shapes), "shape": [str(v) for v in shapes.values()]})
run.table(summary, "shapes")
run.metrics["n_registry_files"] = len(registry)
run.metrics["registry_MB"] = round(registry["MB"].sum(), 2)
run.metrics["n_datasets_shown"] = len(summary)
summary

# %%
run.finish()
