"""Verdict rules and the ledger's robustness flags on small fabricated evidence."""
import pandas as pd
import pytest

from genenets import claims
from genenets.errors import ConfigError


def _claim():
    return claims.Claim("X1", "A beats B", "Table 1", rule="mean AUROC of A > B + 0.01")


def test_greater_flips_with_its_evidence():
    assert claims.greater(0.80, 0.70, margin=0.01) == "reproduced"
    assert claims.greater(0.70, 0.80, margin=0.01) == "not reproduced"
    assert claims.greater(0.705, 0.70, margin=0.01) == "mixed"


def test_ordering_and_votes():
    assert claims.ordering({"ae": 3, "rnn": 2, "cnn": 1}, ["ae", "rnn", "cnn"]) == "reproduced"
    assert claims.ordering({"ae": 1, "rnn": 2, "cnn": 3}, ["ae", "rnn", "cnn"]) == "not reproduced"
    assert claims.ordering({"ae": 3, "rnn": 1, "cnn": 2}, ["ae", "rnn", "cnn"]) == "mixed"
    assert claims.from_votes([True, None, True]) == "reproduced"
    assert claims.from_votes([None]) == "not testable here"


def test_decide_records_evidence_and_one_seed_is_not_robust():
    c = claims.decide(_claim(), "reproduced", evidence={"A": 0.8, "B": 0.7}, seeds=1, budgets=[10])
    assert c.verdict == "reproduced" and c.evidence == {"A": 0.8, "B": 0.7}
    assert c.robust is False and "one seed" in c.why
    c3 = claims.decide(_claim(), "reproduced", evidence={}, seeds=3, budgets=[10, 40], budgets_varied=True)
    assert c3.robust is True and c3.why == ""
    one_budget = claims.decide(_claim(), "reproduced", seeds=3, budgets=[10])
    assert one_budget.robust is False and "one training budget" in one_budget.why
    untrained = claims.decide(_claim(), "reproduced", seeds=3, budgets=[])  # no trained model under it
    assert untrained.robust is True


def test_a_model_that_did_not_learn_makes_the_claim_not_robust():
    conv = pd.DataFrame([{"model": "A", "status": "converged"}, {"model": "B", "status": "did not learn"}])
    c = claims.decide(_claim(), "reproduced", seeds=3, convergence=conv, models=["A", "B"])
    assert c.robust is False and "B: did not learn" in c.why
    ok = claims.decide(_claim(), "reproduced", seeds=3, convergence=conv, models=["A"], budgets_varied=True)
    assert ok.robust is True


def test_unknown_verdict_is_a_config_error():
    with pytest.raises(ConfigError, match="not one of"):
        claims.decide(_claim(), "sort of")


def test_robust_across_a_grid():
    assert claims.robust_across(["reproduced"] * 9)
    assert not claims.robust_across(["reproduced"] * 8 + ["mixed"])
    assert not claims.robust_across([])
    assert claims.summary_counts([{"verdict": "mixed"}, {"verdict": "mixed"}])["mixed"] == 2
