# ---
# jupyter:
#   genenets:
#     paper: Using Neural Networks to Identify Gene Regulatory Relationships (RNN, CNN and autoencoder + NN on DREAM4
#       regulator/target pairs)
#     result: Fig. 2 feature distributions; Fig. 11-12 AUPR and AUROC per DREAM4 network (DREAM scoring), fair-budget baselines, all-data methods; claims R1-R4
#     params: 08_grn_dream4
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
# # 08 Gene regulatory relationships on DREAM4: neural networks, fair baselines and all of DREAM4's data
#
# **Paper.** "Using Neural Networks to Identify Gene Regulatory Relationships". The authors cut the DREAM4
# in-silico size-100 time series into one record per ordered gene pair (regulator first, target second;
# label 1 if the gold standard has the direct edge) and train three supervised classifiers on balanced pairs:
# an **LSTM** on the 21 x 2 sequence of the two genes, a **LeNet-5-style CNN** on the 1 x 2 x 21 "image",
# and an **autoencoder** that compresses each gene's time course to 3 numbers followed by a **two-branch pair
# network**. They report AUPR / AUROC per network (Fig. 11, 12) and compare them with the DREAM4 top teams.
#
# **What we add.** (1) DREAM's own scoring: every directed pair of a network (9,900 for 100 genes), the
# challenge's interpolated AUPR and its AUROC, with scikit-learn's average precision beside them, and an
# approximation of the challenge's p-value-based overall score. (2) Two protocols: (a) the paper's random split of
# pairs within the networks and (b) leave one network out (train on four networks, score the fifth), the
# honest test of a supervised method. (3) Fair budgets: every neural model stops early on a validation split
# of its *training* pairs (never test pairs) up to an epoch cap, its width and learning rate are chosen there, and a
# convergence table says which models converged, hit the cap ("budget-limited") or did not learn; tree
# ensembles get at least 300 trees and dynGENIE3 estimates its decay rates from the data, as its paper does.
# (4) DREAM4's other data, which the paper leaves unused: knockouts, knockdowns, wild type and multifactorial
# steady states, and a small neural network that combines the unsupervised scores, trained leave-one-network-out.

# %% [markdown]
# **How our data and settings differ.** The data are the real DREAM4 size-100 files (registry `dream4/`). The
# quick profile is sized for about 2.5 minutes on 2 quiet CPU cores (`run.json` records this run's CPU and wall
# time), so it trains the neural models with an epoch cap ended by early stopping, repeats leave-one-network-out
# for one seed, and grows 300 extremely randomized trees per target (compiled, targets in parallel) where the
# GENIE3 papers grow 1,000 random-forest trees (the paper profile). The multifactorial sub-challenge renamed the
# genes; its gold standard's `Mapping` files give each gene's size-100 name, and we read the data under those. Each neural model reads one series of a pair at a time and scores the pair by the mean of its series'
# logits, trained and validated on pairs (the pair is what is ranked). The neural models see each gene z-scored
# within its network; the baselines use the raw values. The `dream4-simulated` dataset (a GeneNetWeaver-like
# simulator with time series, knockouts, knockdowns and multifactorial data) replaces DREAM4 in the smoke test
# and when the files are absent.

# %% [markdown]
# **Parameters.** Six top-level values (`profile`, `dataset`, `seed`, `budget_scale`, `device`, `output_dir`),
# then one dict per group; set one key with `genenets run 08 -p neural.epochs=120` (a profile file or `-p` gives
# part of a group, the others keep these values). `budget_scale` multiplies every training cap (neural and
# combination epochs, trees). Keys: meaning (quick value; paper profile / the paper's value):
#
# | group | keys |
# |---|---|
# | `data` | `n_networks` (5 of DREAM4's 5), `n_genes` of simulated networks (100), `check_genes`: size of the simulated ground-truth check (100; 1,000), `standardize` genes before the neural models (True), `test_fraction` of each network's pairs held out in the random split (0.5) |
# | `neural` | `epochs` cap of the pair classifiers (60; paper 75), `ae_epochs` cap of the autoencoder (100), `patience` of early stopping (5; 10), `val_fraction` of the training pairs held out for it (0.2), `batch_size` in pairs (50; 100), `series_per_pair` seen in training (None: all 10) |
# | `search` | `widths` of the LSTM and the AE+NN pair network (16; 16, 32, 64; paper 32) and `lrs` learning rates (0.003, 0.01; paper 0.01 for the LSTM) tried, chosen on validation loss |
# | `protocols` | `n_seeds` of the random split (2; 3), `lono_seeds` of leave one network out (1; 3) |
# | `trees` | `n_estimators` per target (300; papers 1,000), `method` ET or RF (ET; RF, the papers' default), `networks` they run on (5), `methods` (GENIE3, dynGENIE3, GENIE3_steady; + GENIE3_multifactorial) |
# | `combination` | `epochs` cap (200; 500) and `seeds` (3) of the supervised combination |
# | `compute` | `torch_threads` (1: small models on shared cores), `tree_jobs`: threads over target genes (2) |

# %% tags=["parameters"]
profile = "quick"  # smoke | quick | paper
dataset = "dream4"  # dream4 | dream4-simulated | auto (dream4 if its files can be had, else dream4-simulated)
seed = 0
budget_scale = 1.0  # multiplies every training cap (epochs, trees) for the robustness grid
device = "auto"  # auto: cuda, then mps, then cpu
output_dir = "../figures/08_grn_dream4"
data = dict(n_networks=5, n_genes=100, check_genes=100, standardize=True, test_fraction=0.5)  # networks, inputs
neural = dict(epochs=60, ae_epochs=100, patience=5, val_fraction=0.2, batch_size=50, series_per_pair=None)  # fits
search = dict(widths=[16], lrs=[0.003, 0.01])  # tried on validation pairs of the training networks
protocols = dict(n_seeds=2, lono_seeds=1)  # seeds of the random split and of leave one network out
trees = dict(n_estimators=300, method="ET", networks=5, methods=["GENIE3", "dynGENIE3", "GENIE3_steady"])  # trees
combination = dict(epochs=200, seeds=3)  # the supervised combination of all-data scores
compute = dict(torch_threads=1, tree_jobs=2)  # threads

# %%
import numpy as np
import pandas as pd
import torch

from genenets import claims, datasets, report, train
from genenets.plotting import grn as grn_plots
from genenets.simulate import grn as grn_sim
from genenets.summaries import grn as grn_summary
from genenets.tools import grn

# %%
run = report.start_run("08_grn_dream4", globals())
torch.set_num_threads(compute["torch_threads"])
seeds, lono_seeds = ([seed + k for k in range(protocols[n])] for n in ("n_seeds", "lono_seeds"))
fit_kw = grn.scale_caps(neural, budget_scale, ("epochs", "ae_epochs"))
tree_kw = dict(n_estimators=grn.scale_caps(trees, budget_scale, ("n_estimators",))["n_estimators"],
               tree_method=trees["method"], seed=seed, n_jobs=compute["tree_jobs"])
combo_cap = grn.scale_caps(combination, budget_scale, ("epochs",))["epochs"]

# %% [markdown]
# ## The claims and the rules that decide them (written before any result)
# R1 and R2 are the paper's; R3 and R4 are the compendium's own. The DREAM4 top teams' numbers are not
# available offline, so R1 compares the neural models with our best all-data method as their stand-in (the top
# DREAM4 teams used all data types); it can therefore never be a plain "reproduced" and is flagged not robust.

# %%
run.claim("R1", "The neural models beat the DREAM4 top methods on AUPR but not on AUROC", "Figs. 11-12, text",
          rule="mean over networks, leave one network out, DREAM AUPR and AUROC: best neural model vs the stand-in "
               "(our best all-data method); votes: neural AUPR > stand-in AUPR, neural AUROC <= stand-in AUROC; "
               "both: reproduced, neither: not reproduced, one: mixed")
run.claim("R2", "The AE+NN is the strongest of the three neural models, the RNN close, the CNN weakest",
          "Figs. 11-12", rule="mean DREAM AUPR over networks under the paper's random split, per seed: AE+NN > "
                              "LSTM > CNN (both adjacent pairs: reproduced; neither: not; one: mixed); the verdict "
                              "of seed 0, robust when every seed agrees")
run.claim("R3", "A supervised pair classifier trained on other networks transfers to an unseen network",
          "compendium", rule="best neural model (mean LONO AUPR): on each held-out network its DREAM AUPR >= 2 x "
                             "the edge density; all networks: reproduced, none: not reproduced, some: mixed")
run.claim("R4", "Using all of DREAM4's data types beats using the time series alone", "compendium (beyond the paper)",
          rule="mean DREAM AUPR over the networks both ran on: best all-data method vs best time-series method "
               "(neural or unsupervised); claims.greater with margin 0.02")

# %% [markdown]
# ## The data
# Each network: 10 perturbation time series x 21 time points x genes; steady states after knocking out and
# knocking down each gene, the wild type, and 100 multifactorial experiments (small random changes of all
# genes at once); and a gold standard of every ordered pair. The edge density is the AUPR of a random ranking.

# %%
sim_params = dict(n_networks=data["n_networks"], n_genes=data["n_genes"], seed=seed)
with run.timed("load"):
    ds = datasets.load("dream4" if dataset == "auto" else dataset, auto=dataset == "auto", fallback_params=sim_params,
                       **(sim_params if dataset == "dream4-simulated" else dict(n_networks=data["n_networks"])))
run.fallback = ds.fallback
print(ds.fallback or f"dataset {ds.name}: {ds.provenance.get('kind')}")
networks = ds.data
overview = grn.network_overview(networks)
run.table(overview, "networks")
run.metrics["n_pairs_per_network"] = int(overview["ordered pairs"].iloc[0])
run.paper["n_pairs_per_network"] = 9900  # DREAM4 size 100: 100 x 99 directed pairs
overview

# %%
ax = grn_plots.timecourses(networks[0])
run.savefig(ax.figure, "timecourses");

# %% [markdown]
# ## Fig. 2: do simple pair features separate regulatory from other pairs?
# For every ordered pair: Pearson correlation of the two genes over all time points, the correlation of the
# regulator at time t with the target at t + 1 (time-lagged), and their mutual information (quantile bins).
# The more the two distributions overlap, the harder any pair classifier's task.

# %%
features = pd.concat([grn.pair_feature_table(net) for net in networks], ignore_index=True)
run.savefig(grn_plots.feature_distributions(features), "fig2_feature_distributions")
features.groupby("label")[["correlation", "lagged_correlation", "mutual_information"]].agg(["mean", "std"]).round(3)

# %% [markdown]
# ## Time-series baselines at their papers' settings
# Correlation, time-lagged correlation and mutual information need no training. GENIE3 fits one tree ensemble
# per target and scores regulators by importance; dynGENIE3 predicts each gene's rate of change plus its decay
# (rates estimated from the data). Their tree budget is checked on validation data first: the regressions are
# fitted on 8 series and scored (R²) on the other 2, at the chosen budget and a smaller one. The trees run on
# the first `trees["networks"]` networks (all five in quick). Our GENIE3 was checked against arboreto's, the
# reference implementation, on network 1 (`dev/check_genie3_arboreto.py`; the numbers are in
# `figures/checks/`): with the same random forests the two agree far beyond the seed-to-seed
# noise and score the same DREAM AUPR.

# %%
n_trees, times0 = tree_kw["n_estimators"], getattr(networks[0], "times", None)
with run.timed("tree_budget"):
    budget_check = grn.tree_budget_validation(networks[0].timeseries, times0, sorted({max(1, n_trees // 3), n_trees}),
                                              tree_method=trees["method"], seed=seed, n_jobs=compute["tree_jobs"])
run.table(budget_check, "tree_budget_validation")
with run.timed("baselines"):
    ts_mats = [grn.baseline_scores(net, grn.time_series_methods(trees["methods"], k < trees["networks"]), **tree_kw)
               for k, net in enumerate(networks)]
budget_check

# %% [markdown]
# ## Fig. 11-12: the neural pair classifiers under both protocols, with fair budgets
# Each fit holds out `neural["val_fraction"]` of its training pairs (never test pairs) for early stopping
# (patience `neural["patience"]`, cap `neural["epochs"]`); the width of the LSTM and of the AE+NN pair network
# and each model's learning rate (`search`) are chosen on the first random-split validation set (the CNN is
# LeNet-5's fixed architecture). Under (b) each model is trained five times, once per held-out network.

# %%
with run.timed("protocols"):
    proto = grn.run_protocols(networks, baseline_matrices=ts_mats, seeds=seeds, lono_seeds=lono_seeds, **fit_kw,
                              **search, test_fraction=data["test_fraction"], standardize=data["standardize"],
                              device=str(run.device))
results, summary = proto.results, grn.summarize(proto.results)
run.table(results, "scores_per_seed")
run.table(summary.round(4), "aupr_auroc_per_method_network_protocol")
run.table(proto.widths, "width_search")
print(grn_summary.search_sentence(proto.widths))
summary[summary["network"] == "mean"].drop(columns=["network"]).round(3)

# %% [markdown]
# ### Convergence: did each neural model learn, and did early stopping or the cap end its training?
# `did not learn`: best validation loss within 5% of a model that learned nothing (the entropy of the validation
# pairs' edge share: ln 2 for the balanced pairs here; for the combination, trained on all pairs with ~2% edges,
# about 0.1); `budget-limited`: the epoch cap stopped it while it was still improving. Neither is ranked as a
# loser. (Non-chosen fits of the search are listed too.)

# %%
convergence = train.convergence_table(proto.histories)
run.convergence_table(convergence)
convergence.groupby([convergence["model"].str.split(" | ", regex=False).str[0], "status"]).size().unstack(fill_value=0)

# %%
run.savefig(grn_plots.metric_per_network(summary[summary["network"] != "mean"], "aupr"), "fig11_aupr_per_network")
run.savefig(grn_plots.metric_per_network(summary[summary["network"] != "mean"], "auroc"), "fig12_auroc_per_network");

# %% [markdown]
# ## All of DREAM4's data
# - **Knockout z-score**: how far each gene moves from its wild-type level when gene i is deleted, in units of
#   its SD over the knockouts; the same for knockdowns.
# - **Down-ranking indirect edges**: an edge i -> j is moved down when a path i -> k -> j has both steps
#   stronger (a transitive-reduction step on the knockout graph, as the DREAM4 best performers did).
# - **GENIE3 on steady states** (knockouts + knockdowns + multifactorial + wild type) and on the multifactorial
#   experiments alone, and |correlation| over the multifactorial experiments.

# %%
with run.timed("steady_states"):
    ss_mats = [grn.steady_state_scores(net, **tree_kw, trees=[m for m in trees["methods"] if m in grn.STEADY_TREES]
                                       if k < trees["networks"] else ()) for k, net in enumerate(networks)]
labels = [net.adjacency()[grn.ordered_pairs(len(net.genes))] for net in networks]

# %% [markdown]
# ### A supervised combination, trained leave one network out (the compendium's "neural" contribution)
# A small neural network reads, for every ordered pair, its rank and within-target / within-regulator z-scores
# under each unsupervised method that runs on all networks (and the reverse pair's rank), and predicts the
# edge. It is trained on three networks, stopped early on a fourth and scores the fifth, for each network.

# %%
combo_inputs = [{**{m: s for m, s in ss.items() if "GENIE3" not in m},
                 **{m: s for m, s in ts.items() if m in grn.BASELINES[:3]}} for ss, ts in zip(ss_mats, ts_mats)]
feats = [grn.pair_features(m)[0] for m in combo_inputs]
combo_scores, combo_hist = {}, {}
with run.timed("combination"):
    for s in [seed + k for k in range(combination["seeds"])]:
        preds, hist = grn.combine_leave_one_network_out(feats, labels, seed=s, epochs=combo_cap, device=str(run.device))
        combo_scores[s] = preds
        combo_hist.update({f"combination | LONO {networks[h].name} | seed {s}": v for h, v in hist.items()})
run.convergence_table(train.convergence_table(combo_hist), "convergence_combination")
combo_mats = [grn.matrix_from_pairs(np.mean([combo_scores[s][k] for s in combo_scores], axis=0), len(net.genes))
              for k, net in enumerate(networks)]

# %% [markdown]
# ## Every method scored as DREAM scored it
# One row per method and network: DREAM AUPR and AUROC, average precision beside them, and the log10 p-values
# against random rankings; the means below add the DREAM4 overall score, -0.5 log10(p_AUPR x p_AUROC) with the
# p-values' geometric means over networks (our p-values approximate the organisers' null distributions).

# %%
kinds = {**{m: "time series" for m in grn.BASELINES}, **{m: "all data" for m in ss_mats[0]},
         "multifactorial_correlation": "multifactorial", "GENIE3_multifactorial": "multifactorial",
         "combination (LONO)": "all data, supervised"}
mats = [{**ts, **ss, "combination (LONO)": cm} for ts, ss, cm in zip(ts_mats, ss_mats, combo_mats)]
table = pd.concat([grn.method_table(networks, mats, kinds), grn.neural_table(results)], ignore_index=True)
run.table(table.round(5), "dream_scores_per_method_network")
means = grn_summary.method_means(table)
run.table(means.round(4), "dream_scores_mean")
print(grn_summary.winners_sentence(means))
means.round(3)

# %%
fig_table = table.assign(protocol="leave_one_network_out")
ax = grn_plots.metric_bars(fig_table, "aupr", title="DREAM AUPR per network, every method (neural: leave one network out)")
ax.figure.set_size_inches(14, 4.5)
run.savefig(ax.figure, "dream_aupr_all_methods");

# %% [markdown]
# ## Verdicts
# Each rule declared at the top is applied to the numbers above; the convergence table makes a claim not robust
# when it rests on a model that did not learn or hit its cap.

# %%
lono = summary[summary["protocol"] == "leave_one_network_out"]
best_nn = grn_summary.best(summary, "leave_one_network_out", "neural")
combo_mean = means.set_index("method").loc["combination (LONO)"]
nn_fits = [m for m in convergence["model"] if "LONO" in m and m.startswith(best_nn["method"] + " |")]
run.decide("R1", grn_summary.r1_verdict(best_nn["aupr"], best_nn["auroc"], combo_mean["aupr"], combo_mean["auroc"]),
           evidence={f"{best_nn['method']} AUPR": best_nn["aupr"], f"{best_nn['method']} AUROC": best_nn["auroc"],
                     "stand-in AUPR": combo_mean["aupr"], "stand-in AUROC": combo_mean["auroc"]},
           robust=False, why="the DREAM4 top teams' numbers are not offline; stand-in: our all-data combination",
           seeds=len(lono_seeds), budgets=[fit_kw["epochs"]], figure="dream_aupr_all_methods.png",
           models=nn_fits + list(combo_hist),
           ours=f"{best_nn['method']} AUPR {best_nn['aupr']:.3f} / AUROC {best_nn['auroc']:.3f} vs stand-in "
                f"{combo_mean['aupr']:.3f} / {combo_mean['auroc']:.3f}")

# %%
r2_seeds = grn_summary.per_seed_verdicts(results, grn_summary.r2_verdict, "random_split")
rs = summary[(summary["protocol"] == "random_split") & (summary["network"] == "mean")].set_index("method")["aupr"]
run.decide("R2", r2_seeds[seeds[0]], evidence={f"{m} AUPR (random split)": rs[m] for m in grn_summary.NEURAL_ORDER},
           robust=claims.robust_across(r2_seeds.values()) and len(r2_seeds) > 1,
           why="" if claims.robust_across(r2_seeds.values()) else f"verdict per seed: {r2_seeds}", seeds=len(r2_seeds),
           budgets=[fit_kw["epochs"]], figure="fig11_aupr_per_network.png",
           models=[m for m in convergence["model"] if "random split |" in m and not m.startswith("AE of")],
           ours=", ".join(f"{m} {rs[m]:.3f}" for m in grn_summary.NEURAL_ORDER), paper_value="AE+NN > RNN > CNN")

# %%
per_net = lono[(lono["method"] == best_nn["method"]) & (lono["network"] != "mean")]
r3 = grn_summary.r3_verdict(dict(zip(per_net["network"], per_net["aupr"])),
                            dict(zip(per_net["network"], per_net["random_aupr"])))
run.decide("R3", r3, evidence={**{f"{best_nn['method']} AUPR {n}": a for n, a in zip(per_net["network"], per_net["aupr"])},
                               "mean edge density": per_net["random_aupr"].mean()},
           seeds=len(lono_seeds), budgets=[fit_kw["epochs"]], figure="fig11_aupr_per_network.png", models=nn_fits,
           ours=f"{best_nn['method']} mean AUPR {best_nn['aupr']:.3f} (random {best_nn['random_aupr']:.3f})")

# %%
combo_seed_aupr = {s: {n.name: grn.evaluate(y, p)["aupr"] for n, y, p in zip(networks, labels, preds)}
                   for s, preds in combo_scores.items()}
r4_per_seed = {s: grn_summary.r4_verdict(*(r["aupr"] for r in grn_summary.r4_means(
    grn_summary.replace_aupr(table, "combination (LONO)", v)))) for s, v in combo_seed_aupr.items()}
r4_all, r4_ts = grn_summary.r4_means(table)
run.decide("R4", grn_summary.r4_verdict(r4_all["aupr"], r4_ts["aupr"]),
           evidence={f"all data: {r4_all['method']}": r4_all["aupr"], f"time series: {r4_ts['method']}": r4_ts["aupr"],
                     "n_networks": r4_all["n_networks"]},
           robust=claims.robust_across(r4_per_seed.values()), why="" if claims.robust_across(r4_per_seed.values())
           else f"verdict per combination seed: {r4_per_seed}", seeds=len(r4_per_seed), budgets=[combo_cap, n_trees],
           figure="dream_aupr_all_methods.png", models=list(combo_hist) if "combination" in r4_all["method"] else None,
           ours=f"{r4_all['method']} {r4_all['aupr']:.3f} vs {r4_ts['method']} {r4_ts['aupr']:.3f}")

# %% [markdown]
# ### Each verdict in a sentence, and whether seeds and budgets agree
# Built from this run's claim records and per-seed verdicts. Within one run every model has one training budget;
# the robustness grid (`notebooks/robustness.yaml`: 3 seeds x `budget_scale` 1, 4, 16) re-decides each claim
# and REPORT.md's ledger marks it robust only when every run agrees.

# %%
per_seed = {"R2": r2_seeds, "R4": r4_per_seed}
for sentence in grn_summary.verdict_sentences(run.claims.values(), per_seed):
    print(sentence)
pd.DataFrame([c.as_dict() for c in run.claims.values()])[["id", "verdict", "robust", "ours", "why"]]

# %% [markdown]
# ## Headline numbers and full metrics
# The headline rows go to REPORT.md; every number per method, network, seed and protocol is in the CSV files.

# %%
run.headline.update(grn_summary.headline(means, summary, combo_mean))
run.metrics["dream_aupr"] = table.pivot_table(index="method", columns="network", values="aupr").round(4).to_dict("index")
run.metrics["dream_auroc"] = table.pivot_table(index="method", columns="network", values="auroc").round(4).to_dict("index")
run.metrics["average_precision"] = table.pivot_table(index="method", columns="network",
                                                     values="average_precision").round(4).to_dict("index")
run.metrics["mean"] = means.set_index("method").drop(columns="data").round(4).to_dict("index")
run.metrics["random_split"] = {"aupr": grn_summary.metrics_dict(summary, "random_split", "aupr"),
                               "auroc": grn_summary.metrics_dict(summary, "random_split", "auroc")}
run.metrics["all_data_lono_mean_aupr"] = round(float(combo_mean["aupr"]), 4)
run.metrics["search_chosen"] = grn_summary.chosen_settings(proto.widths)
pd.Series(run.headline).round(3)

# %% [markdown]
# ## Ground truth at another size: the simulator
# The simulator draws a modular, scale-free network with Hill-type kinetics and stochastic dynamics and returns
# its gold standard with DREAM4-shaped time series and steady states. One network of `data["check_genes"]` genes: do the
# cheap time-series baselines and the knockout z-score rank its edges in the same order as on DREAM4?

# %%
with run.timed("simulated_check"):
    sim = grn_sim.simulate_grn(data["check_genes"], seed=seed)
    sim_mats = {**grn.baseline_scores(sim, grn.BASELINES[:3]), **grn.steady_state_scores(sim, trees=False)}
sim_table = grn.method_table([sim], [sim_mats])
run.table(sim_table, "simulated_baselines")
run.metrics["simulated_aupr"] = dict(zip(sim_table["method"], sim_table["aupr"].round(4)))
sim_table[["method", "aupr", "auroc", "average_precision", "random_aupr"]].round(3)

# %% [markdown]
# ## Interpretation
# - **Scoring.** Read AUPR against the edge density (the dashed line): with about 2% of pairs being edges, AUROC
#   looks high for any weak ranking. DREAM's interpolated AUPR can never exceed average precision (between two
#   ranks its precision curve rises towards the right end, which average precision uses), and the two columns of
#   the table of means show by how much it is lower for each method.
# - **Which methods win**: the sentence printed under the table of means names the best method overall and the best
#   with time series only, from this run's numbers; the bar chart shows the same per network. Whether the knockouts
#   (which test each gene's effect directly) beat every time-series method is R4's question.
# - **The verdicts** are in the table above and in REPORT.md's ledger: R1 can only be judged against a stand-in;
#   R2 is decided under the paper's protocol at `protocols["n_seeds"]` seeds; R3 asks whether a model trained on other networks
#   beats random on a new one; R4 whether the unused data types add more than the neural models do.
# - **Convergence.** A model flagged "budget-limited" in the convergence table might improve with a larger cap, and
#   one flagged "did not learn" says nothing about its architecture: claims resting on either are marked not robust.
#   The robustness grid (`notebooks/robustness.yaml`) re-decides the claims at 3 seeds and 1x, 4x and 16x the caps.

# %% [markdown]
# ## Try this
# 1. Set `neural["patience"] = 15` and `protocols["lono_seeds"] = 3` (`-p neural.patience=15`). Predict: do the
#    neural models' AUPRs move, and does R2's verdict change? Compare with the ledger's robustness column.
# 2. Set `trees["n_estimators"] = 1000` and `trees["method"] = "RF"` (the papers' forests; slow: scikit-learn, about
#    15 minutes). Does dynGENIE3 still beat lagged correlation, and does R4's time-series side change?
# 3. Remove the knockouts from the combination (drop the `knockout_z*` keys in `combo_inputs`). Predict how far
#    the combination's mean AUPR falls below the 0.35 target.

# %%
print(f"profile {profile}: {len(networks)} networks, {len(seeds)} seeds, timed blocks {run.timings}")
run.finish();
