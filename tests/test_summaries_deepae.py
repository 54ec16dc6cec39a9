"""Verdict rules, metrics and sentences of the deep-autoencoder paper on small fabricated tables: each claim flips
verdict when its evidence does."""
import numpy as np
import pandas as pd
import pytest

from genenets import claims
from genenets.summaries import deepae as summ


def _recon_table(sae, deep, pca, widths=(16, 32, 64)):
    rows = []
    for model, errs in (("SAE", sae), ("deepAE", deep), ("PCA", pca)):
        for w, e in zip(widths, errs):
            rows += [{"model": model, "width": w, "split": "validation", "global": e, "genewise": e + 0.1},
                     {"model": model, "width": w, "split": "train", "global": e / 2, "genewise": e}]
    return pd.DataFrame(rows)


def test_reconstruction_metrics_and_sentence():
    table = _recon_table(sae=[0.5, 0.4, 0.3], deep=[0.45, 0.3, 0.2], pca=[0.6, 0.5, 0.45])
    m = summ.reconstruction_metrics(table)
    assert m["r2"]["deepAE"] == {"16": 0.55, "32": 0.7, "64": 0.8}
    assert m["one_minus_r2_genewise_val"]["PCA"]["64"] == pytest.approx(0.55)
    assert m["deepAE_matching_width"]["deep_width_empirical"] == 32
    text = summ.reconstruction_sentence(table, "toy")
    assert "deepAE's (0.200;" in text and "3 of 3 widths" in text and "with 32 nodes" in text
    text = summ.reconstruction_sentence(_recon_table([0.5, 0.4, 0.3], [0.6, 0.5, 0.4], [0.2, 0.1, 0.05]), "toy")
    assert "PCA baseline beats both" in text and "never reaches" in text and "0 of 3 widths" in text
    stuck = summ.reconstruction_sentence(_recon_table([0.9, 0.4, 0.3], [0.45, 0.3, 0.2], [0.6, 0.5, 0.45]), "toy",
                                         mean_error={"global": 0.9, "genewise": 1.0})
    assert "SAE w=16 (stuck" in stuck and "2 of 2 widths where neither is stuck" in stuck
    head = summ.reconstruction_headline(table)
    assert head["validation R², deepAE w=64"] == pytest.approx(0.8) and len(head) == 4


def test_d1_flips_with_the_evidence():
    w = (16, 32, 64, 128)
    law = [0.8 * x ** -0.5 for x in w]
    # deepAE follows a power law and deep(w) <= SAE(2w): reproduced
    good = _recon_table(sae=[e * 1.5 for e in law], deep=law, pca=law, widths=w)
    verdict, ev = summ.d1_verdict(good)
    assert verdict == claims.REPRODUCED and ev["n_width_pairs"] == 3 and ev["n_pairs_deep_w_at_most_sae_2w"] == 3
    assert ev["deepAE_power_law_b"] == pytest.approx(0.5) and ev["deepAE_power_law_r2"] == pytest.approx(1)
    # the SAE of twice the width is better: one vote lost -> mixed
    mixed = _recon_table(sae=[e * 0.5 for e in law], deep=law, pca=law, widths=w)
    assert summ.d1_verdict(mixed)[0] == claims.MIXED
    # deepAE error rising with width and SAE better: not reproduced
    bad = _recon_table(sae=[0.1] * 4, deep=[0.2, 0.3, 0.4, 0.5], pca=law, widths=w)
    assert summ.d1_verdict(bad)[0] == claims.NOT_REPRODUCED


def _silhouettes(layer_wins: dict, n_groups: dict):
    rows = []
    for grouping, n in n_groups.items():
        for g in range(n):
            rows.append({"grouping": grouping, "group": f"{grouping}{g}", "method": "PCA (all genes)", "silhouette": 0.1, "n": 5})
            for layer, wins in layer_wins[grouping].items():
                rows.append({"grouping": grouping, "group": f"{grouping}{g}", "method": layer,
                             "silhouette": 0.2 if g < wins else 0.0, "n": 5})
    return pd.DataFrame(rows)


def test_d2_separate_binomial_tests_per_grouping():
    layers = lambda w: {"layer 1": w, "layer 2": w, "layer 3": w}  # noqa: E731
    t = _silhouettes({"cell_type": layers(8), "disease": layers(6)}, {"cell_type": 8, "disease": 6})
    verdict, ev = summ.d2_verdict(t)
    assert verdict == claims.REPRODUCED and ev["cell_type: n_groups"] == 8
    assert ev["disease: layer 1 binomial p"] == pytest.approx(0.5 ** 6)
    t = _silhouettes({"cell_type": layers(8), "disease": layers(1)}, {"cell_type": 8, "disease": 6})
    assert summ.d2_verdict(t)[0] == claims.MIXED  # cell types yes, diseases no
    t = _silhouettes({"cell_type": layers(1), "disease": layers(1)}, {"cell_type": 8, "disease": 6})
    assert summ.d2_verdict(t)[0] == claims.NOT_REPRODUCED
    t = _silhouettes({"g": layers(2)}, {"g": 2})  # two groups cannot be significant
    assert summ.d2_verdict(t)[0] == claims.NOT_TESTABLE


def _lightup_summary(p_layer1: float, distances):
    rows = []
    for layer, dist in zip(("deepAE layer 1", "deepAE layer 2", "deepAE layer 3", "SAE layer 1"), distances):
        for k in (8, 16, 32):
            rows.append({"layer": layer, "k": k, "median_distance": dist, "random_median_distance": 3.0,
                         "distance_mwu_p": p_layer1 if layer == "deepAE layer 1" else 0.5,
                         "betweenness_mwu_p": p_layer1 if layer == "deepAE layer 1" else 0.5})
    return pd.DataFrame(rows)


def test_d3_flips_with_the_evidence():
    assert summ.d3_verdict(_lightup_summary(0.001, [2.0, 2.5, 2.9, 2.4]))[0] == claims.REPRODUCED
    assert summ.d3_verdict(_lightup_summary(0.001, [2.9, 2.5, 2.0, 2.4]))[0] == claims.MIXED  # no fading with depth
    verdict, ev = summ.d3_verdict(_lightup_summary(0.5, [2.9, 2.5, 2.0, 2.4]))
    assert verdict == claims.NOT_REPRODUCED and ev["layer1_frac_k_closer_than_random"] == 0


def _combined(p):
    return pd.DataFrame({"method": list(p), "combined_p": list(p.values()), "median_odds_ratio": 1.0, "n_diseases": 6})


def test_d4_flips_with_the_evidence():
    good = {"deepAE layer 1": 0.1, "deepAE layers 1-2": 0.01, "deepAE all three layers": 1e-4, "SAE": 0.05,
            "baseline t-test": 1e-9}
    verdict, ev = summ.d4_verdict(_combined(good))
    assert verdict == claims.REPRODUCED and ev["combined p, baseline t-test"] == pytest.approx(1e-9)
    assert summ.d4_verdict(_combined({**good, "SAE": 1e-6}))[0] == claims.MIXED
    bad = {"deepAE layer 1": 1e-4, "deepAE layers 1-2": 0.01, "deepAE all three layers": 0.5, "SAE": 0.01}
    assert summ.d4_verdict(_combined(bad))[0] == claims.NOT_REPRODUCED
    curve = pd.DataFrame({"kind": ["SAE", "deepAE"] * 2, "epochs": [10, 10, 20, 20], "recall": [0.5, 0.6, 0.9, 0.7],
                          "val_loss": 0.1})
    ev = summ.d4_verdict(_combined(good), recall_curve=curve)[1]
    assert ev["n_budgets"] == 2 and ev["n_budgets_deepAE_recall_above_SAE"] == 1


def test_d0_and_combine_verdicts():
    probe = pd.DataFrame({"disease": ["a", "b"], "probe_auroc_raw": [0.95, 0.97]})
    assert summ.d0_verdict(probe)[0] == claims.REPRODUCED
    assert summ.d0_verdict(probe.assign(probe_auroc_raw=[0.95, 0.6]))[0] == claims.MIXED
    assert summ.combine_verdicts([claims.REPRODUCED, claims.NOT_TESTABLE]) == claims.REPRODUCED
    assert summ.combine_verdicts([claims.NOT_TESTABLE]) == claims.NOT_TESTABLE


def test_clustering_and_lightup_sentences():
    wins = pd.DataFrame({"method": ["layer 1", "layer 2"], "wins": [2, 9], "losses": [8, 1], "n_groups": [10, 10],
                         "odds_ratio": [0.25, 9.0], "binom_p": [0.1, 0.02]})
    assert "layer 2 beats PCA in 9 of 10" in summ.clustering_sentence(wins, "x")
    assert "PCA of all genes separates most" in summ.clustering_sentence(wins.iloc[:1], "x")
    summary = pd.DataFrame({"layer": ["deep 1", "SAE"], "k": 8, "n_nodes": 10, "median_distance": [2.0, 2.9],
                            "random_median_distance": 3.0, "frac_nodes_distance_p": [1.0, 0.2]})
    text = summ.lightup_sentence(summary, 8, "toy", {"deep 1": 9, "SAE": 70})
    assert text.startswith("toy, k = 8: deep 1 lights up") and "one shared gene set" in text


def test_convergence_sentence_and_disease_metrics():
    conv = pd.DataFrame({"model": ["SAE w=8", "deepAE w=8"], "status": ["converged", "budget-limited"]})
    text = summ.convergence_sentence(conv, "toy")
    assert "1 of 2 models converged" in text and "deepAE w=8 budget-limited" in text and "not robust" in text
    comb = _combined({"deepAE layer 1": 0.1, "deepAE layers 1-2": 0.01, "deepAE all three layers": 1e-4, "SAE": 0.05,
                      "baseline t-test": 1e-9}).assign(mean_recall_planted=0.5)
    m = summ.disease_gene_metrics(comb, 100)
    assert m["top_n"] == 100 and m["recall_planted"]["SAE"] == 0.5
    head = summ.disease_gene_headline(comb)
    assert head["-log10 combined p, deepAE all three layers"] == pytest.approx(4) and len(head) <= 15


def test_claim_sentence_says_whether_seeds_and_budgets_agree(tmp_path):
    c = claims.Claim("D1", "deep beats shallow", "Fig. 1", "rule", verdict="not reproduced", why="one seed")
    assert "has not run this claim yet" in summ.claim_sentence(c, None)
    grid = pd.DataFrame({"seed": [0, 0, 1, 1], "budget_scale": [1.0, 4.0, 1.0, 4.0], "verdict": ["not reproduced"] * 4})
    text = summ.claim_sentence(c, grid)
    assert "D1: not reproduced in this run (not robust here: one seed)" in text
    assert "4 runs, seeds 0, 1 x budget scales 1, 4" in text and text.endswith("seeds and budgets agree.")
    grid.loc[3, "verdict"] = "mixed"
    assert summ.claim_sentence(c, grid).endswith("they disagree, so the verdict is not robust.")
    assert "does not span" in summ.claim_sentence(c, grid[grid.seed == 0].assign(verdict="not reproduced"))
    (tmp_path / "robustness").mkdir()
    grid.assign(claim="D1").to_csv(tmp_path / "robustness" / "03_x__D1.csv", index=False)
    assert summ.grid_rows(tmp_path, "03_x", "D1").shape[0] == 4 and summ.grid_rows(tmp_path, "03_x", "D2") is None
    assert "not mixed x1" not in summ.claim_sentences({"D1": c}, "03_x", tmp_path)
    assert "mixed x1" in summ.claim_sentences({"D1": c}, "03_x", tmp_path)


def test_calibration_and_settings_sentences():
    table = pd.DataFrame({"real": [1.85, 0.30, 0.126, 0.98], "sim": [1.80, 0.36, 0.12, 0.97]},
                         index=list(summ.CALIBRATED_PROPERTIES))
    gaps = summ.calibration_gaps(table, "real", "sim")
    assert gaps["disease_frac_genes_abs_d_gt_0.8"] == pytest.approx(0.2)
    text = summ.calibration_sentence(table, "real", "sim")
    assert "median |d| of the top 5 % genes 1.80 (real 1.85)" in text and "Largest gap: share of genes with |d| > 0.8, +20%" in text
    study = pd.DataFrame({"lr": [1e-3, 3e-3, 3e-3], "batch_size": [256, 64, 64], "centred_input": [True, True, False],
                          "epochs_run": [300, 80, 30], "best_epoch": [290, 70, 20], "steps_to_best": [2030, 1750, 500],
                          "best_val_loss": [0.0131, 0.0129, 0.0228], "status": ["converged", "converged", "did not learn"]})
    text = summ.settings_sentence(study, {"lr": 3e-3, "batch_size": 64})
    assert text.startswith("Lowest validation loss: lr 0.003, batch 64 (0.01290 after 70 epochs, 1750 Adam steps).")
    assert "reach 0.01290 (+0.0%)" in text and "batch 64, uncentred: did not learn" in text
