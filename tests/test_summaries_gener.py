"""Verdict rules of the GENER notebook on small fabricated result tables: each claim flips when its evidence does."""
import pandas as pd
import pytest

from genenets.summaries import gener as S


def table(original: dict, balanced: dict | None = None, c3: dict | None = None) -> pd.DataFrame:
    rows = [{"benchmark": "original", "scheme": "random", "split": "random", "method": m, "auroc": v,
             "auroc_class1": v} for m, v in original.items()]
    rows += [{"benchmark": "degree-balanced", "scheme": "random", "split": "random", "method": m, "auroc": v,
              "auroc_class1": v} for m, v in (balanced or {}).items()]
    rows += [{"benchmark": "original", "scheme": "gene-disjoint", "split": "C3", "method": m, "auroc": v,
              "auroc_class1": v} for m, v in (c3 or {}).items()]
    return pd.DataFrame(rows)


PAPER_LIKE = {"GENER (paper)": 0.83, "CNN-only (paper)": 0.78, "GENER (authors)": 0.84, "CNN-only (authors)": 0.80,
              "GNE": 0.82, "node2vec": 0.74, "|Pearson|": 0.58, "degree": 0.75}


def test_e1_flips_with_the_ablation():
    assert S.e1(table(PAPER_LIKE))[0] == "reproduced"
    worse = {**PAPER_LIKE, "CNN-only (paper)": 0.90, "CNN-only (authors)": 0.90}
    assert S.e1(table(worse))[0] == "not reproduced"
    assert S.e1(table({**PAPER_LIKE, "CNN-only (paper)": 0.90}))[0] == "mixed"
    tie = {**PAPER_LIKE, "CNN-only (paper)": 0.825, "CNN-only (authors)": 0.835}  # within the 0.01 margin
    assert S.e1(table(tie))[0] == "mixed"
    verdict, evidence, why = S.e1(table({"degree": 0.7}))
    assert verdict == "not testable here" and "GENER (paper)" in why


def test_e2_ordering_with_both_variants():
    verdict, evidence, _ = S.e2(table(PAPER_LIKE))
    assert verdict == "reproduced" and evidence["GNE"] == 0.82
    assert S.e2(table({**PAPER_LIKE, "GENER (paper)": 0.5, "GENER (authors)": 0.5, "GNE": 0.6, "node2vec": 0.7,
                       "|Pearson|": 0.8}))[0] == "not reproduced"
    assert S.e2(table({**PAPER_LIKE, "GENER (paper)": 0.80}))[0] == "mixed"  # below GNE with one variant only
    no_n2v = {k: v for k, v in PAPER_LIKE.items() if k != "node2vec"}
    assert S.e2(table(no_n2v))[0] == "not testable here"


def test_e3_needs_degree_at_chance():
    good = {"GENER (paper)": 0.62, "GENER (authors)": 0.60, "degree": 0.50, "node2vec": 0.55}
    verdict, evidence, why = S.e3(table(PAPER_LIKE, good))
    assert verdict == "reproduced" and not why and evidence["degree"] == 0.50
    assert S.e3(table(PAPER_LIKE, {**good, "node2vec": 0.70}))[0] == "not reproduced"
    assert S.e3(table(PAPER_LIKE, {**good, "GENER (authors)": 0.4}))[0] == "mixed"
    verdict, _, why = S.e3(table(PAPER_LIKE, {**good, "degree": 0.62}))
    assert verdict == "not testable here" and "0.620" in why
    without_n2v = {k: v for k, v in good.items() if k != "node2vec"}
    assert S.e3(table(PAPER_LIKE, without_n2v))[0] == "reproduced"


def test_survival_share_and_paper_table():
    t = table(PAPER_LIKE, {m: 0.5 + (v - 0.5) / 2 for m, v in PAPER_LIKE.items()})
    surv = S.survival(t).set_index("method")
    assert surv.loc["degree", "surviving share"] == pytest.approx(0.5)
    t4 = S.paper_table4(t).set_index("method")
    assert t4.loc["GENER (authors)", "paper AUROC (536 DREAM5 arrays)"] == 0.834
    assert t4.loc["GNE", "our AUROC (50 cell-cycle arrays)"] == 0.82


def test_headline_has_at_most_15_rows_and_sentences_name_the_winner():
    t = table(PAPER_LIKE, {m: 0.5 for m in PAPER_LIKE}, c3={m: 0.55 for m in PAPER_LIKE})
    head = S.headline(t)
    assert 0 < len(head) <= 15 and head["original random AUROC: degree"] == 0.75
    lines = S.summary_sentences(t)
    assert lines[0].startswith("[original] random split: best GENER (authors) (0.840)")


def test_learning_sentences_report_loss_ratio_and_validation_auroc_per_benchmark():
    conv = pd.DataFrame({"model": ["original/random/GENER (paper)", "original/random/GNE",
                                   "degree-balanced/random/GENER (paper)", "dream5:original/random/GENER (paper)"],
                         "status": ["did not learn", "converged", "converged", "did not learn"],
                         "loss_ratio": [0.973, 0.9, 0.8, 0.99], "val_auroc": [0.612, 0.7, 0.75, 0.5]})
    lines = S.learning_sentences(conv)
    assert len(lines) == 2  # the dream5 side set is left out
    assert lines[0].startswith("[original] 1 of 2 trained models 'did not learn'") and "0.973-0.973" in lines[0]
    assert "validation AUROC 0.612-0.612" in lines[0]
    assert lines[1] == "[degree-balanced] every trained model learned by the 5 % rule (1 models)."
