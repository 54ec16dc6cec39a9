"""GRN analyses: pair construction, baselines against scipy/scikit-learn, GENIE3 on a clear simulated
network, the neural pair classifier, and the two protocols."""
import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats as sps
from sklearn.metrics import average_precision_score, mutual_info_score, roc_auc_score
from sklearn.preprocessing import KBinsDiscretizer

from genenets.simulate.grn import simulate_grn, simulate_networks
from genenets.summaries import grn as grn_summary
from genenets.tools import grn


class TinyNet:
    """A 4-gene network with the single edge G1 -> G2."""

    name = "tiny"
    genes = ["G1", "G2", "G3", "G4"]

    def __init__(self, seed=0):
        self.timeseries = np.random.default_rng(seed).random((3, 6, 4))

    def adjacency(self):
        adj = np.zeros((4, 4), dtype=int)
        adj[0, 1] = 1
        return adj


def test_ordered_pairs_direction_no_self_pairs_counts():
    reg, tgt = grn.ordered_pairs(5)
    assert len(reg) == 5 * 4 and not (reg == tgt).any()
    assert len(set(zip(reg, tgt))) == 20 and (0, 1) in set(zip(reg, tgt)) and (1, 0) in set(zip(reg, tgt))
    table = grn.pair_table(TinyNet())
    assert len(table) == 12
    label = table.set_index(["regulator", "target"])["label"]
    assert label["G1", "G2"] == 1 and label["G2", "G1"] == 0 and label.sum() == 1
    with pytest.raises(ValueError, match="at least 2 genes"):
        grn.ordered_pairs(1)


def test_pair_sequences_put_regulator_first():
    net = TinyNet()
    X = grn.pair_sequences(net.timeseries, np.array([0, 1]), np.array([1, 0]))
    assert X.shape == (2, 3, 6, 2) and X.dtype == np.float32
    np.testing.assert_allclose(X[0, :, :, 0], net.timeseries[:, :, 0], rtol=1e-6)
    np.testing.assert_allclose(X[0, :, :, 1], net.timeseries[:, :, 1], rtol=1e-6)
    np.testing.assert_allclose(X[1, :, :, 0], net.timeseries[:, :, 1], rtol=1e-6)


def test_balanced_sample_keeps_all_positives():
    labels = np.r_[np.ones(10), np.zeros(500)].astype(int)
    idx = grn.balanced_sample(labels, np.random.default_rng(0))
    assert len(idx) == 20 and labels[idx].sum() == 10 and len(set(idx)) == 20
    with pytest.raises(ValueError, match="both positive and negative"):
        grn.balanced_sample(np.zeros(5), np.random.default_rng(0))


def test_evaluate_matches_sklearn():
    rng = np.random.default_rng(1)
    labels, scores = (rng.random(300) < 0.1).astype(int), rng.random(300)
    out = grn.evaluate(labels, scores)
    assert out["average_precision"] == pytest.approx(average_precision_score(labels, scores))
    assert out["aupr"] < out["average_precision"]  # DREAM's interpolation lies below the step curve here
    assert out["auroc"] == pytest.approx(roc_auc_score(labels, scores))
    assert out["random_aupr"] == pytest.approx(labels.mean()) and out["n_pairs"] == 300
    S = rng.random((10, 10))
    A = (rng.random((10, 10)) < 0.2).astype(int)
    np.fill_diagonal(A, 0)
    off = ~np.eye(10, dtype=bool)
    res = grn.evaluate_matrix(S, A)
    assert res["n_pairs"] == 90 and res["auroc"] == pytest.approx(roc_auc_score(A[off], S[off]))
    with pytest.raises(ValueError, match="differ in shape"):
        grn.evaluate(labels, scores[:10])


def test_dream_aupr_on_a_hand_computed_ranking():
    # ranking (best first): edge, non-edge, edge, non-edge, non-edge; P = 2, N = 3
    labels, scores = np.array([1, 0, 1, 0, 0]), np.array([5.0, 4, 3, 2, 1])
    aupr, auroc = grn.dream_aupr_auroc(labels, scores)
    # rank 1: area 1/P; rank 3 (one false positive above): (1 - 1 * ln(3/2)) / P
    assert aupr == pytest.approx((1 + 1 - np.log(3 / 2)) / 2, abs=1e-12)  # 0.7973
    assert auroc == pytest.approx(5 / 6)  # negatives at ranks 2, 4, 5 have 1, 2, 2 edges above: 5 / (2 * 3)
    assert average_precision_score(labels, scores) == pytest.approx((1 + 2 / 3) / 2)  # step curve: higher
    # a perfect ranking scores 1 on both; the order of tied scores is the pairs' order
    assert grn.dream_aupr_auroc(np.array([1, 1, 0]), np.array([3.0, 2, 1])) == pytest.approx((1.0, 1.0))
    assert grn.dream_aupr_auroc(np.array([0, 1]), np.array([1.0, 1.0]))[1] == 0.0
    with pytest.raises(ValueError, match="both edges and non-edges"):
        grn.dream_aupr_auroc(np.zeros(4), np.arange(4.0))


def test_dream_pvalues_and_overall_score():
    lp_pr, lp_roc = grn.dream_log10_pvalues(0.02, 0.5, 176, 9900)  # a random-looking ranking
    assert -1.5 < lp_roc <= 0 and -1.5 < lp_pr <= 0
    strong = grn.dream_log10_pvalues(0.3, 0.8, 176, 9900)
    assert strong[0] < -10 and strong[1] < -10  # far beyond random
    assert grn.dream_overall_score([-10, -20], [-4, -6]) == pytest.approx(10.0)


def test_knockout_zscore_on_a_three_gene_toy():
    # G1 -> G2 -> G3: deleting G1 lowers G2 strongly and G3 a little; deleting G2 lowers G3; G3 regulates nothing
    wildtype = np.array([1.0, 1.0, 1.0])
    knockouts = np.array([[0.0, 0.2, 0.6],
                          [1.0, 0.0, 0.4],
                          [1.0, 1.0, 0.0]])
    z = grn.perturbation_zscores(knockouts, wildtype)
    sd = knockouts.std(axis=0)
    assert z[0, 1] == pytest.approx(0.8 / sd[1]) and z[1, 2] == pytest.approx(0.6 / sd[2])
    assert z[2, 0] == 0 and z[2, 1] == 0 and np.trace(z) == 0
    assert z[0, 1] > z[1, 0] and z[1, 2] > z[2, 1]  # directed
    # G1 -> G3 is explained by G1 -> G2 -> G3 (both steps stronger): down-ranked below the direct edges
    reduced = grn.downrank_indirect(z, threshold=0.5)
    off = ~np.eye(3, dtype=bool)
    order = sorted(zip(-reduced[off], np.argwhere(off).tolist()))
    assert [tuple(p) for _, p in order[:2]] in ([(0, 1), (1, 2)], [(1, 2), (0, 1)])
    assert z[0, 2] > 0.5 and reduced[0, 2] == z[0, 2]  # kept its score, but below the direct edges
    with pytest.raises(ValueError, match="perturbed must be"):
        grn.perturbation_zscores(knockouts[:2], wildtype)


def test_dyngenie3_decay_estimate_on_an_exponential_decay():
    # x(t) = C_min + A exp(-alpha t), with C_min the lowest value of all genes (a flat fourth gene): the
    # estimate ln(x_max - C_min) - ln(x_min - C_min) over |t_max - t_min| returns alpha exactly
    times = np.linspace(0, 100, 21)
    alphas = np.array([0.01, 0.05, 0.1])
    decaying = 0.1 + 2.0 * np.exp(-alphas[None, None, :] * times[None, :, None])
    ts = np.concatenate([decaying, np.full((1, 21, 1), 0.1)], axis=2)
    est = grn.estimate_decay_rates(ts, times)
    np.testing.assert_allclose(est[:3], alphas, rtol=1e-9)
    assert est[3] == 0  # a flat gene: no decay to see
    # a second series with a slower-looking course: the largest rate over the series is kept
    slower = np.concatenate([0.1 + 2.0 * np.exp(-0.5 * alphas[None, None, :] * times[None, :, None]),
                             np.full((1, 21, 1), 0.1)], axis=2)
    np.testing.assert_allclose(grn.estimate_decay_rates(np.concatenate([ts, slower]), times)[:3], alphas)
    g = grn.GENIE3(n_estimators=5, time_lagged=True).fit(ts, times)
    np.testing.assert_allclose(g.decay_, est)


def test_correlation_baselines_match_scipy():
    ts = np.random.default_rng(2).random((4, 8, 5))
    flat = ts.reshape(-1, 5)
    s = grn.correlation_scores(ts)
    assert s[1, 3] == pytest.approx(abs(sps.pearsonr(flat[:, 1], flat[:, 3])[0])) and s[2, 2] == 0
    lag = grn.lagged_correlation_scores(ts)
    before, after = ts[:, :-1, 1].ravel(), ts[:, 1:, 3].ravel()
    assert lag[1, 3] == pytest.approx(abs(sps.pearsonr(before, after)[0]))
    assert not np.allclose(lag, lag.T)  # time-lagged correlation is directed


def test_mutual_information_matches_sklearn():
    ts = np.random.default_rng(3).random((5, 21, 6))
    ts[..., 2] = ts[..., 0] ** 2  # a deterministic relation has high MI
    mi = grn.mutual_information_scores(ts, n_bins=6)
    binned = KBinsDiscretizer(n_bins=6, encode="ordinal", strategy="quantile",
                              quantile_method="averaged_inverted_cdf").fit_transform(ts.reshape(-1, 6)).astype(int)
    for i, j in [(0, 2), (1, 4), (3, 5)]:
        assert mi[i, j] == pytest.approx(mutual_info_score(binned[:, i], binned[:, j]), abs=1e-10)
    assert mi[0, 2] == mi.max() and np.allclose(mi, mi.T)


def test_genie3_recovers_most_edges_of_a_clear_network():
    recalls, aurocs = [], []
    for seed in range(3):
        sim = simulate_grn(10, n_series=40, intrinsic_noise=0.0, measurement_noise=0.0, multiplicative_noise=0.0,
                           perturbation_strength=0.7, perturbed_fraction=0.3, mean_in_degree=1.2, seed=seed)
        scores = grn.GENIE3(n_estimators=30, tree_method="ET", time_lagged=True, decay=0.02,  # simulator: 0.01-0.04
                            random_state=0).fit(sim.timeseries, sim.times).scores_
        assert scores.shape == (10, 10) and np.trace(scores) == 0
        adj = sim.adjacency()
        reg, tgt = grn.ordered_pairs(10)
        top = np.argsort(-scores[reg, tgt])[:2 * adj.sum()]
        recalls.append(adj[reg, tgt][top].sum() / adj.sum())
        aurocs.append(grn.evaluate_matrix(scores, adj)["auroc"])
    # most true edges rank among the top 2 x |edges| of 90 pairs; far above random (AUROC 0.5)
    assert np.mean(recalls) > 0.5 and np.mean(aurocs) > 0.75


def test_genie3_importances_and_errors():
    rng = np.random.default_rng(0)
    ts = rng.random((6, 10, 4))
    ts[..., 3] = 2 * ts[..., 1] + 0.01 * rng.random((6, 10))  # G4 is a copy of G2
    g = grn.GENIE3(n_estimators=20, tree_method="RF", random_state=0).fit(ts)
    assert g.scores_[:, 3].argmax() == 1
    # GENIE3's importances: variance reductions of a unit-variance target, not normalized per target;
    # fully grown trees explain (almost) all of the training variance
    assert ((g.scores_.sum(axis=0) > 0.5) & (g.scores_.sum(axis=0) < 1.0 + 1e-9)).all()
    with pytest.raises(ValueError, match="tree_method must be 'ET' or 'RF'"):
        grn.GENIE3(tree_method="XGB").fit(ts)
    with pytest.raises(ValueError, match="shape"):
        grn.GENIE3().fit(ts[0, 0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        grn.GENIE3(n_estimators=2).fit(np.where(ts == ts.max(), np.nan, ts))


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models: one thread avoids oversubscribing shared cores (restored afterwards)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _easy_pairs(n=200, seed=0):
    """Positives: the target follows the regulator exactly; negatives: unrelated courses."""
    rng = np.random.default_rng(seed)
    reg = rng.random((n, 2, 12))
    tgt = np.where(np.arange(n)[:, None, None] < n // 2, reg, rng.random((n, 2, 12)))
    X = np.stack([reg, tgt], axis=-1).astype(np.float32)
    y = (np.arange(n) < n // 2).astype(int)
    return X, y


@pytest.mark.parametrize("kind", ["LSTM", "CNN", "AE+NN"])
def test_pair_classifier_learns_an_easy_rule(kind):
    X, y = _easy_pairs()
    Xt, yt = _easy_pairs(seed=1)
    clf = grn.PairClassifier(kind, epochs=20, ae_epochs=10, hidden=16, batch_size=50, seed=0,
                             progress=False).fit(X, y)
    p = clf.predict_proba(Xt)
    assert p.shape == (200,) and ((p >= 0) & (p <= 1)).all()
    assert clf.history_.train_loss[-1] < clf.history_.train_loss[0]
    assert roc_auc_score(yt, p) > 0.7  # on new pairs; chance is 0.5


def test_pair_classifier_is_reproducible_and_checks_input():
    X, y = _easy_pairs(60)
    a = grn.PairClassifier("LSTM", epochs=2, hidden=8, seed=3, progress=False).fit(X, y).predict_proba(X)
    b = grn.PairClassifier("LSTM", epochs=2, hidden=8, seed=3, progress=False).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(a, b)
    with pytest.raises(ValueError, match=r"shape \(n_pairs, n_series, n_times, 2\)"):
        grn.PairClassifier("LSTM").fit(X[..., 0], y)
    with pytest.raises(ValueError, match="kind must be one of"):
        grn.PairClassifier("GRU").fit(X, y)


def test_protocols_table_and_summary():
    nets = simulate_networks(3, 8, seed=0, n_series=3, n_times=7)
    run = grn.run_protocols(nets, neural=("CNN",), baselines=("correlation", "GENIE3"), seeds=(0, 1), epochs=1,
                            n_estimators=5, progress=False)
    res = run.results
    assert set(run.histories) == {f"CNN | {name} | seed {s}" for s in (0, 1)
                                  for name in ["random split", *(f"LONO {n.name}" for n in nets)]}
    assert set(res["protocol"]) == {"leave_one_network_out", "random_split"}
    assert len(res) == 2 * 3 * 3 * 2  # protocols x methods x networks x seeds
    lono = res[res["protocol"] == "leave_one_network_out"]
    assert (lono["n_pairs"] == 8 * 7).all()  # all directed pairs of the held-out network
    split = res[res["protocol"] == "random_split"]
    assert (split["n_pairs"] < 8 * 7).all()
    summary = grn.summarize(res)
    assert set(summary["network"]) == {n.name for n in nets} | {"mean"}
    assert (summary.loc[summary["network"] != "mean", "n_seeds"] == 2).all()
    metrics = grn_summary.metrics_dict(summary, "leave_one_network_out", "aupr")
    assert set(metrics) == {"CNN", "correlation", "GENIE3"} and "mean" in metrics["CNN"]
    sentence = grn_summary.ranking_sentence(summary, "leave_one_network_out", "aupr")
    assert sentence.startswith("leave one network out:") and "wins on mean AUPR" in sentence
    with pytest.raises(ValueError, match="at least 2 networks"):
        grn.run_protocols(nets[:1], neural=(), baselines=("correlation",), seeds=(0,), progress=False)


def test_width_search_and_early_stopping_on_validation_pairs():
    nets = simulate_networks(3, 8, seed=0, n_series=3, n_times=7)
    run = grn.run_protocols(nets, neural=("LSTM",), baselines=("correlation",), seeds=(0,), epochs=30, patience=1,
                            val_fraction=0.3, widths=(4, 8), lrs=(0.01,), batch_size=4, protocols=("random_split",),
                            progress=False)
    assert len(run.widths) == 2 and run.widths["chosen"].sum() == 1
    assert set(run.widths.columns) >= {"width", "lr", "status"}
    chosen = run.widths.loc[run.widths["chosen"]]
    assert chosen["val_loss"].iloc[0] == run.widths["val_loss"].min()  # the width with the best validation loss
    h = run.histories["LSTM | random split | seed 0"]
    assert h.val_loss and h.no_learning_loss == pytest.approx(np.log(2), abs=0.05)
    assert h.stop_reason == "patience"  # 30 epochs on 8-gene networks: early stopping ends it


def test_feature_table_and_bad_network():
    table = grn.pair_feature_table(TinyNet())
    assert list(table.columns[-3:]) == ["correlation", "lagged_correlation", "mutual_information"]
    assert len(table) == 12 and table["correlation"].between(-1, 1).all()

    class Broken(TinyNet):
        def __init__(self):
            super().__init__()
            self.timeseries = self.timeseries[..., :3]

    with pytest.raises(ValueError, match=r"tiny: timeseries must have shape \(n_series, n_times, n_genes=4\)"):
        grn.pair_feature_table(Broken())
    assert isinstance(table, pd.DataFrame)


def test_combination_learns_from_a_telling_score_leave_one_network_out():
    rng = np.random.default_rng(0)
    feats, labels = [], []
    for k in range(3):  # three 12-gene "networks": one score matrix that marks the edges, one of noise
        adj = (rng.random((12, 12)) < 0.1).astype(int)
        np.fill_diagonal(adj, 0)
        adj[0, 1] = 1
        mats = {"telling": adj + 0.3 * rng.random((12, 12)), "noise": rng.random((12, 12))}
        X, names = grn.pair_features(mats)
        feats.append(X)
        labels.append(adj[grn.ordered_pairs(12)])
    assert X.shape == (132, 8) and names[0] == "telling:pct" and names[-1] == "noise:reverse_pct"
    scores, hist = grn.combine_leave_one_network_out(feats, labels, seed=0, epochs=60, patience=10, batch_size=64,
                                                     lr=1e-2)
    assert len(scores) == 3 and all(s.shape == (132,) for s in scores) and set(hist) == {0, 1, 2}
    assert np.mean([grn.dream_aupr_auroc(y, s)[1] for y, s in zip(labels, scores)]) > 0.9
    assert all(h.no_learning_loss is not None and h.val_loss for h in hist.values())
    with pytest.raises(ValueError, match="at least 3 networks"):
        grn.combine_leave_one_network_out(feats[:2], labels[:2])


def test_steady_state_scores_on_the_simulator_and_tree_budget_check():
    sim = simulate_grn(12, seed=1)
    mats = grn.steady_state_scores(sim, n_estimators=5, trees=["GENIE3_steady"])
    assert set(mats) == {"knockout_z", "knockout_z_reduced", "knockdown_z", "multifactorial_correlation",
                         "GENIE3_steady"}
    assert all(m.shape == (12, 12) and np.trace(m) == 0 for m in mats.values())
    assert grn.evaluate_matrix(mats["knockout_z"], sim.adjacency())["auroc"] > 0.7  # deletions reveal targets
    check = grn.tree_budget_validation(sim.timeseries, sim.times, budgets=(5, 20), n_targets=3)
    assert list(check["n_estimators"]) == [5, 20] and (check["n_targets"] == 3).all()


def test_scale_caps_and_time_series_methods():
    group = dict(epochs=60, ae_epochs=100, patience=5)
    assert grn.scale_caps(group, 4, ("epochs", "ae_epochs")) == dict(epochs=240, ae_epochs=400, patience=5)
    assert grn.scale_caps(group, 0.001, ("epochs",))["epochs"] == 1 and group["epochs"] == 60
    assert grn.time_series_methods(["dynGENIE3", "GENIE3_steady"]) == [*grn.BASELINES[:3], "dynGENIE3"]
    assert grn.time_series_methods(["GENIE3", "dynGENIE3"], with_trees=False) == list(grn.BASELINES[:3])


def test_a_converged_pair_classifier_is_reused_at_a_larger_cap_and_retrained_at_a_smaller(tmp_path, monkeypatch):
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2, 5, 2)).astype(np.float32)
    y = (X[:, :, :, 0].mean(axis=(1, 2)) > 0).astype(int)
    kw = dict(seed=0, hidden=4, batch_size=8, patience=1, val_fraction=0.3, progress=False)
    first = grn.fit_pair_classifier("LSTM", X, y, epochs=40, ae_epochs=5, **kw)
    assert first.history_.stopped_early and len(first.history_.train_loss) < 40
    again = grn.fit_pair_classifier("LSTM", X, y, epochs=160, ae_epochs=20, **kw)  # 4x: the same model, from the cache
    assert again.history_.epochs_cap == 160 and again.history_.train_loss == first.history_.train_loss
    np.testing.assert_array_equal(again.predict_proba(X), first.predict_proba(X))
    fresh = grn.PairClassifier("LSTM", epochs=160, ae_epochs=20, **kw).fit(X, y)  # what training at 4x gives
    np.testing.assert_array_equal(fresh.predict_proba(X), again.predict_proba(X))
    short = len(first.history_.train_loss) - 1  # a cap below the epoch where patience stopped it: trained again
    capped = grn.fit_pair_classifier("LSTM", X, y, epochs=short, ae_epochs=5, **kw)
    assert len(capped.history_.train_loss) == short and capped.history_.stop_reason == "cap"
