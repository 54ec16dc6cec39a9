# ---
# jupyter:
#   genenets:
#     paper: Multi-omics integration with autoencoders and graph neural networks (biosynthetic pathway gene discovery
#       from a transcriptome and a metabolome)
#     result: 'Five-stage pipeline: omics autoencoders, sample-graph GAT, gene-metabolite correlation, importance
#       and multi-evidence gene ranking; precision@k of planted pathway genes'
#     params: 09_multiomics_ranking
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
# # 09 Multi-omics gene ranking: autoencoders, a graph attention network and evidence fusion
#
# **Paper.** "Multi-omics integration with autoencoders and graph neural networks": a pipeline that looks for
# the genes of a biosynthetic pathway from a transcriptome (FPKM, 132,129 genes) and a metabolome (6,980
# features) measured on about 20 samples, with tissue and geography labels.
#
# **Method, in five stages** (each can run alone through the `stages` parameter, from the outputs of the
# earlier ones in the content-keyed cache `data/cache/`, keyed by the data's content and the parameters):
# 1. *Preparation*: log2(FPKM + 1) and z-score per gene; metabolite intensities normalized per sample (median
#    or PQN), log2 and z-scored; QC figures and a sample table.
# 2. *Models*: a gene autoencoder and a metabolite autoencoder to a latent of 64 units (dropout 0.3, early
#    stopping with patience 10, 5-fold cross-validation); a graph attention network (GATConv) over a graph of
#    samples built from the concatenated latents, trained on all sample labels at once, checked against a
#    majority-class and a logistic-regression baseline on held-out samples.
# 3. *Analysis*: PCA, t-SNE and UMAP of the latents; the gene x metabolite Spearman matrix with
#    Benjamini-Hochberg FDR.
# 4. *Importance* per gene: reconstruction by the autoencoder, gradient of the latent with respect to the
#    gene, and the GAT's importance of the latent units projected to genes through |corr(gene, latent)|.
# 5. *Ranking*: rank-normalized evidences fused with the `weights` parameter (or a `weights_file`; default 0.4 correlation,
#    0.3 autoencoder, 0.2 GNN, 0.1 homology bonus from a BLAST/HMM hits table).
#
# **Our data differ from the paper's.** The paper's data are not public. The default is a simulation of the
# same shape (20 samples, many genes) with *planted* pathway genes whose expression drives planted
# metabolites, so we can measure what the paper could not: how many planted genes each evidence ranks on top
# (precision@k), over several simulated data sets. The real nutrimouse study (40 mice, 120 liver genes, 21
# fatty acids, diet and genotype) runs through the same five stages with `dataset="nutrimouse"`; any
# genes x samples CSV pair plugs in with `dataset="multiomics-csv"` (`gene_csv`, `metabolite_csv`, `labels_csv`).

# %% tags=["parameters"]
profile = "quick"  # smoke | quick | paper
dataset = "multiomics-simulated"  # multiomics-simulated | nutrimouse | multiomics-csv
seed = 0
device = "auto"  # auto: cuda, then mps, then cpu
output_dir = "../figures/09_multiomics_ranking"
budget_scale = 1.0  # multiplies every training cap (autoencoder and GAT epochs)
stages = [1, 2, 3, 4, 5]  # stages to compute; the others are read from the content-keyed cache
# simulation
n_samples = 20
n_genes = 1000
n_metabolites = 100
n_pathway_genes = 20
n_seeds = 3  # simulated data sets for precision@k (this run's seed and the next ones)
precision_k = 20
# user data (dataset="multiomics-csv"): genes x samples and metabolites x samples CSVs, optional labels and hits
gene_csv = None
metabolite_csv = None
labels_csv = None
gene_scale = "fpkm"  # fpkm | log
homology_table = None  # CSV/TSV with query_gene, family, evalue (replaces the simulated one)
# models (the seed paper: 132,129 -> 8,192 -> 1,024 -> 128 -> 64 and 6,980 -> 1,024 -> 256 -> 64)
gene_hidden = [256, 128]
metabolite_hidden = [128]
latent = 64
dropout = 0.3
ae_lr = 0.001
ae_epochs = 300  # cap; early stopping with ae_patience
ae_patience = 10
ae_batch_size = 32
n_folds = 5
gat_hidden = 16
gat_heads = 4
gat_dropout = 0.3
gat_epochs = 150
gat_lr = 0.005
gat_weight_decay = 0.0005
gat_patience = None  # None: a fixed number of epochs
# ranking
weights = {"correlation": 0.4, "autoencoder": 0.3, "gnn": 0.2, "homology": 0.1}
weights_file = None  # a YAML file with a `weights:` mapping; replaces `weights`
# methods
metabolite_norm = "median"  # median | pqn | none
graph_method = "knn"  # knn | cosine
k_neighbors = 4
cosine_threshold = 0.5
embeddings = ["pca", "tsne", "umap"]
fdr_alpha = 0.05
n_threads = 1  # torch threads: 1 is fastest for these small models on shared cores

# %%
import pandas as pd
import torch
from genenets import datasets, plots, report
from genenets.plotting import multiomics as mplot
from genenets.summaries import multiomics as msum
from genenets.tools import multiomics as mo

torch.set_num_threads(n_threads)
run = report.start_run("09_multiomics_ranking", globals())
cfg = mo.settings(run.params)
sim = dict(n_samples=n_samples, n_genes=n_genes, n_metabolites=n_metabolites, n_pathway_genes=n_pathway_genes)
user = {k: run.read_file(v) for k, v in dict(gene_csv=gene_csv, metabolite_csv=metabolite_csv,
                                             labels_csv=labels_csv).items() if v is not None}
ds = datasets.load(dataset, **(sim | {"seed": seed} if dataset == "multiomics-simulated" else user))
data, truth = ds.data, ds.truth
# %%
if homology_table is not None:
    data.homology = mo.read_homology(run.read_file(homology_table))
run.fallback = ds.fallback
print(ds.fallback or "", data.name, data.shape, "| exclusions:", data.exclusions)
print("weights:", cfg["weights"])

# %% [markdown]
# ## Stage 1: preparation and quality control
# Genes: log2(FPKM + 1), then z-score. Metabolites: each sample divided by its normalization factor
# (`metabolite_norm`), log2, z-score. Look for samples whose distributions or correlations stand apart, and
# whether the labels already separate on the first two principal components.

# %%
with run.timed("stage1"):
    s1, key1 = mo.stage(1, stages, {"data": data, "norm": metabolite_norm, "seed": seed},
                        lambda: mo.stage1(data, metabolite_norm, seed))
prep, meta = s1["prep"], s1["meta"]
run.table(meta, "sample_metadata")
run.savefig(mplot.qc_figure(prep, meta, colour_by=prep.labels.columns[0] if prep.labels.shape[1] else None), "qc")
print("after preparation:", prep.genes.shape, prep.metabolites.shape, "| exclusions:", prep.exclusions)
meta.head()

# %% [markdown]
# ## Stage 2: autoencoders, sample graph and graph attention network
# Each autoencoder is cross-validated (k folds, early stopping on the held-out fold); the fold losses are
# mean squared errors on z-scored data, so **1.0 is the loss of predicting every value by its mean**: a fold
# loss below 1 means the latent generalizes to unseen samples. The final model trains on all samples for the
# median best epoch of the folds.

# %%
graph = dict(graph_method=graph_method, k_neighbors=k_neighbors, threshold=cosine_threshold)
with run.timed("stage2"):
    s2, key2 = mo.stage(2, stages, {"up": key1, "cfg": cfg, "graph": graph},
                        lambda: mo.stage2(prep, cfg, seed, **graph, device=str(run.device)))
fold_losses = pd.concat([s2["ae_g"].fold_losses_, s2["ae_m"].fold_losses_], ignore_index=True)
run.table(fold_losses, "autoencoder_fold_losses")
fig = plots.loss_curves({"genes": s2["ae_g"].history_, "metabolites": s2["ae_m"].history_},
                        title="Final autoencoders (all samples)").figure
run.savefig(fig, "autoencoder_training")
print(f"sample graph: {s2['Z'].shape[0]} samples, {s2['edges'].shape[1] // 2} edges ({graph_method})")
fold_losses.groupby("model")[["best_epoch", "train_loss", "val_loss"]].agg(["mean", "std"]).round(3)

# %% [markdown]
# Held-out accuracy per task: the GAT against the majority class and a logistic regression on the same
# latents (pooled over the cross-validation folds). With a few dozen samples, one sample moves the accuracy by
# 1 / n_samples, so small differences between methods are noise.

# %%
acc = s2["acc"]
run.table(acc, "classifier_accuracy")
run.table(s2["preds"], "classifier_heldout_predictions")
tab = acc.pivot(index="task", columns="method", values="accuracy")
run.metrics["gat_accuracy"] = tab["GAT"].to_dict()
run.metrics["baseline_accuracy"] = {t: {"majority": tab.loc[t, "majority"],
                                        "logistic_regression": tab.loc[t, "logistic regression"]} for t in tab.index}
run.metrics["ae_val_loss"] = fold_losses.groupby("model")["val_loss"].mean().to_dict()
run.savefig(plots.grouped_bars(acc, x="task", y="accuracy", hue="method", title="Held-out accuracy").figure,
            "classifier_accuracy")
for s in msum.classifier_sentences(acc):
    print(s)
    run.note(s)
tab.round(3)

# %% [markdown]
# ## Stage 3: embeddings of the latents and gene-metabolite correlation
# If the autoencoders kept the structure of the samples, samples with the same label sit together in the
# embeddings. The Spearman matrix covers every gene x metabolite pair; the FDR is controlled over all pairs.

# %%
with run.timed("stage3"):
    s3, key3 = mo.stage(3, stages, {"up": key2, "emb": embeddings, "alpha": fdr_alpha},
                        lambda: mo.stage3(prep, s2["Z"], embeddings, fdr_alpha, seed))
run.savefig(mplot.embedding_figure(s3["emb"], prep.labels), "latent_embeddings")
run.savefig(mplot.correlation_heatmap(s3["rho"], s3["q"], alpha=fdr_alpha).figure, "correlation_heatmap")
n_sig = int((s3["q"] < fdr_alpha).to_numpy().sum())
run.metrics["n_significant_pairs"] = n_sig
print(f"{n_sig} of {s3['q'].size} gene-metabolite pairs at BH FDR < {fdr_alpha}")

# %% [markdown]
# ## Stage 4: gene importance
# * *reconstruction*: 1 - per-gene MSE of the cross-validation's held-out reconstructions (with ~20 samples an
#   autoencoder reproduces its training samples for every gene, so only held-out reconstruction can tell genes
#   apart);
# * *gradient*: mean |d latent / d gene| through the gene encoder;
# * *gnn*: the GAT's mean |gradient| of the log-probability of the true labels with respect to each gene-latent
#   unit, projected to genes through |corr(gene, latent unit)|.

# %%
with run.timed("stage4"):
    s4, key4 = mo.stage(4, stages, {"up": key2}, lambda: mo.stage4(prep, s2))
importance = pd.concat([s4["recon"], s4["grad"], s4["gnn"]], axis=1).rename_axis("gene")
run.table(importance.reset_index(), "gene_importance")
importance.corr(method="spearman").round(2)

# %% [markdown]
# ## Stage 5: multi-evidence ranking
# Each evidence becomes a percentile rank (1 = top gene), and the fused score is their weighted sum. The ranked
# list (CSV and Excel) carries every evidence column and the gene family of the best homology hit.

# %%
with run.timed("stage5"):
    s5, _ = mo.stage(5, stages, {"up": [key3, key4], "hits": data.homology, "weights": cfg["weights"]},
                     lambda: mo.stage5(prep, s3, s4, data.homology, cfg["weights"], fdr_alpha))
ranked = s5["ranked"].assign(planted=lambda d: d.index.isin(truth.pathway_genes) if truth else False)
run.table(ranked.reset_index(), "gene_ranking")
mo.write_excel(ranked, run.path("gene_ranking.xlsx"))
print("homology table:", s5["hom_counts"] or "none given (the homology evidence is 0 for every gene)")
run.savefig(mplot.ranking_figure(ranked, cfg["weights"], truth=truth and truth.pathway_genes).figure,
            "ranking_top_genes")
ranked.head(15)

# %% [markdown]
# ## The claim on simulated data: does fusing evidence find the planted genes better than each evidence alone?
# Precision@k = fraction of the k top-ranked genes that are planted pathway genes (k = the number of planted
# genes, so 1.0 is perfect and random ranking gives k / n_genes). This run's data set plus `n_seeds - 1` more
# simulated data sets, each through stages 1-5.

# %%
if truth is not None:
    reps = {seed: (s5["evidence"], truth.pathway_genes)}
    with run.timed("replicates"):
        reps |= mo.replicate_evidence(range(seed + 1, seed + n_seeds), sim, cfg, metabolite_norm, graph_method,
                                      k_neighbors, cosine_threshold, str(run.device))
    prec = mo.replicate_precision(reps, cfg["weights"], [precision_k])
    run.table(prec, "precision_at_k")
    run.metrics["precision_random"] = len(truth.pathway_genes) / prep.genes.shape[1]
    run.savefig(mplot.precision_figure(prec, precision_k, run.metrics["precision_random"]).figure, "precision_at_k")
    summary = prec.groupby("evidence")["precision"].agg(["mean", "std"]).sort_values("mean", ascending=False)
    run.metrics["precision_at_k"] = summary["mean"].to_dict()
    run.metrics["precision_at_k_sd"] = summary["std"].to_dict()
    display(summary.round(3))

# %% [markdown]
# ## What the run shows

# %%
run.finish()
