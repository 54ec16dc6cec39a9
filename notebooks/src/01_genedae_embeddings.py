# ---
# jupyter:
#   genenets:
#     paper: 'GeneDAE: a sparse denoising autoencoder for deriving interpretable gene embeddings (UK Biobank MHC)'
#     result: Fig. 1 loss curves, Fig. 2 variants per gene, Fig. 3 per-gene/gene-set training; real HapMap embeddings
#     params: genedae
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
# # 01 GeneDAE: variant-to-gene graph and gene embeddings
#
# **Paper.** *GeneDAE: a sparse denoising autoencoder for deriving interpretable gene embeddings*. The
# genotypes of UK Biobank participants in the MHC region (chr6:28.5-33.4 Mb, 8,817 variants) are encoded
# as two bits per variant and fed to an autoencoder whose hidden layer has **one unit per gene** (239 genes):
# a variant connects only to the genes it is annotated to (ANNOVAR), so each hidden unit is an embedding of
# one gene, learnt from its own variants. Input noise (gamma = 0.3) makes it a denoising autoencoder.
#
# **This notebook regenerates** Fig. 1 (train/validation loss), Fig. 2 (variants per gene), Fig. 3 (training
# a single gene or a gene set on its subgraph) and the table of variant categories; notebook 02 uses the
# embeddings for gene-disease associations.
#
# **Our data differ.** UK Biobank is controlled access. By default we use a simulated cohort: msprime
# genotypes over the same GRCh37 window with the real chr6 recombination map, thinned to array density, and
# four diseases with planted causal genes (the truth is known). The graph comes from Ensembl 75 (GRCh37), not
# the paper's ANNOVAR RefSeq run. The last section trains GeneDAE on *real* genotypes (HapMap CEU, 90
# people). Anyone with access passes their own PLINK files (`dataset="plink"`, `plink_prefix=...`).
# The quick profile trains fewer epochs with a larger learning rate than the paper (the paper profile uses
# the paper's 60 epochs at 1e-4 and 50,000 people).

# %% tags=["parameters"]
profile = "quick"  # smoke | quick | paper
dataset = "mhc-cohort-simulated"  # mhc-cohort-simulated | plink | hapmap (genenets.datasets)
seed = 0
device = "auto"  # auto: cuda, then mps, then cpu
output_dir = "../figures/01_genedae_embeddings"
plink_prefix = ""  # PLINK path without suffix, used when dataset is plink
n_individuals = 3000
n_variants = 8800
missing = "mode"  # missing calls: "drop" variants with any, or "mode" (impute the most frequent genotype)
intergenic_distance = 100000  # bp: an intergenic variant maps to the nearest gene on each side within this
noise_std = 0.3
nodes_per_gene = 1
lr = 0.003
epochs = 15
batch_size = 64
patience = None
subgraph_genes = ["HLA-DQA2", "LY6G5B", "HLA-B,HLA-C,MICA"]  # genes or comma-separated gene sets (Fig. 3)
subgraph_epochs = 30
hapmap_epochs = 100

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from genenets import datasets, report
from genenets.data import annotation as ann
from genenets.plotting import genedae as plot
from genenets.tools import genedae as gd

run = report.start_run("01_genedae_embeddings", globals())

# %% [markdown]
# ## Genotypes and the variant-to-gene graph
# The genotypes are read from PLINK files in chunks (the simulated cohort is written as PLINK first, so it
# takes the same path as real data). Each variant gets one ANNOVAR-style category from the Ensembl 75 GTF;
# it connects to every gene of its best category, and an intergenic variant to its nearest gene on each side.
# Genes with no variant are dropped and counted.

# %%
with run.timed("prepare"):
    loaders = {"mhc-cohort-simulated": dict(n_individuals=n_individuals, n_variants=n_variants, seed=seed),
               "plink": dict(prefix=plink_prefix, missing=missing), "hapmap": dict(missing=missing)}
    user = [run.read_file(p) for p in gd.user_files(plink_prefix if dataset == "plink" else "")]
    ds = datasets.load(dataset, **loaders[dataset])
    prep = gd.prepare(ds, intergenic_distance=intergenic_distance)
categories = ann.category_table(prep.annotation)
run.table(categories, "table_variant_categories")
print(f"{prep.X.shape[0]} samples, {prep.graph.A.shape[0]} variants -> {prep.X.shape[1]} input bits, "
      f"{len(prep.graph.genes)} genes, {prep.graph.A.nnz} variant-gene edges")
print("exclusions:", {**prep.genotypes.exclusions, **prep.graph.exclusions})
categories

# %%
snps = prep.graph.snps_per_gene
run.savefig(plot.graph_overview(categories, snps), "fig2_snps_per_gene")
run.table(snps.rename_axis("gene").reset_index(), "snps_per_gene")
run.metrics.update(n_variants=prep.graph.A.shape[0], n_genes=len(prep.graph.genes),
                   n_edges=int(prep.graph.A.nnz), median_snps_per_gene=float(snps.median()))
run.paper.update(n_variants=8817, n_genes=239)

# %% [markdown]
# ## Training GeneDAE (Fig. 1)
# 70% of the samples train, 20% validate (loss each epoch), 10% are held out. The loss is the binary cross
# entropy of the reconstructed bits. A reconstruction is only useful if it beats the simplest model:
# predicting every bit by its frequency in the training set; both are printed on the held-out 10%.

# %%
with run.timed("train_genedae"):
    fit = gd.embeddings(prep, noise_std=noise_std, nodes_per_gene=nodes_per_gene, lr=lr, epochs=epochs,
                        batch_size=batch_size, patience=patience, seed=seed, device=str(run.device))
E, names, history = fit["embeddings"], fit["names"], fit["history"]
run.table(history, "fig1_loss_history")
run.savefig(plot.loss({"GeneDAE": history}, title="Fig. 1: GeneDAE reconstruction loss"), "fig1_loss_curves")
run.metrics["test_bce"] = {"GeneDAE": fit["test_bce"], "bit_frequency_baseline": fit["frequency_bce"]}
print(f"held-out BCE: GeneDAE {fit['test_bce']:.4f} vs bit-frequency baseline {fit['frequency_bce']:.4f}")
run.metrics["final_val_bce"] = float(history["val_loss"].iloc[-1])
run.metrics["dead_gene_units"] = dead = int((E.std(axis=0) == 0).sum())
print(f"embeddings {E.shape}; {dead} gene units are constant over all samples (dead ReLU)")

# %% [markdown]
# ## One gene or a gene set on its own subgraph (Fig. 3)
# The same model trained on the columns of `A` of one gene (or a set of genes) and the variants mapped to
# them: the paper uses this to study genes one at a time. Each panel shows train and validation loss.

# %%
with run.timed("train_subgraphs"):
    sub_hist, sub_summary, agreement = gd.train_subgraphs(
        prep, subgraph_genes, fit["split"], noise_std=noise_std, lr=lr, epochs=subgraph_epochs,
        batch_size=batch_size, device=str(run.device), seeds=(seed,))
run.table(sub_summary, "fig3_subgraph_summary")
if sub_hist:
    title = "Fig. 3: GeneDAE trained on single genes / a gene set"
    run.savefig(plot.subgraph_losses(sub_hist, title=title), "fig3_subgraph_loss")
sub_summary

# %% [markdown]
# ## Real genotypes: HapMap CEU in the MHC
# The registry's HapMap file uses the legacy individual-major layout; it is converted to SNP-major in
# `data/cache/` and read with bed-reader. Samples with mostly failed calls are dropped, and the remaining
# missing calls are imputed with the variant's most frequent genotype (both counted). With 90 people this
# shows that the pipeline runs on real data and what the embeddings look like, not a trained model.

# %%
with run.timed("hapmap"):
    hap = gd.prepare(datasets.load("hapmap", missing=missing), intergenic_distance=intergenic_distance)
    hfit = gd.embeddings(hap, noise_std=noise_std, lr=lr, epochs=hapmap_epochs, batch_size=16, seed=seed,
                         device=str(run.device), progress=False)

# %%
recon = hfit["per_gene"]
run.table(recon, "hapmap_per_gene_reconstruction")
print(f"HapMap: {hap.X.shape[0]} samples x {hap.graph.A.shape[0]} variants, {len(hap.graph.genes)} genes; "
      f"exclusions {hap.genotypes.exclusions}")
print(f"held-out BCE on HapMap: GeneDAE {hfit['test_bce']:.4f} vs bit-frequency baseline {hfit['frequency_bce']:.4f}")
run.metrics["hapmap"] = {"n_samples": hap.X.shape[0], "n_variants": hap.graph.A.shape[0],
                         "n_genes": len(hap.graph.genes), "test_bce": hfit["test_bce"],
                         "bit_frequency_baseline_bce": hfit["frequency_bce"],
                         "median_gene_accuracy": float(recon["accuracy"].median())}
run.savefig(plot.embeddings(hfit["embeddings"], hfit["names"], recon, title="HapMap CEU: GeneDAE gene embeddings"),
            "hapmap_embeddings")
run.savefig(plot.loss({"HapMap": hfit["history"]}, title="HapMap CEU: GeneDAE loss"), "hapmap_loss_curves")

# %% [markdown]
# ## What to take from this
# The printed comparisons above say whether the gene-level bottleneck reconstructs genotypes better than bit
# frequencies alone on held-out people, for the simulated cohort and for HapMap; the loss curves show whether
# training has converged at this profile's epoch budget. Notebook 02 tests the embeddings against disease.

# %%
run.note("Simulated cohort (msprime, real chr6 map, two-epoch demography Ne 10,000 -> 20,000) instead of UK "
         "Biobank; Ensembl 75 gene annotation instead of ANNOVAR/RefSeq." if dataset == "simulated" else
         f"Dataset: {dataset}.")
if profile != "paper":
    run.note(f"Profile {profile}: {epochs} epochs at lr {lr} (paper: 60 epochs at 1e-4), {n_individuals} people.")
run.finish()
