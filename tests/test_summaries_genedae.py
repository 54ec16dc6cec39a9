"""GeneDAE tables and verdict rules on small fabricated tables: each claim flips when its evidence does."""
import numpy as np
import pandas as pd
import pytest

from genenets import claims
from genenets.summaries import genedae as summary


def _tests(sig_a=True):
    return pd.DataFrame({"disease": ["D"] * 3 + ["E"] * 3, "gene": ["a", "b", "c"] * 2,
                         "p": [1e-9, 1e-5, 0.5, 1e-8, 0.3, 0.4], "significant": [sig_a, True, False, True, False, False],
                         "rank": [1, 2, 3, 1, 2, 3]})


def test_planted_recovery_ranks_and_overlap():
    rec = summary.planted_recovery(_tests(), {"D": ["a", "c"], "E": ["b"]}).set_index("disease")
    assert rec.loc["D", "precision"] == 0.5 and rec.loc["D", "recall"] == 0.5
    assert rec.loc["E", "recall"] == 0 and rec.loc["E", "planted_ranks"] == "b:2"
    ov = summary.overlap_table(_tests())
    assert ov.loc["D", "E"] == 1 and ov.loc["D", "D"] == 2
    ranks = summary.planted_rank_table({"M": _tests()}, {"D": ["c", "zz"]})
    assert ranks["rank"].iloc[0] == 3 and np.isnan(ranks["rank"].iloc[1])


def test_g1_flips_with_the_planted_genes_found():
    planted = {"D": ["a"], "E": ["a"]}
    assert summary.g1_verdict(summary.planted_recovery(_tests(), planted)) == claims.REPRODUCED
    assert summary.g1_verdict(summary.planted_recovery(_tests(sig_a=False), planted)) == claims.MIXED
    assert summary.g1_verdict(summary.planted_recovery(_tests(), {"D": ["c"], "E": ["c"]})) == claims.NOT_REPRODUCED


def test_g2_needs_two_standard_errors_above_chance():
    t2 = pd.DataFrame({"disease": ["D", "E"], "features": ["GeneDAE embeddings"] * 2, "auc_mean": [0.6, 0.6],
                       "auc_se": [0.01, 0.01]})
    assert summary.g2_verdict(t2) == claims.REPRODUCED
    assert summary.g2_verdict(t2.assign(auc_se=[0.01, 0.06])) == claims.MIXED
    assert summary.g2_verdict(t2.assign(auc_mean=[0.51, 0.5])) == claims.NOT_REPRODUCED


def test_g3_reads_the_convergence_row():
    row = {"status": "converged", "epochs_run": 12, "stop_reason": "patience"}
    assert summary.g3_verdict(row) == claims.REPRODUCED
    assert summary.g3_verdict({**row, "status": "did not learn"}) == claims.NOT_REPRODUCED
    assert summary.g3_verdict({**row, "status": "budget-limited", "stop_reason": "cap", "epochs_run": 20}) == claims.MIXED
    assert summary.g3_verdict({**row, "status": "budget-limited", "stop_reason": "cap", "epochs_run": 60}) \
        == claims.NOT_REPRODUCED


def test_g4_thresholds_on_the_median_correlation():
    agree = pd.DataFrame({"abs_r_vs_full": [0.95, 0.92, 0.5]})
    assert summary.g4_verdict(agree) == claims.REPRODUCED
    assert summary.g4_verdict(agree.assign(abs_r_vs_full=[0.7, 0.6, 0.95])) == claims.MIXED
    assert summary.g4_verdict(agree.assign(abs_r_vs_full=[0.1, 0.2, 0.95])) == claims.NOT_REPRODUCED
    assert summary.g4_verdict(agree.iloc[:0]) == claims.NOT_TESTABLE


def test_g5_and_best_method():
    rec = pd.DataFrame({"method": ["GeneDAE", "GWAS min p", "LD-aware gene test"] * 2, "disease": ["D"] * 3 + ["E"] * 3,
                        "recall": [0.2, 0.6, 0.5, 0.2, 0.6, 0.5], "precision": [0.5] * 6})
    assert summary.g5_verdict(rec) == claims.NOT_REPRODUCED
    assert summary.best_method(rec)[0] == "GWAS min p"
    flipped = rec.assign(recall=[0.9, 0.6, 0.5] * 2)
    assert summary.g5_verdict(flipped) == claims.REPRODUCED and summary.best_method(flipped)[0] == "GeneDAE"
    assert summary.g5_verdict(rec.assign(recall=[0.55, 0.6, 0.5] * 2)) == claims.MIXED
    assert "Best: GWAS min p" in summary.recovery_sentence(rec)


def test_declare_writes_rules_before_results():
    from genenets.report import start_run

    class Dummy:
        claims = {}

        def claim(self, i, claim, ref, rule, paper_value):
            self.claims[i] = rule

    d = Dummy()
    summary.declare(d, ["G1", "G4"])
    assert set(d.claims) == {"G1", "G4"} and "Bonferroni" in d.claims["G1"]
    with pytest.raises(KeyError):
        summary.declare(d, ["G9"])
    assert start_run  # the real Run.claim has the same signature


def _grid(tmp_path, rows):
    folder = tmp_path / "robustness"
    folder.mkdir(exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "02_genedae_gene_disease__G5.csv", index=False)
    return summary.grid_rows(tmp_path, "02_genedae_gene_disease", "G5")


def test_best_method_sentence_counts_the_grid_runs(tmp_path):
    rec = pd.DataFrame({"method": ["GeneDAE", "GWAS min p"] * 2, "disease": ["D", "D", "E", "E"],
                        "recall": [0.1, 0.5, 0.0, 0.7], "precision": [0.5, 0.5, np.nan, 0.4]})
    (tmp_path / "robustness").mkdir(exist_ok=True)  # a figures folder with a grid, none for this claim yet
    assert summary.grid_rows(tmp_path, "02_genedae_gene_disease", "G5") is None
    alone = summary.best_method_sentence(rec, None)
    assert alone.startswith("In this run GWAS min p finds the most planted genes (mean recall 0.60)")
    assert "has not run" in alone
    grid = _grid(tmp_path, [{"claim": "G5", "seed": s, "budget_scale": b, "verdict": "not reproduced",
                             "evidence.GeneDAE": 0.1 * s + (0.9 if (s, b) == (2, 4) else 0),
                             "evidence.GWAS min p": 0.6} for s in (0, 1, 2) for b in (1, 4)])
    text = summary.best_method_sentence(rec, grid)
    assert "(6 runs: seeds 0, 1, 2 x budget scales 1, 4) GWAS min p is best in 5 of 6 runs" in text
    assert "GeneDAE 0.00-1.10" in text and "GWAS min p 0.60-0.60" in text
    assert ("(GWAS min p: seed 0 at budget scales 1, 4, seed 1 at budget scales 1, 4, seed 2 at budget scales 1; "
            "GeneDAE: seed 2 at budget scales 4): not the same method in every run") in text
    same = summary.best_method_sentence(rec, grid.assign(**{"evidence.GeneDAE": 0.0}))
    assert "best in 6 of 6 runs" in same and "the same method in every run" in same


def test_grid_sentence_agreement_and_disagreement(tmp_path):
    claim = claims.Claim("G5", "c", "-", rule="r")
    claim.verdict = "not reproduced"
    assert "has not run this claim" in summary.grid_sentence(claim, None)
    rows = [{"seed": s, "budget_scale": b, "verdict": "not reproduced"} for s in (0, 1) for b in (1, 4)]
    assert summary.grid_sentence(claim, _grid(tmp_path, rows)).endswith("seeds and budgets agree.")
    rows[0]["verdict"] = "mixed"
    assert summary.grid_sentence(claim, _grid(tmp_path, rows)).endswith("not robust.")
    one = summary.grid_sentence(claim, _grid(tmp_path, rows[2:]))  # seed 1 only
    assert "not robust" in one or "fewer than 2 seeds" in one


def test_recent_fall_measures_the_last_ten_epochs():
    hist = pd.DataFrame({"epoch": range(1, 16), "train_loss": 1.0, "val_loss": [1.0 - 0.01 * k for k in range(15)]})
    fall = summary.recent_fall(hist)
    assert fall["window"] == 10 and fall["fall"] == pytest.approx(0.1)
    assert fall["relative_fall"] == pytest.approx(0.1 / 0.96)
    short = summary.recent_fall(hist.iloc[:4])  # fewer epochs than the window: all of them
    assert short["window"] == 3 and short["fall"] == pytest.approx(0.03)
    assert summary.recent_fall(hist.iloc[:1].drop(columns="val_loss"))["window"] == 0


def _run(tmp_path):
    from genenets.report import start_run

    run = start_run("99_genedae_test", tmp_path, params={})
    summary.declare(run, ["G3", "G4"])
    return run


def test_g3_is_not_vetoed_by_its_own_cap_and_shows_the_strict_evidence(tmp_path):
    run = _run(tmp_path)
    capped = {"model": "GeneDAE", "epochs_run": 60, "epochs_cap": 60, "best_epoch": 60, "stop_reason": "cap",
              "best_loss": 0.156, "no_learning_loss": 0.273, "status": "budget-limited", "min_delta": 1e-4}
    run.convergence_table(pd.DataFrame([capped]))
    hist = pd.DataFrame({"epoch": range(1, 61), "train_loss": 0.2, "val_loss": np.linspace(0.2, 0.156, 60)})
    c = summary.decide_g3(run, capped, budgets=[60], history=hist)
    assert c.verdict == claims.NOT_REPRODUCED
    assert "resting on models" not in c.why  # the cap is G3's evidence, not a reason to doubt it
    assert c.evidence["min_delta"] == 1e-4
    assert c.evidence["val_bce_fall_last_10_epochs"] == pytest.approx(10 * 0.044 / 59)
    assert "cap at epoch 60" in c.ours and "over its last 10 epochs" in c.ours
    assert "min_delta" in summary.CLAIMS["G3"][2] and "last 10 epochs" in summary.CLAIMS["G3"][2]


def test_g4_is_flagged_when_a_gene_model_trained_alone_hit_its_cap(tmp_path):
    run = _run(tmp_path)
    run.convergence_table(pd.DataFrame([{"model": "GeneDAE", "status": "converged"}]))
    agree = pd.DataFrame({"abs_r_vs_full": [0.95, 0.93], "abs_r_vs_full_seed0": [0.95, 0.93],
                          "abs_r_vs_full_seed1": [0.94, 0.92], "abs_r_seed_to_seed": [0.97, 0.96]})
    ok = pd.DataFrame({"genes": ["A", "B,C"], "status": "trained", "convergence": ["converged", "converged"]})
    c = summary.decide_g4(run, agree, seeds=2, budgets=[30], summary=ok)
    assert c.verdict == claims.REPRODUCED and "resting on models" not in c.why
    capped = ok.assign(convergence=["converged", "budget-limited"])
    c = summary.decide_g4(run, agree, seeds=2, budgets=[30], summary=capped)
    assert not c.robust and "alone: B,C: budget-limited" in c.why


def test_stopping_sentence_says_whether_the_claims_are_flagged():
    row = {"stop_reason": "patience", "epochs_run": 48, "epochs_cap": 60, "best_epoch": 45, "status": "converged"}
    assert "no flag from it" in summary.stopping_sentence(row) and "epoch 48" in summary.stopping_sentence(row)
    capped = {**row, "stop_reason": "cap", "epochs_run": 60, "best_epoch": 60, "status": "budget-limited"}
    assert "flagged budget-limited" in summary.stopping_sentence(capped, resting=["G4"])


def test_grid_sentence_says_when_agreeing_runs_rest_on_flagged_models():
    c = claims.Claim(id="G2", claim="x", paper_ref="-", rule="r")
    c.verdict = claims.REPRODUCED
    grid = pd.DataFrame({"seed": [0, 0, 1, 1], "budget_scale": [0.25, 1, 0.25, 1], "verdict": [claims.REPRODUCED] * 4,
                         "why": ["resting on models that GeneDAE: budget-limited; one seed", "one seed"] * 2})
    text = summary.grid_sentence(c, grid)
    assert "seeds and budgets agree; but 2 of 4 runs rest on models" in text and text.endswith("not robust.")
    assert summary.grid_sentence(c, grid.assign(why="one seed")).endswith("seeds and budgets agree.")


def test_grid_rows_read_the_committed_grid_when_the_run_writes_elsewhere(tmp_path, monkeypatch):
    from genenets import params

    checkout = tmp_path / "checkout"
    (checkout / "figures" / "robustness").mkdir(parents=True)
    pd.DataFrame({"claim": ["G3"], "seed": [0], "budget_scale": [1.0], "verdict": [claims.REPRODUCED]}).to_csv(
        checkout / "figures" / "robustness" / "01_x__G3.csv", index=False)
    monkeypatch.setattr(params, "repo_root", lambda: checkout)
    elsewhere = tmp_path / "verify_tmp"  # make verify's output folder's parent: no grid tables there
    elsewhere.mkdir()
    assert summary.grid_rows(elsewhere, "01_x", "G3")["verdict"].tolist() == [claims.REPRODUCED]
    own = tmp_path / "own"
    (own / "robustness").mkdir(parents=True)  # a figures folder with its own grid (none for this claim)
    assert summary.grid_rows(own, "01_x", "G3") is None
