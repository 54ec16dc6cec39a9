import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from genenets import ranking


def test_validate_weights_accepts_default_and_rejects_bad_sums_and_names():
    assert ranking.validate_weights(ranking.DEFAULT_WEIGHTS) == ranking.DEFAULT_WEIGHTS
    with pytest.raises(ValueError, match="sum to 0.9"):
        ranking.validate_weights({"correlation": 0.5, "autoencoder": 0.4})
    with pytest.raises(ValueError, match=r"unknown evidence \['blast'\]"):
        ranking.validate_weights({"correlation": 0.5, "blast": 0.5})
    with pytest.raises(ValueError, match="non-negative number"):
        ranking.validate_weights({"correlation": 1.5, "gnn": -0.5})


def test_load_weights_names_the_file(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("weights: {correlation: 0.6, gnn: 0.3}\n")
    with pytest.raises(ValueError, match=str(path)):
        ranking.load_weights(path)
    path.write_text("weights: {correlation: 0.7, gnn: 0.3}\n")
    assert ranking.load_weights(path) == {"correlation": 0.7, "gnn": 0.3}


def test_rank_normalize_matches_scipy_and_constant_is_zero():
    s = pd.Series([3.0, 1.0, 2.0, 2.0], index=list("abcd"))
    np.testing.assert_allclose(ranking.rank_normalize(s), rankdata(s) / len(s))
    assert (ranking.rank_normalize(pd.Series([5.0, 5.0, 5.0])) == 0).all()


def test_fuse_is_weighted_sum_of_ranks_and_sorted():
    ev = pd.DataFrame({"correlation": [0.9, 0.1, 0.5], "gnn": [0.0, 1.0, 0.5]}, index=["g1", "g2", "g3"])
    out = ranking.fuse(ev, {"correlation": 0.75, "gnn": 0.25})
    expected = 0.75 * rankdata(ev["correlation"]) / 3 + 0.25 * rankdata(ev["gnn"]) / 3
    np.testing.assert_allclose(out.loc[ev.index, "fused"], expected)
    assert list(out.index) == ["g1", "g3", "g2"] and list(out["rank"]) == [1, 2, 3]
    with pytest.raises(ValueError, match="lacks the weighted column"):
        ranking.fuse(ev, {"homology": 1.0})


def test_homology_evidence_best_hit_and_counted_unknown_genes():
    hits = pd.DataFrame({"query_gene": ["g1", "g1", "g2", "zz"], "family": ["CYP", "OMT", "UGT", "CYP"],
                         "evalue": [1e-10, 1e-30, 1e-2, 1e-50]})
    score, family, counts = ranking.homology_evidence(hits, ["g1", "g2", "g3"])
    assert score["g1"] == pytest.approx(30) and family["g1"] == "OMT"
    assert score["g2"] == 0 and family["g2"] == ""  # above the e-value cut-off
    assert counts == {"hits": 4, "unknown_genes": 1, "above_evalue": 1, "genes_with_hit": 1}
    with pytest.raises(ValueError, match="none of its 1 query genes"):
        ranking.homology_evidence(hits.iloc[[3]], ["g1"])
    with pytest.raises(ValueError, match="needs columns"):
        ranking.homology_evidence(hits.drop(columns="family"), ["g1"])


def test_precision_table():
    ev = pd.DataFrame({"good": [4.0, 3.0, 2.0, 1.0], "bad": [1.0, 2.0, 3.0, 4.0]}, index=["a", "b", "c", "d"])
    tab = ranking.precision_table(ev, ["a", "b"], ks=[2]).set_index("evidence")["precision"]
    assert tab["good"] == 1.0 and tab["bad"] == 0.0
