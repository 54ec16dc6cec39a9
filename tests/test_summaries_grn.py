"""Verdict rules and sentences of notebook 08 on small fabricated tables: each claim flips verdict when
its evidence does."""
import pandas as pd
import pytest

from genenets import claims
from genenets.summaries import grn as grn_summary


def _summary(values: dict, protocol="random_split"):
    """A summary table with only ``network == "mean"`` rows: ``{method: (kind, aupr, auroc)}``."""
    return pd.DataFrame([{"protocol": protocol, "kind": k, "method": m, "network": "mean", "aupr": a, "auroc": r,
                          "random_aupr": 0.02} for m, (k, a, r) in values.items()])


def test_r1_needs_higher_aupr_and_not_higher_auroc():
    assert grn_summary.r1_verdict(0.40, 0.70, 0.35, 0.80) == claims.REPRODUCED
    assert grn_summary.r1_verdict(0.10, 0.90, 0.35, 0.80) == claims.NOT_REPRODUCED
    assert grn_summary.r1_verdict(0.10, 0.70, 0.35, 0.80) == claims.MIXED  # loses AUPR, AUROC as claimed
    assert grn_summary.r1_verdict(0.40, 0.90, 0.35, 0.80) == claims.MIXED


def test_r2_ordering_flips_with_the_evidence():
    assert grn_summary.r2_verdict({"AE+NN": 0.2, "LSTM": 0.15, "CNN": 0.1}) == claims.REPRODUCED
    assert grn_summary.r2_verdict({"AE+NN": 0.1, "LSTM": 0.15, "CNN": 0.2}) == claims.NOT_REPRODUCED
    assert grn_summary.r2_verdict({"AE+NN": 0.2, "LSTM": 0.1, "CNN": 0.15}) == claims.MIXED
    results = pd.DataFrame([{"protocol": "random_split", "kind": "neural", "method": m, "network": n, "seed": s,
                             "aupr": v + (0.2 if (s == 1 and m == "CNN") else 0)}
                            for s in (0, 1) for n in ("a", "b")
                            for m, v in {"AE+NN": 0.2, "LSTM": 0.15, "CNN": 0.1}.items()])
    per_seed = grn_summary.per_seed_verdicts(results, grn_summary.r2_verdict, "random_split")
    assert per_seed == {0: claims.REPRODUCED, 1: claims.MIXED}
    assert not claims.robust_across(per_seed.values())


def test_r3_votes_per_network():
    rnd = {"n1": 0.02, "n2": 0.03}
    assert grn_summary.r3_verdict({"n1": 0.05, "n2": 0.07}, rnd) == claims.REPRODUCED
    assert grn_summary.r3_verdict({"n1": 0.05, "n2": 0.04}, rnd) == claims.MIXED
    assert grn_summary.r3_verdict({"n1": 0.03, "n2": 0.04}, rnd) == claims.NOT_REPRODUCED


def test_r4_compares_on_common_networks_with_a_margin():
    table = pd.DataFrame([
        {"method": "combination", "data": "all data, supervised", "network": "n1", "aupr": 0.40},
        {"method": "combination", "data": "all data, supervised", "network": "n2", "aupr": 0.30},
        {"method": "knockout_z", "data": "all data", "network": "n1", "aupr": 0.30},
        {"method": "knockout_z", "data": "all data", "network": "n2", "aupr": 0.30},
        {"method": "dynGENIE3", "data": "time series", "network": "n1", "aupr": 0.20},  # ran on n1 only
        {"method": "LSTM", "data": "time series, supervised", "network": "n1", "aupr": 0.05},
        {"method": "LSTM", "data": "time series, supervised", "network": "n2", "aupr": 0.05},
    ])
    all_side, ts_side = grn_summary.r4_means(table)
    assert all_side == {"method": "combination", "aupr": 0.40, "n_networks": 1}  # n1, where both ran
    assert ts_side["method"] == "dynGENIE3" and ts_side["aupr"] == 0.20
    assert grn_summary.r4_verdict(all_side["aupr"], ts_side["aupr"]) == claims.REPRODUCED
    assert grn_summary.r4_verdict(0.21, 0.20) == claims.MIXED  # within the 0.02 margin
    flipped = grn_summary.replace_aupr(table, "combination", {"n1": 0.01, "n2": 0.01})
    flipped = grn_summary.replace_aupr(flipped, "knockout_z", {"n1": 0.01, "n2": 0.01})
    a, t = grn_summary.r4_means(flipped)
    assert grn_summary.r4_verdict(a["aupr"], t["aupr"]) == claims.NOT_REPRODUCED
    with pytest.raises(ValueError, match="no method with data"):
        grn_summary.r4_means(table[table["data"].str.startswith("all")])


def test_sentences_best_and_headline():
    summary = _summary({"LSTM": ("neural", 0.10, 0.70), "CNN": ("neural", 0.05, 0.60),
                        "dynGENIE3": ("baseline", 0.14, 0.75)})
    text = grn_summary.ranking_sentence(summary, "random_split", "aupr")
    assert text.startswith("random split: dynGENIE3 wins on mean AUPR (0.140") and "(LSTM, 0.100)" in text
    assert grn_summary.best(summary, "random_split", "neural")["method"] == "LSTM"
    means = pd.DataFrame({"method": ["combination (LONO)", "dynGENIE3"], "data": ["all data, supervised", "time series"],
                          "aupr": [0.4, 0.14], "auroc": [0.9, 0.75], "random_aupr": [0.02, 0.02], "n_networks": [5, 2]})
    sentence = grn_summary.winners_sentence(means)
    assert "Best overall: combination (LONO)" in sentence and "time series only: dynGENIE3, AUPR 0.140" in sentence
    both = pd.concat([summary, summary.assign(protocol="leave_one_network_out")])
    head = grn_summary.headline(means, both, means.iloc[0])
    assert len(head) <= 15 and head["mean DREAM AUPR, combination (LONO) (5 nets)"] == 0.4


def test_search_sentences_and_chosen_settings():
    search = pd.DataFrame({"model": ["LSTM", "LSTM", "CNN"], "width": [16, 16, 16], "lr": [0.003, 0.01, 0.001],
                           "val_loss": [0.65, 0.63, 0.6], "status": ["converged", "converged", "did not learn"],
                           "chosen": [False, True, True]})
    assert grn_summary.chosen_settings(search) == {"LSTM": {"width": 16, "lr": 0.01}, "CNN": {"width": 16, "lr": 0.001}}
    text = grn_summary.search_sentence(search)
    assert "LSTM: width 16, lr 0.01 (validation loss 0.630; 2 settings tried, 2 converged)" in text
    assert "CNN: width 16, lr 0.001" in text and "0 converged" in text
    assert grn_summary.search_sentence(search.iloc[:0]).startswith("No search")


def test_verdict_sentences_say_whether_seeds_and_budgets_agree():
    recs = [dict(id="R2", claim="AE+NN strongest", verdict="mixed", robust=False, why="verdict per seed", seeds=2,
                 budgets=[60], budgets_varied=False),
            dict(id="R4", claim="all data win", verdict="reproduced", robust=True, why="", seeds=3, budgets=[200, 300],
                 budgets_varied=True),
            dict(id="R3", claim="transfer", verdict="reproduced", robust=False, why="one seed", seeds=1, budgets=[])]
    s = grn_summary.verdict_sentences(recs, {"R2": {0: "mixed", 1: "reproduced"}, "R4": {0: "reproduced",
                                                                                        1: "reproduced"}})
    assert s[0].startswith("R2 (AE+NN strongest): mixed; its 2 seeds disagree (seed 0: mixed, seed 1: reproduced)")
    assert "one training budget per model here (60), the robustness grid varies it; not robust: verdict per seed" in s[0]
    assert "its 2 seeds agree; budgets varied in this run; robust." in s[1]
    assert "decided at 1 seed; no trained model; not robust: one seed." in s[2]
