"""Verdict rules of notebook 09 on small fabricated tables: each claim flips when its evidence does."""
import numpy as np
import pandas as pd

from genenets import claims
from genenets.summaries import multiomics as msum


def _prec(fused_gain):
    rows = []
    for s in range(10):
        noise = 0.01 * (s % 3 - 1)
        rows += [{"seed": s, "evidence": "correlation", "precision": 0.5 + noise},
                 {"seed": s, "evidence": "homology", "precision": 0.3},
                 {"seed": s, "evidence": "fused (seed weights)", "precision": 0.5 + fused_gain + noise},
                 {"seed": s, "evidence": "fused (CV weights)", "precision": 0.5 + fused_gain + 2 * noise}]
    return pd.DataFrame(rows)


def test_m1_flips_with_the_fusion_gain():
    singles = ["correlation", "homology"]
    for gain, expected in ((0.1, claims.REPRODUCED), (-0.1, claims.NOT_REPRODUCED)):
        gains = {w: msum.fusion_gain(_prec(gain), f"fused ({w})", singles) for w in ("seed weights", "CV weights")}
        assert gains["seed weights"]["best_single"] == "correlation"
        assert msum.m1_verdict(gains) == expected
    one_each = {"a": {"verdict": claims.REPRODUCED}, "b": {"verdict": claims.NOT_REPRODUCED}}
    assert msum.m1_verdict(one_each) == claims.MIXED
    # a paired difference that straddles 0 is mixed
    assert msum.ci_verdict(-0.01, 0.02) == claims.MIXED
    assert "does not beat" in msum.fusion_sentence(msum.fusion_gain(_prec(-0.1), "fused (CV weights)", singles), 10, 20)


def _acc(gat, logreg_raw):
    rows = []
    for task in ("tissue", "geography"):
        rows += [{"task": task, "features": "latents", "method": "GAT", "accuracy": gat},
                 {"task": task, "features": "latents", "method": "majority", "accuracy": 0.3},
                 {"task": task, "features": "latents", "method": "logistic regression", "accuracy": 0.6},
                 {"task": task, "features": "raw", "method": "GAT", "accuracy": 0.5},
                 {"task": task, "features": "raw", "method": "majority", "accuracy": 0.3},
                 {"task": task, "features": "raw", "method": "logistic regression", "accuracy": logreg_raw}]
    return pd.DataFrame(rows)


def test_m2_needs_the_gat_to_beat_majority_and_match_any_classifier():
    assert msum.m2_verdict(_acc(0.65, 0.6))[0] == claims.REPRODUCED
    # any classifier on raw features does much better: the GAT's accuracy does not validate the latents
    assert msum.m2_verdict(_acc(0.65, 0.9))[0] == claims.NOT_REPRODUCED
    assert msum.m2_verdict(_acc(0.32, 0.3))[0] == claims.NOT_REPRODUCED
    acc = _acc(0.65, 0.6)
    acc.loc[(acc.task == "geography") & (acc.features == "raw") & (acc.method == "logistic regression"), "accuracy"] = 0.95
    verdict, ev = msum.m2_verdict(acc)
    assert verdict == claims.MIXED and ev["tissue: GAT (latents)"] == 0.65


def _folds(ae, pca, mean=1.0):
    rng = np.random.default_rng(0)
    return pd.DataFrame([{"model": m, "fold": f, "heldout_loss": ae + 0.01 * rng.normal(), "pca_loss": pca,
                          "mean_loss": mean} for m in ("genes", "metabolites") for f in range(10)])


def test_m3_and_m3b_flip_with_the_losses():
    learned = msum.heldout_summary(_folds(0.8, 0.9))
    assert msum.m3_verdict(learned) == claims.REPRODUCED
    assert msum.m3_verdict(msum.heldout_summary(_folds(0.99, 0.9))) == claims.NOT_REPRODUCED
    assert msum.m3b_verdict(_folds(0.8, 0.9))[0] == claims.REPRODUCED
    assert msum.m3b_verdict(_folds(0.95, 0.9))[0] == claims.NOT_REPRODUCED
    mixed = pd.concat([_folds(0.8, 0.9).query("model == 'genes'"), _folds(0.95, 0.9).query("model == 'metabolites'")])
    assert msum.m3b_verdict(mixed)[0] == claims.MIXED
    long = msum.loss_long(_folds(0.8, 0.9))
    assert set(long["model"]) == {"autoencoder", "PCA", "training mean"} and len(long) == 60


def test_headline_has_at_most_15_rows():
    held = msum.heldout_summary(_folds(0.8, 0.9))
    head = msum.headline(_prec(0.1), None, held, _acc(0.65, 0.6), _prec(0.0))
    assert 0 < len(head) <= 15 and head["precision@k correlation"] == np.mean(_prec(0.1).query(
        "evidence == 'correlation'")["precision"])


def test_convergence_flags_count_unreliable_fits_by_kind():
    rows = [{"model": f"rep {s}: genes AE fold {f}", "status": "did not learn" if f < 2 else "converged"}
            for s in range(3) for f in range(1, 4)]
    rows += [{"model": "rep 0: GAT (all samples)", "status": "converged"}]
    ok, why = msum.convergence_flags(pd.DataFrame(rows), "rep ")
    assert not ok and why == "genes AE: did not learn in 3 of 9 fits"
    assert msum.convergence_flags(rows, "GAT") == (True, "")


def test_verdict_sentences_end_with_one_period():
    rec = {"id": "M3", "claim": "The autoencoders learn.", "verdict": "reproduced", "robust": True,
           "ours": "genes autoencoder: held-out loss 0.859 vs the training mean 1.025."}
    (sentence,) = msum.verdict_sentences([rec])
    assert sentence.endswith("1.025.") and ".." not in sentence
    assert msum.verdict_sentences([{**rec, "robust": False, "why": "one data set", "ours": ""}]) == [
        "M3 - The autoencoders learn. Verdict: reproduced; not robust (one data set)."]
