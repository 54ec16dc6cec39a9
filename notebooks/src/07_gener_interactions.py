# ---
# jupyter:
#   genenets:
#     paper: 'Fakhry et al. GENER: a parallel layer deep learning network to detect gene-gene interactions from gene
#       expression data'
#     result: Table 3 (GENER vs CNN-only), Table 4 (GENER vs baselines), Figs. 2-5 (ROC/PR), with gene-disjoint splits
#     params: 07_gener_interactions
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
# # 07 GENER: gene-gene interactions from expression, two GENER variants, two benchmarks
#
# **Paper.** Fakhry et al., *GENER: a parallel layer deep learning network to detect gene-gene interactions from
# gene expression data*. GENER reads the expression vectors of two genes and predicts whether they interact
# (BioGRID physical/genetic interactions and DREAM5 regulations, yeast).
#
# **Claims tested** (declared below, with their rules, before any result): E1 the parallel network beats its
# CNN-only branch (Table 3); E2 GENER > GNE > node2vec > correlation (Table 4); E3 (ours) GENER beats
# expression-free baselines when a gene's degree carries no signal.
#
# **Two GENER variants.** The paper's *text* (a CNN of three 1-D convolutions on the 2 x L matrix of the two genes,
# and a two-layer MLP of 128 units on their element-wise product; Adam) and the authors' *code* (`Shallow_M`: a
# 2x2 then 1x1 convolution with 16 and 8 filters and a 32-unit dense layer, a product branch of two 256-unit
# layers, dropout 0.5 everywhere, SGD at 0.01 decayed by 0.8 every 2,500 steps, batch 64). Each is compared with its
# own CNN-only ablation. All models train with early stopping on a validation split (never the test split) up to
# an epoch cap; the convergence table says which stopped by patience and which by the cap, and flags any model
# whose best validation loss is within 5% of ln 2 (a model that learned nothing).
#
# **Two benchmarks.** The paper's pairs are hub-biased: positives involve high-degree genes far more often than
# random negatives do, so a model that only *recognises hubs* scores well. The *degree-balanced* benchmark keeps
# the positives and draws new negatives from non-interacting pairs so that every gene appears exactly as often
# among negatives as among positives: a degree-only score is then at chance by construction. Each benchmark is
# split at random (the paper's 80/10/10) and gene-disjointly (C1 both genes seen in training, C2 one, C3 none).
#
# **How our data differ.** The paper used the 536-array DREAM5 network-4 compendium, which no public mirror these
# machines reach carries. We use GENER's own BioGRID&DREAM5 pairs mapped to ORFs, with the 50-array yeast
# cell-cycle matrix of netZooR (2,555 ORFs): fewer pairs have both genes measured and each vector is ~10x shorter,
# so every expression-reading method has less to read. A simulator stands in only when the files cannot be had.
#
# **Budget.** The quick profile draws 3,000 of the 33,442 mappable pairs: with all of them one epoch of one GENER
# model costs 10-18 s of CPU and this notebook trains 16 of them. Measured on 3,000 pairs: about 370 s of kernel CPU
# (the last cell prints this run's), above the 3-4 minute target, and the authors' variant (batch 64) takes about
# 60% of it. Subsampling also weakens the hub confound (degree-only AUROC about 0.66 at 3,000 pairs against 0.81
# with all pairs), so the paper profile (`max_pairs: null`) is the one to read for the all-pairs picture.

# %% tags=["parameters"]
profile = "quick"  # smoke | quick | paper
dataset = "auto"  # auto (yeast, the simulator only if the files cannot be had), yeast, or gener-simulated
seed = 0
device = "auto"  # auto: cuda, then mps, then cpu
output_dir = "../figures/07_gener_interactions"
label_set = "gener"  # gener (GENER's BioGRID&DREAM5 pairs) or dream5 (network-4 gold standard)
preprocessing = "standardize"  # standardize or quantile, both in the paper
max_pairs = 3000  # pairs drawn at random from the 33,442 mappable ones; None keeps all (about 10x slower)
epochs = 8  # epoch cap of every GENER model (early stopping on validation)
budget_scale = 1.0  # multiplies every training cap (epochs) for the robustness grid
patience = 2
gne_epochs = 20
node2vec_walks = 6
heldout_gene_fraction = 0.3
skip_methods = []  # methods left out, e.g. node2vec whose numba compilation takes 15 s
torch_threads = 1  # one torch thread is faster than two on a shared 2-core machine
sim_genes = 2000  # simulated dataset only
sim_arrays = 100
sim_positive = 8000
sim_signal = 0.3

# %%
import time

import matplotlib.pyplot as plt
import pandas as pd
import torch
from IPython.display import Markdown

from genenets import datasets, report, train
from genenets.plotting import gener as gplot
from genenets.summaries import gener as gsum
from genenets.tools import gener

run = report.start_run("07_gener_interactions", globals())
torch.set_num_threads(torch_threads)

# %% [markdown]
# ## Claims and the rules that decide them
# Written before any model is trained. AUROC is the paper's micro-average over the two classes.

# %%
for cid, (text, ref, paper_value) in gsum.CLAIMS.items():
    run.claim(cid, text, ref, rule=gsum.RULES[cid], paper_value=paper_value)
pd.DataFrame(gsum.RULES.items(), columns=["claim", "rule"])

# %% [markdown]
# ## Data: expression matrix and labelled pairs
# Pairs are mapped from network-4 indices to ORFs and kept when both genes are measured (exclusions counted
# below); genes with missing values are dropped; labels are balanced 1:1 by seeded undersampling.

# %%
sim = dict(n_genes=sim_genes, n_arrays=sim_arrays, n_positive=sim_positive, signal=sim_signal, seed=seed)
if dataset == "gener-simulated":
    ds = datasets.load(dataset, **sim)
else:
    ds = datasets.load("yeast", auto=dataset == "auto", label_sets=[label_set], fallback_params=sim)
run.fallback = ds.fallback
data = gener.prepare(ds.data, preprocessing=preprocessing, max_pairs=max_pairs, seed=seed)
main = label_set if label_set in data.pairs else next(iter(data.pairs))
for note in ([ds.fallback] if ds.fallback else []) + data.notes:
    run.note(note)
    print(note)
run.table(data.exclusions, "pair_exclusions")
data.exclusions

# %%
fig = gplot.overview(data.expression, data.pairs[main], title=f"{main}: {len(data.pairs[main]):,} balanced pairs")
run.savefig(fig, "data_overview")

# %% [markdown]
# ## Splits and the degree-balanced benchmark
# The paper's random split of pairs (80/10/10) and a gene-disjoint split in which a random share of the genes is
# held out of training. The degree-balanced benchmark keeps every part's positives and re-draws its negatives as a
# configuration model *within that part* (each gene keeps one "stub" per positive pair, stubs are paired at random,
# and self pairs, known interactions and duplicates are repaired by swapping partners), so that inside every test
# set each gene is as often among negatives as among positives. Genes that could not be balanced are listed (none
# is the goal); the next table gives every part's size and positives.

# %%
original = gener.make_splits(data.pairs[main], heldout_gene_fraction=heldout_gene_fraction, seed=seed)
balanced = {scheme: gener.degree_balanced_split(split, seed=seed) for scheme, split in original.items()}
splits = {"original": original, "degree-balanced": {scheme: b[0] for scheme, b in balanced.items()}}
failures = pd.concat([b[1].assign(scheme=scheme) for scheme, b in balanced.items()], ignore_index=True)
run.table(failures, "degree_balance_failures")
print(f"genes that could not be balanced: {len(failures)}")
sizes = pd.concat([s.sizes().assign(benchmark=bm) for bm, by in splits.items() for s in by.values()])
run.table(sizes, "split_sizes")
sizes

# %% [markdown]
# ## Training and evaluation
# Every method is fitted on the same training pairs and scored on every test set: both GENER variants and their
# CNN-only ablations; GNE as its paper describes it (an unsupervised embedding of each gene from its id, i.e. its
# place in the *training* interaction graph, and its expression, trained to predict graph neighbours; then a
# logistic regression on the product of two genes' embeddings); node2vec on the training graph (pecanpy) with the
# same link predictor; |Pearson| and |Spearman| correlation; and a degree-only score that reads no expression.
# The column `auroc_class1` is the ordinary AUROC of the interaction class (chance 0.5 whatever the balance).
# Remaining differences from the published GNE: genes outside the training graph keep a zero id embedding, and one
# hidden layer of 64 units is used.

# %%
methods = lambda: gener.default_methods(  # noqa: E731
    data.expression, epochs=round(epochs * budget_scale), patience=patience,
    gne_epochs=round(gne_epochs * budget_scale), node2vec_walks=node2vec_walks, seed=seed, device=run.device,
    skip=skip_methods)
results = {bm: {scheme: gener.benchmark(split, methods(), timer=lambda label, bm=bm: run.timed(f"{bm}:{label}"))
                for scheme, split in by.items()} for bm, by in splits.items()}
table = gener.results_table(results)
run.table(table, "all_metrics")
table.round(3)

# %% [markdown]
# ## Convergence
# How each trained model's training ended: stopped by patience ("converged") or by the epoch cap
# ("budget-limited"), and its best validation loss against ln 2 ("did not learn" when within 5%). A claim that rests
# on a flagged model is marked not robust in the ledger.

# %%
convergence = run.convergence_table(train.convergence_table(gener.histories(results)))
convergence.round(3)

# %% [markdown]
# ## Table 3 and Table 4, on both benchmarks
# One CSV per benchmark and test split (`table3_*`: GENER variants and their CNN-only ablations; `table4_*`: all).

# %%
for (bm, split), t in gener.per_split_tables(table, [m for m in gener.DEEP]).items():
    run.table(t, f"table3_{bm}_{split}")
for (bm, split), t in gener.per_split_tables(table).items():
    run.table(t, f"table4_{bm}_{split}")
table.pivot_table(index=["benchmark", "split"], columns="method", values="auroc", sort=False).round(3)

# %% [markdown]
# ## How much of each method's AUROC survives degree balancing
# First figure: AUROC by test split on each benchmark (the paper's values as black diamonds on the original random
# split). Second figure: each method's random-split AUROC before and after balancing. A method that only recognises
# hubs falls to 0.5; one that reads the two genes' relationship from expression keeps its margin.

# %%
fig, axes = plt.subplots(2, 1, figsize=(11, 9))
for ax, bm in zip(axes, splits):
    gplot.metric_bars(table[table["benchmark"] == bm], paper=gsum.PAPER_BY_METHOD if bm == "original" else None,
                      title=f"AUROC by test split: {bm} benchmark", ax=ax)
fig.tight_layout()
run.savefig(fig, "auroc_by_split")

# %%
surv = gsum.survival(table)
run.table(surv, "degree_balancing_survival")
ax = gplot.survival_bars(surv)
run.savefig(ax.figure, "degree_balancing_survival")
surv.round(3)

# %% [markdown]
# ## ROC and precision-recall curves (Figs. 2-5), original benchmark
# One row per test set, class 1 (interaction). A gene unseen in training has degree 0 and no graph embedding, so
# degree and node2vec give many tied scores on C2/C3 (the straight segments).

# %%
for scheme, res in results["original"].items():
    fig = gplot.roc_pr(res.scores, res.labels, title_prefix="original, ")
    run.savefig(fig, f"roc_pr_original_{scheme.replace('-', '_')}")
    plt.show()

# %% [markdown]
# ## Verdicts
# Each rule reads the table above (functions in `genenets.summaries.gener`). One seed in the notebook: the robustness
# grid re-decides each claim at 3 seeds and 1x/4x/16x epoch caps (`notebooks/robustness.yaml`).

# %%
budgets = [round(epochs * budget_scale), round(gne_epochs * budget_scale)]
rests_on = {"E1": ("original", gener.DEEP), "E2": ("original", ["GENER (paper)", "GENER (authors)", "GNE"]),
            "E3": ("degree-balanced", ["GENER (paper)", "GENER (authors)"])}
figures = {"E1": "auroc_by_split.png", "E2": "auroc_by_split.png", "E3": "degree_balancing_survival.png"}
for cid, rule in [("E1", gsum.e1), ("E2", gsum.e2), ("E3", gsum.e3)]:
    verdict, evidence, why = rule(table)
    bm, models = rests_on[cid]
    run.decide(cid, verdict, evidence=evidence, seeds=1, budgets=budgets, why=why, figure=figures[cid],
               models=[f"{bm}/random/{m}" for m in models],
               ours=", ".join(f"{k} {v:.3f}" for k, v in evidence.items()))
pd.DataFrame([{k: c.as_dict()[k] for k in ("id", "verdict", "robust", "why", "ours")} for c in run.claims.values()])

# %% [markdown]
# ## Paper vs this run
# The paper's Table 4 (536 DREAM5 arrays, its random split) beside ours (50 cell-cycle arrays, the same kind of
# split, original benchmark). The sentences below are computed from the table.

# %%
gsum.record_metrics(run, table)
run.headline.update(gsum.headline(table))
t4 = gsum.paper_table4(table)
run.table(t4, "paper_vs_ours_table4")
t4.round(3)

# %% [markdown]
# ## In words: who wins where, and the verdicts
# Computed from this run's tables (not typed in), so they always match the numbers above.

# %%
lines = gsum.summary_sentences(table) + [f"{c.id} ({c.claim}): **{c.verdict}**" + ("" if c.robust else
                                         f" (not robust: {c.why})") for c in run.claims.values()]
for line in lines:
    run.note(line.replace("**", ""))
Markdown("\n".join(f"- {line}" for line in lines))

# %% [markdown]
# ## Interpretation
# Read the verdict table with the convergence table: a GENER model whose best validation loss stays within 5% of
# ln 2 learned little from 50 arrays, and the ledger marks the claims resting on it as not robust rather than as
# plain losses. On the original benchmark the degree-only score, which reads no expression, is the yardstick every
# method must beat; on the degree-balanced benchmark it sits at chance, so what remains above 0.5 there is what a
# method reads from the genes' expression (or, for the graph methods, from who interacts with whom beyond counts).
#
# ## Try this
# 1. Set `max_pairs = None` (all 33,442 pairs; about 10x slower). Predict: GENER gains a little on the original
#    benchmark, the degree-only score barely moves. Run it and compare E1/E3 with the ledger.
# 2. Set `budget_scale = 4`. Predict: models flagged "budget-limited" in the convergence table now stop by patience;
#    does any verdict change?
# 3. Set `label_set = "dream5"` (TF -> target regulations). Predict: hubs (transcription factors) dominate even more;
#    how much of each method's AUROC survives degree balancing there?

# %%
cpu = time.process_time()
run.note(f"Kernel CPU time of this run: {cpu:.0f} s (single-threaded torch: about its wall time on a quiet machine).")
print(f"kernel CPU time {cpu:.0f} s")
run.finish()
