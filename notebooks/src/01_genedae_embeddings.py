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
# **This notebook regenerates** Fig. 1 (train/validation loss), Fig. 2 (variants per gene) and Fig. 3 (a
# single gene or a gene set trained on its own subgraph), and decides two of the paper's claims: **G3**
# (training converges within 60 epochs) and **G4** (a gene trained alone gets the same embedding as in the
# full model). Notebook 02 uses the embeddings for gene-disease associations (G1, G2).
#
# **Our data differ.** UK Biobank is controlled access. By default we use a simulated cohort
# (`mhc-cohort-simulated`): msprime genotypes of 12,500 people over the same GRCh37 window with the real chr6
# recombination map, thinned to array density, and four liability-threshold diseases whose causal variants
# the simulator draws from the annotation (truth known). The MHC share of liability variance and the number
# of causal signals are rounded from published estimates: T1D 0.30 / 8 (HLA carries about half of T1D's
# genetic risk: Noble & Erlich 2012, *Cold Spring Harb Perspect Med*; ~8 independent HLA effects: Hu et al.
# 2015, *Nat Genet* 47:898), PSO 0.10 / 5 (HLA-C\*06:02 plus further MHC signals: Okada et al. 2014,
# *Am J Hum Genet* 95:162), MS 0.10 / 10 (32 independent MHC effects, many rare: Patsopoulos et al. 2019,
# *Science* 365:eaav7188), AS 0.20 / 4 (HLA-B27 and a few more class I/II signals: Cortes et al. 2015,
# *Nat Commun* 6:7146). Cases are 2.5-3% of the cohort (a case-enriched sample: >= 300 cases per disease).
# The graph comes from Ensembl 75 (GRCh37), not ANNOVAR/RefSeq. The last section trains GeneDAE on *real*
# genotypes (HapMap CEU, 90 people). Your own PLINK files plug in with `dataset="plink"`, `plink_prefix=...`.
#
# **Budgets.** The paper trained with Adam at 1e-4 for up to 60 epochs (the `paper` profile). The quick
# profile chooses the learning rate on validation data (a short run per candidate on 2,000 training people)
# and the number of epochs by early stopping on the validation BCE, capped at `epochs x budget_scale`.
#
# **Early stopping has a tolerance** (`training["min_delta"]`, 1e-4 in every profile). An epoch counts as an
# improvement only when its validation BCE is more than `min_delta` below the best so far; after `patience`
# epochs without one, training stops and the best epoch's weights are kept. This is the standard criterion of
# the common deep-learning libraries: Keras' and PyTorch Lightning's `EarlyStopping(min_delta=...)` ("an
# absolute change of less than min_delta will count as no improvement"), and 1e-4 is scikit-learn's default
# `tol` for its neural networks ("when the loss or score is not improving by at least tol ... training
# stops"); it is not tuned to this model. We added it after seeing the previous quick run (commit 0632d85):
# without a tolerance (any decrease counts), GeneDAE's validation BCE was still creeping down by about 5e-5
# an epoch over its last 10 epochs before the 60-epoch cap (0.03% of its value an epoch), so patience never
# ended the fit and every claim carried the "budget-limited" flag although the curve had flattened. The
# convergence table records `min_delta`, and G3 shows beside its verdict how much the validation BCE still
# fell over the fit's last 10 epochs.
# GeneDAE is computed by the fused numba kernels on a CPU (`genedae["engine"] = "auto"`: bit-packed
# genotypes, the input noise drawn inside the kernel; the same model, initialisation and loss as the torch
# layers, several times faster at this size).
#
# **Parameters** (the cell below holds the quick profile; `notebooks/params/genedae.{smoke,paper}.yaml` the
# others; `genenets run 01 -p training.epochs=60` changes one key of a group):
#
# | group | key: meaning (quick / paper) |
# |---|---|
# | `cohort` | `n_individuals`: people simulated (12,500 / 100,000; UK Biobank ~500,000); `n_variants`: array variants (8,800 / 8,817) |
# | `genotypes` | `plink_prefix`: your PLINK files (with `dataset="plink"`); `missing`: `"drop"` variants with missing calls or `"mode"`-impute; `intergenic_distance`: bp to the nearest gene (100 kb) |
# | `genedae` | `noise_std`: input noise gamma (0.3 / 0.3); `nodes_per_gene` (1 / 1); `engine`: `"auto"` (fused numba kernels on a CPU), `"fused"`, `"torch"` |
# | `training` | `lr`: Adam rate, 0 = chosen on validation among `lr_grid` (paper 1e-4); `epochs`: cap before `budget_scale` (60 / 60); `patience`: epochs without a better validation BCE (3 / 5); `min_delta`: how much lower (absolute BCE) a validation BCE must be to count as better (1e-4 / 1e-4; the paper does not say); `batch_size` (16 / 64) |
# | `subgraphs` | `genes`: genes or comma-separated gene sets trained alone (Fig. 3, G4); `seeds`: one model per seed; `epochs`, `batch_size`: their cap and batch (quick and paper: the full model's; the learning rate, patience and tolerance are the full model's) |
# | `hapmap` | `epochs`, `batch_size` of the real HapMap CEU run (90 people) |

# %% tags=["parameters"]
profile = "quick"  # smoke | quick | paper
dataset = "mhc-cohort-simulated"  # mhc-cohort-simulated | plink | hapmap (genenets.datasets)
seed = 0
budget_scale = 1.0  # multiplies every training cap (robustness grid)
device = "auto"  # auto: cuda, then mps, then cpu
output_dir = "../figures/01_genedae_embeddings"
cohort = dict(n_individuals=12500, n_variants=8800)  # the simulated cohort's size
genotypes = dict(plink_prefix="", missing="mode", intergenic_distance=100000)  # genotype files; the graph
genedae = dict(noise_std=0.3, nodes_per_gene=1, engine="auto")  # the model (engine: how it is computed)
training = dict(lr=0.0, lr_grid=[0.003, 0.01], epochs=60, patience=3, min_delta=1e-4, batch_size=16)  # Adam
subgraphs = dict(genes=["HLA-DQA2", "LY6G5B", "HLA-B,HLA-C"], seeds=[0, 1], epochs=60, batch_size=16)  # G4
hapmap = dict(epochs=100, batch_size=16)  # the real HapMap CEU run

# %%
import pandas as pd

from genenets import datasets, report
from genenets.data import annotation as ann
from genenets.plotting import genedae as plot
from genenets.summaries import genedae as summary
from genenets.tools import genedae as gd

run = report.start_run("01_genedae_embeddings", globals())
summary.declare(run, ["G3", "G4"])
budget = dict(budget_scale=budget_scale, device=str(run.device))

# %% [markdown]
# ## Genotypes and the variant-to-gene graph
# The genotypes are read from PLINK files in chunks (the simulated cohort is written as PLINK first, so it
# takes the same path as real data). Each variant gets one ANNOVAR-style category from the Ensembl 75 GTF;
# it connects to every gene of its best category, and an intergenic variant to its nearest gene on each side.
# Genes with no variant are dropped and counted.

# %%
with run.timed("prepare"):
    user = [run.read_file(p) for p in gd.user_files(genotypes["plink_prefix"] if dataset == "plink" else "")]
    ds = gd.load_dataset(dataset, seed=seed, **cohort, **genotypes)
    prep = gd.prepare(ds, intergenic_distance=genotypes["intergenic_distance"])
run.fallback = ds.fallback
categories = ann.category_table(prep.annotation)
run.table(categories, "table_variant_categories")
print(f"{prep.genotypes.shape[0]} samples, {prep.graph.A.shape[0]} variants -> {2 * prep.graph.A.shape[0]} input "
      f"bits, {len(prep.graph.genes)} genes, {prep.graph.A.nnz} variant-gene edges")
print("exclusions:", {**prep.genotypes.exclusions, **prep.graph.exclusions}, "duplicated gene names:",
      prep.duplicated_genes)

# %%
snps = prep.graph.snps_per_gene
run.savefig(plot.graph_overview(categories, snps), "fig2_snps_per_gene")
run.table(snps.rename_axis("gene").reset_index(), "snps_per_gene")
run.metrics.update(n_variants=prep.graph.A.shape[0], n_genes=len(prep.graph.genes),
                   n_edges=int(prep.graph.A.nnz), median_snps_per_gene=float(snps.median()))
run.paper.update(n_variants=8817, n_genes=239)
if prep.truth is not None:
    run.table(prep.truth.causal, "planted_causal_variants")
    run.metrics["n_cases"] = prep.phenotypes.drop(columns="iid").sum().to_dict()
    print("cases per disease:", run.metrics["n_cases"])

# %% [markdown]
# ## Training GeneDAE (Fig. 1)
# 70% of the people train, 20% validate (the loss each epoch, early stopping and the choice of learning
# rate), 10% are held out. The loss is the binary cross entropy of the reconstructed bits. A reconstruction is
# only useful if it beats the simplest model: every bit predicted by its training frequency (the no-learning
# loss: GeneDAE starts there, as its decoder bias is initialised at those frequencies).

# %%
with run.timed("train_genedae"):
    fit = gd.fit_embeddings(prep, **genedae, **training, **budget, seed=seed)
E, names, history = fit["embeddings"], fit["names"], fit["history"]
if fit["lr_table"] is not None:
    run.table(fit["lr_table"], "lr_choice_on_validation")
    print(fit["lr_table"])
run.table(history, "fig1_loss_history")
run.savefig(plot.loss({"GeneDAE": history}, title=f"Fig. 1: GeneDAE loss (lr {fit['lr']:g})"), "fig1_loss_curves")
conv = run.convergence_table(pd.DataFrame([fit["convergence"]]))
run.metrics["test_bce"] = {"GeneDAE": fit["test_bce"], "bit_frequency_baseline": fit["frequency_bce"]}
run.metrics.update(lr=fit["lr"], dead_gene_units=int((E.std(axis=0) == 0).sum()))
conv

# %% [markdown]
# **G3.** The rule (declared above, before training): early stopping with the tolerance `min_delta` ends
# the fit by epoch 60 with a validation BCE more than 5% below the no-learning BCE. Beside the verdict, the
# strict view: how much the validation BCE fell over the fit's last 10 epochs (a reader who would count any
# decrease as progress can judge from it whether "converged" means flat). G3 is about how training ends, so a
# fit stopped by its cap is evidence against it ("not reproduced" at 60 epochs, "mixed" under a shorter cap),
# not a reason to flag the verdict. One seed and one cap here; the robustness grid
# (`notebooks/robustness.yaml`) re-decides it at three seeds and three epoch caps.

# %%
summary.decide_g3(run, fit["convergence"], budgets=[fit["convergence"]["epochs_cap"]], history=history)
print(summary.stopping_sentence(fit["convergence"], resting=["G4 here", "G1, G2, G4, G5 in notebook 02"]))
print(f"held-out BCE: GeneDAE {fit['test_bce']:.4f} vs bit-frequency baseline {fit['frequency_bce']:.4f}; "
      f"{run.metrics['dead_gene_units']} of {E.shape[1]} gene units are constant (dead ReLU)")
run.claims["G3"].verdict, run.claims["G3"].ours

# %% [markdown]
# ## One gene or a gene set on its own subgraph (Fig. 3) and claim G4
# The same model trained on the columns of `A` of one gene (or a set of genes) and the variants mapped to
# them: the paper uses this to study genes one at a time, which is only equivalent to the full model if the
# gene's embedding does not depend on the other genes. We correlate, across people, each gene's unit trained
# alone with its unit in the full model (|Pearson r|, since a unit may encode either allele), at two seeds;
# the correlation between the two seeds of the model trained alone is the reference of "the same".
# The models trained alone get the full model's training settings (learning rate, batch size, cap, patience
# and tolerance), so that only the graph differs, and stop by early stopping on their own validation BCE. (Earlier
# versions of this notebook trained them with batch 256 under a 30-epoch cap: every one of them was still improving
# when the cap stopped it, so G4 rested on budget-limited models.)

# %%
with run.timed("train_subgraphs"):
    sub = gd.agreement_with_full(prep, fit, **subgraphs, **genedae, **budget, patience=training["patience"],
                                 min_delta=training["min_delta"])
sub_hist, sub_summary, agreement = sub["histories"], sub["summary"], sub["agreement"]
run.table(sub_summary, "fig3_subgraph_summary")
run.table(agreement, "g4_embedding_agreement")
if sub_hist:
    run.savefig(plot.subgraph_losses(sub_hist, title="Fig. 3: GeneDAE trained on single genes / a gene set"),
                "fig3_subgraph_loss")
    run.savefig(plot.embedding_agreement(agreement), "fig3_embedding_agreement")
summary.decide_g4(run, agreement, seeds=len(subgraphs["seeds"]), budgets=[sub["epochs_cap"]], summary=sub_summary)
agreement.round(3)

# %% [markdown]
# ## Real genotypes: HapMap CEU in the MHC
# The registry's HapMap file uses the legacy individual-major layout; it is converted to SNP-major and read
# with bed-reader. Samples with mostly failed calls are dropped, and the remaining missing calls are imputed
# with the variant's most frequent genotype (both counted). **What it can show:** that the pipeline runs on
# real genotypes, how real LD in the MHC shapes the graph and the per-gene reconstruction, and whether a
# gene bottleneck reconstructs real genotypes better than allele frequencies on held-out people. **What it
# cannot show:** anything about disease (HapMap has no phenotypes), nor a trained model of the paper's size:
# 90 people (72 train, 9 test) is far too few for 200+ gene units, so its numbers are illustrations.

# %%
with run.timed("hapmap"):
    hap = gd.prepare(datasets.load("hapmap", missing=genotypes["missing"]),
                     intergenic_distance=genotypes["intergenic_distance"])
    hfit = gd.embeddings(hap, noise_std=genedae["noise_std"], lr=fit["lr"], seed=seed, device=str(run.device),
                         epochs=gd.budget_cap(hapmap["epochs"], budget_scale), batch_size=hapmap["batch_size"],
                         patience=training["patience"], min_delta=training["min_delta"], progress=False)
recon = hfit["per_gene"]
run.table(recon, "hapmap_per_gene_reconstruction")
print(f"HapMap: {hap.genotypes.shape[0]} samples x {hap.graph.A.shape[0]} variants, {len(hap.graph.genes)} genes; "
      f"exclusions {hap.genotypes.exclusions}")
print(f"held-out BCE on HapMap: GeneDAE {hfit['test_bce']:.4f} vs bit-frequency {hfit['frequency_bce']:.4f}")

# %%
run.metrics["hapmap"] = {"n_samples": hap.genotypes.shape[0], "n_variants": hap.graph.A.shape[0],
                         "n_genes": len(hap.graph.genes), "test_bce": hfit["test_bce"],
                         "bit_frequency_baseline_bce": hfit["frequency_bce"],
                         "median_gene_accuracy": float(recon["accuracy"].median())}
run.savefig(plot.embeddings(hfit["embeddings"], hfit["names"], recon, title="HapMap CEU: GeneDAE gene embeddings"),
            "hapmap_embeddings")
run.savefig(plot.loss({"HapMap": hfit["history"]}, title="HapMap CEU: GeneDAE loss"), "hapmap_loss_curves")

# %% [markdown]
# ## What to take from this
# The convergence table and G3 say whether training stopped on its own (patience) before 60 epochs and
# learnt more than allele frequencies; G4 says whether studying a gene alone (the paper's Fig. 3) gives the
# embedding that the full model uses for that gene. Each claim's verdict in this run and across the robustness
# grid (seeds and training budgets), computed from the committed grid tables:

# %%
for c in run.claims.values():
    print(summary.grid_sentence(c, summary.grid_rows(run.output_dir.parent, "01_genedae_embeddings", c.id)))

# %% [markdown]
# Notebook 02 tests the embeddings against disease.
#
# **Try this.**
# 1. Set `budget_scale = 4` (`genenets run 01 -p budget_scale=4`). Predict: does early stopping end training
#    at the same epoch as with the quick cap, and does G3's verdict change? Compare with the ledger row of G3.
# 2. Set the paper's rate, `training["lr"] = 0.0001` (`-p training.lr=0.0001`), with the quick cap. Predict the
#    status in the convergence table ("budget-limited"?), then run.
# 3. Add `"HLA-DRB1"` to `subgraphs["genes"]`: is its |r| with the full model above the seed-to-seed reference?

# %%
run.headline.update({"GeneDAE held-out BCE": fit["test_bce"], "bit-frequency BCE": fit["frequency_bce"],
                     "epochs run": fit["convergence"]["epochs_run"], "chosen lr": fit["lr"],
                     "G4 median |r| alone vs full": run.claims["G4"].evidence["median_abs_r_vs_full"],
                     "HapMap held-out BCE": hfit["test_bce"]})
run.note(f"Dataset {dataset}: simulated MHC cohort (msprime, real chr6 map) instead of UK Biobank; Ensembl 75 "
         "annotation instead of ANNOVAR/RefSeq." if dataset == "mhc-cohort-simulated" else f"Dataset: {dataset}.")
run.finish()
